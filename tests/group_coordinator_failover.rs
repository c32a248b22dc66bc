//! The group coordinator is the leader of the group's `__consumer_offsets` partition: when that
//! broker dies, the partition's new leader loads the group from the log, consumers find it,
//! and committed offsets survive.

use kafka_classroom::check::History;
use kafka_classroom::kafka::TopicPartition;
use kafka_classroom::kafka::{Command, NodeId};
use kafka_classroom::lesson::Lesson;
use kafka_classroom::sim::SimTime;

const LESSON: &str = r#"{
  "version": 1, "id": "failover", "title": "coordinator failover", "seed": 4, "run_until_ms": 60000,
  "cluster": { "brokers": 3, "config": { "offsets.topic.num.partitions": 1, "group.initial.rebalance.delay.ms": 300 } },
  "topics": [ { "name": "t", "partitions": 2, "replication_factor": 3 } ],
  "producers": [ { "config": { "acks": "all" } } ],
  "consumers": [
    { "subscribe": ["t"], "config": { "group.id": "g", "auto.offset.reset": "earliest", "auto.commit.interval.ms": 1000 } },
    { "subscribe": ["t"], "config": { "group.id": "g", "auto.offset.reset": "earliest", "auto.commit.interval.ms": 1000 } }
  ],
  "actions": [
    { "at_ms": 500, "action": "set_produce_rate", "producer": "p1", "topic": "t", "records_per_second": 20, "keys": ["a", "b", "c"], "total": 600 }
  ]
}"#;

#[test]
fn the_coordinator_moves_with_the_offsets_partition_leader_and_offsets_survive() {
    let lesson = Lesson::parse(LESSON).unwrap();
    let mut world = lesson.world(lesson.seed);
    let mut history = History::new();
    for step in world.run_until(SimTime::from_ms(10_000), u64::MAX) {
        history.observe(&step);
    }
    let (first, group) = world.model().group_coordinator("g").expect("a coordinator");
    assert_eq!(group.state.name(), "Stable");
    let tp = TopicPartition::new("t", 0);
    let before = world
        .model()
        .committed_offset("g", &tp)
        .expect("committed by now");
    assert!(before > 0);

    let step = world
        .apply_command(Command::Crash {
            node: NodeId::Broker(first),
        })
        .unwrap();
    history.observe(&step);
    for step in world.run_until(SimTime::from_ms(60_000), u64::MAX) {
        history.observe(&step);
    }
    let (second, group) = world
        .model()
        .group_coordinator("g")
        .expect("a new coordinator");
    assert_ne!(second, first, "the coordinator moved");
    assert_eq!(group.state.name(), "Stable");
    let after = world
        .model()
        .committed_offset("g", &tp)
        .expect("offsets were loaded");
    assert!(
        after >= before,
        "committed {before} before the crash, {after} after"
    );
    let report = history.analyze(&world);
    assert_eq!(report.consumer_violations(), 0, "{}", report.summary());
    let g = &report.groups["g"];
    assert!(g.never_processed.is_empty(), "{}", report.summary());
    // Every one of the 600 records was processed by the group (some maybe twice).
    assert_eq!(report.acknowledged, 600);
    assert!(g.processed >= 600, "{}", report.summary());
}
