//! `send()`: serialize, choose the partition in Kafka's order (`KafkaProducer.partition`:
//! explicit partition, custom partitioner, murmur2 of the key, else the built-in sticky
//! partitioner or `RoundRobinPartitioner`), check `max.request.size`, reserve `buffer.memory`
//! (blocking up to `max.block.ms`), and append to the accumulator.

use super::accumulator::{Accumulator, Appended};
use super::builtin_partitioner::{BuiltInPartitioner, PartitionQueue, QueueSizes};
use super::partitioner::{self, Choice};
use super::topic_partitions::TopicPartitions;
use super::{AppRecord, Producer, ProducerRecord, SendMode};
use crate::kafka::compression::Compression;
use crate::kafka::config::producer::Serializer;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::{Event, FailureDetail, PartitionChoice, SendError};
use crate::kafka::record::{Header, Payload, Record, RecordId, RECORD_BATCH_OVERHEAD};
use crate::kafka::timer::Timer;
use crate::kafka::types::{Topic, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};
use std::rc::Rc;

/// Why a `send()` could not append yet.
enum Blocked {
    Metadata,
    Memory(u64),
}

impl Producer {
    /// The application calls `send()`. Sends are appended in call order: while one waits (for
    /// metadata, memory, or in sync mode for the previous result), later ones wait behind it.
    pub fn send(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        record: ProducerRecord,
        value_bytes: Option<u32>,
    ) -> RecordId {
        let id = RecordId {
            producer: self.id,
            serial: self.next_serial,
        };
        self.next_serial += 1;
        self.stats.records_sent += 1;
        self.waiting.push_back(AppRecord {
            id,
            record,
            value_bytes,
            sent_at: ctx.now,
        });
        self.drain_waiting(ctx);
        // Kafka: `KafkaProducer.doSend` wakes the sender only when the append made a new batch
        // or filled one (`batchIsFull || newBatchCreated`); a record that joins a batch still
        // lingering changes nothing the sender waits for (its `linger.ms` countdown is armed).
        if self.sender_woken {
            self.run_sender(ctx);
        }
        id
    }

    /// Append waiting sends in order, until one blocks.
    pub(crate) fn drain_waiting(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let was_waiting = !self.waiting.is_empty();
        while self.awaiting_result.is_none() {
            // Taken off the queue while it is appended, and put back if it blocks.
            let Some(app) = self.waiting.pop_front() else {
                break;
            };
            match self.try_append(ctx, &app) {
                Ok(()) => {
                    if self.blocked_since.take().is_some() {
                        ctx.cancel_timer(self.node(), Timer::MaxBlockExpired);
                    }
                    if self.send_mode == SendMode::Sync {
                        self.awaiting_result = Some(app.id);
                    }
                }
                Err(blocked) => {
                    if self.blocked_since.is_none() {
                        self.blocked_since = Some(ctx.now);
                        let deadline = SimDuration::from_ms(self.config.max_block_ms);
                        ctx.set_timer(self.node(), Timer::MaxBlockExpired, deadline);
                        if let Blocked::Memory(needed) = blocked {
                            ctx.emit(Event::SendBlocked {
                                producer: self.id,
                                record: app.id,
                                waiting_bytes: needed as u32,
                            });
                        }
                    }
                    if matches!(blocked, Blocked::Metadata) {
                        self.metadata.want(&app.record.topic);
                        self.request_metadata(ctx);
                    }
                    self.waiting.push_front(app);
                    break;
                }
            }
        }
        let available = self
            .config
            .buffer_memory
            .saturating_sub(self.accumulator.buffer_used);
        self.metrics.buffer(ctx.now, available);
        // A load-test application that was blocked in send() carries on now.
        let bulk = self
            .workload
            .as_ref()
            .is_some_and(|w| w.records_per_second == 0);
        if was_waiting && self.waiting.is_empty() && bulk {
            ctx.set_timer_at(
                self.node(),
                Timer::AppSend,
                self.app_busy_until.max(ctx.now),
            );
        }
    }

    /// `max.block.ms` passed: the blocked `send()` throws `TimeoutException`.
    pub(crate) fn expire_blocked_send(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        let Some(app) = self.waiting.pop_front() else {
            return;
        };
        self.blocked_since = None;
        let max_block_ms = self.config.max_block_ms;
        let detail = if self.metadata.partition_count(&app.record.topic).is_none() {
            FailureDetail::TopicNotInMetadata {
                topic: app.record.topic.to_string(),
                max_block_ms,
            }
        } else {
            FailureDetail::BufferFull { max_block_ms }
        };
        ctx.emit(Event::SendTimedOut {
            producer: self.id,
            record: app.id,
            after_ms: self.config.max_block_ms,
        });
        self.fail_records(
            ctx,
            TopicPartition::new(app.record.topic, app.record.partition.unwrap_or(-1)),
            vec![app.id],
            ErrorCode::REQUEST_TIMED_OUT,
            detail,
        );
        self.drain_waiting(ctx);
    }

    fn try_append(&mut self, ctx: &mut Ctx<'_, Cluster>, app: &AppRecord) -> Result<(), Blocked> {
        let Some(count) = self.metadata.partition_count(&app.record.topic) else {
            return Err(Blocked::Metadata);
        };
        let serialized = (
            serialize(self.config.key_serializer, app.record.key.as_ref(), true),
            serialize(
                self.config.value_serializer,
                app.record.value.as_ref(),
                false,
            ),
        );
        let (key, value) = match serialized {
            (Ok(k), Ok(v)) => (k, v),
            (Err(e), _) | (_, Err(e)) => {
                self.reject(ctx, app, e);
                return Ok(());
            }
        };
        let value = match app.value_bytes {
            Some(len) => Some(Payload::Filler { len }),
            None => value,
        };
        let record = Record {
            id: app.id,
            offset_delta: 0,
            timestamp_ms: app.record.timestamp.unwrap_or(ctx.now.as_ms() as i64),
            key,
            value,
            headers: app
                .record
                .headers
                .iter()
                .map(|h| Header {
                    key: Rc::from(h.key.as_str()),
                    value: Payload::text(&h.value),
                })
                .collect(),
        };
        let size = RECORD_BATCH_OVERHEAD + record.size_in_batch(0);
        if size > self.config.max_request_size {
            let error = SendError::RecordTooLarge {
                size,
                max_request_size: self.config.max_request_size,
            };
            self.reject(ctx, app, error);
            return Ok(());
        }
        let (partition, how, sticky) = match self.choose_partition(ctx, app, &record, count) {
            Ok(choice) => choice,
            Err(e) => {
                self.reject(ctx, app, e);
                return Ok(());
            }
        };
        let tp = TopicPartition::new(app.record.topic, partition);
        let (tp, appended) = self.append_to_accumulator(ctx, tp, record, sticky.as_ref())?;
        let batch_size = self.config.batch_size;
        let quiet = self
            .workload
            .as_ref()
            .is_some_and(|w| w.records_per_second == 0);
        if !quiet {
            ctx.emit(Event::RecordPartitioned {
                producer: self.id,
                record: app.id,
                partition: tp,
                key: app.record.key.as_deref().map(str::to_string),
                how,
            });
            ctx.emit(Event::RecordAppendedToBatch {
                producer: self.id,
                partition: tp,
                record: app.id,
                batch_records: appended.batch_records,
                batch_bytes: appended.batch_bytes,
                batch_size,
                new_batch: appended.new_batch,
            });
        }
        // Kafka: `KafkaProducer.doSend` wakes the sender on `batchIsFull || newBatchCreated`.
        self.sender_woken |= appended.new_batch || appended.batch_is_full;
        if let Some(partitions) = &sticky {
            let bytes = appended.appended_bytes;
            self.after_sticky_append(ctx, &tp, partitions, bytes, appended.last_batch_full);
        }
        Ok(())
    }

    /// Kafka's `RecordAccumulator.append`. A record that does not fit closes the last batch;
    /// the buffer for a new batch is allocated (blocking on `buffer.memory`) before the built-in
    /// partitioner is asked again (`partitionChanged`), and now that the closed batch counts as
    /// full it may switch: the record that did not fit then goes to the new partition
    /// (`KafkaProducer.doSend` learns it through `AppendCallbacks.setPartition`).
    fn append_to_accumulator(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        mut tp: TopicPartition,
        mut record: Record,
        sticky: Option<&TopicPartitions>,
    ) -> Result<(TopicPartition, Appended), Blocked> {
        let compressed = Compression::parse(&self.config.compression_type)
            .is_some_and(|c| c != Compression::None);
        let batch_size = self.config.batch_size;
        loop {
            record = match self.accumulator.try_append(&tp, record, batch_size) {
                Ok(appended) => return Ok((tp, appended)),
                Err(record) => record,
            };
            let needed = Accumulator::bytes_for_new_batch(&record, batch_size) as u64;
            if self.accumulator.buffer_used + needed > self.config.buffer_memory {
                return Err(Blocked::Memory(needed));
            }
            if let Some(partitions) = sticky {
                if let Some(next) = self.complete_postponed_switch(ctx, &tp, partitions) {
                    tp.partition = next;
                    continue;
                }
            }
            let batch_id = self.next_batch_id;
            self.next_batch_id += 1;
            let appended = self
                .accumulator
                .append_new_batch(&tp, record, ctx.now, batch_size, compressed, batch_id);
            return Ok((tp, appended));
        }
    }

    /// A `send()` that fails at once (serialization, size, partitioner): the application sees
    /// the exception; nothing is queued.
    fn reject(&mut self, ctx: &mut Ctx<'_, Cluster>, app: &AppRecord, error: SendError) {
        self.stats.records_failed += 1;
        ctx.emit(Event::SendRejected {
            producer: self.id,
            record: app.id,
            error,
        });
    }

    /// Kafka's decision order. Returns the partition, how it was chosen, and, if the built-in
    /// sticky partitioner chose it, the topic's partitions it chose among (the metadata does not
    /// change during one `send()`, so the append reuses them instead of reading them again).
    fn choose_partition(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        app: &AppRecord,
        record: &Record,
        count: i32,
    ) -> Result<(i32, PartitionChoice, Option<TopicPartitions>), SendError> {
        if app.record.partition.is_none() {
            if let Some(custom) = &self.custom_partitioner {
                let (p, how) = custom.partition(app.record.key.as_deref(), count)?;
                return Ok((p, how, None));
            }
        }
        let key = record.key.as_ref().map(|k| k.bytes());
        match partitioner::choose(
            app.record.partition,
            key.as_deref(),
            count,
            self.config.partitioner_ignore_keys,
        ) {
            Choice::Chosen { partition, how } => Ok((partition, how, None)),
            Choice::Error(e) => Err(e),
            Choice::Sticky => {
                let available = self.metadata.available_partitions(&app.record.topic);
                let partitions = TopicPartitions::new(count, available)
                    .expect("the metadata lists each partition of 0..count at most once");
                if self.config.round_robin_partitioner {
                    let p = self.round_robin.partition(&app.record.topic, &partitions);
                    return Ok((p, PartitionChoice::RoundRobin, None));
                }
                let p = self.sticky_partition(ctx, app.record.topic, &partitions);
                let keys_ignored = key.is_some();
                Ok((
                    p,
                    PartitionChoice::Sticky { keys_ignored },
                    Some(partitions),
                ))
            }
        }
    }

    /// The built-in partitioner's current partition for `topic`, completing a switch that an
    /// earlier append postponed if that batch is now full (`RecordAccumulator.partitionChanged`).
    fn sticky_partition(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        topic: Topic,
        partitions: &TopicPartitions,
    ) -> i32 {
        let batch_size = self.config.batch_size as i32;
        let sticky = self.sticky.entry(topic).or_insert_with(|| {
            BuiltInPartitioner::new(batch_size.max(1)).expect("batch.size is at least 1")
        });
        let first = sticky.sticky_partition_info().is_none();
        let p = sticky.peek_current_partition(partitions, &mut || ctx.prng.next_u32());
        if first {
            ctx.emit(Event::StickyPartitionSwitched {
                producer: self.id,
                topic: topic.to_string(),
                from: None,
                to: p,
            });
        }
        self.complete_postponed_switch(ctx, &TopicPartition::new(topic, p), partitions)
            .unwrap_or(p)
    }

    /// Kafka's `RecordAccumulator.partitionChanged`: if every batch of the sticky partition
    /// `tp` is full now (or it has none), let the partitioner complete a switch it postponed
    /// (`updatePartitionInfo` with 0 bytes). Returns the new sticky partition if it switched.
    fn complete_postponed_switch(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        partitions: &TopicPartitions,
    ) -> Option<i32> {
        let full = self
            .accumulator
            .all_batches_full(tp, self.config.batch_size);
        let sticky = self.sticky.get_mut(&tp.topic)?;
        if !sticky.maybe_complete_postponed_switch(full, partitions, &mut || ctx.prng.next_u32()) {
            return None;
        }
        let to = sticky.sticky_partition_info()?.partition();
        ctx.emit(Event::StickyPartitionSwitched {
            producer: self.id,
            topic: tp.topic.to_string(),
            from: Some(tp.partition),
            to,
        });
        Some(to)
    }

    /// Kafka's `BuiltInPartitioner.updatePartitionInfo` after an append to the sticky partition.
    fn after_sticky_append(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        partitions: &TopicPartitions,
        appended_bytes: u32,
        last_batch_full: bool,
    ) {
        let Some(sticky) = self.sticky.get_mut(&tp.topic) else {
            return;
        };
        let mut random = || ctx.prng.next_u32();
        if sticky.after_append(
            tp.partition,
            appended_bytes as i32,
            last_batch_full,
            partitions,
            &mut random,
        ) {
            let to = sticky
                .sticky_partition_info()
                .map_or(tp.partition, |i| i.partition());
            ctx.emit(Event::StickyPartitionSwitched {
                producer: self.id,
                topic: tp.topic.to_string(),
                from: Some(tp.partition),
                to,
            });
        }
    }

    /// Adaptive partitioning (`partitioner.adaptive.partitioning.enable`): weight partitions by
    /// how short their queues are, once every partition of the topic has a queue
    /// (`RecordAccumulator.partitionReady`). With `partitioner.availability.timeout.ms`, a
    /// partition with batches waiting on a broker that has not been able to take any for longer
    /// than that is left out.
    pub(crate) fn update_partition_load_stats(&mut self) {
        // The topics are interned keys: copying them out costs no lookup.
        let topics: Vec<Topic> = self.sticky.keys().copied().collect();
        for topic in topics {
            let tp = |partition| TopicPartition { topic, partition };
            let count = self.metadata.partition_count(&topic).unwrap_or(0);
            let all_have_queues = (0..count).all(|p| self.accumulator.has_queue(&tp(p)));
            let queues: Vec<PartitionQueue> = self
                .metadata
                .available_partitions(&topic)
                .into_iter()
                .map(|p| PartitionQueue {
                    partition: p,
                    queue_size: self.accumulator.queue_len(&tp(p)) as i32,
                })
                .filter(|q| !self.is_partition_unavailable(&tp(q.partition), q))
                .collect();
            let stats = (self.config.partitioner_adaptive_partitioning_enable
                && all_have_queues
                && count > 0)
                .then_some(QueueSizes {
                    available: &queues,
                    queue_count: count,
                });
            if let Some(sticky) = self.sticky.get_mut(&topic) {
                sticky.update_partition_load_stats(stats);
            }
        }
    }

    /// Kafka's test in `partitionReady`: only a partition with batches waiting is judged, by
    /// how long its leader has had ready data it could not take.
    fn is_partition_unavailable(&self, tp: &TopicPartition, queue: &PartitionQueue) -> bool {
        let timeout = self.config.partitioner_availability_timeout_ms;
        if timeout == 0 || queue.queue_size == 0 {
            return false;
        }
        self.metadata.leader(tp).is_some_and(|leader| {
            self.accumulator
                .is_node_unavailable(leader, SimDuration::from_ms(timeout))
        })
    }
}

/// Turn application text into bytes the way the configured serializer does.
fn serialize(
    serializer: Serializer,
    text: Option<&Rc<str>>,
    key: bool,
) -> Result<Option<Payload>, SendError> {
    let Some(text) = text else { return Ok(None) };
    match serializer {
        // UTF-8 bytes are the text itself: the record shares the application's string.
        Serializer::String => Ok(Some(Payload::Text(Rc::clone(text)))),
        Serializer::ByteArray => Ok(Some(Payload::Bytes(Rc::from(text.as_bytes())))),
        Serializer::Json => {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|_| SendError::NotJson { key })?;
            Ok(Some(Payload::text(&value.to_string())))
        }
    }
}
