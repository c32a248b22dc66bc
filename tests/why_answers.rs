//! "Why is the high watermark not moving?" answered from real runs of built-in lessons, at the
//! moments the lessons are about: followers cut off from their leader, a crashed leader not yet
//! fenced, no leader at all, an ISR below min.insync.replicas, and nothing wrong.

use kafka_classroom::check::history::authoritative_replica;
use kafka_classroom::kafka::consumer::MemberState;
use kafka_classroom::kafka::{KafkaWorld, TopicPartition};
use kafka_classroom::lesson::builtin;
use kafka_classroom::present::why::{high_watermark_why, WhyAnswer};

fn at(lesson: &str, ms: u64) -> KafkaWorld {
    let mut l = builtin::load(lesson).expect("built-in lesson");
    l.run_until_ms = ms;
    l.run(l.seed, |_| {})
}

fn why(world: &KafkaWorld, tp: &str) -> WhyAnswer {
    high_watermark_why(world, &TopicPartition::parse(tp).unwrap()).expect("the partition exists")
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
    assert!(high_watermark_why(&w, &TopicPartition::new("nope", 0)).is_none());
    assert!(high_watermark_why(&w, &TopicPartition::new("t", 7)).is_none());
}

fn consumer(world: &KafkaWorld, id: u32) -> WhyAnswer {
    kafka_classroom::present::why::consumer_why(world, id).expect("the consumer exists")
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
    assert!(kafka_classroom::present::why::consumer_why(&w, 99).is_none());
}
