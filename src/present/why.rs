//! "Why?" answers: for a partition, why its high watermark is not moving, in one or two plain
//! sentences read from the state the leader decides by (`Partition.maybeIncrementLeaderHW`,
//! ported in `kafka::broker::replication`): no leader, a leader that is down, an ISR below
//! `min.insync.replicas`, or the in-sync replica whose log end offset holds it back, since when,
//! and what that replica is waiting for.

use super::view::time_text;
use crate::kafka::broker::replica::{FollowerState, LeaderState};
use crate::kafka::broker::Broker;
use crate::kafka::{BrokerId, KafkaWorld, NodeId, TopicPartition};
use crate::sim::SimTime;

/// A question about something on the stage, and its answer.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct WhyAnswer {
    pub question: String,
    pub answer: String,
    /// The answer names a problem (false: nothing is wrong, e.g. every record is committed).
    pub stuck: bool,
}

fn list(brokers: &[BrokerId]) -> String {
    let names: Vec<String> = brokers.iter().map(|b| b.to_string()).collect();
    names.join(", ")
}

/// Why `tp`'s high watermark is where it is; `None` for a partition the cluster does not have.
pub fn high_watermark_why(world: &KafkaWorld, tp: &TopicPartition) -> Option<WhyAnswer> {
    let registration = super::view::truth(world)?.partition(tp)?;
    let cluster = world.model();
    let Some(leader) = registration.leader else {
        return Some(WhyAnswer {
            question: format!("Why can nobody write to {tp}?"),
            answer: format!(
                "{tp} has no leader: none of its in-sync replicas ({}) is available, and the controller elects only those unless unclean.leader.election.enable is on. Its high watermark cannot move until one comes back.",
                list(&registration.isr)
            ),
            stuck: true,
        });
    };
    let broker = cluster.brokers.get(&leader)?;
    let question = |hw: i64| format!("Why is {tp}'s high watermark at {hw}?");
    if !broker.process.is_running() {
        // What the stage shows: the newest running replica's, while the leader is down.
        let hw = crate::check::history::authoritative_replica(cluster.brokers.values(), tp)
            .and_then(|b| b.replicas.get(tp))
            .map_or(0, |r| r.high_watermark);
        return Some(WhyAnswer {
            question: question(hw),
            answer: format!(
                "Its leader {leader} is down, and the controller has not noticed yet: it moves the leadership once {leader} misses its heartbeats for broker.session.timeout.ms ({} ms).",
                broker.config.ms("broker.session.timeout.ms")
            ),
            stuck: true,
        });
    }
    let replica = broker.replicas.get(tp)?;
    let (hw, leo) = (replica.high_watermark, replica.log_end_offset());
    let Some(state) = replica.leader_state() else {
        return Some(WhyAnswer {
            question: question(hw),
            answer: format!("The controller has named {leader} leader, and {leader} has not heard it yet: the metadata is on its way."),
            stuck: true,
        });
    };
    if hw >= leo {
        return Some(WhyAnswer {
            question: question(hw),
            answer: format!("It is not stuck: it has reached the leader's log end offset ({leo}), so every record {leader} has is on every in-sync replica."),
            stuck: false,
        });
    }
    Some(WhyAnswer {
        question: question(hw),
        answer: held_back(world, broker, tp, state, (hw, leo)),
        stuck: true,
    })
}

/// The leader has records above its high watermark: what holds the high watermark back.
fn held_back(
    world: &KafkaWorld,
    leader: &Broker,
    tp: &TopicPartition,
    state: &LeaderState,
    (hw, leo): (i64, i64),
) -> String {
    let min_isr = leader.min_insync_replicas(tp);
    if state.isr.len() < min_isr {
        return format!(
            "Its ISR ({}) is smaller than min.insync.replicas={min_isr}, so {} keeps the high watermark at {hw} until a follower catches up and rejoins; acks=all writes are refused meanwhile.",
            list(&state.isr),
            leader.id
        );
    }
    let maximal = state.maximal_isr();
    if let Some(unknown) = maximal
        .iter()
        .find(|b| **b != leader.id && state.followers.get(b).is_none_or(|f| f.log_end_offset < 0))
    {
        return format!("{unknown} is in the ISR but has not fetched from {} since it became leader: its log end offset is unknown, and the high watermark waits for it.", leader.id);
    }
    let laggard = state
        .followers
        .iter()
        .filter(|(b, f)| maximal.contains(b) && f.log_end_offset < leo)
        .min_by_key(|(_, f)| f.log_end_offset);
    match laggard {
        Some((follower, f)) => laggard_text(world, leader, *follower, f, leo),
        None => format!(
            "Every in-sync replica has caught up; {} moves the high watermark from {hw} to {leo} when it handles their next fetch.",
            leader.id
        ),
    }
}

/// "b2, in the ISR, has 3 of b1's 5 records: ... since 12.000 s ...".
fn laggard_text(
    world: &KafkaWorld,
    leader: &Broker,
    follower: BrokerId,
    f: &FollowerState,
    leo: i64,
) -> String {
    let now = world.now();
    let lag_ms = leader.config.ms("replica.lag.time.max.ms");
    let waiting = waiting_for(world, leader.id, follower, f, now);
    let since = match f.last_caught_up_time_ms {
        Some(t) => format!(
            " It was last caught up at {}; {} drops it from the ISR if that gets older than replica.lag.time.max.ms ({lag_ms} ms).",
            time_text(SimTime::from_ms(t.max(0) as u64)),
            leader.id
        ),
        None => String::new(),
    };
    format!(
        "The high watermark waits for every in-sync replica, and {follower} is missing {} (its log end offset is {}, {}'s is {leo}): {waiting}.{since}",
        missing(f.log_end_offset, leo),
        f.log_end_offset,
        leader.id
    )
}

/// "offset 4", "offsets 4–9".
fn missing(from: i64, to: i64) -> String {
    if to - from == 1 {
        format!("offset {from}")
    } else {
        format!("offsets {from}–{}", to - 1)
    }
}

/// What the lagging follower is waiting for.
fn waiting_for(
    world: &KafkaWorld,
    leader: BrokerId,
    follower: BrokerId,
    f: &FollowerState,
    now: SimTime,
) -> String {
    let process = world.model().brokers.get(&follower).map(|b| &b.process);
    let net = world.network();
    let (l, r) = (NodeId::Broker(leader), NodeId::Broker(follower));
    if process.is_some_and(|p| !p.is_running()) {
        format!("{follower} is down")
    } else if process.is_some_and(|p| p.is_paused(now)) {
        format!("{follower} is paused and sends no fetches")
    } else if net.is_blocked(&r, &l) || net.is_held(&r, &l) {
        format!("its fetches do not reach {leader} (the network drops them)")
    } else if net.is_blocked(&l, &r) || net.is_held(&l, &r) {
        format!("{leader}'s answers to its fetches do not reach it (the network drops them)")
    } else {
        let ago = (now.as_ms() as i64 - f.last_fetch_time_ms).max(0);
        format!("it has not fetched the rest yet (its last fetch reached {leader} {ago} ms ago)")
    }
}
