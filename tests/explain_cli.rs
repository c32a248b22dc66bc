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
