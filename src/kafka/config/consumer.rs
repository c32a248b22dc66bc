//! Consumer configs (`ConsumerConfig.java`), Kafka 4.0 names and defaults, and the typed view the
//! consumer model reads.

use super::def::{ConfigKey, ConfigType as T, ConfigValues, Validator as V};

pub const STRING_DESERIALIZER: &str = "org.apache.kafka.common.serialization.StringDeserializer";
pub const BYTE_ARRAY_DESERIALIZER: &str =
    "org.apache.kafka.common.serialization.ByteArrayDeserializer";
pub const JSON_DESERIALIZER: &str = "org.apache.kafka.connect.json.JsonDeserializer";
const DESERIALIZERS: &[&str] = &[
    STRING_DESERIALIZER,
    BYTE_ARRAY_DESERIALIZER,
    JSON_DESERIALIZER,
];
const ASSIGNORS: &[&str] = &[
    "range",
    "roundrobin",
    "sticky",
    "cooperative-sticky",
    "org.apache.kafka.clients.consumer.RangeAssignor",
    "org.apache.kafka.clients.consumer.RoundRobinAssignor",
    "org.apache.kafka.clients.consumer.StickyAssignor",
    "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
    "RangeAssignor",
    "RoundRobinAssignor",
    "StickyAssignor",
    "CooperativeStickyAssignor",
];

pub const CONSUMER_KEYS: &[ConfigKey] = &[
    ConfigKey { name: "group.id", ty: T::String, default: "", validator: V::None, doc: "The consumer group this consumer joins when it subscribes." },
    ConfigKey { name: "group.instance.id", ty: T::String, default: "", validator: V::None, doc: "Makes the member static: it keeps its identity across restarts and never sends LeaveGroup." },
    ConfigKey { name: "group.protocol", ty: T::String, default: "classic", validator: V::OneOf(&["classic"]), doc: "Group protocol. Only classic (JoinGroup/SyncGroup) is simulated; KIP-848 'consumer' is not." },
    ConfigKey { name: "session.timeout.ms", ty: T::Int, default: "45000", validator: V::None, doc: "Without a heartbeat for this long the coordinator removes the member and rebalances." },
    ConfigKey { name: "heartbeat.interval.ms", ty: T::Int, default: "3000", validator: V::None, doc: "How often the background thread heartbeats the group coordinator." },
    ConfigKey { name: "max.poll.interval.ms", ty: T::Int, default: "300000", validator: V::AtLeast(1), doc: "If poll() is not called for this long the consumer leaves the group; also the rebalance timeout." },
    ConfigKey { name: "max.poll.records", ty: T::Int, default: "500", validator: V::AtLeast(1), doc: "Most records one poll() returns." },
    ConfigKey { name: "enable.auto.commit", ty: T::Boolean, default: "true", validator: V::None, doc: "Commit positions automatically every auto.commit.interval.ms, from inside poll()." },
    ConfigKey { name: "auto.commit.interval.ms", ty: T::Int, default: "5000", validator: V::AtLeast(0), doc: "How often positions are committed automatically." },
    ConfigKey { name: "auto.offset.reset", ty: T::String, default: "latest", validator: V::OneOf(&["latest", "earliest", "none"]), doc: "Where to start without a valid committed offset: latest (log end), earliest (log start) or none (error)." },
    ConfigKey { name: "fetch.min.bytes", ty: T::Int, default: "1", validator: V::AtLeast(0), doc: "The broker waits until at least this many bytes are available (or fetch.max.wait.ms passes)." },
    ConfigKey { name: "fetch.max.wait.ms", ty: T::Int, default: "500", validator: V::AtLeast(0), doc: "Longest time the broker holds a fetch waiting for fetch.min.bytes." },
    ConfigKey { name: "fetch.max.bytes", ty: T::Int, default: "52428800", validator: V::AtLeast(0), doc: "Most bytes one fetch response carries." },
    ConfigKey { name: "max.partition.fetch.bytes", ty: T::Int, default: "1048576", validator: V::AtLeast(0), doc: "Most bytes per partition in one fetch response." },
    ConfigKey { name: "partition.assignment.strategy", ty: T::List, default: "org.apache.kafka.clients.consumer.RangeAssignor,org.apache.kafka.clients.consumer.CooperativeStickyAssignor", validator: V::OneOf(ASSIGNORS), doc: "Assignors this member supports, in order of preference." },
    ConfigKey { name: "isolation.level", ty: T::String, default: "read_uncommitted", validator: V::OneOf(&["read_uncommitted", "read_committed"]), doc: "read_committed reads below the last stable offset and drops records of aborted transactions; read_uncommitted reads below the high watermark." },
    ConfigKey { name: "request.timeout.ms", ty: T::Int, default: "30000", validator: V::AtLeast(0), doc: "How long the consumer waits for a response." },
    ConfigKey { name: "default.api.timeout.ms", ty: T::Int, default: "60000", validator: V::AtLeast(0), doc: "Default timeout of blocking consumer calls such as commitSync." },
    ConfigKey { name: "retry.backoff.ms", ty: T::Long, default: "100", validator: V::AtLeast(0), doc: "Wait before retrying a failed request." },
    ConfigKey { name: "metadata.max.age.ms", ty: T::Long, default: "300000", validator: V::AtLeast(0), doc: "Refresh metadata at least this often (new partitions are noticed only then)." },
    ConfigKey { name: "allow.auto.create.topics", ty: T::Boolean, default: "true", validator: V::None, doc: "Whether subscribing to a missing topic may create it." },
    ConfigKey { name: "key.deserializer", ty: T::Class, default: STRING_DESERIALIZER, validator: V::OneOf(DESERIALIZERS), doc: "How key bytes become objects." },
    ConfigKey { name: "value.deserializer", ty: T::Class, default: STRING_DESERIALIZER, validator: V::OneOf(DESERIALIZERS), doc: "How value bytes become objects." },
    ConfigKey { name: "client.id", ty: T::String, default: "", validator: V::None, doc: "A name for this consumer in logs, metrics and member ids." },
    ConfigKey { name: "bootstrap.servers", ty: T::List, default: "", validator: V::None, doc: "Brokers to ask for metadata first (empty: every broker)." },
];

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum AutoOffsetReset {
    Latest,
    Earliest,
    None,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ConsumerConfig {
    pub values: ConfigValues,
    pub group_id: Option<String>,
    pub group_instance_id: Option<String>,
    pub session_timeout_ms: u64,
    pub heartbeat_interval_ms: u64,
    pub max_poll_interval_ms: u64,
    pub max_poll_records: u32,
    pub enable_auto_commit: bool,
    pub auto_commit_interval_ms: u64,
    pub auto_offset_reset: AutoOffsetReset,
    pub fetch_min_bytes: u32,
    pub fetch_max_wait_ms: u64,
    pub fetch_max_bytes: u32,
    pub max_partition_fetch_bytes: u32,
    pub partition_assignment_strategy: Vec<String>,
    pub request_timeout_ms: u64,
    pub default_api_timeout_ms: u64,
    pub retry_backoff_ms: u64,
    pub metadata_max_age_ms: u64,
    pub client_id: String,
    /// `isolation.level=read_committed`: read below the last stable offset, without aborted
    /// transactional records.
    pub read_committed: bool,
}

impl ConsumerConfig {
    /// The rebalance timeout a member sends in JoinGroup: `max.poll.interval.ms`.
    pub fn rebalance_timeout(&self) -> u64 {
        self.max_poll_interval_ms
    }

    pub fn defaults() -> ConsumerConfig {
        let values =
            super::def::parse(CONSUMER_KEYS, &Default::default()).expect("defaults are valid");
        ConsumerConfig::from_values(values).expect("defaults are consistent")
    }

    pub fn from_values(values: ConfigValues) -> Result<ConsumerConfig, super::ConfigError> {
        let non_empty = |k: &str| Some(values.get(k).to_string()).filter(|s| !s.is_empty());
        let session_timeout_ms = values.int("session.timeout.ms") as u64;
        let heartbeat_interval_ms = values.int("heartbeat.interval.ms") as u64;
        if heartbeat_interval_ms >= session_timeout_ms {
            return Err(super::ConfigError {
                key: "heartbeat.interval.ms".into(),
                value: heartbeat_interval_ms.to_string(),
                problem: super::ConfigProblem::HeartbeatNotBelowSession,
            });
        }
        Ok(ConsumerConfig {
            group_id: non_empty("group.id"),
            group_instance_id: non_empty("group.instance.id"),
            session_timeout_ms,
            heartbeat_interval_ms,
            max_poll_interval_ms: values.int("max.poll.interval.ms") as u64,
            max_poll_records: values.int("max.poll.records") as u32,
            enable_auto_commit: values.bool("enable.auto.commit"),
            auto_commit_interval_ms: values.int("auto.commit.interval.ms") as u64,
            auto_offset_reset: match values.get("auto.offset.reset") {
                "earliest" => AutoOffsetReset::Earliest,
                "none" => AutoOffsetReset::None,
                _ => AutoOffsetReset::Latest,
            },
            fetch_min_bytes: values.int("fetch.min.bytes") as u32,
            fetch_max_wait_ms: values.int("fetch.max.wait.ms") as u64,
            fetch_max_bytes: values.int("fetch.max.bytes") as u32,
            max_partition_fetch_bytes: values.int("max.partition.fetch.bytes") as u32,
            partition_assignment_strategy: values.list("partition.assignment.strategy"),
            request_timeout_ms: values.int("request.timeout.ms") as u64,
            default_api_timeout_ms: values.int("default.api.timeout.ms") as u64,
            retry_backoff_ms: values.int("retry.backoff.ms") as u64,
            metadata_max_age_ms: values.int("metadata.max.age.ms") as u64,
            client_id: values.get("client.id").to_string(),
            read_committed: values.get("isolation.level") == "read_committed",
            values,
        })
    }
}
