//! `kafka-classroom assign` end to end: the built binary reads each reference vector of
//! tests/data/assignor_vectors.json on stdin and prints Kafka's assignment; bad input gets one line on
//! stderr and exit code 2.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const VECTORS: &str = include_str!("data/assignor_vectors.json");

type Assignment = BTreeMap<String, BTreeSet<String>>;

fn run_assign(input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kafka-classroom"))
        .arg("assign")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the kafka-classroom binary starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("the binary reads stdin");
    child.wait_with_output().expect("the binary finishes")
}

fn as_sets(value: &Value) -> Assignment {
    value
        .as_object()
        .expect("an assignment is an object")
        .iter()
        .map(|(member, list)| {
            let partitions = list
                .as_array()
                .expect("each member maps to an array")
                .iter()
                .map(|p| p.as_str().expect("partitions are strings").to_string());
            (member.clone(), partitions.collect())
        })
        .collect()
}

#[test]
fn assign_prints_kafkas_answer_for_every_reference_vector() {
    let vectors: Vec<Value> = serde_json::from_str(VECTORS).expect("the vector file is JSON");
    assert_eq!(vectors.len(), 60);
    let mut failures = Vec::new();
    for vector in &vectors {
        let id = vector["id"].as_str().expect("every vector has an id");
        let output = run_assign(&vector.to_string());
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            failures.push(format!(
                "{id}: exit {:?}, stderr {}",
                output.status.code(),
                String::from_utf8_lossy(&output.stderr)
            ));
            continue;
        }
        let printed: Value = match serde_json::from_str(&stdout) {
            Ok(value) => value,
            Err(e) => {
                failures.push(format!("{id}: output is not JSON ({e}): {stdout}"));
                continue;
            }
        };
        if as_sets(&printed) != as_sets(&vector["expected"]) {
            failures.push(format!(
                "{id}: got {stdout}, expected {}",
                vector["expected"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn assign_prints_members_and_partitions_sorted_on_one_line() {
    let output = run_assign(
        r#"{"assignor": "range", "partitionsPerTopic": {"t": 3},
            "members": [{"id": "c2", "topics": ["t"]}, {"id": "c1", "topics": ["t"]}]}"#,
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "{\"c1\":[\"t-0\",\"t-1\"],\"c2\":[\"t-2\"]}\n"
    );
    assert!(output.stderr.is_empty());
}

fn assert_rejected(input: &str, message: &str) {
    let output = run_assign(input);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(output.stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains(message),
        "{stderr} should mention {message}"
    );
}

#[test]
fn assign_rejects_text_that_is_not_json() {
    assert_rejected("range please", "error: invalid JSON");
    assert_rejected("", "error: invalid JSON");
}

#[test]
fn assign_rejects_an_unknown_assignor_naming_the_choices() {
    assert_rejected(
        r#"{"assignor": "fair", "partitionsPerTopic": {"t": 1}, "members": []}"#,
        "assignor: unknown assignor \"fair\" (expected range, roundrobin, sticky or cooperative-sticky)",
    );
}

#[test]
fn assign_rejects_an_owned_partition_that_does_not_exist() {
    assert_rejected(
        r#"{"assignor": "sticky", "partitionsPerTopic": {"t": 2},
            "members": [{"id": "c1", "topics": ["t"], "ownedPartitions": ["t-5"]}]}"#,
        "members[0].ownedPartitions[0]: unknown partition \"t-5\"",
    );
}
