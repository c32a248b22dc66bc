//! Kafka's built-in "uniform sticky" partitioner for records without a key
//! (KIP-794, Kafka 3.3+, `clients/.../producer/internals/BuiltInPartitioner.java`).
//!
//! One `BuiltInPartitioner` exists per topic. It keeps a *sticky partition* and
//! counts the bytes appended to it; once about `batch.size` bytes went there it
//! picks the next sticky partition, uniformly among partitions with a leader,
//! or weighted against long batch queues when adaptive partitioning has load
//! statistics. The record accumulator drives it in this order (Kafka's
//! `RecordAccumulator.append`):
//!
//! 1. [`BuiltInPartitioner::peek_current_partition`] to learn where to append;
//! 2. [`BuiltInPartitioner::maybe_complete_postponed_switch`] before appending,
//!    in case an earlier switch was postponed because the last batch was not full
//!    (if it returns `true`, peek again);
//! 3. append the record, then [`BuiltInPartitioner::after_append`].
//!
//! Randomness is injected: `random` returns a `u32`, interpreted like Java's
//! `nextInt()` and passed through `Utils.toPositive`, so the test trick of
//! Kafka's `SequentialPartitioner` (0, 1, 2, ...) works unchanged.

use super::topic_partitions::{to_positive, PartitionerError, TopicPartitions};

/// The current sticky partition and the bytes appended to it
/// (Kafka's `BuiltInPartitioner.StickyPartitionInfo`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct StickyPartitionInfo {
    partition: i32,
    produced_bytes: i32,
}

impl StickyPartitionInfo {
    /// The partition null-key records currently go to.
    pub fn partition(&self) -> i32 {
        self.partition
    }

    /// Bytes appended to this partition since it became sticky.
    pub fn produced_bytes(&self) -> i32 {
        self.produced_bytes
    }
}

/// Batch queue length of one partition, as seen by the accumulator's `ready` pass.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct PartitionQueue {
    /// The partition id.
    pub partition: i32,
    /// Number of batches waiting in that partition's queue.
    pub queue_size: i32,
}

/// What one `RecordAccumulator.partitionReady` pass collected for a topic.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct QueueSizes<'a> {
    /// Partitions that have a leader and were not excluded by
    /// `partitioner.availability.timeout.ms`, in the accumulator's order.
    pub available: &'a [PartitionQueue],
    /// Kafka's `queueSizes.length`: how many partitions have a batch queue,
    /// counting leaderless and excluded ones. Must be `>= available.len()`.
    pub queue_count: i32,
}

/// Adaptive partitioning statistics (Kafka's `PartitionLoadStats`).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
struct PartitionLoadStats {
    // Invariant: both vectors have the same non-zero length and the table is
    // strictly increasing (every weight is at least 1).
    cumulative_frequency_table: Vec<i32>,
    partition_ids: Vec<i32>,
}

/// The per-topic state of Kafka's built-in partitioner.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct BuiltInPartitioner {
    // Invariant: sticky_batch_size >= 1 (Kafka's batch.size for this producer).
    sticky_batch_size: i32,
    sticky: Option<StickyPartitionInfo>,
    partition_load_stats: Option<PartitionLoadStats>,
}

impl BuiltInPartitioner {
    /// Kafka's constructor: `stickyBatchSize` is the producer's `batch.size`.
    pub fn new(sticky_batch_size: i32) -> Result<BuiltInPartitioner, PartitionerError> {
        if sticky_batch_size < 1 {
            return Err(PartitionerError::IllegalArgument(format!(
                "stickyBatchSize must be >= 1 but got {sticky_batch_size}"
            )));
        }
        Ok(BuiltInPartitioner {
            sticky_batch_size,
            sticky: None,
            partition_load_stats: None,
        })
    }

    /// The sticky partition, if one was chosen already.
    pub fn sticky_partition_info(&self) -> Option<StickyPartitionInfo> {
        self.sticky
    }

    /// Kafka's `loadStatsRangeEnd`: the sum of all adaptive weights, or `None`
    /// when the uniform rule is in force.
    pub fn load_stats_range_end(&self) -> Option<i32> {
        let stats = self.partition_load_stats.as_ref()?;
        stats.cumulative_frequency_table.last().copied()
    }

    /// The adaptive weight of each partition as `(partition, weight)`, or `None` while every
    /// partition is equally likely. A partition whose queue is longer gets a smaller weight.
    pub fn load_weights(&self) -> Option<Vec<(i32, i32)>> {
        let stats = self.partition_load_stats.as_ref()?;
        let mut previous = 0;
        Some(
            stats
                .partition_ids
                .iter()
                .zip(&stats.cumulative_frequency_table)
                .map(|(p, cumulative)| {
                    let weight = cumulative - previous;
                    previous = *cumulative;
                    (*p, weight)
                })
                .collect(),
        )
    }

    /// Kafka's `peekCurrentPartitionInfo`: the sticky partition, choosing the
    /// first one on the first call.
    pub fn peek_current_partition<R: FnMut() -> u32>(
        &mut self,
        topic: &TopicPartitions,
        random: &mut R,
    ) -> i32 {
        match self.sticky {
            Some(sticky) => sticky.partition,
            None => self.switch_partition(topic, random),
        }
    }

    /// Kafka's `updatePartitionInfo` after an append of `appended_bytes` to the
    /// sticky `partition`. `all_batches_full` is Kafka's `allBatchesFull(deque)`:
    /// the partition's queue is empty or its last batch is full. Returns whether
    /// the sticky partition switched.
    ///
    /// Panics if `partition` is not the sticky partition: only records that the
    /// accumulator placed with this partitioner may be reported here.
    pub fn after_append<R: FnMut() -> u32>(
        &mut self,
        partition: i32,
        appended_bytes: i32,
        all_batches_full: bool,
        topic: &TopicPartitions,
        random: &mut R,
    ) -> bool {
        let sticky = self
            .sticky
            .as_mut()
            .filter(|sticky| sticky.partition == partition)
            .expect(
                "after_append is only called for the partition peek_current_partition returned",
            );
        // Java's AtomicInteger.addAndGet wraps; so does this.
        sticky.produced_bytes = sticky.produced_bytes.wrapping_add(appended_bytes);
        let produced_bytes = sticky.produced_bytes;
        // Switching only when the last batch is full avoids leaving a small,
        // half-filled batch behind with a long linger.ms; the 2x cap bounds how
        // long a switch can be postponed. `stickyBatchSize * 2` is Java int
        // arithmetic, so it wraps for batch.size above 2^30, as in Kafka.
        let enough = produced_bytes >= self.sticky_batch_size && all_batches_full;
        if enough || produced_bytes >= self.sticky_batch_size.wrapping_mul(2) {
            self.switch_partition(topic, random);
            return true;
        }
        false
    }

    /// Kafka's `RecordAccumulator.partitionChanged` second half: before an
    /// append, if every batch of the sticky partition is now full, complete a
    /// switch that an earlier append postponed. Returns whether it switched, in
    /// which case the caller peeks again and appends elsewhere.
    pub fn maybe_complete_postponed_switch<R: FnMut() -> u32>(
        &mut self,
        all_batches_full: bool,
        topic: &TopicPartitions,
        random: &mut R,
    ) -> bool {
        match self.sticky {
            Some(sticky) if all_batches_full => {
                self.after_append(sticky.partition, 0, true, topic, random)
            }
            _ => false,
        }
    }

    /// Kafka's `updatePartitionLoadStats`. `None` means no statistics (adaptive
    /// partitioning disabled, or not every partition has a batch queue yet), so
    /// the uniform rule applies.
    ///
    /// Panics if `queue_count` is smaller than the number of available queues.
    pub fn update_partition_load_stats(&mut self, queue_sizes: Option<QueueSizes<'_>>) {
        self.partition_load_stats = queue_sizes.and_then(build_load_stats);
    }

    /// Kafka's `nextPartition`, made the new sticky partition with zero bytes.
    fn switch_partition<R: FnMut() -> u32>(
        &mut self,
        topic: &TopicPartitions,
        random: &mut R,
    ) -> i32 {
        // Java's ThreadLocalRandom.nextInt() reinterpreted from the injected u32.
        let random = to_positive(random() as i32);
        let partition = match &self.partition_load_stats {
            None => topic.pick_available_or_any(random),
            Some(stats) => stats.weighted_pick(random),
        };
        self.sticky = Some(StickyPartitionInfo {
            partition,
            produced_bytes: 0,
        });
        partition
    }
}

/// Kafka's cumulative-frequency construction, or `None` where Kafka falls back
/// to the uniform rule.
fn build_load_stats(queue_sizes: QueueSizes<'_>) -> Option<PartitionLoadStats> {
    let available = queue_sizes.available;
    let length = i32::try_from(available.len()).expect("fewer queues than i32::MAX");
    assert!(
        length <= queue_sizes.queue_count,
        "queue_count counts every queue, including the {length} available ones"
    );
    // Fewer than 2 partitions in the topic: nothing to balance. If some were
    // excluded for latency, one remaining partition still goes through the
    // adaptive logic, as in Kafka.
    if length < 1 || queue_sizes.queue_count < 2 {
        return None;
    }
    let first = available[0].queue_size;
    let all_equal = available.iter().all(|queue| queue.queue_size == first);
    let max_size_plus_1 = available.iter().map(|queue| queue.queue_size).max()? + 1;
    if all_equal && length == queue_sizes.queue_count {
        return None;
    }
    // Invert each queue size into a weight (shorter queue, higher weight) and
    // fold the weights into a running sum: a uniform random number in
    // [0, total) then lands in partition i with probability weight_i / total.
    let mut running_sum = 0;
    let cumulative_frequency_table = available
        .iter()
        .map(|queue| {
            running_sum += max_size_plus_1 - queue.queue_size;
            running_sum
        })
        .collect();
    Some(PartitionLoadStats {
        cumulative_frequency_table,
        partition_ids: available.iter().map(|queue| queue.partition).collect(),
    })
}

impl PartitionLoadStats {
    /// Kafka picks the first table entry strictly greater than
    /// `random % total`. Java's `Arrays.binarySearch` plus `abs(result + 1)`
    /// computes exactly that index because the table is strictly increasing;
    /// `partition_point` is the same binary search.
    fn weighted_pick(&self, random: i32) -> i32 {
        let total = *self
            .cumulative_frequency_table
            .last()
            .expect("load stats are never built empty");
        let weighted_random = random % total;
        let partition_index = self
            .cumulative_frequency_table
            .partition_point(|&value| value <= weighted_random);
        self.partition_ids[partition_index]
    }
}

/// Exposed for tests and narration: the table Kafka would build for these queues.
pub fn cumulative_frequency_table(queue_sizes: QueueSizes<'_>) -> Option<Vec<i32>> {
    build_load_stats(queue_sizes).map(|stats| stats.cumulative_frequency_table)
}
