//! The case parser turns every malformed case into a precise, path-prefixed message, never a
//! panic, and `run_case_json` prints assignments in a stable, sorted form.

use kafka_classroom::kafka::assignor::case::{parse_case, run_case_json};
use kafka_classroom::kafka::assignor::AssignorName;

fn error_of(input: &str) -> String {
    match parse_case(input) {
        Ok(case) => panic!("expected an error for {input}, got {case:?}"),
        Err(message) => message,
    }
}

/// A valid case with `members` spliced in.
fn with_members(members: &str) -> String {
    format!(
        r#"{{"assignor": "range", "partitionsPerTopic": {{"t1": 3, "t2": 2}}, "members": {members}}}"#
    )
}

#[test]
fn run_case_json_prints_members_and_partitions_sorted() {
    let input = r#"{"id": "X", "name": "n", "source": "s", "kind": "test", "expected": {},
        "assignor": "roundrobin", "partitionsPerTopic": {"t": 12},
        "members": [{"id": "b", "topics": ["t"]}, {"id": "a", "topics": ["t"]}, {"id": "c", "topics": []}]}"#;
    assert_eq!(
        run_case_json(input).unwrap(),
        r#"{"a":["t-0","t-2","t-4","t-6","t-8","t-10"],"b":["t-1","t-3","t-5","t-7","t-9","t-11"],"c":[]}"#
    );
}

#[test]
fn every_member_field_is_parsed() {
    let case = parse_case(&with_members(
        r#"[{"id": "c1", "topics": ["t1"], "ownedPartitions": ["t1-2"], "generation": 4, "groupInstanceId": "i1"},
            {"id": "c2", "topics": ["t2"], "ownedPartitions": null, "generation": null, "groupInstanceId": null}]"#,
    ))
    .unwrap();
    assert_eq!(case.assignor, AssignorName::Range);
    assert_eq!(case.members[0].owned_partitions[0].to_string(), "t1-2");
    assert_eq!(case.members[0].generation, Some(4));
    assert_eq!(case.members[0].group_instance_id.as_deref(), Some("i1"));
    assert_eq!(case.members[1].generation, None);
}

#[test]
fn assignor_errors_name_the_choices() {
    let input = r#"{"assignor": "foo", "partitionsPerTopic": {}, "members": []}"#;
    assert_eq!(
        error_of(input),
        r#"assignor: unknown assignor "foo" (expected range, roundrobin, sticky or cooperative-sticky)"#
    );
    assert_eq!(
        error_of(r#"{"partitionsPerTopic": {}, "members": []}"#),
        "assignor: missing"
    );
    assert_eq!(
        error_of(r#"{"assignor": 3, "partitionsPerTopic": {}, "members": []}"#),
        "assignor: expected a string"
    );
    let full_class = r#"{"assignor": "org.apache.kafka.clients.consumer.StickyAssignor", "partitionsPerTopic": {}, "members": []}"#;
    assert_eq!(
        parse_case(full_class).unwrap().assignor,
        AssignorName::Sticky
    );
}

#[test]
fn document_level_errors_are_reported() {
    assert!(error_of("{").starts_with("invalid JSON: "));
    assert_eq!(
        error_of("[]"),
        "expected a JSON object with partitionsPerTopic, members and assignor"
    );
    assert_eq!(
        error_of(r#"{"assignor": "range", "members": []}"#),
        "partitionsPerTopic: missing"
    );
    assert_eq!(
        error_of(r#"{"assignor": "range", "partitionsPerTopic": {}}"#),
        "members: missing"
    );
    assert_eq!(
        error_of(r#"{"assignor": "range", "partitionsPerTopic": {}, "members": {}}"#),
        "members: expected an array of members"
    );
}

#[test]
fn partition_counts_must_be_non_negative_integers() {
    let case = |counts: &str| {
        format!(r#"{{"assignor": "range", "partitionsPerTopic": {counts}, "members": []}}"#)
    };
    assert_eq!(
        error_of(&case(r#"{"t1": -1}"#)),
        "partitionsPerTopic.t1: partition count must be >= 0"
    );
    assert_eq!(
        error_of(&case(r#"{"t1": 1.5}"#)),
        "partitionsPerTopic.t1: partition count must be an integer"
    );
    assert_eq!(
        error_of(&case(r#"{"t1": "3"}"#)),
        "partitionsPerTopic.t1: partition count must be an integer"
    );
    assert_eq!(
        error_of(&case(r#"[]"#)),
        "partitionsPerTopic: expected an object of topic -> partition count"
    );
    assert_eq!(
        error_of(&case(r#"{"t1": 9000, "t2": 9000}"#)),
        "partitionsPerTopic.t2: more than 10000 partitions in total"
    );
    assert_eq!(
        error_of(&case(r#"{"t1": 99999999999999}"#)),
        "partitionsPerTopic.t1: more than 10000 partitions in total"
    );
    assert!(error_of(&case(r#"{"bad topic": 1}"#))
        .starts_with(r#"partitionsPerTopic.bad topic: illegal topic name "bad topic""#));
    assert!(error_of(&case(r#"{"..": 1}"#)).contains("illegal topic name"));
}

#[test]
fn member_shape_errors_carry_the_member_path() {
    let cases = [
        (r#"[3]"#, "members[0]: expected an object"),
        (r#"[{"topics": ["t1"]}]"#, "members[0].id: missing"),
        (
            r#"[{"id": "", "topics": ["t1"]}]"#,
            "members[0].id: expected a non-empty string",
        ),
        (r#"[{"id": "c1"}]"#, "members[0].topics: missing"),
        (
            r#"[{"id": "c1", "topics": ["t1"]}, {"id": "c2", "topics": "t1"}]"#,
            "members[1].topics: expected an array of strings",
        ),
        (
            r#"[{"id": "c1", "topics": ["t1", 2]}]"#,
            "members[0].topics: expected an array of strings",
        ),
        (
            r#"[{"id": "c1", "topics": ["t1", "t1"]}]"#,
            r#"members[0].topics[1]: topic "t1" is listed twice"#,
        ),
        (
            r#"[{"id": "c1", "topics": ["t1"], "generation": "1"}]"#,
            "members[0].generation: expected a 32-bit integer or null",
        ),
        (
            r#"[{"id": "c1", "topics": ["t1"], "generation": 3000000000}]"#,
            "members[0].generation: expected a 32-bit integer or null",
        ),
        (
            r#"[{"id": "c1", "topics": ["t1"], "groupInstanceId": 7}]"#,
            "members[0].groupInstanceId: expected a non-empty string or null",
        ),
        (
            r#"[{"id": "c1", "topics": ["t1"], "ownedPartition": []}]"#,
            r#"members[0]: unknown field "ownedPartition" (expected id, topics, ownedPartitions, generation, groupInstanceId)"#,
        ),
    ];
    for (members, expected) in cases {
        assert_eq!(
            error_of(&with_members(members)),
            expected,
            "members = {members}"
        );
    }
}

#[test]
fn owned_partitions_must_exist_and_be_listed_once() {
    let cases = [
        (
            r#""t1-0""#,
            r#"members[0].ownedPartitions: expected an array of strings like "topic-0""#,
        ),
        (
            r#"["t1-3"]"#,
            r#"members[0].ownedPartitions[0]: unknown partition "t1-3" (topic "t1" has 3 partitions)"#,
        ),
        (
            r#"["t1-0", "t9-0"]"#,
            r#"members[0].ownedPartitions[1]: unknown partition "t9-0" (topic "t9" is not in partitionsPerTopic)"#,
        ),
        (
            r#"["t1-0", "t1-0"]"#,
            r#"members[0].ownedPartitions[1]: partition "t1-0" is listed twice"#,
        ),
        (
            r#"["t1"]"#,
            r#"members[0].ownedPartitions[0]: "t1" is not a topic partition (expected "<topic>-<partition>", e.g. "orders-0")"#,
        ),
        (
            r#"["t1-x"]"#,
            r#"members[0].ownedPartitions[0]: "t1-x": partition "x" is not a non-negative integer"#,
        ),
    ];
    for (owned, expected) in cases {
        let members = format!(r#"[{{"id": "c1", "topics": ["t1"], "ownedPartitions": {owned}}}]"#);
        assert_eq!(
            error_of(&with_members(&members)),
            expected,
            "ownedPartitions = {owned}"
        );
    }
}

#[test]
fn member_ids_and_instance_ids_must_be_unique() {
    assert_eq!(
        error_of(&with_members(
            r#"[{"id": "c1", "topics": ["t1"]}, {"id": "c2", "topics": ["t1"]}, {"id": "c1", "topics": ["t2"]}]"#
        )),
        r#"members[2].id: duplicate member id "c1" (also members[0])"#
    );
    assert_eq!(
        error_of(&with_members(
            r#"[{"id": "c1", "topics": ["t1"], "groupInstanceId": "i"}, {"id": "c2", "topics": ["t1"], "groupInstanceId": "i"}]"#
        )),
        r#"members[1].groupInstanceId: duplicate group.instance.id "i" (also members[0])"#
    );
}

#[test]
fn partitions_claimed_by_two_members_are_accepted_for_conflict_resolution() {
    let input = with_members(
        r#"[{"id": "c1", "topics": ["t1"], "ownedPartitions": ["t1-0"], "generation": 1},
            {"id": "c2", "topics": ["t1"], "ownedPartitions": ["t1-0"], "generation": 2}]"#,
    )
    .replace("\"range\"", "\"sticky\"");
    // The higher generation keeps t1-0; Kafka 4.0 gives the same answer.
    assert_eq!(
        run_case_json(&input).unwrap(),
        r#"{"c1":["t1-1"],"c2":["t1-0","t1-2"]}"#
    );
}
