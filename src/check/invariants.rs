//! Invariants of replication, written next to the data they constrain and checked here after
//! every step of a test run:
//!
//! 1. At most one leader per partition per leader epoch.
//! 2. A leader's high watermark is never above the log end offset of any member of its ISR.
//! 3. A leader's high watermark never decreases within its epoch.
//! 4. The leader and its in-sync replicas hold the same records below the high watermark.
//!
//! ISR members are judged only once the leader has seen their current registration: a broker
//! that restarted after losing unflushed data is fenced (and leaves the ISR) by that very
//! registration, and until the leader applies it the two have not yet agreed on anything.

use crate::kafka::broker::replica::Role;
use crate::kafka::broker::Broker;
use crate::kafka::{BrokerId, KafkaWorld, TopicPartition};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Violation {
    pub invariant: &'static str,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.invariant, self.detail)
    }
}

/// Remembers what earlier steps established (leaders per epoch, high watermarks).
#[derive(Clone, Debug, Default)]
pub struct InvariantChecker {
    leaders: BTreeMap<(TopicPartition, i32), BrokerId>,
    high_watermarks: BTreeMap<(BrokerId, TopicPartition, i32), i64>,
    /// Compare record contents (invariant 4) only every this many checks; it reads whole logs.
    pub deep_every: u64,
    checks: u64,
}

impl InvariantChecker {
    pub fn new() -> Self {
        InvariantChecker {
            deep_every: 1,
            ..Default::default()
        }
    }

    pub fn check(&mut self, world: &KafkaWorld) -> Result<(), Violation> {
        self.checks += 1;
        let deep = self.deep_every <= 1 || self.checks % self.deep_every == 0;
        let cluster = world.model();
        for broker in cluster.brokers.values().filter(|b| b.process.is_running()) {
            for (tp, replica) in &broker.replicas {
                let Role::Leader(state) = &replica.role else {
                    continue;
                };
                self.one_leader_per_epoch(broker.id, tp, replica.leader_epoch)?;
                self.monotonic_high_watermark(
                    broker.id,
                    tp,
                    replica.leader_epoch,
                    replica.high_watermark,
                )?;
                for member in state.isr.iter().filter(|m| **m != broker.id) {
                    let Some(other) = judged_member(broker, cluster.brokers.get(member)) else {
                        continue;
                    };
                    let Some(theirs) = other.replicas.get(tp) else {
                        continue;
                    };
                    if theirs.log_end_offset() < replica.high_watermark {
                        return Err(Violation {
                            invariant: "high watermark <= log end offset of every ISR member",
                            detail: format!(
                                "{} leads {tp} (epoch {}) with HW {} but ISR member {member} has LEO {}",
                                broker.id,
                                replica.leader_epoch,
                                replica.high_watermark,
                                theirs.log_end_offset()
                            ),
                        });
                    }
                    if deep {
                        agree_below_high_watermark(broker, other, tp)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn one_leader_per_epoch(
        &mut self,
        broker: BrokerId,
        tp: &TopicPartition,
        epoch: i32,
    ) -> Result<(), Violation> {
        match self.leaders.insert((*tp, epoch), broker) {
            Some(previous) if previous != broker => Err(Violation {
                invariant: "at most one leader per partition per leader epoch",
                detail: format!("{tp} epoch {epoch} was led by {previous} and now by {broker}"),
            }),
            _ => Ok(()),
        }
    }

    fn monotonic_high_watermark(
        &mut self,
        broker: BrokerId,
        tp: &TopicPartition,
        epoch: i32,
        hw: i64,
    ) -> Result<(), Violation> {
        let key = (broker, *tp, epoch);
        if let Some(previous) = self.high_watermarks.get(&key) {
            if hw < *previous {
                return Err(Violation {
                    invariant: "a leader's high watermark never decreases within its epoch",
                    detail: format!("{broker} {tp} epoch {epoch}: HW went {previous} -> {hw}"),
                });
            }
        }
        self.high_watermarks.insert(key, hw);
        Ok(())
    }
}

/// The member, if it is running, caught up on metadata and known to the leader by its current
/// registration.
fn judged_member<'a>(leader: &Broker, member: Option<&'a Broker>) -> Option<&'a Broker> {
    let member = member?;
    let known = leader
        .metadata
        .brokers
        .get(&member.id)
        .is_some_and(|r| r.epoch == member.broker_epoch && !r.fenced);
    (member.process.is_running() && !member.awaiting_metadata && known).then_some(member)
}

fn agree_below_high_watermark(
    leader: &Broker,
    member: &Broker,
    tp: &TopicPartition,
) -> Result<(), Violation> {
    let ours = &leader.replicas[tp];
    let theirs = &member.replicas[tp];
    let limit = ours.high_watermark.min(theirs.log_end_offset());
    // Retention runs on each broker on its own clock: compare above both log start offsets.
    let start = ours
        .log
        .log_start_offset()
        .max(theirs.log.log_start_offset());
    let records =
        |b: &Broker| -> std::collections::BTreeMap<i64, (crate::kafka::record::RecordId, i32)> {
            b.replicas[tp]
                .log
                .batches()
                .flat_map(|batch| {
                    batch
                        .offsets_and_records()
                        .map(|(o, r)| (o, (r.id, batch.partition_leader_epoch)))
                        .collect::<Vec<_>>()
                })
                .filter(|(o, _)| *o >= start && *o < limit)
                .collect()
        };
    let (a, b) = (records(leader), records(member));
    // Each broker's cleaner compacts on its own schedule, so a compacted log may miss records
    // the other still has; a record present in both must be the same one.
    let compacted = ours.log.config().cleanup_policy.compact;
    let differ = if compacted {
        a.iter()
            .find(|(o, x)| b.get(o).is_some_and(|y| y != *x))
            .map(|(o, x)| format!("offset {o}: {x:?} vs {:?}", b[o]))
    } else if a != b {
        Some(
            a.iter()
                .zip(&b)
                .find(|(x, y)| x != y)
                .map(|(x, y)| format!("{x:?} vs {y:?}"))
                .unwrap_or_else(|| "different lengths".into()),
        )
    } else {
        None
    };
    if let Some(first) = differ {
        return Err(Violation {
            invariant: "replicas agree on every record below the high watermark",
            detail: format!(
                "{} and {} differ on {tp} below offset {limit}: {first}",
                leader.id, member.id
            ),
        });
    }
    let _ = theirs;
    Ok(())
}
