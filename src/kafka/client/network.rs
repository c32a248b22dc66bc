//! Request bookkeeping shared by clients: correlation ids, requests in flight per broker, and
//! `request.timeout.ms`. A request's context (which batches a Produce carried, say) stays with
//! the caller, keyed by the correlation id this hands out.

use crate::kafka::protocol::Message;
use crate::kafka::timer::Timer;
use crate::kafka::types::NodeId;
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};
use std::collections::BTreeMap;

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct InFlightRequest {
    pub to: NodeId,
    pub api: &'static str,
    pub sent_at_ms: i64,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct NetworkClient {
    next_correlation_id: u32,
    in_flight: BTreeMap<u32, InFlightRequest>,
    /// How many of `in_flight` go to each peer, sorted by peer, without zeros: the producer's
    /// sender asks this for every ready broker at every pass, and counting the requests each
    /// time cost about 6 % of the tuning lab.
    per_peer: Vec<(NodeId, u32)>,
}

impl NetworkClient {
    /// Send a request built around a fresh correlation id; a `RequestTimeout` timer fails it if no
    /// response arrives in `timeout_ms`. Requests that expect no response (acks=0) pass `None`.
    pub fn send(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        me: NodeId,
        to: NodeId,
        timeout_ms: Option<u64>,
        build: impl FnOnce(u32) -> Message,
    ) -> u32 {
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        let msg = build(correlation_id);
        let api = msg.api_name();
        if let Some(timeout) = timeout_ms {
            self.track(
                correlation_id,
                InFlightRequest {
                    to,
                    api,
                    sent_at_ms: ctx.now.as_ms() as i64,
                },
            );
            ctx.set_timer(
                me,
                Timer::RequestTimeout { correlation_id },
                SimDuration::from_ms(timeout),
            );
        }
        ctx.send(me, to, msg);
        correlation_id
    }

    /// Like `send`, but the request leaves after `delay` (the client was busy building it).
    pub fn send_after(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        me: NodeId,
        to: NodeId,
        timeout_ms: Option<u64>,
        delay: SimDuration,
        build: impl FnOnce(u32) -> Message,
    ) -> u32 {
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        let msg = build(correlation_id);
        let api = msg.api_name();
        if let Some(timeout) = timeout_ms {
            self.track(
                correlation_id,
                InFlightRequest {
                    to,
                    api,
                    sent_at_ms: ctx.now.as_ms() as i64,
                },
            );
            ctx.set_timer(
                me,
                Timer::RequestTimeout { correlation_id },
                delay.plus(SimDuration::from_ms(timeout)),
            );
        }
        ctx.send_after(me, to, msg, delay);
        correlation_id
    }

    /// A response arrived: stop tracking it. `None` for responses to requests already failed.
    pub fn complete(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        me: NodeId,
        correlation_id: u32,
    ) -> Option<InFlightRequest> {
        let request = self.untrack(correlation_id)?;
        ctx.cancel_timer(me, Timer::RequestTimeout { correlation_id });
        Some(request)
    }

    /// The connection to `broker` was reset: every request in flight to it failed.
    pub fn fail_all_to(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        me: NodeId,
        peer: NodeId,
    ) -> Vec<(u32, InFlightRequest)> {
        let failed: Vec<u32> = self
            .in_flight
            .iter()
            .filter(|(_, r)| r.to == peer)
            .map(|(c, _)| *c)
            .collect();
        failed
            .into_iter()
            .filter_map(|c| self.complete(ctx, me, c).map(|r| (c, r)))
            .collect()
    }

    pub fn in_flight_to(&self, peer: NodeId) -> usize {
        // A handful of peers: a scan by equality beats a search by order.
        self.per_peer
            .iter()
            .find(|(p, _)| *p == peer)
            .map_or(0, |(_, n)| *n as usize)
    }

    pub fn in_flight_count(&self, api: &str) -> usize {
        self.in_flight.values().filter(|r| r.api == api).count()
    }

    pub fn has_in_flight_to(&self, peer: NodeId) -> bool {
        self.in_flight_to(peer) > 0
    }

    pub fn is_in_flight(&self, correlation_id: u32) -> bool {
        self.in_flight.contains_key(&correlation_id)
    }

    pub fn requests(&self) -> impl Iterator<Item = (&u32, &InFlightRequest)> {
        self.in_flight.iter()
    }

    /// Forget everything (the process died).
    pub fn reset(&mut self) {
        self.in_flight.clear();
        self.per_peer.clear();
    }

    fn track(&mut self, correlation_id: u32, request: InFlightRequest) {
        let peer = request.to;
        if let Some(replaced) = self.in_flight.insert(correlation_id, request) {
            self.count_down(replaced.to);
        }
        match self.per_peer.binary_search_by_key(&peer, |(p, _)| *p) {
            Ok(i) => self.per_peer[i].1 += 1,
            Err(i) => self.per_peer.insert(i, (peer, 1)),
        }
    }

    fn untrack(&mut self, correlation_id: u32) -> Option<InFlightRequest> {
        let request = self.in_flight.remove(&correlation_id)?;
        self.count_down(request.to);
        Some(request)
    }

    fn count_down(&mut self, peer: NodeId) {
        if let Ok(i) = self.per_peer.binary_search_by_key(&peer, |(p, _)| *p) {
            self.per_peer[i].1 -= 1;
            if self.per_peer[i].1 == 0 {
                self.per_peer.remove(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::types::BrokerId;

    fn request(to: NodeId) -> InFlightRequest {
        InFlightRequest {
            to,
            api: "Produce",
            sent_at_ms: 0,
        }
    }

    /// The per-peer counts always equal a count of the requests in flight, through sends,
    /// completions, a reused correlation id and a reset.
    #[test]
    fn requests_in_flight_are_counted_per_peer() {
        let (b1, b2) = (NodeId::Broker(BrokerId(1)), NodeId::Broker(BrokerId(2)));
        let mut client = NetworkClient::default();
        let counted = |c: &NetworkClient, peer| c.requests().filter(|(_, r)| r.to == peer).count();
        for (id, to) in [(0, b2), (1, b1), (2, b2), (3, b2), (1, b2)] {
            client.track(id, request(to));
        }
        for peer in [b1, b2] {
            assert_eq!(client.in_flight_to(peer), counted(&client, peer));
        }
        assert_eq!((client.in_flight_to(b1), client.in_flight_to(b2)), (0, 4));
        assert!(!client.has_in_flight_to(b1));
        assert_eq!(client.untrack(2).map(|r| r.to), Some(b2));
        assert_eq!(client.untrack(2), None);
        assert_eq!(client.in_flight_to(b2), 3);
        client.reset();
        assert_eq!(client.in_flight_to(b2), 0);
        assert_eq!(client, NetworkClient::default());
    }
}
