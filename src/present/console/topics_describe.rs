//! `kafka-topics.sh --describe`: Kafka: `TopicCommand.TopicService.describeTopic`, its
//! partition filters and its two line formats, answered from the active controller's image.

use super::opts::Parsed;
use super::topics::{ensure_topic_exists, get_topics, REPORTS};
use super::Printer;
use crate::kafka::metadata::{MetadataImage, PartitionRegistration, TopicImage};
use crate::kafka::Cluster;
use std::collections::BTreeMap;

/// Kafka: `TopicService.describeTopic` with `DescribeOptions`: each topic's line (unless only
/// partitions are asked for), then its partitions that pass the filters.
pub(super) fn describe(
    cluster: &Cluster,
    image: &MetadataImage,
    o: &Parsed,
    p: &mut Printer,
) -> Result<(), String> {
    if o.has("topic-id") && !o.has("topic") {
        return Err("describing by --topic-id is not simulated yet: use --topic".to_string());
    }
    let topics = get_topics(image, o);
    ensure_topic_exists(&topics, o)?;
    let live: Vec<u32> = image
        .brokers
        .values()
        .filter(|b| !b.fenced)
        .map(|b| b.id.0)
        .collect();
    let describe_configs = !REPORTS.iter().any(|r| o.has(r));
    for name in &topics {
        let topic = &image.topics[name];
        let overrides = topic.config.explicit_entries();
        if describe_configs && (!o.has("topics-with-overrides") || !overrides.is_empty()) {
            p.out(topic_line(topic, &overrides));
        }
        if o.has("topics-with-overrides") {
            continue;
        }
        let min_isr = i64::from(min_insync_replicas(cluster, topic));
        for (index, r) in topic.partitions.iter().enumerate() {
            let shown = describe_configs
                || (o.has("under-replicated-partitions") && r.is_under_replicated())
                || (o.has("unavailable-partitions")
                    && r.leader.is_none_or(|l| !live.contains(&l.0)))
                || (o.has("under-min-isr-partitions")
                    && (r.leader.is_none() || (r.isr.len() as i64) < min_isr))
                || (o.has("at-min-isr-partitions") && r.isr.len() as i64 == min_isr);
            if shown {
                p.out(partition_line(name, index as u32, r));
            }
        }
    }
    Ok(())
}

/// The topic's `min.insync.replicas`: its own, else the brokers' (dynamic default included).
fn min_insync_replicas(cluster: &Cluster, topic: &TopicImage) -> u32 {
    let defaults = crate::kafka::config::BrokerConfig::defaults();
    let broker = cluster
        .brokers
        .values()
        .next()
        .map_or(&defaults, |b| &b.config);
    cluster
        .active_controller()
        .and_then(|c| c.image.log_config(&topic.name, broker, None))
        .map_or(1, |c| c.min_insync_replicas)
}

/// Kafka: `TopicCommand.TopicDescription.printDescription`.
fn topic_line(topic: &TopicImage, overrides: &BTreeMap<String, String>) -> String {
    let configs: Vec<String> = overrides.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let rf = topic.partitions.first().map_or(0, |r| r.replicas.len());
    format!(
        "Topic: {}\tTopicId: {}\tPartitionCount: {}\tReplicationFactor: {rf}\tConfigs: {}",
        topic.name,
        topic_id(&topic.name),
        topic.partitions.len(),
        configs.join(",")
    )
}

/// Kafka: `TopicCommand.PartitionDescription.printDescription`. ELR is off in 4.0, so the
/// DescribeTopicPartitions answer carries empty ELR lists.
fn partition_line(topic: &str, partition: u32, r: &PartitionRegistration) -> String {
    let ids = |v: &[crate::kafka::BrokerId]| {
        v.iter()
            .map(|b| b.0.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let leader = r.leader.map_or("none".to_string(), |l| l.0.to_string());
    format!(
        "\tTopic: {topic}\tPartition: {partition}\tLeader: {leader}\tReplicas: {}\tIsr: {}\tElr: \tLastKnownElr: ",
        ids(&r.replicas),
        ids(&r.isr)
    )
}

/// A topic id in Kafka's form (22 characters of URL-safe base64 of 16 bytes). Kafka draws it at
/// random; the classroom derives it from the name so every run shows the same id.
pub fn topic_id(name: &str) -> String {
    use base64::Engine;
    let mut bytes = [0u8; 16];
    let (mut a, mut b) = (0xcbf2_9ce4_8422_2325u64, 0x8422_2325_cbf2_9ce4u64);
    for c in name.bytes() {
        a = (a ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3);
        b = (b ^ u64::from(c))
            .wrapping_mul(0x0000_0100_0000_01b3)
            .rotate_left(7);
    }
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
