//! The `compare-change` target: what the Compare picker's text field and `compare --set` take
//! (`p1.acks=all`, `topic.orders.min.insync.replicas=3`, `+crash b1@10000`, `-crash b2`, ...),
//! valid changes mutated, parsed, applied to a lesson, and the changed lesson run a little.

use super::{mutate_text, Verdict};
use crate::lesson::builtin;
use crate::present::compare::{apply_changes, change_label, parse_change};
use crate::sim::{Prng, SimTime};

/// Valid changes of every form, to start from.
const CHANGES: &[&str] = &[
    "p1.acks=1",
    "p1.enable.idempotence=false",
    "p1.linger.ms=50",
    "producers.batch.size=1024",
    "c1.max.poll.records=1",
    "consumers.auto.offset.reset=earliest",
    "topic.orders.min.insync.replicas=3",
    "topic.orders.retention.ms=60000",
    "broker.unclean.leader.election.enable=true",
    "broker.replica.lag.time.max.ms=5000",
    "assignor=roundrobin",
    "idempotence=off",
    "+crash b1@10000",
    "+power-fail b2@4000",
    "+pause b3 3000@2000",
    "+isolate b1@1000",
    "+heal@20000",
    "-crash b2",
    "-crash b2@4000",
];

pub fn generate(prng: &mut Prng) -> String {
    let change = CHANGES[prng.below(CHANGES.len() as u64) as usize];
    if prng.below(4) == 0 {
        change.to_string()
    } else {
        mutate_text(prng, change)
    }
}

/// Parsed and applied to the replication playground (which schedules a crash of b2), then
/// the changed lesson runs two simulated seconds. A refusal must name what it refused: the
/// input itself, the setting before `=` (or its key after the node or topic), or the change in
/// the picker's words.
pub fn check(input: &str) -> Verdict {
    let lesson = builtin::load("replication-playground").expect("a built-in lesson loads");
    let parsed = parse_change(input);
    let label = parsed.as_ref().map(change_label).unwrap_or_default();
    let applied = parsed.and_then(|c| apply_changes(&lesson, &[c]));
    match applied {
        Ok(changed) => {
            let mut world = changed.world(changed.seed);
            let end = SimTime::from_ms(2_000);
            while world.next_time().is_some_and(|t| t <= end) && world.step().is_some() {}
            Verdict::Accepted
        }
        Err(message) => {
            let trimmed = input.trim();
            let setting = trimmed.split_once('=').map_or(trimmed, |(k, _)| k).trim();
            // `topic.orders.min.insync.replicas` is named by any tail of it: the message may
            // name the topic and the key apart.
            let mut tails = std::iter::once(setting)
                .chain(setting.match_indices('.').map(|(i, _)| &setting[i + 1..]))
                .filter(|tail| !tail.is_empty());
            let names_field = !message.trim().is_empty()
                && (message.contains(trimmed)
                    || (!label.is_empty() && message.contains(&label))
                    || tails.any(|t| message.contains(t)));
            Verdict::Rejected {
                message,
                names_field,
            }
        }
    }
}
