//! Console tools that change the cluster's administration: dynamic configs
//! (`kafka-configs.sh --alter`) that really reach the brokers' logs and replay from a link.

use kafka_classroom::kafka::{BrokerId, TopicPartition};
use kafka_classroom::lesson::builtin;
use kafka_classroom::present::session::{run_script, Action, Session};
use kafka_classroom::present::share::LessonRef;

fn session(id: &str) -> Session {
    let lesson = builtin::load(id).unwrap();
    let seed = lesson.seed;
    Session::new(lesson, LessonRef::Builtin(id.into()), seed)
}

/// The effective log settings of every replica of `tp`, one per hosting broker.
fn replica_configs(s: &Session, tp: &TopicPartition) -> Vec<(BrokerId, i64, u64, u32)> {
    s.world()
        .model()
        .brokers
        .iter()
        .filter_map(|(id, b)| {
            let r = b.replicas.get(tp)?;
            let c = r.log.config();
            Some((*id, c.retention_ms, c.segment_bytes, c.min_insync_replicas))
        })
        .collect()
}

#[test]
fn altered_configs_reach_every_replica_and_replay_from_a_link() {
    let mut s = session("queue-vs-pub-sub");
    let tp = TopicPartition::new("orders", 0);
    let before = replica_configs(&s, &tp);
    assert!(before.iter().all(|c| c.1 == 604_800_000 && c.3 == 1));
    s.apply(Action::Console(
        "kafka-configs.sh --bootstrap-server b1:9092 --alter --topic orders --add-config retention.ms=60000,min.insync.replicas=2".into(),
    ));
    s.apply(Action::Console(
        "kafka-configs.sh --bootstrap-server b1:9092 --alter --entity-type brokers --entity-default --add-config log.segment.bytes=1048576".into(),
    ));
    assert_eq!(s.commands().len(), 2, "each alter is a recorded command");
    s.apply(Action::Console("sleep 2".into()));
    let after = replica_configs(&s, &tp);
    assert_eq!(after.len(), before.len());
    for (broker, retention_ms, segment_bytes, min_isr) in &after {
        assert_eq!(*retention_ms, 60_000, "{broker}: the topic's own value");
        assert_eq!(
            *segment_bytes, 1_048_576,
            "{broker}: the cluster-wide default"
        );
        assert_eq!(*min_isr, 2, "{broker}");
    }
    let leader = s
        .world()
        .model()
        .brokers
        .values()
        .find(|b| b.replicas.get(&tp).is_some_and(|r| r.is_leader()));
    assert_eq!(leader.map(|b| b.min_insync_replicas(&tp)), Some(2));
    let fragment = s.share_fragment();
    let mut other = session("keys-pick-partitions");
    other.apply(Action::LoadShared(fragment));
    assert_eq!(other.world().fingerprint(), s.world().fingerprint());
    assert_eq!(replica_configs(&other, &tp), after);
    s.apply(Action::Console(
        "kafka-configs.sh --bootstrap-server b1:9092 --alter --topic orders --delete-config retention.ms".into(),
    ));
    s.apply(Action::Console("sleep 2".into()));
    assert!(
        replica_configs(&s, &tp).iter().all(|c| c.1 == 604_800_000),
        "back to the default"
    );
}

#[test]
fn a_refused_alter_changes_nothing() {
    let mut s = session("queue-vs-pub-sub");
    let tp = TopicPartition::new("orders", 0);
    let before = replica_configs(&s, &tp);
    for line in [
        "kafka-configs.sh --bootstrap-server b1:9092 --alter --topic orders --add-config retention.ms=abc",
        "kafka-configs.sh --bootstrap-server b1:9092 --alter --topic orders --add-config min.insync.replicas=0",
        "kafka-configs.sh --bootstrap-server b1:9092 --alter --broker 1 --add-config replica.lag.time.max.ms=5",
    ] {
        s.apply(Action::Console(line.into()));
    }
    s.apply(Action::Console("sleep 2".into()));
    assert_eq!(replica_configs(&s, &tp), before);
    let image = &s.world().model().active_controller().unwrap().image;
    assert!(image.broker_configs.is_empty());
    assert!(image.topics["orders"].config.explicit_entries().is_empty());
}

#[test]
fn a_reset_lands_in_the_coordinator_and_the_next_consumer_starts_there() {
    let mut s = session("queue-vs-pub-sub");
    let group = "console-readers";
    run_script(
        &mut s,
        &format!("kafka-console-consumer.sh --bootstrap-server b1:9092 --topic orders --group {group} --max-messages 2\n"),
    );
    let tp = TopicPartition::new("orders", 0);
    let before = s.world().model().committed_offset(group, &tp);
    assert!(
        before.is_some_and(|o| o > 2),
        "the consumer committed {before:?}"
    );
    s.apply(Action::Console(format!(
        "kafka-consumer-groups.sh --bootstrap-server b1:9092 --reset-offsets --group {group} --topic orders:0 --to-offset 1 --dry-run"
    )));
    assert_eq!(
        s.world().model().committed_offset(group, &tp),
        before,
        "a dry run changes nothing"
    );
    let recorded = s.commands().len();
    s.apply(Action::Console(format!(
        "kafka-consumer-groups.sh --bootstrap-server b1:9092 --reset-offsets --group {group} --topic orders:0 --to-offset 1 --execute"
    )));
    assert_eq!(
        s.commands().len(),
        recorded + 1,
        "the reset is a recorded command"
    );
    assert_eq!(s.world().model().committed_offset(group, &tp), Some(1));
    let fragment = s.share_fragment();
    let mut other = session("keys-pick-partitions");
    other.apply(Action::LoadShared(fragment));
    assert_eq!(other.world().fingerprint(), s.world().fingerprint());
    assert_eq!(other.world().model().committed_offset(group, &tp), Some(1));
    // A consumer that joins the group now reads partition 0 from offset 1.
    let printed: Vec<String> = run_script(
        &mut s,
        &format!("kafka-console-consumer.sh --bootstrap-server b1:9092 --topic orders --group {group} --max-messages 30 --property print.partition=true --property print.offset=true\n"),
    )
    .into_iter()
    .map(|l| l.text)
    .collect();
    let first_p0 = printed.iter().find(|l| l.starts_with("Partition:0\t"));
    assert_eq!(
        first_p0
            .map(String::as_str)
            .and_then(|l| l.split('\t').nth(1)),
        Some("Offset:1"),
        "{printed:?}"
    );
}

#[test]
fn an_active_group_refuses_resets_and_deletion() {
    let mut s = session("queue-vs-pub-sub");
    s.apply(Action::Console("sleep 8".into()));
    let tp = TopicPartition::new("orders", 0);
    let before = s.world().model().committed_offset("billing", &tp);
    s.apply(Action::Console(
        "kafka-consumer-groups.sh --bootstrap-server b1:9092 --reset-offsets --group billing --topic orders --to-earliest --execute".into(),
    ));
    s.apply(Action::Console(
        "kafka-consumer-groups.sh --bootstrap-server b1:9092 --delete --group billing".into(),
    ));
    let out: Vec<String> = s
        .console_entries()
        .flat_map(|e| e.output.iter().map(|l| l.text.clone()))
        .collect();
    assert!(out.iter().any(|l| l == "Error: Assignments can only be reset if the group 'billing' is inactive, but the current state is Stable."));
    assert!(out
        .iter()
        .any(|l| l.contains("GroupNotEmptyException: The group is not empty.")));
    assert_eq!(s.world().model().committed_offset("billing", &tp), before);
    assert!(s.world().model().group_coordinator("billing").is_some());
}
