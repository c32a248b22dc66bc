//! `kafka-dump-log.sh`: Kafka: `kafka.tools.DumpLogSegments` (4.0). Reads a segment of a
//! simulated broker's log and prints its batches (`printBatchLevel`) and, with
//! `--deep-iteration` or `--print-data-log`, its records (`dumpLog`).
//!
//! Simulated paths: every broker keeps its partitions under the Kafka 4.0 quickstart's
//! `log.dirs`, `/tmp/kraft-combined-logs/<topic>-<partition>/<base offset, 20 digits>.log`.
//! Which broker's copy is read is a classroom addition: `--broker N`, else the partition's
//! leader. The `crc:` printed is a CRC32C over the simulated batch's fields, not Kafka's
//! byte-exact checksum (the simulator does not keep the encoded bytes).

use super::opts::{arg, flag, ArgType, Opt};
use super::Printer;
use crate::kafka::broker::Broker;
use crate::kafka::record::{payload_text, ControlRecordType, Record, RecordBatch};
use crate::kafka::{BrokerId, Cluster, TopicPartition};

/// The simulated brokers' `log.dirs`.
pub const LOG_DIR: &str = "/tmp/kraft-combined-logs";

pub const OPTS: &[Opt] = &[
    arg("files", "file1, file2, ...", ArgType::Str, "REQUIRED: The comma separated list of data and index log files to be dumped. Simulated path: /tmp/kraft-combined-logs/<topic>-<partition>/<20-digit base offset>.log."),
    flag("print-data-log", "If set, printing the messages content when dumping data logs. Automatically set if any decoder option is specified."),
    flag("deep-iteration", "If set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled."),
    flag("skip-record-metadata", "Whether to skip printing metadata for each record."),
    arg("broker", "node id", ArgType::Int, "Classroom addition, not in Kafka: the broker whose copy of the segment is read (default: the partition's leader). The crc printed is a CRC32C of the simulated batch, not Kafka's byte-exact checksum."),
];

const ABOUT: &str = "This tool helps to parse a log file and dump its contents to the console, useful for debugging a seemingly corrupt log segment.";

/// Kafka: `DumpLogSegments.main`.
pub(super) fn run(cluster: &Cluster, args: &[String], p: &mut Printer) {
    let Some(o) = p.client_options(OPTS, args, ABOUT) else {
        return;
    };
    let Some(files) = o.value("files") else {
        return p.usage("Missing required argument \"[files]\"", OPTS);
    };
    // A negative id names no broker: the file is then missing, as on a machine without it.
    let broker = o
        .int("broker")
        .map(|n| BrokerId(u32::try_from(n).unwrap_or(u32::MAX)));
    let deep = o.has("deep-iteration") || o.has("print-data-log");
    let show = Show {
        deep,
        data: o.has("print-data-log"),
        metadata: !o.has("skip-record-metadata"),
    };
    for file in files.split(',').filter(|f| !f.is_empty()) {
        p.out(format!("Dumping {file}"));
        let name = file.rsplit('/').next().unwrap_or(file);
        if !name.ends_with(".log") {
            if !name.contains('.') {
                return p.exception(
                    "java.lang.StringIndexOutOfBoundsException",
                    &format!("begin -1, end {}, length {}", name.len(), name.len()),
                );
            }
            p.err(format!("Ignoring unknown file {file}"));
            continue;
        }
        match locate(cluster, file, broker) {
            Some((b, tp, base)) => dump(b, &tp, base, show, p),
            None => {
                // Kafka: `FileRecords.open` on a missing file: uncaught in `main`.
                p.err(format!(
                    "Exception in thread \"main\" java.nio.file.NoSuchFileException: {file}"
                ));
                return p.exit(1);
            }
        }
    }
}

#[derive(Clone, Copy)]
struct Show {
    deep: bool,
    data: bool,
    metadata: bool,
}

/// The broker, partition and segment base offset a path names, if that segment exists.
fn locate<'a>(
    cluster: &'a Cluster,
    file: &str,
    broker: Option<BrokerId>,
) -> Option<(&'a Broker, TopicPartition, i64)> {
    let rest = file.strip_prefix(LOG_DIR)?.strip_prefix('/')?;
    let (dir, name) = rest.split_once('/')?;
    let base_text = name.strip_suffix(".log")?;
    if base_text.len() != 20 || !base_text.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let base: i64 = base_text.parse().ok()?;
    let (topic, partition) = dir.rsplit_once('-')?;
    let tp = TopicPartition::new(topic, partition.parse().ok()?);
    let b = match broker {
        Some(id) => cluster.brokers.get(&id)?,
        None => crate::check::history::authoritative_replica(cluster.brokers.values(), &tp)?,
    };
    let replica = b.replicas.get(&tp)?;
    replica
        .log
        .segments()
        .iter()
        .any(|s| s.base_offset == base)
        .then_some((b, tp, base))
}

/// The segment files of every partition leader's log, for tab completion of `--files`.
pub fn segment_paths(cluster: &Cluster) -> Vec<String> {
    let mut paths = Vec::new();
    for broker in cluster.brokers.values() {
        for (tp, replica) in &broker.replicas {
            let leader = crate::check::history::authoritative_replica(cluster.brokers.values(), tp);
            if leader.map(|b| b.id) != Some(broker.id) {
                continue;
            }
            for s in replica.log.segments() {
                paths.push(format!("{LOG_DIR}/{tp}/{:020}.log", s.base_offset));
            }
        }
    }
    paths
}

/// Kafka: `DumpLogSegments.dumpLog`.
fn dump(broker: &Broker, tp: &TopicPartition, base: i64, show: Show, p: &mut Printer) {
    p.out(format!("Log starting offset: {base}"));
    let Some(segment) = broker
        .replicas
        .get(tp)
        .and_then(|r| r.log.segments().iter().find(|s| s.base_offset == base))
    else {
        return;
    };
    let mut position: u64 = 0;
    for batch in segment.batches.iter() {
        p.out(batch_line(batch, position));
        if show.deep {
            for line in record_lines(batch, show) {
                p.out(line);
            }
        }
        position += u64::from(batch.size_bytes);
    }
}

/// Kafka: `DumpLogSegments.printBatchLevel` (magic v2).
fn batch_line(batch: &RecordBatch, position: u64) -> String {
    let last_offset = batch.base_offset + i64::from(batch.last_offset_delta);
    let id = batch.producer;
    let last_sequence = if id.base_sequence < 0 {
        -1
    } else {
        id.base_sequence + batch.last_offset_delta as i32
    };
    let horizon = match batch.delete_horizon_ms {
        Some(ms) => format!("OptionalLong[{ms}]"),
        None => "OptionalLong.empty".to_string(),
    };
    format!(
        "baseOffset: {} lastOffset: {last_offset} count: {} baseSequence: {} lastSequence: {last_sequence} producerId: {} producerEpoch: {} partitionLeaderEpoch: {} isTransactional: {} isControl: {} deleteHorizonMs: {horizon} position: {position} CreateTime: {} size: {} magic: 2 compresscodec: {} crc: {} isvalid: true",
        batch.base_offset,
        batch.records.len(),
        id.base_sequence,
        id.producer_id,
        id.producer_epoch,
        batch.partition_leader_epoch,
        batch.transactional,
        batch.control.is_some(),
        batch.max_timestamp_ms,
        batch.size_bytes,
        batch.compression.name(),
        simulated_crc(batch),
    )
}

/// The record lines of `dumpLog`'s deep iteration.
fn record_lines(batch: &RecordBatch, show: Show) -> Vec<String> {
    batch
        .records
        .iter()
        .map(|r| {
            let offset = batch.base_offset + i64::from(r.offset_delta);
            let mut line = String::from("|");
            if show.metadata {
                let size = |v: &Option<crate::kafka::record::Payload>| {
                    v.as_ref().map_or(-1, |x| i64::from(x.len()))
                };
                let sequence = if batch.producer.base_sequence < 0 {
                    -1
                } else {
                    batch.producer.base_sequence + r.offset_delta as i32
                };
                let keys: Vec<&str> = r.headers.iter().map(|h| &*h.key).collect();
                line.push_str(&format!(
                    " offset: {offset} CreateTime: {} keySize: {} valueSize: {} sequence: {sequence} headerKeys: [{}]",
                    r.timestamp_ms,
                    size(&r.key),
                    size(&r.value),
                    keys.join(","),
                ));
                if let Some(kind) = batch.control {
                    line.push_str(&end_txn_marker_text(kind, r));
                }
            }
            if show.data && batch.control.is_none() {
                if r.key.is_some() {
                    line.push_str(&format!(" key: {}", payload_text(&r.key)));
                }
                if r.value.is_some() {
                    line.push_str(&format!(" payload: {}", payload_text(&r.value)));
                }
            }
            line
        })
        .collect()
}

/// A transaction marker's fields (`EndTransactionMarker.deserialize`: the value is a version
/// and the coordinator epoch).
fn end_txn_marker_text(kind: ControlRecordType, record: &Record) -> String {
    let epoch = record
        .value
        .as_ref()
        .map(|v| v.bytes())
        .and_then(|b| {
            b.get(2..6)
                .map(|e| i32::from_be_bytes([e[0], e[1], e[2], e[3]]))
        })
        .unwrap_or(0);
    format!(" endTxnMarker: {} coordinatorEpoch: {epoch}", kind.name())
}

/// CRC32C (Castagnoli, as Kafka's v2 batches use) over the simulated batch's fields and
/// record bytes: deterministic, but not Kafka's checksum of the encoded batch.
fn simulated_crc(batch: &RecordBatch) -> u32 {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&batch.partition_leader_epoch.to_be_bytes());
    bytes.extend_from_slice(&batch.last_offset_delta.to_be_bytes());
    bytes.extend_from_slice(&batch.first_timestamp_ms.to_be_bytes());
    bytes.extend_from_slice(&batch.max_timestamp_ms.to_be_bytes());
    bytes.extend_from_slice(&batch.producer.producer_id.to_be_bytes());
    bytes.extend_from_slice(&batch.producer.producer_epoch.to_be_bytes());
    bytes.extend_from_slice(&batch.producer.base_sequence.to_be_bytes());
    for r in batch.records.iter() {
        bytes.extend_from_slice(&r.offset_delta.to_be_bytes());
        bytes.extend_from_slice(&r.timestamp_ms.to_be_bytes());
        for x in [&r.key, &r.value].into_iter().flatten() {
            bytes.extend_from_slice(&x.bytes());
        }
    }
    crc32c(&bytes)
}

fn crc32c(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    #[test]
    fn crc32c_matches_the_standard_check_value() {
        assert_eq!(super::crc32c(b"123456789"), 0xE306_9283);
    }
}
