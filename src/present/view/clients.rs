//! Producer and consumer panels: the accumulator's batches filling toward `batch.size` with
//! their linger countdowns, requests in flight, positions and lag.

use super::{short, NodeStatus};
use crate::kafka::config::Acks;
use crate::kafka::timer::Timer;
use crate::kafka::{KafkaWorld, NodeId};
use crate::sim::SimDuration;

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BatchView {
    pub partition: String,
    pub records: u32,
    pub bytes: u32,
    pub batch_size: u32,
    /// 0..=100
    pub fill_percent: u32,
    /// Milliseconds of `linger.ms` left, while counting down.
    pub linger_left_ms: Option<u64>,
    /// 0..=100 of `linger.ms` elapsed (for the countdown ring).
    pub linger_elapsed_percent: u32,
    pub state: String,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ProducerView {
    pub id: u32,
    pub label: String,
    pub status: NodeStatus,
    pub settings: Vec<(String, String)>,
    pub batches: Vec<BatchView>,
    pub in_flight: Vec<(String, u32)>,
    pub stats: Vec<(String, String)>,
    pub workload: Option<String>,
    pub note: Option<String>,
}

pub fn producer_views(world: &KafkaWorld) -> Vec<ProducerView> {
    let now = world.now();
    world
        .model()
        .producers
        .values()
        .map(|p| {
            let c = &p.config;
            let linger = SimDuration::from_ms(c.linger_ms);
            let mut batches = Vec::new();
            for (tp, queue) in p.accumulator.queues() {
                for (i, b) in queue.iter().enumerate() {
                    let deadline = world.timer_deadline(
                        &p.node(),
                        &Timer::LingerExpired {
                            partition: tp.clone(),
                        },
                    );
                    let (state, left) = if b.attempts > 0 {
                        ("waiting to retry".to_string(), None)
                    } else if i > 0 || b.is_full(c.batch_size) {
                        ("full: ready to send".to_string(), None)
                    } else if let Some(d) = deadline.filter(|_| i == 0) {
                        ("lingering".to_string(), Some(d.since(now).as_ms()))
                    } else {
                        ("ready: waiting for a free connection".to_string(), None)
                    };
                    let elapsed = now.since(b.created_at).as_micros();
                    let linger_elapsed_percent = if linger.as_micros() == 0 {
                        100
                    } else {
                        (elapsed * 100 / linger.as_micros()).min(100) as u32
                    };
                    batches.push(BatchView {
                        partition: tp.to_string(),
                        records: b.record_count(),
                        bytes: b.estimated_bytes,
                        batch_size: c.batch_size,
                        fill_percent: (b.estimated_bytes as u64 * 100 / c.batch_size.max(1) as u64)
                            .min(100) as u32,
                        linger_left_ms: left,
                        linger_elapsed_percent,
                        state,
                    });
                }
            }
            let mut in_flight: Vec<(String, u32)> = Vec::new();
            for (_, request) in p.net.requests() {
                if request.api != "Produce" {
                    continue;
                }
                match in_flight
                    .iter_mut()
                    .find(|(b, _)| *b == request.to.to_string())
                {
                    Some((_, n)) => *n += 1,
                    None => in_flight.push((request.to.to_string(), 1)),
                }
            }
            let acks = match c.acks {
                Acks::All => "all".to_string(),
                other => other.to_string(),
            };
            ProducerView {
                id: p.id,
                label: format!("p{}", p.id),
                status: NodeStatus::of(&p.process, now),
                settings: vec![
                    ("acks".into(), acks),
                    ("linger.ms".into(), c.linger_ms.to_string()),
                    ("batch.size".into(), c.batch_size.to_string()),
                    (
                        "enable.idempotence".into(),
                        c.enable_idempotence.to_string(),
                    ),
                    ("compression.type".into(), c.compression_type.clone()),
                    (
                        "max.in.flight".into(),
                        c.max_in_flight_requests_per_connection.to_string(),
                    ),
                ],
                batches,
                in_flight,
                stats: vec![
                    ("sent".into(), p.stats.records_sent.to_string()),
                    ("acknowledged".into(), p.stats.records_acked.to_string()),
                    ("failed".into(), p.stats.records_failed.to_string()),
                    ("requests".into(), p.stats.requests_sent.to_string()),
                    ("retries".into(), p.stats.retries.to_string()),
                ],
                workload: p
                    .workload
                    .as_ref()
                    .map(|w| format!("producing {}/s to {}", w.records_per_second, w.topic)),
                note: c.idempotence_note.clone(),
            }
        })
        .collect()
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConsumerPartitionView {
    pub partition: String,
    pub position: String,
    pub high_watermark: String,
    pub lag: String,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConsumerView {
    pub id: u32,
    pub label: String,
    pub status: NodeStatus,
    pub mode: String,
    pub partitions: Vec<ConsumerPartitionView>,
    pub consumed: u64,
    pub recent: Vec<String>,
}

pub fn consumer_views(world: &KafkaWorld) -> Vec<ConsumerView> {
    world
        .model()
        .consumers
        .values()
        .map(|c| ConsumerView {
            id: c.id,
            label: NodeId::Consumer(c.id).to_string(),
            status: NodeStatus::of(&c.process, world.now()),
            mode: "assign".into(),
            partitions: c
                .positions
                .iter()
                .map(|(tp, s)| {
                    let lag = match (s.position, s.high_watermark) {
                        (Some(p), Some(hw)) => (hw - p).max(0).to_string(),
                        _ => "-".into(),
                    };
                    ConsumerPartitionView {
                        partition: tp.to_string(),
                        position: s.position.map_or("-".into(), |p| p.to_string()),
                        high_watermark: s.high_watermark.map_or("-".into(), |p| p.to_string()),
                        lag,
                    }
                })
                .collect(),
            consumed: c.stats.records_consumed,
            recent: c
                .stats
                .recent
                .iter()
                .rev()
                .map(|r| {
                    format!(
                        "{}@{}  {} = {}",
                        r.partition,
                        r.offset,
                        short(&r.key, 12),
                        short(&r.value, 16)
                    )
                })
                .collect(),
        })
        .collect()
}
