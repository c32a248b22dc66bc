//! Transactions end to end: a transactional producer, the transaction coordinator on the
//! leader of its `__transaction_state` partition, markers written by partition leaders, and
//! what `read_committed` and `read_uncommitted` consumers receive. Commit, abort, a zombie
//! fenced by its replacement, a coordinator crash mid-transaction, and the timeout abort.

use kafka_classroom::kafka::errors::ErrorCode;
use kafka_classroom::kafka::event::Event;
use kafka_classroom::kafka::producer::transactions::ClientTxnState;
use kafka_classroom::kafka::txn::{TransactionState, TRANSACTION_STATE_TOPIC};
use kafka_classroom::kafka::{BrokerId, Command, KafkaWorld, NodeId, TopicPartition};
use kafka_classroom::lesson::Lesson;
use kafka_classroom::sim::{SimDuration, SimTime};

const P1: NodeId = NodeId::Producer(1);
const P2: NodeId = NodeId::Producer(2);

/// Three brokers, topic `t` (one partition, RF 3), `__transaction_state` with one partition;
/// producers p1 and p2 share `transactional.id` "tx"; consumer c1 reads committed, c2
/// uncommitted, each in its own group from the earliest offset.
fn cluster(txn_timeout_ms: u32) -> KafkaWorld {
    let lesson = Lesson::parse(&format!(
        r#"{{
      "version": 1, "id": "txn-e2e", "title": "transactions end to end", "seed": 3,
      "run_until_ms": 6000,
      "cluster": {{ "brokers": 3, "config": {{ "transaction.state.log.num.partitions": 1,
                     "offsets.topic.num.partitions": 1, "group.initial.rebalance.delay.ms": 300 }} }},
      "topics": [ {{ "name": "t", "partitions": 1, "replication_factor": 3 }},
                  {{ "name": "out", "partitions": 1, "replication_factor": 3 }} ],
      "producers": [
        {{ "config": {{ "transactional.id": "tx", "transaction.timeout.ms": {txn_timeout_ms} }} }},
        {{ "config": {{ "transactional.id": "tx", "transaction.timeout.ms": {txn_timeout_ms} }} }}
      ],
      "consumers": [
        {{ "subscribe": ["t"], "config": {{ "group.id": "committed", "auto.offset.reset": "earliest", "isolation.level": "read_committed" }} }},
        {{ "subscribe": ["t"], "config": {{ "group.id": "uncommitted", "auto.offset.reset": "earliest", "isolation.level": "read_uncommitted" }} }}
      ]
    }}"#
    ))
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
    let step = world
        .apply_command(command)
        .expect("the command is accepted");
    let mut events = step.events;
    events.extend(run_for(world, 2_000));
    events
}

fn state(world: &KafkaWorld, producer: u32) -> ClientTxnState {
    world.model().producers[&producer]
        .txn
        .as_ref()
        .expect("a transactional producer")
        .state
}

fn send(world: &mut KafkaWorld, producer: NodeId, values: &[&str]) {
    for v in values {
        let command = Command::Produce {
            producer,
            topic: "t".into(),
            key: None,
            value: Some(v.to_string()),
            partition: Some(0),
            timestamp: None,
            headers: Vec::new(),
        };
        world
            .apply_command(command)
            .expect("send is allowed in a transaction");
    }
}

/// The values consumer `c` has received, oldest first.
fn received(world: &KafkaWorld, c: u32) -> Vec<String> {
    let consumer = &world.model().consumers[&c];
    consumer
        .stats
        .recent
        .iter()
        .map(|r| r.value_text())
        .collect()
}

fn begin(world: &mut KafkaWorld, producer: NodeId) {
    apply(world, Command::InitTransactions { producer });
    apply(world, Command::BeginTransaction { producer });
}

#[test]
fn commit_makes_records_visible_to_read_committed() {
    let mut world = cluster(60_000);
    begin(&mut world, P1);
    assert_eq!(state(&world, 1), ClientTxnState::InTransaction);
    send(&mut world, P1, &["a", "b"]);
    run_for(&mut world, 2_000);
    assert_eq!(
        received(&world, 2),
        ["a", "b"],
        "read_uncommitted sees open records"
    );
    assert!(
        received(&world, 1).is_empty(),
        "read_committed waits for the marker"
    );
    let events = apply(&mut world, Command::CommitTransaction { producer: P1 });
    assert_eq!(state(&world, 1), ClientTxnState::Ready);
    let states: Vec<TransactionState> = events
        .iter()
        .filter_map(|e| match e {
            Event::TxnStateChanged { state, .. } => Some(*state),
            _ => None,
        })
        .collect();
    assert_eq!(
        states,
        [
            TransactionState::PrepareCommit,
            TransactionState::CompleteCommit
        ]
    );
    run_for(&mut world, 2_000);
    assert_eq!(received(&world, 1), ["a", "b"]);
}

#[test]
fn abort_hides_records_from_read_committed() {
    let mut world = cluster(60_000);
    begin(&mut world, P1);
    send(&mut world, P1, &["x", "y"]);
    run_for(&mut world, 1_000);
    apply(&mut world, Command::AbortTransaction { producer: P1 });
    assert_eq!(state(&world, 1), ClientTxnState::Ready);
    apply(&mut world, Command::BeginTransaction { producer: P1 });
    send(&mut world, P1, &["z"]);
    apply(&mut world, Command::CommitTransaction { producer: P1 });
    run_for(&mut world, 3_000);
    assert_eq!(
        received(&world, 1),
        ["z"],
        "aborted records never reach read_committed"
    );
    assert_eq!(received(&world, 2), ["x", "y", "z"]);
}

#[test]
fn a_second_producer_with_the_same_transactional_id_fences_the_first() {
    let mut world = cluster(60_000);
    begin(&mut world, P1);
    send(&mut world, P1, &["zombie-1"]);
    run_for(&mut world, 1_000);
    // The replacement's InitProducerId aborts the open transaction and bumps the epoch.
    apply(&mut world, Command::InitTransactions { producer: P2 });
    run_for(&mut world, 2_000);
    assert_eq!(state(&world, 2), ClientTxnState::Ready);
    send_and_commit_as_zombie(&mut world);
    assert_eq!(state(&world, 1), ClientTxnState::FatalError);
    let p1 = world.model().producers[&1].txn.as_ref().unwrap();
    assert_eq!(p1.last_error, ErrorCode::PRODUCER_FENCED);
    run_for(&mut world, 2_000);
    assert!(
        received(&world, 1).is_empty(),
        "the zombie's records were aborted"
    );
}

/// The zombie sends again: the leader refuses its old epoch (INVALID_PRODUCER_EPOCH, which the
/// producer treats as abortable); aborting then meets the coordinator's newer epoch, and
/// PRODUCER_FENCED is fatal.
fn send_and_commit_as_zombie(world: &mut KafkaWorld) {
    send(world, P1, &["zombie-2"]);
    run_for(world, 1_000);
    let p1 = world.model().producers[&1].txn.as_ref().unwrap();
    assert_eq!(
        (p1.state, p1.last_error),
        (
            ClientTxnState::AbortableError,
            ErrorCode::INVALID_PRODUCER_EPOCH
        )
    );
    apply(world, Command::AbortTransaction { producer: P1 });
    run_for(world, 2_000);
}

#[test]
fn an_open_transaction_is_aborted_after_its_timeout() {
    let mut world = cluster(5_000);
    begin(&mut world, P1);
    send(&mut world, P1, &["slow"]);
    let events = run_for(&mut world, 20_000);
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::TransactionTimedOut { transactional_id, .. } if transactional_id == "tx")));
    let coordinator = coordinator_of(&world);
    let meta = &world.model().brokers[&coordinator].txn_state.transactions["tx"];
    assert_eq!(meta.state, TransactionState::CompleteAbort);
    // The producer learns it was fenced when it tries to commit.
    apply(&mut world, Command::CommitTransaction { producer: P1 });
    run_for(&mut world, 2_000);
    assert_eq!(state(&world, 1), ClientTxnState::FatalError);
    assert!(received(&world, 1).is_empty());
}

fn coordinator_of(world: &KafkaWorld) -> BrokerId {
    let tp = TopicPartition::new(TRANSACTION_STATE_TOPIC, 0);
    world
        .model()
        .brokers
        .values()
        .find(|b| b.replicas.get(&tp).is_some_and(|r| r.is_leader()))
        .map(|b| b.id)
        .expect("__transaction_state-0 has a leader")
}

#[test]
fn a_commit_survives_the_coordinator_crashing_after_prepare_commit() {
    let mut world = cluster(60_000);
    begin(&mut world, P1);
    send(&mut world, P1, &["c1", "c2"]);
    run_for(&mut world, 1_000);
    let coordinator = coordinator_of(&world);
    world
        .apply_command(Command::CommitTransaction { producer: P1 })
        .expect("commit");
    // Run until PrepareCommit is written, then kill the coordinator before the markers land.
    let mut prepared = false;
    for _ in 0..100_000 {
        let Some(step) = world.step() else { break };
        if step.events.iter().any(|e| {
            matches!(
                e,
                Event::TxnStateChanged {
                    state: TransactionState::PrepareCommit,
                    ..
                }
            )
        }) {
            prepared = true;
            break;
        }
    }
    assert!(prepared);
    world
        .apply_command(Command::Crash {
            node: NodeId::Broker(coordinator),
        })
        .expect("crash");
    run_for(&mut world, 30_000);
    let new_coordinator = coordinator_of(&world);
    assert_ne!(new_coordinator, coordinator);
    let meta = &world.model().brokers[&new_coordinator]
        .txn_state
        .transactions["tx"];
    assert_eq!(meta.state, TransactionState::CompleteCommit);
    assert_eq!(received(&world, 1), ["c1", "c2"]);
}

#[test]
fn transaction_steps_say_what_happened() {
    use kafka_classroom::present::narration::sentence;
    let mut world = cluster(5_000);
    let mut steps = Vec::new();
    steps.push(
        world
            .apply_command(Command::InitTransactions { producer: P1 })
            .unwrap(),
    );
    steps.extend(world.run_until(world.now().plus(SimDuration::from_ms(2_000)), 100_000));
    steps.push(
        world
            .apply_command(Command::BeginTransaction { producer: P1 })
            .unwrap(),
    );
    send(&mut world, P1, &["a"]);
    steps.extend(world.run_until(world.now().plus(SimDuration::from_ms(20_000)), 200_000));
    let said = |kind: &str, words: &str| {
        let step = steps
            .iter()
            .find(|s| s.events.iter().any(|e| format!("{e:?}").starts_with(kind)))
            .unwrap_or_else(|| panic!("no {kind} event"));
        let text = sentence(step).text;
        assert!(text.contains(words), "{kind}: {text}");
    };
    said("ProducerTxnStateChanged", "initTransactions()");
    said("TxnStateChanged", "__transaction_state");
    said("TransactionTimedOut", "transaction.timeout.ms");
    said("TxnMarkerWritten", "ABORT marker");
    let loaded = world
        .model()
        .brokers
        .values()
        .any(|b| !b.txn_state.loaded.is_empty());
    assert!(loaded, "a broker coordinates __transaction_state-0");
}

/// The committed offset of `group` for `t-0`, as its coordinator holds it.
fn committed(world: &KafkaWorld, group: &str) -> Option<i64> {
    let tp = TopicPartition::new("t", 0);
    world
        .model()
        .brokers
        .values()
        .filter(|b| b.process.is_running())
        .filter_map(|b| b.coordinator.groups.get(group))
        .find_map(|g| g.offsets.get(&tp).map(|o| o.offset))
}

fn send_offsets(world: &mut KafkaWorld, offset: i64) {
    let command = Command::SendOffsetsToTransaction {
        producer: P1,
        group: "pipeline".into(),
        offsets: [("t-0".to_string(), offset)].into(),
    };
    apply(world, command);
}

#[test]
fn offsets_sent_to_a_transaction_are_committed_only_with_it() {
    let mut world = cluster(60_000);
    begin(&mut world, P1);
    send(&mut world, P1, &["a"]);
    send_offsets(&mut world, 5);
    assert_eq!(
        committed(&world, "pipeline"),
        None,
        "pending until the marker"
    );
    apply(&mut world, Command::AbortTransaction { producer: P1 });
    assert_eq!(committed(&world, "pipeline"), None, "an abort drops them");
    apply(&mut world, Command::BeginTransaction { producer: P1 });
    send_offsets(&mut world, 7);
    apply(&mut world, Command::CommitTransaction { producer: P1 });
    assert_eq!(committed(&world, "pipeline"), Some(7));
    assert_eq!(state(&world, 1), ClientTxnState::Ready);
}

#[test]
fn transactional_offsets_survive_a_group_coordinator_failover() {
    let mut world = cluster(60_000);
    begin(&mut world, P1);
    send_offsets(&mut world, 3);
    apply(&mut world, Command::CommitTransaction { producer: P1 });
    apply(&mut world, Command::BeginTransaction { producer: P1 });
    send_offsets(&mut world, 9);
    // An open transaction's offsets must not come back committed after a failover.
    let offsets = TopicPartition::new("__consumer_offsets", 0);
    let leader = world
        .model()
        .brokers
        .values()
        .find(|b| b.replicas.get(&offsets).is_some_and(|r| r.is_leader()))
        .map(|b| b.id)
        .unwrap();
    let crash = Command::Crash {
        node: NodeId::Broker(leader),
    };
    world.apply_command(crash).unwrap();
    run_for(&mut world, 30_000);
    assert_eq!(committed(&world, "pipeline"), Some(3));
}

#[test]
fn transactional_calls_out_of_order_are_refused_with_kafkas_exceptions() {
    let mut world = cluster(60_000);
    let refused = |world: &mut KafkaWorld, command| {
        world
            .apply_command(command)
            .expect_err("an IllegalStateException")
            .to_string()
    };
    let e = refused(&mut world, Command::BeginTransaction { producer: P1 });
    assert!(
        e.contains("cannot call beginTransaction() in state UNINITIALIZED"),
        "{e}"
    );
    apply(&mut world, Command::InitTransactions { producer: P1 });
    let e = refused(
        &mut world,
        Command::Produce {
            producer: P1,
            topic: "t".into(),
            key: None,
            value: Some("outside".into()),
            partition: None,
            timestamp: None,
            headers: Vec::new(),
        },
    );
    assert!(e.contains("cannot call send() in state READY"), "{e}");
    let e = refused(&mut world, Command::CommitTransaction { producer: P1 });
    assert!(e.contains("commitTransaction()"), "{e}");
    let e = refused(
        &mut world,
        Command::InitTransactions {
            producer: NodeId::Producer(9),
        },
    );
    assert!(e.contains("p9"), "{e}");
}
