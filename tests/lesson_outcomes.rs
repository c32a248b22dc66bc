//! Every built-in lesson reproduces the outcome its file asserts (the reference's D1-D4 and U2
//! scenarios among them), and every step of every lesson keeps the replication invariants.

use kafka_classroom::check::InvariantChecker;
use kafka_classroom::lesson::builtin;

#[test]
fn builtin_lessons_reproduce_their_expected_outcomes() {
    for lesson in builtin::all() {
        let outcome = lesson.run_checked(lesson.seed, |_| {});
        for c in &outcome.checked {
            assert!(
                c.passed,
                "lesson {} seed={}: expected {} but got {}",
                lesson.id, lesson.seed, c.expectation, c.actual
            );
        }
    }
}

/// Sandboxes whose logs grow so long that comparing replica contents after every step takes
/// minutes (classroom-scale: 238,000 steps over 42 partitions). The cheap invariants still run
/// after every step; record contents are compared every `LARGE_DEEP_EVERY` steps.
const LARGE: &[&str] = &["classroom-scale"];
const LARGE_DEEP_EVERY: u64 = 1000;

#[test]
fn builtin_lessons_keep_the_invariants_at_every_step() {
    for lesson in builtin::all() {
        let mut world = lesson.world(lesson.seed);
        let mut checker = InvariantChecker::new();
        if LARGE.contains(&lesson.id.as_str()) {
            checker.deep_every = LARGE_DEEP_EVERY;
        }
        let end = kafka_classroom::sim::SimTime::from_ms(lesson.run_until_ms);
        while world.next_time().is_some_and(|t| t <= end) {
            let step = world.step().unwrap();
            if let Err(v) = checker.check(&world) {
                panic!(
                    "lesson {} seed={} step {}: {v}",
                    lesson.id, lesson.seed, step.index
                );
            }
        }
    }
}

#[test]
fn reference_scenarios_ship_as_lessons_with_assertions() {
    for id in [
        "acks-1-loses-a-write",
        "unclean-election-loses-data",
        "clean-election-waits",
        "acks-all-needs-min-isr",
        "timeout-retry-duplicates",
    ] {
        let lesson = builtin::load(id).unwrap();
        assert!(lesson.expect.len() >= 3, "{id} asserts its outcome");
    }
}
