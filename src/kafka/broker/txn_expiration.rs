//! `transactional.id.expiration.ms`: the transaction coordinator forgets a transactional id
//! that has had no transaction open for that long (Kafka:
//! `TransactionStateManager.enableTransactionalIdExpiration`, `removeExpiredTransactionalIds`).
//! Every `transaction.remove.expired.transaction.cleanup.interval.ms` it writes a tombstone for
//! each such id to `__transaction_state` (`prepareDead`); once the tombstone is committed the id
//! leaves the cache, and a failover's load skips it. A producer that comes back with the id
//! later starts over with a new producer id.
//!
//! The sweep rides on the timed-out-transaction check's timer rather than a timer of its own,
//! so runs that never reach the interval schedule exactly what they did before.

use super::Broker;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::Event;
use crate::kafka::txn::state_manager::{TxnPendingWrite, TxnWriteCompletion};
use crate::kafka::txn::TransactionState;
use crate::kafka::Cluster;
use crate::sim::Ctx;

impl Broker {
    /// Sweep for expired ids if the interval has passed since the last sweep.
    pub(super) fn maybe_remove_expired_transactional_ids(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let now = ctx.now.as_ms();
        let interval = self
            .config
            .ms("transaction.remove.expired.transaction.cleanup.interval.ms");
        let due = self.txn_state.next_expiration_check_ms;
        if due == 0 || now < due {
            if due == 0 {
                self.txn_state.next_expiration_check_ms = now + interval;
            }
            return;
        }
        self.txn_state.next_expiration_check_ms = now + interval;
        self.remove_expired_transactional_ids(ctx);
    }

    /// `removeExpiredTransactionalIds`: an id whose state allows it (`isExpirationAllowed`:
    /// Empty, CompleteCommit, CompleteAbort), with nothing pending, last updated at least
    /// `transactional.id.expiration.ms` ago (`shouldExpire`), gets its tombstone.
    fn remove_expired_transactional_ids(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let now = ctx.now.as_ms() as i64;
        let expiration = self.config.int("transactional.id.expiration.ms");
        let expired: Vec<String> = self
            .txn_state
            .transactions
            .values()
            .filter(|m| {
                m.state.is_expiration_allowed()
                    && m.pending_state.is_none()
                    && m.txn_last_update_timestamp <= now - expiration
            })
            .map(|m| m.transactional_id.clone())
            .collect();
        for id in expired {
            let Some(tp) = self.txn_partition(&id) else {
                continue;
            };
            let Some(meta) = self.txn_state.transactions.get_mut(&id) else {
                continue;
            };
            let Ok(dead) = meta.prepare_dead() else {
                continue;
            };
            // A refused write (no longer leader, too few in-sync replicas) leaves the id as it
            // was; the next sweep tries again.
            let _ = self.txn_write(ctx, &tp, &id, dead, TxnWriteCompletion::Expire);
        }
    }

    /// The tombstone is written (or failed): the id leaves the cache if it is still the Dead
    /// metadata the sweep prepared, at the same epoch (`writeTombstonesForExpiredTransactionalIds`,
    /// its callback; Kafka never completes a transition to Dead, it removes the metadata).
    pub(super) fn expired_id_written(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        write: &TxnPendingWrite,
        error: ErrorCode,
    ) {
        let id = &write.transactional_id;
        let Some(meta) = self.txn_state.transactions.get_mut(id) else {
            return;
        };
        let same = meta.pending_state == Some(TransactionState::Dead)
            && meta.producer_epoch == write.transit.producer_epoch;
        meta.pending_state = None;
        if error.is_error() || !same {
            return;
        }
        let (producer_id, producer_epoch) = (meta.producer_id, meta.producer_epoch);
        self.txn_state.transactions.remove(id);
        ctx.emit(Event::TxnStateChanged {
            broker: self.id,
            transactional_id: id.clone(),
            state: TransactionState::Dead,
            producer_id,
            producer_epoch,
        });
    }
}
