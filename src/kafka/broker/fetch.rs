//! The Fetch path on the leader, for consumers and for followers (`ReplicaManager.fetchMessages`,
//! `DelayedFetch`). Consumers read below the high watermark; followers read up to the log end.
//! A fetch with too little data is parked until `min_bytes` arrive or `max_wait_ms` passes (long
//! polling), which is why an idle cluster sends a follower fetch every `replica.fetch.wait.max.ms`.

use super::Broker;
use crate::kafka::errors::ErrorCode;
use crate::kafka::protocol::{
    FetchPartition, FetchPartitionResponse, FetchRequest, FetchResponse, Message,
};
use crate::kafka::timer::Timer;
use crate::kafka::types::NodeId;
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct DelayedFetch {
    pub from: NodeId,
    pub request: FetchRequest,
}

impl Broker {
    pub(super) fn handle_fetch(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        request: FetchRequest,
    ) {
        if let Some((follower, broker_epoch)) = request.replica {
            self.record_follower_fetch(ctx, follower, broker_epoch, &request);
        }
        let (partitions, bytes, any_error) = self.read_fetch(&request);
        if bytes >= request.min_bytes as u64 || request.max_wait_ms == 0 || any_error {
            let response = FetchResponse {
                correlation_id: request.correlation_id,
                partitions,
            };
            ctx.send(self.node(), from, Message::FetchResponse(response));
            return;
        }
        let timer = Timer::FetchExpiry {
            from,
            correlation_id: request.correlation_id,
        };
        ctx.set_timer(
            self.node(),
            timer,
            SimDuration::from_ms(request.max_wait_ms),
        );
        self.delayed_fetches.push(DelayedFetch { from, request });
    }

    /// Read every partition of a fetch. Returns the responses, the bytes read and whether any
    /// partition has an error (errors are answered at once).
    fn read_fetch(&self, request: &FetchRequest) -> (Vec<FetchPartitionResponse>, u64, bool) {
        let mut bytes = 0u64;
        let mut any_error = false;
        let partitions = request
            .partitions
            .iter()
            .map(|p| {
                let response = self.read_partition(p, request);
                bytes += response
                    .records
                    .iter()
                    .map(|b| b.size_bytes as u64)
                    .sum::<u64>();
                any_error |= response.error.is_error() || response.diverging_epoch.is_some();
                response
            })
            .collect();
        (partitions, bytes, any_error)
    }

    fn read_partition(&self, p: &FetchPartition, request: &FetchRequest) -> FetchPartitionResponse {
        let is_follower = request.replica.is_some();
        let mut response = FetchPartitionResponse {
            partition: p.partition,
            error: ErrorCode::NONE,
            high_watermark: -1,
            last_stable_offset: -1,
            log_start_offset: -1,
            diverging_epoch: None,
            aborted_transactions: Vec::new(),
            records: Vec::new(),
        };
        let Some(replica) = self.replicas.get(&p.partition) else {
            response.error = ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
            return response;
        };
        if !replica.is_leader() {
            response.error = ErrorCode::NOT_LEADER_OR_FOLLOWER;
            return response;
        }
        match p.current_leader_epoch {
            Some(e) if e < replica.leader_epoch => response.error = ErrorCode::FENCED_LEADER_EPOCH,
            Some(e) if e > replica.leader_epoch => response.error = ErrorCode::UNKNOWN_LEADER_EPOCH,
            _ => {}
        }
        response.high_watermark = replica.high_watermark;
        response.last_stable_offset = replica.last_stable_offset();
        response.log_start_offset = replica.log.log_start_offset();
        if response.error.is_error() {
            return response;
        }
        if is_follower {
            if let Some(diverging) = self.diverging_epoch(replica, p) {
                response.diverging_epoch = Some(diverging);
                return response;
            }
        }
        // `FetchIsolation`: followers read to the log end, consumers below the high watermark,
        // `read_committed` consumers below the last stable offset.
        let max_offset = if is_follower {
            replica.log_end_offset()
        } else if request.read_committed {
            response.last_stable_offset
        } else {
            replica.high_watermark
        };
        match replica
            .log
            .read(p.fetch_offset, max_offset, p.partition_max_bytes)
        {
            Ok(batches) => response.records = batches,
            Err(error) => response.error = error,
        }
        if request.read_committed {
            // `LocalLog.addAbortedTransactions`: those overlapping what the fetch returns.
            let upper_bound = response
                .records
                .last()
                .map_or(p.fetch_offset, |b| b.next_offset());
            response.aborted_transactions = replica
                .txns
                .collect_aborted_txns(p.fetch_offset, upper_bound)
                .iter()
                .map(|t| t.as_fetched())
                .collect();
        }
        response
    }

    /// Answer parked fetches that now have enough data.
    pub(crate) fn try_complete_delayed_fetches(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let mut still_waiting = Vec::new();
        for delayed in std::mem::take(&mut self.delayed_fetches) {
            let (partitions, bytes, any_error) = self.read_fetch(&delayed.request);
            if bytes >= delayed.request.min_bytes as u64 || any_error {
                self.respond_fetch(
                    ctx,
                    delayed.from,
                    delayed.request.correlation_id,
                    partitions,
                );
            } else {
                still_waiting.push(delayed);
            }
        }
        self.delayed_fetches = still_waiting;
    }

    pub(super) fn expire_fetch(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        correlation_id: u32,
    ) {
        let Some(index) = self
            .delayed_fetches
            .iter()
            .position(|d| d.from == from && d.request.correlation_id == correlation_id)
        else {
            return;
        };
        let delayed = self.delayed_fetches.remove(index);
        let (partitions, _, _) = self.read_fetch(&delayed.request);
        self.respond_fetch(ctx, from, correlation_id, partitions);
    }

    fn respond_fetch(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        to: NodeId,
        correlation_id: u32,
        partitions: Vec<FetchPartitionResponse>,
    ) {
        ctx.cancel_timer(
            self.node(),
            Timer::FetchExpiry {
                from: to,
                correlation_id,
            },
        );
        let response = FetchResponse {
            correlation_id,
            partitions,
        };
        ctx.send(self.node(), to, Message::FetchResponse(response));
    }
}
