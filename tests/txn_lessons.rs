//! The transaction lessons assert their outcomes: read_committed against read_uncommitted on an
//! aborted transaction, a zombie producer fenced by its replacement, and a hanging transaction
//! holding back the last stable offset. Each runs to its end with its expectations checked, and
//! the story its beats tell is checked here against the run itself, step by step.

use kafka_classroom::kafka::errors::ErrorCode;
use kafka_classroom::kafka::event::Event;
use kafka_classroom::kafka::producer::transactions::ClientTxnState;
use kafka_classroom::kafka::{KafkaWorld, TopicPartition};
use kafka_classroom::lesson::builtin;
use kafka_classroom::lesson::txn_expect::{record_fates, stable_offsets, Fate};
use kafka_classroom::lesson::Lesson;
use kafka_classroom::sim::SimTime;

fn passes(id: &str) -> Lesson {
    let lesson = builtin::load(id).expect("a built-in lesson");
    let outcome = lesson.run_checked(lesson.seed, |_| {});
    for c in &outcome.checked {
        assert!(
            c.passed,
            "{id} seed={}: expected {} but got {}",
            lesson.seed, c.expectation, c.actual
        );
    }
    assert!(lesson.expect.len() >= 5, "{id} asserts its outcome");
    lesson
}

/// Run `lesson` to `until_ms` and return the world.
fn world_at(lesson: &Lesson, until_ms: u64) -> KafkaWorld {
    let mut world = lesson.world(lesson.seed);
    world.run_until(SimTime::from_ms(until_ms), 1_000_000);
    world
}

fn values_polled(world: &KafkaWorld, consumer: u32) -> Vec<String> {
    world.model().consumers[&consumer]
        .stats
        .recent
        .iter()
        .map(|r| r.value_text())
        .collect()
}

#[test]
fn read_committed_skips_the_aborted_transaction_and_read_uncommitted_does_not() {
    let lesson = passes("read-committed-vs-uncommitted");
    let world = world_at(&lesson, lesson.run_until_ms);
    let tp = TopicPartition::new("orders", 0);
    let fates: Vec<Fate> = record_fates(&world, &tp).iter().map(|r| r.2).collect();
    assert_eq!(
        fates,
        [
            Fate::Aborted,
            Fate::Aborted,
            Fate::Aborted,
            Fate::Committed,
            Fate::Committed,
            Fate::Committed
        ],
        "the log keeps the aborted records; the markers decide"
    );
    assert_eq!(
        values_polled(&world, 1),
        ["t1-0", "t1-1", "t1-2", "t2-0", "t2-1", "t2-2"]
    );
    assert_eq!(values_polled(&world, 2), ["t2-0", "t2-1", "t2-2"]);
}

#[test]
fn read_committed_waits_at_the_lso_while_a_transaction_is_open() {
    let lesson = builtin::load("read-committed-vs-uncommitted").unwrap();
    // At 2.9 s transaction 1 is open: in the log, below the high watermark, above the LSO.
    let world = world_at(&lesson, 2_900);
    let (hw, lso) = stable_offsets(&world, &TopicPartition::new("orders", 0)).unwrap();
    assert_eq!((hw, lso), (3, 0));
    assert_eq!(
        values_polled(&world, 1).len(),
        3,
        "read_uncommitted read them"
    );
    assert!(values_polled(&world, 2).is_empty(), "read_committed waits");
}

/// The zombie lesson's order of events: the coordinator's timeout abort (epoch bump) while p1
/// is paused, then p2's initTransactions, p2's commit, p1 waking, and p1 fenced when it
/// commits.
#[test]
fn the_zombie_is_aborted_by_timeout_replaced_and_fenced_when_it_wakes() {
    let lesson = passes("zombie-producer-fenced");
    let mut order = Vec::new();
    lesson.run(lesson.seed, |step| {
        for e in &step.events {
            let fact = match e {
                Event::TransactionTimedOut { producer_epoch, .. } => {
                    format!("timed out, epoch {producer_epoch}")
                }
                Event::ProcessPaused { node, .. } => format!("{node} paused"),
                Event::ProducerTxnStateChanged {
                    producer,
                    state,
                    error,
                } if *state == ClientTxnState::FatalError || *producer == 2 => {
                    format!("p{producer} {} {error}", state.name())
                }
                _ => continue,
            };
            order.push((step.time.as_ms(), fact));
        }
    });
    let facts: Vec<&str> = order.iter().map(|(_, f)| f.as_str()).collect();
    assert_eq!(
        facts,
        [
            "p1 paused",
            "timed out, epoch 1",
            "p2 INITIALIZING NONE",
            "p2 READY NONE",
            "p2 IN_TRANSACTION NONE",
            "p2 COMMITTING_TRANSACTION NONE",
            "p2 READY NONE",
            "p1 FATAL_ERROR PRODUCER_FENCED",
        ]
    );
    let paused_until = 2_500 + 30_000;
    let (fenced_at, _) = order.last().unwrap();
    assert!(*fenced_at > paused_until, "p1 learns only once it wakes");
    let (timed_out_at, _) = &order[1];
    assert!(*timed_out_at < paused_until, "the timeout abort came first");
}

#[test]
fn the_zombies_records_stay_in_the_log_but_read_committed_never_sees_them() {
    let lesson = builtin::load("zombie-producer-fenced").unwrap();
    let world = world_at(&lesson, lesson.run_until_ms);
    let fates = record_fates(&world, &TopicPartition::new("invoices", 0));
    let by_producer = |p: u32| -> Vec<Fate> {
        fates
            .iter()
            .filter(|r| r.1.producer == p)
            .map(|r| r.2)
            .collect()
    };
    assert_eq!(by_producer(1), [Fate::Aborted; 3]);
    assert_eq!(by_producer(2), [Fate::Committed; 3]);
    assert_eq!(values_polled(&world, 1), ["b-0", "b-1", "b-2"]);
    let p1 = world.model().producers[&1].txn.as_ref().unwrap();
    assert_eq!(
        (p1.state, p1.last_error),
        (ClientTxnState::FatalError, ErrorCode::PRODUCER_FENCED)
    );
}

/// HW moves and the LSO stays while the transaction hangs; c1 waits at the LSO; after the
/// coordinator's abort the LSO reaches the HW and c1 catches up.
#[test]
fn a_hanging_transaction_pins_the_lso_until_the_coordinator_aborts_it() {
    let lesson = passes("hanging-transaction-holds-lso");
    let tp = TopicPartition::new("events", 0);
    let position = |world: &KafkaWorld| {
        world.model().consumers[&1].positions[&tp]
            .position
            .expect("c1 has a position")
    };
    let mut held = Vec::new();
    for at_s in [10, 30, 60] {
        let world = world_at(&lesson, at_s * 1_000);
        let (hw, lso) = stable_offsets(&world, &tp).unwrap();
        assert_eq!(lso, 0, "at {at_s} s the open transaction's first offset");
        assert_eq!(position(&world), lso, "at {at_s} s c1 waits at the LSO");
        held.push(hw - lso);
    }
    assert!(
        held.windows(2).all(|w| w[0] < w[1]),
        "the gap grows: {held:?}"
    );
    let world = world_at(&lesson, lesson.run_until_ms);
    let (hw, lso) = stable_offsets(&world, &tp).unwrap();
    assert_eq!(lso, hw);
    assert_eq!(position(&world), hw, "c1 caught up");
    // p2's records interleave with p1's transaction; only p1's belongs to it.
    let fates = record_fates(&world, &tp);
    let aborted: Vec<(i64, u32)> = fates
        .iter()
        .filter(|r| r.2 == Fate::Aborted)
        .map(|r| (r.0, r.1.producer))
        .collect();
    assert_eq!(aborted, [(0, 1)]);
    let ordinary = fates.iter().filter(|r| r.2 == Fate::NonTransactional);
    assert!(ordinary.clone().all(|r| r.1.producer == 2));
    assert_eq!(ordinary.count(), 225);
}

/// The expectations fail when the run does not match them: they are computed, not echoed.
#[test]
fn transaction_expectations_fail_when_the_run_disagrees() {
    let mut lesson = builtin::load("read-committed-vs-uncommitted").unwrap();
    let text = lesson
        .source
        .replace(
            r#""group": "billing", "committed": 3, "aborted": 0"#,
            r#""group": "billing", "committed": 3, "aborted": 3"#,
        )
        .replace(r#""state": "READY""#, r#""state": "FATAL_ERROR""#);
    lesson = Lesson::parse(&text).unwrap();
    let outcome = lesson.run_checked(lesson.seed, |_| {});
    let failed: Vec<&str> = outcome
        .checked
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.actual.as_str())
        .collect();
    assert_eq!(
        failed,
        [
            "committed 3 of 3, aborted 0 of 3, open 0 of 0",
            "READY (NONE)"
        ]
    );
}

#[test]
fn an_unknown_transaction_state_in_a_lesson_is_a_clear_error() {
    let lesson = builtin::load("zombie-producer-fenced").unwrap();
    let text = lesson
        .source
        .replace(r#""state": "READY""#, r#""state": "DONE""#);
    let err = Lesson::parse(&text).unwrap_err();
    assert_eq!(err.path, "expect[1]");
    let shown = err.to_string();
    assert!(
        shown.contains("\"DONE\" is not a transactional producer state"),
        "{shown}"
    );
    assert!(shown.contains("FATAL_ERROR"), "{shown}");
    // A watched expectation on a consumer that does not exist is refused before the run.
    let text = lesson.source.replace(
        r#"{ "lost_writes": 0 }"#,
        r#"{ "consumer_lag": { "consumer": "c9", "partition": "invoices-0", "final_at_most": 0 } }"#,
    );
    let err = Lesson::parse(&text).unwrap_err();
    assert!(err.to_string().contains("c9"), "{err}");
}

/// Play a lesson as a class does (answer A, Continue, Play) and return, for each question, the
/// indices of the choices the run proved right.
fn right_choices(id: &str) -> Vec<Vec<u32>> {
    use kafka_classroom::present::session::{Action, Phase, Session};
    let lesson = builtin::load(id).unwrap();
    let (end, seed) = (lesson.run_until_ms, lesson.seed);
    let mut session = Session::new(
        lesson,
        kafka_classroom::present::share::LessonRef::Builtin(id.into()),
        seed,
    );
    let mut right = Vec::new();
    for _ in 0..5_000 {
        let current = session.guide().current().cloned();
        match current.as_ref().map(|c| c.phase) {
            Some(Phase::Asking) => session.apply(Action::Answer(0)),
            Some(Phase::Revealed) => {
                right.push(current.unwrap().correct.clone());
                session.apply(Action::Continue);
            }
            Some(Phase::Caption) => session.apply(Action::Continue),
            Some(Phase::Waiting) | None => {
                if session.world().now().as_ms() >= end || session.is_finished() {
                    break;
                }
                session.apply(Action::Play);
                session.apply(Action::Tick {
                    wall_ms: 250,
                    max_steps: 20_000,
                });
            }
        }
    }
    right
}

/// The questions' right answers are the lessons' points: aborted records never reach
/// read_committed, the zombie's records are never read, the lag grows behind a hanging
/// transaction.
#[test]
fn each_question_is_answered_by_the_run_as_the_lesson_teaches() {
    assert_eq!(right_choices("read-committed-vs-uncommitted"), [[1]]);
    assert_eq!(right_choices("zombie-producer-fenced"), [[1]]);
    assert_eq!(right_choices("hanging-transaction-holds-lso"), [[0]]);
}

/// A read_committed group skips aborted records by design: the guarantee monitors name no
/// record "never processed" for it (they did before: the aborted records are acknowledged and
/// below the group's committed offset), and the transaction lessons break no promise.
#[test]
fn skipping_aborted_records_breaks_no_guarantee() {
    use kafka_classroom::present::session::{Action, Session};
    for id in [
        "read-committed-vs-uncommitted",
        "hanging-transaction-holds-lso",
        "zombie-producer-fenced",
    ] {
        let lesson = builtin::load(id).unwrap();
        let seed = lesson.seed;
        let mut session = Session::new(
            lesson,
            kafka_classroom::present::share::LessonRef::Builtin(id.into()),
            seed,
        );
        session.apply(Action::RunToEnd);
        let texts: Vec<&str> = session
            .violations()
            .iter()
            .map(|v| v.text.as_str())
            .collect();
        assert!(texts.is_empty(), "{id}: {texts:?}");
    }
}

/// The history checker leaves a read_committed group's skipped aborted records out of "never
/// processed" (it drops them by design), while a read_uncommitted group that skipped them
/// would be reported.
#[test]
fn aborted_records_are_not_never_processed_for_a_read_committed_group() {
    for id in ["read-committed-vs-uncommitted", "zombie-producer-fenced"] {
        let lesson = builtin::load(id).expect("a built-in lesson");
        let outcome = lesson.run_checked(lesson.seed, |_| {});
        let aborted: usize = lesson
            .spec
            .topics
            .iter()
            .flat_map(|t| record_fates(&outcome.world, &TopicPartition::new(&t.name, 0)))
            .filter(|r| r.2 == Fate::Aborted)
            .count();
        assert_eq!(aborted, 3, "{id}: the lesson aborts three records");
        for (group, report) in &outcome.report.groups {
            assert!(
                report.never_processed.is_empty(),
                "{id}: {group} never processed {:?}",
                report.never_processed
            );
        }
        assert!(outcome.report.groups.len() >= 2, "{id}: both groups judged");
    }
}
