//! One line of plain text per step: when, what ran (a delivery, a timer, a command, a drop) and
//! what it did. The same text is the UI's event log, the CLI's trace and the golden traces, so a
//! teacher reading any of them sees the same story.
//!
//! `t=000120.250 #0042 deliver b2->b1 FetchResponse(orders-0 [17,18))  | b1 orders-0 HW 17->18`

use crate::kafka::event::{BatchReadyReason, ElectionKind, Event};
use crate::kafka::protocol::{Message, OffsetSpec};
use crate::kafka::record::RecordBatch;
use crate::kafka::{Cluster, Timer};
use crate::sim::{Cause, DropReason, Step};

/// The width the cause column is padded to, so event text lines up.
const CAUSE_WIDTH: usize = 58;

pub fn narrate(step: &Step<Cluster>) -> String {
    let cause = cause_text(&step.cause);
    let mut facts: Vec<String> = step.events.iter().map(event_text).collect();
    for (from, to, msg, reason) in &step.dropped {
        facts.push(format!(
            "{from}->{to} {} dropped ({})",
            msg.api_name(),
            drop_reason(*reason)
        ));
    }
    if let Some(reason) = &step.rejected {
        facts.push(format!("refused: {reason}"));
    }
    let head = format!("t={} #{:04} {cause}", step.time, step.index);
    if facts.is_empty() {
        head
    } else {
        format!(
            "{head:<width$} | {}",
            facts.join("; "),
            width = CAUSE_WIDTH + 18
        )
    }
}

pub fn cause_text(cause: &Cause<Cluster>) -> String {
    match cause {
        Cause::Deliver { from, to, msg, .. } => {
            format!("deliver {from}->{to} {}", message_text(msg))
        }
        Cause::Timer { node, timer } => format!("timer   {node} {}", timer_text(timer)),
        Cause::Command(c) => format!("command {}", command_text(c)),
        Cause::Drop {
            from,
            to,
            msg,
            reason,
        } => {
            format!(
                "drop    {from}->{to} {} ({})",
                message_text(msg),
                drop_reason(*reason)
            )
        }
    }
}

pub fn drop_reason(reason: DropReason) -> &'static str {
    match reason {
        DropReason::ConnectionClosed => "connection closed before the link came back",
        DropReason::Lost => "lost on the link",
        DropReason::Unreachable => "host down",
    }
}

fn batch_range(batches: &[RecordBatch]) -> String {
    match (batches.first(), batches.last()) {
        (Some(first), Some(last)) => format!("[{},{})", first.base_offset, last.next_offset()),
        _ => "[]".into(),
    }
}

/// A short description of a message: API name and the essentials.
pub fn message_text(msg: &Message) -> String {
    match msg {
        Message::Metadata { topics, .. } if topics.is_empty() => "Metadata(all topics)".into(),
        Message::Metadata { topics, .. } => format!("Metadata({})", topics.join(",")),
        Message::MetadataResponse { topics, .. } => {
            format!("MetadataResponse({} topics)", topics.len())
        }
        Message::Produce(p) => {
            let parts: Vec<String> = p
                .partitions
                .iter()
                .map(|(tp, b)| format!("{tp}×{}", b.record_count()))
                .collect();
            format!("Produce(acks={} {})", acks_text(p.acks), parts.join(" "))
        }
        Message::ProduceResponse(r) => {
            let parts: Vec<String> = r
                .partitions
                .iter()
                .map(|p| {
                    if p.error.is_error() {
                        format!("{} {}", p.partition, p.error)
                    } else {
                        format!("{} @{}", p.partition, p.base_offset)
                    }
                })
                .collect();
            format!("ProduceResponse({})", parts.join(" "))
        }
        Message::Fetch(f) => {
            let parts: Vec<String> = f
                .partitions
                .iter()
                .map(|p| format!("{} @{}", p.partition, p.fetch_offset))
                .collect();
            format!("Fetch({})", parts.join(" "))
        }
        Message::FetchResponse(r) => {
            let parts: Vec<String> = r
                .partitions
                .iter()
                .map(|p| {
                    if p.error.is_error() {
                        format!("{} {}", p.partition, p.error)
                    } else if let Some(d) = p.diverging_epoch {
                        format!(
                            "{} diverging epoch {} ends @{}",
                            p.partition, d.epoch, d.end_offset
                        )
                    } else {
                        format!(
                            "{} {} hw={}",
                            p.partition,
                            batch_range(&p.records),
                            p.high_watermark
                        )
                    }
                })
                .collect();
            format!("FetchResponse({})", parts.join(" "))
        }
        Message::ListOffsets {
            partition, spec, ..
        } => {
            format!(
                "ListOffsets({partition} {})",
                if *spec == OffsetSpec::Earliest {
                    "earliest"
                } else {
                    "latest"
                }
            )
        }
        Message::ListOffsetsResponse {
            partition,
            error,
            offset,
            ..
        } if !error.is_error() => {
            format!("ListOffsetsResponse({partition} @{offset})")
        }
        Message::ListOffsetsResponse {
            partition, error, ..
        } => format!("ListOffsetsResponse({partition} {error})"),
        Message::BrokerHeartbeat {
            broker_epoch,
            metadata_offset,
            want_shutdown,
            ..
        } => {
            let shutdown = if *want_shutdown {
                " wants shutdown"
            } else {
                ""
            };
            format!("BrokerHeartbeat(epoch {broker_epoch}, metadata @{metadata_offset}{shutdown})")
        }
        Message::BrokerHeartbeatResponse {
            error,
            is_fenced,
            should_shutdown,
            ..
        } if !error.is_error() => {
            let state = if *should_shutdown {
                "may shut down"
            } else if *is_fenced {
                "fenced"
            } else {
                "ok"
            };
            format!("BrokerHeartbeatResponse({state})")
        }
        Message::BrokerHeartbeatResponse { error, .. } => {
            format!("BrokerHeartbeatResponse({error})")
        }
        Message::BrokerRegistration { incarnation, .. } => {
            format!("BrokerRegistration(incarnation {incarnation})")
        }
        Message::BrokerRegistrationResponse {
            error,
            broker_epoch,
        } if !error.is_error() => {
            format!("BrokerRegistrationResponse(epoch {broker_epoch})")
        }
        Message::BrokerRegistrationResponse { error, .. } => {
            format!("BrokerRegistrationResponse({error})")
        }
        Message::MetadataDelta { records, .. } => match (records.first(), records.last()) {
            (Some((a, _)), Some((b, _))) if a == b => format!("MetadataDelta(record @{a})"),
            (Some((a, _)), Some((b, _))) => format!("MetadataDelta(records @{a}..{b})"),
            _ => "MetadataDelta()".into(),
        },
        Message::AlterPartition {
            partition,
            new_isr,
            partition_epoch,
            ..
        } => {
            format!(
                "AlterPartition({partition} ISR {} partition epoch {partition_epoch})",
                brokers(new_isr)
            )
        }
        Message::AlterPartitionResponse {
            partition, error, ..
        } => format!("AlterPartitionResponse({partition} {error})"),
        Message::Vote {
            epoch, candidate, ..
        } => format!("Vote(epoch {epoch} for ctl{candidate})"),
        Message::VoteResponse { epoch, granted } => {
            format!(
                "VoteResponse(epoch {epoch} {})",
                if *granted { "granted" } else { "refused" }
            )
        }
        Message::BeginQuorumEpoch { epoch, leader } => {
            format!("BeginQuorumEpoch(ctl{leader} leads epoch {epoch})")
        }
        Message::QuorumFetch { fetch_offset, .. } => format!("QuorumFetch(@{fetch_offset})"),
        Message::QuorumFetchResponse {
            records,
            high_watermark,
            diverging,
            ..
        } => match diverging {
            Some(d) => format!(
                "QuorumFetchResponse(diverging: epoch {} ends @{})",
                d.epoch, d.end_offset
            ),
            None => format!(
                "QuorumFetchResponse({} records, hw={high_watermark})",
                records.len()
            ),
        },
        Message::OffsetForLeaderEpoch {
            partition,
            leader_epoch,
            ..
        } => format!("OffsetForLeaderEpoch({partition} epoch {leader_epoch})"),
        Message::OffsetForLeaderEpochResponse { partition, end, .. } => {
            format!(
                "OffsetForLeaderEpochResponse({partition} epoch {} ends @{})",
                end.epoch, end.end_offset
            )
        }
        Message::FindCoordinator { group_id, .. } => format!("FindCoordinator({group_id})"),
        Message::FindCoordinatorResponse {
            error, coordinator, ..
        } => match coordinator {
            Some(b) if !error.is_error() => format!("FindCoordinatorResponse({b})"),
            _ => format!("FindCoordinatorResponse({error})"),
        },
        Message::JoinGroup {
            group_id,
            member_id,
            generation,
            ..
        } => {
            let who = if member_id.is_empty() {
                "new member"
            } else {
                short_member(member_id)
            };
            format!("JoinGroup({group_id} {who} gen {generation})")
        }
        Message::JoinGroupResponse {
            error,
            generation,
            protocol,
            members,
            leader,
            member_id,
            ..
        } => {
            if !error.is_error() {
                let role = if leader == member_id {
                    format!(" leader, {} members", members.len())
                } else {
                    String::new()
                };
                format!(
                    "JoinGroupResponse(gen {generation} {}{role})",
                    protocol.as_deref().unwrap_or("-")
                )
            } else {
                format!("JoinGroupResponse({error})")
            }
        }
        Message::SyncGroup {
            group_id,
            generation,
            assignments,
            ..
        } => {
            if assignments.is_empty() {
                format!("SyncGroup({group_id} gen {generation})")
            } else {
                format!(
                    "SyncGroup({group_id} gen {generation}, {} assignments)",
                    assignments.len()
                )
            }
        }
        Message::SyncGroupResponse {
            error, assignment, ..
        } => {
            if !error.is_error() {
                format!("SyncGroupResponse({})", tps(assignment))
            } else {
                format!("SyncGroupResponse({error})")
            }
        }
        Message::Heartbeat { generation, .. } => format!("Heartbeat(gen {generation})"),
        Message::HeartbeatResponse { error, .. } => format!("HeartbeatResponse({error})"),
        Message::LeaveGroup { member_id, .. } => format!("LeaveGroup({})", short_member(member_id)),
        Message::OffsetCommit {
            generation,
            offsets,
            ..
        } => format!(
            "OffsetCommit(gen {generation} {})",
            offsets
                .iter()
                .map(|(tp, o, _)| format!("{tp}@{o}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Message::OffsetCommitResponse { error, .. } => format!("OffsetCommitResponse({error})"),
        Message::OffsetFetch { partitions, .. } => format!("OffsetFetch({})", tps(partitions)),
        Message::OffsetFetchResponse { error, offsets, .. } => {
            if !error.is_error() {
                format!(
                    "OffsetFetchResponse({})",
                    offsets
                        .iter()
                        .map(|(tp, o, _)| format!("{tp}@{o}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            } else {
                format!("OffsetFetchResponse({error})")
            }
        }
        other => other.api_name().to_string(),
    }
}

/// `consumer-g-1-1f0c...` shortened to `consumer-g-1-1f0c` for the log.
fn short_member(member: &str) -> &str {
    match member.rfind('-') {
        Some(i) if member.len() > i + 5 => &member[..i + 5],
        _ => member,
    }
}

fn tps(partitions: &[crate::kafka::TopicPartition]) -> String {
    if partitions.is_empty() {
        "nothing".into()
    } else {
        partitions
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn acks_text(acks: i16) -> &'static str {
    match acks {
        0 => "0",
        1 => "1",
        _ => "all",
    }
}

pub fn timer_text(timer: &Timer) -> String {
    match timer {
        Timer::LingerExpired { partition } => format!("LingerExpired({partition})"),
        Timer::RequestTimeout { correlation_id } => format!("RequestTimeout(#{correlation_id})"),
        Timer::FetchExpiry { from, .. } => format!("FetchWaitExpired({from})"),
        Timer::ProduceExpiry { from, .. } => format!("ProduceTimeout({from})"),
        Timer::ReplicaFetch { leader } => format!("ReplicaFetchBackoff({leader})"),
        Timer::RetentionCheck => "RetentionCheck(log.retention.check.interval.ms)".into(),
        Timer::CleanerCheck => "LogCleaner(log.cleaner.backoff.ms)".into(),
        Timer::RetryBackoff { partition } => format!("RetryBackoffOver({partition})"),
        Timer::QuorumFetchExpiry { replica } => format!("QuorumFetchWaitExpired(ctl{replica})"),
        other => format!("{other:?}")
            .split([' ', '{'])
            .next()
            .unwrap_or("timer")
            .to_string(),
    }
}

pub fn command_text(command: &crate::kafka::Command) -> String {
    use crate::kafka::Command as C;
    match command {
        C::Produce {
            producer,
            topic,
            key,
            value,
            partition,
            timestamp,
            headers,
        } => {
            let key = key
                .as_deref()
                .map_or("null".to_string(), |k| format!("\"{k}\""));
            let value = value
                .as_deref()
                .map_or("null".to_string(), |v| format!("\"{v}\""));
            let partition = partition.map_or(String::new(), |p| format!(" partition={p}"));
            let timestamp = timestamp.map_or(String::new(), |t| format!(" timestamp={t}"));
            let headers = if headers.is_empty() {
                String::new()
            } else {
                let list: Vec<String> = headers
                    .iter()
                    .map(|h| format!("{}={}", h.key, h.value))
                    .collect();
                format!(" headers=[{}]", list.join(", "))
            };
            format!(
                "{producer} send({topic}, key={key}, value={value}{partition}{timestamp}{headers})"
            )
        }
        C::ProduceMany {
            producer,
            topic,
            count,
            ..
        } => format!("{producer} send {count} records to {topic}"),
        C::SetProduceRate {
            producer,
            topic,
            records_per_second,
            ..
        } => {
            format!("{producer} produce {records_per_second}/s to {topic}")
        }
        C::Crash { node } => format!("crash {node}"),
        C::PowerFail { node } => format!("power failure on {node}"),
        C::Restart { node } => format!("restart {node}"),
        C::Shutdown { node } => format!("controlled shutdown of {node}"),
        C::Pause { node, ms } => format!("pause {node} for {ms} ms"),
        C::Flush { producer } => format!("{producer} flush()"),
        C::SetSendMode { producer, mode } => format!("{producer} sends {}", mode.describe()),
        other => txn_command_text(other).unwrap_or_else(|| {
            let text = serde_json::to_string(other).unwrap_or_default();
            text.trim_matches(['{', '}']).replace('"', "")
        }),
    }
}

/// The transactional producer's calls, as the application writes them.
fn txn_command_text(command: &crate::kafka::Command) -> Option<String> {
    use crate::kafka::Command as C;
    let text = match command {
        C::InitTransactions { producer } => format!("{producer} initTransactions()"),
        C::BeginTransaction { producer } => format!("{producer} beginTransaction()"),
        C::CommitTransaction { producer } => format!("{producer} commitTransaction()"),
        C::AbortTransaction { producer } => format!("{producer} abortTransaction()"),
        C::SendOffsetsToTransaction {
            producer,
            group,
            offsets,
        } => format!(
            "{producer} sendOffsetsToTransaction({}, group={group})",
            offsets_text(offsets)
        ),
        C::StartPipeline {
            consumer,
            producer,
            output_topic,
        } => format!("start pipeline {consumer} -> {producer} -> {output_topic} (exactly-once)"),
        _ => return None,
    };
    Some(text)
}

/// `{orders-0=12, orders-1=3}`, as Java prints a map of offsets.
pub fn offsets_text(offsets: &std::collections::BTreeMap<String, i64>) -> String {
    let parts: Vec<String> = offsets.iter().map(|(tp, o)| format!("{tp}={o}")).collect();
    format!("{{{}}}", parts.join(", "))
}

pub fn event_text(event: &Event) -> String {
    match event {
        Event::RecordPartitioned {
            producer,
            record,
            partition,
            how,
            ..
        } => format!(
            "p{producer} {record} → {partition} ({})",
            super::errors::partition_choice(how, partition.partition)
        ),
        Event::SendRejected {
            producer,
            record,
            error,
        } => format!("p{producer} send() of {record} failed: {error}"),
        Event::RecordAppendedToBatch {
            producer,
            partition,
            batch_records,
            batch_bytes,
            batch_size,
            new_batch,
            ..
        } => {
            let new = if *new_batch { "new batch" } else { "batch" };
            format!(
                "p{producer} {partition} {new}: {batch_records} rec, {batch_bytes}/{batch_size} B"
            )
        }
        Event::StickyPartitionSwitched {
            producer,
            topic,
            from,
            to,
        } => match from {
            Some(f) => format!("p{producer} sticky partition of {topic} {f}->{to}"),
            None => format!("p{producer} sticky partition of {topic} is {to}"),
        },
        Event::BatchReady {
            producer,
            partition,
            reason,
            records,
            bytes,
        } => {
            format!(
                "p{producer} {partition} batch ready ({}): {records} rec, {bytes} B",
                ready_reason(*reason)
            )
        }
        Event::ProduceSent {
            producer,
            broker,
            batches,
            bytes,
            ..
        } => {
            let parts: Vec<String> = batches.iter().map(|(tp, n)| format!("{tp}×{n}")).collect();
            format!(
                "p{producer} sends Produce to {broker}: {} ({bytes} B)",
                parts.join(" ")
            )
        }
        Event::ProduceAcked {
            producer,
            partition,
            base_offset,
            records,
        } => {
            if *base_offset < 0 {
                format!(
                    "p{producer} {partition} {} rec sent, no ack (acks=0)",
                    records.len()
                )
            } else {
                format!(
                    "p{producer} {partition} acked @{base_offset} ({} rec)",
                    records.len()
                )
            }
        }
        Event::ProduceFailed {
            producer,
            partition,
            error,
            records,
            retrying,
            ..
        } => {
            let next = if *retrying { "will retry" } else { "gave up" };
            format!(
                "p{producer} {partition} {error} for {} rec, {next}",
                records.len()
            )
        }
        Event::RequestTimedOut {
            node, peer, api, ..
        } => format!("{node} {api} to {peer} timed out"),
        Event::ConnectionLost {
            node,
            peer,
            failed_requests,
        } => {
            format!("{node} connection to {peer} reset ({failed_requests} request(s) failed)")
        }
        Event::MetadataUpdated { node, leaders } => {
            let parts: Vec<String> = leaders
                .iter()
                .take(4)
                .map(|(tp, l, e)| {
                    format!(
                        "{tp}→{}",
                        l.map_or("none".to_string(), |b| format!("{b}(e{e})"))
                    )
                })
                .collect();
            let more = if leaders.len() > 4 {
                format!(" +{}", leaders.len() - 4)
            } else {
                String::new()
            };
            format!("{node} metadata: {}{more}", parts.join(" "))
        }
        Event::BatchAppended {
            broker,
            partition,
            base_offset,
            last_offset,
            leader_epoch,
            ..
        } => {
            format!("{broker} {partition} appended @{base_offset}..{last_offset} (epoch {leader_epoch})")
        }
        Event::HighWatermarkAdvanced {
            broker,
            partition,
            from,
            to,
        } => format!("{broker} {partition} HW {from}->{to}"),
        Event::FollowerAppended {
            broker,
            partition,
            from_offset,
            to_offset,
        } => {
            format!("{broker} {partition} LEO {from_offset}->{to_offset}")
        }
        Event::BecameLeader {
            broker,
            partition,
            leader_epoch,
            ..
        } => format!("{broker} leads {partition} (epoch {leader_epoch})"),
        Event::BecameFollower {
            broker,
            partition,
            leader,
            leader_epoch,
        } => format!(
            "{broker} follows {} for {partition} (epoch {leader_epoch})",
            leader.map_or("nobody".to_string(), |l| l.to_string())
        ),
        Event::ProduceRejected {
            broker,
            partition,
            error,
            ..
        } => format!("{broker} {partition} rejected: {error}"),
        Event::RecordsFetched {
            consumer,
            partition,
            first_offset,
            last_offset,
        } => {
            format!("c{consumer} fetched {partition} @{first_offset}..{last_offset}")
        }
        Event::RecordsPolled {
            consumer, records, ..
        } => {
            format!("c{consumer} poll() returned {} rec", records.len())
        }
        Event::PositionReset {
            consumer,
            partition,
            offset,
            ..
        } => format!("c{consumer} {partition} position = {offset}"),
        Event::ProcessStopped { node, fault } => {
            format!("{node} {}", fault_name(*fault))
        }
        Event::ProcessStarted { node } => format!("{node} started"),
        Event::ProcessPaused { node, until_ms } => format!("{node} paused until t={until_ms}ms"),
        Event::ProcessResumed { node } => format!("{node} resumed"),
        Event::NetworkChanged { change } => network_change(change),
        Event::RecordsLostOnPowerFailure {
            broker,
            partition,
            from,
            to,
        } => {
            format!(
                "{broker} {partition} lost unflushed @{from}..{} on power failure",
                to - 1
            )
        }
        Event::LeaderElected {
            partition,
            leader,
            leader_epoch,
            kind,
            isr,
        } => format!(
            "{partition} leader {} epoch {leader_epoch} ({}), ISR {}",
            leader.map_or("none".to_string(), |b| b.to_string()),
            election_kind(*kind),
            brokers(isr)
        ),
        Event::IsrChanged {
            partition,
            from,
            to,
            ..
        } => format!("{partition} ISR {}->{}", brokers(from), brokers(to)),
        Event::RecordsProcessed {
            consumer, records, ..
        } => format!("c{consumer} processed {} rec", records.len()),
        Event::OffsetsCommitted {
            consumer,
            group,
            offsets,
            error,
            sync,
        } => {
            let kind = if *sync { "commitSync" } else { "commit" };
            let what = offsets
                .iter()
                .map(|(tp, o)| format!("{tp}@{o}"))
                .collect::<Vec<_>>()
                .join(" ");
            if !error.is_error() {
                format!("c{consumer} {kind} to {group} stored {what}")
            } else {
                format!("c{consumer} {kind} of {what} failed: {error}")
            }
        }
        Event::TruncationDetected {
            consumer,
            partition,
            position,
            end_offset,
        } => format!(
            "c{consumer} {partition}: log truncation detected (position {position} > end of its epoch {end_offset})"
        ),
        Event::CoordinatorFound {
            consumer,
            group,
            broker,
        } => format!("c{consumer}: coordinator of {group} is {broker}"),
        Event::JoiningGroup {
            consumer,
            group,
            reason,
        } => format!("c{consumer} (re)joins {group}: {reason}"),
        Event::PartitionsAssigned {
            consumer,
            generation,
            partitions,
            added,
            ..
        } => format!(
            "c{consumer} assigned {} in generation {generation}{}",
            tps(partitions),
            if added.is_empty() || added.len() == partitions.len() {
                String::new()
            } else {
                format!(" (new: {})", tps(added))
            }
        ),
        Event::PartitionsRevoked {
            consumer,
            partitions,
            ..
        } => format!("c{consumer} revoked {}", tps(partitions)),
        Event::ConsumerLeftGroup {
            consumer,
            group,
            reason,
        } => format!("c{consumer} leaves {group}: {reason}"),
        Event::GroupStateChanged {
            broker,
            group,
            from,
            to,
            generation,
        } => format!("{broker} group {group}: {from} -> {to} (generation {generation})"),
        Event::RebalanceStarted {
            broker,
            group,
            reason,
            ..
        } => format!("{broker} group {group} rebalances: {reason}"),
        Event::MemberJoined {
            group, client, ..
        } => format!("{client} joined group {group}"),
        Event::MemberRemoved {
            group,
            client,
            reason,
            ..
        } => format!("{client} removed from group {group}: {reason}"),
        Event::GroupsLoaded {
            broker,
            partition,
            groups,
        } => {
            if groups.is_empty() {
                format!("{broker} now coordinates the groups of {partition} (none yet)")
            } else {
                format!("{broker} loaded group(s) {} from {partition}", groups.join(", "))
            }
        }
        Event::SegmentsDeleted {
            broker,
            partition,
            segments,
            records,
            from_offset,
            to_offset,
            new_log_start_offset,
            reason,
            ..
        } => format!(
            "{broker} {partition} retention ({}) deleted {segments} segment(s), offsets {from_offset}..{} ({records} records); log start offset = {new_log_start_offset}",
            reason.name(),
            to_offset - 1
        ),
        Event::LogCompacted {
            broker,
            partition,
            first_dirty_offset,
            cleaned_up_to,
            records_removed,
            tombstones_removed,
            segments_before,
            segments_after,
        } => format!(
            "{broker} {partition} compacted offsets {first_dirty_offset}..{}: {records_removed} record(s) removed ({tombstones_removed} tombstones), segments {segments_before}->{segments_after}",
            cleaned_up_to - 1
        ),
        Event::LogStartOffsetIncremented {
            broker,
            partition,
            from,
            to,
            restarted,
        } => {
            if *restarted {
                format!("{broker} {partition}: the leader deleted what it was missing; log restarts at {to}")
            } else {
                format!("{broker} {partition} log start offset {from}->{to} (follows the leader)")
            }
        }
        Event::ConsumerError { consumer, error } => format!("c{consumer}: {error}"),
        Event::AsyncCommitRetried { consumer, offsets, error } => format!(
            "c{consumer}: commitAsync of {} failed ({error}); the callback retries it",
            offsets.iter().map(|(tp, o)| format!("{tp}@{o}")).collect::<Vec<_>>().join(" ")
        ),
        Event::NothingToCommit { consumer } => format!("c{consumer}: commitSync(): nothing new to commit"),
        Event::ProducerIdAssigned { producer, producer_id, epoch } => {
            format!("p{producer} is idempotent: producer id {producer_id}, epoch {epoch}")
        }
        Event::SendBlocked { producer, record, waiting_bytes } => {
            format!("p{producer} send() of {record} blocks: buffer.memory is full ({waiting_bytes} B needed)")
        }
        Event::SendTimedOut { producer, record, after_ms } => {
            format!("p{producer} send() of {record} gave up after max.block.ms={after_ms}")
        }
        Event::ControllerElected { controller, epoch } => format!("ctl{controller} is the active controller (quorum epoch {epoch})"),
        Event::ControllerVoteStarted { controller, epoch } => format!("ctl{controller} starts an election for quorum epoch {epoch}"),
        Event::MetadataCommitted { controller, offset, records } => {
            let text: Vec<String> = records.iter().map(committed_record).collect();
            format!("ctl{controller} committed metadata @{offset}: {}", text.join(", "))
        }
        Event::BrokerRegistered { broker, epoch } => format!("{broker} registers (broker epoch {epoch})"),
        Event::BrokerFenced { broker, reason } => format!("controller fences {broker}: {}", fence_reason(*reason)),
        Event::ClientConfigChanged { node, key, value } => {
            format!("{node}: {key}={value} (applies to new batches)")
        }
        Event::SendModeChanged { producer, mode } => {
            format!("p{producer}: the application now sends {}", mode.describe())
        }
        Event::ControlledShutdownStarted { broker } => format!("{broker} begins a controlled shutdown: it asks the controller to move its leaderships first"),
        Event::ControlledShutdownRequested { broker } => format!("{broker} asked for a controlled shutdown: its leaderships move first"),
        Event::GroupOffsetsAltered { broker, group, offsets, deleted } => {
            if *deleted {
                format!("{broker} deleted group {group} and its committed offsets")
            } else {
                let changes: Vec<String> = offsets
                    .iter()
                    .map(|(tp, o)| o.map_or(format!("{tp} deleted"), |o| format!("{tp}@{o}")))
                    .collect();
                format!("{broker} group {group} offsets set by an admin: {}", changes.join(", "))
            }
        }
        Event::ConfigsAltered { resource, set, deleted } => {
            let mut changes: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v}")).collect();
            changes.extend(deleted.iter().map(|k| format!("-{k}")));
            format!("controller alters {} configs: {}", config_resource(resource), changes.join(", "))
        }
        Event::TxnMarkerWritten { broker, partition, producer_id, producer_epoch, kind, offset } => {
            let kind = kind.name();
            format!("{broker} {partition} wrote the {kind} marker of producer {producer_id} (epoch {producer_epoch}) @{offset}")
        }
        Event::TxnStateChanged { broker, transactional_id, state, producer_id, producer_epoch } => {
            format!("{broker} txn {transactional_id}: {} (producer {producer_id}, epoch {producer_epoch})", state.name())
        }
        Event::TransactionTimedOut { broker, transactional_id, producer_epoch, .. } => {
            format!("{broker} txn {transactional_id} timed out: aborting at epoch {producer_epoch}")
        }
        Event::TransactionsLoaded { broker, partition, transactional_ids } => {
            format!("{broker} loaded {partition}: {} transactional id(s)", transactional_ids.len())
        }
        Event::ProducerTxnStateChanged { producer, state, error } => {
            if error.is_error() {
                format!("p{producer} transaction state {} ({error})", state.name())
            } else {
                format!("p{producer} transaction state {}", state.name())
            }
        }
        Event::PreferredElectionRan { moved } => format!("preferred leader election: {moved} partition(s) moved back to their preferred leader"),
        Event::ProducerRecordsLost { producer, records } => format!("p{producer} lost {records} record(s) that were still in its memory"),
        Event::ControllerResigned { controller } => format!("ctl{controller} lost contact with a majority of the quorum and resigned as active controller"),
        Event::BrokerUnfenced { broker } => format!("controller unfences {broker}: it caught up with the metadata"),
        Event::IsrChangeProposed { broker, partition, from, to, reason } => {
            format!("{broker} asks to change {partition} ISR {}->{} ({})", brokers(from), brokers(to), isr_reason(reason))
        }
        Event::FollowerTruncated { broker, partition, from, to, diverging_epoch, epoch_end_offset } => {
            format!("{broker} {partition} truncated LEO {from}->{to} (leader's epoch {diverging_epoch} ends at offset {epoch_end_offset})")
        }
        Event::ParkedProduceCompleted { broker, partition, error } => {
            format!("{broker} {partition} acks=all request completes: {error}")
        }
        Event::TopicCreated { topic, partitions, replication_factor } => {
            format!("topic {topic} created: {partitions} partitions, replication factor {replication_factor}")
        }
        Event::TopicsDeleted { topics } => format!("controller deletes topic(s) {}", topics.join(", ")),
        Event::DuplicateBatchIgnored { broker, partition, producer_id, base_sequence, original_offset } => format!(
            "{broker} {partition} duplicate batch (producer {producer_id}, seq {base_sequence}) ignored: already @{original_offset}"
        ),
    }
}

pub fn ready_reason(reason: BatchReadyReason) -> &'static str {
    match reason {
        BatchReadyReason::Full => "full",
        BatchReadyReason::LingerExpired => "linger.ms expired",
        BatchReadyReason::Flush => "flush",
        BatchReadyReason::BufferExhausted => "buffer.memory exhausted",
        BatchReadyReason::Retry => "retry",
        BatchReadyReason::Piggyback => "sent along to the same broker",
    }
}

fn election_kind(kind: ElectionKind) -> &'static str {
    match kind {
        ElectionKind::Clean => "clean election",
        ElectionKind::Unclean => "UNCLEAN election",
        ElectionKind::Preferred => "preferred leader",
        ElectionKind::ControlledShutdown => "controlled shutdown",
    }
}

pub fn brokers(ids: &[crate::kafka::BrokerId]) -> String {
    format!(
        "{{{}}}",
        ids.iter()
            .map(|b| b.0.to_string())
            .collect::<Vec<_>>()
            .join(",")
    )
}

pub fn fault_name(fault: crate::kafka::event::ProcessFault) -> &'static str {
    use crate::kafka::event::ProcessFault;
    match fault {
        ProcessFault::Crash => "crashed",
        ProcessFault::PowerFailure => "power failure",
        ProcessFault::GracefulShutdown => "shut down",
    }
}

pub fn fence_reason(reason: crate::kafka::event::FenceReason) -> String {
    use crate::kafka::event::FenceReason;
    match reason {
        FenceReason::SessionExpired { session_timeout_ms } => format!(
            "no heartbeat for more than broker.session.timeout.ms ({session_timeout_ms} ms)"
        ),
        FenceReason::ControlledShutdownComplete => "controlled shutdown complete".into(),
        FenceReason::NewIncarnation => "restarted with a new incarnation".into(),
    }
}

fn committed_record(record: &crate::kafka::event::CommittedRecord) -> String {
    use crate::kafka::event::CommittedRecord as R;
    match record {
        R::BrokerRegistered { broker, epoch } => format!("{broker} registered (epoch {epoch})"),
        R::BrokerFenced(b) => format!("{b} fenced"),
        R::BrokerUnfenced(b) => format!("{b} unfenced"),
        R::BrokerShuttingDown(b) => format!("{b} shutting down"),
        R::TopicCreated { topic, .. } => format!("topic {topic} created"),
        R::PartitionsAdded { topic, added } => format!("{added} partitions added to {topic}"),
        R::TopicDeleted { topic } => format!("topic {topic} deleted"),
        R::PartitionChanged {
            partition,
            leader,
            leader_epoch,
            isr,
        } => format!(
            "{partition} leader {} e{leader_epoch} ISR {}",
            leader.map_or("none".to_string(), |b| b.to_string()),
            brokers(isr)
        ),
        R::QuorumLeader { controller, epoch } => {
            format!("ctl{controller} leads the quorum (epoch {epoch})")
        }
        R::ConfigChanged {
            resource,
            name,
            value,
        } => match value {
            Some(v) => format!("{} config {name}={v}", config_resource(resource)),
            None => format!("{} config {name} deleted", config_resource(resource)),
        },
    }
}

/// `topic orders`, `broker 1`, `broker default`.
pub fn config_resource(resource: &crate::kafka::metadata::ConfigResource) -> String {
    use crate::kafka::metadata::ConfigResource as C;
    match resource {
        C::Topic(t) => format!("topic {t}"),
        C::Broker(b) if b.is_empty() => "broker default".to_string(),
        C::Broker(b) => format!("broker {b}"),
    }
}

fn names(nodes: &[crate::kafka::NodeId]) -> String {
    nodes
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn network_change(change: &crate::kafka::event::NetworkChange) -> String {
    use crate::kafka::event::NetworkChange as N;
    match change {
        N::Isolated { node } => format!("{node} isolated from every other node"),
        N::Split { groups } => {
            let text: Vec<String> = groups.iter().map(|g| format!("{{{}}}", names(g))).collect();
            format!("network split into {}", text.join(" | "))
        }
        N::OneWay { from, to } => format!(
            "messages from {{{}}} to {{{}}} are dropped (one way)",
            names(from),
            names(to)
        ),
        N::Healed => "network healed: every link works again".into(),
        N::LinkSet {
            a,
            b,
            latency_ms,
            loss_percent,
            duplicate_percent,
        } => format!(
            "link {a}<->{b}: {}-{} ms, {loss_percent}% loss, {duplicate_percent}% duplicated",
            latency_ms.0, latency_ms.1
        ),
        N::Throttled {
            from,
            to,
            bytes_per_second,
        } => format!("link {from}->{to} throttled to {bytes_per_second} bytes/s"),
        N::Held { from, to } => format!("messages {from}->{to} are held"),
        N::Released { from, to } => format!("held messages {from}->{to} released"),
    }
}

pub fn isr_reason(reason: &crate::kafka::event::IsrChangeReason) -> String {
    use crate::kafka::event::IsrChangeReason;
    match reason {
        IsrChangeReason::Lagging {
            followers,
            replica_lag_time_max_ms,
        } => {
            let text: Vec<String> = followers
                .iter()
                .map(|(b, ms)| {
                    format!("{b} not caught up for {}.{}s", ms / 1000, (ms % 1000) / 100)
                })
                .collect();
            format!(
                "{} (replica.lag.time.max.ms={replica_lag_time_max_ms})",
                text.join(", ")
            )
        }
        IsrChangeReason::CaughtUp {
            follower,
            high_watermark,
        } => format!("{follower} caught up to the high watermark {high_watermark}"),
    }
}

/// Why a leader refused a write, in Kafka's words where Kafka has them.
pub fn reject_reason(
    reason: &crate::kafka::event::RejectReason,
    partition: &crate::kafka::TopicPartition,
) -> String {
    use crate::kafka::event::RejectReason;
    match reason {
        RejectReason::BelowMinIsr { isr, min_insync_replicas } => format!(
            "The size of the current ISR {:?} is insufficient to satisfy the min.isr requirement of {min_insync_replicas} for partition {partition}",
            isr.iter().map(|b| b.0).collect::<Vec<_>>()
        ),
        RejectReason::KeylessRecordOnCompactedTopic => format!(
            "Compacted topic cannot accept message without key in topic partition {partition}."
        ),
        RejectReason::ProducerState(e) => e.message().to_string(),
        RejectReason::NonTransactionalWrite { producer_id, offset } => format!(
            "Expected transactional write from producer {producer_id} at offset LogOffsetMetadata(offset={offset}) in partition {partition}"
        ),
        other => other.to_string(),
    }
}
