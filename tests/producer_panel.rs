//! The producer panel's view model and the session actions behind it, on real runs: what a
//! student sees in the accumulator, the sender, the metrics and the config table must come out
//! of the simulation.

use kafka_classroom::kafka::producer::SendMode;
use kafka_classroom::kafka::{Command, KafkaStep, KafkaWorld, NodeId};
use kafka_classroom::lesson::builtin;
use kafka_classroom::present::session::{Action, Session};
use kafka_classroom::present::share::LessonRef;
use kafka_classroom::present::view::lab_view;
use kafka_classroom::present::view::producer::{check_config_value, producer_views, ProducerView};
use kafka_classroom::sim::SimTime;

/// Run the batching lesson to `ms`, returning the world and the last step.
fn batching_at(ms: u64) -> (KafkaWorld, KafkaStep) {
    let lesson = builtin::load("batching-step-by-step").unwrap();
    let mut world = lesson.world(lesson.seed);
    let mut last = None;
    while world.next_time().is_some_and(|t| t <= SimTime::from_ms(ms)) {
        last = world.step();
    }
    (world, last.expect("the lesson takes steps"))
}

fn p1(world: &KafkaWorld, last: &KafkaStep) -> ProducerView {
    producer_views(world, Some(last)).remove(0)
}

#[test]
fn keyed_phase_shows_lingering_batches_and_full_batches_leaving() {
    let (world, last) = batching_at(5_600);
    let view = p1(&world, &last);
    let topic = &view.topics[0];
    assert_eq!(topic.topic, "orders");
    assert_eq!(topic.rows.len(), 3, "one row per partition");
    let lingering: Vec<_> = topic
        .rows
        .iter()
        .flat_map(|r| &r.batches)
        .filter(|b| b.linger_left_ms.is_some())
        .collect();
    assert!(
        !lingering.is_empty(),
        "a batch counts linger.ms down: {topic:?}"
    );
    for b in &lingering {
        assert!(b.linger_left_ms.unwrap() <= 500);
        assert!(b.fill_percent <= 100 && b.bytes <= b.batch_size + 100);
        assert_eq!(b.batch_size, 400);
    }
    assert!(
        view.recent.iter().any(|b| b.reason == "full (batch.size)"),
        "{:?}",
        view.recent
    );
    assert!(view.idempotence.enabled);
    assert!(
        view.idempotence.identity.starts_with("producer id "),
        "{}",
        view.idempotence.identity
    );
    assert!(!view.idempotence.sequences.is_empty());
    assert_eq!(view.connections.len(), 3);
    assert!(view
        .connections
        .iter()
        .all(|c| c.max_in_flight == 5 && c.in_flight <= 5));
}

#[test]
fn slow_phase_batches_leave_on_linger() {
    let (world, last) = batching_at(4_000);
    let view = p1(&world, &last);
    assert!(
        view.recent.iter().all(|b| b.reason == "linger.ms expired"),
        "{:?}",
        view.recent
    );
    assert_eq!(view.recent.len(), 6, "the panel keeps the last 6 batches");
}

#[test]
fn null_keys_stick_to_one_partition() {
    let (world, last) = batching_at(10_500);
    let view = p1(&world, &last);
    let topic = &view.topics[0];
    let sticky = topic
        .sticky
        .as_ref()
        .expect("the built-in partitioner has a sticky partition");
    let marked: Vec<_> = topic.rows.iter().filter(|r| r.sticky).collect();
    assert_eq!(marked.len(), 1);
    assert_eq!(marked[0].partition, format!("orders-{}", sticky.partition));
    assert_eq!(sticky.switch_at_bytes, 400);
}

#[test]
fn sticky_switch_is_flagged_on_the_step_that_switches() {
    let lesson = builtin::load("batching-step-by-step").unwrap();
    let mut world = lesson.world(lesson.seed);
    let mut flagged = 0;
    while world.now() < SimTime::from_ms(12_000) {
        let step = world.step().unwrap();
        let switched = step.events.iter().any(|e| {
            matches!(
                e,
                kafka_classroom::kafka::event::Event::StickyPartitionSwitched { .. }
            )
        });
        let view = p1(&world, &step);
        let shown = view
            .topics
            .first()
            .and_then(|t| t.sticky.as_ref())
            .is_some_and(|s| s.switched_now.is_some());
        assert_eq!(switched, shown, "step {}", step.index);
        flagged += shown as u32;
    }
    assert!(flagged >= 3, "only {flagged} switches in 2 s of null keys");
}

#[test]
fn metrics_have_kafka_names_and_values() {
    let (world, last) = batching_at(8_000);
    let view = p1(&world, &last);
    let names: Vec<_> = view.metrics.iter().map(|m| m.name).collect();
    assert_eq!(
        names,
        [
            "record-send-rate",
            "record-error-rate",
            "batch-size-avg",
            "records-per-request-avg",
            "request-latency-avg",
            "buffer-available-bytes",
            "compression-rate-avg"
        ]
    );
    let metric = |n: &str| view.metrics.iter().find(|m| m.name == n).unwrap().clone();
    assert!(!metric("record-send-rate").points.is_empty());
    assert_eq!(metric("record-error-rate").current, "0/s");
    assert_eq!(
        metric("compression-rate-avg").current,
        "1.00",
        "no compression"
    );
    // 25 records/s for 5 s then 300/s: the 30 s window average is in between.
    let rate: u64 = metric("record-send-rate")
        .current
        .trim_end_matches("/s")
        .replace(',', "")
        .parse()
        .unwrap();
    assert!((25..=300).contains(&rate), "record-send-rate {rate}");
}

#[test]
fn config_table_shows_kafka_names_defaults_and_what_was_set() {
    let (world, last) = batching_at(100);
    let view = p1(&world, &last);
    let row = |k: &str| {
        view.config
            .iter()
            .flat_map(|g| &g.rows)
            .find(|r| r.key == k)
            .unwrap()
            .clone()
    };
    let linger = row("linger.ms");
    assert_eq!(
        (linger.value.as_str(), linger.default, linger.explicit),
        ("500", "5", true)
    );
    let acks = row("acks");
    assert_eq!((acks.value.as_str(), acks.explicit), ("all", false));
    assert!(acks.choices.unwrap().iter().any(|(v, _)| v == "0"));
    assert_eq!(row("compression.type").choices.unwrap().len(), 5);
    assert!(check_config_value("linger.ms", "20").is_ok());
    let err = check_config_value("linger.ms", "-1").unwrap_err();
    assert!(err.contains("linger.ms"), "{err}");
    let err = check_config_value("compression.type", "brotli").unwrap_err();
    assert!(err.contains("compression.type"), "{err}");
}

fn session(id: &str) -> Session {
    let lesson = builtin::load(id).unwrap();
    let seed = lesson.seed;
    Session::new(lesson, LessonRef::Builtin(id.into()), seed)
}

#[test]
fn idempotence_changes_only_when_the_producer_is_idle() {
    let mut s = session("keys-pick-partitions");
    // acks=1 turned idempotence off; acks=all makes it the 4.0 default again.
    for _ in 0..5 {
        s.apply(Action::Step);
    }
    s.apply(Action::Command(Command::SetConfig {
        node: NodeId::Producer(1),
        key: "acks".into(),
        value: "all".into(),
    }));
    assert!(s.notice().is_none(), "{:?}", s.notice());
    let p = &s.world().model().producers[&1];
    assert!(p.config.enable_idempotence);
    for _ in 0..200 {
        s.apply(Action::Step);
    }
    assert!(
        s.world().model().producers[&1].sequences.is_some(),
        "the producer got a producer id"
    );
    // With a batch waiting, switching idempotence off again is refused with a reason.
    s.apply(Action::Command(Command::SetConfig {
        node: NodeId::Producer(1),
        key: "linger.ms".into(),
        value: "5000".into(),
    }));
    s.apply(Action::Command(Command::Produce {
        producer: NodeId::Producer(1),
        topic: "orders".into(),
        key: Some("k".into()),
        value: Some("v".into()),
        partition: None,
        timestamp: None,
        headers: vec![],
    }));
    s.apply(Action::Command(Command::SetConfig {
        node: NodeId::Producer(1),
        key: "acks".into(),
        value: "1".into(),
    }));
    let notice = s.notice().expect("the change was refused").text.clone();
    assert!(notice.contains("flush()"), "{notice}");
    assert!(s.world().model().producers[&1].config.enable_idempotence);
}

#[test]
fn send_mode_sync_waits_for_each_result() {
    let mut s = session("keys-pick-partitions");
    for _ in 0..20 {
        s.apply(Action::Step); // metadata arrives
    }
    s.apply(Action::Command(Command::SetSendMode {
        producer: NodeId::Producer(1),
        mode: SendMode::Sync,
    }));
    for i in 0..3 {
        s.apply(Action::Command(Command::Produce {
            producer: NodeId::Producer(1),
            topic: "orders".into(),
            key: Some(format!("k{i}")),
            value: Some("v".into()),
            partition: None,
            timestamp: None,
            headers: vec![],
        }));
    }
    let p = &s.world().model().producers[&1];
    assert!(p.awaiting_result.is_some());
    assert!(
        p.waiting.len() >= 2,
        "later sends wait for the first result"
    );
    s.apply(Action::Command(Command::SetSendMode {
        producer: NodeId::Producer(1),
        mode: SendMode::Async,
    }));
    let p = &s.world().model().producers[&1];
    assert!(
        p.awaiting_result.is_none() && p.waiting.is_empty(),
        "async again: the waiting sends go through"
    );
}

#[test]
fn headers_and_timestamp_reach_the_log() {
    let mut s = session("keys-pick-partitions");
    s.apply(Action::Command(Command::Produce {
        producer: NodeId::Producer(1),
        topic: "orders".into(),
        key: Some("foobar".into()),
        value: Some("v".into()),
        partition: None,
        timestamp: Some(1_700_000_000_000),
        headers: vec![kafka_classroom::kafka::producer::RecordHeader {
            key: "trace".into(),
            value: "abc".into(),
        }],
    }));
    s.apply(Action::RunToEnd);
    let stored = s
        .world()
        .model()
        .brokers
        .values()
        .flat_map(|b| b.replicas.values())
        .flat_map(|r| r.log.batches())
        .flat_map(|b| b.records.iter())
        .find(|r| r.timestamp_ms == 1_700_000_000_000)
        .expect("the record with the given timestamp is in a log");
    assert_eq!(stored.headers.len(), 1);
    assert_eq!(&*stored.headers[0].key, "trace");
}

#[test]
fn lab_runs_in_slices_from_the_session() {
    let text = builtin::find("tuning-lab")
        .unwrap()
        .replace("\"records\": 1000000", "\"records\": 3000");
    let mut s = session("keys-pick-partitions");
    s.apply(Action::LoadCustom(text));
    assert!(s.notice().is_none(), "{:?}", s.notice());
    assert!(s.lab().is_none());
    s.apply(Action::StartLab);
    assert!(s.lab_running());
    let mut slices = 0;
    while s.lab_running() {
        s.apply(Action::AdvanceLab { steps: 100 });
        slices += 1;
        let view = lab_view(&s.lab().unwrap());
        assert!(view.progress_permille <= 1000);
    }
    assert!(slices > 2, "the lab advanced in {slices} slices");
    let view = lab_view(&s.lab().unwrap());
    assert_eq!(view.names, ["Kafka defaults", "Tuned"]);
    assert_eq!(view.progress_permille, 1000);
    assert!(view.verdict.is_some());
    let requests = view
        .rows
        .iter()
        .find(|(l, _)| l == "Produce requests")
        .unwrap();
    assert_eq!(requests.1.len(), 2);
    // The main world did not move.
    assert_eq!(s.world().steps_taken(), 0);
    s.apply(Action::CancelLab);
    assert!(s.lab().is_none());
}

/// The lab running elsewhere (the browser's Web Worker runs `LabRun` and sends its status): the
/// session shows each report, the final one gives the same table as a run on the page, and a
/// report arriving after Stop is ignored.
#[test]
fn a_lab_running_elsewhere_reports_to_the_session() {
    let text = builtin::find("tuning-lab")
        .unwrap()
        .replace("\"records\": 1000000", "\"records\": 3000");
    let mut local = session("keys-pick-partitions");
    local.apply(Action::LoadCustom(text.clone()));
    local.apply(Action::StartLab);
    while local.lab_running() {
        local.apply(Action::AdvanceLab { steps: 5_000 });
    }
    let mut s = session("keys-pick-partitions");
    s.apply(Action::LoadCustom(text.clone()));
    s.apply(Action::StartLabElsewhere);
    assert!(!s.lab_running(), "nothing to advance on the page");
    let starting = s.lab().unwrap();
    assert_eq!((starting.progress, starting.done), (0, false));
    // What the worker does, with the same lesson and seed.
    let lesson = kafka_classroom::lesson::Lesson::parse(&text).unwrap();
    let mut elsewhere = kafka_classroom::lesson::lab::LabRun::new(&lesson, s.seed()).unwrap();
    while !elsewhere.advance(500) {
        s.apply(Action::LabReport(elsewhere.status()));
        assert!(!s.lab().unwrap().done);
    }
    s.apply(Action::LabReport(elsewhere.status()));
    assert_eq!(lab_view(&s.lab().unwrap()), lab_view(&local.lab().unwrap()));
    s.apply(Action::CancelLab);
    s.apply(Action::LabReport(elsewhere.status()));
    assert!(s.lab().is_none(), "a report after Stop is stale");
}

#[test]
fn duplicates_avoided_counts_what_the_brokers_ignored() {
    let lesson = builtin::load("retry-duplicates-without-idempotence").unwrap();
    let mut last = None;
    let world = lesson.run(lesson.seed, |s| last = Some(s.clone()));
    let views = producer_views(&world, last.as_ref());
    let plain = views.iter().find(|v| v.label == "p1").unwrap();
    let idempotent = views.iter().find(|v| v.label == "p2").unwrap();
    assert!(!plain.idempotence.enabled);
    assert!(idempotent.idempotence.enabled);
    // p1's retries were written twice (the lesson expects 5 duplicates); p2's were recognised.
    assert_eq!(idempotent.idempotence.duplicates_avoided, 5);
    let retries = |v: &ProducerView| {
        v.counters
            .iter()
            .find(|(k, _)| k == "retries")
            .unwrap()
            .1
            .clone()
    };
    assert_ne!(retries(plain), "0");
    assert_ne!(retries(idempotent), "0");
}
