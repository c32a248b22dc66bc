//! The lessons that ship with the app, compiled in from `src/lesson/builtin/*.json`.

use super::{Lesson, LessonError};

/// `(id, file text)` of every built-in lesson, in teaching order.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "keys-pick-partitions",
        include_str!("builtin/keys-pick-partitions.json"),
    ),
    (
        "offsets-per-partition",
        include_str!("builtin/offsets-per-partition.json"),
    ),
    (
        "replication-playground",
        include_str!("builtin/replication-playground.json"),
    ),
    (
        "controller-quorum",
        include_str!("builtin/controller-quorum.json"),
    ),
    (
        "acks-1-loses-a-write",
        include_str!("builtin/acks-1-loses-a-write.json"),
    ),
    (
        "unclean-election-loses-data",
        include_str!("builtin/unclean-election-loses-data.json"),
    ),
    (
        "clean-election-waits",
        include_str!("builtin/clean-election-waits.json"),
    ),
    (
        "acks-all-needs-min-isr",
        include_str!("builtin/acks-all-needs-min-isr.json"),
    ),
    (
        "timeout-retry-duplicates",
        include_str!("builtin/timeout-retry-duplicates.json"),
    ),
    (
        "batching-step-by-step",
        include_str!("builtin/batching-step-by-step.json"),
    ),
    (
        "retry-duplicates-without-idempotence",
        include_str!("builtin/retry-duplicates-without-idempotence.json"),
    ),
    (
        "retries-reorder-without-idempotence",
        include_str!("builtin/retries-reorder-without-idempotence.json"),
    ),
    (
        "queue-vs-pub-sub",
        include_str!("builtin/queue-vs-pub-sub.json"),
    ),
    (
        "more-consumers-than-partitions",
        include_str!("builtin/more-consumers-than-partitions.json"),
    ),
    (
        "eager-vs-cooperative",
        include_str!("builtin/eager-vs-cooperative.json"),
    ),
    (
        "adding-partitions-moves-keys",
        include_str!("builtin/adding-partitions-moves-keys.json"),
    ),
    (
        "latest-skips-old-records",
        include_str!("builtin/latest-skips-old-records.json"),
    ),
    (
        "auto-commit-worker-loses",
        include_str!("builtin/auto-commit-worker-loses.json"),
    ),
    (
        "crash-before-commit-duplicates",
        include_str!("builtin/crash-before-commit-duplicates.json"),
    ),
    (
        "static-membership",
        include_str!("builtin/static-membership.json"),
    ),
    (
        "slow-processing-leaves-group",
        include_str!("builtin/slow-processing-leaves-group.json"),
    ),
    (
        "lag-beyond-retention",
        include_str!("builtin/lag-beyond-retention.json"),
    ),
    (
        "compaction-keeps-latest",
        include_str!("builtin/compaction-keeps-latest.json"),
    ),
    (
        "async-commit-reordering",
        include_str!("builtin/async-commit-reordering.json"),
    ),
    ("tuning-lab", include_str!("builtin/tuning-lab.json")),
    ("serialization", include_str!("builtin/serialization.json")),
    (
        "geo-partitioner",
        include_str!("builtin/geo-partitioner.json"),
    ),
    (
        "seek-and-replay",
        include_str!("builtin/seek-and-replay.json"),
    ),
    (
        "bootstrap-and-metadata",
        include_str!("builtin/bootstrap-and-metadata.json"),
    ),
    (
        "best-practices",
        include_str!("builtin/best-practices.json"),
    ),
    (
        "classroom-scale",
        include_str!("builtin/classroom-scale.json"),
    ),
    (
        "read-committed-vs-uncommitted",
        include_str!("builtin/read-committed-vs-uncommitted.json"),
    ),
    (
        "hanging-transaction-holds-lso",
        include_str!("builtin/hanging-transaction-holds-lso.json"),
    ),
    (
        "zombie-producer-fenced",
        include_str!("builtin/zombie-producer-fenced.json"),
    ),
    (
        "exactly-once-pipeline",
        include_str!("builtin/exactly-once-pipeline.json"),
    ),
];

/// `(id, file text)` of every challenge (a goal, a budget of actions, a verdict; see
/// `lesson::challenge`). They load like lessons but are kept apart: the catalogue lists them in a
/// section of their own, and the golden traces cover the lessons.
pub const CHALLENGES: &[(&str, &str)] = &[
    (
        "challenge-lose-an-acked-write",
        include_str!("builtin/challenges/lose-an-acked-write.json"),
    ),
    (
        "challenge-lose-a-write-safely",
        include_str!("builtin/challenges/lose-a-write-safely.json"),
    ),
    (
        "challenge-process-twice",
        include_str!("builtin/challenges/process-twice.json"),
    ),
    (
        "challenge-offline-without-loss",
        include_str!("builtin/challenges/offline-without-loss.json"),
    ),
    (
        "challenge-block-the-producer",
        include_str!("builtin/challenges/block-the-producer.json"),
    ),
    (
        "challenge-rebalance-storm",
        include_str!("builtin/challenges/rebalance-storm.json"),
    ),
    (
        "challenge-stall-the-high-watermark",
        include_str!("builtin/challenges/stall-the-high-watermark.json"),
    ),
];

/// A built-in lesson's or challenge's file text.
pub fn find(id: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .chain(CHALLENGES)
        .find(|(name, _)| *name == id)
        .map(|(_, text)| *text)
}

/// Parse a built-in lesson. They are tested, so failure here is a bug in the shipped file.
pub fn load(id: &str) -> Result<Lesson, LessonError> {
    let text = find(id)
        .ok_or_else(|| LessonError::at("id", super::LessonProblem::NoSuchLesson(id.to_string())))?;
    Lesson::parse(text)
}

pub fn all() -> Vec<Lesson> {
    BUILTIN
        .iter()
        .map(|(id, text)| {
            Lesson::parse(text).unwrap_or_else(|e| panic!("built-in lesson {id} is invalid: {e}"))
        })
        .collect()
}

/// Every built-in challenge, parsed.
pub fn challenges() -> Vec<Lesson> {
    CHALLENGES
        .iter()
        .map(|(id, text)| {
            Lesson::parse(text)
                .unwrap_or_else(|e| panic!("built-in challenge {id} is invalid: {e}"))
        })
        .collect()
}
