//! Kafka configuration: the key tables (names, types, defaults, docs) and the typed views the
//! model reads. Lesson files and the UI speak Kafka's own config names.

pub mod broker;
pub mod consumer;
pub mod def;
pub mod producer;

pub use broker::{BrokerConfig, LogConfig, BROKER_KEYS, TOPIC_KEYS};
pub use consumer::{ConsumerConfig, CONSUMER_KEYS};
pub use def::{ConfigError, ConfigKey, ConfigProblem, ConfigValues};
pub use producer::{Acks, ProducerConfig, PRODUCER_KEYS};
