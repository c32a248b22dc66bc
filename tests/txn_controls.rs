//! The transaction controls a teacher clicks (the producer's node menu and panel) and the badge
//! on the stage's producer card, on a real run: a plain producer is made transactional,
//! initialized, begins, sends, aborts, begins again and commits; at every point the buttons
//! are enabled exactly when the producer accepts the call, and the badge says where it is.

use kafka_classroom::kafka::{Command, KafkaWorld, NodeId};
use kafka_classroom::lesson::Lesson;
use kafka_classroom::present::narrate::command_text;
use kafka_classroom::present::node_actions::{node_actions, node_note, NodeAction};
use kafka_classroom::present::session::command_label;
use kafka_classroom::present::stage::{stage_view, StageOptions};
use kafka_classroom::present::txn_controls::TxnBadge;
use kafka_classroom::present::view::producer_views;
use kafka_classroom::sim::SimTime;
use std::collections::BTreeMap;

/// A teacher's own sandbox: the same file the browser scenario opens.
const SANDBOX: &str = include_str!("data/txn-sandbox.json");

const P1: NodeId = NodeId::Producer(1);

fn sandbox() -> KafkaWorld {
    let lesson = Lesson::parse(SANDBOX).expect("the sandbox lesson parses");
    lesson.world(lesson.seed)
}

fn item(world: &KafkaWorld, label: &str) -> Option<NodeAction> {
    node_actions(world, P1)
        .into_iter()
        .find(|a| a.label == label)
}

/// Click a menu item: it must be enabled, and the producer must accept its command.
fn click(world: &mut KafkaWorld, label: &str) {
    let action = item(world, label).unwrap_or_else(|| panic!("no menu item {label}"));
    assert_eq!(action.disabled, None, "{label} is enabled");
    let command = action.command.expect("the item sends a command");
    world
        .apply_command(command)
        .unwrap_or_else(|e| panic!("{label} was refused: {e}"));
}

fn enabled(world: &KafkaWorld) -> Vec<String> {
    node_actions(world, P1)
        .into_iter()
        .filter(|a| a.label.contains("Transaction") && a.disabled.is_none())
        .map(|a| a.label)
        .collect()
}

/// Run until the producer's badge shows `state` (at most 5 simulated seconds).
fn run_until_state(world: &mut KafkaWorld, state: &str) -> TxnBadge {
    let deadline = world
        .now()
        .plus(kafka_classroom::sim::SimDuration::from_ms(5_000));
    loop {
        let b = badge(world);
        if b.state == state {
            return b;
        }
        assert!(
            world.next_time().is_some_and(|t| t <= deadline),
            "p1 never reached {state}: {b:?}"
        );
        world.step();
    }
}

fn badge(world: &KafkaWorld) -> TxnBadge {
    let view = stage_view(world, &StageOptions::default());
    view.producers[0].txn.clone().expect("p1 is transactional")
}

fn send(world: &mut KafkaWorld, key: &str) {
    world
        .apply_command(Command::Produce {
            producer: P1,
            topic: "orders".into(),
            key: Some(key.into()),
            value: Some(format!("{key}-v")),
            partition: None,
            timestamp: None,
            headers: Vec::new(),
        })
        .expect("send() inside a transaction");
}

#[test]
fn a_plain_producer_becomes_transactional_and_each_call_is_offered_only_when_allowed() {
    let mut world = sandbox();
    assert!(
        stage_view(&world, &StageOptions::default()).producers[0]
            .txn
            .is_none(),
        "no badge without a transactional.id"
    );
    assert_eq!(enabled(&world), Vec::<String>::new());
    click(&mut world, "Make transactional");
    assert!(item(&world, "Make transactional").is_none());
    let b = badge(&world);
    assert_eq!(
        (b.state, b.transactional_id.as_str()),
        ("Not initialized", "p1-txn")
    );
    assert_eq!(b.identity, "no producer id yet");
    assert_eq!(enabled(&world), ["initTransactions()"]);
    let begin = item(&world, "beginTransaction()").unwrap();
    assert!(begin
        .disabled
        .unwrap()
        .contains("call initTransactions() first"));

    click(&mut world, "initTransactions()");
    assert_eq!(
        enabled(&world),
        Vec::<String>::new(),
        "nothing while initializing"
    );
    let b = run_until_state(&mut world, "Ready");
    assert!(
        b.identity.starts_with("pid ") && b.identity.ends_with("epoch 0"),
        "{b:?}"
    );
    assert_eq!(enabled(&world), ["beginTransaction()"]);
    let commit = item(&world, "commitTransaction()").unwrap();
    assert!(commit.disabled.unwrap().contains("no transaction is open"));

    click(&mut world, "beginTransaction()");
    assert_eq!(
        enabled(&world),
        ["commitTransaction()", "abortTransaction()"]
    );
    send(&mut world, "alice");
    send(&mut world, "bob");
    let b = run_until_partitions(&mut world);
    assert_eq!(b.state, "In transaction");
    assert!(
        b.tooltip.contains("In the transaction: orders-"),
        "{}",
        b.tooltip
    );
    let note = node_note(&world, P1).unwrap();
    assert!(
        note.starts_with("p1-txn · In transaction · orders-"),
        "{note}"
    );

    click(&mut world, "abortTransaction()");
    let b = badge(&world);
    assert_eq!(b.state, "Aborting");
    run_until_state(&mut world, "Ready");
    click(&mut world, "beginTransaction()");
    send(&mut world, "carol");
    run_until_partitions(&mut world);
    click(&mut world, "commitTransaction()");
    assert_eq!(badge(&world).state, "Committing");
    let b = run_until_state(&mut world, "Ready");
    assert!(
        b.partitions.is_empty(),
        "a committed transaction holds no partition"
    );
}

/// Run until the open transaction has a partition (AddPartitionsToTxn answered).
fn run_until_partitions(world: &mut KafkaWorld) -> TxnBadge {
    for _ in 0..5_000 {
        let b = badge(world);
        if b.partitions.iter().any(|p| !p.contains("adding")) {
            return b;
        }
        world.step();
    }
    panic!("no partition joined the transaction: {:?}", badge(world));
}

#[test]
fn a_busy_producer_cannot_be_made_transactional_and_says_why() {
    let mut world = sandbox();
    world
        .apply_command(Command::SetProduceRate {
            producer: P1,
            topic: "orders".into(),
            records_per_second: 50,
            keys: Vec::new(),
            total: None,
            value_bytes: None,
        })
        .unwrap();
    world.run_until(SimTime::from_ms(300), 100_000);
    let make = item(&world, "Make transactional").unwrap();
    let why = make.disabled.expect("refused while producing");
    assert!(why.starts_with("Not now:"), "{why}");
    let panel = &producer_views(&world, None)[0].txn;
    assert_eq!(panel.controls.len(), 1);
    assert_eq!(panel.controls[0].disabled.as_deref(), Some(why.as_str()));
    assert!(panel.offsets_disabled.is_some());
}

#[test]
fn the_panel_offers_pipelines_only_to_consumers_that_can_run_them() {
    let mut world = sandbox();
    click(&mut world, "Make transactional");
    let panel = producer_views(&world, None).remove(0).txn;
    let why: BTreeMap<String, Option<String>> = panel
        .pipeline_consumers
        .into_iter()
        .map(|c| (c.label, c.unsuitable))
        .collect();
    assert!(
        why["c1"].as_deref().unwrap().contains("no group.id"),
        "{why:?}"
    );
    assert!(
        why["c2"].as_deref().unwrap().contains("enable.auto.commit"),
        "{why:?}"
    );
    assert_eq!(
        why["c3"], None,
        "c3 has a group and commits by hand: {why:?}"
    );
    assert_eq!(panel.pipeline, None);
    assert!(panel.offsets_disabled.unwrap().contains("UNINITIALIZED"));
}

#[test]
fn transaction_commands_read_as_calls_in_the_trace_and_the_branch_list() {
    let offsets = BTreeMap::from([("orders-0".to_string(), 12), ("orders-1".to_string(), 3)]);
    let cases = [
        (
            Command::InitTransactions { producer: P1 },
            "p1 initTransactions()",
            "p1 initTransactions()",
        ),
        (
            Command::BeginTransaction { producer: P1 },
            "p1 beginTransaction()",
            "p1 begins a transaction",
        ),
        (
            Command::CommitTransaction { producer: P1 },
            "p1 commitTransaction()",
            "p1 commits its transaction",
        ),
        (
            Command::AbortTransaction { producer: P1 },
            "p1 abortTransaction()",
            "p1 aborts its transaction",
        ),
        (
            Command::SendOffsetsToTransaction {
                producer: P1,
                group: "g".into(),
                offsets,
            },
            "p1 sendOffsetsToTransaction({orders-0=12, orders-1=3}, group=g)",
            "p1 adds g's offsets to its transaction",
        ),
        (
            Command::StartPipeline {
                consumer: NodeId::Consumer(1),
                producer: P1,
                output_topic: "ledger".into(),
            },
            "start pipeline c1 -> p1 -> ledger (exactly-once)",
            "pipeline c1 → p1",
        ),
    ];
    for (command, trace, label) in cases {
        assert_eq!(command_text(&command), trace);
        assert_eq!(command_label(&command), label);
    }
}

#[test]
fn a_producer_driven_by_a_pipeline_leaves_its_calls_to_the_pipeline() {
    let lesson = kafka_classroom::lesson::builtin::load("exactly-once-pipeline").unwrap();
    let mut world = lesson.world(lesson.seed);
    world.run_until(SimTime::from_ms(2_500), 1_000_000);
    let p2 = NodeId::Producer(2);
    let calls: Vec<NodeAction> = node_actions(&world, p2)
        .into_iter()
        .filter(|a| a.label.contains("Transaction"))
        .collect();
    assert_eq!(calls.len(), 4);
    for call in &calls {
        let why = call
            .disabled
            .as_deref()
            .unwrap_or_else(|| panic!("{} is offered", call.label));
        assert!(
            why.starts_with("c1's exactly-once pipeline makes this call itself"),
            "{why}"
        );
    }
    let panel = producer_views(&world, None).remove(1).txn;
    let pipeline = panel.pipeline.expect("p2 writes for c1's pipeline");
    assert!(pipeline.starts_with("c1 → p2 → ledger: "), "{pipeline}");
    assert!(node_note(&world, p2)
        .unwrap()
        .starts_with("ledger-writer · "));
    let badge = stage_view(&world, &StageOptions::default()).producers[1]
        .txn
        .clone()
        .unwrap();
    assert!(badge.identity.starts_with("pid "), "{badge:?}");
}

#[test]
fn a_producer_with_acks_1_is_told_it_needs_acks_all_before_it_can_be_transactional() {
    let lesson = kafka_classroom::lesson::builtin::load("classroom-scale").unwrap();
    let world = lesson.world(lesson.seed);
    let p3 = NodeId::Producer(3);
    let make = node_actions(&world, p3)
        .into_iter()
        .find(|a| a.label == "Make transactional")
        .unwrap();
    let why = make.disabled.expect("acks=1 turns idempotence off");
    assert!(
        why.contains("Cannot set a transactional.id without also enabling idempotence")
            && why.contains("set acks=all"),
        "{why}"
    );
    let p1 = node_actions(&world, NodeId::Producer(1))
        .into_iter()
        .find(|a| a.label == "Make transactional")
        .unwrap();
    assert_eq!(p1.disabled, None, "p1 has acks=all and is idle at step 0");
}

/// Step a session until p1's badge reads `state`.
fn session_until(s: &mut kafka_classroom::present::session::Session, state: &str) {
    use kafka_classroom::present::session::Action;
    for _ in 0..20_000 {
        if stage_view(s.world(), &StageOptions::default()).producers[0]
            .txn
            .as_ref()
            .is_some_and(|b| b.state == state)
        {
            return;
        }
        s.apply(Action::Step);
    }
    panic!("p1 never reached {state}");
}

#[test]
fn clicked_transaction_calls_are_recorded_and_a_link_or_a_rewind_replays_them() {
    use kafka_classroom::present::session::{Action, Session};
    use kafka_classroom::present::share::LessonRef;
    let lesson = Lesson::parse(SANDBOX).unwrap();
    let mut s = Session::new(lesson, LessonRef::Custom(SANDBOX.into()), 3);
    let click = |s: &mut Session, label: &str| {
        let action = node_actions(s.world(), P1)
            .into_iter()
            .find(|a| a.label == label)
            .unwrap();
        s.apply(Action::Command(action.command.unwrap()));
    };
    click(&mut s, "Make transactional");
    click(&mut s, "initTransactions()");
    session_until(&mut s, "Ready");
    click(&mut s, "beginTransaction()");
    s.apply(Action::Command(Command::Produce {
        producer: P1,
        topic: "orders".into(),
        key: Some("alice".into()),
        value: Some("v".into()),
        partition: None,
        timestamp: None,
        headers: Vec::new(),
    }));
    for _ in 0..200 {
        s.apply(Action::Step);
    }
    click(&mut s, "abortTransaction()");
    session_until(&mut s, "Ready");
    assert_eq!(s.commands().len(), 5, "every click is a recorded command");
    let here = (s.world().steps_taken(), s.world().fingerprint());
    let mut opened = Session::default_session();
    opened.apply(Action::LoadShared(s.share_fragment()));
    assert_eq!(
        (opened.world().steps_taken(), opened.world().fingerprint()),
        here
    );
    assert_eq!(badge(opened.world()), badge(s.world()));
    s.apply(Action::SeekTo(0));
    assert!(stage_view(s.world(), &StageOptions::default()).producers[0]
        .txn
        .is_none());
    s.apply(Action::SeekTo(here.0));
    assert_eq!(
        s.world().fingerprint(),
        here.1,
        "a rewind replays the clicks"
    );
}
