//! What transactions mean for the records a replica shows: a record written inside a
//! transaction is open until its marker arrives, then committed or aborted; the markers
//! themselves are control records no application ever reads; and a `read_committed` reader
//! stops at the last stable offset, which an open transaction holds below the high watermark.

use crate::kafka::broker::replica::Replica;
use crate::kafka::record::{ControlRecordType, RecordBatch};
use crate::kafka::txn::partition::AbortedTxn;

/// A record's place in a transaction, as the stage draws it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RecordTxn {
    /// Written outside any transaction.
    Plain,
    /// Inside a transaction whose marker is not written yet: `read_committed` readers wait.
    Open,
    /// Inside a committed transaction.
    Committed,
    /// Inside an aborted transaction: `read_committed` readers skip it.
    Aborted,
    /// A transaction marker (a control record).
    Marker(ControlRecordType),
}

/// Key-colour index of a marker in a compact bar (`--k8`).
pub const MARKER_COLOUR: u8 = 8;
/// Key-colour index of an aborted record in a compact bar (`--k9`).
pub const ABORTED_COLOUR: u8 = 9;

/// The transactions of one replica, looked up once for all its records.
pub struct ReplicaTxns<'a> {
    replica: &'a Replica,
    aborted: Vec<AbortedTxn>,
}

impl<'a> ReplicaTxns<'a> {
    /// The aborted transactions overlapping offsets from `from` on.
    pub fn new(replica: &'a Replica, from: i64) -> Self {
        ReplicaTxns {
            replica,
            aborted: replica.txns.collect_aborted_txns(from, i64::MAX),
        }
    }

    /// Where the record at `offset` of `batch` stands (`batch` holds it).
    pub fn of(&self, batch: &RecordBatch, offset: i64) -> RecordTxn {
        if let Some(kind) = batch.control {
            return RecordTxn::Marker(kind);
        }
        if !batch.transactional {
            return RecordTxn::Plain;
        }
        let producer_id = batch.producer.producer_id;
        let aborted = self.aborted.iter().any(|t| {
            t.producer_id == producer_id && t.first_offset <= offset && offset <= t.last_offset
        });
        if aborted {
            return RecordTxn::Aborted;
        }
        match self.replica.txns.open_transaction(producer_id) {
            Some(first) if first <= offset => RecordTxn::Open,
            _ => RecordTxn::Committed,
        }
    }
}

impl RecordTxn {
    /// The colour index of the record in a compact bar: its key's, except for markers and
    /// aborted records, which have their own.
    pub fn bar_colour(self, key_colour: u8) -> u8 {
        match self {
            RecordTxn::Marker(_) => MARKER_COLOUR,
            RecordTxn::Aborted => ABORTED_COLOUR,
            _ => key_colour,
        }
    }

    /// The record cell's CSS class, if the transaction changes how it looks.
    pub fn css(self) -> Option<&'static str> {
        match self {
            RecordTxn::Plain | RecordTxn::Committed => None,
            RecordTxn::Open => Some("txn-open"),
            RecordTxn::Aborted => Some("txn-aborted"),
            RecordTxn::Marker(_) => Some("txn-marker"),
        }
    }

    /// The clause the record's tooltip adds.
    pub fn tooltip(self) -> &'static str {
        match self {
            RecordTxn::Plain => "",
            RecordTxn::Open => " · in an open transaction: read_committed readers wait at the last stable offset",
            RecordTxn::Committed => " · in a committed transaction",
            RecordTxn::Aborted => " · in an aborted transaction: read_committed readers skip it, read_uncommitted readers saw it",
            RecordTxn::Marker(ControlRecordType::Commit) => {
                " · COMMIT marker: a control record the coordinator wrote; no application reads it"
            }
            RecordTxn::Marker(ControlRecordType::Abort) => {
                " · ABORT marker: a control record the coordinator wrote; no application reads it"
            }
        }
    }

    /// What a marker cell shows instead of a key: a tick or a cross, which fits the narrowest
    /// cell (its tooltip names the marker).
    pub fn marker_text(self) -> Option<&'static str> {
        match self {
            RecordTxn::Marker(ControlRecordType::Commit) => Some("✔"),
            RecordTxn::Marker(ControlRecordType::Abort) => Some("✘"),
            _ => None,
        }
    }
}
