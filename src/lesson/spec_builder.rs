//! From a lesson file's cluster, topics, clients and network to a validated `ClusterSpec`, with
//! every problem reported at its field path.

use super::error::{LessonError, LessonProblem};
use super::format::{ConsumerFile, LessonFile, NetworkFile, TopicFile};
use crate::kafka::config::{self, BrokerConfig, ConsumerConfig, ProducerConfig};
use crate::kafka::spec::{
    ClusterSpec, ConsumerField, ConsumerMode, ConsumerSpec, ProducerSpec, SpecError, SpecPath,
    TopicField, TopicSpec,
};
use crate::kafka::types::TopicPartition;
use crate::sim::{LinkConfig, SimDuration};
use serde_json::Value;
use std::collections::BTreeMap;

/// Largest latency a lesson may give a link, in ms.
const MAX_LATENCY_MS: u64 = 60_000;

/// Most topics a lesson may declare.
pub const MAX_TOPICS: u64 = 16;
/// Most replicas (partitions times replication factor, over every topic): each is a log the
/// engine keeps and a follower that fetches, so this bounds the work of every step.
pub const MAX_REPLICAS: u64 = 1_024;
/// Longest simulated run a lesson may ask for (`run_until_ms`): one simulated hour.
pub const MAX_RUN_MS: u64 = 3_600_000;
/// Most scheduled actions a lesson may list.
pub const MAX_ACTIONS: u64 = 10_000;

/// Refuse lesson sizes that would make the engine's work or memory blow up, naming the field.
fn check_sizes(file: &LessonFile) -> Result<(), LessonError> {
    use crate::kafka::commands::limits::{MAX_CONSUMERS, MAX_PRODUCERS};
    use crate::kafka::spec::{MAX_BROKERS, MAX_PARTITIONS};

    let replicas: u64 = file
        .topics
        .iter()
        .map(|t| {
            // Out-of-range counts are named by their own topic's check, later.
            let partitions = t.partitions.clamp(0, MAX_PARTITIONS).unsigned_abs();
            u64::from(partitions) * u64::from(t.replication_factor.min(MAX_BROKERS))
        })
        .sum();
    let sizes = [
        ("topics", file.topics.len() as u64, MAX_TOPICS),
        (
            "topics (partitions x replication_factor)",
            replicas,
            MAX_REPLICAS,
        ),
        ("producers", file.producers.len() as u64, MAX_PRODUCERS),
        ("consumers", file.consumers.len() as u64, MAX_CONSUMERS),
        ("actions", file.actions.len() as u64, MAX_ACTIONS),
        ("run_until_ms", file.run_until_ms.unwrap_or(0), MAX_RUN_MS),
    ];
    for (field, value, max) in sizes {
        if value > max {
            return Err(LessonError::at(
                field,
                LessonProblem::OutOfRange {
                    value: value.min(i64::MAX as u64) as i64,
                    min: 0,
                    max: max as i64,
                },
            ));
        }
    }
    Ok(())
}

pub(super) fn build_spec(file: &LessonFile) -> Result<ClusterSpec, LessonError> {
    check_sizes(file)?;
    let broker_values = parse_config(config::BROKER_KEYS, &file.cluster.config, "cluster.config")?;
    if !matches!(file.cluster.controllers, 1 | 3 | 5) {
        return Err(LessonError::at(
            "cluster.controllers",
            LessonProblem::ControllerCount(file.cluster.controllers),
        ));
    }
    let topics = file
        .topics
        .iter()
        .enumerate()
        .map(|(i, t)| topic_spec(i, t))
        .collect::<Result<Vec<_>, _>>()?;
    let producers = file
        .producers
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let path = format!("producers[{i}].config");
            Ok(ProducerSpec {
                config: producer_config(&p.config, &path)?,
                send_mode: p.send_mode,
                partitioner: p.partitioner.clone(),
            })
        })
        .collect::<Result<Vec<_>, LessonError>>()?;
    let consumers = file
        .consumers
        .iter()
        .enumerate()
        .map(|(i, c)| consumer_spec(i, c))
        .collect::<Result<Vec<_>, _>>()?;
    let (network, client_link) = links(&file.network)?;
    let spec = ClusterSpec {
        brokers: file.cluster.brokers,
        controllers: file.cluster.controllers,
        broker_config: BrokerConfig {
            values: broker_values,
        },
        topics,
        producers,
        consumers,
        network,
        client_link,
        costs: file.costs.unwrap_or_default(),
    };
    spec.check().map_err(spec_error)?;
    Ok(spec)
}

/// Validate one config map; the first problem is reported at `path.<key>`.
pub(super) fn parse_config(
    keys: &'static [config::ConfigKey],
    supplied: &BTreeMap<String, Value>,
    path: &str,
) -> Result<config::ConfigValues, LessonError> {
    config::def::parse(keys, supplied).map_err(|errors| {
        let first = errors.into_iter().next().expect("errors are never empty");
        LessonError::at(format!("{path}.{}", first.key), first.into())
    })
}

/// A producer's config, with Kafka's cross-field rules applied.
pub(super) fn producer_config(
    supplied: &BTreeMap<String, Value>,
    path: &str,
) -> Result<ProducerConfig, LessonError> {
    let values = parse_config(config::PRODUCER_KEYS, supplied, path)?;
    ProducerConfig::from_values(values).map_err(|e| LessonError::at(path, e.into()))
}

fn topic_spec(i: usize, t: &TopicFile) -> Result<TopicSpec, LessonError> {
    let config = parse_config(
        config::TOPIC_KEYS,
        &t.config,
        &format!("topics[{i}].config"),
    )?;
    let valid_name = !t.name.is_empty()
        && t.name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !valid_name {
        return Err(LessonError::at(
            format!("topics[{i}].name"),
            LessonProblem::TopicName,
        ));
    }
    Ok(TopicSpec {
        name: t.name.clone(),
        partitions: t.partitions,
        replication_factor: t.replication_factor,
        config,
        replica_assignment: t.replica_assignment.clone(),
    })
}

fn consumer_spec(i: usize, c: &ConsumerFile) -> Result<ConsumerSpec, LessonError> {
    let path = format!("consumers[{i}]");
    let values = parse_config(config::CONSUMER_KEYS, &c.config, &format!("{path}.config"))?;
    let config = ConsumerConfig::from_values(values)
        .map_err(|e| LessonError::at(format!("{path}.config.{}", e.key), e.into()))?;
    let partitions = c
        .assign
        .iter()
        .enumerate()
        .map(|(j, s)| {
            TopicPartition::parse(s)
                .map_err(|e| LessonError::at(format!("{path}.assign[{j}]"), e.into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mode = match (partitions.is_empty(), c.subscribe.is_empty()) {
        (false, true) => ConsumerMode::Assign(partitions),
        (true, false) => ConsumerMode::Subscribe(c.subscribe.clone()),
        (false, false) => {
            return Err(LessonError::at(path, LessonProblem::SubscribeAndAssign));
        }
        (true, true) => return Err(LessonError::at(path, LessonProblem::NothingToConsume)),
    };
    Ok(ConsumerSpec {
        config,
        mode,
        app: c.app,
        start_at_ms: c.start_at_ms,
    })
}

fn latency(range: (u64, u64), path: &str) -> Result<(SimDuration, SimDuration), LessonError> {
    let (lo, hi) = range;
    if lo > hi || hi > MAX_LATENCY_MS {
        return Err(LessonError::at(
            path,
            LessonProblem::LatencyRange {
                max_ms: MAX_LATENCY_MS,
            },
        ));
    }
    Ok((SimDuration::from_ms(lo), SimDuration::from_ms(hi)))
}

/// The default link and, when clients are elsewhere, the client-broker link.
fn links(file: &NetworkFile) -> Result<(LinkConfig, Option<LinkConfig>), LessonError> {
    let mut network = LinkConfig::default();
    if let Some(range) = file.latency_ms {
        (network.latency_min, network.latency_max) = latency(range, "network.latency_ms")?;
    }
    if let Some(bw) = file.bandwidth_bytes_per_sec {
        network.bandwidth_bytes_per_sec = bw;
    }
    let client_link = match (file.client_latency_ms, file.client_bandwidth_bytes_per_sec) {
        (None, None) => None,
        (range, bandwidth) => {
            let mut link = network;
            if let Some(range) = range {
                (link.latency_min, link.latency_max) = latency(range, "network.client_latency_ms")?;
            }
            if let Some(bw) = bandwidth {
                link.bandwidth_bytes_per_sec = bw;
            }
            Some(link)
        }
    };
    Ok((network, client_link))
}

/// A spec problem at the path the lesson file uses for it.
fn spec_error(e: SpecError) -> LessonError {
    let path = match e.path {
        SpecPath::Brokers => "cluster.brokers".to_string(),
        SpecPath::Topic { index, field } => {
            let field = match field {
                TopicField::Name => "name".to_string(),
                TopicField::Partitions => "partitions".to_string(),
                TopicField::ReplicationFactor => "replication_factor".to_string(),
                TopicField::ReplicaAssignment(None) => "replica_assignment".to_string(),
                TopicField::ReplicaAssignment(Some(p)) => format!("replica_assignment[{p}]"),
            };
            format!("topics[{index}].{field}")
        }
        SpecPath::Consumer { index, field } => {
            let field = match field {
                ConsumerField::Assign => "assign",
                ConsumerField::Subscribe => "subscribe",
            };
            format!("consumers[{index}].{field}")
        }
    };
    LessonError::at(path, LessonProblem::Spec(e.problem))
}
