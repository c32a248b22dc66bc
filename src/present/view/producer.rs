//! The producer panel's view model: the `RecordAccumulator` per partition (batches filling
//! toward `batch.size`, the `linger.ms` countdown, why each batch is waiting), the sticky
//! partition, the sender's connections with their requests in flight, the batches that left and
//! why, `buffer.memory`, idempotence, the metrics over simulated time, and the config table.

use super::{time_text, NodeStatus};
use crate::kafka::config::def::{ConfigKey, ConfigType, Validator};
use crate::kafka::config::{Acks, PRODUCER_KEYS};
use crate::kafka::event::{BatchReadyReason, Event};
use crate::kafka::producer::metrics::Bucket;
use crate::kafka::producer::{Producer, SendMode};
use crate::kafka::{KafkaStep, KafkaWorld, NodeId, TopicPartition};
use crate::sim::{SimDuration, SimTime};

/// Batches drawn per partition; the rest are summed up.
const BATCHES_SHOWN: usize = 4;
/// Seconds of history in the metric charts.
const CHART_SECONDS: u64 = 60;
/// Kafka's metrics average over `metrics.sample.window.ms` (30 s) samples.
const WINDOW_SECONDS: u64 = 30;

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BatchView {
    pub records: u32,
    pub bytes: u32,
    pub batch_size: u32,
    /// 0..=100 of `batch.size`.
    pub fill_percent: u32,
    /// Milliseconds of `linger.ms` left, while counting down.
    pub linger_left_ms: Option<u64>,
    /// 0..=100 of `linger.ms` elapsed since the batch was created (the countdown ring).
    pub linger_elapsed_percent: u32,
    pub state: String,
    /// A short class for the state: filling, ready, blocked, retry.
    pub css: &'static str,
    /// Idempotence: the base sequence, fixed at the first send.
    pub sequence: Option<i32>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AccumulatorRow {
    pub partition: String,
    pub leader: String,
    pub batches: Vec<BatchView>,
    /// Batches beyond those drawn: count and bytes.
    pub more: Option<(u32, u64)>,
    /// Null-key records currently go here.
    pub sticky: bool,
    /// The last step appended a record here.
    pub appended_now: bool,
    /// The last step drained a batch from here.
    pub drained_now: bool,
    /// Adaptive partitioning's weight for null keys, when it is in force.
    pub weight: Option<i32>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StickyView {
    pub topic: String,
    pub partition: i32,
    pub produced_bytes: i32,
    pub switch_at_bytes: u32,
    /// The last step switched the sticky partition, from this one.
    pub switched_now: Option<Option<i32>>,
    pub rule: String,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AccumulatorTopic {
    pub topic: String,
    pub rows: Vec<AccumulatorRow>,
    pub sticky: Option<StickyView>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConnectionView {
    pub broker: String,
    pub in_flight: u32,
    pub max_in_flight: u32,
    /// Batches (partitions) carried by the requests in flight.
    pub batches: u32,
    pub touched: bool,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SentBatchView {
    pub partition: String,
    pub broker: String,
    pub records: u32,
    pub bytes: u32,
    pub reason: &'static str,
    pub reason_css: &'static str,
    pub at: String,
    pub fresh: bool,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BufferView {
    pub used: u64,
    pub total: u64,
    /// 0..=100
    pub used_percent: u32,
    /// `send()` is blocked: since how long, out of `max.block.ms`.
    pub blocked: Option<String>,
    pub waiting_sends: u32,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IdempotenceView {
    pub enabled: bool,
    /// "producer id 1000, epoch 0", or what the producer is waiting for.
    pub identity: String,
    /// Per partition: next sequence to assign and last acknowledged one.
    pub sequences: Vec<(String, i32, i32)>,
    /// Records of retried batches the brokers recognised and did not write again.
    pub duplicates_avoided: u64,
    pub explanation: String,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MetricChart {
    pub name: &'static str,
    pub doc: &'static str,
    /// The value over the last 30 simulated seconds, as Kafka's metric would report it.
    pub current: String,
    /// The top of the chart's scale.
    pub scale: String,
    /// SVG polyline points in a `0 0 120 36` box; empty when there is no data yet.
    pub points: String,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConfigRowView {
    pub key: &'static str,
    pub value: String,
    pub default: &'static str,
    pub doc: &'static str,
    pub explicit: bool,
    /// Allowed values, for a select (booleans and enumerations).
    pub choices: Option<Vec<(String, String)>>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConfigGroupView {
    pub title: &'static str,
    pub rows: Vec<ConfigRowView>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ProducerView {
    pub id: u32,
    pub label: String,
    pub status: NodeStatus,
    pub send_mode: &'static str,
    pub send_mode_text: &'static str,
    pub workload: Option<String>,
    /// Settings that explain the picture, in one line each.
    pub summary: Vec<(String, String)>,
    pub note: Option<String>,
    pub metadata_ready: bool,
    pub topics: Vec<AccumulatorTopic>,
    pub connections: Vec<ConnectionView>,
    pub recent: Vec<SentBatchView>,
    pub buffer: BufferView,
    pub idempotence: IdempotenceView,
    pub counters: Vec<(String, String)>,
    pub metrics: Vec<MetricChart>,
    pub config: Vec<ConfigGroupView>,
    /// The transaction badge, buttons and forms.
    pub txn: super::txn::TxnPanelView,
}

pub fn producer_views(world: &KafkaWorld, last: Option<&KafkaStep>) -> Vec<ProducerView> {
    let events: &[Event] = last.map_or(&[], |s| &s.events);
    let now = world.now();
    world
        .model()
        .producers
        .values()
        .map(|p| producer_view(world, p, events, now))
        .collect()
}

fn producer_view(world: &KafkaWorld, p: &Producer, events: &[Event], now: SimTime) -> ProducerView {
    let c = &p.config;
    let acks = match c.acks {
        Acks::All => "all".to_string(),
        other => other.to_string(),
    };
    let duplicates_avoided = duplicates_avoided(world, p);
    ProducerView {
        id: p.id,
        label: format!("p{}", p.id),
        status: NodeStatus::of(&p.process, now),
        send_mode: p.send_mode.name(),
        send_mode_text: p.send_mode.describe(),
        workload: p.workload.as_ref().map(|w| {
            let rate = if w.records_per_second == 0 {
                "as fast as send() returns".to_string()
            } else {
                format!("{} records/s", w.records_per_second)
            };
            match w.total {
                Some(total) => format!(
                    "producing to {} at {rate}: {} of {total} sent",
                    w.topic, w.sent
                ),
                None => format!("producing to {} at {rate}", w.topic),
            }
        }),
        summary: vec![
            ("acks".into(), acks),
            ("batch.size".into(), bytes_text(c.batch_size as u64)),
            ("linger.ms".into(), c.linger_ms.to_string()),
            ("compression.type".into(), c.compression_type.clone()),
            (
                "enable.idempotence".into(),
                c.enable_idempotence.to_string(),
            ),
            (
                "max.in.flight".into(),
                c.max_in_flight_requests_per_connection.to_string(),
            ),
        ],
        note: c.idempotence_note.clone(),
        metadata_ready: !p.metadata.topics.is_empty(),
        topics: accumulator_topics(world, p, events, now),
        connections: connections(p, events),
        recent: recent_batches(p, events),
        buffer: buffer_view(p, now),
        idempotence: idempotence_view(p, duplicates_avoided),
        counters: vec![
            ("send() calls".into(), p.stats.records_sent.to_string()),
            ("acknowledged".into(), p.stats.records_acked.to_string()),
            (
                if p.send_mode == SendMode::FireAndForget {
                    "failed (never checked)".into()
                } else {
                    "failed".into()
                },
                p.stats.records_failed.to_string(),
            ),
            ("batches sent".into(), p.stats.batches_sent.to_string()),
            ("Produce requests".into(), p.stats.requests_sent.to_string()),
            ("retries".into(), p.stats.retries.to_string()),
            (
                "duplicate records avoided".into(),
                if c.enable_idempotence {
                    duplicates_avoided.to_string()
                } else {
                    "- (idempotence off)".into()
                },
            ),
        ],
        metrics: metric_charts(p, now),
        config: config_groups(p),
        txn: super::txn::txn_panel_view(world, p),
    }
}

fn accumulator_topics(
    world: &KafkaWorld,
    p: &Producer,
    events: &[Event],
    now: SimTime,
) -> Vec<AccumulatorTopic> {
    let mut topics: Vec<String> = p.metadata.topics.keys().map(|t| t.to_string()).collect();
    for tp in p.accumulator.queues().keys() {
        if !topics.iter().any(|t| *t == tp.topic) {
            topics.push(tp.topic.to_string());
        }
    }
    topics
        .into_iter()
        .map(|topic| {
            let count = p.metadata.partition_count(topic.as_str()).unwrap_or(0);
            let mut partitions: Vec<i32> = (0..count).collect();
            for tp in p.accumulator.queues().keys().filter(|tp| tp.topic == topic) {
                if !partitions.contains(&tp.partition) {
                    partitions.push(tp.partition);
                }
            }
            let partitioner = p.sticky.get(topic.as_str());
            let sticky_partition = partitioner
                .and_then(|s| s.sticky_partition_info())
                .map(|i| i.partition());
            let weights = partitioner.and_then(|s| s.load_weights());
            let rows = partitions
                .into_iter()
                .map(|partition| {
                    let tp = TopicPartition::new(topic.clone(), partition);
                    accumulator_row(world, p, &tp, events, now, sticky_partition, &weights)
                })
                .collect();
            let sticky = partitioner.and_then(|s| s.sticky_partition_info()).map(|info| {
                let switched_now = events.iter().find_map(|e| match e {
                    Event::StickyPartitionSwitched {
                        producer,
                        topic: t,
                        from,
                        ..
                    } if *producer == p.id && *t == topic => Some(*from),
                    _ => None,
                });
                StickyView {
                    topic: topic.clone(),
                    partition: info.partition(),
                    produced_bytes: info.produced_bytes(),
                    switch_at_bytes: p.config.batch_size,
                    switched_now,
                    rule: if p.config.partitioner_adaptive_partitioning_enable {
                        "Records without a key stick to one partition until batch.size bytes have gone to it; then the next new batch picks another partition, favouring brokers with shorter queues (adaptive partitioning).".into()
                    } else {
                        "Records without a key stick to one partition until batch.size bytes have gone to it; then the next new batch picks another partition at random.".into()
                    },
                }
            });
            AccumulatorTopic {
                topic,
                rows,
                sticky,
            }
        })
        .collect()
}

fn accumulator_row(
    world: &KafkaWorld,
    p: &Producer,
    tp: &TopicPartition,
    events: &[Event],
    now: SimTime,
    sticky_partition: Option<i32>,
    weights: &Option<Vec<(i32, i32)>>,
) -> AccumulatorRow {
    let c = &p.config;
    let leader = p.metadata.leader(tp);
    let queue = p.accumulator.queues().get(tp);
    let len = queue.map_or(0, |q| q.len());
    let mut batches = Vec::new();
    let mut more = None;
    if let Some(queue) = queue {
        for (i, b) in queue.iter().enumerate().take(BATCHES_SHOWN) {
            let last = i + 1 == len;
            let (state, css, left) = batch_state(world, p, tp, b, i == 0, last, leader, now);
            let linger = SimDuration::from_ms(c.linger_ms).as_micros();
            let elapsed = now.since(b.created_at).as_micros();
            batches.push(BatchView {
                records: b.record_count(),
                bytes: b.estimated_bytes,
                batch_size: c.batch_size,
                fill_percent: (b.estimated_bytes as u64 * 100 / c.batch_size.max(1) as u64).min(100)
                    as u32,
                linger_left_ms: left,
                linger_elapsed_percent: if linger == 0 {
                    100
                } else {
                    (elapsed * 100 / linger).min(100) as u32
                },
                state,
                css,
                sequence: b.sequence.map(|(_, _, s)| s),
            });
        }
        if len > BATCHES_SHOWN {
            let rest = queue.iter().skip(BATCHES_SHOWN);
            let bytes: u64 = rest.clone().map(|b| b.estimated_bytes as u64).sum();
            more = Some(((len - BATCHES_SHOWN) as u32, bytes));
        }
    }
    AccumulatorRow {
        partition: tp.to_string(),
        leader: leader.map_or("leader unknown".into(), |b| format!("leader {}", NodeId::Broker(b))),
        batches,
        more,
        sticky: sticky_partition == Some(tp.partition),
        appended_now: events.iter().any(|e| {
            matches!(e, Event::RecordAppendedToBatch { producer, partition, .. } if *producer == p.id && partition == tp)
        }),
        drained_now: events.iter().any(|e| {
            matches!(e, Event::BatchReady { producer, partition, .. } if *producer == p.id && partition == tp)
        }),
        weight: weights
            .as_ref()
            .and_then(|w| w.iter().find(|(q, _)| *q == tp.partition).map(|(_, w)| *w)),
    }
}

/// What a queued batch is waiting for, in words; its class; and the linger countdown.
#[allow(clippy::too_many_arguments)]
fn batch_state(
    world: &KafkaWorld,
    p: &Producer,
    tp: &TopicPartition,
    b: &crate::kafka::producer::accumulator::ProducerBatch,
    first: bool,
    last: bool,
    leader: Option<crate::kafka::BrokerId>,
    now: SimTime,
) -> (String, &'static str, Option<u64>) {
    let c = &p.config;
    if b.attempts > 0 {
        let error = b
            .last_error
            .map_or(String::new(), |e| format!(" after {e}"));
        return match b.retry_after.filter(|_| b.is_backing_off(now)) {
            Some(t) => (
                format!(
                    "retry #{} in {} ms{error} (retry.backoff.ms)",
                    b.attempts,
                    t.since(now).as_ms()
                ),
                "retry",
                None,
            ),
            None => (format!("retry #{} ready{error}", b.attempts), "retry", None),
        };
    }
    if !first {
        return (
            "queued behind the batch in front (sent in a later request)".into(),
            "ready",
            None,
        );
    }
    let deadline = b.created_at.plus(SimDuration::from_ms(c.linger_ms));
    let full = !last || b.is_full(c.batch_size);
    if !full && deadline > now && !p.flushing {
        let left = deadline
            .since(now)
            .as_ms()
            .max(if deadline > now { 1 } else { 0 });
        let why = if world
            .timer_deadline(
                &p.node(),
                &crate::kafka::timer::Timer::LingerExpired { partition: *tp },
            )
            .is_some()
        {
            "lingering: waiting for more records"
        } else {
            "lingering"
        };
        return (why.into(), "filling", Some(left));
    }
    // Ready by size, linger, or flush: why is it still here?
    let ready_by = if full {
        "full"
    } else if p.flushing {
        "flush()"
    } else {
        "linger.ms expired"
    };
    let blocked = match leader {
        None => "but its leader is unknown: refreshing metadata".to_string(),
        Some(broker) => {
            let in_flight = p
                .net
                .requests()
                .filter(|(_, r)| r.api == "Produce" && r.to == NodeId::Broker(broker))
                .count() as u32;
            if p.config.enable_idempotence && p.sequences.is_none() {
                "but the producer has no producer id yet (InitProducerId)".to_string()
            } else if in_flight >= c.max_in_flight_requests_per_connection {
                format!(
                    "waiting: {} has {in_flight} of {} requests in flight",
                    NodeId::Broker(broker),
                    c.max_in_flight_requests_per_connection
                )
            } else {
                "leaving with the sender's next pass".to_string()
            }
        }
    };
    (format!("ready ({ready_by}), {blocked}"), "blocked", None)
}

fn connections(p: &Producer, events: &[Event]) -> Vec<ConnectionView> {
    let mut brokers = p.metadata.brokers.clone();
    crate::sim::sort::sort(&mut brokers);
    brokers
        .into_iter()
        .map(|b| {
            let node = NodeId::Broker(b);
            let requests: Vec<u32> = p
                .net
                .requests()
                .filter(|(_, r)| r.api == "Produce" && r.to == node)
                .map(|(id, _)| *id)
                .collect();
            let batches = requests
                .iter()
                .filter_map(|id| p.in_flight.get(id))
                .map(|r| r.batches.len() as u32)
                .sum();
            ConnectionView {
                broker: node.to_string(),
                in_flight: requests.len() as u32,
                max_in_flight: p.config.max_in_flight_requests_per_connection,
                batches,
                touched: events.iter().any(|e| {
                    matches!(e, Event::ProduceSent { producer, broker, .. } if *producer == p.id && *broker == b)
                }),
            }
        })
        .collect()
}

pub fn reason_text(reason: BatchReadyReason) -> (&'static str, &'static str) {
    match reason {
        BatchReadyReason::Full => ("full (batch.size)", "full"),
        BatchReadyReason::LingerExpired => ("linger.ms expired", "linger"),
        BatchReadyReason::Flush => ("flush()", "flush"),
        BatchReadyReason::BufferExhausted => ("buffer.memory exhausted", "buffer"),
        BatchReadyReason::Retry => ("retry", "retry"),
        BatchReadyReason::Piggyback => ("rode along to the same broker", "piggyback"),
    }
}

fn recent_batches(p: &Producer, events: &[Event]) -> Vec<SentBatchView> {
    let fresh = events
        .iter()
        .filter(|e| matches!(e, Event::BatchReady { producer, .. } if *producer == p.id))
        .count();
    let total = p.recent.len();
    p.recent
        .iter()
        .enumerate()
        .rev()
        .map(|(i, b)| {
            let (reason, reason_css) = reason_text(b.reason);
            SentBatchView {
                partition: b.partition.to_string(),
                broker: NodeId::Broker(b.broker).to_string(),
                records: b.records,
                bytes: b.bytes,
                reason,
                reason_css,
                at: time_text(b.at),
                fresh: i + fresh >= total,
            }
        })
        .collect()
}

fn buffer_view(p: &Producer, now: SimTime) -> BufferView {
    let total = p.config.buffer_memory;
    let used = p.accumulator.buffer_used;
    BufferView {
        used,
        total,
        used_percent: if total == 0 {
            100
        } else {
            (used.saturating_mul(100) / total).min(100) as u32
        },
        blocked: p.blocked_since.map(|since| {
            format!(
                "send() blocked for {} ms of max.block.ms {}",
                now.since(since).as_ms(),
                p.config.max_block_ms
            )
        }),
        waiting_sends: p.waiting.len() as u32,
    }
}

fn idempotence_view(p: &Producer, duplicates_avoided: u64) -> IdempotenceView {
    if !p.config.enable_idempotence {
        return IdempotenceView {
            enabled: false,
            identity: "off".into(),
            sequences: Vec::new(),
            duplicates_avoided,
            explanation: "Without idempotence a retried batch the broker already wrote is written again (a duplicate), and with more than one request in flight a retry can overtake a later batch (reordering).".into(),
        };
    }
    match &p.sequences {
        None => IdempotenceView {
            enabled: true,
            identity: "waiting for a producer id (InitProducerId)".into(),
            sequences: Vec::new(),
            duplicates_avoided,
            explanation: "Batches wait until a broker hands out a producer id.".into(),
        },
        Some(s) => {
            let id = s.producer_id_and_epoch();
            let mut sequences = Vec::new();
            for tp in p
                .accumulator
                .partitions()
                .chain(p.recent.iter().map(|b| b.partition))
            {
                if sequences
                    .iter()
                    .any(|(name, _, _): &(String, i32, i32)| *name == tp.to_string())
                {
                    continue;
                }
                if let Some(seq) = s.partition(&tp) {
                    sequences.push((
                        tp.to_string(),
                        seq.next_sequence(),
                        seq.last_acked_sequence(),
                    ));
                }
            }
            crate::sim::sort::sort(&mut sequences);
            IdempotenceView {
                enabled: true,
                identity: format!("producer id {}, epoch {}", id.producer_id, id.epoch),
                sequences,
                duplicates_avoided,
                explanation: "Every batch carries the producer id, epoch and its first sequence number per partition. The leader remembers the last 5 batches of each producer: a retry of one of them is answered with its original offset instead of being written twice, and a gap in the sequence is refused (OUT_OF_ORDER_SEQUENCE_NUMBER), which keeps order with up to 5 requests in flight.".into(),
            }
        }
    }
}

/// Records in duplicate batches the brokers ignored for this producer's current producer id
/// (brokers count them per producer id; a producer id belongs to one producer).
fn duplicates_avoided(world: &KafkaWorld, p: &Producer) -> u64 {
    let Some(sequences) = &p.sequences else {
        return 0;
    };
    let id = sequences.producer_id_and_epoch().producer_id;
    world
        .model()
        .brokers
        .values()
        .filter_map(|b| b.duplicates_ignored.get(&id))
        .sum()
}

// ---- metrics ----

/// How a metric turns a one-second bucket (or a window of them) into a value, in thousandths.
struct MetricDef {
    name: &'static str,
    doc: &'static str,
    kind: MetricKind,
}

#[derive(Clone, Copy)]
enum MetricKind {
    /// Per second.
    Rate(fn(&Bucket) -> u64),
    /// Sum over sum (numerator, denominator).
    Ratio(fn(&Bucket) -> (u64, u64)),
    /// The last value (a gauge).
    Gauge,
}

const METRICS: &[MetricDef] = &[
    MetricDef {
        name: "record-send-rate",
        doc: "Records sent per second.",
        kind: MetricKind::Rate(|b| b.records_sent),
    },
    MetricDef {
        name: "record-error-rate",
        doc: "Records per second whose send failed for good.",
        kind: MetricKind::Rate(|b| b.record_errors),
    },
    MetricDef {
        name: "batch-size-avg",
        doc: "Average bytes per batch sent.",
        kind: MetricKind::Ratio(|b| (b.batch_bytes, b.batches)),
    },
    MetricDef {
        name: "records-per-request-avg",
        doc: "Average records per Produce request.",
        kind: MetricKind::Ratio(|b| (b.request_records, b.requests)),
    },
    MetricDef {
        name: "request-latency-avg",
        doc: "Average ms from sending a request to its response.",
        kind: MetricKind::Ratio(|b| (b.latency_micros_sum, b.latency_count * 1000)),
    },
    MetricDef {
        name: "buffer-available-bytes",
        doc: "buffer.memory not used by batches.",
        kind: MetricKind::Gauge,
    },
    MetricDef {
        name: "compression-rate-avg",
        doc: "Compressed size / uncompressed size of the batches sent (1 = no gain).",
        kind: MetricKind::Ratio(|b| (b.compressed_bytes, b.uncompressed_bytes)),
    },
];

fn metric_charts(p: &Producer, now: SimTime) -> Vec<MetricChart> {
    let now_ms = now.as_ms();
    let now_s = now_ms / 1000;
    let buckets: Vec<&Bucket> = p.metrics.buckets().collect();
    let available_now = p
        .config
        .buffer_memory
        .saturating_sub(p.accumulator.buffer_used);
    // Complete seconds only: a partial second would look like a drop.
    let first_s = now_s.saturating_sub(CHART_SECONDS);
    let seconds: Vec<u64> = (first_s..now_s).collect();
    let at = |s: u64| buckets.iter().find(|b| b.second == s).copied();
    let window_start_ms = now_ms.saturating_sub(WINDOW_SECONDS * 1000);
    let window: Vec<&Bucket> = buckets
        .iter()
        .filter(|b| (b.second + 1) * 1000 > window_start_ms)
        .copied()
        .collect();
    METRICS
        .iter()
        .map(|m| {
            // Values in thousandths.
            let mut series: Vec<(u64, Option<u64>)> = Vec::new();
            let mut gauge = buckets
                .iter()
                .rev()
                .find(|b| b.second < first_s)
                .map_or(p.config.buffer_memory, |b| b.buffer_available);
            for &s in &seconds {
                let b = at(s);
                let value = match m.kind {
                    MetricKind::Rate(f) => Some(b.map_or(0, f) * 1000),
                    MetricKind::Ratio(f) => b.and_then(|b| {
                        let (n, d) = f(b);
                        (d > 0).then(|| n * 1000 / d)
                    }),
                    MetricKind::Gauge => {
                        if let Some(b) = b {
                            gauge = b.buffer_available;
                        }
                        Some(gauge * 1000)
                    }
                };
                series.push((s, value));
            }
            let current = match m.kind {
                MetricKind::Rate(f) => {
                    let count: u64 = window.iter().map(|b| f(b)).sum();
                    let elapsed = (now_ms - window_start_ms).max(1);
                    Some(count * 1_000_000 / elapsed)
                }
                MetricKind::Ratio(f) => {
                    let (n, d) = window.iter().fold((0, 0), |(n, d), b| {
                        let (x, y) = f(b);
                        (n + x, d + y)
                    });
                    (d > 0).then(|| n * 1000 / d)
                }
                MetricKind::Gauge => Some(available_now * 1000),
            };
            let peak = series.iter().filter_map(|(_, v)| *v).max().unwrap_or(0);
            MetricChart {
                name: m.name,
                doc: m.doc,
                current: current.map_or("-".into(), |v| metric_text(m.name, v)),
                scale: metric_text(m.name, peak),
                points: polyline(&series, first_s, now_s - first_s, peak),
            }
        })
        .collect()
}

/// Points for the seconds `first_s..first_s + span`: the chart grows until it holds a minute.
fn polyline(series: &[(u64, Option<u64>)], first_s: u64, span: u64, peak: u64) -> String {
    let mut points = Vec::new();
    for (s, v) in series {
        if let Some(v) = v {
            let x = (s - first_s) * 120 / span.saturating_sub(1).max(1);
            let y = if peak == 0 { 34 } else { 34 - v * 32 / peak };
            points.push(format!("{x},{y}"));
        }
    }
    if points.len() == 1 {
        // One point: draw it as a short flat segment so it can be seen.
        let only = points[0].clone();
        let (x, y) = only.split_once(',').unwrap_or(("0", "34"));
        points.push(format!("{},{y}", x.parse::<u64>().unwrap_or(0) + 2));
    }
    points.join(" ")
}

/// A metric value given in thousandths, in the unit the metric's name promises.
fn metric_text(name: &str, thousandths: u64) -> String {
    match name {
        "batch-size-avg" | "buffer-available-bytes" => bytes_text(thousandths / 1000),
        "request-latency-avg" => format!("{}.{} ms", thousandths / 1000, thousandths % 1000 / 100),
        "compression-rate-avg" => format!("{}.{:02}", thousandths / 1000, thousandths % 1000 / 10),
        "records-per-request-avg" => format!("{}.{}", thousandths / 1000, thousandths % 1000 / 100),
        _ => format!("{}/s", group_digits(thousandths / 1000)),
    }
}

pub fn bytes_text(bytes: u64) -> String {
    if bytes >= 10 * 1024 * 1024 {
        format!("{} MB", bytes / (1024 * 1024))
    } else if bytes >= 10 * 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} B")
    }
}

pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---- configs ----

const GROUPS: &[(&str, &[&str])] = &[
    (
        "Batching",
        &[
            "batch.size",
            "linger.ms",
            "compression.type",
            "buffer.memory",
            "max.block.ms",
            "max.request.size",
        ],
    ),
    (
        "Delivery",
        &[
            "acks",
            "enable.idempotence",
            "max.in.flight.requests.per.connection",
            "retries",
            "request.timeout.ms",
            "delivery.timeout.ms",
            "retry.backoff.ms",
            "retry.backoff.max.ms",
        ],
    ),
    (
        "Partitioning",
        &[
            "partitioner.class",
            "partitioner.ignore.keys",
            "partitioner.adaptive.partitioning.enable",
            "partitioner.availability.timeout.ms",
        ],
    ),
    (
        "Serialization and metadata",
        &["key.serializer", "value.serializer", "metadata.max.age.ms"],
    ),
];

fn config_groups(p: &Producer) -> Vec<ConfigGroupView> {
    GROUPS
        .iter()
        .map(|(title, keys)| ConfigGroupView {
            title,
            rows: keys
                .iter()
                .filter_map(|k| PRODUCER_KEYS.iter().find(|d| d.name == *k))
                .map(|d| config_row(d, p))
                .collect(),
        })
        .collect()
}

fn config_row(d: &'static ConfigKey, p: &Producer) -> ConfigRowView {
    let choices = match (d.ty, d.validator) {
        (ConfigType::Boolean, _) => Some(vec![
            ("true".to_string(), "true".to_string()),
            ("false".to_string(), "false".to_string()),
        ]),
        (_, Validator::OneOf(options)) => Some(
            options
                .iter()
                .map(|o| {
                    let label = if o.is_empty() {
                        "(built-in)".to_string()
                    } else {
                        o.rsplit('.').next().unwrap_or(o).to_string()
                    };
                    (o.to_string(), label)
                })
                .collect(),
        ),
        _ => None,
    };
    ConfigRowView {
        key: d.name,
        value: p.config.values.get(d.name).to_string(),
        default: d.default,
        doc: d.doc,
        explicit: p.config.values.is_explicit(d.name),
        choices,
    }
}

/// Check one typed value against the key's type and validator (Kafka's `ConfigDef` message),
/// before it is sent. Rules between keys are checked by the producer when the change arrives.
pub fn check_config_value(key: &str, raw: &str) -> Result<(), String> {
    let defaults = crate::kafka::config::ProducerConfig::defaults();
    crate::kafka::config::def::with_value(PRODUCER_KEYS, &defaults.values, key, raw)
        .map(|_| ())
        .map_err(|e| e.to_string())
}
