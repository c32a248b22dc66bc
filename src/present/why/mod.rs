//! "Why?" answers: for a partition, why its high watermark is not moving, in one or two plain
//! sentences read from the state the leader decides by (`Partition.maybeIncrementLeaderHW`,
//! ported in `kafka::broker::replication`): no leader, a leader that is down, an ISR below
//! `min.insync.replicas`, or the in-sync replica whose log end offset holds it back, since when,
//! and what that replica is waiting for. `health` says why a partition is offline,
//! under-replicated or below `min.insync.replicas`; `batch` why a producer batch still waits.
//! Each answer links to the steps where its causes happened (`check::causes`).

mod batch;
mod health;

pub use batch::batch_why;
pub use health::partition_health_why;

use super::view::time_text;
use crate::check::causes::{At, Causes};
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
    /// The steps where the causes happened, oldest first: a click jumps the timeline there.
    pub links: Vec<WhyLink>,
}

/// A cause at a step: "b3 crashed", at 4.200 s, step 312.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct WhyLink {
    pub step: u64,
    pub time: String,
    pub label: String,
}

impl WhyAnswer {
    fn new(question: String, answer: String, stuck: bool) -> WhyAnswer {
        WhyAnswer {
            question,
            answer,
            stuck,
            links: Vec::new(),
        }
    }

    /// Add the links that are known, oldest first, each step once.
    fn with(mut self, links: impl IntoIterator<Item = Option<WhyLink>>) -> WhyAnswer {
        self.links.extend(links.into_iter().flatten());
        crate::sim::sort::sort_by_key(&mut self.links, |l| l.step);
        self.links.dedup_by_key(|l| l.step);
        self
    }

    /// The answer and its links as plain lines (what `kafka-classroom why` prints).
    pub fn text(&self) -> String {
        let mut out = format!("{}\n{}\n", self.question, self.answer);
        for l in &self.links {
            out.push_str(&format!("  step {} ({}): {}\n", l.step, l.time, l.label));
        }
        out
    }
}

/// A link to the step of `at`.
fn link(at: Option<At>, label: impl Into<String>) -> Option<WhyLink> {
    at.map(|at| WhyLink {
        step: at.step,
        time: time_text(SimTime::from_ms(at.ms)),
        label: label.into(),
    })
}

/// Where `node` stopped, was paused or was cut off by the network, whichever is its state now.
fn node_trouble(world: &KafkaWorld, causes: &Causes, node: NodeId) -> Option<WhyLink> {
    let process = match node {
        NodeId::Broker(b) => world.model().brokers.get(&b).map(|b| &b.process),
        NodeId::Consumer(c) => world.model().consumers.get(&c).map(|c| &c.process),
        NodeId::Producer(p) => world.model().producers.get(&p).map(|p| &p.process),
        NodeId::Controller(_) => None,
    }?;
    if !process.is_running() {
        let (at, fault) = causes.stopped(node)?;
        return link(Some(at), format!("{node} {}", fault_words(fault)));
    }
    if process.is_paused(world.now()) {
        return link(causes.paused(node), format!("{node} was paused"));
    }
    link(
        causes.cut_off(node),
        format!("the network cut {node} off from others"),
    )
}

/// "crashed", "lost power", "shut down".
fn fault_words(fault: crate::kafka::event::ProcessFault) -> &'static str {
    use crate::kafka::event::ProcessFault::*;
    match fault {
        Crash => "crashed",
        PowerFailure => "lost power",
        GracefulShutdown => "shut down",
    }
}

fn list(brokers: &[BrokerId]) -> String {
    let names: Vec<String> = brokers.iter().map(|b| b.to_string()).collect();
    names.join(", ")
}

/// Why `tp`'s high watermark is where it is; `None` for a partition the cluster does not have.
pub fn high_watermark_why(
    world: &KafkaWorld,
    causes: &Causes,
    tp: &TopicPartition,
) -> Option<WhyAnswer> {
    let registration = super::view::truth(world)?.partition(tp)?;
    let cluster = world.model();
    let Some(leader) = registration.leader else {
        let isr_down = registration
            .isr
            .iter()
            .map(|b| node_trouble(world, causes, NodeId::Broker(*b)));
        return Some(
            WhyAnswer::new(
                format!("Why can nobody write to {tp}?"),
                format!(
                    "{tp} has no leader: none of its in-sync replicas ({}) is available, and the controller elects only those unless unclean.leader.election.enable is on. Its high watermark cannot move until one comes back.",
                    list(&registration.isr)
                ),
                true,
            )
            .with(isr_down.chain([link(causes.leaderless(tp), format!("{tp} lost its leader"))])),
        );
    };
    let broker = cluster.brokers.get(&leader)?;
    let question = |hw: i64| format!("Why is {tp}'s high watermark at {hw}?");
    if !broker.process.is_running() {
        // What the stage shows: the newest running replica's, while the leader is down.
        let hw = crate::check::history::authoritative_replica(cluster.brokers.values(), tp)
            .and_then(|b| b.replicas.get(tp))
            .map_or(0, |r| r.high_watermark);
        return Some(WhyAnswer::new(
            question(hw),
            format!(
                "Its leader {leader} is down, and the controller has not noticed yet: it moves the leadership once {leader} misses its heartbeats for broker.session.timeout.ms ({} ms).",
                broker.config.ms("broker.session.timeout.ms")
            ),
            true,
        ).with([node_trouble(world, causes, NodeId::Broker(leader))]));
    }
    let replica = broker.replicas.get(tp)?;
    let (hw, leo) = (replica.high_watermark, replica.log_end_offset());
    let Some(state) = replica.leader_state() else {
        return Some(WhyAnswer::new(
            question(hw),
            format!("The controller has named {leader} leader, and {leader} has not heard it yet: the metadata is on its way."),
            true,
        ));
    };
    if hw >= leo {
        return Some(WhyAnswer::new(
            question(hw),
            format!("It is not stuck: it has reached the leader's log end offset ({leo}), so every record {leader} has is on every in-sync replica."),
            false,
        ));
    }
    let (answer, links) = held_back(world, causes, broker, tp, state, (hw, leo));
    Some(WhyAnswer::new(question(hw), answer, true).with(links))
}

/// The leader has records above its high watermark: what holds the high watermark back, and
/// where that started.
fn held_back(
    world: &KafkaWorld,
    causes: &Causes,
    leader: &Broker,
    tp: &TopicPartition,
    state: &LeaderState,
    (hw, leo): (i64, i64),
) -> (String, Vec<Option<WhyLink>>) {
    let min_isr = leader.min_insync_replicas(tp);
    if state.isr.len() < min_isr {
        let left = health::isr_exit_links(world, causes, tp, &state.isr);
        return (format!(
            "Its ISR ({}) is smaller than min.insync.replicas={min_isr}, so {} keeps the high watermark at {hw} until a follower catches up and rejoins; acks=all writes are refused meanwhile.",
            list(&state.isr),
            leader.id
        ), left);
    }
    let maximal = state.maximal_isr();
    if let Some(unknown) = maximal
        .iter()
        .find(|b| **b != leader.id && state.followers.get(b).is_none_or(|f| f.log_end_offset < 0))
    {
        return (format!("{unknown} is in the ISR but has not fetched from {} since it became leader: its log end offset is unknown, and the high watermark waits for it.", leader.id), vec![node_trouble(world, causes, NodeId::Broker(*unknown))]);
    }
    let laggard = state
        .followers
        .iter()
        .filter(|(b, f)| maximal.contains(b) && f.log_end_offset < leo)
        .min_by_key(|(_, f)| f.log_end_offset);
    match laggard {
        Some((follower, f)) => (
            laggard_text(world, leader, *follower, f, leo),
            vec![
                node_trouble(world, causes, NodeId::Broker(*follower)),
                node_trouble(world, causes, NodeId::Broker(leader.id)),
            ],
        ),
        None => (format!(
            "Every in-sync replica has caught up; {} moves the high watermark from {hw} to {leo} when it handles their next fetch.",
            leader.id
        ), Vec::new()),
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

/// Why consumer `id` gets no records (or that it does): down, closed, paused, rebalancing, no
/// partitions, or per owned partition: paused, finding its position, caught up with the high
/// watermark, records waiting above it, or records on their way.
pub fn consumer_why(world: &KafkaWorld, causes: &Causes, id: u32) -> Option<WhyAnswer> {
    let c = world.model().consumers.get(&id)?;
    let question = format!("Why does c{id} get no records?");
    let node = NodeId::Consumer(id);
    let trouble = node_trouble(world, causes, node);
    let answer =
        |answer: String, stuck: bool| Some(WhyAnswer::new(question.clone(), answer, stuck));
    if c.closed {
        return answer(
            format!("c{id}'s application is not running: it was closed, or has not started yet."),
            true,
        );
    }
    if !c.process.is_running() {
        return answer(format!("c{id} is down: its partitions go to the rest of its group once the coordinator notices (session.timeout.ms)."), true).map(|a| a.with([trouble]));
    }
    if c.process.is_paused(world.now()) || c.app.paused {
        return answer(format!("c{id} is paused: it neither polls nor heartbeats; if it stays paused past max.poll.interval.ms or session.timeout.ms, its group moves its partitions."), true).map(|a| a.with([trouble]));
    }
    if let Some(g) = &c.group {
        use crate::kafka::consumer::coordinator::MemberState::*;
        let phase = match g.state {
            Stable => None,
            Failed => Some("a fatal group error stopped it".to_string()),
            Unjoined => Some(format!("it is not in group {} yet (it is looking for the coordinator or about to join)", g.group_id)),
            // KIP-429: a cooperative member keeps reading what it owns through a rebalance.
            PreparingRebalance | Joining | Syncing
                if g.protocol == crate::kafka::assignor::RebalanceProtocol::Cooperative
                    && !c.positions.is_empty() =>
            {
                None
            }
            PreparingRebalance | Joining | Syncing => Some(format!("group {} is rebalancing, and an eager member reads nothing until the SyncGroup answer tells it its partitions", g.group_id)),
        };
        if let Some(phase) = phase {
            let started = link(
                causes.rebalance(&g.group_id),
                format!("group {} started a rebalance", g.group_id),
            );
            return answer(format!("c{id} gets nothing now: {phase}."), true)
                .map(|a| a.with([started]));
        }
    }
    if c.positions.is_empty() {
        let why = match &c.group {
            Some(g) => format!("group {} gave it no partition: the group has more consumers than the topic has partitions, and each partition goes to one member", g.group_id),
            None => "it was assigned no partition".to_string(),
        };
        return answer(format!("c{id} owns nothing: {why}."), true);
    }
    let (text, reading) = owned_partitions(world, c);
    // Records waiting above a high watermark: link to what holds that high watermark back.
    let held = c
        .positions
        .iter()
        .filter(|(tp, s)| partition_stand(world, c, tp, s).0 == HELD_BACK)
        .filter_map(|(tp, _)| high_watermark_why(world, causes, tp))
        .flat_map(|a| a.links.into_iter().map(Some));
    answer(format!("c{id} owns {text}."), !reading).map(|a| a.with(held))
}

/// "6 partitions: clicks-0 and clicks-2 have records on their way (3 records); ...", and
/// whether some partition has records to read.
fn owned_partitions(world: &KafkaWorld, c: &crate::kafka::consumer::Consumer) -> (String, bool) {
    // Partitions grouped by where they stand, in a fixed order.
    let mut groups: std::collections::BTreeMap<(u8, String), (Vec<String>, i64)> =
        Default::default();
    for (tp, state) in &c.positions {
        let (order, text, lag) = partition_stand(world, c, tp, state);
        let entry = groups.entry((order, text)).or_default();
        entry.0.push(tp.to_string());
        entry.1 += lag;
    }
    let reading = groups.keys().any(|(order, _)| *order == READING);
    let parts: Vec<String> = groups
        .into_iter()
        .map(|((order, text), (tps, lag))| {
            let (one, many) = text.split_once('|').unwrap_or((&text, &text));
            let text = if tps.len() == 1 { one } else { many };
            let lag = if order == READING {
                format!(" ({lag} records)")
            } else {
                String::new()
            };
            format!("{} {text}{lag}", and_list(&tps))
        })
        .collect();
    let owns = if c.positions.len() == 1 {
        "1 partition".to_string()
    } else {
        format!("{} partitions", c.positions.len())
    };
    (format!("{owns}: {}", parts.join("; ")), reading)
}

/// The stand of partitions with records to read.
const READING: u8 = 6;
/// The stand of partitions caught up with a high watermark that lags the log end.
const HELD_BACK: u8 = 7;

/// "a", "a and b", "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Where one owned partition stands for the consumer: an order, "singular|plural" words, and
/// its lag when it has records to read.
fn partition_stand(
    world: &KafkaWorld,
    c: &crate::kafka::consumer::Consumer,
    tp: &TopicPartition,
    s: &crate::kafka::consumer::PartitionState,
) -> (u8, String, i64) {
    use crate::kafka::consumer::FetchState::*;
    let cluster = world.model();
    let replica = crate::check::history::authoritative_replica(cluster.brokers.values(), tp)
        .and_then(|b| b.replicas.get(tp));
    let (hw, leo) = replica.map_or((0, 0), |r| (r.high_watermark, r.log_end_offset()));
    if s.paused {
        return (
            0,
            "is paused (consumer.pause)|are paused (consumer.pause)".into(),
            0,
        );
    }
    let words = |order: u8, text: &str| (order, text.to_string(), 0);
    match (s.fetch_state, s.position) {
        (AwaitCommitted, _) => words(1, "waits for its committed offset from the coordinator|wait for their committed offsets from the coordinator"),
        (AwaitReset | Resetting, _) => words(2, "has no committed offset, so auto.offset.reset decides where to start|have no committed offset, so auto.offset.reset decides where to start"),
        (Validating, _) => words(3, "has a new leader, so it checks its position against the leader's log first|have a new leader, so they check their positions against the leader's log first"),
        (Failed, _) => words(4, "has no valid position (auto.offset.reset=none)|have no valid position (auto.offset.reset=none)"),
        (Fetching, None) => words(5, "is finding its position|are finding their positions"),
        (Fetching, Some(p)) if p < hw => (READING, "has records on their way|have records on their way".into(), hw - p),
        (Fetching, Some(p)) if leo > p => words(HELD_BACK, "is caught up with the high watermark; newer records are not on every in-sync replica yet, so nobody may read them|are caught up with the high watermark; newer records are not on every in-sync replica yet, so nobody may read them"),
        (Fetching, Some(_)) => {
            let min = c.config.fetch_min_bytes;
            let wait = if min > 1 {
                format!(" (and a fetch waits for fetch.min.bytes={min} or fetch.max.wait.ms={} ms)", c.config.fetch_max_wait_ms)
            } else {
                String::new()
            };
            (8, format!("is caught up: lag 0, nothing new to read{wait}|are caught up: lag 0, nothing new to read{wait}"), 0)
        }
    }
}

/// What `kafka-classroom why` asks about.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum WhyQuestion {
    /// A partition: its health (if it is offline, under-replicated or below min ISR) and its
    /// high watermark.
    Partition(TopicPartition),
    /// A producer's batch for a partition.
    Batch(u32, TopicPartition),
    Consumer(u32),
    /// Every broken guarantee the monitors named, with its step.
    Guarantees,
}

impl WhyQuestion {
    /// `--partition t-0`, `--batch p1:t-0`, `--consumer c1`, `--guarantees`.
    pub fn parse(flag: &str, value: Option<&str>) -> Result<WhyQuestion, String> {
        let value = || value.ok_or_else(|| format!("{flag} needs a value"));
        let client = |v: &str, prefix: char| {
            v.strip_prefix(prefix)
                .and_then(|n| n.parse::<u32>().ok())
                .ok_or_else(|| format!("\"{v}\" is not a {prefix}N name (e.g. {prefix}1)"))
        };
        let partition = |v: &str| TopicPartition::parse(v).map_err(|e| e.to_string());
        match flag {
            "--partition" => Ok(WhyQuestion::Partition(partition(value()?)?)),
            "--consumer" => Ok(WhyQuestion::Consumer(client(value()?, 'c')?)),
            "--batch" => {
                let v = value()?;
                let (p, tp) = v.split_once(':').ok_or_else(|| {
                    format!("--batch wants PRODUCER:PARTITION (p1:orders-0), not \"{v}\"")
                })?;
                Ok(WhyQuestion::Batch(client(p, 'p')?, partition(tp)?))
            }
            "--guarantees" => Ok(WhyQuestion::Guarantees),
            other => Err(format!(
                "unknown question {other}: ask --partition, --batch, --consumer or --guarantees"
            )),
        }
    }
}

/// The answers to `question` at `until_ms` of a run of `lesson` (what the browser's "?" and
/// guarantee banner show at that moment), as text.
pub fn why_at(
    lesson: &crate::lesson::Lesson,
    seed: u64,
    until_ms: u64,
    question: &WhyQuestion,
) -> Result<String, String> {
    use crate::present::session::{Action, Session};
    let mut lesson = lesson.clone();
    lesson.run_until_ms = until_ms;
    let reference = crate::present::share::LessonRef::Builtin(lesson.id.clone());
    let mut session = Session::new(lesson, reference, seed);
    session.apply(Action::RunToEnd);
    let (world, causes) = (session.world(), &session.observer().causes);
    let missing = || format!("the run has no such {}", describe(question));
    let answers: Vec<WhyAnswer> = match question {
        WhyQuestion::Partition(tp) => {
            let hw = high_watermark_why(world, causes, tp).ok_or_else(missing)?;
            let health = partition_health_why(world, causes, tp).filter(|a| a.stuck);
            health.into_iter().chain([hw]).collect()
        }
        WhyQuestion::Batch(p, tp) => vec![batch_why(world, causes, *p, tp).ok_or_else(missing)?],
        WhyQuestion::Consumer(c) => vec![consumer_why(world, causes, *c).ok_or_else(missing)?],
        WhyQuestion::Guarantees => {
            let lines: Vec<String> = session
                .violations()
                .iter()
                .map(|v| format!("step {} ({}): {}\n", v.step, v.time, v.text))
                .collect();
            return Ok(if lines.is_empty() {
                "No guarantee was broken.\n".to_string()
            } else {
                lines.concat()
            });
        }
    };
    Ok(answers
        .iter()
        .map(WhyAnswer::text)
        .collect::<Vec<_>>()
        .join("\n"))
}

fn describe(question: &WhyQuestion) -> String {
    match question {
        WhyQuestion::Partition(tp) => format!("partition {tp}"),
        WhyQuestion::Batch(p, _) => format!("producer p{p}"),
        WhyQuestion::Consumer(c) => format!("consumer c{c}"),
        WhyQuestion::Guarantees => "question".into(),
    }
}
