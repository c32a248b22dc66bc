//! Console tools that change the cluster's administration: dynamic configs
//! (`kafka-configs.sh --alter`) that really reach the brokers' logs and replay from a link.

use kafka_classroom::kafka::{BrokerId, TopicPartition};
use kafka_classroom::lesson::builtin;
use kafka_classroom::present::session::{Action, Session};
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
