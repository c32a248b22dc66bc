//! View models: plain structs the UI renders without further thought. Every label, colour class
//! and number on screen is decided here, from the world and the last step.

mod clients;
mod cluster;
mod controllers;
mod lab;
pub mod network;
mod partitions;
pub mod producer;
pub mod txn;

pub use clients::{consumer_views, ConsumerPartitionView, ConsumerView};
pub use cluster::{
    cluster_view, BrokerView, CellView, ClusterView, MarkerView, ReplicaRole, ReplicaView,
};
pub use controllers::{controller_views, ControllerView};
pub use lab::{lab_view, LabView};
pub use network::{network_view, NetworkView};
pub use partitions::{partition_rows, truth, PartitionRow};
pub use producer::{producer_views, ProducerView};

use crate::kafka::event::ProcessFault;
use crate::kafka::process::Process;
use crate::sim::SimTime;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NodeStatus {
    Up,
    Paused,
    Crashed,
    PoweredOff,
    ShutDown,
}

impl NodeStatus {
    pub fn of(process: &Process, now: SimTime) -> NodeStatus {
        match process.stopped_by() {
            Some(ProcessFault::Crash) => NodeStatus::Crashed,
            Some(ProcessFault::PowerFailure) => NodeStatus::PoweredOff,
            Some(ProcessFault::GracefulShutdown) => NodeStatus::ShutDown,
            None if process.is_paused(now) => NodeStatus::Paused,
            None => NodeStatus::Up,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            NodeStatus::Up => "running",
            NodeStatus::Paused => "paused",
            NodeStatus::Crashed => "crashed",
            NodeStatus::PoweredOff => "power off",
            NodeStatus::ShutDown => "shut down",
        }
    }
    pub fn css(self) -> &'static str {
        match self {
            NodeStatus::Up => "up",
            NodeStatus::Paused => "paused",
            NodeStatus::Crashed | NodeStatus::PoweredOff | NodeStatus::ShutDown => "down",
        }
    }
    pub fn is_up(self) -> bool {
        matches!(self, NodeStatus::Up | NodeStatus::Paused)
    }
}

/// `1.234 s` style clock text.
pub fn time_text(t: SimTime) -> String {
    let ms = t.as_ms();
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

/// Colour class 1..=7 for a key (0 for no key): the same key has the same colour everywhere.
pub fn key_colour(key: Option<&[u8]>) -> u8 {
    match key {
        None => 0,
        Some(bytes) => {
            (crate::kafka::murmur2::to_positive(crate::kafka::murmur2::murmur2(bytes)) % 7) as u8
                + 1
        }
    }
}

/// Short text for a payload shown in a small cell.
pub fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}
