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
    apply_change(&mut changed.spec, &change).unwrap();
    let alone = changed.run_checked(lesson.seed, |_| {});
    assert_eq!(c.changed.acknowledged, alone.report.acknowledged);
    assert_eq!(c.changed.reordered, alone.report.reordered.len() as u32);
    assert!(c.changed.acknowledged > 100);
    let (step, _, a, b) = c.divergence.expect("acks=1 changes the run");
    assert!(step >= 1 && a != b, "step {step}: {a} / {b}");
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
    refused("nothing", "expected NODE.KEY=VALUE");
    refused("p9.acks=all", "no producer p9");
    refused("p1.ackz=all", "acks");
    refused("p1.acks=most", "acks");
    refused("b1.min.insync.replicas=2", "only a producer");
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
