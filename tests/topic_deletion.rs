//! Deleting a topic through the controller (`kafka-topics.sh --delete`, Kafka's
//! `ReplicationControlManager.deleteTopics`): the topic leaves the metadata, every broker drops
//! its partitions and logs, a producer still sending to it gets UNKNOWN_TOPIC_OR_PARTITION, the
//! stage stops drawing it, and the deletion replays from a share link.

use kafka_classroom::kafka::errors::ErrorCode;
use kafka_classroom::kafka::event::Event;
use kafka_classroom::kafka::{Command, KafkaWorld};
use kafka_classroom::lesson::{builtin, Lesson};
use kafka_classroom::present::session::{Action, Session};
use kafka_classroom::present::share::LessonRef;
use kafka_classroom::present::stage::{stage_view, StageOptions};
use kafka_classroom::sim::SimTime;

fn session(id: &str) -> Session {
    let lesson = builtin::load(id).unwrap();
    let seed = lesson.seed;
    Session::new(lesson, LessonRef::Builtin(id.into()), seed)
}

/// Brokers that still host a replica of `topic`.
fn hosts(world: &KafkaWorld, topic: &str) -> Vec<String> {
    world
        .model()
        .brokers
        .iter()
        .filter(|(_, b)| b.replicas.keys().any(|tp| tp.topic == topic))
        .map(|(id, _)| id.to_string())
        .collect()
}

#[test]
fn a_deleted_topic_leaves_metadata_brokers_and_stage_and_replays_from_a_link() {
    let mut s = session("queue-vs-pub-sub");
    assert!(!hosts(s.world(), "orders").is_empty());
    s.apply(Action::Console(
        "kafka-topics.sh --bootstrap-server b1:9092 --delete --topic orders".into(),
    ));
    assert_eq!(
        s.commands().last().map(|c| &c.command),
        Some(&Command::DeleteTopics {
            topics: vec!["orders".into()]
        }),
        "the delete is a recorded command"
    );
    s.apply(Action::Console("sleep 2".into()));
    let world = s.world();
    for c in world.model().controllers.values() {
        assert!(!c.image.topics.contains_key("orders"), "ctl{}", c.id);
    }
    for b in world.model().brokers.values() {
        assert!(!b.metadata.topics.contains_key("orders"), "{}", b.id);
    }
    assert!(hosts(world, "orders").is_empty(), "no broker keeps a log");
    let stage = stage_view(world, &StageOptions::default());
    assert!(stage.topics.iter().all(|t| t.name != "orders"));
    let fragment = s.share_fragment();
    let mut other = session("keys-pick-partitions");
    other.apply(Action::LoadShared(fragment));
    assert_eq!(other.world().fingerprint(), s.world().fingerprint());
    assert!(hosts(other.world(), "orders").is_empty());
}

/// A producer sending 5 records a second to `orders` with a consumer reading it, and the
/// topic deleted at 3 s.
fn deleted_while_in_use() -> Lesson {
    Lesson::parse(
        r#"{
      "version": 1, "id": "delete", "title": "delete in use", "seed": 7, "run_until_ms": 20000,
      "cluster": { "brokers": 3 },
      "topics": [ { "name": "orders", "partitions": 2, "replication_factor": 3 },
                  { "name": "audit", "partitions": 1, "replication_factor": 2 } ],
      "producers": [ { "config": { "acks": "all", "linger.ms": 5 } } ],
      "consumers": [ { "assign": ["orders-0", "orders-1"],
                       "config": { "auto.offset.reset": "earliest" } } ],
      "actions": [
        { "at_ms": 500, "action": "set_produce_rate", "producer": "p1", "topic": "orders",
          "records_per_second": 5 },
        { "at_ms": 3000, "action": "delete_topics", "topics": ["orders"] }
      ]
    }"#,
    )
    .unwrap()
}

#[test]
fn clients_of_a_deleted_topic_get_unknown_topic_or_partition() {
    let lesson = deleted_while_in_use();
    let mut world = lesson.world(lesson.seed);
    let end = SimTime::from_ms(lesson.run_until_ms);
    let (mut deleted, mut acked_after, mut unknown) = (false, 0, 0);
    while world.next_time().is_some_and(|t| t <= end) {
        let step = world.step().expect("a step");
        assert!(step.rejected.is_none(), "{:?}", step.rejected);
        for e in &step.events {
            match e {
                Event::TopicsDeleted { topics } => {
                    assert_eq!(topics, &vec!["orders".to_string()]);
                    deleted = true;
                }
                Event::ProduceAcked { .. } if deleted && step.time.as_ms() > 4_000 => {
                    acked_after += 1
                }
                Event::ProduceFailed { error, .. }
                    if *error == ErrorCode::UNKNOWN_TOPIC_OR_PARTITION =>
                {
                    unknown += 1
                }
                _ => {}
            }
        }
    }
    assert!(deleted);
    assert_eq!(acked_after, 0, "nothing is acknowledged on a deleted topic");
    assert!(unknown > 0, "the producer learns the topic is gone");
    assert!(hosts(&world, "orders").is_empty());
    assert_eq!(hosts(&world, "audit").len(), 2, "the other topic stays");
}

#[test]
fn deleting_an_unknown_topic_changes_nothing() {
    let lesson = deleted_while_in_use();
    let mut world = lesson.world(lesson.seed);
    world.run_until(SimTime::from_ms(1_000), u64::MAX);
    let before = world.fingerprint();
    let refused = world.apply_command(Command::DeleteTopics {
        topics: vec!["audit".into(), "nope".into()],
    });
    assert!(refused.is_err());
    assert_eq!(world.fingerprint(), before, "all or nothing");
    assert_eq!(hosts(&world, "audit").len(), 2);
}
