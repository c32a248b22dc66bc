//! The lessons that ship with the app, compiled in from `src/lesson/builtin/*.json`.

use super::{Lesson, LessonError};

/// A built-in lesson's file text. The browser build compiles in the copy `build.rs` wrote
/// without the indentation (the same JSON, 4 KB less gzip in the download); the native build
/// (the command line, the tests) the file as written.
macro_rules! lesson_file {
    ($path:literal) => {
        if cfg!(target_arch = "wasm32") {
            include_str!(concat!(env!("OUT_DIR"), "/builtin/", $path))
        } else {
            include_str!(concat!("builtin/", $path))
        }
    };
}

/// `(id, file text)` of every built-in lesson, in teaching order.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "keys-pick-partitions",
        lesson_file!("keys-pick-partitions.json"),
    ),
    (
        "offsets-per-partition",
        lesson_file!("offsets-per-partition.json"),
    ),
    (
        "replication-playground",
        lesson_file!("replication-playground.json"),
    ),
    ("controller-quorum", lesson_file!("controller-quorum.json")),
    (
        "acks-1-loses-a-write",
        lesson_file!("acks-1-loses-a-write.json"),
    ),
    (
        "unclean-election-loses-data",
        lesson_file!("unclean-election-loses-data.json"),
    ),
    (
        "clean-election-waits",
        lesson_file!("clean-election-waits.json"),
    ),
    (
        "acks-all-needs-min-isr",
        lesson_file!("acks-all-needs-min-isr.json"),
    ),
    (
        "timeout-retry-duplicates",
        lesson_file!("timeout-retry-duplicates.json"),
    ),
    (
        "batching-step-by-step",
        lesson_file!("batching-step-by-step.json"),
    ),
    (
        "retry-duplicates-without-idempotence",
        lesson_file!("retry-duplicates-without-idempotence.json"),
    ),
    (
        "retries-reorder-without-idempotence",
        lesson_file!("retries-reorder-without-idempotence.json"),
    ),
    ("queue-vs-pub-sub", lesson_file!("queue-vs-pub-sub.json")),
    (
        "more-consumers-than-partitions",
        lesson_file!("more-consumers-than-partitions.json"),
    ),
    (
        "eager-vs-cooperative",
        lesson_file!("eager-vs-cooperative.json"),
    ),
    (
        "adding-partitions-moves-keys",
        lesson_file!("adding-partitions-moves-keys.json"),
    ),
    (
        "latest-skips-old-records",
        lesson_file!("latest-skips-old-records.json"),
    ),
    (
        "auto-commit-worker-loses",
        lesson_file!("auto-commit-worker-loses.json"),
    ),
    (
        "crash-before-commit-duplicates",
        lesson_file!("crash-before-commit-duplicates.json"),
    ),
    ("static-membership", lesson_file!("static-membership.json")),
    (
        "slow-processing-leaves-group",
        lesson_file!("slow-processing-leaves-group.json"),
    ),
    (
        "lag-beyond-retention",
        lesson_file!("lag-beyond-retention.json"),
    ),
    (
        "compaction-keeps-latest",
        lesson_file!("compaction-keeps-latest.json"),
    ),
    (
        "async-commit-reordering",
        lesson_file!("async-commit-reordering.json"),
    ),
    ("tuning-lab", lesson_file!("tuning-lab.json")),
    ("serialization", lesson_file!("serialization.json")),
    ("geo-partitioner", lesson_file!("geo-partitioner.json")),
    ("seek-and-replay", lesson_file!("seek-and-replay.json")),
    (
        "bootstrap-and-metadata",
        lesson_file!("bootstrap-and-metadata.json"),
    ),
    ("best-practices", lesson_file!("best-practices.json")),
    ("classroom-scale", lesson_file!("classroom-scale.json")),
    (
        "read-committed-vs-uncommitted",
        lesson_file!("read-committed-vs-uncommitted.json"),
    ),
    (
        "hanging-transaction-holds-lso",
        lesson_file!("hanging-transaction-holds-lso.json"),
    ),
    (
        "zombie-producer-fenced",
        lesson_file!("zombie-producer-fenced.json"),
    ),
    (
        "exactly-once-pipeline",
        lesson_file!("exactly-once-pipeline.json"),
    ),
];

/// `(id, file text)` of every challenge (a goal, a budget of actions, a verdict; see
/// `lesson::challenge`). They load like lessons but are kept apart: the catalogue lists them in a
/// section of their own, and the golden traces cover the lessons.
pub const CHALLENGES: &[(&str, &str)] = &[
    (
        "challenge-lose-an-acked-write",
        lesson_file!("challenges/lose-an-acked-write.json"),
    ),
    (
        "challenge-lose-a-write-safely",
        lesson_file!("challenges/lose-a-write-safely.json"),
    ),
    (
        "challenge-process-twice",
        lesson_file!("challenges/process-twice.json"),
    ),
    (
        "challenge-offline-without-loss",
        lesson_file!("challenges/offline-without-loss.json"),
    ),
    (
        "challenge-block-the-producer",
        lesson_file!("challenges/block-the-producer.json"),
    ),
    (
        "challenge-rebalance-storm",
        lesson_file!("challenges/rebalance-storm.json"),
    ),
    (
        "challenge-stall-the-high-watermark",
        lesson_file!("challenges/stall-the-high-watermark.json"),
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every `(file, compacted copy)` under `dir` and its subfolders.
    fn pairs(dir: &Path, out: &Path, found: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("the lessons folder") {
            let path = entry.expect("an entry").path();
            let copy = out.join(path.file_name().expect("a name"));
            if path.is_dir() {
                pairs(&path, &copy, found);
            } else {
                let read = |p: &Path| std::fs::read_to_string(p).expect("readable");
                found.push((read(&path), read(&copy)));
            }
        }
    }

    #[test]
    fn the_browser_builds_compacted_lessons_are_the_same_json() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lesson/builtin");
        let out = Path::new(env!("OUT_DIR")).join("builtin");
        let mut found = Vec::new();
        pairs(&dir, &out, &mut found);
        assert_eq!(found.len(), super::BUILTIN.len() + super::CHALLENGES.len());
        for (text, compact) in found {
            assert!(compact.len() < text.len() && !compact.contains("\n "));
            let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).expect("JSON");
            assert_eq!(parse(&compact), parse(&text));
            // The same lesson, but for the verbatim text it keeps.
            let mut lesson = super::super::Lesson::parse(&compact).expect("a valid lesson");
            lesson.source = text.clone();
            assert_eq!(
                lesson,
                super::super::Lesson::parse(&text).expect("a valid lesson")
            );
        }
    }
}
