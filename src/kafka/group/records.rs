//! The records the group coordinator writes to `__consumer_offsets` (Kafka's
//! `OffsetCommitKey/Value` and `GroupMetadataKey/Value`). Kafka writes them in a binary schema;
//! here the key and value are short readable texts, so a student who opens the partition sees
//! what the coordinator stored:
//!
//! - `offset:<group>:<topic>-<partition>` -> `<offset>,<leader epoch>,<commit time ms>`
//! - `group:<group>` -> JSON with the generation, protocol, leader and members with their
//!   assignments.
//!
//! A null value is a tombstone (the topic is compacted: only the latest value per key stays).

use super::classic::{ClassicGroup, CommittedOffset, GroupConfig, GroupState, Member};
use crate::kafka::record::{Payload, Record, RecordId};
use crate::kafka::types::{NodeId, TopicPartition};
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// One member in a group record.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct MemberValue {
    pub member_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client: NodeId,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    pub protocols: Vec<String>,
    pub subscription: Vec<String>,
    pub assignment: Vec<String>,
}

/// A group record's value (`GroupMetadataValue`).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct GroupValue {
    pub generation: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<String>,
    pub members: Vec<MemberValue>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum CoordinatorRecord {
    OffsetCommit {
        group: String,
        partition: TopicPartition,
        offset: CommittedOffset,
    },
    Group {
        group: String,
        value: Option<GroupValue>,
    },
    /// A committed offset's tombstone (`OffsetDelete`, `DeleteGroups`).
    OffsetDelete {
        group: String,
        partition: TopicPartition,
    },
}

impl CoordinatorRecord {
    pub fn key(&self) -> String {
        match self {
            CoordinatorRecord::OffsetCommit {
                group, partition, ..
            }
            | CoordinatorRecord::OffsetDelete { group, partition } => {
                format!("offset:{group}:{partition}")
            }
            CoordinatorRecord::Group { group, .. } => format!("group:{group}"),
        }
    }

    pub fn value(&self) -> Option<String> {
        match self {
            CoordinatorRecord::OffsetCommit { offset, .. } => Some(format!(
                "{},{},{}",
                offset.offset, offset.leader_epoch, offset.commit_time_ms
            )),
            CoordinatorRecord::OffsetDelete { .. } => None,
            CoordinatorRecord::Group { value, .. } => value
                .as_ref()
                .map(|v| serde_json::to_string(v).expect("group values serialize")),
        }
    }

    /// The record to append; coordinator records carry producer number 0.
    pub fn to_record(&self, serial: u32, now_ms: i64) -> Record {
        Record {
            id: RecordId {
                producer: 0,
                serial,
            },
            offset_delta: 0,
            timestamp_ms: now_ms,
            key: Some(Payload::text(&self.key())),
            value: self.value().map(|v| Payload::text(&v)),
            headers: Vec::new(),
        }
    }

    /// Read a record back; `None` for anything the coordinator did not write.
    pub fn parse(record: &Record) -> Option<CoordinatorRecord> {
        let key = record.key.as_ref()?.to_string();
        let value = record.value.as_ref().map(|v| v.to_string());
        if let Some(rest) = key.strip_prefix("offset:") {
            let (group, tp) = rest.rsplit_once(':')?;
            let partition = TopicPartition::parse(tp).ok()?;
            let Some(value) = value else {
                let group = group.to_string();
                return Some(CoordinatorRecord::OffsetDelete { group, partition });
            };
            let mut fields = value.split(',');
            let offset = fields.next()?.parse().ok()?;
            let leader_epoch = fields.next()?.parse().ok()?;
            let commit_time_ms = fields.next()?.parse().ok()?;
            return Some(CoordinatorRecord::OffsetCommit {
                group: group.to_string(),
                partition,
                offset: CommittedOffset {
                    offset,
                    leader_epoch,
                    commit_time_ms,
                },
            });
        }
        let group = key.strip_prefix("group:")?.to_string();
        let value = match value {
            None => None,
            Some(v) => Some(serde_json::from_str(&v).ok()?),
        };
        Some(CoordinatorRecord::Group { group, value })
    }
}

/// The record that stores a group's current membership and assignment.
pub fn group_value(group: &ClassicGroup) -> GroupValue {
    GroupValue {
        generation: group.generation,
        protocol: group.protocol_name.clone(),
        leader: group.leader.as_ref().map(|l| l.to_string()),
        members: group
            .members
            .values()
            .map(|m| MemberValue {
                member_id: m.member_id.to_string(),
                group_instance_id: m.group_instance_id.as_ref().map(|i| i.to_string()),
                client_id: m.client_id.to_string(),
                client: m.client,
                session_timeout_ms: m.session_timeout_ms,
                rebalance_timeout_ms: m.rebalance_timeout_ms,
                protocols: m.protocols.clone(),
                subscription: m.subscription.clone(),
                assignment: m.assignment.iter().map(|tp| tp.to_string()).collect(),
            })
            .collect(),
    }
}

/// Rebuild a group from its latest record (loading a partition after a failover). Members come
/// back as they were; each must heartbeat within its session timeout or it is removed.
pub fn restore_group(
    group_id: &str,
    value: &GroupValue,
    config: GroupConfig,
    coordinator: crate::kafka::BrokerId,
) -> ClassicGroup {
    let mut group = ClassicGroup::new(group_id, config, coordinator);
    group.generation = value.generation;
    group.protocol_name = value.protocol.clone();
    group.leader = value.leader.as_deref().map(Rc::from);
    for m in &value.members {
        let id: Rc<str> = Rc::from(m.member_id.as_str());
        let instance = m.group_instance_id.as_deref().map(Rc::from);
        if let Some(i) = &instance {
            group.static_members.insert(Rc::clone(i), id.clone());
        }
        group.members.insert(
            id.clone(),
            Member {
                member_id: id,
                group_instance_id: instance,
                client_id: Rc::from(m.client_id.as_str()),
                client: m.client,
                session_timeout_ms: m.session_timeout_ms,
                rebalance_timeout_ms: m.rebalance_timeout_ms,
                protocols: m.protocols.clone(),
                subscription: m.subscription.clone(),
                owned_partitions: Vec::new(),
                owned_generation: -1,
                assignment: m
                    .assignment
                    .iter()
                    .filter_map(|tp| TopicPartition::parse(tp).ok())
                    .collect(),
                awaiting_join: None,
                awaiting_sync: None,
                is_new: false,
            },
        );
    }
    group.state = if group.members.is_empty() {
        GroupState::Empty
    } else {
        GroupState::Stable
    };
    group.previous_state = group.state;
    group
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let commit = CoordinatorRecord::OffsetCommit {
            group: "g:1".into(),
            partition: TopicPartition::new("orders", 2),
            offset: CommittedOffset {
                offset: 42,
                leader_epoch: 3,
                commit_time_ms: 1500,
            },
        };
        let record = commit.to_record(7, 1500);
        assert_eq!(
            record.key.as_ref().unwrap().to_string(),
            "offset:g:1:orders-2"
        );
        assert_eq!(CoordinatorRecord::parse(&record), Some(commit));
        let group = CoordinatorRecord::Group {
            group: "g1".into(),
            value: Some(GroupValue {
                generation: 2,
                protocol: Some("range".into()),
                leader: Some("m1".into()),
                members: vec![MemberValue {
                    member_id: "m1".into(),
                    group_instance_id: None,
                    client_id: "consumer-g1-1".into(),
                    client: NodeId::Consumer(1),
                    session_timeout_ms: 45000,
                    rebalance_timeout_ms: 300000,
                    protocols: vec!["range".into()],
                    subscription: vec!["orders".into()],
                    assignment: vec!["orders-0".into()],
                }],
            }),
        };
        assert_eq!(
            CoordinatorRecord::parse(&group.to_record(8, 0)),
            Some(group)
        );
        let tombstone = CoordinatorRecord::Group {
            group: "g1".into(),
            value: None,
        };
        assert_eq!(
            CoordinatorRecord::parse(&tombstone.to_record(9, 0)),
            Some(tombstone)
        );
    }

    #[test]
    fn foreign_records_are_ignored() {
        let record = Record {
            id: RecordId {
                producer: 1,
                serial: 0,
            },
            offset_delta: 0,
            timestamp_ms: 0,
            key: Some(Payload::text("alice")),
            value: Some(Payload::text("x")),
            headers: Vec::new(),
        };
        assert_eq!(CoordinatorRecord::parse(&record), None);
    }
}
