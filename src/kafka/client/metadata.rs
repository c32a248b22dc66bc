//! A client's view of the cluster: which brokers exist and who leads each partition. It is only
//! as fresh as the last Metadata response, which is why clients send to old leaders after a
//! failover and learn the new one from a NOT_LEADER_OR_FOLLOWER error.

use crate::kafka::protocol::{PartitionMetadata, TopicMetadata};
use crate::kafka::types::{BrokerId, Topic, TopicPartition};
use std::borrow::Borrow;
use std::collections::BTreeMap;

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ClientMetadata {
    bootstrap: Vec<BrokerId>,
    pub brokers: Vec<BrokerId>,
    /// Keyed by the interned `Topic`: the producer looks a topic up for every record, and a
    /// lookup by `Topic` compares pointers where one by name compares strings.
    pub topics: BTreeMap<Topic, Vec<PartitionMetadata>>,
    /// Topics this client needs metadata for.
    pub wanted: Vec<String>,
    pub last_refresh_ms: Option<i64>,
    /// The outstanding Metadata request, if any.
    pub request_in_flight: Option<u32>,
    /// Set after an error that suggests the metadata is stale.
    pub needs_update: bool,
    next_node: u32,
}

impl ClientMetadata {
    pub fn new(bootstrap: Vec<BrokerId>) -> ClientMetadata {
        ClientMetadata {
            brokers: bootstrap.clone(),
            bootstrap,
            topics: BTreeMap::new(),
            wanted: Vec::new(),
            last_refresh_ms: None,
            request_in_flight: None,
            needs_update: true,
            next_node: 0,
        }
    }

    pub fn want(&mut self, topic: &str) {
        if !self.wanted.iter().any(|t| t == topic) {
            self.wanted.push(topic.to_string());
            self.needs_update = true;
        }
    }

    /// The broker to ask next for metadata: rotate through known brokers, then bootstrap ones,
    /// so a dead broker is skipped on the next attempt.
    pub fn next_metadata_node(&mut self) -> Option<BrokerId> {
        let mut candidates = self.brokers.clone();
        for b in &self.bootstrap {
            if !candidates.contains(b) {
                candidates.push(*b);
            }
        }
        if candidates.is_empty() {
            return None;
        }
        let node = candidates[self.next_node as usize % candidates.len()];
        self.next_node = self.next_node.wrapping_add(1);
        Some(node)
    }

    /// Apply a Metadata response. Returns the leaders that changed.
    pub fn update(
        &mut self,
        brokers: Vec<BrokerId>,
        topics: Vec<TopicMetadata>,
        now_ms: i64,
    ) -> Vec<(TopicPartition, Option<BrokerId>, i32)> {
        let mut changed = Vec::new();
        if !brokers.is_empty() {
            self.brokers = brokers;
        }
        for topic in topics {
            if topic.error.is_error() {
                continue;
            }
            let old = self.topics.get(topic.name.as_str());
            for p in &topic.partitions {
                let before = old
                    .and_then(|ps| ps.get(p.partition as usize))
                    .map(|o| (o.leader, o.leader_epoch));
                if before != Some((p.leader, p.leader_epoch)) {
                    changed.push((
                        TopicPartition::new(topic.name.clone(), p.partition),
                        p.leader,
                        p.leader_epoch,
                    ));
                }
            }
            self.topics
                .insert(Topic::new(&topic.name), topic.partitions);
        }
        self.last_refresh_ms = Some(now_ms);
        self.needs_update = false;
        self.request_in_flight = None;
        changed
    }

    pub fn partition(&self, tp: &TopicPartition) -> Option<&PartitionMetadata> {
        self.topics
            .get(&tp.topic)?
            .get(usize::try_from(tp.partition).ok()?)
    }

    pub fn leader(&self, tp: &TopicPartition) -> Option<BrokerId> {
        self.partition(tp).and_then(|p| p.leader)
    }

    pub fn leader_epoch(&self, tp: &TopicPartition) -> Option<i32> {
        self.partition(tp).map(|p| p.leader_epoch)
    }

    /// By `&Topic` (fast) or by name (`&str`).
    pub fn partition_count<Q: Ord + ?Sized>(&self, topic: &Q) -> Option<i32>
    where
        Topic: Borrow<Q>,
    {
        self.topics.get(topic).map(|p| p.len() as i32)
    }

    /// Partitions with a known leader (`Cluster.availablePartitionsForTopic`).
    pub fn available_partitions<Q: Ord + ?Sized>(&self, topic: &Q) -> Vec<i32>
    where
        Topic: Borrow<Q>,
    {
        self.topics
            .get(topic)
            .map(|ps| {
                ps.iter()
                    .filter(|p| p.leader.is_some())
                    .map(|p| p.partition)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Forget the leader of a partition after NOT_LEADER_OR_FOLLOWER, and ask for fresh metadata.
    pub fn invalidate(&mut self, tp: &TopicPartition) {
        if let Some(p) = self
            .topics
            .get_mut(tp.topic.as_str())
            .and_then(|ps| ps.get_mut(tp.partition as usize))
        {
            p.leader = None;
        }
        self.needs_update = true;
    }

    pub fn is_stale(&self, now_ms: i64, max_age_ms: u64) -> bool {
        self.needs_update
            || self
                .last_refresh_ms
                .is_none_or(|t| now_ms - t >= max_age_ms as i64)
    }
}
