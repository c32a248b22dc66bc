//! The Kafka model: brokers, partition logs, replication, the KRaft controller, producers and
//! consumers, wired together as one `sim::Model` (`Cluster`). Everything here is deterministic,
//! pure Rust: no clocks, no I/O, no web crates.

pub mod assignor;
pub mod broker;
pub mod client;
pub mod cluster;
pub mod command;
pub mod commands;
pub mod compression;
pub mod config;
pub mod consumer;
pub mod controller;
pub mod cost;
pub mod errors;
pub mod event;
pub mod group;
pub mod log;
pub mod metadata;
pub mod murmur2;
pub mod pipeline;
pub mod placement;
pub mod process;
pub mod producer;
pub mod protocol;
mod queries;
pub mod record;
pub mod sequence;
pub mod spec;
pub mod timer;
pub mod txn;
pub mod types;

pub use cluster::Cluster;
pub use command::Command;
pub use event::Event;
pub use protocol::Message;
pub use timer::Timer;
pub use types::{BrokerId, NodeId, Topic, TopicPartition};

/// The simulated world of a Kafka cluster.
pub type KafkaWorld = crate::sim::World<Cluster>;
/// One step of it.
pub type KafkaStep = crate::sim::Step<Cluster>;
