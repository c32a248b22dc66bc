//! Why a partition is offline, under-replicated or below `min.insync.replicas`: which replica
//! left the ISR, since when, and why (its broker stopped, it lagged beyond
//! `replica.lag.time.max.ms`, the network cut it off), read from the controller's registration
//! (what the stage shows) and the steps `check::causes` kept.

use super::{link, list, node_trouble, time_text, WhyAnswer, WhyLink};
use crate::check::causes::Causes;
use crate::kafka::{BrokerId, KafkaWorld, NodeId, TopicPartition};
use crate::sim::SimTime;

/// Why `tp` is offline, under-replicated or below `min.insync.replicas`; an answer that is not
/// stuck for a healthy partition; `None` for a partition the cluster does not have.
pub fn partition_health_why(
    world: &KafkaWorld,
    causes: &Causes,
    tp: &TopicPartition,
) -> Option<WhyAnswer> {
    let registration = crate::present::view::truth(world)?.partition(tp)?;
    let min_isr = min_insync_replicas(world, tp);
    let isr = &registration.isr;
    if registration.leader.is_none() {
        let down = isr
            .iter()
            .map(|b| node_trouble(world, causes, NodeId::Broker(*b)));
        let since = causes
            .leaderless(tp)
            .map_or(String::new(), |at| format!(" since {}", ms_text(at.ms)));
        return Some(
            WhyAnswer::new(
                format!("Why is {tp} offline?"),
                format!(
                    "{tp} has had no leader{since}: its last in-sync {} ({}) {} not running, and the controller elects only an in-sync replica unless unclean.leader.election.enable is on. Nobody can write to it or read from it until {} comes back.",
                    if isr.len() == 1 { "replica" } else { "replicas" },
                    list(isr),
                    if isr.len() == 1 { "is" } else { "are" },
                    if isr.len() == 1 { "it" } else { "one of them" },
                ),
                true,
            )
            .with(down.chain([link(causes.leaderless(tp), format!("{tp} lost its leader"))])),
        );
    }
    let out: Vec<BrokerId> = registration
        .replicas
        .iter()
        .copied()
        .filter(|b| !isr.contains(b))
        .collect();
    let below = isr.len() < min_isr;
    if out.is_empty() && !below {
        return Some(WhyAnswer::new(
            format!("Is {tp} healthy?"),
            format!(
                "Yes: all {} of its replicas ({}) are in its ISR.",
                registration.replicas.len(),
                list(&registration.replicas)
            ),
            false,
        ));
    }
    let mut answer: Vec<String> = out
        .iter()
        .map(|b| left_isr_text(world, causes, tp, *b))
        .collect();
    if below {
        answer.push(format!(
            "Its ISR ({}) is smaller than min.insync.replicas={min_isr}, so the leader refuses acks=all writes (NOT_ENOUGH_REPLICAS) until a replica catches up and rejoins.",
            list(isr)
        ));
    }
    let question = if below {
        format!("Why is {tp} below min.insync.replicas?")
    } else {
        format!("Why is {tp} under-replicated?")
    };
    Some(
        WhyAnswer::new(question, answer.join(" "), true)
            .with(isr_exit_links(world, causes, tp, isr)),
    )
}

/// Links to where each replica outside `isr` left it, and to what made it leave.
pub(super) fn isr_exit_links(
    world: &KafkaWorld,
    causes: &Causes,
    tp: &TopicPartition,
    isr: &[BrokerId],
) -> Vec<Option<WhyLink>> {
    let Some(registration) = crate::present::view::truth(world).and_then(|m| m.partition(tp))
    else {
        return Vec::new();
    };
    registration
        .replicas
        .iter()
        .filter(|b| !isr.contains(b))
        .flat_map(|b| {
            let exit = causes.isr_exit(tp, *b);
            // A stop before it left explains the exit even after the broker came back.
            let stop = causes
                .stopped(NodeId::Broker(*b))
                .filter(|(at, _)| exit.is_some_and(|e| at.step <= e.at.step));
            [
                link(exit.map(|e| e.at), format!("{b} left {tp}'s ISR")),
                node_trouble(world, causes, NodeId::Broker(*b)),
                stop.and_then(|(at, fault)| {
                    link(Some(at), format!("{b} {}", super::fault_words(fault)))
                }),
            ]
        })
        .collect()
}

/// "b3 left the ISR at 12.300 s: its broker crashed at 3.000 s." and the other reasons.
fn left_isr_text(world: &KafkaWorld, causes: &Causes, tp: &TopicPartition, b: BrokerId) -> String {
    let node = NodeId::Broker(b);
    let broker = world.model().brokers.get(&b);
    let exit = causes.isr_exit(tp, b);
    let when = exit.map_or(String::new(), |e| format!(" at {}", ms_text(e.at.ms)));
    let lag_max = broker.map_or(30_000, |b| b.config.ms("replica.lag.time.max.ms"));
    let running = broker.is_some_and(|b| b.process.is_running());
    let reason = if !running {
        match causes.stopped(node) {
            Some((at, fault)) => format!(
                "its broker {} at {} and is still down",
                super::fault_words(fault),
                ms_text(at.ms)
            ),
            None => "its broker is not running".to_string(),
        }
    } else if let Some(lag) = exit.and_then(|e| e.lagged_ms) {
        let cut = causes.cut_off(node).map_or(String::new(), |at| {
            format!(", after the network cut it off at {}", ms_text(at.ms))
        });
        format!("it had not caught up with the leader for {lag} ms, beyond replica.lag.time.max.ms ({lag_max} ms){cut}")
    } else if let Some(at) = causes.cut_off(node) {
        format!(
            "the network cut it off at {}, so the controller fenced it",
            ms_text(at.ms)
        )
    } else if let Some((at, fault)) = causes
        .stopped(node)
        .filter(|(at, _)| exit.is_some_and(|e| at.step <= e.at.step))
    {
        format!(
            "its broker {} at {}, and since it came back it has not caught up with the leader",
            super::fault_words(fault),
            ms_text(at.ms)
        )
    } else if exit.is_some() {
        "the controller fenced its broker (it missed heartbeats), and it has not caught up since"
            .to_string()
    } else {
        "it has not caught up with the leader yet".to_string()
    };
    format!("{b} left {tp}'s ISR{when}: {reason}.")
}

fn ms_text(ms: u64) -> String {
    time_text(SimTime::from_ms(ms))
}

/// The partition's `min.insync.replicas`, from a broker that hosts it.
fn min_insync_replicas(world: &KafkaWorld, tp: &TopicPartition) -> usize {
    world
        .model()
        .brokers
        .values()
        .find(|b| b.replicas.contains_key(tp))
        .map_or(1, |b| b.min_insync_replicas(tp))
}
