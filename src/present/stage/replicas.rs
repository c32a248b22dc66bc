//! One partition's row on the stage: a cell per replica in its broker's column, with role, log
//! end offset, high watermark and the newest records (as stripes or as cells), plus each
//! consumer group's position and committed offset.

use super::group_marks::{coordinated_groups, group_marks, GroupMark};
use super::txn_marks::{RecordTxn, ReplicaTxns};
use super::StageOptions;
use crate::check::history::authoritative_replica;
use crate::kafka::broker::replica::{Replica, Role};
use crate::kafka::group::OFFSETS_TOPIC;
use crate::kafka::metadata::PartitionRegistration;
use crate::kafka::{KafkaWorld, TopicPartition};
use crate::present::view::key_colour;
use std::collections::BTreeSet;

/// Offsets a compact bar spans at most; older ones scroll off to the left.
pub const BAR_WINDOW: i64 = 40;
/// Record cells in a full strip.
pub const STRIP_CELLS: usize = 10;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReplicaRole {
    Leader,
    /// A follower in the ISR the controller committed.
    InSync,
    /// A follower outside the ISR.
    OutOfSync,
    /// Its broker is down.
    Offline,
}

/// A run of records with one key colour in a compact bar.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Stripe {
    /// 0 (no key) or 1..=7.
    pub colour: u8,
    pub from: i64,
    pub to: i64,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RecordCell {
    pub offset: i64,
    pub key: Option<String>,
    pub value: String,
    pub colour: u8,
    /// Below the high watermark: acknowledged to acks=all producers and readable by consumers.
    pub committed: bool,
    pub tombstone: bool,
    pub segment_start: bool,
    /// Its place in a transaction (plain outside one).
    pub txn: RecordTxn,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReplicaCell {
    pub broker: u32,
    pub role: ReplicaRole,
    /// The controller still names it the leader (true for a crashed leader until it is fenced).
    pub registered_leader: bool,
    pub leader_epoch: i32,
    pub log_start_offset: i64,
    pub log_end_offset: i64,
    /// This replica's own high watermark (a follower learns it from the leader's answers).
    pub high_watermark: i64,
    /// Where `read_committed` readers stop: the high watermark unless a transaction is open.
    pub last_stable_offset: i64,
    /// Stripes of key colours over the row's window (compact bars).
    pub stripes: Vec<Stripe>,
    /// The newest records (full strips and the zoomed row only).
    pub cells: Vec<RecordCell>,
    pub highlighted: bool,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PartitionRow {
    pub name: String,
    pub partition: i32,
    pub leader: Option<u32>,
    pub leader_epoch: i32,
    pub isr: Vec<u32>,
    /// In assignment order (the first is the preferred leader).
    pub replicas: Vec<ReplicaCell>,
    pub high_watermark: i64,
    pub log_end_offset: i64,
    /// The offsets the bars span: `[window_from, window_to)`.
    pub window_from: i64,
    pub window_to: i64,
    pub under_replicated: bool,
    /// No leader: nobody can write or read.
    pub offline: bool,
    /// Fewer in-sync replicas than `min.insync.replicas`: acks=all writes fail.
    pub under_min_isr: bool,
    pub groups: Vec<GroupMark>,
    /// Groups this `__consumer_offsets` partition coordinates.
    pub coordinates: Vec<String>,
    pub zoomed: bool,
    pub highlighted: bool,
}

pub(super) fn partition_row(
    world: &KafkaWorld,
    tp: &TopicPartition,
    options: &StageOptions,
    coordinated: &BTreeSet<TopicPartition>,
    full_strips: bool,
) -> PartitionRow {
    let cluster = world.model();
    let registration = super::super::view::truth(world).and_then(|m| m.partition(tp));
    let name = tp.to_string();
    let zoomed = options.zoomed.as_deref() == Some(name.as_str());
    let (high_watermark, log_end_offset, window_from, window_to) = offsets(world, tp);
    let assigned: Vec<u32> = match registration {
        Some(r) => r.replicas.iter().map(|b| b.0).collect(),
        None => cluster
            .brokers
            .values()
            .filter(|b| b.replicas.contains_key(tp))
            .map(|b| b.id.0)
            .collect(),
    };
    let cells = RowCells {
        world,
        tp,
        registration,
        window: (window_from, window_to),
        full: zoomed || full_strips,
        options,
    };
    let replicas = assigned.iter().filter_map(|b| cells.replica(*b)).collect();
    let min_isr = cluster
        .brokers
        .values()
        .find(|b| b.replicas.contains_key(tp))
        .map_or(1, |b| b.min_insync_replicas(tp));
    let isr: Vec<u32> = registration.map_or(Vec::new(), |r| r.isr.iter().map(|b| b.0).collect());
    PartitionRow {
        partition: tp.partition,
        leader: registration.and_then(|r| r.leader).map(|b| b.0),
        leader_epoch: registration.map_or(0, |r| r.leader_epoch),
        under_replicated: registration.is_some_and(|r| r.is_under_replicated()),
        offline: registration.is_some_and(|r| r.leader.is_none()),
        under_min_isr: !isr.is_empty() && isr.len() < min_isr,
        isr,
        replicas,
        high_watermark,
        log_end_offset,
        window_from,
        window_to,
        groups: group_marks(world, tp),
        coordinates: if coordinated.contains(tp) {
            coordinated_groups(world, tp)
        } else {
            Vec::new()
        },
        highlighted: options.highlights(&name),
        zoomed,
        name,
    }
}

/// The partition's high watermark and largest log end offset, and the window of offsets its
/// bars span (the newest `BAR_WINDOW`).
fn offsets(world: &KafkaWorld, tp: &TopicPartition) -> (i64, i64, i64, i64) {
    let cluster = world.model();
    let holder = authoritative_replica(cluster.brokers.values(), tp);
    let (high_watermark, leader_end) = holder.map_or((0, 0), |b| {
        let r = &b.replicas[tp];
        (r.high_watermark, r.log_end_offset())
    });
    let log_end_offset = cluster
        .brokers
        .values()
        .filter_map(|b| b.replicas.get(tp))
        .map(Replica::log_end_offset)
        .max()
        .unwrap_or(0)
        .max(leader_end);
    let log_start = holder.map_or(0, |b| b.replicas[tp].log.log_start_offset());
    let window_to = log_end_offset.max(BAR_WINDOW.min(log_end_offset.max(1)));
    let window_from = (window_to - BAR_WINDOW).max(log_start).max(0);
    (high_watermark, log_end_offset, window_from, window_to)
}

/// What the row's cells are drawn from.
struct RowCells<'a> {
    world: &'a KafkaWorld,
    tp: &'a TopicPartition,
    registration: Option<&'a PartitionRegistration>,
    window: (i64, i64),
    /// Record cells are built (full strips, or the zoomed row).
    full: bool,
    options: &'a StageOptions,
}

impl RowCells<'_> {
    fn replica(&self, broker: u32) -> Option<ReplicaCell> {
        let b = self
            .world
            .model()
            .brokers
            .get(&crate::kafka::BrokerId(broker))?;
        let replica = b.replicas.get(self.tp)?;
        let in_isr = self
            .registration
            .is_some_and(|r| r.isr.iter().any(|i| i.0 == broker));
        let role = match replica.role {
            _ if !b.process.is_running() => ReplicaRole::Offline,
            Role::Leader(_) => ReplicaRole::Leader,
            Role::Stopped => ReplicaRole::Offline,
            Role::Follower { .. } if in_isr => ReplicaRole::InSync,
            Role::Follower { .. } => ReplicaRole::OutOfSync,
        };
        let registered_leader = self
            .registration
            .is_some_and(|r| r.leader.is_some_and(|l| l.0 == broker));
        Some(ReplicaCell {
            broker,
            role,
            registered_leader,
            leader_epoch: replica
                .leader_epoch
                .max(self.registration.map_or(0, |r| r.leader_epoch)),
            log_start_offset: replica.log.log_start_offset(),
            log_end_offset: replica.log_end_offset(),
            high_watermark: replica.high_watermark,
            last_stable_offset: replica.last_stable_offset(),
            stripes: stripes(replica, self.window),
            cells: if self.full {
                record_cells(self.tp, replica)
            } else {
                Vec::new()
            },
            highlighted: self.options.highlights(&format!("{}@b{broker}", self.tp)),
        })
    }
}

/// Key-colour runs of the replica's records inside `[from, to)`.
fn stripes(replica: &Replica, (from, to): (i64, i64)) -> Vec<Stripe> {
    let mut out: Vec<Stripe> = Vec::new();
    let txns = ReplicaTxns::new(replica, from);
    for batch in replica.log.batches() {
        if batch.next_offset() <= from || batch.base_offset >= to {
            continue;
        }
        for (offset, record) in batch.offsets_and_records() {
            if offset < from || offset >= to {
                continue;
            }
            let colour = key_colour(record.key.as_ref().map(|k| k.bytes()).as_deref());
            let colour = txns.of(batch, offset).bar_colour(colour);
            match out.last_mut() {
                Some(s) if s.colour == colour && s.to == offset => s.to = offset + 1,
                _ => out.push(Stripe {
                    colour,
                    from: offset,
                    to: offset + 1,
                }),
            }
        }
    }
    out
}

/// The newest records of a replica, oldest first.
fn record_cells(tp: &TopicPartition, replica: &Replica) -> Vec<RecordCell> {
    let segment_starts: Vec<i64> = replica
        .log
        .segments()
        .iter()
        .skip(1)
        .filter_map(|s| s.batches.first().map(|b| b.base_offset))
        .collect();
    let mut cells: Vec<RecordCell> = Vec::new();
    let txns = ReplicaTxns::new(replica, replica.log.log_start_offset());
    for batch in replica.log.batches().collect::<Vec<_>>().into_iter().rev() {
        for (offset, record) in batch
            .offsets_and_records()
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
        {
            if cells.len() == STRIP_CELLS {
                break;
            }
            if offset < replica.log.log_start_offset() {
                continue;
            }
            let key = record.key.as_ref().map(|k| k.to_string());
            cells.push(RecordCell {
                offset,
                colour: key_colour(record.key.as_ref().map(|k| k.bytes()).as_deref()),
                key: key.map(|k| offsets_key_text(tp, &k)),
                value: offsets_value_text(tp, &record.value_text()),
                committed: offset < replica.high_watermark,
                tombstone: record.value.is_none(),
                segment_start: segment_starts.contains(&offset),
                txn: txns.of(batch, offset),
            });
        }
    }
    cells.reverse();
    cells
}

/// A `__consumer_offsets` key as a student reads it: `offset:g:orders-0` shows `orders-0`,
/// `group:g` shows `g`.
fn offsets_key_text(tp: &TopicPartition, key: &str) -> String {
    if tp.topic != OFFSETS_TOPIC {
        return key.to_string();
    }
    match key.split_once(':') {
        Some(("offset", rest)) => rest.rsplit_once(':').map_or(rest, |(_, p)| p).to_string(),
        Some(("group", g)) => g.to_string(),
        _ => key.to_string(),
    }
}

/// A `__consumer_offsets` value: a committed offset shows `@12`, group metadata `gen 3`.
fn offsets_value_text(tp: &TopicPartition, value: &str) -> String {
    if tp.topic != OFFSETS_TOPIC {
        return value.to_string();
    }
    if let Some(generation) = value
        .split("\"generation\":")
        .nth(1)
        .and_then(|rest| rest.split([',', '}']).next())
    {
        return format!("gen {generation}");
    }
    match value.split(',').next() {
        Some(offset) if offset.parse::<i64>().is_ok() => format!("@{offset}"),
        _ => value.to_string(),
    }
}

/// Where `offset` falls in the row's window, in tenths of a percent of the bar's width.
pub fn position_permille(row: &PartitionRow, offset: i64) -> i64 {
    let span = (row.window_to - row.window_from).max(1);
    ((offset - row.window_from) * 1000 / span).clamp(0, 1000)
}

impl ReplicaCell {
    /// The compact bar's CSS background: the high watermark as a dark line over key-coloured
    /// stripes of the records the replica has; the rest of the track stays empty.
    pub fn bar_background(&self, row: &PartitionRow) -> String {
        let pct = |permille: i64| format!("{}.{}%", permille / 10, permille % 10);
        let hw = position_permille(row, self.high_watermark);
        let mut layers = vec![format!(
            "linear-gradient(90deg, transparent calc({0} - 1px), var(--hw) calc({0} - 1px), var(--hw) calc({0} + 1px), transparent calc({0} + 1px))",
            pct(hw)
        )];
        if self.last_stable_offset < self.high_watermark {
            layers.push(format!(
                "linear-gradient(90deg, transparent calc({0} - 1px), var(--lso) calc({0} - 1px), var(--lso) calc({0} + 1px), transparent calc({0} + 1px))",
                pct(position_permille(row, self.last_stable_offset))
            ));
        }
        let stops: Vec<String> = self
            .stripes
            .iter()
            .map(|s| {
                format!(
                    "var(--k{}) {} {}",
                    s.colour,
                    pct(position_permille(row, s.from)),
                    pct(position_permille(row, s.to))
                )
            })
            .collect();
        let end = pct(position_permille(row, self.log_end_offset));
        if stops.is_empty() {
            layers.push("var(--track)".into());
        } else {
            layers.push(format!(
                "linear-gradient(90deg, {}, var(--track) {end} 100%)",
                stops.join(", ")
            ));
        }
        layers.join(", ")
    }

    /// The short tag on a compact bar: the crown and epoch for the leader.
    pub fn tag(&self) -> String {
        match self.role {
            ReplicaRole::Leader => format!("♛{}", self.leader_epoch),
            ReplicaRole::Offline if self.registered_leader => "✖♛".into(),
            ReplicaRole::Offline => "✖".into(),
            ReplicaRole::OutOfSync => "out".into(),
            ReplicaRole::InSync => String::new(),
        }
    }

    /// The role as a CSS class.
    pub fn role_class(&self) -> &'static str {
        match self.role {
            ReplicaRole::Leader => "leader",
            ReplicaRole::InSync => "in-sync",
            ReplicaRole::OutOfSync => "out-of-sync",
            ReplicaRole::Offline => "offline",
        }
    }

    /// What the replica is, in a sentence (the cell's tooltip).
    pub fn title(&self, row: &PartitionRow) -> String {
        let role = match self.role {
            ReplicaRole::Leader => format!("leader (epoch {})", self.leader_epoch),
            ReplicaRole::InSync => "follower, in sync".to_string(),
            ReplicaRole::OutOfSync => "follower, out of sync".to_string(),
            ReplicaRole::Offline if self.registered_leader => {
                "the leader, but its broker is down: nothing can be written or read until the controller elects another".to_string()
            }
            ReplicaRole::Offline => "offline: its broker is down".to_string(),
        };
        format!(
            "{} on b{}: {role}. Log end offset {}, high watermark {}{}, log starts at {}.",
            row.name,
            self.broker,
            self.log_end_offset,
            self.high_watermark,
            self.stable_clause(),
            self.log_start_offset
        )
    }

    /// The last stable offset, when an open transaction holds it below the high watermark.
    fn stable_clause(&self) -> String {
        if self.last_stable_offset < self.high_watermark {
            format!(
                ", last stable offset {} (an open transaction holds read_committed readers there)",
                self.last_stable_offset
            )
        } else {
            String::new()
        }
    }

    /// The strip head's offsets: LEO and HW, or HW and LSO while a transaction holds it back.
    pub fn marks_text(&self) -> String {
        if self.last_stable_offset < self.high_watermark {
            // The transaction's story is HW against LSO; the LEO stays in the tooltip, so the
            // head fits a narrow column.
            return format!(
                "HW {} · LSO {}",
                self.high_watermark, self.last_stable_offset
            );
        }
        format!("LEO {} · HW {}", self.log_end_offset, self.high_watermark)
    }
}
