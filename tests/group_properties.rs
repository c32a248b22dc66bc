//! Properties of consumer groups over many generated runs (crashes, restarts, members joining
//! and leaving, broker failures, every assignor): no partition is ever owned by two members of
//! the same generation, committed offsets of a group never go backwards (no seeks are made),
//! and `poll()` never skips or re-reads records on its own.

use kafka_classroom::lesson::Lesson;
use serde_json::json;

/// A small deterministic generator, so a failing case names its seed.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn scenario(seed: u64) -> String {
    let mut g = Gen(seed);
    let assignors = ["range", "roundrobin", "sticky", "cooperative-sticky"];
    let assignor = assignors[g.below(4) as usize];
    let members = 2 + g.below(3);
    let consumers: Vec<_> = (0..members)
        .map(|i| {
            json!({
                "subscribe": ["t"],
                "config": {
                    "group.id": "g",
                    "auto.offset.reset": "earliest",
                    "partition.assignment.strategy": assignor,
                    "session.timeout.ms": 6000,
                    "heartbeat.interval.ms": 1000,
                    "auto.commit.interval.ms": 1000 + 500 * g.below(6),
                },
                "app": { "processing_ms_per_record": 1 + g.below(20), "commit_on_revoke": g.below(2) == 1 },
                "start_at_ms": i * g.below(3000),
            })
        })
        .collect();
    let mut actions = vec![
        json!({ "at_ms": 500, "action": "set_produce_rate", "producer": "p1",
        "topic": "t", "records_per_second": 50, "keys": ["a", "b", "c", "d", "e", "f"], "total": 1000 }),
    ];
    for _ in 0..(3 + g.below(5)) {
        let at = 2000 + g.below(20000);
        let c = format!("c{}", 1 + g.below(members));
        let action = match g.below(6) {
            0 => json!({ "at_ms": at, "action": "crash", "node": c }),
            1 => json!({ "at_ms": at, "action": "restart", "node": c }),
            2 => json!({ "at_ms": at, "action": "close_consumer", "consumer": c }),
            3 => json!({ "at_ms": at, "action": "add_consumer", "group": "g", "subscribe": ["t"],
                "config": { "partition.assignment.strategy": assignor, "auto.offset.reset": "earliest" } }),
            4 => json!({ "at_ms": at, "action": "crash", "node": format!("b{}", 1 + g.below(3)) }),
            _ => {
                json!({ "at_ms": at, "action": "restart", "node": format!("b{}", 1 + g.below(3)) })
            }
        };
        actions.push(action);
    }
    json!({
        "version": 1, "id": format!("group-property-{seed}"), "title": "generated", "seed": seed,
        "run_until_ms": 40000,
        "cluster": { "brokers": 3, "config": { "offsets.topic.num.partitions": 3, "group.initial.rebalance.delay.ms": 300 } },
        "topics": [ { "name": "t", "partitions": 1 + g.below(6), "replication_factor": 3 } ],
        "producers": [ { "config": { "acks": "all" } } ],
        "consumers": consumers,
        "actions": actions,
    })
    .to_string()
}

#[test]
fn no_partition_has_two_owners_in_a_generation_and_commits_never_go_back() {
    let mut rebalances = 0;
    for seed in 1..=150u64 {
        let text = scenario(seed);
        let lesson = Lesson::parse(&text).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
        let mut generations = 0;
        let outcome = lesson.run_checked(seed, |step| {
            for e in &step.events {
                if matches!(
                    e,
                    kafka_classroom::kafka::event::Event::PartitionsAssigned { .. }
                ) {
                    generations += 1;
                }
            }
        });
        let r = &outcome.report;
        assert!(
            r.ownership_conflicts.is_empty(),
            "seed {seed}: partitions owned twice in one generation: {:?}\n{text}",
            r.ownership_conflicts
        );
        assert!(
            r.commits_back.is_empty(),
            "seed {seed}: committed offsets went back: {:?}\n{text}",
            r.commits_back
        );
        assert!(
            r.poll_skips.is_empty() && r.non_monotonic_polls.is_empty(),
            "seed {seed}: skips {:?} backwards {:?}\n{text}",
            r.poll_skips,
            r.non_monotonic_polls
        );
        rebalances += generations;
    }
    // The property is only meaningful if the runs rebalanced a lot.
    assert!(
        rebalances > 400,
        "only {rebalances} assignments in 150 runs"
    );
}
