//! The assignor calculator's view model: rows per member for the picked assignor, and a
//! message (never a panic) for anything a user can type wrong.

use kafka_classroom::kafka::assignor::AssignorName;
use kafka_classroom::present::assign_calc::{calculate, AssignRow, EXAMPLE_CASE};

fn rows_as_text(rows: &[AssignRow]) -> Vec<String> {
    rows.iter()
        .map(|r| {
            format!(
                "{}: {} | later: {}",
                r.member,
                r.partitions_text(),
                r.after_revocation_text()
            )
        })
        .collect()
}

#[test]
fn example_case_runs_through_every_assignor() {
    for assignor in AssignorName::ALL {
        let rows =
            calculate(assignor, EXAMPLE_CASE).unwrap_or_else(|e| panic!("{assignor:?}: {e}"));
        let members: Vec<&str> = rows.iter().map(|r| r.member.as_str()).collect();
        assert_eq!(
            members,
            ["consumer-a", "consumer-b", "consumer-c"],
            "{assignor:?}"
        );
        let given: usize = rows
            .iter()
            .map(|r| r.partitions.len() + r.after_revocation.len())
            .sum();
        assert_eq!(given, 9, "{assignor:?}: every partition has an owner");
    }
}

#[test]
fn range_gives_the_first_members_the_extra_partitions() {
    let rows = calculate(AssignorName::Range, EXAMPLE_CASE).unwrap();
    assert_eq!(
        rows_as_text(&rows),
        [
            "consumer-a: orders-0, orders-1, payments-0, payments-1 | later: none",
            "consumer-b: orders-2, orders-3, payments-2 | later: none",
            "consumer-c: orders-4, orders-5 | later: none",
        ]
    );
}

#[test]
fn cooperative_sticky_holds_back_partitions_until_they_are_revoked() {
    let rows = calculate(AssignorName::CooperativeSticky, EXAMPLE_CASE).unwrap();
    let joiner = rows.iter().find(|r| r.member == "consumer-c").unwrap();
    assert!(joiner.partitions.is_empty(), "{rows:?}");
    assert_eq!(joiner.after_revocation.len(), 3, "{rows:?}");
    // The eager sticky assignor hands the same partitions over at once.
    let eager = calculate(AssignorName::Sticky, EXAMPLE_CASE).unwrap();
    let eager_joiner = eager.iter().find(|r| r.member == "consumer-c").unwrap();
    assert_eq!(eager_joiner.partitions, joiner.after_revocation);
}

#[test]
fn the_picked_assignor_overrides_the_one_in_the_text() {
    let text = r#"{"assignor": "no-such-assignor", "partitionsPerTopic": {"t": 4},
        "members": [{"id": "c1", "topics": ["t"]}, {"id": "c2", "topics": ["t"]}]}"#;
    let rows = calculate(AssignorName::RoundRobin, text).unwrap();
    assert_eq!(
        rows_as_text(&rows),
        ["c1: t-0, t-2 | later: none", "c2: t-1, t-3 | later: none"]
    );
}

#[test]
fn bad_input_is_a_message_not_a_panic() {
    let cases = [
        ("", "invalid JSON"),
        ("{\"partitionsPerTopic\": {", "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (r#"{"members": []}"#, "partitionsPerTopic: missing"),
        (
            r#"{"partitionsPerTopic": {"t": 1}, "members": [{"id": "c1", "topics": ["t"], "ownedPartitions": ["t-9"]}]}"#,
            "members[0].ownedPartitions[0]: unknown partition \"t-9\"",
        ),
        (
            r#"{"partitionsPerTopic": {"t": 1}, "members": [{"id": "c1", "topic": ["t"]}]}"#,
            "members[0]: unknown field \"topic\"",
        ),
    ];
    for (text, message) in cases {
        for assignor in AssignorName::ALL {
            let error = calculate(assignor, text).expect_err(text);
            assert!(error.contains(message), "{text}: {error}");
        }
    }
}

#[test]
fn a_member_without_partitions_reads_none() {
    let text = r#"{"partitionsPerTopic": {"t": 1},
        "members": [{"id": "c1", "topics": ["t"]}, {"id": "c2", "topics": ["t"]}]}"#;
    let rows = calculate(AssignorName::Range, text).unwrap();
    assert_eq!(rows[1].partitions_text(), "none");
}
