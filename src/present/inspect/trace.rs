//! Following one record through a run's steps: each event that concerns it becomes a line of
//! its life. The producer's batches are followed by counting them per partition (a record's
//! batch leaves when every batch queued before it has left), so the line that says why its batch
//! left is the `BatchReady` of that very batch.

use super::words;
use super::{time_of, LifeLine, RecordLife};
use crate::kafka::event::Event;
use crate::kafka::record::RecordId;
use crate::kafka::{BrokerId, KafkaStep, KafkaWorld, TopicPartition};
use crate::present::narration::Tone;
use std::collections::{BTreeMap, BTreeSet};

/// Follows one record; feed it every step of a run in order, then `finish`.
#[derive(Clone, Debug)]
pub struct RecordTracer {
    pub(super) id: RecordId,
    pub(super) key: Option<String>,
    pub(super) partition: Option<TopicPartition>,
    /// Batches queued in the record's producer, per partition.
    queued: BTreeMap<TopicPartition, u32>,
    /// The place of the record's batch in its partition's queue (0: next to leave).
    place: Option<u32>,
    /// The step in which its batch left (the Produce request is sent in the same step).
    left_in: Option<u64>,
    /// The broker that leads its partition, as far as the steps told.
    leader: Option<BrokerId>,
    /// Every offset a leader appended it at.
    pub(super) offsets: Vec<i64>,
    /// Brokers whose log holds it.
    holders: BTreeSet<BrokerId>,
    pub(super) committed: bool,
    pub(super) acked: Option<i64>,
    pub(super) failed: bool,
    /// Times each group (or group-less consumer) processed it.
    pub(super) processed: BTreeMap<String, u32>,
    committed_by: BTreeSet<String>,
    fetched_by: BTreeSet<u32>,
    lines: Vec<LifeLine>,
    step: u64,
    time: String,
}

impl RecordTracer {
    pub fn new(id: RecordId) -> RecordTracer {
        RecordTracer {
            id,
            key: None,
            partition: None,
            queued: BTreeMap::new(),
            place: None,
            left_in: None,
            leader: None,
            offsets: Vec::new(),
            holders: BTreeSet::new(),
            committed: false,
            acked: None,
            failed: false,
            processed: BTreeMap::new(),
            committed_by: BTreeSet::new(),
            fetched_by: BTreeSet::new(),
            lines: Vec::new(),
            step: 0,
            time: String::new(),
        }
    }

    fn say(&mut self, tone: Tone, text: String) {
        self.lines.push(LifeLine {
            step: self.step,
            time: self.time.clone(),
            text,
            tone,
        });
    }

    pub fn observe(&mut self, step: &KafkaStep) {
        self.step = step.index;
        self.time = time_of(step.time);
        for event in &step.events {
            self.producer_event(event);
            self.request_event(event);
            self.broker_event(event);
            self.loss_event(event);
            self.consumer_event(event);
        }
    }

    /// `send()`, the partitioner, the batch it joined, and why that batch left.
    fn producer_event(&mut self, event: &Event) {
        let me = self.id;
        match event {
            Event::RecordPartitioned {
                record,
                partition,
                key,
                how,
                ..
            } if *record == me => {
                self.key = key.clone();
                self.partition = Some(*partition);
                let text = words::partitioned(me, partition, key.as_deref(), how);
                self.say(Tone::Routine, text);
            }
            Event::RecordAppendedToBatch {
                producer,
                partition,
                record,
                batch_records,
                batch_bytes,
                batch_size,
                new_batch,
            } if *producer == me.producer => {
                let queued = self.queued.entry(*partition).or_default();
                *queued += u32::from(*new_batch);
                if *record == me {
                    self.place = Some(queued.saturating_sub(1));
                    let text = words::joined(*batch_records, *batch_bytes, *batch_size, *new_batch);
                    self.say(Tone::Routine, text);
                }
            }
            Event::BatchReady {
                producer,
                partition,
                reason,
                records,
                bytes,
            } if *producer == me.producer => {
                let queued = self.queued.entry(*partition).or_default();
                *queued = queued.saturating_sub(1);
                if self.partition.as_ref() != Some(partition) {
                    return;
                }
                match self.place {
                    Some(0) => {
                        self.place = None;
                        self.left_in = Some(self.step);
                        self.say(Tone::Routine, words::batch_left(*reason, *records, *bytes));
                    }
                    Some(n) => self.place = Some(n - 1),
                    None => {}
                }
            }
            _ => self.send_trouble(event),
        }
    }

    /// `send()` blocked, threw, or timed out; the producer crashed with it in memory.
    fn send_trouble(&mut self, event: &Event) {
        let me = self.id;
        match event {
            Event::SendRejected { record, error, .. } if *record == me => {
                self.failed = true;
                let text = format!("send() threw at once, nothing was queued: {error}.");
                self.say(Tone::Alarm, text);
            }
            Event::SendBlocked {
                record,
                waiting_bytes,
                ..
            } if *record == me => self.say(
                Tone::Notable,
                format!("send() blocked: buffer.memory is full ({waiting_bytes} bytes waiting for space)."),
            ),
            Event::SendTimedOut {
                record, after_ms, ..
            } if *record == me => {
                self.failed = true;
                self.say(
                    Tone::Alarm,
                    format!("send() gave up after {after_ms} ms (max.block.ms): the record was never queued."),
                );
            }
            Event::ProducerRecordsLost { producer, .. }
                if *producer == me.producer && self.offsets.is_empty() && self.partition.is_some() && !self.failed =>
            {
                self.failed = true;
                self.say(
                    Tone::Alarm,
                    format!("p{producer} crashed with this record still in its memory: it was never written."),
                );
            }
            _ => {}
        }
    }

    /// The Produce request, its answer, and retries.
    fn request_event(&mut self, event: &Event) {
        let me = self.id;
        match event {
            Event::ProduceSent {
                producer,
                broker,
                correlation_id,
                batches,
                bytes,
            } if *producer == me.producer && self.left_in == Some(self.step) => {
                let Some(tp) = &self.partition else { return };
                if batches.iter().any(|(p, _)| p == tp) {
                    self.left_in = None;
                    let text =
                        words::request(me, *broker, *correlation_id, batches.len() as u32, *bytes);
                    self.say(Tone::Routine, text);
                }
            }
            Event::ProduceAcked {
                partition,
                base_offset,
                records,
                ..
            } => {
                if let Some(i) = records.iter().position(|r| *r == me) {
                    let offset = base_offset + i as i64;
                    self.acked = Some(offset);
                    let text = format!("p{} got the acknowledgement: {partition}@{offset}. Its callback runs; the application thinks the write is safe.", me.producer);
                    self.say(Tone::Routine, text);
                }
            }
            Event::ProduceFailed {
                partition,
                error,
                records,
                retrying,
                ..
            } if records.contains(&me) => {
                if *retrying {
                    self.place = Some(0);
                    *self.queued.entry(*partition).or_default() += 1;
                    let text = format!("Its batch failed with {error}; p{} will retry it (the batch goes back to the front of the queue).", me.producer);
                    self.say(Tone::Notable, text);
                } else {
                    self.failed = true;
                    let text = format!("Its batch failed for good with {error}: the callback reports the error to the application.");
                    self.say(Tone::Alarm, text);
                }
            }
            Event::ProduceFailed {
                producer,
                partition,
                retrying: true,
                ..
            } if *producer == me.producer => {
                // Another batch of this partition went back to the front, ahead of ours.
                *self.queued.entry(*partition).or_default() += 1;
                if self.partition.as_ref() == Some(partition) {
                    self.place = self.place.map(|p| p + 1);
                }
            }
            _ => {}
        }
    }

    /// The leader's append, the followers' copies, the high watermark passing it.
    fn broker_event(&mut self, event: &Event) {
        match event {
            Event::BatchAppended {
                broker,
                partition,
                base_offset,
                leader_epoch,
                records,
                ..
            } => {
                let Some(i) = records.iter().position(|r| *r == self.id) else {
                    return;
                };
                let offset = base_offset + i as i64;
                self.leader = Some(*broker);
                self.holders.insert(*broker);
                let again = !self.offsets.is_empty() && !self.offsets.contains(&offset);
                self.offsets.push(offset);
                let text = words::appended(*broker, partition, offset, *leader_epoch, again);
                self.say(if again { Tone::Alarm } else { Tone::Routine }, text);
            }
            Event::FollowerAppended {
                broker,
                partition,
                from_offset,
                to_offset,
            } if self.is_ours(partition) => {
                let Some(&offset) = self.offsets.last() else {
                    return;
                };
                // A follower copies from the current leader: only if that leader has it.
                let from_holder = self.leader.is_some_and(|l| self.holders.contains(&l));
                let in_range = (*from_offset..*to_offset).contains(&offset);
                if from_holder && in_range && self.holders.insert(*broker) {
                    let text = format!("{broker} copied it from the leader (its fetch brought {partition} offsets {from_offset}–{}).", to_offset - 1);
                    self.say(Tone::Routine, text);
                }
            }
            _ => self.leader_event(event),
        }
    }

    /// A new leader, and the leader's high watermark passing the record.
    fn leader_event(&mut self, event: &Event) {
        match event {
            Event::BecameLeader {
                broker,
                partition,
                leader_epoch,
                ..
            } if self.is_ours(partition) => {
                self.leader = Some(*broker);
                if !self.holders.contains(broker) && !self.holders.is_empty() {
                    let text = words::leader_without(
                        *broker,
                        partition,
                        *leader_epoch,
                        &self.holders,
                        self.committed,
                    );
                    self.say(Tone::Alarm, text);
                }
            }
            Event::HighWatermarkAdvanced {
                broker,
                partition,
                from,
                to,
            } if self.is_ours(partition) && Some(*broker) == self.leader && !self.committed => {
                let Some(&offset) = self.offsets.last() else {
                    return;
                };
                if *from <= offset && offset < *to && self.holders.contains(broker) {
                    self.committed = true;
                    let text = format!("Committed: {broker}'s high watermark moved from {from} to {to}, past offset {offset}. Every in-sync replica has it; consumers may read it now.");
                    self.say(Tone::Routine, text);
                }
            }
            _ => {}
        }
    }

    fn is_ours(&self, partition: &TopicPartition) -> bool {
        self.partition.as_ref() == Some(partition) && !self.offsets.is_empty()
    }

    /// Truncation, power failure, retention: a replica lost it.
    fn loss_event(&mut self, event: &Event) {
        let (broker, partition, from, to, why) = match event {
            Event::FollowerTruncated {
                broker,
                partition,
                from,
                to,
                ..
            } => (broker, partition, *to, *from, words::Gone::Truncated),
            Event::RecordsLostOnPowerFailure {
                broker,
                partition,
                from,
                to,
            } => (broker, partition, *from, *to, words::Gone::PowerFailure),
            Event::SegmentsDeleted {
                broker,
                partition,
                from_offset,
                to_offset,
                ..
            } => (
                broker,
                partition,
                *from_offset,
                *to_offset,
                words::Gone::Retention,
            ),
            _ => return,
        };
        let Some(&offset) = self.offsets.last() else {
            return;
        };
        if !self.is_ours(partition) || !(from..to).contains(&offset) || !self.holders.remove(broker)
        {
            return;
        }
        let text = words::gone(
            *broker,
            partition,
            offset,
            why,
            self.holders.is_empty(),
            self.acked.is_some(),
        );
        let tone = if why == words::Gone::Retention {
            Tone::Notable
        } else {
            Tone::Alarm
        };
        self.say(tone, text);
    }

    /// Each consumer's fetch, each group's poll, processing and commit.
    fn consumer_event(&mut self, event: &Event) {
        let me = self.id;
        match event {
            Event::RecordsFetched {
                consumer,
                partition,
                first_offset,
                last_offset,
            } if self.is_ours(partition) => {
                let offset = *self.offsets.last().expect("is_ours: appended");
                if (*first_offset..=*last_offset).contains(&offset)
                    && self.fetched_by.insert(*consumer)
                {
                    self.say(
                        Tone::Routine,
                        format!("c{consumer} fetched it into its fetch buffer."),
                    );
                }
            }
            Event::RecordsPolled {
                consumer,
                group,
                records,
            } if records.iter().any(|(_, _, r)| *r == me) => {
                let text = format!(
                    "c{consumer}'s poll() returned it{}.",
                    words::group_text(group)
                );
                self.say(Tone::Routine, text);
            }
            Event::RecordsProcessed {
                consumer,
                group,
                records,
            } if records.iter().any(|(_, _, r)| *r == me) => {
                let who = group.clone().unwrap_or_else(|| format!("c{consumer}"));
                let times = self.processed.entry(who.clone()).or_default();
                *times += 1;
                let (tone, text) = words::processed(*consumer, &who, *times);
                self.say(tone, text);
            }
            Event::OffsetsCommitted {
                group,
                offsets,
                error,
                ..
            } if *error == crate::kafka::errors::ErrorCode::NONE => {
                let Some(offset) = self.offsets.last().copied() else {
                    return;
                };
                let Some(tp) = self.partition else {
                    return;
                };
                let past = offsets.iter().find(|(p, o)| *p == tp && *o > offset);
                if let Some((_, o)) = past {
                    if self.committed_by.insert(group.clone()) {
                        let text = format!("Group {group} committed offset {o} for {tp}: it will not read this record again.");
                        self.say(Tone::Routine, text);
                    }
                }
            }
            _ => {}
        }
    }

    /// The life so far, with its fate read from the world the steps led to.
    pub fn finish(self, world: &KafkaWorld) -> RecordLife {
        let now = words::offsets_now(world, self.partition.as_ref(), self.id);
        let value = words::value_of(world, self.partition.as_ref(), self.id);
        let elsewhere = words::held_elsewhere(world, self.partition.as_ref(), self.id);
        let (mut fate, alarming) = words::fate(&self, &now, &elsewhere);
        fate.push_str(&words::reads(&self.processed));
        let heading = format!(
            "{} · key {} · value {}{}",
            self.id,
            self.key.as_deref().unwrap_or("null"),
            value.unwrap_or_else(|| "(no replica holds it)".into()),
            self.partition
                .as_ref()
                .map(|p| format!(" · {p}"))
                .unwrap_or_default()
        );
        let processed = self.processed.clone();
        let mut life = RecordLife {
            record: self.id,
            heading,
            fate,
            alarming,
            lines: self.lines,
        };
        if processed.values().any(|n| *n > 1) {
            life.alarming = true;
        }
        life
    }
}
