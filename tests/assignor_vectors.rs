//! Known-answer vectors from Kafka's assignor tests and javadoc (copied verbatim into
//! `tests/data/assignor_vectors.json`), run through the case parser and compared as sets.
//! Cooperative vectors also replay the follow-up rebalance, as Kafka's own cooperative tests do.

use std::collections::{BTreeMap, BTreeSet};

use kafka_classroom::kafka::assignor::case::parse_case;
use kafka_classroom::kafka::assignor::{self as kafka, AssignorName, MemberSubscription};
use kafka_classroom::kafka::types::TopicPartition;
use serde_json::Value;

const VECTORS: &str = include_str!("data/assignor_vectors.json");

type Expected = BTreeMap<String, BTreeSet<String>>;

fn vectors() -> Vec<Value> {
    serde_json::from_str(VECTORS).expect("the vector file is a JSON array")
}

fn expected(value: &Value) -> Expected {
    let object = value.as_object().expect("expected is an object");
    object
        .iter()
        .map(|(member, list)| {
            let partitions = list
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().to_string());
            (member.clone(), partitions.collect())
        })
        .collect()
}

fn as_sets(assignment: &BTreeMap<String, Vec<TopicPartition>>) -> Expected {
    assignment
        .iter()
        .map(|(member, list)| {
            (
                member.clone(),
                list.iter().map(ToString::to_string).collect(),
            )
        })
        .collect()
}

/// The follow-up rebalance: every member now owns what it was given, one generation later.
fn follow_up_members(
    members: &[MemberSubscription],
    assignment: &BTreeMap<String, Vec<TopicPartition>>,
) -> Vec<MemberSubscription> {
    members
        .iter()
        .map(|m| MemberSubscription {
            owned_partitions: assignment[&m.member_id].clone(),
            generation: Some(m.generation.unwrap_or(-1) + 1),
            ..m.clone()
        })
        .collect()
}

/// Runs one vector; returns a description of the first mismatch.
fn check_vector(vector: &Value) -> Result<(), String> {
    let id = vector["id"].as_str().unwrap();
    let case = parse_case(&vector.to_string()).map_err(|e| format!("{id}: parse error: {e}"))?;
    let first = case.assign();
    if as_sets(&first) != expected(&vector["expected"]) {
        return Err(format!(
            "{id}: got {:?}, expected {}",
            as_sets(&first),
            vector["expected"]
        ));
    }
    if let Some(after) = vector.get("expectedAfterFollowUpRebalance") {
        let members = follow_up_members(&case.members, &first);
        let second = kafka::assign(case.assignor, &case.partitions_per_topic, &members);
        if as_sets(&second) != expected(after) {
            return Err(format!(
                "{id}: follow-up got {:?}, expected {after}",
                as_sets(&second)
            ));
        }
    }
    Ok(())
}

#[test]
fn every_reference_vector_matches_kafka() {
    let vectors = vectors();
    let failures: Vec<String> = vectors
        .iter()
        .filter_map(|v| check_vector(v).err())
        .collect();
    let passing = vectors.len() - failures.len();
    println!("assignor vectors passing: {passing}/{}", vectors.len());
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(vectors.len(), 60, "section 2.6 holds 60 vectors");
}

#[test]
fn vectors_cover_every_assignor_and_both_rounds() {
    let vectors = vectors();
    for name in AssignorName::ALL {
        assert!(
            vectors.iter().any(|v| v["assignor"] == name.kafka_name()),
            "{name:?}"
        );
    }
    let follow_ups = vectors
        .iter()
        .filter(|v| v.get("expectedAfterFollowUpRebalance").is_some())
        .count();
    assert_eq!(follow_ups, 5);
}

/// The transfers Kafka's tests assert for C01-C03 (see each vector's `source`).
#[test]
fn cooperative_vectors_report_kafkas_partitions_transferring_ownership() {
    let cases = [
        ("C01", vec![("topic-2", "consumer2")]),
        (
            "C02",
            vec![
                ("topic1-2", "consumer3"),
                ("topic2-3", "consumer3"),
                ("topic2-2", "consumer4"),
            ],
        ),
        ("C03", vec![("topic2-0", "consumer3")]),
    ];
    let vectors = vectors();
    for (id, transfers) in cases {
        let vector = vectors.iter().find(|v| v["id"] == id).unwrap();
        let case = parse_case(&vector.to_string()).unwrap();
        for assignor in [AssignorName::Sticky, AssignorName::CooperativeSticky] {
            let got = kafka::partitions_transferring_ownership(
                assignor,
                &case.partitions_per_topic,
                &case.members,
            );
            let want: BTreeMap<TopicPartition, String> = transfers
                .iter()
                .map(|(tp, member)| (TopicPartition::parse(tp).unwrap(), member.to_string()))
                .collect();
            assert_eq!(got, want, "{id} {assignor:?}");
        }
    }
}
