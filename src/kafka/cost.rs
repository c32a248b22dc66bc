//! The cost model that makes batching matter: CPU time on the client per `send()` and per
//! request, compression time per batch (see `compression`), broker time per request and per byte
//! appended, and bytes over each link's bandwidth (see `sim::network`). A lesson can change every
//! knob (`"costs": {...}`); the defaults describe a modest cloud deployment.
//!
//! Sources for the defaults, all assumptions rather than measurements of this machine:
//! - `producer_send_micros`: Kafka's producer moves hundreds of thousands of small records per
//!   second from one thread (Jay Kreps, "Benchmarking Apache Kafka: 2 Million Writes Per Second
//!   (On Three Cheap Machines)", 2014: about 800,000 100-byte records/s), so a few microseconds
//!   per `send()` for serialization, partitioning and the accumulator.
//! - `broker_request_micros`: a broker handles the requests of one connection one at a time
//!   (the channel is muted until the response is sent); Kafka's request metrics
//!   (`RequestQueueTimeMs`, `LocalTimeMs`, `ResponseSendTimeMs`) are typically a fraction of a
//!   millisecond each on a healthy broker, so 0.3 ms per request.
//! - `broker_append_bytes_per_ms`: appends go to the page cache at memory speed, about 1 GB/s.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CostModel {
    /// Client CPU per `send()`: serialize, partition, append to a batch.
    pub producer_send_micros: u64,
    /// Client CPU to build and write one Produce request.
    pub producer_request_micros: u64,
    /// Broker time per request on one connection (parse, handle, respond).
    pub broker_request_micros: u64,
    /// Broker append speed into the page cache, in bytes per millisecond.
    pub broker_append_bytes_per_ms: u64,
}

impl Default for CostModel {
    fn default() -> Self {
        CostModel {
            producer_send_micros: 2,
            producer_request_micros: 50,
            broker_request_micros: 300,
            broker_append_bytes_per_ms: 1_000_000,
        }
    }
}

impl CostModel {
    /// Broker time to append `bytes`, in microseconds.
    pub fn append_micros(&self, bytes: u64) -> u64 {
        match self.broker_append_bytes_per_ms {
            0 => 0,
            rate => (bytes * 1000).div_ceil(rate),
        }
    }
}
