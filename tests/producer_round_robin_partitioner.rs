//! Kafka's `RoundRobinPartitionerTest`, the KAFKA-17632 fix, and `Utils.toPositive`.

use std::collections::BTreeMap;

use kafka_classroom::kafka::producer::round_robin_partitioner::{
    to_positive, RoundRobinPartitioner,
};
use kafka_classroom::kafka::producer::topic_partitions::TopicPartitions;

fn counts(partitions: impl IntoIterator<Item = i32>) -> BTreeMap<i32, i32> {
    let mut counts = BTreeMap::new();
    for partition in partitions {
        *counts.entry(partition).or_insert(0) += 1;
    }
    counts
}

#[test]
fn thirty_sends_to_three_partitions_give_ten_each() {
    let topic_a = TopicPartitions::all_available(3).unwrap();
    let mut partitioner = RoundRobinPartitioner::new();
    let chosen = (0..30).map(|_| partitioner.partition("topicA", &topic_a));
    assert_eq!(counts(chosen), BTreeMap::from([(0, 10), (1, 10), (2, 10)]));
}

#[test]
fn a_second_topic_does_not_disturb_the_first_topics_counter() {
    let topic_a = TopicPartitions::all_available(3).unwrap();
    let topic_b = TopicPartitions::all_available(1).unwrap();
    let mut partitioner = RoundRobinPartitioner::new();
    let mut chosen = Vec::new();
    for i in 0..30 {
        chosen.push(partitioner.partition("topicA", &topic_a));
        if i % 5 == 0 {
            assert_eq!(partitioner.partition("topicB", &topic_b), 0);
        }
    }
    assert_eq!(counts(chosen), BTreeMap::from([(0, 10), (1, 10), (2, 10)]));
    assert_eq!(partitioner.counter("topicB"), 6);
}

#[test]
fn leaderless_partition_is_skipped_and_the_rest_share_evenly() {
    // Metadata order [1 (no leader), 2, 0], as in Kafka's test.
    let topic = TopicPartitions::new(3, vec![2, 0]).unwrap();
    let mut partitioner = RoundRobinPartitioner::new();
    let chosen = (0..100).map(|_| partitioner.partition("test", &topic));
    assert_eq!(counts(chosen), BTreeMap::from([(0, 50), (2, 50)]));
}

#[test]
fn no_available_partition_falls_back_to_counter_modulo_all() {
    let topic = TopicPartitions::new(3, vec![]).unwrap();
    let mut partitioner = RoundRobinPartitioner::new();
    let chosen: Vec<i32> = (0..4).map(|_| partitioner.partition("t", &topic)).collect();
    assert_eq!(chosen, [0, 1, 2, 0]);
}

#[test]
fn counter_advances_once_per_record_when_every_record_needs_a_new_batch() {
    // linger.ms=0 and an even partition count: each record is partitioned,
    // aborted for a new batch, then partitioned again (KafkaProducer.doSend).
    // Before KAFKA-17632 this visited only partitions 0 and 2.
    let topic = TopicPartitions::all_available(4).unwrap();
    let mut partitioner = RoundRobinPartitioner::new();
    let mut chosen = Vec::new();
    for _ in 0..8 {
        let first = partitioner.partition("t", &topic);
        partitioner.on_new_batch("t", first);
        chosen.push(partitioner.partition("t", &topic));
    }
    assert_eq!(chosen, [0, 1, 2, 3, 0, 1, 2, 3]);
    assert_eq!(partitioner.counter("t"), 8);
}

#[test]
fn remembered_partition_of_another_topic_is_dropped() {
    let topic = TopicPartitions::all_available(4).unwrap();
    let mut partitioner = RoundRobinPartitioner::new();
    partitioner.on_new_batch("other", 3);
    assert_eq!(partitioner.partition("t", &topic), 0);
    assert_eq!(partitioner.partition("other", &topic), 0);
}

#[test]
fn to_positive_clears_the_sign_bit_instead_of_negating() {
    assert_eq!(to_positive(-1), 2_147_483_647);
    assert_eq!(to_positive(i32::MIN), 0);
    assert_eq!(to_positive(-973_932_308), 1_173_551_340);
    assert_eq!(to_positive(479_470_107), 479_470_107);
}
