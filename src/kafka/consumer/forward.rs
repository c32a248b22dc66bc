//! The consumer's half of a consume-transform-produce pipeline (`kafka::pipeline`): processed
//! records are handed to the transactional producer instead of being committed, and the loop
//! waits in `commitTransaction()`; an aborted transaction rewinds the positions to the group's
//! committed offsets (the `resetToLastCommittedPositions` of Kafka's exactly-once example).

use super::app::AppState;
use super::{Consumer, FetchState, FetchedRecord};
use crate::kafka::timer::Timer;
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};

impl Consumer {
    /// Processing is done: hand the records over and wait for the transaction.
    pub(super) fn hand_to_pipeline(&mut self, records: Vec<FetchedRecord>) {
        self.app.outbox.extend(records);
        self.app.state = AppState::Committing;
    }

    /// The transaction ended: after an abort (or a producer restart) go back to the group's
    /// committed offsets (`resetToLastCommittedPositions`: an OffsetFetch, retried while a
    /// transaction's offsets are still pending), then poll again.
    pub(crate) fn resume_after_transaction(&mut self, ctx: &mut Ctx<'_, Cluster>, rewind: bool) {
        if rewind {
            for (tp, state) in self.positions.iter_mut() {
                self.buffer.remove(tp);
                state.position = None;
                state.position_epoch = None;
                state.fetch_state = FetchState::AwaitCommitted;
            }
        }
        self.app.outbox.clear();
        if self.app.state == AppState::Committing {
            self.app.state = AppState::Idle;
            ctx.set_timer(self.node(), Timer::Poll, SimDuration::ZERO);
        }
    }

    /// The producer was fenced: the application stops its loop.
    pub(crate) fn stop_pipeline_loop(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        self.app.outbox.clear();
        self.app.state = AppState::Stopped;
        ctx.cancel_timer(self.node(), Timer::Poll);
    }
}
