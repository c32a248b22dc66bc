//! Broker and topic configs (`ReplicationConfigs`, `ServerLogConfigs`, `LogConfig`,
//! `GroupCoordinatorConfig`, `KRaftConfigs`, `QuorumConfig`), Kafka 4.0 names and defaults.
//! Topic-level keys override the broker's `log.`-prefixed defaults, as in Kafka. Keys starting
//! with `sim.` are the simulator's own knobs, not Kafka configs, and are labelled so in the UI.

use super::def::{ConfigKey, ConfigType as T, ConfigValues, Validator as V};

pub const BROKER_KEYS: &[ConfigKey] = &[
    ConfigKey { name: "replica.lag.time.max.ms", ty: T::Long, default: "30000", validator: V::AtLeast(1), doc: "A follower that has not caught up with the leader's log end for this long leaves the ISR." },
    ConfigKey { name: "min.insync.replicas", ty: T::Int, default: "1", validator: V::AtLeast(1), doc: "With acks=all, the fewest in-sync replicas that must have a write; fewer gives NOT_ENOUGH_REPLICAS." },
    ConfigKey { name: "unclean.leader.election.enable", ty: T::Boolean, default: "false", validator: V::None, doc: "Let an out-of-sync replica become leader when no in-sync one is left (availability over durability)." },
    ConfigKey { name: "unclean.leader.election.interval.ms", ty: T::Long, default: "300000", validator: V::AtLeast(1), doc: "How often the controller looks for leaderless partitions to elect uncleanly." },
    ConfigKey { name: "default.replication.factor", ty: T::Int, default: "1", validator: V::AtLeast(1), doc: "Replication factor of automatically created topics." },
    ConfigKey { name: "num.partitions", ty: T::Int, default: "1", validator: V::AtLeast(1), doc: "Partition count of automatically created topics." },
    ConfigKey { name: "log.retention.ms", ty: T::Long, default: "604800000", validator: V::AtLeast(-1), doc: "Delete whole segments whose newest record is older than this (7 days)." },
    ConfigKey { name: "log.retention.bytes", ty: T::Long, default: "-1", validator: V::AtLeast(-1), doc: "Delete oldest segments while a partition is bigger than this (-1: no limit)." },
    ConfigKey { name: "log.segment.bytes", ty: T::Int, default: "1073741824", validator: V::AtLeast(1), doc: "Roll a new segment when the active one would exceed this size." },
    ConfigKey { name: "log.roll.ms", ty: T::Long, default: "604800000", validator: V::AtLeast(1), doc: "Roll a new segment when the active one is older than this." },
    ConfigKey { name: "log.retention.check.interval.ms", ty: T::Long, default: "300000", validator: V::AtLeast(1), doc: "How often retention runs." },
    ConfigKey { name: "log.cleanup.policy", ty: T::List, default: "delete", validator: V::OneOf(&["delete", "compact"]), doc: "delete (retention), compact (keep the latest record per key) or both." },
    ConfigKey { name: "log.cleaner.min.cleanable.ratio", ty: T::Double, default: "0.5", validator: V::Between(0, 1000), doc: "Compact a log when this share of it is dirty (not yet cleaned)." },
    ConfigKey { name: "log.cleaner.delete.retention.ms", ty: T::Long, default: "86400000", validator: V::AtLeast(0), doc: "How long a tombstone survives after its segment was cleaned." },
    ConfigKey { name: "log.cleaner.backoff.ms", ty: T::Long, default: "15000", validator: V::AtLeast(0), doc: "How often the cleaner checks for logs to compact." },
    ConfigKey { name: "log.cleaner.min.compaction.lag.ms", ty: T::Long, default: "0", validator: V::AtLeast(0), doc: "A record stays uncompacted at least this long." },
    ConfigKey { name: "log.cleaner.max.compaction.lag.ms", ty: T::Long, default: "9223372036854775807", validator: V::AtLeast(1), doc: "A record stays uncompacted at most this long (then the log is cleaned whatever its dirty ratio)." },
    ConfigKey { name: "log.flush.interval.ms", ty: T::Long, default: "9223372036854775807", validator: V::AtLeast(0), doc: "fsync the log this often. Kafka's default is never: durability comes from replication." },
    ConfigKey { name: "message.max.bytes", ty: T::Int, default: "1048588", validator: V::AtLeast(0), doc: "Largest record batch the broker accepts." },
    ConfigKey { name: "replica.fetch.wait.max.ms", ty: T::Int, default: "500", validator: V::AtLeast(0), doc: "Longest time a leader holds a follower's fetch when there is nothing new." },
    ConfigKey { name: "replica.fetch.min.bytes", ty: T::Int, default: "1", validator: V::AtLeast(0), doc: "Bytes a follower fetch waits for." },
    ConfigKey { name: "replica.fetch.max.bytes", ty: T::Int, default: "1048576", validator: V::AtLeast(0), doc: "Most bytes per partition in one follower fetch." },
    ConfigKey { name: "replica.high.watermark.checkpoint.interval.ms", ty: T::Long, default: "5000", validator: V::AtLeast(1), doc: "How often each replica's high watermark is written to disk." },
    ConfigKey { name: "auto.leader.rebalance.enable", ty: T::Boolean, default: "true", validator: V::None, doc: "Periodically move leadership back to preferred replicas." },
    ConfigKey { name: "leader.imbalance.check.interval.seconds", ty: T::Long, default: "300", validator: V::AtLeast(1), doc: "How often the preferred-leader election runs." },
    ConfigKey { name: "group.initial.rebalance.delay.ms", ty: T::Int, default: "3000", validator: V::AtLeast(0), doc: "How long the first rebalance of an empty group waits for more members." },
    ConfigKey { name: "group.min.session.timeout.ms", ty: T::Int, default: "6000", validator: V::None, doc: "Smallest session.timeout.ms a consumer may ask for." },
    ConfigKey { name: "group.max.session.timeout.ms", ty: T::Int, default: "1800000", validator: V::None, doc: "Largest session.timeout.ms a consumer may ask for." },
    ConfigKey { name: "offsets.topic.num.partitions", ty: T::Int, default: "50", validator: V::AtLeast(1), doc: "Partitions of __consumer_offsets; a group's coordinator leads partition hash(group.id) % this." },
    ConfigKey { name: "offsets.topic.replication.factor", ty: T::Short, default: "3", validator: V::AtLeast(1), doc: "Replication factor of __consumer_offsets (capped at the broker count here)." },
    ConfigKey { name: "offsets.retention.minutes", ty: T::Int, default: "10080", validator: V::AtLeast(1), doc: "How long an empty group's committed offsets are kept." },
    ConfigKey { name: "offsets.commit.timeout.ms", ty: T::Int, default: "5000", validator: V::AtLeast(1), doc: "How long an offset commit waits for __consumer_offsets replication." },
    ConfigKey { name: "transaction.state.log.num.partitions", ty: T::Int, default: "50", validator: V::AtLeast(1), doc: "Partitions of __transaction_state; a transactional id's coordinator leads partition hash(transactional.id) % this." },
    ConfigKey { name: "transaction.state.log.replication.factor", ty: T::Short, default: "3", validator: V::AtLeast(1), doc: "Replication factor of __transaction_state (capped at the broker count here)." },
    ConfigKey { name: "transaction.state.log.min.isr", ty: T::Int, default: "2", validator: V::AtLeast(1), doc: "min.insync.replicas of __transaction_state: a coordinator write needs this many in-sync replicas." },
    ConfigKey { name: "transaction.max.timeout.ms", ty: T::Int, default: "900000", validator: V::AtLeast(1), doc: "Largest transaction.timeout.ms a producer may ask for (INVALID_TRANSACTION_TIMEOUT above it)." },
    ConfigKey { name: "transaction.abort.timed.out.transaction.cleanup.interval.ms", ty: T::Int, default: "10000", validator: V::AtLeast(1), doc: "How often the transaction coordinator aborts transactions open longer than their transaction.timeout.ms." },
    ConfigKey { name: "transactional.id.expiration.ms", ty: T::Int, default: "604800000", validator: V::AtLeast(1), doc: "A transactional id idle this long (no transaction open) expires: the coordinator forgets it and its producer id." },
    ConfigKey { name: "transaction.remove.expired.transaction.cleanup.interval.ms", ty: T::Int, default: "3600000", validator: V::AtLeast(1), doc: "How often the transaction coordinator looks for transactional ids idle past transactional.id.expiration.ms." },
    ConfigKey { name: "broker.heartbeat.interval.ms", ty: T::Int, default: "2000", validator: V::AtLeast(1), doc: "How often a broker heartbeats the active controller." },
    ConfigKey { name: "broker.session.timeout.ms", ty: T::Int, default: "9000", validator: V::AtLeast(1), doc: "A broker without a heartbeat for this long is fenced: out of every ISR, leaderships moved." },
    ConfigKey { name: "controller.quorum.election.timeout.ms", ty: T::Int, default: "1000", validator: V::AtLeast(1), doc: "A controller that hears no leader for this long (plus jitter) starts an election." },
    ConfigKey { name: "controller.quorum.fetch.timeout.ms", ty: T::Int, default: "2000", validator: V::AtLeast(1), doc: "A controller follower that cannot fetch from the leader for this long becomes a candidate." },
    ConfigKey { name: "eligible.leader.replicas.enable", ty: T::Boolean, default: "false", validator: V::OneOf(&["false"]), doc: "KIP-966 ELR. Off in Kafka 4.0 and not simulated." },
    ConfigKey { name: "producer.id.expiration.ms", ty: T::Int, default: "86400000", validator: V::AtLeast(1), doc: "A producer id with no writes for this long is forgotten." },
    ConfigKey { name: "sim.os.flush.interval.ms", ty: T::Long, default: "30000", validator: V::AtLeast(1), doc: "Simulator knob, not a Kafka config: how often the simulated OS writes dirty page-cache pages to disk. A power failure loses what was not written." },
];

/// Topic-level configs. An empty default means "inherit the broker's value" (`log.` prefix).
pub const TOPIC_KEYS: &[ConfigKey] = &[
    ConfigKey {
        name: "cleanup.policy",
        ty: T::List,
        default: "",
        validator: V::OneOf(&["delete", "compact"]),
        doc: "delete, compact, or delete,compact.",
    },
    ConfigKey {
        name: "retention.ms",
        ty: T::Long,
        default: "",
        validator: V::AtLeast(-1),
        doc: "Delete whole segments older than this (-1: forever).",
    },
    ConfigKey {
        name: "retention.bytes",
        ty: T::Long,
        default: "",
        validator: V::AtLeast(-1),
        doc: "Keep at most this many bytes per partition (-1: no limit).",
    },
    ConfigKey {
        name: "segment.bytes",
        ty: T::Int,
        default: "",
        validator: V::AtLeast(1),
        doc: "Segment size.",
    },
    ConfigKey {
        name: "segment.ms",
        ty: T::Long,
        default: "",
        validator: V::AtLeast(1),
        doc: "Segment age before rolling.",
    },
    ConfigKey {
        name: "delete.retention.ms",
        ty: T::Long,
        default: "",
        validator: V::AtLeast(0),
        doc: "Tombstone lifetime after cleaning.",
    },
    ConfigKey {
        name: "min.cleanable.dirty.ratio",
        ty: T::Double,
        default: "",
        validator: V::Between(0, 1000),
        doc: "Dirty share that triggers compaction.",
    },
    ConfigKey {
        name: "min.compaction.lag.ms",
        ty: T::Long,
        default: "",
        validator: V::AtLeast(0),
        doc: "Records younger than this are not compacted.",
    },
    ConfigKey {
        name: "max.compaction.lag.ms",
        ty: T::Long,
        default: "",
        validator: V::AtLeast(1),
        doc: "A dirty segment older than this is compacted whatever the dirty ratio.",
    },
    ConfigKey {
        name: "min.insync.replicas",
        ty: T::Int,
        default: "",
        validator: V::AtLeast(1),
        doc: "Overrides the broker's min.insync.replicas for this topic.",
    },
    ConfigKey {
        name: "unclean.leader.election.enable",
        ty: T::Boolean,
        default: "",
        validator: V::None,
        doc: "Overrides the broker's setting for this topic.",
    },
    ConfigKey {
        name: "max.message.bytes",
        ty: T::Int,
        default: "",
        validator: V::AtLeast(0),
        doc: "Largest record batch for this topic.",
    },
];

/// Each topic config and the broker config that supplies its default (Kafka's
/// `ServerTopicConfigSynonyms.TOPIC_CONFIG_SYNONYMS`, reduced to the keys the model has).
pub const TOPIC_SYNONYMS: &[(&str, &str)] = &[
    ("cleanup.policy", "log.cleanup.policy"),
    ("delete.retention.ms", "log.cleaner.delete.retention.ms"),
    ("max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms"),
    ("max.message.bytes", "message.max.bytes"),
    (
        "min.cleanable.dirty.ratio",
        "log.cleaner.min.cleanable.ratio",
    ),
    ("min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms"),
    ("min.insync.replicas", "min.insync.replicas"),
    ("retention.bytes", "log.retention.bytes"),
    ("retention.ms", "log.retention.ms"),
    ("segment.bytes", "log.segment.bytes"),
    ("segment.ms", "log.roll.ms"),
    (
        "unclean.leader.election.enable",
        "unclean.leader.election.enable",
    ),
];

/// The broker settings the model reads.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct BrokerConfig {
    pub values: ConfigValues,
}

impl BrokerConfig {
    pub fn defaults() -> BrokerConfig {
        BrokerConfig {
            values: super::def::parse(BROKER_KEYS, &Default::default())
                .expect("defaults are valid"),
        }
    }
    pub fn ms(&self, key: &str) -> u64 {
        self.values.int(key).max(0) as u64
    }
    pub fn int(&self, key: &str) -> i64 {
        self.values.int(key)
    }
    pub fn bool(&self, key: &str) -> bool {
        self.values.bool(key)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct CleanupPolicy {
    pub delete: bool,
    pub compact: bool,
}

/// One topic's effective log settings: topic overrides on top of broker defaults.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct LogConfig {
    pub cleanup_policy: CleanupPolicy,
    pub retention_ms: i64,
    pub retention_bytes: i64,
    pub segment_bytes: u64,
    pub segment_ms: u64,
    pub delete_retention_ms: u64,
    pub min_cleanable_dirty_ratio_thousandths: i64,
    pub min_compaction_lag_ms: u64,
    pub max_compaction_lag_ms: i64,
    pub min_insync_replicas: u32,
    pub unclean_leader_election_enable: bool,
    pub max_message_bytes: u32,
    pub flush_interval_ms: i64,
}

impl LogConfig {
    pub fn resolve(topic: &ConfigValues, broker: &BrokerConfig) -> LogConfig {
        let get = |topic_key: &str, broker_key: &str| -> String {
            let v = topic.get(topic_key);
            if v.is_empty() {
                broker.values.get(broker_key).to_string()
            } else {
                v.to_string()
            }
        };
        let int = |t: &str, b: &str| -> i64 { get(t, b).parse().expect("validated config number") };
        let policy = get("cleanup.policy", "log.cleanup.policy");
        LogConfig {
            cleanup_policy: CleanupPolicy {
                delete: policy.contains("delete"),
                compact: policy.contains("compact"),
            },
            retention_ms: int("retention.ms", "log.retention.ms"),
            retention_bytes: int("retention.bytes", "log.retention.bytes"),
            segment_bytes: int("segment.bytes", "log.segment.bytes") as u64,
            segment_ms: int("segment.ms", "log.roll.ms") as u64,
            delete_retention_ms: int("delete.retention.ms", "log.cleaner.delete.retention.ms")
                as u64,
            min_cleanable_dirty_ratio_thousandths: super::def::parse_thousandths(&get(
                "min.cleanable.dirty.ratio",
                "log.cleaner.min.cleanable.ratio",
            ))
            .expect("validated decimal"),
            min_compaction_lag_ms: int("min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms")
                as u64,
            max_compaction_lag_ms: int(
                "max.compaction.lag.ms",
                "log.cleaner.max.compaction.lag.ms",
            ),
            min_insync_replicas: int("min.insync.replicas", "min.insync.replicas") as u32,
            unclean_leader_election_enable: get(
                "unclean.leader.election.enable",
                "unclean.leader.election.enable",
            )
            .eq_ignore_ascii_case("true"),
            max_message_bytes: int("max.message.bytes", "message.max.bytes") as u32,
            flush_interval_ms: broker.int("log.flush.interval.ms"),
        }
    }
}
