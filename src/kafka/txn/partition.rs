//! Transactions as one partition's log sees them: which transactions are open, the first
//! unstable offset, the last stable offset (LSO) and the aborted-transaction index.
//!
//! Kafka keeps this in `ProducerStateManager` (`ongoingTxns`, `unreplicatedTxns`),
//! `ProducerAppendInfo` (a producer's `currentTxnFirstOffset`), `UnifiedLog` (the LSO and the
//! order of completing a transaction) and `TransactionIndex` (aborted transactions per segment;
//! one index per partition here).

use crate::kafka::broker::producer_state::ControlRecordType;
use crate::kafka::errors::ErrorCode;
use std::collections::BTreeMap;

/// A transaction's data in this partition: from its first record to its marker, once known
/// (`TxnMetadata`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TxnRange {
    pub producer_id: i64,
    pub first_offset: i64,
    pub last_offset: Option<i64>,
}

/// A transaction whose marker was just written (`CompletedTxn`): `last_offset` is the marker's.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct CompletedTxn {
    pub producer_id: i64,
    pub first_offset: i64,
    pub last_offset: i64,
    pub is_aborted: bool,
}

/// An entry of the aborted-transaction index (`AbortedTxn`): a fetch returns the ones its
/// records overlap, so a `read_committed` consumer can drop their records.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct AbortedTxn {
    pub producer_id: i64,
    pub first_offset: i64,
    pub last_offset: i64,
    /// The LSO once this transaction completed; bounds the search for later fetches.
    pub last_stable_offset: i64,
}

impl AbortedTxn {
    /// How a fetch response carries it.
    pub fn as_fetched(&self) -> super::read_committed::AbortedTransaction {
        super::read_committed::AbortedTransaction {
            producer_id: self.producer_id,
            first_offset: self.first_offset,
        }
    }
}

#[derive(Clone, Default, PartialEq, Eq, Hash, Debug)]
pub struct PartitionTxns {
    /// Each producer's open transaction in this partition, by its first offset
    /// (`ProducerStateEntry.currentTxnFirstOffset`).
    current_first_offset: BTreeMap<i64, i64>,
    /// Undecided transactions by first offset (`ongoingTxns`).
    ongoing: BTreeMap<i64, TxnRange>,
    /// Decided, but the marker may be above the high watermark (`unreplicatedTxns`).
    unreplicated: BTreeMap<i64, TxnRange>,
    aborted: Vec<AbortedTxn>,
}

impl PartitionTxns {
    /// A data batch of `producer_id` written from `first_offset`
    /// (`ProducerAppendInfo.appendDataBatch`, its transaction part). A transactional batch opens
    /// the producer's transaction here if none is open; a non-transactional one while a
    /// transaction is open is `INVALID_TXN_STATE`, and the log must not write it.
    pub fn append_data(
        &mut self,
        producer_id: i64,
        first_offset: i64,
        transactional: bool,
    ) -> Result<(), ErrorCode> {
        match (self.current_first_offset.get(&producer_id), transactional) {
            (Some(_), false) => Err(ErrorCode::INVALID_TXN_STATE),
            (None, true) => {
                self.current_first_offset.insert(producer_id, first_offset);
                self.ongoing.insert(
                    first_offset,
                    TxnRange {
                        producer_id,
                        first_offset,
                        last_offset: None,
                    },
                );
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// A marker of `producer_id` written at `offset`, and what the log does with it: an empty
    /// transaction (no data here) completes nothing; otherwise compute its LSO, index it if
    /// aborted, and mark it complete (`appendEndTxnMarker`, then `UnifiedLog.append`'s
    /// `lastStableOffset`, `updateTxnIndex`, `completeTxn`).
    pub fn append_end_marker(
        &mut self,
        producer_id: i64,
        offset: i64,
        control: ControlRecordType,
    ) -> Option<CompletedTxn> {
        let first_offset = self.current_first_offset.remove(&producer_id)?;
        let completed = CompletedTxn {
            producer_id,
            first_offset,
            last_offset: offset,
            is_aborted: control == ControlRecordType::Abort,
        };
        let last_stable_offset = self.last_stable_offset_of(&completed);
        if completed.is_aborted {
            self.aborted.push(AbortedTxn {
                producer_id,
                first_offset,
                last_offset: offset,
                last_stable_offset,
            });
        }
        self.complete_txn(&completed);
        Some(completed)
    }

    /// `ProducerStateManager.lastStableOffset(CompletedTxn)`: the first offset of the next
    /// undecided transaction of another producer, or just past this one's marker.
    pub fn last_stable_offset_of(&self, completed: &CompletedTxn) -> i64 {
        self.ongoing
            .values()
            .find(|t| t.producer_id != completed.producer_id)
            .map_or(completed.last_offset + 1, |t| t.first_offset)
    }

    /// `completeTxn`: decided, now waiting for the high watermark to pass its marker. A
    /// transaction never started here is ignored (Kafka throws).
    pub fn complete_txn(&mut self, completed: &CompletedTxn) {
        if let Some(mut txn) = self.ongoing.remove(&completed.first_offset) {
            txn.last_offset = Some(completed.last_offset);
            self.unreplicated.insert(completed.first_offset, txn);
        }
    }

    /// `onHighWatermarkUpdated`: transactions whose marker is below the high watermark are
    /// stable.
    pub fn on_high_watermark_updated(&mut self, high_watermark: i64) {
        self.unreplicated
            .retain(|_, t| t.last_offset.is_none_or(|last| last >= high_watermark));
    }

    /// `firstUndecidedOffset`: the first record of a transaction with no marker yet.
    pub fn first_undecided_offset(&self) -> Option<i64> {
        self.ongoing.keys().next().copied()
    }

    /// `firstUnstableOffset`: the first record of a transaction undecided, or decided with its
    /// marker not yet below the high watermark.
    pub fn first_unstable_offset(&self) -> Option<i64> {
        self.first_unstable_below(i64::MIN)
    }

    /// The first unstable offset, counting a decided transaction whose marker is below
    /// `high_watermark` as stable.
    fn first_unstable_below(&self, high_watermark: i64) -> Option<i64> {
        let unreplicated = self
            .unreplicated
            .values()
            .find(|t| t.last_offset.is_none_or(|last| last >= high_watermark))
            .map(|t| t.first_offset);
        match (unreplicated, self.first_undecided_offset()) {
            (Some(u), Some(d)) => Some(u.min(d)),
            (u, d) => u.or(d),
        }
    }

    /// `UnifiedLog.lastStableOffset`: a `read_committed` consumer reads below this. Decided
    /// transactions whose marker is below `high_watermark` count as stable even before
    /// `on_high_watermark_updated` removes them.
    pub fn last_stable_offset(&self, high_watermark: i64) -> i64 {
        match self.first_unstable_below(high_watermark) {
            Some(first) if first < high_watermark => first,
            _ => high_watermark,
        }
    }

    /// `TransactionIndex.collectAbortedTxns`: aborted transactions overlapping
    /// `[fetch_offset, upper_bound)`, searched until one whose LSO reaches `upper_bound` (no
    /// later entry can overlap).
    pub fn collect_aborted_txns(&self, fetch_offset: i64, upper_bound: i64) -> Vec<AbortedTxn> {
        let mut found = Vec::new();
        for txn in &self.aborted {
            if txn.last_offset >= fetch_offset && txn.first_offset < upper_bound {
                found.push(*txn);
            }
            if txn.last_stable_offset >= upper_bound {
                break;
            }
        }
        found
    }

    /// Append an index entry as it was read from a log (`TransactionIndex.append`): offsets
    /// only grow.
    pub fn index_aborted(&mut self, txn: AbortedTxn) -> Result<(), AbortedTxn> {
        match self.aborted.last() {
            Some(last) if last.last_offset >= txn.last_offset => Err(*last),
            _ => {
                self.aborted.push(txn);
                Ok(())
            }
        }
    }

    /// The open transaction of `producer_id` here, by its first offset.
    pub fn open_transaction(&self, producer_id: i64) -> Option<i64> {
        self.current_first_offset.get(&producer_id).copied()
    }
}
