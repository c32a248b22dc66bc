//! One assignor case in the JSON format of the vectors in tests/data/assignor_vectors.json,
//! parsed with precise, path-prefixed errors so a user's typo never reaches the algorithms,
//! and run to a JSON assignment. Top-level fields other than `partitionsPerTopic`, `members`
//! and `assignor` (`id`, `name`, `source`, `kind`, `expected`, ...) are accepted and ignored;
//! member objects accept only the five member fields, so a misspelt one is reported.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::{assign, AssignorName, MemberSubscription, TopicPartition};

/// Largest total partition count a case may ask for; keeps one case from freezing the page.
pub const MAX_TOTAL_PARTITIONS: i64 = 10_000;
/// Largest group a case may describe, for the same reason.
pub const MAX_MEMBERS: usize = 1_000;
/// Largest case read, in bytes, checked before parsing (the largest vector is about 1 KB; a
/// thousand members subscribing to dozens of topics fit well within it).
pub const MAX_CASE_BYTES: usize = 1_000_000;
/// Kafka's `Topic.MAX_NAME_LENGTH`.
const MAX_TOPIC_NAME_LENGTH: usize = 249;
const MEMBER_FIELDS: [&str; 5] = [
    "id",
    "topics",
    "ownedPartitions",
    "generation",
    "groupInstanceId",
];

/// A validated case: every owned partition exists, member ids and instance ids are unique.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AssignCase {
    pub assignor: AssignorName,
    pub partitions_per_topic: BTreeMap<String, i32>,
    pub members: Vec<MemberSubscription>,
}

impl AssignCase {
    pub fn assign(&self) -> BTreeMap<String, Vec<TopicPartition>> {
        assign(self.assignor, &self.partitions_per_topic, &self.members)
    }
}

/// Parses one case, e.g. `{"assignor": "range", "partitionsPerTopic": {"t": 2},
/// "members": [{"id": "c1", "topics": ["t"]}]}`.
pub fn parse_case(input: &str) -> Result<AssignCase, String> {
    if input.len() > MAX_CASE_BYTES {
        return Err(format!(
            "case: {} bytes is too large (at most {MAX_CASE_BYTES})",
            input.len()
        ));
    }
    let value: Value = serde_json::from_str(input).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(case) = value else {
        return Err(
            "expected a JSON object with partitionsPerTopic, members and assignor".to_string(),
        );
    };
    let assignor = match case.get("assignor") {
        None => return Err("assignor: missing".to_string()),
        Some(Value::String(name)) => {
            AssignorName::parse(name).map_err(|e| format!("assignor: {e}"))?
        }
        Some(_) => return Err("assignor: expected a string".to_string()),
    };
    let partitions_per_topic = parse_partitions_per_topic(case.get("partitionsPerTopic"))?;
    let members = parse_members(case.get("members"), &partitions_per_topic)?;
    Ok(AssignCase {
        assignor,
        partitions_per_topic,
        members,
    })
}

/// Parses and runs one case; prints `{"member": ["topic-partition", ...], ...}` with members
/// sorted and each list sorted by topic, then partition number.
pub fn run_case_json(input: &str) -> Result<String, String> {
    let case = parse_case(input)?;
    Ok(assignment_to_json(&case.assign()))
}

pub fn assignment_to_json(assignment: &BTreeMap<String, Vec<TopicPartition>>) -> String {
    let printable: Map<String, Value> = assignment
        .iter()
        .map(|(member, partitions)| {
            let names = partitions
                .iter()
                .map(|tp| Value::String(tp.to_string()))
                .collect();
            (member.clone(), Value::Array(names))
        })
        .collect();
    Value::Object(printable).to_string()
}

fn parse_partitions_per_topic(value: Option<&Value>) -> Result<BTreeMap<String, i32>, String> {
    let object = match value {
        None => return Err("partitionsPerTopic: missing".to_string()),
        Some(Value::Object(object)) => object,
        Some(_) => {
            return Err(
                "partitionsPerTopic: expected an object of topic -> partition count".to_string(),
            );
        }
    };
    let mut partitions_per_topic = BTreeMap::new();
    let mut total: i64 = 0;
    for (topic, count) in object {
        let path = format!("partitionsPerTopic.{topic}");
        validate_topic_name(topic).map_err(|e| format!("{path}: {e}"))?;
        let count = count
            .as_i64()
            .ok_or_else(|| format!("{path}: partition count must be an integer"))?;
        if count < 0 {
            return Err(format!("{path}: partition count must be >= 0"));
        }
        total += count.min(MAX_TOTAL_PARTITIONS + 1);
        if total > MAX_TOTAL_PARTITIONS {
            return Err(format!(
                "{path}: more than {MAX_TOTAL_PARTITIONS} partitions in total"
            ));
        }
        // The running total caps `count` far below i32::MAX.
        let count =
            i32::try_from(count).map_err(|_| format!("{path}: partition count is too large"))?;
        partitions_per_topic.insert(topic.clone(), count);
    }
    Ok(partitions_per_topic)
}

/// Kafka's `Topic.validate`: ASCII letters, digits, '.', '_' and '-', at most 249 characters,
/// and neither "." nor "..". Legal names also sort the same in Rust and in Java.
fn validate_topic_name(name: &str) -> Result<(), String> {
    let legal_chars = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-');
    if name.is_empty()
        || name == "."
        || name == ".."
        || name.len() > MAX_TOPIC_NAME_LENGTH
        || !legal_chars
    {
        return Err(format!(
            "illegal topic name \"{name}\" (Kafka allows 1 to 249 ASCII letters, digits, '.', '_' and '-', but not \".\" or \"..\")"
        ));
    }
    Ok(())
}

fn parse_members(
    value: Option<&Value>,
    partitions_per_topic: &BTreeMap<String, i32>,
) -> Result<Vec<MemberSubscription>, String> {
    let list = match value {
        None => return Err("members: missing".to_string()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err("members: expected an array of members".to_string()),
    };
    if list.len() > MAX_MEMBERS {
        return Err(format!("members: more than {MAX_MEMBERS} members"));
    }
    let mut members = Vec::with_capacity(list.len());
    let mut member_ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut instance_ids: BTreeMap<String, usize> = BTreeMap::new();
    for (index, value) in list.iter().enumerate() {
        let path = format!("members[{index}]");
        let member = parse_member(&path, value, partitions_per_topic)?;
        if let Some(first) = member_ids.insert(member.member_id.clone(), index) {
            return Err(format!(
                "{path}.id: duplicate member id \"{}\" (also members[{first}])",
                member.member_id
            ));
        }
        if let Some(instance) = &member.group_instance_id {
            if let Some(first) = instance_ids.insert(instance.clone(), index) {
                return Err(format!(
                    "{path}.groupInstanceId: duplicate group.instance.id \"{instance}\" (also members[{first}])"
                ));
            }
        }
        members.push(member);
    }
    Ok(members)
}

fn parse_member(
    path: &str,
    value: &Value,
    partitions_per_topic: &BTreeMap<String, i32>,
) -> Result<MemberSubscription, String> {
    let Value::Object(object) = value else {
        return Err(format!("{path}: expected an object"));
    };
    if let Some(unknown) = object
        .keys()
        .find(|key| !MEMBER_FIELDS.contains(&key.as_str()))
    {
        return Err(format!(
            "{path}: unknown field \"{unknown}\" (expected id, topics, ownedPartitions, generation, groupInstanceId)"
        ));
    }
    let member_id = match object.get("id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        None => return Err(format!("{path}.id: missing")),
        Some(_) => return Err(format!("{path}.id: expected a non-empty string")),
    };
    let group_instance_id = match object.get("groupInstanceId") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) if !id.is_empty() => Some(id.clone()),
        Some(_) => {
            return Err(format!(
                "{path}.groupInstanceId: expected a non-empty string or null"
            ));
        }
    };
    let generation = match object.get("generation") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            value
                .as_i64()
                .and_then(|g| i32::try_from(g).ok())
                .ok_or_else(|| format!("{path}.generation: expected a 32-bit integer or null"))?,
        ),
    };
    let topics = parse_topics(path, object.get("topics"))?;
    let owned_partitions =
        parse_owned_partitions(path, object.get("ownedPartitions"), partitions_per_topic)?;
    Ok(MemberSubscription {
        member_id,
        group_instance_id,
        topics,
        owned_partitions,
        generation,
    })
}

fn parse_topics(path: &str, value: Option<&Value>) -> Result<Vec<String>, String> {
    let path = format!("{path}.topics");
    let Some(value) = value else {
        return Err(format!("{path}: missing"));
    };
    let strings =
        string_array(value).ok_or_else(|| format!("{path}: expected an array of strings"))?;
    let mut seen = BTreeSet::new();
    for (index, topic) in strings.iter().enumerate() {
        validate_topic_name(topic).map_err(|e| format!("{path}[{index}]: {e}"))?;
        if !seen.insert(*topic) {
            return Err(format!(
                "{path}[{index}]: topic \"{topic}\" is listed twice"
            ));
        }
    }
    Ok(strings.into_iter().map(str::to_string).collect())
}

fn parse_owned_partitions(
    path: &str,
    value: Option<&Value>,
    partitions_per_topic: &BTreeMap<String, i32>,
) -> Result<Vec<TopicPartition>, String> {
    let path = format!("{path}.ownedPartitions");
    let strings = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(value) => string_array(value)
            .ok_or_else(|| format!("{path}: expected an array of strings like \"topic-0\""))?,
    };
    let mut owned = Vec::with_capacity(strings.len());
    let mut seen = BTreeSet::new();
    for (index, text) in strings.into_iter().enumerate() {
        let item = format!("{path}[{index}]");
        let tp = TopicPartition::parse(text).map_err(|e| format!("{item}: {e}"))?;
        match partitions_per_topic.get(tp.topic.as_str()) {
            None => {
                return Err(format!(
                    "{item}: unknown partition \"{tp}\" (topic \"{}\" is not in partitionsPerTopic)",
                    tp.topic
                ));
            }
            Some(&count) if tp.partition >= count => {
                return Err(format!(
                    "{item}: unknown partition \"{tp}\" (topic \"{}\" has {count} partitions)",
                    tp.topic
                ));
            }
            Some(_) => {}
        }
        if !seen.insert(tp) {
            return Err(format!("{item}: partition \"{tp}\" is listed twice"));
        }
        owned.push(tp);
    }
    Ok(owned)
}

fn string_array(value: &Value) -> Option<Vec<&str>> {
    value.as_array()?.iter().map(Value::as_str).collect()
}
