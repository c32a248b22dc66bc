//! Known-answer vectors BP1-BP7 (Kafka's `BuiltInPartitionerTest`) and the
//! switch rules of `RecordAccumulator.append`.

use kafka_classroom::kafka::producer::builtin_partitioner::{
    cumulative_frequency_table, BuiltInPartitioner, PartitionQueue, QueueSizes,
};
use kafka_classroom::kafka::producer::topic_partitions::TopicPartitions;
use serde_json::Value;

fn vector(id: &str) -> Value {
    let all: Vec<Value> =
        serde_json::from_str(include_str!("data/builtin_partitioner_vectors.json")).unwrap();
    all.into_iter().find(|vector| vector["id"] == id).unwrap()
}

fn ints(value: &Value) -> Vec<i32> {
    let array = value.as_array().unwrap();
    array
        .iter()
        .map(|number| i32::try_from(number.as_i64().unwrap()).unwrap())
        .collect()
}

fn int(value: &Value) -> i32 {
    i32::try_from(value.as_i64().unwrap()).unwrap()
}

/// Kafka's `SequentialPartitioner`: the "random" numbers are 0, 1, 2, ...
fn sequential() -> impl FnMut() -> u32 {
    let mut next = 0;
    move || {
        next += 1;
        next - 1
    }
}

/// Topic with partitions `ids` of which `leaderless` have no leader.
fn topic(ids: &[i32], leaderless: &[i32]) -> TopicPartitions {
    let available = ids
        .iter()
        .copied()
        .filter(|id| !leaderless.contains(id))
        .collect();
    TopicPartitions::new(i32::try_from(ids.len()).unwrap(), available).unwrap()
}

/// One null-key record appended with every batch full (Kafka's test helper
/// `updatePartitionInfo(info, bytes, cluster)` enables the switch).
fn append_one(
    partitioner: &mut BuiltInPartitioner,
    topic: &TopicPartitions,
    bytes: i32,
    random: &mut impl FnMut() -> u32,
) -> i32 {
    let partition = partitioner.peek_current_partition(topic, random);
    partitioner.after_append(partition, bytes, true, topic, random);
    partition
}

#[test]
fn bp1_switches_after_sticky_batch_size_bytes() {
    let v = vector("BP1");
    let topic = topic(&ints(&v["topicPartitions"]), &[]);
    let mut partitioner = BuiltInPartitioner::new(int(&v["stickyBatchSize"])).unwrap();
    let mut random = sequential();
    let bytes = int(&v["appendBytesEach"]);
    let first = append_one(&mut partitioner, &topic, bytes, &mut random);
    assert_eq!(
        append_one(&mut partitioner, &topic, bytes, &mut random),
        first
    );
    assert_eq!(
        append_one(&mut partitioner, &topic, bytes, &mut random),
        first
    );
    assert_ne!(
        partitioner.peek_current_partition(&topic, &mut random),
        first
    );
}

#[test]
fn bp2_single_partition_reselects_itself_on_every_switch() {
    let v = vector("BP2");
    let topic = topic(&ints(&v["topicPartitions"]), &[]);
    let mut partitioner = BuiltInPartitioner::new(int(&v["stickyBatchSize"])).unwrap();
    let mut random = sequential();
    for _ in 0..int(&v["appends"]) {
        let partition = partitioner.peek_current_partition(&topic, &mut random);
        assert_eq!(partition, 0);
        assert!(partitioner.after_append(partition, 1, true, &topic, &mut random));
    }
}

#[test]
fn bp3_leaderless_partition_is_never_chosen() {
    let v = vector("BP3");
    let topic = topic(
        &ints(&v["topicA"]["partitions"]),
        &ints(&v["topicA"]["leaderless"]),
    );
    let mut partitioner = BuiltInPartitioner::new(int(&v["stickyBatchSize"])).unwrap();
    // Kafka's test uses real randomness; a fixed LCG stands in for it here.
    let mut state: u32 = 12345;
    let mut random = move || {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        state
    };
    let first = append_one(&mut partitioner, &topic, 1, &mut random);
    let mut found_another = false;
    for _ in 0..int(&v["appends"]) {
        let partition = append_one(&mut partitioner, &topic, 1, &mut random);
        assert_ne!(partition, 1);
        found_another |= partition != first;
    }
    assert_ne!(first, 1);
    assert!(found_another, "expected a partition other than {first}");
}

#[test]
fn bp4_only_available_partition_is_always_chosen() {
    let v = vector("BP4");
    let topic = topic(
        &ints(&v["topicB"]["partitions"]),
        &ints(&v["topicB"]["leaderless"]),
    );
    let mut partitioner = BuiltInPartitioner::new(1).unwrap();
    let mut random = sequential();
    for _ in 0..101 {
        assert_eq!(append_one(&mut partitioner, &topic, 1, &mut random), 1);
    }
}

#[test]
fn bp5_no_available_partition_falls_back_to_all_partitions() {
    let v = vector("BP5");
    let topic = topic(
        &ints(&v["topicC"]["partitions"]),
        &ints(&v["topicC"]["leaderless"]),
    );
    let mut partitioner = BuiltInPartitioner::new(1).unwrap();
    let mut random = sequential();
    assert_eq!(append_one(&mut partitioner, &topic, 1, &mut random), 0);
    assert_eq!(partitioner.peek_current_partition(&topic, &mut random), 0);
}

#[test]
fn bp6_adaptive_weights_follow_inverted_queue_sizes() {
    let v = vector("BP6");
    let queue_sizes = ints(&v["queueSizes"]);
    let queues: Vec<PartitionQueue> = (0..)
        .zip(&queue_sizes)
        .map(|(partition, &queue_size)| PartitionQueue {
            partition,
            queue_size,
        })
        .collect();
    let count = i32::try_from(queues.len()).unwrap();
    let sizes = QueueSizes {
        available: &queues,
        queue_count: count,
    };
    let max_plus_1 = queue_sizes.iter().max().unwrap() + 1;
    let weights: Vec<i32> = queue_sizes.iter().map(|size| max_plus_1 - size).collect();
    assert_eq!(weights, ints(&v["weights"]));
    let table = cumulative_frequency_table(sizes).unwrap();
    assert_eq!(table, ints(&v["cumulativeFrequencyTable"]));

    let topic = TopicPartitions::all_available(count).unwrap();
    let mut partitioner = BuiltInPartitioner::new(1).unwrap();
    partitioner.update_partition_load_stats(Some(sizes));
    let range_end = partitioner.load_stats_range_end().unwrap();
    assert_eq!(range_end, *table.last().unwrap());
    let mut random = sequential();
    let mut picks = vec![0; queues.len()];
    // Two cycles through the whole range: random numbers 0..=41.
    for _ in 0..range_end * 2 {
        let partition = append_one(&mut partitioner, &topic, 1, &mut random);
        picks[usize::try_from(partition).unwrap()] += 1;
    }
    assert_eq!(picks, ints(&v["expectedPickCounts"]));
}

#[test]
fn bp7_sticky_batch_size_zero_is_illegal_argument() {
    let v = vector("BP7");
    let error = BuiltInPartitioner::new(int(&v["stickyBatchSize"])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "IllegalArgumentException: stickyBatchSize must be >= 1 but got 0"
    );
    assert!(BuiltInPartitioner::new(1).is_ok());
}

#[test]
fn switch_is_postponed_while_last_batch_is_not_full() {
    let topic = TopicPartitions::all_available(3).unwrap();
    let mut partitioner = BuiltInPartitioner::new(100).unwrap();
    let mut random = sequential();
    let sticky = partitioner.peek_current_partition(&topic, &mut random);
    assert!(!partitioner.after_append(sticky, 120, false, &topic, &mut random));
    assert_eq!(
        partitioner
            .sticky_partition_info()
            .unwrap()
            .produced_bytes(),
        120
    );
    // Before the next append the accumulator sees the batch is now full.
    assert!(!partitioner.maybe_complete_postponed_switch(false, &topic, &mut random));
    assert!(partitioner.maybe_complete_postponed_switch(true, &topic, &mut random));
    assert_ne!(
        partitioner.peek_current_partition(&topic, &mut random),
        sticky
    );
    assert_eq!(
        partitioner
            .sticky_partition_info()
            .unwrap()
            .produced_bytes(),
        0
    );
}

#[test]
fn switch_is_forced_at_twice_batch_size_even_with_open_batch() {
    let topic = TopicPartitions::all_available(3).unwrap();
    let mut partitioner = BuiltInPartitioner::new(100).unwrap();
    let mut random = sequential();
    let sticky = partitioner.peek_current_partition(&topic, &mut random);
    assert!(!partitioner.after_append(sticky, 199, false, &topic, &mut random));
    assert!(partitioner.after_append(sticky, 1, false, &topic, &mut random));
}

#[test]
fn new_sticky_partition_may_equal_the_old_one() {
    // Random 0 then 3 on a 3-partition topic both pick partition 0: no exclusion.
    let topic = TopicPartitions::all_available(3).unwrap();
    let mut partitioner = BuiltInPartitioner::new(1).unwrap();
    let mut numbers = [0_u32, 3].into_iter();
    let mut random = move || numbers.next().unwrap();
    let first = partitioner.peek_current_partition(&topic, &mut random);
    assert!(partitioner.after_append(first, 1, true, &topic, &mut random));
    assert_eq!(
        partitioner.peek_current_partition(&topic, &mut random),
        first
    );
}

#[test]
fn random_with_sign_bit_goes_through_to_positive() {
    // 0xFFFF_FFFF is Java's -1; toPositive gives 2147483647, which is 1 mod 3.
    let topic = TopicPartitions::all_available(3).unwrap();
    let mut partitioner = BuiltInPartitioner::new(1).unwrap();
    assert_eq!(
        partitioner.peek_current_partition(&topic, &mut || u32::MAX),
        1
    );
}

#[test]
fn equal_queues_of_all_partitions_keep_the_uniform_rule() {
    let queues = [0, 1, 2].map(|partition| PartitionQueue {
        partition,
        queue_size: 2,
    });
    let sizes = QueueSizes {
        available: &queues,
        queue_count: 3,
    };
    assert_eq!(cumulative_frequency_table(sizes), None);
}

#[test]
fn equal_queues_with_a_leaderless_partition_still_use_adaptive_weights() {
    let queues = [0, 2].map(|partition| PartitionQueue {
        partition,
        queue_size: 2,
    });
    let sizes = QueueSizes {
        available: &queues,
        queue_count: 3,
    };
    assert_eq!(cumulative_frequency_table(sizes), Some(vec![1, 2]));
}

#[test]
fn single_partition_topic_has_no_load_stats() {
    let queues = [PartitionQueue {
        partition: 0,
        queue_size: 4,
    }];
    let sizes = QueueSizes {
        available: &queues,
        queue_count: 1,
    };
    assert_eq!(cumulative_frequency_table(sizes), None);
    let mut partitioner = BuiltInPartitioner::new(1).unwrap();
    partitioner.update_partition_load_stats(Some(sizes));
    assert_eq!(partitioner.load_stats_range_end(), None);
}

#[test]
fn topic_partitions_reject_out_of_range_and_repeated_ids() {
    assert!(TopicPartitions::new(0, vec![]).is_err());
    assert!(TopicPartitions::new(2, vec![2]).is_err());
    assert!(TopicPartitions::new(2, vec![1, 1]).is_err());
}
