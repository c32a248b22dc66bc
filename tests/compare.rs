//! `compare`: a lesson as written and with client configs changed, run in lockstep. The figures
//! of each side are those of running that lesson alone; a change that changes nothing gives two
//! identical runs; bad changes are refused with a message; the binary prints both summaries.

use kafka_classroom::lesson::builtin;
use kafka_classroom::present::compare::{apply_change, compare, parse_change};
use std::process::Command;

const LESSON: &str = "replication-playground";

#[test]
fn each_side_measures_what_that_run_alone_does() {
    let lesson = builtin::load(LESSON).unwrap();
    let change = parse_change("p1.acks=1").unwrap();
    let c = compare(&lesson, lesson.seed, std::slice::from_ref(&change)).unwrap();
    let alone = lesson.run_checked(lesson.seed, |_| {});
    assert_eq!(c.base.acknowledged, alone.report.acknowledged);
    assert_eq!(c.base.lost, alone.report.lost.len() as u32);
    let mut changed = lesson.clone();
    apply_change(&mut changed, &change).unwrap();
    let alone = changed.run_checked(lesson.seed, |_| {});
    assert_eq!(c.changed.acknowledged, alone.report.acknowledged);
    assert_eq!(c.changed.reordered, alone.report.reordered.len() as u32);
    assert!(c.changed.acknowledged > 100);
    let d = c.divergence.expect("acks=1 changes the run");
    assert!(
        d.step >= 1 && d.a != d.b,
        "step {}: {} / {}",
        d.step,
        d.a,
        d.b
    );
    // acks=1 answers once the leader has the record: the median send is faster.
    let (base, one) = (c.base.latency_us.unwrap(), c.changed.latency_us.unwrap());
    assert!(one[0] < base[0], "p50 {} vs {}", one[0], base[0]);
}

#[test]
fn a_change_to_the_value_already_set_changes_nothing() {
    let lesson = builtin::load(LESSON).unwrap();
    let same = parse_change("p1.acks=all").unwrap();
    let c = compare(&lesson, 3, &[same]).unwrap();
    assert_eq!(c.divergence, None);
    assert_eq!(c.base, c.changed);
}

#[test]
fn bad_changes_are_refused_with_a_message() {
    let lesson = builtin::load(LESSON).unwrap();
    let refused = |text: &str, want: &str| {
        let err = parse_change(text).and_then(|c| compare(&lesson, 1, &[c]).map(|_| ()));
        let err = err.unwrap_err();
        assert!(err.contains(want), "{want} in {err}");
    };
    refused("acks=all", "expected NODE.KEY=VALUE");
    refused(
        "topic.nope.min.insync.replicas=1",
        "one of the lesson's topics (orders)",
    );
    refused("broker.min.insync.replicas=zero", "min.insync.replicas");
    refused("+crash b9@1000", "no b9");
    refused("+crash b1", "needs a time");
    refused("+crash b1@999999", "after the lesson's end");
    refused("-crash b1", "no \"crash b1\" to remove");
    refused("+explode b1@10", "a fault is");
    refused("idempotence=maybe", "on or off");
    refused("nothing", "expected NODE.KEY=VALUE");
    refused("p9.acks=all", "no producer p9");
    refused("p1.ackz=all", "acks");
    refused("p1.acks=most", "acks");
    refused("b1.min.insync.replicas=2", "broker.KEY=VALUE");
}

#[test]
fn the_binary_prints_both_summaries_and_the_first_divergence() {
    let out = Command::new(env!("CARGO_BIN_EXE_kafka-classroom"))
        .args(["compare", LESSON, "--set", "p1.acks=1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for row in [
        "acknowledged",
        "lost (acknowledged)",
        "duplicates",
        "reordered",
        "throughput",
        "latency p50/p95/p99",
        "rebalance pauses",
        "max lag",
        "first divergence: step",
    ] {
        assert!(text.contains(row), "{row} in\n{text}");
    }
    let bad = Command::new(env!("CARGO_BIN_EXE_kafka-classroom"))
        .args(["compare", LESSON, "--set", "p1.acks"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("NODE.KEY=VALUE"));
}

#[test]
fn broker_topic_fault_assignor_and_idempotence_changes_reach_the_second_run() {
    let lesson = builtin::load(LESSON).unwrap();
    // Without the crash, no acknowledged send waits for a new leader: the tail latency drops.
    let c = compare(&lesson, lesson.seed, &[parse_change("-crash b2").unwrap()]).unwrap();
    let (base, calm) = (c.base.latency_us.unwrap(), c.changed.latency_us.unwrap());
    assert!(calm[2] * 10 < base[2], "p99 {} vs {}", calm[2], base[2]);
    let d = c.divergence.unwrap();
    assert!(d.a.contains("b2"), "{}", d.a);
    // An added fault shows in the second run only.
    let c = compare(
        &lesson,
        lesson.seed,
        &[parse_change("+power-fail b1@10000").unwrap()],
    )
    .unwrap();
    assert!(c.divergence.unwrap().b.contains("b1"));
    for text in [
        "topic.orders.min.insync.replicas=3",
        "broker.replica.lag.time.max.ms=10000",
        "idempotence=off",
    ] {
        let mut changed = lesson.clone();
        apply_change(&mut changed, &parse_change(text).unwrap()).unwrap();
        let alone = changed.run_checked(lesson.seed, |_| {});
        let c = compare(&lesson, lesson.seed, &[parse_change(text).unwrap()]).unwrap();
        assert_eq!(c.changed.acknowledged, alone.report.acknowledged, "{text}");
        assert_eq!(c.changed.steps, alone.world.steps_taken(), "{text}");
    }
    // min.insync.replicas=3 with b2 down: acks=all writes are refused meanwhile.
    let c = compare(
        &lesson,
        lesson.seed,
        &[parse_change("topic.orders.min.insync.replicas=3").unwrap()],
    )
    .unwrap();
    let (base, strict) = (c.base.latency_us.unwrap(), c.changed.latency_us.unwrap());
    assert!(strict[1] > base[1], "p95 {} vs {}", strict[1], base[1]);
    let assignor = builtin::load("eager-vs-cooperative").unwrap();
    let c = compare(
        &assignor,
        assignor.seed,
        &[parse_change("assignor=range").unwrap()],
    )
    .unwrap();
    assert!(c.divergence.is_some());
    assert!(c.base.rebalances > 0);
}

#[test]
fn the_binary_takes_fault_and_assignor_flags_and_compares_branches_of_a_run_file() {
    use kafka_classroom::kafka::{BrokerId, Command as Cmd, NodeId};
    use kafka_classroom::present::session::{Action, Session};
    let out = Command::new(env!("CARGO_BIN_EXE_kafka-classroom"))
        .args([
            "compare",
            LESSON,
            "--remove-fault",
            "crash b2",
            "--idempotence",
            "off",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("no crash b2, idempotence off"), "{text}");
    // A run with two branches: crash b1 at step 300, or crash b3 there instead.
    let mut s = Session::default_session();
    s.apply(Action::LoadBuiltin(LESSON.into()));
    s.apply(Action::RunToEnd);
    s.apply(Action::SeekTo(300));
    s.apply(Action::Command(Cmd::Crash {
        node: NodeId::Broker(BrokerId(1)),
    }));
    s.apply(Action::SeekTo(300));
    s.apply(Action::Command(Cmd::Crash {
        node: NodeId::Broker(BrokerId(3)),
    }));
    s.apply(Action::SeekTo(1500));
    assert_eq!(s.branch_count(), 3, "{:?}", s.notice());
    let dir = std::env::temp_dir().join(format!("compare-run-{}.json", std::process::id()));
    std::fs::write(&dir, s.export_run()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kafka-classroom"))
        .args([
            "compare",
            dir.to_str().unwrap(),
            "--branch",
            "1",
            "--with",
            "2",
        ])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&dir);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("first divergence: step 301"), "{text}");
    assert!(
        text.contains("branch 1: crash b1") && text.contains("branch 2: crash b3"),
        "{text}"
    );
    assert!(
        text.contains("crash b1") && text.contains("crash b3"),
        "{text}"
    );
}
