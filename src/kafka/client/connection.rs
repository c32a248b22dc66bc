//! What every client does with its connections, the same for producers and consumers
//! (`NetworkClient` and `DefaultMetadataUpdater` in the Java client): ask for metadata, apply a
//! Metadata response, and fail requests when a connection goes away, by a reset from the
//! broker's host or because a request timed out (which closes the connection).

use super::{ClientMetadata, InFlightRequest, NetworkClient};
use crate::kafka::event::Event;
use crate::kafka::protocol::{Message, TopicMetadata};
use crate::kafka::timer::Timer;
use crate::kafka::types::{BrokerId, NodeId};
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};

/// A client's network side: its requests in flight and its metadata.
pub struct Connections<'a> {
    pub me: NodeId,
    pub net: &'a mut NetworkClient,
    pub metadata: &'a mut ClientMetadata,
}

/// Requests that failed because their connection closed, the timed-out one first.
pub struct Disconnected {
    pub peer: NodeId,
    pub requests: Vec<(u32, InFlightRequest)>,
    /// The connection closed because a request timed out (Kafka reports REQUEST_TIMED_OUT for
    /// every request on it), not because the peer reset it (NETWORK_EXCEPTION).
    pub timed_out: bool,
}

impl Connections<'_> {
    /// Ask the next broker for metadata, unless a request is already out.
    pub fn request_metadata(&mut self, ctx: &mut Ctx<'_, Cluster>, timeout_ms: u64) {
        if self.metadata.request_in_flight.is_some() {
            return;
        }
        let Some(node) = self.metadata.next_metadata_node() else {
            return;
        };
        let topics = self.metadata.wanted.clone();
        let correlation_id = self.net.send(
            ctx,
            self.me,
            NodeId::Broker(node),
            Some(timeout_ms),
            |correlation_id| Message::Metadata {
                correlation_id,
                topics,
            },
        );
        self.metadata.request_in_flight = Some(correlation_id);
    }

    /// A Metadata response arrived: apply it, say which leaders changed, and refresh again
    /// after `metadata.max.age.ms`. False when the request had already failed.
    pub fn metadata_response(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        correlation_id: u32,
        brokers: Vec<BrokerId>,
        topics: Vec<TopicMetadata>,
        max_age_ms: u64,
    ) -> bool {
        if self.net.complete(ctx, self.me, correlation_id).is_none() {
            return false;
        }
        if self.metadata.request_in_flight == Some(correlation_id) {
            self.metadata.request_in_flight = None;
        }
        let changed = self
            .metadata
            .update(brokers, topics, ctx.now.as_ms() as i64);
        if !changed.is_empty() {
            ctx.emit(Event::MetadataUpdated {
                node: self.me,
                leaders: changed,
            });
        }
        ctx.set_timer(
            self.me,
            Timer::MetadataRefresh,
            SimDuration::from_ms(max_age_ms),
        );
        true
    }

    /// Kafka: `NetworkClient.handleTimedOutRequests`. A request timed out: the client closes
    /// the connection to that node, and every request in flight on it fails with it
    /// (`processTimeoutDisconnection`). `None` when the request had already been answered.
    pub fn request_timed_out(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        correlation_id: u32,
    ) -> Option<Disconnected> {
        let request = self.net.complete(ctx, self.me, correlation_id)?;
        ctx.close_connection(self.me, request.to);
        ctx.emit(Event::RequestTimedOut {
            node: self.me,
            peer: request.to,
            correlation_id,
            api: request.api,
        });
        let peer = request.to;
        let mut requests = vec![(correlation_id, request)];
        requests.extend(self.net.fail_all_to(ctx, self.me, peer));
        Some(self.disconnected(peer, requests, true))
    }

    /// The broker's host reset the connection (its process died): every request in flight to
    /// it fails. `None` when nothing was in flight (a second reset).
    pub fn connection_reset(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        broker: BrokerId,
    ) -> Option<Disconnected> {
        let peer = NodeId::Broker(broker);
        let requests = self.net.fail_all_to(ctx, self.me, peer);
        if requests.is_empty() {
            return None;
        }
        ctx.emit(Event::ConnectionLost {
            node: self.me,
            peer,
            failed_requests: requests.len() as u32,
        });
        Some(self.disconnected(peer, requests, false))
    }

    /// Forget a failed metadata request and mark the metadata stale
    /// (`DefaultMetadataUpdater.handleServerDisconnect`).
    fn disconnected(
        &mut self,
        peer: NodeId,
        requests: Vec<(u32, InFlightRequest)>,
        timed_out: bool,
    ) -> Disconnected {
        if requests
            .iter()
            .any(|(id, _)| self.metadata.request_in_flight == Some(*id))
        {
            self.metadata.request_in_flight = None;
        }
        self.metadata.needs_update = true;
        Disconnected {
            peer,
            requests,
            timed_out,
        }
    }
}
