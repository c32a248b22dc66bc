//! The consumer's half of a consume-transform-produce pipeline (`kafka::pipeline`): processed
//! records are handed to the transactional producer instead of being committed, and the loop
//! waits in `commitTransaction()`; an aborted transaction rewinds the positions to where it
//! started (the `resetToLastCommittedPositions` of Kafka's exactly-once example).

use super::app::AppState;
use super::{Consumer, FetchedRecord};
use crate::kafka::command::SeekTarget;
use crate::kafka::timer::Timer;
use crate::kafka::types::TopicPartition;
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};
use std::collections::BTreeMap;

impl Consumer {
    /// Processing is done: hand the records over and wait for the transaction.
    pub(super) fn hand_to_pipeline(&mut self, records: Vec<FetchedRecord>) {
        self.app.outbox.extend(records);
        self.app.state = AppState::Committing;
    }

    /// The transaction ended: on abort go back to where it started, then poll again.
    pub(crate) fn resume_after_transaction(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        rewind: Option<&BTreeMap<TopicPartition, i64>>,
    ) {
        for (tp, offset) in rewind.into_iter().flatten() {
            self.buffer.remove(tp);
            let _ = self.seek(ctx, tp, SeekTarget::Offset(*offset));
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
