//! A step's one sentence. Each event has a tone (quiet, routine, notable, alarm) and a
//! sentence; the step says the sentence of its loudest event, completed with what the other
//! events add (a produce request names why its batch left).

use crate::kafka::event::{BatchReadyReason, ElectionKind, Event, NetworkChange, ProcessFault};
use crate::kafka::{KafkaStep, NodeId, TopicPartition};
use crate::sim::{Cause, DropReason};

/// How much a step matters to a class.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Tone {
    /// Nothing to say: folded into a count.
    Quiet,
    /// The normal flow: records written, copied, read.
    Routine,
    /// Worth a look: a leader moved, a rebalance, a config change.
    Notable,
    /// Something went wrong: a fault, an error, lost data.
    Alarm,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Sentence {
    pub text: String,
    pub tone: Tone,
    /// Nodes and partitions the step is about (for filtering).
    pub nodes: Vec<NodeId>,
    pub partitions: Vec<TopicPartition>,
}

fn range(from: i64, to_inclusive: i64) -> String {
    if from == to_inclusive {
        format!("offset {from}")
    } else {
        format!("offsets {from}–{to_inclusive}")
    }
}

fn records(n: usize) -> String {
    counted(n, "record")
}

/// "1 partition", "3 partitions".
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn list(brokers: &[crate::kafka::BrokerId]) -> String {
    match brokers.len() {
        0 => "nobody".into(),
        _ => brokers
            .iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

pub fn ready_reason(reason: BatchReadyReason) -> &'static str {
    match reason {
        BatchReadyReason::Full => "the batch was full",
        BatchReadyReason::LingerExpired => "linger.ms ran out",
        BatchReadyReason::Flush => "the application called flush()",
        BatchReadyReason::BufferExhausted => "buffer.memory ran out",
        BatchReadyReason::Retry => "a retry",
        BatchReadyReason::Piggyback => "it rode along with a ready batch to the same broker",
    }
}

/// The step's sentence.
pub fn sentence(step: &KafkaStep) -> Sentence {
    let mut nodes = cause_nodes(&step.cause);
    let mut partitions = Vec::new();
    let mut best: Option<(Tone, String)> = None;
    for event in &step.events {
        collect(event, &mut nodes, &mut partitions);
        if let Some((tone, text)) = event_sentence(event, step) {
            if best.as_ref().is_none_or(|(t, _)| tone > *t) {
                best = Some((tone, text));
            }
        }
    }
    if best.is_none() {
        best = cause_sentence(step);
    }
    if let Some(reason) = &step.rejected {
        best = Some((Tone::Alarm, format!("The command was refused: {reason}.")));
    }
    let (tone, text) = best.unwrap_or((Tone::Quiet, String::new()));
    crate::sim::sort::sort(&mut nodes);
    nodes.dedup();
    crate::sim::sort::sort(&mut partitions);
    partitions.dedup();
    Sentence {
        text,
        tone,
        nodes,
        partitions,
    }
}

fn cause_nodes(cause: &Cause<crate::kafka::Cluster>) -> Vec<NodeId> {
    match cause {
        Cause::Deliver { from, to, .. } | Cause::Drop { from, to, .. } => vec![*from, *to],
        Cause::Timer { node, .. } => vec![*node],
        Cause::Command(c) => c.nodes(),
    }
}

/// Steps without events: only drops and commands have something to say.
fn cause_sentence(step: &KafkaStep) -> Option<(Tone, String)> {
    match &step.cause {
        Cause::Drop {
            from,
            to,
            msg,
            reason,
        } => Some((
            Tone::Alarm,
            format!(
                "The network dropped {from}'s {} to {to}: {}.",
                msg.api_name(),
                drop_reason(*reason)
            ),
        )),
        Cause::Command(c) => Some((Tone::Notable, command_sentence(c))),
        _ => None,
    }
}

pub fn drop_reason(reason: DropReason) -> &'static str {
    match reason {
        DropReason::ConnectionClosed => "its connection closed before the link came back",
        DropReason::Lost => "it was lost on the way",
        DropReason::Unreachable => "that machine is off",
    }
}

fn collect(event: &Event, nodes: &mut Vec<NodeId>, partitions: &mut Vec<TopicPartition>) {
    use Event::*;
    match event {
        BatchAppended {
            broker, partition, ..
        }
        | HighWatermarkAdvanced {
            broker, partition, ..
        }
        | FollowerAppended {
            broker, partition, ..
        }
        | FollowerTruncated {
            broker, partition, ..
        }
        | BecameLeader {
            broker, partition, ..
        }
        | BecameFollower {
            broker, partition, ..
        }
        | ProduceRejected {
            broker, partition, ..
        } => {
            nodes.push(NodeId::Broker(*broker));
            partitions.push(*partition);
        }
        LeaderElected { partition, .. } | IsrChanged { partition, .. } => {
            partitions.push(*partition)
        }
        ProduceAcked {
            producer,
            partition,
            ..
        }
        | ProduceFailed {
            producer,
            partition,
            ..
        }
        | BatchReady {
            producer,
            partition,
            ..
        } => {
            nodes.push(NodeId::Producer(*producer));
            partitions.push(*partition);
        }
        RecordsFetched {
            consumer,
            partition,
            ..
        } => {
            nodes.push(NodeId::Consumer(*consumer));
            partitions.push(*partition);
        }
        _ => {}
    }
}

/// One event's tone and sentence, in the context of its step (a produce request names why its
/// batch left). `None`: the event adds to another's sentence or says nothing.
pub fn event_sentence(event: &Event, step: &KafkaStep) -> Option<(Tone, String)> {
    producer_sentence(event, step)
        .or_else(|| delivery_sentence(event))
        .or_else(|| broker_sentence(event, step))
        .or_else(|| replica_sentence(event))
        .or_else(|| controller_sentence(event))
        .or_else(|| election_sentence(event))
        .or_else(|| admin_sentence(event))
        .or_else(|| consumer_sentence(event))
        .or_else(|| group_sentence(event))
        .or_else(|| fault_sentence(event))
        .or_else(|| super::txn_sentences::txn_sentence(event))
}

fn producer_sentence(event: &Event, step: &KafkaStep) -> Option<(Tone, String)> {
    use Tone::*;
    let s = match event {
        Event::RecordPartitioned {
            producer,
            partition,
            key,
            how,
            ..
        } => (Routine, partitioned_sentence(*producer, partition, key.as_deref(), how)),
        Event::SendRejected { producer, error, .. } => (
            Alarm,
            format!("p{producer}'s send() threw at once: {}.", error.to_string().trim_end_matches('.')),
        ),
        Event::RecordAppendedToBatch {
            producer,
            partition,
            batch_records,
            batch_bytes,
            batch_size,
            new_batch,
            ..
        } => (
            Routine,
            if *new_batch {
                format!("p{producer} started a new batch for {partition}.")
            } else {
                format!("p{producer}'s batch for {partition} now holds {} ({batch_bytes} of {batch_size} bytes).", records(*batch_records as usize))
            },
        ),
        Event::StickyPartitionSwitched { producer, topic, from, to } => (
            Notable,
            match from {
                Some(from) => format!("p{producer} now sends records without a key to {topic}-{to} (it filled its batch for {topic}-{from})."),
                None => format!("p{producer} picked {topic}-{to} for records without a key."),
            },
        ),
        Event::BatchReady { .. }
            if step.events.iter().any(|e| matches!(e, Event::ProduceSent { .. })) =>
        {
            return None
        }
        Event::BatchReady { producer, partition, reason, records: n, .. } => (
            Routine,
            format!("p{producer}'s batch of {} for {partition} is ready: {}.", records(*n as usize), ready_reason(*reason)),
        ),
        Event::ProduceSent { producer, broker, batches, .. } => {
            let why = step.events.iter().find_map(|e| match e {
                Event::BatchReady { reason, .. } => Some(ready_reason(*reason)),
                _ => None,
            });
            let total: u32 = batches.iter().map(|(_, n)| *n).sum();
            let parts: Vec<String> = batches.iter().map(|(tp, _)| tp.to_string()).collect();
            let lead = if parts.len() == 1 {
                format!("the leader of {}", parts[0])
            } else {
                format!("the leader of {}", parts.join(", "))
            };
            let why = why.map_or(String::new(), |w| format!(" ({w})"));
            (Routine, format!("p{producer} sent {} to {broker}, {lead}{why}.", records(total as usize)))
        }
        _ => return None,
    };
    Some(s)
}

fn delivery_sentence(event: &Event) -> Option<(Tone, String)> {
    use Tone::*;
    let s = match event {
        Event::ProduceAcked { producer, partition, base_offset, records: ids } if *base_offset < 0 => (
            Routine,
            format!("p{producer} sent {} to {partition} and did not wait for an answer (acks=0).", records(ids.len())),
        ),
        Event::ProduceAcked { producer, partition, base_offset, records: ids } => (
            Routine,
            if ids.len() == 1 {
                format!("p{producer}'s record in {partition} is acknowledged at offset {base_offset}.")
            } else {
                format!("p{producer}'s {} in {partition} are acknowledged at {}.", records(ids.len()), range(*base_offset, base_offset + ids.len() as i64 - 1))
            },
        ),
        Event::ProduceFailed { producer, partition, error, records: ids, retrying, .. } => (
            Alarm,
            if *retrying {
                format!("p{producer}'s write of {} to {partition} failed with {error}; it will retry.", records(ids.len()))
            } else {
                format!("p{producer} gave up on {} for {partition}: {error}.", records(ids.len()))
            },
        ),
        Event::SendBlocked { producer, waiting_bytes, .. } => (
            Alarm,
            format!("p{producer}'s send() blocks: buffer.memory is full ({waiting_bytes} bytes needed)."),
        ),
        Event::SendTimedOut { producer, after_ms, .. } => (
            Alarm,
            format!("p{producer}'s send() gave up after max.block.ms ({after_ms} ms) waiting for buffer memory."),
        ),
        Event::ProducerIdAssigned { producer, producer_id, epoch } => (
            Notable,
            format!("p{producer} is idempotent: it got producer id {producer_id} (epoch {epoch}), so brokers can spot its retries."),
        ),
        Event::DuplicateBatchIgnored { broker, partition, base_sequence, original_offset, .. } => (
            Notable,
            format!("{broker} saw a retried batch (sequence {base_sequence}) it already had in {partition} at offset {original_offset}: kept once, acknowledged again."),
        ),
        Event::SendModeChanged { producer, mode } => (
            Notable,
            format!("p{producer}'s application now sends {}.", mode.describe()),
        ),
        Event::ProducerRecordsLost { producer, records: n } => (
            Alarm,
            format!("p{producer} lost {} that were still waiting in its memory.", records(*n as usize)),
        ),
        _ => return None,
    };
    Some(s)
}

fn broker_sentence(event: &Event, step: &KafkaStep) -> Option<(Tone, String)> {
    use Tone::*;
    let s = match event {
        Event::BatchAppended { broker, partition, base_offset, last_offset, leader_epoch, .. } => (
            Routine,
            format!("{broker}, the leader of {partition}, wrote {} (leader epoch {leader_epoch}).", range(*base_offset, *last_offset)),
        ),
        Event::TxnMarkerWritten { broker, partition, producer_id, kind, offset, .. } => (
            Notable,
            format!(
                "{broker}, the leader of {partition}, wrote {} marker at offset {offset}: producer id {producer_id}'s transaction is {} here.",
                match kind {
                    crate::kafka::record::ControlRecordType::Commit => "a COMMIT",
                    crate::kafka::record::ControlRecordType::Abort => "an ABORT",
                },
                match kind {
                    crate::kafka::record::ControlRecordType::Commit => "committed",
                    crate::kafka::record::ControlRecordType::Abort => "aborted",
                }
            ),
        ),
        Event::FollowerAppended { broker, partition, from_offset, to_offset } => (
            Routine,
            format!("{broker} copied {} of {partition} from its leader.", range(*from_offset, to_offset - 1)),
        ),
        Event::HighWatermarkAdvanced { partition, to, .. } => {
            // Followers learn the high watermark from their leader's answers; only the
            // leader's move is news.
            let follower_learns = matches!(
                &step.cause,
                Cause::Deliver { msg: crate::kafka::Message::FetchResponse(_), .. }
            );
            if !follower_learns {
                (Routine, format!("{partition}'s high watermark reached {to}: offsets below it are on every in-sync replica."))
            } else {
                (Quiet, String::new())
            }
        }
        Event::FollowerTruncated { broker, partition, from, to, .. } => (
            Alarm,
            format!("{broker} cut {partition} back from offset {from} to {to}: those records were never on the new leader."),
        ),
        _ => return None,
    };
    Some(s)
}

fn replica_sentence(event: &Event) -> Option<(Tone, String)> {
    use Tone::*;
    let s = match event {
        Event::IsrChangeProposed { broker, partition, from, to, .. } if to.len() < from.len() => (
            Notable,
            format!("{broker} asks the controller to shrink {partition}'s ISR to {}: a follower stopped keeping up.", list(to)),
        ),
        Event::IsrChangeProposed { broker, partition, to, .. } => (
            Notable,
            format!("{broker} asks the controller to grow {partition}'s ISR to {}: a follower caught up.", list(to)),
        ),
        Event::BecameLeader { broker, partition, leader_epoch, .. } => (
            Notable,
            format!("{broker} now leads {partition} (leader epoch {leader_epoch})."),
        ),
        Event::BecameFollower { broker, partition, leader, .. } => (
            Routine,
            match leader {
                Some(l) => format!("{broker} now follows {l} for {partition}."),
                None => format!("{broker} waits for a leader of {partition}."),
            },
        ),
        Event::ProduceRejected { broker, partition, error, .. } => (
            Alarm,
            format!("{broker} refused a write to {partition}: {error}."),
        ),
        Event::ParkedProduceCompleted { broker, partition, error } => (
            Routine,
            if error.is_error() {
                format!("{broker} ends a waiting acks=all write to {partition}: {error}.")
            } else {
                format!("{broker} answers a waiting acks=all write to {partition}: every in-sync replica has it.")
            },
        ),
        Event::RecordsLostOnPowerFailure { broker, partition, from, to } => (
            Alarm,
            format!("{broker} lost {} of {partition} with the power: the OS had not written them to disk.", range(*from, to - 1)),
        ),
        // Segments that held nothing (a replica truncated below them) go without a word.
        Event::SegmentsDeleted { records: 0, .. } => (Quiet, String::new()),
        Event::SegmentsDeleted { broker, partition, records: n, new_log_start_offset, .. } => (
            Notable,
            format!("{broker}'s retention deleted {} of {partition}; its log now starts at {new_log_start_offset}.", records(*n as usize)),
        ),
        Event::LogCompacted { broker, partition, records_removed, .. } => (
            Notable,
            format!("{broker}'s cleaner compacted {partition}: {} replaced by newer ones with the same key were removed.", records(*records_removed as usize)),
        ),
        Event::LogStartOffsetIncremented { broker, partition, to, .. } => (
            Routine,
            format!("{broker}'s copy of {partition} now starts at offset {to}, like its leader's."),
        ),
        Event::GroupsLoaded { broker, groups, .. } if !groups.is_empty() => (
            Notable,
            format!("{broker} is now the coordinator of {}.", groups.join(", ")),
        ),
        _ => return None,
    };
    Some(s)
}

fn controller_sentence(event: &Event) -> Option<(Tone, String)> {
    use Tone::*;
    let s = match event {
        Event::ControllerElected { controller, epoch } => (
            Notable,
            format!("ctl{controller} is the active controller now (quorum epoch {epoch})."),
        ),
        Event::ControllerVoteStarted { controller, epoch } => (
            Notable,
            format!("ctl{controller} asks the other controllers for votes (quorum epoch {epoch})."),
        ),
        Event::ControllerResigned { controller } => (
            Alarm,
            format!("ctl{controller} lost touch with most of the quorum and stopped being the active controller."),
        ),
        Event::BrokerRegistered { broker, .. } => {
            (Notable, format!("{broker} registered with the controller."))
        }
        Event::BrokerFenced { broker, reason } => (
            Alarm,
            match reason {
                crate::kafka::event::FenceReason::SessionExpired { session_timeout_ms } => format!(
                    "The controller fenced {broker}: no heartbeat for {} (broker.session.timeout.ms). Its leaderships move.",
                    super::super::view::time_text(crate::sim::SimTime::from_ms(*session_timeout_ms))
                ),
                crate::kafka::event::FenceReason::ControlledShutdownComplete => {
                    format!("The controller fenced {broker}: its leaderships have moved, it may stop.")
                }
                crate::kafka::event::FenceReason::NewIncarnation => {
                    format!("The controller fenced {broker}'s old process: it came back as a new one.")
                }
            },
        ),
        Event::BrokerUnfenced { broker } => (
            Notable,
            format!("The controller unfenced {broker}: it caught up with the metadata and may lead again."),
        ),
        _ => return None,
    };
    Some(s)
}

/// What an admin tool changed: dynamic configs, a group's offsets.
fn admin_sentence(event: &Event) -> Option<(Tone, String)> {
    use Tone::*;
    let s = match event {
        Event::GroupOffsetsAltered {
            group,
            offsets,
            deleted,
            ..
        } => (
            Notable,
            if *deleted {
                format!("Consumer group {group} was deleted, with its committed offsets.")
            } else {
                let changes: Vec<String> = offsets
                    .iter()
                    .map(|(tp, o)| {
                        o.map_or(format!("{tp} has none"), |o| format!("{tp} is at {o}"))
                    })
                    .collect();
                format!(
                    "An admin changed {group}'s committed offsets: {}. A consumer that joins the group starts there.",
                    changes.join(", ")
                )
            },
        ),
        Event::ConfigsAltered {
            resource,
            set,
            deleted,
        } => (Notable, {
            let mut parts: Vec<String> =
                set.iter().map(|(k, v)| format!("{k} is now {v}")).collect();
            parts.extend(
                deleted
                    .iter()
                    .map(|k| format!("{k} is back to its default")),
            );
            format!(
                    "The controller changed the dynamic configs of {}: {}. Brokers apply it as the change reaches them.",
                    crate::present::narrate::config_resource(resource),
                    parts.join(", ")
                )
        }),
        _ => return None,
    };
    Some(s)
}

fn election_sentence(event: &Event) -> Option<(Tone, String)> {
    use Tone::*;
    let s = match event {
        Event::LeaderElected { partition, leader: None, .. } => (
            Alarm,
            format!("{partition} has no leader: no in-sync replica is running. Nobody can write to it or read it."),
        ),
        Event::LeaderElected { partition, leader: Some(l), leader_epoch, kind, .. } => match kind {
            ElectionKind::Unclean => (
                Alarm,
                format!("{l} became leader of {partition} although it was out of sync (unclean election, epoch {leader_epoch}): records only the old leader had are lost."),
            ),
            ElectionKind::Clean => (
                Notable,
                format!("The controller made {l} the leader of {partition} (epoch {leader_epoch}): the first in-sync replica still running."),
            ),
            ElectionKind::Preferred => (
                Notable,
                format!("{l}, the preferred replica, leads {partition} again (epoch {leader_epoch})."),
            ),
            ElectionKind::ControlledShutdown => (
                Notable,
                format!("{l} took over {partition} (epoch {leader_epoch}) before its old leader shut down."),
            ),
        },
        Event::IsrChanged { partition, from, to, .. } => (
            Notable,
            if to.len() < from.len() {
                format!("{partition}'s in-sync replicas are now {}: {} dropped out.", list(to), list(&diff(from, to)))
            } else {
                format!("{partition}'s in-sync replicas are now {}: {} caught up.", list(to), list(&diff(to, from)))
            },
        ),
        Event::TopicCreated { topic, partitions, replication_factor } => (
            Notable,
            format!(
                "Topic {topic} was created: {}, {} each.",
                counted(*partitions as usize, "partition"),
                counted(*replication_factor as usize, "replica")
            ),
        ),
        Event::TopicsDeleted { topics } => (
            Notable,
            format!(
                "Topic {} deleted: the brokers drop its partitions and their logs; clients that still use it get UNKNOWN_TOPIC_OR_PARTITION.",
                topics.join(", ")
            ),
        ),
        Event::PreferredElectionRan { moved } => (
            Notable,
            format!("A preferred leader election moved {moved} partition(s) back to their preferred leader."),
        ),
        Event::ControlledShutdownStarted { broker } | Event::ControlledShutdownRequested { broker } => (
            Notable,
            format!("{broker} shuts down politely: it asks the controller to move its leaderships first."),
        ),
        Event::MetadataCommitted { .. } => (Quiet, String::new()),
        _ => return None,
    };
    Some(s)
}

fn diff(
    all: &[crate::kafka::BrokerId],
    minus: &[crate::kafka::BrokerId],
) -> Vec<crate::kafka::BrokerId> {
    all.iter().copied().filter(|b| !minus.contains(b)).collect()
}

fn consumer_sentence(event: &Event) -> Option<(Tone, String)> {
    use Tone::*;
    let s = match event {
        Event::RecordsFetched { consumer, partition, first_offset, last_offset } => (
            Routine,
            format!("c{consumer} fetched {} of {partition}.", range(*first_offset, *last_offset)),
        ),
        Event::RecordsPolled { consumer, records: polled, .. } => (
            Routine,
            format!("c{consumer}'s poll() returned {} to its application.", records(polled.len())),
        ),
        Event::RecordsProcessed { consumer, records: done, .. } => (
            Routine,
            format!("c{consumer}'s application finished processing {}.", records(done.len())),
        ),
        Event::PositionReset { consumer, partition, offset, .. } => (
            Notable,
            if *offset < 0 {
                format!("c{consumer} will look up where to read {partition} from.")
            } else {
                format!("c{consumer} will read {partition} from offset {offset}.")
            },
        ),
        Event::OffsetsCommitted { consumer, group, offsets, error, .. } => {
            let what: Vec<String> = offsets.iter().map(|(tp, o)| format!("{o} for {tp}")).collect();
            if error.is_error() {
                (Alarm, format!("c{consumer}'s commit for group {group} failed: {error}."))
            } else {
                (Routine, format!("c{consumer} committed offset {} for group {group}.", what.join(", ")))
            }
        }
        Event::TruncationDetected { consumer, partition, position, end_offset } => (
            Alarm,
            format!("c{consumer} noticed {partition} was cut back: it had read to {position}, the leader's log ends at {end_offset}."),
        ),
        Event::CoordinatorFound { consumer, group, broker } => (
            Routine,
            format!("c{consumer} found group {group}'s coordinator: {broker}."),
        ),
        Event::JoiningGroup { consumer, group, .. } => (
            Notable,
            format!("c{consumer} (re)joins group {group}."),
        ),
        Event::PartitionsAssigned { consumer, generation, partitions, .. } => (
            Notable,
            if partitions.is_empty() {
                format!("c{consumer} got no partitions in generation {generation}: the group has more members than partitions.")
            } else {
                let names: Vec<String> = partitions.iter().map(|p| p.to_string()).collect();
                format!("c{consumer} now owns {} (generation {generation}).", names.join(", "))
            },
        ),
        Event::PartitionsRevoked { consumer, partitions, .. } => {
            let names: Vec<String> = partitions.iter().map(|p| p.to_string()).collect();
            (Notable, format!("c{consumer} gave up {} for the rebalance.", names.join(", ")))
        }
        Event::ConsumerLeftGroup { consumer, group, .. } => {
            (Notable, format!("c{consumer} left group {group}."))
        }
        _ => return None,
    };
    Some(s)
}

fn group_sentence(event: &Event) -> Option<(Tone, String)> {
    use Tone::*;
    let s = match event {
        Event::GroupStateChanged {
            group,
            to,
            generation,
            ..
        } => (
            Notable,
            format!("Group {group} is now {to} (generation {generation})."),
        ),
        Event::RebalanceStarted { group, .. } => (
            Notable,
            format!("Group {group} starts a rebalance: its members must join again."),
        ),
        Event::MemberJoined { group, client, .. } => {
            (Routine, format!("{client} joined group {group}."))
        }
        Event::MemberRemoved { group, client, .. } => (
            Notable,
            format!("The coordinator removed {client} from group {group}."),
        ),
        _ => return None,
    };
    Some(s)
}

fn fault_sentence(event: &Event) -> Option<(Tone, String)> {
    use Tone::*;
    let s = match event {
        Event::ProcessStopped { node, fault } => (
            Alarm,
            match fault {
                ProcessFault::Crash => format!("{node} crashed."),
                ProcessFault::PowerFailure => {
                    format!("{node}'s machine lost power: what it had not flushed to disk is gone.")
                }
                ProcessFault::GracefulShutdown => format!("{node} shut down."),
            },
        ),
        Event::ProcessStarted { node } => (Notable, format!("{node} started.")),
        Event::ProcessPaused { node, until_ms } => (
            Alarm,
            format!(
                "{node} froze (a long garbage-collection pause) until {}.",
                super::super::view::time_text(crate::sim::SimTime::from_ms(*until_ms))
            ),
        ),
        Event::ProcessResumed { node } => (
            Notable,
            format!("{node} woke up from its pause, with a stale view of the world."),
        ),
        Event::NetworkChanged { change } => (Alarm, network_sentence(change)),
        Event::RequestTimedOut {
            node, peer, api, ..
        } => (
            Alarm,
            format!(
                "{node} gave up waiting for {peer}'s answer to its {api} (request.timeout.ms)."
            ),
        ),
        Event::ConnectionLost {
            node,
            peer,
            failed_requests,
        } => (
            Alarm,
            format!(
                "{node}'s connection to {peer} was reset: {failed_requests} request(s) failed."
            ),
        ),
        Event::ClientConfigChanged { node, key, value } => {
            (Notable, format!("{node} now uses {key}={value}."))
        }
        Event::MetadataUpdated { .. } => (Quiet, String::new()),
        Event::ConsumerError { consumer, error } => {
            (Alarm, format!("c{consumer}'s application got an exception: {error}."))
        }
        Event::AsyncCommitRetried { consumer, error, .. } => (
            Notable,
            format!("c{consumer}'s commitAsync failed ({error}); its callback sends the same offsets again, which may now be stale."),
        ),
        Event::NothingToCommit { consumer } => {
            (Notable, format!("c{consumer}'s commitSync() had nothing new to commit."))
        }
        _ => return None,
    };
    Some(s)
}

fn network_sentence(change: &NetworkChange) -> String {
    match change {
        NetworkChange::Healed => "The network is whole again: every link works.".into(),
        NetworkChange::Isolated { node } => {
            format!("{node} is cut off from every other machine: nothing reaches it, nothing leaves it.")
        }
        NetworkChange::Split { groups } => {
            let sides: Vec<String> = groups.iter().map(|g| and_list(g)).collect();
            format!(
                "The network split into {} sides that cannot reach each other: {}.",
                groups.len(),
                sides.join("; ")
            )
        }
        NetworkChange::OneWay { from, to } => format!(
            "Messages from {} to {} are now lost; the other way still works.",
            and_list(from),
            and_list(to)
        ),
        NetworkChange::LinkSet {
            a,
            b,
            latency_ms,
            loss_percent,
            duplicate_percent,
        } => {
            let mut parts = vec![if latency_ms.0 == latency_ms.1 {
                format!("takes {} ms", latency_ms.0)
            } else {
                format!("takes {} to {} ms", latency_ms.0, latency_ms.1)
            }];
            if *loss_percent > 0 {
                parts.push(format!("loses {loss_percent}% of messages"));
            }
            if *duplicate_percent > 0 {
                parts.push(format!("delivers {duplicate_percent}% twice"));
            }
            format!("The link between {a} and {b} now {}.", parts.join(", "))
        }
        NetworkChange::Throttled {
            from,
            to,
            bytes_per_second,
        } => format!(
            "The link from {from} to {to} now carries at most {bytes_per_second} bytes a second."
        ),
        NetworkChange::Held { from, to } => {
            format!("Messages from {from} to {to} are held back until released.")
        }
        NetworkChange::Released { from, to } => {
            format!("The messages held from {from} to {to} are on their way again.")
        }
    }
}

/// "b1", "b1 and b2", "b1, b2 and b3".
fn and_list(nodes: &[NodeId]) -> String {
    let names: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
    match names.split_last() {
        None => "nobody".into(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// What a command asked for, when its step had no event to tell.
fn command_sentence(command: &crate::kafka::Command) -> String {
    use crate::kafka::Command::*;
    match command {
        Produce {
            producer,
            topic,
            key,
            ..
        } => match key {
            Some(k) => format!("{producer}'s application sends a record with key {k} to {topic}."),
            None => format!("{producer}'s application sends a record without a key to {topic}."),
        },
        ProduceMany {
            producer,
            topic,
            count,
            ..
        } => {
            format!(
                "{producer}'s application sends {} to {topic}.",
                records(*count as usize)
            )
        }
        SetProduceRate {
            producer,
            topic,
            records_per_second,
            ..
        } if *records_per_second > 0 => {
            format!("{producer}'s application starts sending {records_per_second} records per second to {topic}.")
        }
        SetProduceRate {
            producer, topic, ..
        } => {
            format!("{producer}'s application stops its steady stream to {topic}.")
        }
        Flush { producer } => {
            format!("{producer}'s application calls flush(): every batch leaves now.")
        }
        CommitSync { consumer } => format!("{consumer}'s application calls commitSync()."),
        Seek {
            consumer,
            partition,
            ..
        } => format!("{consumer}'s application seeks in {partition}."),
        CloseConsumer { consumer } => format!("{consumer}'s application calls close()."),
        StartConsumer { consumer } => format!("{consumer}'s application starts polling."),
        SetProcessingTime {
            consumer,
            ms_per_record,
        } => {
            format!("{consumer}'s application now takes {ms_per_record} ms per record.")
        }
        InitTransactions { producer } => format!("{producer}'s application calls initTransactions()."),
        BeginTransaction { producer } => format!("{producer}'s application calls beginTransaction()."),
        CommitTransaction { producer } => format!("{producer}'s application calls commitTransaction()."),
        AbortTransaction { producer } => format!("{producer}'s application calls abortTransaction()."),
        SendOffsetsToTransaction { producer, group, offsets } => format!(
            "{producer}'s application calls sendOffsetsToTransaction(): group {group}'s offsets {} will be committed with the transaction, or not at all.",
            super::super::narrate::offsets_text(offsets)
        ),
        StartPipeline { consumer, producer, output_topic } => format!(
            "{consumer} and {producer} start an exactly-once pipeline: what {consumer} polls, {producer} writes to {output_topic} in a transaction that also commits {consumer}'s offsets."
        ),
        other => format!(
            "You asked for {}.",
            super::super::narrate::command_text(other)
        ),
    }
}

fn partitioned_sentence(
    producer: u32,
    partition: &TopicPartition,
    key: Option<&str>,
    how: &crate::kafka::event::PartitionChoice,
) -> String {
    let what = match key {
        Some(k) => format!("a record with key {k}"),
        None => "a record without a key".to_string(),
    };
    let why = partition_reason(how);
    format!("p{producer} sends {what} to {partition} ({why}).")
}

/// Why the partitioner chose a record's partition, in a few words.
pub fn partition_reason(how: &crate::kafka::event::PartitionChoice) -> String {
    use crate::kafka::event::PartitionChoice::*;
    match how {
        Explicit => "the application named the partition".to_string(),
        KeyHash {
            partition_count, ..
        } => {
            format!("the hash of the key, modulo {partition_count} partitions")
        }
        Sticky {
            keys_ignored: false,
        } => "no key: the sticky partitioner fills one batch at a time".to_string(),
        Sticky { keys_ignored: true } => {
            "partitioner.ignore.keys: the sticky partitioner decides".to_string()
        }
        RoundRobin => "round robin: the next partition in turn".to_string(),
        CustomRule { class, prefix } => format!("{class}: the key starts with {prefix}"),
        CustomFallback { class, .. } => format!("{class}: no rule matched, the fallback"),
    }
}
