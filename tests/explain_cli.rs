//! `kafka-classroom explain` end to end: the built binary prints a record's life (the same text
//! as the browser's inspector), and a bad reference is one line on stderr with exit code 1.

use std::process::{Command, Output};

fn explain(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kafka-classroom"))
        .arg("explain")
        .args(args)
        .output()
        .expect("the kafka-classroom binary runs")
}

#[test]
fn explain_tells_the_lost_write_of_acks_1() {
    let out = explain(&["acks-1-loses-a-write", "--record", "p1#1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "# acks=1 can lose an acknowledged write (seed=1, until 30000 ms)"
    );
    assert_eq!(
        lines[1],
        "p1#1 · key null · value (no replica holds it) · t-0"
    );
    assert_eq!(
        lines[2],
        "Lost: acknowledged at t-0@1, but no replica holds it now."
    );
    assert!(text.contains("an acknowledged write is lost"), "{text}");
}

#[test]
fn until_ms_stops_the_story_early() {
    let out = explain(&[
        "acks-1-loses-a-write",
        "--record",
        "p1#1",
        "--until-ms",
        "5000",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        // b1 crashed at 2.2 s with the only copy; at 5 s it is still on b1's disk.
        text.contains("Only on b1 (down) at offset 1 now: t-0's leader (or, without one, its newest running replica) does not have it."),
        "{text}"
    );
    assert!(!text.contains("lost"), "{text}");
}

#[test]
fn a_bad_reference_is_one_line_and_exit_1() {
    for args in [
        &["acks-1-loses-a-write", "--record", "t-0"][..],
        &["acks-1-loses-a-write"][..],
        &["acks-1-loses-a-write", "--record", "t-0@99"][..],
        &["no-such-lesson", "--record", "t-0@1"][..],
    ] {
        let out = explain(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
}

fn why(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kafka-classroom"))
        .arg("why")
        .args(args)
        .output()
        .expect("the kafka-classroom binary runs")
}

#[test]
fn why_answers_a_partition_with_the_steps_of_its_causes() {
    // acks-all-needs-min-isr at 12 s: b2 and b3 crashed at 1 s and were fenced; strong-0 is below min ISR.
    let out = why(&[
        "acks-all-needs-min-isr",
        "--partition",
        "strong-0",
        "--until-ms",
        "12000",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[1], "Why is strong-0 below min.insync.replicas?");
    assert!(
        lines[2].contains("crashed at 1.000 s and is still down"),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  step ") && l.ends_with("): b2 crashed")),
        "{text}"
    );
    // The high watermark's answer follows.
    assert!(
        text.contains("Why is strong-0's high watermark at "),
        "{text}"
    );
}

#[test]
fn why_lists_the_broken_guarantees_with_their_steps() {
    let out = why(&["latest-skips-old-records", "--guarantees"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines().nth(1).is_some_and(|l| l.starts_with("step ")
            && l.contains("Never processed: fresh will not process p1#0")),
        "{text}"
    );
}

#[test]
fn why_refuses_a_bad_question_in_one_line() {
    for (args, expected) in [
        (
            vec!["acks-1-loses-a-write", "--batch", "t-0"],
            "--batch wants PRODUCER:PARTITION",
        ),
        (
            vec!["acks-1-loses-a-write", "--consumer", "x1"],
            "is not a cN name",
        ),
        (
            vec!["acks-1-loses-a-write", "--partition", "nope-0"],
            "the run has no such partition nope-0",
        ),
        (vec!["acks-1-loses-a-write"], "why needs --partition"),
    ] {
        let out = why(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with("error: ") && err.contains(expected),
            "{args:?}: {err}"
        );
    }
}
