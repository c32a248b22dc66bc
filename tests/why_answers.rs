//! "Why is the high watermark not moving?" answered from real runs of built-in lessons, at the
//! moments the lessons are about: followers cut off from their leader, a crashed leader not yet
//! fenced, no leader at all, an ISR below min.insync.replicas, and nothing wrong.

use kafka_classroom::check::causes::Causes;
use kafka_classroom::check::history::authoritative_replica;
use kafka_classroom::kafka::consumer::MemberState;
use kafka_classroom::kafka::{BrokerId, Command, Event, KafkaStep, NodeId};
use kafka_classroom::kafka::{KafkaWorld, TopicPartition};
use kafka_classroom::lesson::builtin;
use kafka_classroom::present::why::{
    batch_why, high_watermark_why, partition_health_why, WhyAnswer,
};

fn at(lesson: &str, ms: u64) -> KafkaWorld {
    let mut l = builtin::load(lesson).expect("built-in lesson");
    l.run_until_ms = ms;
    l.run(l.seed, |_| {})
}

fn why(world: &KafkaWorld, tp: &str) -> WhyAnswer {
    high_watermark_why(
        world,
        &Causes::default(),
        &TopicPartition::parse(tp).unwrap(),
    )
    .expect("the partition exists")
}

#[test]
fn followers_cut_off_from_the_leader_hold_the_high_watermark() {
    // acks-1-loses-a-write: from 2.0 s b1's messages to b2 and b3 are dropped; b1 writes offset 1.
    let w = at("acks-1-loses-a-write", 2150);
    let a = why(&w, "t-0");
    assert!(a.stuck);
    assert_eq!(a.question, "Why is t-0's high watermark at 1?");
    assert!(
        a.answer.starts_with("The high watermark waits for every in-sync replica, and b2 is missing offset 1 (its log end offset is 1, b1's is 2): b1's answers to its fetches do not reach it (the network drops them)."),
        "{}",
        a.answer
    );
    assert!(
        a.answer.contains(
            "b1 drops it from the ISR if that gets older than replica.lag.time.max.ms (30000 ms)."
        ),
        "{}",
        a.answer
    );
}

#[test]
fn a_crashed_leader_freezes_it_until_the_controller_notices() {
    let a = why(&at("acks-1-loses-a-write", 5000), "t-0");
    assert!(a.stuck);
    // The high watermark the stage shows: b2's and b3's, which learned 1 before b1 crashed.
    assert_eq!(a.question, "Why is t-0's high watermark at 1?");
    assert_eq!(
        a.answer,
        "Its leader b1 is down, and the controller has not noticed yet: it moves the leadership once b1 misses its heartbeats for broker.session.timeout.ms (9000 ms)."
    );
}

#[test]
fn after_the_story_nothing_is_stuck() {
    let a = why(&at("acks-1-loses-a-write", 30000), "t-0");
    assert!(!a.stuck);
    assert!(
        a.answer
            .starts_with("It is not stuck: it has reached the leader's log end offset (2)"),
        "{}",
        a.answer
    );
}

#[test]
fn no_leader_and_no_in_sync_replica_to_elect() {
    let a = why(&at("clean-election-waits", 5000), "t-0");
    assert_eq!(a.question, "Why can nobody write to t-0?");
    assert!(
        a.answer
            .starts_with("t-0 has no leader: none of its in-sync replicas (b1) is available"),
        "{}",
        a.answer
    );
}

#[test]
fn an_isr_below_min_insync_replicas_keeps_it_put() {
    let a = why(&at("acks-all-needs-min-isr", 25_100), "strong-0");
    assert!(a.stuck);
    assert!(
        a.answer
            .starts_with("Its ISR (b2) is smaller than min.insync.replicas=2"),
        "{}",
        a.answer
    );
}

#[test]
fn an_unknown_partition_has_no_answer() {
    let w = at("acks-1-loses-a-write", 100);
    let none = Causes::default();
    assert!(high_watermark_why(&w, &none, &TopicPartition::new("nope", 0)).is_none());
    assert!(high_watermark_why(&w, &none, &TopicPartition::new("t", 7)).is_none());
    assert!(partition_health_why(&w, &none, &TopicPartition::new("t", 7)).is_none());
    assert!(batch_why(&w, &none, 9, &TopicPartition::new("t", 0)).is_none());
}

fn consumer(world: &KafkaWorld, id: u32) -> WhyAnswer {
    kafka_classroom::present::why::consumer_why(world, &Causes::default(), id)
        .expect("the consumer exists")
}

#[test]
fn a_consumer_beyond_the_partition_count_owns_nothing() {
    let w = at("more-consumers-than-partitions", 1500);
    let a = consumer(&w, 3);
    assert_eq!(a.question, "Why does c3 get no records?");
    assert_eq!(
        a.answer,
        "c3 owns nothing: group workers gave it no partition: the group has more consumers than the topic has partitions, and each partition goes to one member."
    );
    // c1 and c2 own one partition each and are caught up before the producer starts.
    assert_eq!(
        consumer(&w, 1).answer,
        "c1 owns 1 partition: payments-0 is caught up: lag 0, nothing new to read."
    );
}

/// Step the lesson until `moment` holds; the world at that step.
fn first(lesson: &str, moment: impl Fn(&KafkaWorld) -> bool) -> KafkaWorld {
    let l = builtin::load(lesson).expect("built-in lesson");
    let mut w = l.world(l.seed);
    while !moment(&w) {
        w.step().expect("the moment comes before the run ends");
    }
    w
}

fn member_state(w: &KafkaWorld, id: u32) -> MemberState {
    w.model().consumers[&id].group.as_ref().unwrap().state
}

#[test]
fn consumers_with_records_to_read_say_so_and_group_their_partitions() {
    let tp = TopicPartition::new("payments", 1);
    let behind = |w: &KafkaWorld| {
        let hw = authoritative_replica(w.model().brokers.values(), &tp)
            .unwrap()
            .replicas[&tp]
            .high_watermark;
        let position = w.model().consumers[&2]
            .positions
            .get(&tp)
            .and_then(|s| s.position);
        position
            .is_some_and(|p| p < hw)
            .then(|| hw - position.unwrap())
    };
    let w = first("more-consumers-than-partitions", |w| behind(w).is_some());
    let a = consumer(&w, 2);
    assert!(!a.stuck);
    assert_eq!(
        a.answer,
        format!(
            "c2 owns 1 partition: payments-1 has records on their way ({} records).",
            behind(&w).unwrap()
        )
    );
}

#[test]
fn an_eager_member_reads_nothing_while_its_group_rebalances_but_a_cooperative_one_does() {
    // c2 joins the eager group at 1.5 s: c1 revokes everything and rejoins.
    let w = first("eager-vs-cooperative", |w| {
        w.now().as_ms() >= 1500 && member_state(w, 1) != MemberState::Stable
    });
    assert_eq!(
        consumer(&w, 1).answer,
        "c1 gets nothing now: group eager is rebalancing, and an eager member reads nothing until the SyncGroup answer tells it its partitions."
    );
    // c4 joins the cooperative group: c3 keeps reading what it owns throughout.
    let w = first("eager-vs-cooperative", |w| {
        w.now().as_ms() >= 1500 && member_state(w, 3) != MemberState::Stable
    });
    let coop = consumer(&w, 3);
    assert!(
        coop.answer.starts_with("c3 owns 6 partitions: "),
        "{}",
        coop.answer
    );
    assert!(kafka_classroom::present::why::consumer_why(&w, &Causes::default(), 99).is_none());
}

/// A run stepped by hand with its causes, keeping every step's events so a test can check
/// that a link points at the step where its cause happened.
struct Traced {
    world: KafkaWorld,
    causes: Causes,
    steps: Vec<KafkaStep>,
}

/// Step `lesson` until `ask` answers; the run at that step and the answer.
fn traced(lesson: &str, ask: impl Fn(&Traced) -> Option<WhyAnswer>) -> (Traced, WhyAnswer) {
    let l = builtin::load(lesson).expect("built-in lesson");
    let mut t = Traced {
        world: l.world(l.seed),
        causes: Causes::default(),
        steps: Vec::new(),
    };
    loop {
        if let Some(a) = ask(&t) {
            return (t, a);
        }
        assert!(
            t.world.now().as_ms() <= l.run_until_ms,
            "the moment never came in {lesson}"
        );
        let step = t
            .world
            .step()
            .expect("the moment comes before the run ends");
        t.causes.observe(&step);
        t.steps.push(step);
    }
}

/// The events of the step a link points at.
fn events_at(t: &Traced, step: u64) -> &[Event] {
    &t.steps
        .iter()
        .find(|s| s.index == step)
        .expect("a step of the run")
        .events
}

fn tp(name: &str) -> TopicPartition {
    TopicPartition::parse(name).unwrap()
}

#[test]
fn a_partition_whose_replicas_crashed_is_below_min_isr_with_links_to_the_crashes() {
    // acks-all-needs-min-isr: b2 and b3 crash at 1.0 s; the controller drops them from the ISR.
    let (t, a) = traced("acks-all-needs-min-isr", |t| {
        partition_health_why(&t.world, &t.causes, &tp("strong-0"))
            .filter(|a| a.question.contains("below min.insync.replicas"))
    });
    assert!(a.stuck);
    assert!(
        a.answer.contains("left strong-0's ISR at ")
            && a.answer.contains("crashed at 1.000 s and is still down"),
        "{}",
        a.answer
    );
    assert!(
        a.answer.contains("is smaller than min.insync.replicas=2"),
        "{}",
        a.answer
    );
    let crash = a
        .links
        .iter()
        .find(|l| l.label.ends_with(" crashed"))
        .expect("a crash link");
    assert!(events_at(&t, crash.step).iter().any(|e| matches!(
        e,
        Event::ProcessStopped {
            node: NodeId::Broker(_),
            ..
        }
    )));
    let left = a
        .links
        .iter()
        .find(|l| l.label.contains("left strong-0's ISR"))
        .expect("an ISR link");
    assert!(events_at(&t, left.step)
        .iter()
        .any(|e| matches!(e, Event::IsrChanged { .. })));
    assert!(a.text().contains(&format!("  step {} (", crash.step)));
}

#[test]
fn an_offline_partition_links_to_the_loss_of_its_leader() {
    let (t, a) = traced("clean-election-waits", |t| {
        partition_health_why(&t.world, &t.causes, &tp("t-0"))
            .filter(|a| a.question.ends_with("offline?"))
    });
    assert!(
        a.answer.starts_with("t-0 has had no leader since "),
        "{}",
        a.answer
    );
    let lost = a
        .links
        .iter()
        .find(|l| l.label == "t-0 lost its leader")
        .expect("a link");
    assert!(events_at(&t, lost.step)
        .iter()
        .any(|e| matches!(e, Event::LeaderElected { leader: None, .. })));
}

#[test]
fn a_high_watermark_held_by_a_network_fault_links_to_it() {
    // acks-1-loses-a-write: from 2.0 s b1's messages to b2 and b3 are dropped; the high
    // watermark answer links to that network fault.
    let (t, a) = traced("acks-1-loses-a-write", |t| {
        high_watermark_why(&t.world, &t.causes, &tp("t-0"))
            .filter(|a| a.answer.contains("the network drops them"))
    });
    let cut = a
        .links
        .iter()
        .find(|l| l.label.starts_with("the network cut"))
        .unwrap_or_else(|| panic!("{a:?}"));
    assert!(events_at(&t, cut.step)
        .iter()
        .any(|e| matches!(e, Event::NetworkChanged { .. })));
}

#[test]
fn a_lingering_batch_says_how_long_and_links_to_where_it_opened() {
    let (t, a) = traced("batching-step-by-step", |t| {
        batch_why(&t.world, &t.causes, 1, &tp("orders-0"))
            .filter(|a| a.answer.starts_with("It is lingering"))
    });
    assert_eq!(a.question, "Why is p1's batch for orders-0 still waiting?");
    assert!(a.answer.contains("linger.ms=500"), "{}", a.answer);
    let opened = &a.links[0];
    assert_eq!(opened.label, "p1 opened the batch");
    assert!(events_at(&t, opened.step).iter().any(|e| matches!(
        e,
        Event::RecordAppendedToBatch {
            new_batch: true,
            ..
        }
    )));
}

#[test]
fn a_batch_backing_off_links_to_its_failure() {
    let (t, a) = traced("retry-duplicates-without-idempotence", |t| {
        batch_why(&t.world, &t.causes, 1, &tp("plain-0"))
            .filter(|a| a.answer.contains("retry backoff"))
    });
    assert!(
        a.answer.starts_with("Its attempt #1 failed with "),
        "{}",
        a.answer
    );
    let failed = &a.links[0];
    assert!(events_at(&t, failed.step)
        .iter()
        .any(|e| matches!(e, Event::ProduceFailed { retrying: true, .. })));
}

#[test]
fn a_batch_without_a_leader_waits_for_metadata() {
    // acks-1-loses-a-write: b1 crashes at 2.2 s; m2 is sent at 15 s; before that the producer
    // learns the new leader, so look for the moment a batch waits for one at all.
    let found = std::panic::catch_unwind(|| {
        traced("acks-all-needs-min-isr", |t| {
            ["strong-0", "weak-0"]
                .iter()
                .filter_map(|p| batch_why(&t.world, &t.causes, 1, &tp(p)))
                .find(|a| a.answer.contains("knows no leader"))
        })
    });
    let (_, a) = found.expect("a batch waits for a leader in acks-all-needs-min-isr");
    assert!(a.stuck);
}

/// Like `traced`, with the challenge lesson `lesson` and one class move at `ms`.
fn traced_with(
    lesson: &str,
    (ms, command): (u64, Command),
    ask: impl Fn(&Traced) -> Option<WhyAnswer>,
) -> (Traced, WhyAnswer) {
    let l = builtin::challenges()
        .into_iter()
        .find(|l| l.id == lesson)
        .expect("a built-in challenge");
    let mut t = Traced {
        world: l.world(l.seed),
        causes: Causes::default(),
        steps: Vec::new(),
    };
    let mut command = Some(command);
    loop {
        if let Some(a) = ask(&t) {
            return (t, a);
        }
        // A class may play on past the end (an ISR shrinks 30 s after its cause).
        assert!(
            t.world.now().as_ms() <= l.run_until_ms + 30_000,
            "the moment never came in {lesson}"
        );
        let step = match command.take_if(|_| t.world.now().as_ms() >= ms) {
            Some(c) => t.world.apply_command(c).expect("the move is allowed"),
            None => t
                .world
                .step()
                .expect("the moment comes before the run ends"),
        };
        t.causes.observe(&step);
        t.steps.push(step);
    }
}

fn isolate_b1() -> (u64, Command) {
    (
        3000,
        Command::Isolate {
            node: NodeId::Broker(BrokerId(1)),
        },
    )
}

/// acks=all and b1's messages to b2 held: b1 parks every produce until b2 is dropped.
fn hold_b1_to_b2() -> (u64, Command) {
    let from = NodeId::Broker(BrokerId(1));
    let to = NodeId::Broker(BrokerId(2));
    (3000, Command::HoldLink { from, to })
}

#[test]
fn a_leader_cut_off_leaves_the_isr_when_the_controller_fences_it() {
    let (t, a) = traced_with("challenge-block-the-producer", isolate_b1(), |t| {
        partition_health_why(&t.world, &t.causes, &tp("orders-0")).filter(|a| a.stuck)
    });
    assert!(
        a.answer.starts_with("b1 left orders-0's ISR at ")
            && a.answer
                .ends_with("the network cut it off at 3.000 s, so the controller fenced it."),
        "{}",
        a.answer
    );
    let left = a
        .links
        .iter()
        .find(|l| l.label == "b1 left orders-0's ISR")
        .expect("a link");
    assert!(events_at(&t, left.step)
        .iter()
        .any(|e| matches!(e, Event::LeaderElected { .. } | Event::IsrChanged { .. })));
}

#[test]
fn a_batch_behind_a_full_in_flight_window_links_to_the_last_request() {
    let (t, a) = traced_with("challenge-stall-the-high-watermark", hold_b1_to_b2(), |t| {
        batch_why(&t.world, &t.causes, 1, &tp("orders-0"))
            .filter(|a| a.answer.contains("in flight"))
    });
    assert!(
        a.answer.contains("already has 5 Produce requests in flight to b1, the cap of max.in.flight.requests.per.connection=5"),
        "{}",
        a.answer
    );
    let sent = &a.links[0];
    assert!(events_at(&t, sent.step)
        .iter()
        .any(|e| matches!(e, Event::ProduceSent { .. })));
}

#[test]
fn a_blocked_send_names_buffer_memory_and_links_to_where_it_blocked() {
    let (t, a) = traced_with("challenge-block-the-producer", isolate_b1(), |t| {
        batch_why(&t.world, &t.causes, 1, &tp("orders-0")).filter(|a| a.answer.contains("blocked"))
    });
    assert!(
        a.answer.starts_with("p1's send() has been blocked since "),
        "{}",
        a.answer
    );
    assert!(
        a.answer.contains("buffer.memory (65536 bytes) is full"),
        "{}",
        a.answer
    );
    let blocked = &a.links[0];
    assert!(events_at(&t, blocked.step)
        .iter()
        .any(|e| matches!(e, Event::SendBlocked { .. })));
}

#[test]
fn a_follower_held_off_lags_out_of_the_isr() {
    // b1's messages to b2 are held from 3 s: b2 stops catching up, and after
    // replica.lag.time.max.ms b1 drops it from the ISR.
    let (t, a) = traced_with("challenge-stall-the-high-watermark", hold_b1_to_b2(), |t| {
        partition_health_why(&t.world, &t.causes, &tp("orders-0")).filter(|a| a.stuck)
    });
    assert_eq!(a.question, "Why is orders-0 under-replicated?");
    assert!(
        a.answer.starts_with("b2 left orders-0's ISR at ")
            && a.answer.contains("beyond replica.lag.time.max.ms")
            && a.answer.contains("after the network cut it off at 3.000 s"),
        "{}",
        a.answer
    );
    let labels: Vec<&str> = a.links.iter().map(|l| l.label.as_str()).collect();
    assert!(labels.contains(&"b2 left orders-0's ISR"), "{labels:?}");
    let cut = a
        .links
        .iter()
        .find(|l| l.label.starts_with("the network cut b2"))
        .expect("a link");
    assert!(events_at(&t, cut.step)
        .iter()
        .any(|e| matches!(e, Event::NetworkChanged { .. })));
}
