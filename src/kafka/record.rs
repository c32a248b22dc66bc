//! Records and record batches, shaped like Kafka's v2 format (`DefaultRecord`,
//! `DefaultRecordBatch`): a batch carries the base offset, the leader epoch that appended it, the
//! producer id, epoch and base sequence (idempotence), and its records. Sizes are computed from
//! the real encoding (varints and all) so batching, bandwidth and `batch.size` behave as in Kafka.
//!
//! Batches share their records through `Rc`, so a batch copied into a request, a leader's log, a
//! fetch response and a follower's log costs one allocation.

use super::compression::Compression;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::rc::Rc;

/// Bytes in a v2 batch header (`DefaultRecordBatch.RECORD_BATCH_OVERHEAD`).
pub const RECORD_BATCH_OVERHEAD: u32 = 61;

/// Key or value bytes. Text is what the String and JSON serializers produce; `Filler` stands
/// for bulk payloads of a given length (load tests) without storing their bytes.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Payload {
    Text(Rc<str>),
    Bytes(Rc<[u8]>),
    Filler { len: u32 },
}

impl Payload {
    pub fn text(s: &str) -> Payload {
        Payload::Text(Rc::from(s))
    }
    pub fn len(&self) -> u32 {
        match self {
            Payload::Text(s) => s.len() as u32,
            Payload::Bytes(b) => b.len() as u32,
            Payload::Filler { len } => *len,
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The serialized bytes, for hashing keys. Filler bytes are zeros.
    pub fn bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            Payload::Text(s) => std::borrow::Cow::Borrowed(s.as_bytes()),
            Payload::Bytes(b) => std::borrow::Cow::Borrowed(b),
            Payload::Filler { len } => std::borrow::Cow::Owned(vec![0; *len as usize]),
        }
    }
}

impl fmt::Display for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Payload::Text(s) => f.write_str(s),
            Payload::Bytes(b) => {
                for byte in b.iter().take(16) {
                    write!(f, "{byte:02x}")?;
                }
                if b.len() > 16 {
                    write!(f, "…")?;
                }
                Ok(())
            }
            Payload::Filler { len } => write!(f, "<{len} bytes>"),
        }
    }
}

/// Which application `send()` produced a record: producer number and its running count. The
/// history checker follows records by this id to find lost and duplicated writes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct RecordId {
    pub producer: u32,
    pub serial: u32,
}

impl RecordId {
    /// The id of a control record: producer 0, like coordinator records (no application sent
    /// it; application producers are numbered from 1).
    pub const CONTROL: RecordId = RecordId {
        producer: 0,
        serial: 0,
    };
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{}#{}", self.producer, self.serial)
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Header {
    pub key: Rc<str>,
    pub value: Payload,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Record {
    pub id: RecordId,
    /// Position within its batch; survives compaction, which leaves gaps.
    pub offset_delta: u32,
    pub timestamp_ms: i64,
    pub key: Option<Payload>,
    /// `None` is a tombstone (a delete marker on compacted topics).
    pub value: Option<Payload>,
    pub headers: Vec<Header>,
}

impl Record {
    /// `DefaultRecord.sizeInBytes`: the encoded size inside a batch, with `timestamp_delta`
    /// relative to the batch's first timestamp.
    pub fn size_in_batch(&self, timestamp_delta: i64) -> u32 {
        let key_len = self.key.as_ref().map(Payload::len);
        let value_len = self.value.as_ref().map(Payload::len);
        let mut body = 1 + varlong_size(timestamp_delta) + varint_size(self.offset_delta as i32);
        body += nullable_size(key_len) + nullable_size(value_len);
        body += varint_size(self.headers.len() as i32);
        for h in &self.headers {
            body += varint_size(h.key.len() as i32) + h.key.len() as u32;
            body += nullable_size(Some(h.value.len()));
        }
        body + varint_size(body as i32)
    }

    pub fn key_text(&self) -> String {
        payload_text(&self.key)
    }
    pub fn value_text(&self) -> String {
        payload_text(&self.value)
    }
}

/// A key or value as text, `null` when absent.
pub fn payload_text(payload: &Option<Payload>) -> String {
    payload
        .as_ref()
        .map_or_else(|| "null".to_string(), |p| p.to_string())
}

fn nullable_size(len: Option<u32>) -> u32 {
    match len {
        None => 1,
        Some(n) => varint_size(n as i32) + n,
    }
}

/// Bytes of a zig-zag varint (`ByteUtils.sizeOfVarint`).
pub fn varint_size(value: i32) -> u32 {
    let mut v = ((value << 1) ^ (value >> 31)) as u32;
    let mut bytes = 1;
    while v >= 0x80 {
        v >>= 7;
        bytes += 1;
    }
    bytes
}

fn varlong_size(value: i64) -> u32 {
    let mut v = ((value << 1) ^ (value >> 63)) as u64;
    let mut bytes = 1;
    while v >= 0x80 {
        v >>= 7;
        bytes += 1;
    }
    bytes
}

/// Idempotence fields of a batch (`NO_PRODUCER_ID` = -1 when the producer is not idempotent).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ProducerIdentity {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
}

impl ProducerIdentity {
    pub const NONE: ProducerIdentity = ProducerIdentity {
        producer_id: -1,
        producer_epoch: -1,
        base_sequence: -1,
    };
    pub fn is_idempotent(&self) -> bool {
        self.producer_id >= 0
    }
}

/// The kind of a control batch's one record (`ControlRecordType`): the transaction markers a
/// coordinator writes to every partition of a transaction.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub enum ControlRecordType {
    /// `ABORT` marker.
    Abort,
    /// `COMMIT` marker.
    Commit,
}

impl ControlRecordType {
    /// The type id in the control record's key (`ControlRecordType.type`).
    pub fn type_id(self) -> i16 {
        match self {
            ControlRecordType::Abort => 0,
            ControlRecordType::Commit => 1,
        }
    }

    /// Kafka's enum name, as `kafka-dump-log.sh` prints it (`endTxnMarker: COMMIT`).
    pub fn name(self) -> &'static str {
        match self {
            ControlRecordType::Abort => "ABORT",
            ControlRecordType::Commit => "COMMIT",
        }
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RecordBatch {
    /// Assigned by the leader on append; -1 while the batch is still in the producer.
    pub base_offset: i64,
    pub partition_leader_epoch: i32,
    pub producer: ProducerIdentity,
    pub compression: Compression,
    pub records: Rc<[Record]>,
    pub last_offset_delta: u32,
    pub first_timestamp_ms: i64,
    pub max_timestamp_ms: i64,
    /// Encoded size in bytes, after compression: what travels and what is stored.
    pub size_bytes: u32,
    /// Size before compression (for `compression-rate-avg`).
    pub uncompressed_bytes: u32,
    /// Set by the log cleaner the first time it keeps a tombstone of this batch: the batch's
    /// tombstones go at the first cleaning at or after this time (KIP-534, Kafka's
    /// `deleteHorizonMs`, stored in the batch header and copied with the batch).
    pub delete_horizon_ms: Option<i64>,
    /// The `isTransactional` attribute: written inside a transaction.
    pub transactional: bool,
    /// The `isControlBatch` attribute, with its marker's kind: never shown to applications.
    pub control: Option<ControlRecordType>,
}

/// Field by field, like `#[derive(Hash)]`, except that a batch without a delete horizon, outside
/// transactions, hashes exactly as it did before those fields existed, so the pinned fingerprints
/// of runs that never compact and never use transactions stay valid.
impl std::hash::Hash for RecordBatch {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.base_offset.hash(state);
        self.partition_leader_epoch.hash(state);
        self.producer.hash(state);
        self.compression.hash(state);
        self.records.hash(state);
        self.last_offset_delta.hash(state);
        self.first_timestamp_ms.hash(state);
        self.max_timestamp_ms.hash(state);
        self.size_bytes.hash(state);
        self.uncompressed_bytes.hash(state);
        if let Some(horizon) = self.delete_horizon_ms {
            horizon.hash(state);
        }
        if self.transactional || self.control.is_some() {
            self.transactional.hash(state);
            self.control.hash(state);
        }
    }
}

impl RecordBatch {
    /// Build a batch from records whose `offset_delta`s are 0..n.
    pub fn new(
        records: Vec<Record>,
        producer: ProducerIdentity,
        compression: Compression,
    ) -> RecordBatch {
        RecordBatch::from_shared(Rc::from(records), producer, compression)
    }

    /// `new` for records already shared (a producer batch's, kept for its retries).
    pub fn from_shared(
        records: Rc<[Record]>,
        producer: ProducerIdentity,
        compression: Compression,
    ) -> RecordBatch {
        assert!(
            !records.is_empty(),
            "a record batch holds at least one record"
        );
        let first_timestamp_ms = records[0].timestamp_ms;
        let max_timestamp_ms = records
            .iter()
            .map(|r| r.timestamp_ms)
            .max()
            .unwrap_or(first_timestamp_ms);
        let uncompressed_bytes = RECORD_BATCH_OVERHEAD
            + records
                .iter()
                .map(|r| r.size_in_batch(r.timestamp_ms - first_timestamp_ms))
                .sum::<u32>();
        let last_offset_delta = records.last().map_or(0, |r| r.offset_delta);
        RecordBatch {
            base_offset: -1,
            partition_leader_epoch: -1,
            producer,
            compression,
            size_bytes: compression.compressed_size(uncompressed_bytes, &records),
            uncompressed_bytes,
            records,
            last_offset_delta,
            first_timestamp_ms,
            max_timestamp_ms,
            delete_horizon_ms: None,
            transactional: false,
            control: None,
        }
    }

    /// An end-transaction marker (`MemoryRecords.withEndTransactionMarker`): a transactional
    /// control batch of one record, key `(version 0, type)`, value `(version 0,
    /// coordinator epoch)`, in the producer's id and epoch, with no sequence.
    pub fn end_txn_marker(
        producer_id: i64,
        producer_epoch: i16,
        kind: ControlRecordType,
        coordinator_epoch: i32,
        timestamp_ms: i64,
    ) -> RecordBatch {
        let mut key = 0i16.to_be_bytes().to_vec();
        key.extend(kind.type_id().to_be_bytes());
        let mut value = 0i16.to_be_bytes().to_vec();
        value.extend(coordinator_epoch.to_be_bytes());
        let record = Record {
            id: RecordId::CONTROL,
            offset_delta: 0,
            timestamp_ms,
            key: Some(Payload::Bytes(Rc::from(key))),
            value: Some(Payload::Bytes(Rc::from(value))),
            headers: Vec::new(),
        };
        let producer = ProducerIdentity {
            producer_id,
            producer_epoch,
            base_sequence: -1,
        };
        RecordBatch {
            transactional: true,
            control: Some(kind),
            ..RecordBatch::new(vec![record], producer, Compression::None)
        }
    }

    /// A control batch (transaction marker): consumers skip it, offsets count it.
    pub fn is_control(&self) -> bool {
        self.control.is_some()
    }

    pub fn record_count(&self) -> u32 {
        self.records.len() as u32
    }
    pub fn last_offset(&self) -> i64 {
        self.base_offset + self.last_offset_delta as i64
    }
    /// The offset after this batch (a log end offset when this batch is last).
    pub fn next_offset(&self) -> i64 {
        self.last_offset() + 1
    }
    pub fn last_sequence(&self) -> i32 {
        if self.producer.base_sequence < 0 {
            return -1;
        }
        // Sequences wrap from i32::MAX to 0, like offsets within the producer's numbering.
        ((self.producer.base_sequence as i64 + self.last_offset_delta as i64)
            % (i32::MAX as i64 + 1)) as i32
    }
    /// Records with their absolute offsets.
    pub fn offsets_and_records(&self) -> impl Iterator<Item = (i64, &Record)> {
        self.records
            .iter()
            .map(move |r| (self.base_offset + r.offset_delta as i64, r))
    }
    /// The batch the log cleaner writes when it keeps only `kept` (a subset of this batch's
    /// records, in order): base offset, leader epoch, producer fields and the last offset stay,
    /// so offsets never move and the producer's last sequence survives
    /// (`MemoryRecords.buildRetainedRecordsInto` overrides the last offset). With nothing kept it
    /// is the empty header Kafka writes for a batch it must retain (`writeEmptyHeader`).
    pub fn cleaned(&self, kept: Vec<Record>, delete_horizon_ms: Option<i64>) -> RecordBatch {
        let Some(first) = kept.first() else {
            return RecordBatch {
                records: Rc::from(Vec::new()),
                size_bytes: RECORD_BATCH_OVERHEAD,
                uncompressed_bytes: RECORD_BATCH_OVERHEAD,
                delete_horizon_ms: None,
                ..self.clone()
            };
        };
        let first_timestamp_ms = first.timestamp_ms;
        let max_timestamp_ms = kept
            .iter()
            .map(|r| r.timestamp_ms)
            .max()
            .unwrap_or(first_timestamp_ms);
        let uncompressed_bytes = RECORD_BATCH_OVERHEAD
            + kept
                .iter()
                .map(|r| r.size_in_batch(r.timestamp_ms - first_timestamp_ms))
                .sum::<u32>();
        RecordBatch {
            size_bytes: self.compression.compressed_size(uncompressed_bytes, &kept),
            uncompressed_bytes,
            records: Rc::from(kept),
            first_timestamp_ms,
            max_timestamp_ms,
            delete_horizon_ms,
            ..self.clone()
        }
    }
    /// A copy stamped by the leader that appends it.
    pub fn stamped(&self, base_offset: i64, leader_epoch: i32) -> RecordBatch {
        RecordBatch {
            base_offset,
            partition_leader_epoch: leader_epoch,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: Option<&str>, value: &str) -> Record {
        Record {
            id: RecordId {
                producer: 1,
                serial: 0,
            },
            offset_delta: 0,
            timestamp_ms: 0,
            key: key.map(Payload::text),
            value: Some(Payload::text(value)),
            headers: Vec::new(),
        }
    }

    #[test]
    fn record_size_follows_default_record_encoding() {
        // attributes 1 + ts delta 1 + offset delta 1 + key (1+3) + value (1+5) + headers 1 = 14, + length 1
        assert_eq!(record(Some("abc"), "hello").size_in_batch(0), 15);
        // a null key is one byte (-1 as varint)
        assert_eq!(record(None, "hello").size_in_batch(0), 12);
    }

    #[test]
    fn varints_grow_every_seven_bits() {
        assert_eq!(varint_size(0), 1);
        assert_eq!(varint_size(63), 1);
        assert_eq!(varint_size(64), 2);
        assert_eq!(varint_size(-1), 1);
        assert_eq!(varint_size(8191), 2);
        assert_eq!(varint_size(8192), 3);
    }

    #[test]
    fn batch_offsets_follow_base_offset() {
        let mut r1 = record(None, "a");
        let mut r2 = record(None, "b");
        r1.offset_delta = 0;
        r2.offset_delta = 1;
        let batch = RecordBatch::new(vec![r1, r2], ProducerIdentity::NONE, Compression::None)
            .stamped(10, 3);
        assert_eq!((batch.last_offset(), batch.next_offset()), (11, 12));
        // each record: attributes, timestamp delta, offset delta, null key, value (1+1), headers, length = 8
        assert_eq!(batch.size_bytes, RECORD_BATCH_OVERHEAD + 8 + 8);
    }
}
