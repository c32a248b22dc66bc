//! The assignor calculator: a consumer group typed as JSON (the case format of
//! tests/data/assignor_vectors.json) in, one row per member out, or the parser's message for
//! the error box. The assignor comes from the tool's picker, not from the text, so one group
//! can be run through all four assignors in turn. Pure: the UI only renders what this returns.

use crate::kafka::assignor::case::parse_case;
use crate::kafka::assignor::{assign_with_transfers, AssignorName};
use serde_json::Value;

/// The group the tool opens with: two members own everything, a third joins. The sticky
/// assignors keep most partitions where they are; range and roundrobin reshuffle.
pub const EXAMPLE_CASE: &str = r#"{
  "partitionsPerTopic": {"orders": 6, "payments": 3},
  "members": [
    {"id": "consumer-a", "topics": ["orders", "payments"],
     "ownedPartitions": ["orders-0", "orders-1", "orders-2", "payments-0", "payments-1"], "generation": 3},
    {"id": "consumer-b", "topics": ["orders", "payments"],
     "ownedPartitions": ["orders-3", "orders-4", "orders-5", "payments-2"], "generation": 3},
    {"id": "consumer-c", "topics": ["orders"]}
  ]
}"#;

/// One member's share of the group.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AssignRow {
    pub member: String,
    /// What the member is given in this round, sorted by topic, then partition number.
    pub partitions: Vec<String>,
    /// `cooperative-sticky` only: partitions the member gets in the follow-up rebalance, once
    /// their current owner has revoked them. Empty for the eager assignors.
    pub after_revocation: Vec<String>,
}

impl AssignRow {
    /// The partitions as the table shows them: `orders-0, orders-1`, or `none`.
    pub fn partitions_text(&self) -> String {
        join_or_none(&self.partitions)
    }

    pub fn after_revocation_text(&self) -> String {
        join_or_none(&self.after_revocation)
    }
}

/// Runs `assignor` on the group in `case_text`; an `assignor` field in the text is
/// overridden. Members come out sorted by member id, every member present.
pub fn calculate(assignor: AssignorName, case_text: &str) -> Result<Vec<AssignRow>, String> {
    let mut value: Value =
        serde_json::from_str(case_text).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(case) = &mut value else {
        return Err("expected a JSON object with partitionsPerTopic and members".to_string());
    };
    case.insert(
        "assignor".to_string(),
        Value::String(assignor.kafka_name().to_string()),
    );
    let case = parse_case(&value.to_string())?;
    let result = assign_with_transfers(assignor, &case.partitions_per_topic, &case.members);
    let rows = result
        .assignment
        .into_iter()
        .map(|(member, partitions)| {
            let after_revocation = if assignor == AssignorName::CooperativeSticky {
                result
                    .partitions_transferring_ownership
                    .iter()
                    .filter(|&(_, new_owner)| *new_owner == member)
                    .map(|(tp, _)| tp.to_string())
                    .collect()
            } else {
                Vec::new()
            };
            AssignRow {
                partitions: partitions.iter().map(ToString::to_string).collect(),
                after_revocation,
                member,
            }
        })
        .collect();
    Ok(rows)
}

fn join_or_none(list: &[String]) -> String {
    if list.is_empty() {
        "none".to_string()
    } else {
        list.join(", ")
    }
}
