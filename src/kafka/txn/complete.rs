//! Applying a transition once its record is in the transaction log
//! (Kafka: `TransactionMetadata.completeTransitionTo`, `validProducerEpoch`,
//! `validProducerEpochBump`).

use super::metadata::{IllegalTransition, TransactionMetadata, TxnTransit};
use super::TransactionState::*;

impl TransactionMetadata {
    /// Apply `transit`, prepared earlier, now that it is written and replicated. It must match
    /// the pending state; the epoch must be the same, one more, or 0 on a new producer id; the
    /// partitions may only grow until the markers are written.
    pub fn complete_transition_to(
        &mut self,
        transit: &TxnTransit,
    ) -> Result<(), IllegalTransition> {
        let to = self
            .pending_state
            .ok_or(IllegalTransition::NothingPending)?;
        let unexpected = Err(IllegalTransition::UnexpectedTransit(transit.txn_state));
        if to != transit.txn_state {
            return unexpected;
        }
        match to {
            Empty => {
                if (self.producer_epoch != transit.producer_epoch
                    && !self.valid_producer_epoch_bump(transit))
                    || !transit.topic_partitions.is_empty()
                    || transit.txn_start_timestamp != -1
                {
                    return unexpected;
                }
                self.txn_timeout_ms = transit.txn_timeout_ms;
                self.producer_epoch = transit.producer_epoch;
                self.last_producer_epoch = transit.last_producer_epoch;
                self.producer_id = transit.producer_id;
                self.previous_producer_id = transit.prev_producer_id;
            }
            Ongoing => {
                if !self.valid_producer_epoch(transit)
                    || !self.topic_partitions.is_subset(&transit.topic_partitions)
                    || self.txn_timeout_ms != transit.txn_timeout_ms
                {
                    return unexpected;
                }
                self.txn_start_timestamp = transit.txn_start_timestamp;
                self.topic_partitions
                    .extend(transit.topic_partitions.iter().cloned());
            }
            PrepareAbort | PrepareCommit => {
                if !self.valid_producer_epoch(transit)
                    || self.topic_partitions != transit.topic_partitions
                    || self.txn_timeout_ms != transit.txn_timeout_ms
                    || self.txn_start_timestamp != transit.txn_start_timestamp
                {
                    return unexpected;
                }
                if transit.client_transaction_version.supports_epoch_bump() {
                    self.producer_epoch = transit.producer_epoch;
                    self.last_producer_epoch = transit.last_producer_epoch;
                    self.next_producer_id = transit.next_producer_id;
                }
            }
            CompleteAbort | CompleteCommit => self.complete_markers_written(transit)?,
            // Never completed: a fence goes straight on to PrepareAbort, and a dead id is removed.
            PrepareEpochFence | Dead => return unexpected,
        }
        self.client_transaction_version = transit.client_transaction_version;
        self.txn_last_update_timestamp = transit.txn_last_update_timestamp;
        self.pending_state = None;
        self.state = to;
        Ok(())
    }

    fn complete_markers_written(&mut self, transit: &TxnTransit) -> Result<(), IllegalTransition> {
        if !self.valid_producer_epoch(transit)
            || self.txn_timeout_ms != transit.txn_timeout_ms
            || transit.txn_start_timestamp == -1
        {
            return Err(IllegalTransition::UnexpectedTransit(transit.txn_state));
        }
        self.txn_start_timestamp = transit.txn_start_timestamp;
        self.topic_partitions.clear();
        if transit.client_transaction_version.supports_epoch_bump() {
            self.producer_epoch = transit.producer_epoch;
            self.last_producer_epoch = transit.last_producer_epoch;
            self.previous_producer_id = transit.prev_producer_id;
            self.producer_id = transit.producer_id;
            self.next_producer_id = transit.next_producer_id;
        }
        Ok(())
    }

    /// `validProducerEpoch`: the transit was prepared at this metadata's id and epoch (under TV2
    /// a Prepare or overflowed Complete carries the old epoch as its last epoch).
    fn valid_producer_epoch(&self, transit: &TxnTransit) -> bool {
        let v2 = transit.client_transaction_version.supports_epoch_bump();
        let state = transit.txn_state;
        let overflow_complete =
            v2 && matches!(state, CompleteCommit | CompleteAbort) && transit.producer_epoch == 0;
        let epoch = if overflow_complete || (v2 && matches!(state, PrepareCommit | PrepareAbort)) {
            transit.last_producer_epoch
        } else {
            transit.producer_epoch
        };
        let producer_id = if overflow_complete {
            transit.prev_producer_id
        } else {
            transit.producer_id
        };
        epoch == self.producer_epoch && producer_id == self.producer_id
    }

    /// `validProducerEpochBump`: one more epoch, or epoch 0 of a new producer id.
    fn valid_producer_epoch_bump(&self, transit: &TxnTransit) -> bool {
        i32::from(transit.producer_epoch) == i32::from(self.producer_epoch) + 1
            || (transit.producer_epoch == 0 && transit.producer_id != self.producer_id)
    }
}
