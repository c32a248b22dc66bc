//! `transactional.id.expiration.ms` (Kafka: `TransactionStateManager.removeExpiredTransactionalIds`):
//! the coordinator forgets a transactional id idle that long, by a tombstone in
//! `__transaction_state` that a failover's load honours; an id with a transaction open is kept.

use kafka_classroom::kafka::event::Event;
use kafka_classroom::kafka::txn::{TransactionState, TRANSACTION_STATE_TOPIC};
use kafka_classroom::kafka::{BrokerId, Command, KafkaWorld, NodeId, TopicPartition};
use kafka_classroom::lesson::Lesson;
use kafka_classroom::sim::{SimDuration, SimTime};

const P1: NodeId = NodeId::Producer(1);
const P2: NodeId = NodeId::Producer(2);

/// Three brokers, `__transaction_state` with one partition; p1 and p2 share `transactional.id`
/// "tx"; ids expire after 60 s idle, swept every 20 s.
fn cluster() -> KafkaWorld {
    let lesson = Lesson::parse(
        r#"{
      "version": 1, "id": "txn-expiry", "title": "transactional id expiration", "seed": 3,
      "run_until_ms": 6000,
      "cluster": { "brokers": 3, "config": { "transaction.state.log.num.partitions": 1,
                   "transactional.id.expiration.ms": 60000,
                   "transaction.remove.expired.transaction.cleanup.interval.ms": 20000 } },
      "topics": [ { "name": "t", "partitions": 1, "replication_factor": 3 } ],
      "producers": [
        { "config": { "transactional.id": "tx", "transaction.timeout.ms": 300000 } },
        { "config": { "transactional.id": "tx", "transaction.timeout.ms": 300000 } }
      ]
    }"#,
    )
    .expect("a valid lesson");
    let mut world = lesson.world(lesson.seed);
    world.run_until(SimTime::from_ms(lesson.run_until_ms), 200_000);
    world
}

fn run_for(world: &mut KafkaWorld, ms: u64) -> Vec<Event> {
    let until = world.now().plus(SimDuration::from_ms(ms));
    world
        .run_until(until, 500_000)
        .into_iter()
        .flat_map(|s| s.events)
        .collect()
}

fn apply(world: &mut KafkaWorld, command: Command) -> Vec<Event> {
    let step = world.apply_command(command).expect("accepted");
    let mut events = step.events;
    events.extend(run_for(world, 2_000));
    events
}

fn coordinator(world: &KafkaWorld) -> BrokerId {
    let tp = TopicPartition::new(TRANSACTION_STATE_TOPIC, 0);
    world
        .model()
        .brokers
        .values()
        .find(|b| b.process.is_running() && b.replicas.get(&tp).is_some_and(|r| r.is_leader()))
        .map(|b| b.id)
        .expect("__transaction_state-0 has a leader")
}

fn knows(world: &KafkaWorld, id: &str) -> bool {
    let b = coordinator(world);
    world.model().brokers[&b]
        .txn_state
        .transactions
        .contains_key(id)
}

/// p1 initializes, commits one transaction, and (`open`) begins another with a record in it.
fn use_id(world: &mut KafkaWorld, open: bool) -> i64 {
    apply(world, Command::InitTransactions { producer: P1 });
    let produce = || Command::Produce {
        producer: P1,
        topic: "t".into(),
        key: None,
        value: Some("v".into()),
        partition: Some(0),
        timestamp: None,
        headers: Vec::new(),
    };
    apply(world, Command::BeginTransaction { producer: P1 });
    apply(world, produce());
    apply(world, Command::CommitTransaction { producer: P1 });
    if open {
        apply(world, Command::BeginTransaction { producer: P1 });
        apply(world, produce());
    }
    let b = coordinator(world);
    world.model().brokers[&b].txn_state.transactions["tx"].producer_id
}

#[test]
fn an_idle_transactional_id_expires_and_stays_gone_after_failover() {
    let mut world = cluster();
    let first_pid = use_id(&mut world, false);
    assert!(knows(&world, "tx"));
    let events = run_for(&mut world, 40_000);
    assert!(knows(&world, "tx"), "not idle long enough yet");
    assert!(!events.iter().any(|e| matches!(
        e,
        Event::TxnStateChanged {
            state: TransactionState::Dead,
            ..
        }
    )));
    let events = run_for(&mut world, 60_000);
    let dead = events.iter().any(|e| {
        matches!(e, Event::TxnStateChanged { transactional_id, state: TransactionState::Dead, .. }
            if transactional_id == "tx")
    });
    assert!(dead, "the coordinator wrote the tombstone");
    assert!(!knows(&world, "tx"));
    // A new coordinator loads the partition: the tombstone keeps the id gone.
    let old = coordinator(&world);
    let node = NodeId::Broker(old);
    world.apply_command(Command::Crash { node }).unwrap();
    let events = run_for(&mut world, 20_000);
    let loaded: Vec<&Vec<String>> = events
        .iter()
        .filter_map(|e| match e {
            Event::TransactionsLoaded {
                transactional_ids, ..
            } => Some(transactional_ids),
            _ => None,
        })
        .collect();
    assert!(!loaded.is_empty(), "another broker took the partition over");
    assert!(loaded.iter().all(|ids| !ids.contains(&"tx".to_string())));
    // The id comes back as new: a fresh producer id.
    apply(&mut world, Command::InitTransactions { producer: P2 });
    let b = coordinator(&world);
    let meta = &world.model().brokers[&b].txn_state.transactions["tx"];
    assert_ne!(meta.producer_id, first_pid);
    assert_eq!(meta.state, TransactionState::Empty);
}

#[test]
fn an_id_with_a_transaction_open_does_not_expire() {
    let mut world = cluster();
    use_id(&mut world, true);
    let events = run_for(&mut world, 150_000);
    assert!(!events.iter().any(|e| matches!(
        e,
        Event::TxnStateChanged {
            state: TransactionState::Dead,
            ..
        }
    )));
    assert!(knows(&world, "tx"));
}
