//! Links behave like TCP connections under partitions: what is sent while a path is cut waits
//! and arrives, in send order, when it heals; a restart of either end, or a request timeout on
//! the receiving side, kills the connection and what waited on it is dropped instead.

use kafka_classroom::kafka::{Command, KafkaWorld, Message, NodeId};
use kafka_classroom::lesson::builtin;
use kafka_classroom::sim::{Cause, DropReason, SimTime};

fn world() -> KafkaWorld {
    let lesson = builtin::load("replication-playground").unwrap();
    let mut world = lesson.world(lesson.seed);
    world.run_until(SimTime::from_ms(2_000), 1_000_000);
    world
}

/// Everything waiting on `from -> to`, oldest first.
fn backlog(world: &KafkaWorld, from: NodeId, to: NodeId) -> Vec<Message> {
    world
        .held_messages()
        .filter(|(link, _)| **link == (from, to))
        .flat_map(|(_, held)| held.iter().map(|h| h.msg.clone()))
        .collect()
}

fn isolate_for(world: &mut KafkaWorld, node: NodeId, ms: u64) {
    world.apply_command(Command::Isolate { node }).unwrap();
    let until = world
        .now()
        .plus(kafka_classroom::sim::SimDuration::from_ms(ms));
    world.run_until(until, 1_000_000);
}

#[test]
fn what_waits_on_a_cut_link_arrives_in_send_order_after_the_heal() {
    let mut world = world();
    let (b1, b3) = (NodeId::broker(1), NodeId::broker(3));
    isolate_for(&mut world, b3, 3_000);
    let waiting = backlog(&world, b3, b1);
    assert!(!waiting.is_empty(), "b3 sent to b1 while cut off");
    let mut delivered = Vec::new();
    let mut dropped = Vec::new();
    let heal = world.apply_command(Command::Heal).unwrap();
    dropped.extend(heal.dropped);
    while delivered.len() < waiting.len() {
        let step = world.step().expect("the backlog is on its way");
        dropped.extend(step.dropped);
        if let Cause::Deliver { from, to, msg, .. } = step.cause {
            if (from, to) == (b3, b1) {
                delivered.push(msg);
            }
        }
    }
    // (b2 crashes in this lesson, so its own connections may die; b1's and b3's do not.)
    dropped.retain(|d| (d.0, d.1) == (b3, b1) || (d.0, d.1) == (b1, b3));
    assert!(
        dropped.is_empty(),
        "nothing is dropped on a heal: {dropped:?}"
    );
    assert_eq!(delivered, waiting, "the backlog arrives whole and in order");
    assert!(backlog(&world, b3, b1).is_empty());
}

#[test]
fn a_restart_kills_the_connection_and_what_waited_on_it() {
    let mut world = world();
    let (b1, b3) = (NodeId::broker(1), NodeId::broker(3));
    isolate_for(&mut world, b3, 3_000);
    let waiting = backlog(&world, b3, b1).len() + backlog(&world, b1, b3).len();
    assert!(waiting > 0);
    world.apply_command(Command::Crash { node: b3 }).unwrap();
    world.apply_command(Command::Restart { node: b3 }).unwrap();
    let heal = world.apply_command(Command::Heal).unwrap();
    let closed = heal
        .dropped
        .iter()
        .filter(|d| d.3 == DropReason::ConnectionClosed)
        .count();
    assert!(
        closed >= waiting,
        "every message of the old connections is dropped ({closed} of {waiting})"
    );
    assert_eq!(world.held_messages().count(), 0);
}

#[test]
fn a_request_timeout_closes_the_connection_so_late_answers_are_dropped() {
    // The lesson cuts b1 -> p1 and p2 and heals only after request.timeout.ms: the answers that
    // waited on the cut link meet closed connections, so the producers retry.
    let lesson = builtin::load("retry-duplicates-without-idempotence").unwrap();
    let mut closed = Vec::new();
    lesson.run(lesson.seed, |step| {
        closed.extend(
            step.dropped
                .iter()
                .filter(|d| d.3 == DropReason::ConnectionClosed)
                .map(|d| (d.0, d.1, d.2.api_name())),
        );
    });
    for producer in [NodeId::Producer(1), NodeId::Producer(2)] {
        assert!(
            closed
                .iter()
                .any(|(from, to, api)| *from == NodeId::broker(1)
                    && *to == producer
                    && *api == "ProduceResponse"),
            "{producer}'s stuck Produce answer is dropped when its request times out: {closed:?}"
        );
    }
}
