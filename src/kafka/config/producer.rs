//! Producer configs (`ProducerConfig.java`), Kafka 4.0 names and defaults, and the typed view the
//! producer model reads. Idempotence and `delivery.timeout.ms` follow Kafka's rules about values
//! the user set explicitly (`ProducerConfig.postProcessParsedConfig`).

use super::def::{ConfigKey, ConfigType as T, ConfigValues, Validator as V};

pub const STRING_SERIALIZER: &str = "org.apache.kafka.common.serialization.StringSerializer";
pub const BYTE_ARRAY_SERIALIZER: &str = "org.apache.kafka.common.serialization.ByteArraySerializer";
pub const JSON_SERIALIZER: &str = "org.apache.kafka.connect.json.JsonSerializer";
pub const ROUND_ROBIN_PARTITIONER: &str = "org.apache.kafka.clients.producer.RoundRobinPartitioner";
const SERIALIZERS: &[&str] = &[STRING_SERIALIZER, BYTE_ARRAY_SERIALIZER, JSON_SERIALIZER];

pub const PRODUCER_KEYS: &[ConfigKey] = &[
    ConfigKey { name: "acks", ty: T::String, default: "all", validator: V::OneOf(&["all", "-1", "0", "1"]), doc: "How many replicas must have a record before the leader answers: 0 (no answer), 1 (the leader), all (every in-sync replica)." },
    ConfigKey { name: "batch.size", ty: T::Int, default: "16384", validator: V::AtLeast(0), doc: "Target size in bytes of one partition's batch; a full batch is sent without waiting for linger.ms." },
    ConfigKey { name: "linger.ms", ty: T::Long, default: "5", validator: V::AtLeast(0), doc: "How long a batch waits for more records before it is sent (Kafka 4.0 default: 5 ms)." },
    ConfigKey { name: "buffer.memory", ty: T::Long, default: "33554432", validator: V::AtLeast(0), doc: "Total bytes of memory for batches waiting to be sent; when full, send() blocks." },
    ConfigKey { name: "max.block.ms", ty: T::Long, default: "60000", validator: V::AtLeast(0), doc: "How long send() may block waiting for buffer memory or metadata before it throws TimeoutException." },
    ConfigKey { name: "compression.type", ty: T::String, default: "none", validator: V::OneOf(&["none", "gzip", "snappy", "lz4", "zstd"]), doc: "Codec applied to each batch." },
    ConfigKey { name: "enable.idempotence", ty: T::Boolean, default: "true", validator: V::None, doc: "Write each batch exactly once per partition despite retries (producer id + sequence numbers)." },
    ConfigKey { name: "retries", ty: T::Int, default: "2147483647", validator: V::AtLeast(0), doc: "How many times a failed batch is retried; in practice delivery.timeout.ms ends retrying." },
    ConfigKey { name: "retry.backoff.ms", ty: T::Long, default: "100", validator: V::AtLeast(0), doc: "Initial wait before retrying a failed request." },
    ConfigKey { name: "retry.backoff.max.ms", ty: T::Long, default: "1000", validator: V::AtLeast(0), doc: "Upper bound of the exponential retry backoff." },
    ConfigKey { name: "request.timeout.ms", ty: T::Int, default: "30000", validator: V::AtLeast(0), doc: "How long the producer waits for a response before failing the request (and maybe retrying)." },
    ConfigKey { name: "delivery.timeout.ms", ty: T::Int, default: "120000", validator: V::AtLeast(0), doc: "Upper bound on the whole life of a record: waiting in a batch, in flight, and retries." },
    ConfigKey { name: "max.in.flight.requests.per.connection", ty: T::Int, default: "5", validator: V::AtLeast(1), doc: "Unanswered requests allowed per broker connection (at most 5 with idempotence)." },
    ConfigKey { name: "max.request.size", ty: T::Int, default: "1048576", validator: V::AtLeast(0), doc: "Largest Produce request (and largest record) in bytes." },
    ConfigKey { name: "partitioner.class", ty: T::Class, default: "", validator: V::OneOf(&["", ROUND_ROBIN_PARTITIONER]), doc: "A custom partitioner; empty means Kafka's built-in one (murmur2 for keys, uniform sticky otherwise)." },
    ConfigKey { name: "partitioner.ignore.keys", ty: T::Boolean, default: "false", validator: V::None, doc: "Ignore keys when choosing partitions (every record uses the sticky partitioner)." },
    ConfigKey { name: "partitioner.adaptive.partitioning.enable", ty: T::Boolean, default: "true", validator: V::None, doc: "Send more null-key records to partitions whose brokers drain batches faster." },
    ConfigKey { name: "partitioner.availability.timeout.ms", ty: T::Long, default: "0", validator: V::AtLeast(0), doc: "With adaptive partitioning, null-key records skip partitions whose leader has had batches waiting that it could not take for this long (0 = off)." },
    ConfigKey { name: "metadata.max.age.ms", ty: T::Long, default: "300000", validator: V::AtLeast(0), doc: "Refresh metadata at least this often even without errors." },
    ConfigKey { name: "key.serializer", ty: T::Class, default: STRING_SERIALIZER, validator: V::OneOf(SERIALIZERS), doc: "How keys become bytes (the bytes murmur2 hashes)." },
    ConfigKey { name: "value.serializer", ty: T::Class, default: STRING_SERIALIZER, validator: V::OneOf(SERIALIZERS), doc: "How values become bytes." },
    ConfigKey { name: "transactional.id", ty: T::String, default: "", validator: V::None, doc: "Makes the producer transactional (initTransactions, beginTransaction, commitTransaction); forces idempotence. Empty: not transactional." },
    ConfigKey { name: "transaction.timeout.ms", ty: T::Int, default: "60000", validator: V::AtLeast(1), doc: "How long the coordinator lets a transaction stay open before it aborts it (and fences the producer)." },
    ConfigKey { name: "client.id", ty: T::String, default: "", validator: V::None, doc: "A name for this producer in logs and metrics." },
    ConfigKey { name: "bootstrap.servers", ty: T::List, default: "", validator: V::None, doc: "Brokers to ask for metadata first, e.g. b1,b2 (empty: every broker)." },
];

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Acks {
    Zero,
    One,
    All,
}

impl Acks {
    /// The wire value: 0, 1 or -1.
    pub fn wire(self) -> i16 {
        match self {
            Acks::Zero => 0,
            Acks::One => 1,
            Acks::All => -1,
        }
    }
}

impl std::fmt::Display for Acks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Acks::Zero => "0",
            Acks::One => "1",
            Acks::All => "all",
        })
    }
}

#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, serde::Serialize, serde::Deserialize,
)]
pub enum Serializer {
    String,
    ByteArray,
    Json,
}

impl Serializer {
    fn from_class(class: &str) -> Serializer {
        match class {
            BYTE_ARRAY_SERIALIZER => Serializer::ByteArray,
            JSON_SERIALIZER => Serializer::Json,
            _ => Serializer::String,
        }
    }
}

/// The producer's settings, typed. Built only through `ProducerConfig::from_values`, which
/// applies Kafka's cross-field rules.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ProducerConfig {
    pub values: ConfigValues,
    pub acks: Acks,
    pub batch_size: u32,
    pub linger_ms: u64,
    pub buffer_memory: u64,
    pub max_block_ms: u64,
    pub compression_type: String,
    pub enable_idempotence: bool,
    pub retries: u32,
    pub retry_backoff_ms: u64,
    pub retry_backoff_max_ms: u64,
    pub request_timeout_ms: u64,
    pub delivery_timeout_ms: u64,
    pub max_in_flight_requests_per_connection: u32,
    pub max_request_size: u32,
    pub round_robin_partitioner: bool,
    pub partitioner_ignore_keys: bool,
    pub partitioner_adaptive_partitioning_enable: bool,
    pub partitioner_availability_timeout_ms: u64,
    pub metadata_max_age_ms: u64,
    pub key_serializer: Serializer,
    pub value_serializer: Serializer,
    pub bootstrap_servers: Vec<String>,
    /// Why idempotence is off although it is Kafka's default, for the UI to explain.
    pub idempotence_note: Option<String>,
    /// `transactional.id`: set, the producer is transactional.
    pub transactional_id: Option<String>,
    pub transaction_timeout_ms: i32,
}

impl ProducerConfig {
    pub fn defaults() -> ProducerConfig {
        let values =
            super::def::parse(PRODUCER_KEYS, &Default::default()).expect("defaults are valid");
        ProducerConfig::from_values(values).expect("defaults are consistent")
    }

    /// Apply Kafka 4.0's cross-field rules (`ProducerConfig.postProcessParsedConfig`,
    /// `KafkaProducer.configureDeliveryTimeout`): idempotence is turned off silently when the
    /// user left it at its default but chose acks != all, retries = 0 or more than 5 in flight,
    /// and refused with Kafka's `ConfigException` text when they asked for it explicitly.
    pub fn from_values(values: ConfigValues) -> Result<ProducerConfig, super::ConfigError> {
        use crate::kafka::producer::idempotence_config::{self as idem, ProducerConfigOverrides};
        let acks = match values.get("acks") {
            "0" => Acks::Zero,
            "1" => Acks::One,
            _ => Acks::All,
        };
        let explicit_int = |k: &str| values.is_explicit(k).then(|| values.int(k));
        let overrides = ProducerConfigOverrides {
            enable_idempotence: values
                .is_explicit("enable.idempotence")
                .then(|| values.bool("enable.idempotence")),
            acks: values.is_explicit("acks").then_some(match acks {
                Acks::Zero => idem::Acks::None,
                Acks::One => idem::Acks::Leader,
                Acks::All => idem::Acks::All,
            }),
            retries: explicit_int("retries").map(|v| v as i32),
            max_in_flight_requests_per_connection: explicit_int(
                "max.in.flight.requests.per.connection",
            )
            .map(|v| v as i32),
            transactional_id: (!values.get("transactional.id").is_empty())
                .then(|| values.get("transactional.id").to_string()),
            linger_ms: explicit_int("linger.ms"),
            request_timeout_ms: explicit_int("request.timeout.ms").map(|v| v as i32),
            delivery_timeout_ms: explicit_int("delivery.timeout.ms").map(|v| v as i32),
        };
        // Kafka 4.0's rules (ProducerConfig.postProcessAndValidateIdempotenceConfigs and
        // KafkaProducer.configureDeliveryTimeout), with Kafka's exception and warning texts.
        let effective =
            idem::resolve_producer_config(&overrides).map_err(|e| super::ConfigError {
                key: String::new(),
                value: String::new(),
                problem: super::ConfigProblem::Kafka(e),
            })?;
        let idempotence_note =
            (!effective.warnings.is_empty()).then(|| effective.warnings.join(" "));
        Ok(ProducerConfig {
            acks,
            batch_size: values.int("batch.size") as u32,
            linger_ms: values.int("linger.ms") as u64,
            buffer_memory: values.int("buffer.memory") as u64,
            max_block_ms: values.int("max.block.ms") as u64,
            compression_type: values.get("compression.type").to_string(),
            enable_idempotence: effective.enable_idempotence,
            retries: effective.retries as u32,
            retry_backoff_ms: values.int("retry.backoff.ms") as u64,
            retry_backoff_max_ms: values.int("retry.backoff.max.ms") as u64,
            request_timeout_ms: values.int("request.timeout.ms") as u64,
            delivery_timeout_ms: effective.delivery_timeout_ms as u64,
            max_in_flight_requests_per_connection: effective.max_in_flight_requests_per_connection
                as u32,
            max_request_size: values.int("max.request.size") as u32,
            round_robin_partitioner: values.get("partitioner.class") == ROUND_ROBIN_PARTITIONER,
            partitioner_ignore_keys: values.bool("partitioner.ignore.keys"),
            partitioner_adaptive_partitioning_enable: values
                .bool("partitioner.adaptive.partitioning.enable"),
            partitioner_availability_timeout_ms: values.int("partitioner.availability.timeout.ms")
                as u64,
            metadata_max_age_ms: values.int("metadata.max.age.ms") as u64,
            key_serializer: Serializer::from_class(values.get("key.serializer")),
            value_serializer: Serializer::from_class(values.get("value.serializer")),
            bootstrap_servers: values.list("bootstrap.servers"),
            idempotence_note,
            transactional_id: overrides.transactional_id.clone(),
            transaction_timeout_ms: values.int("transaction.timeout.ms") as i32,
            values,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn config(pairs: &[(&str, serde_json::Value)]) -> Result<ProducerConfig, String> {
        let map: BTreeMap<_, _> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let values = super::super::def::parse(PRODUCER_KEYS, &map).map_err(|e| e[0].key.clone())?;
        ProducerConfig::from_values(values).map_err(|e| match e.problem {
            super::super::ConfigProblem::Kafka(e) => e.message().to_string(),
            other => format!("{other:?}"),
        })
    }

    #[test]
    fn kafka_4_defaults() {
        let c = ProducerConfig::defaults();
        assert_eq!(
            (c.acks, c.linger_ms, c.batch_size, c.enable_idempotence),
            (Acks::All, 5, 16384, true)
        );
        assert_eq!(c.delivery_timeout_ms, 120_000);
    }

    #[test]
    fn acks_1_silently_turns_idempotence_off() {
        let c = config(&[("acks", json!("1"))]).unwrap();
        assert!(!c.enable_idempotence);
        assert_eq!(
            c.idempotence_note.as_deref(),
            Some("Idempotence will be disabled because acks is set to 1, not set to 'all'.")
        );
    }

    #[test]
    fn explicit_idempotence_with_acks_1_is_a_config_exception() {
        let e = config(&[("acks", json!("1")), ("enable.idempotence", json!(true))]).unwrap_err();
        assert_eq!(e, "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.");
    }

    #[test]
    fn explicit_delivery_timeout_below_linger_plus_request_timeout_is_refused() {
        let e = config(&[("delivery.timeout.ms", json!(1000))]).unwrap_err();
        assert!(e.starts_with(
            "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms"
        ));
        let c = config(&[("request.timeout.ms", json!(200000))]).unwrap();
        assert_eq!(
            c.delivery_timeout_ms, 200_005,
            "a default that is too small is raised silently"
        );
    }
}

#[cfg(test)]
mod kafka_4_tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[test]
    fn more_than_5_in_flight_with_default_idempotence_is_refused_in_4_0() {
        let map: BTreeMap<String, serde_json::Value> = [(
            "max.in.flight.requests.per.connection".to_string(),
            json!(6),
        )]
        .into();
        let values = super::super::def::parse(PRODUCER_KEYS, &map).unwrap();
        let e = ProducerConfig::from_values(values).unwrap_err();
        let crate::kafka::config::ConfigProblem::Kafka(e) = e.problem else {
            panic!("expected Kafka's ConfigException, got {e:?}");
        };
        assert!(
            e.message()
                .contains("max.in.flight.requests.per.connection"),
            "{e}"
        );
    }
}
