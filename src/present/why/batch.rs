//! Why a producer's batch for a partition is still waiting in its accumulator, in the order the
//! sender decides (`RecordAccumulator.ready`, `Sender.sendProducerData`): `send()` blocked on a
//! full `buffer.memory`, a retry waiting out `retry.backoff.ms`, `linger.ms` not expired, no
//! leader known, no producer id yet, or `max.in.flight.requests.per.connection` reached.

use super::{link, time_text, WhyAnswer};
use crate::check::causes::Causes;
use crate::kafka::producer::accumulator::ProducerBatch;
use crate::kafka::producer::Producer;
use crate::kafka::{KafkaWorld, NodeId, TopicPartition};
use crate::sim::SimDuration;

/// Why producer `id`'s oldest batch for `tp` has not left; `None` for an unknown producer.
pub fn batch_why(
    world: &KafkaWorld,
    causes: &Causes,
    id: u32,
    tp: &TopicPartition,
) -> Option<WhyAnswer> {
    let p = world.model().producers.get(&id)?;
    let question = format!("Why is p{id}'s batch for {tp} still waiting?");
    let blocked = blocked_text(world, causes, p);
    let Some(b) = p.accumulator.first(tp) else {
        return Some(match blocked {
            Some(answer) => answer.retitle(question),
            None => WhyAnswer::new(
                question,
                format!("p{id} has no batch waiting for {tp}: everything it sent there has left its accumulator."),
                false,
            ),
        });
    };
    if let Some(answer) = retry_text(world, causes, p, tp, b) {
        return Some(answer.retitle(question));
    }
    if let Some(answer) = linger_text(world, causes, p, tp, b) {
        return Some(answer.retitle(question));
    }
    Some(sender_text(causes, p, tp).retitle(question))
}

impl WhyAnswer {
    fn retitle(mut self, question: String) -> WhyAnswer {
        self.question = question;
        self
    }
}

/// `send()` is blocked: `buffer.memory` is full.
fn blocked_text(world: &KafkaWorld, causes: &Causes, p: &Producer) -> Option<WhyAnswer> {
    let since = p.blocked_since?;
    let c = &p.config;
    let left = since
        .plus(SimDuration::from_ms(c.max_block_ms))
        .since(world.now())
        .as_ms();
    Some(
        WhyAnswer::new(
            String::new(),
            format!(
                "p{}'s send() has been blocked since {}: buffer.memory ({} bytes) is full of batches not yet acknowledged ({} bytes used). It waits up to max.block.ms ({} ms, {left} ms left) for an acknowledgement to free space, then fails.",
                p.id,
                time_text(since),
                c.buffer_memory,
                p.accumulator.buffer_used,
                c.max_block_ms
            ),
            true,
        )
        .with([link(causes.blocked(p.id), format!("p{}'s send() blocked", p.id))]),
    )
}

/// A batch that failed and waits out `retry.backoff.ms` before its next attempt.
fn retry_text(
    world: &KafkaWorld,
    causes: &Causes,
    p: &Producer,
    tp: &TopicPartition,
    b: &ProducerBatch,
) -> Option<WhyAnswer> {
    let now = world.now();
    if b.attempts == 0 || !b.is_backing_off(now) {
        return None;
    }
    let until = b.retry_after?;
    let error = b
        .last_error
        .map_or("an error".to_string(), |e| e.to_string());
    let failed = causes.failed(p.id, tp).map(|(at, _)| at);
    Some(
        WhyAnswer::new(
            String::new(),
            format!(
                "Its attempt #{} failed with {error}, so it waits out its retry backoff (retry.backoff.ms={} ms, growing with each attempt) before it is sent again: {} ms more, until {}.",
                b.attempts,
                p.config.retry_backoff_ms,
                until.since(now).as_ms(),
                time_text(until)
            ),
            true,
        )
        .with([link(failed, format!("p{}'s produce to {tp} failed", p.id))]),
    )
}

/// The batch is lingering: not full, `linger.ms` not over, no `flush()`.
fn linger_text(
    world: &KafkaWorld,
    causes: &Causes,
    p: &Producer,
    tp: &TopicPartition,
    b: &ProducerBatch,
) -> Option<WhyAnswer> {
    let c = &p.config;
    let now = world.now();
    let deadline = b.created_at.plus(SimDuration::from_ms(c.linger_ms));
    let queued = p.accumulator.queue_len(tp);
    if queued > 1 || b.is_full(c.batch_size) || deadline <= now || p.flushing {
        return None;
    }
    Some(
        WhyAnswer::new(
            String::new(),
            format!(
                "It is lingering: linger.ms={} lets it wait for more records until {} ({} ms left), unless it fills batch.size first ({} of {} bytes so far).",
                c.linger_ms,
                time_text(deadline),
                deadline.since(now).as_ms().max(1),
                b.estimated_bytes,
                c.batch_size
            ),
            true,
        )
        .with([link(
            causes.batch_opened(p.id, tp),
            format!("p{} opened the batch", p.id),
        )]),
    )
}

/// The batch is ready: what keeps the sender from sending it.
fn sender_text(causes: &Causes, p: &Producer, tp: &TopicPartition) -> WhyAnswer {
    let c = &p.config;
    let Some(leader) = p.metadata.leader(tp) else {
        let failed = causes.failed(p.id, tp).map(|(at, _)| at);
        return WhyAnswer::new(
            String::new(),
            format!("It is ready, but p{} knows no leader for {tp}: it asks for fresh metadata (Metadata) and sends the batch once a leader is known.", p.id),
            true,
        )
        .with([
            link(causes.leaderless(tp), format!("{tp} lost its leader")),
            link(failed, format!("p{}'s produce to {tp} failed", p.id)),
        ]);
    };
    if c.enable_idempotence && p.sequences.is_none() {
        return WhyAnswer::new(
            String::new(),
            format!("It is ready, but p{} is idempotent and has no producer id yet: it asks for one (InitProducerId) before it sends anything.", p.id),
            true,
        );
    }
    let node = NodeId::Broker(leader);
    let in_flight = p
        .net
        .requests()
        .filter(|(_, r)| r.api == "Produce" && r.to == node)
        .count() as u32;
    if in_flight >= c.max_in_flight_requests_per_connection {
        return WhyAnswer::new(
            String::new(),
            format!(
                "It is ready, but p{} already has {in_flight} Produce requests in flight to {node}, the cap of max.in.flight.requests.per.connection={}: it leaves when {node} answers one.",
                p.id, c.max_in_flight_requests_per_connection
            ),
            true,
        )
        .with([link(
            causes.last_sent(p.id, leader),
            format!("p{}'s last request to {node} took the last slot", p.id),
        )]);
    }
    WhyAnswer::new(
        String::new(),
        format!("It is ready and leaves with the sender's next pass (to {node}, the leader)."),
        false,
    )
}
