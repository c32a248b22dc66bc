//! The leader's side of one partition (Kafka's `Partition.scala`), driven by hand-made Fetch and
//! Produce requests against a running cluster: when the high watermark may move
//! (`maybeIncrementLeaderHW`: committed ISR against `min.insync.replicas`, the maximal ISR, and
//! caught-up replicas about to join), what a follower's fetch does first (`maybeExpandIsr`
//! before the high watermark, `updateFollowerFetchState`), who may join the ISR
//! (`isReplicaIsrEligible`), and which error a produce request gets when it breaks several rules
//! (`ReplicaManager.appendRecords`, `Partition.appendRecordsToLeader`, `UnifiedLog.append`).
//!
//! Every cluster here has topic `t`, one partition led by b1. The requests are handed to b1
//! directly, between steps, so nothing else happens to the partition meanwhile.

use kafka_classroom::kafka::broker::replica::Role;
use kafka_classroom::kafka::errors::ErrorCode;
use kafka_classroom::kafka::event::Event;
use kafka_classroom::kafka::protocol::{
    FetchPartition, FetchRequest, ProducePartitionResponse, ProduceRequest,
};
use kafka_classroom::kafka::record::{Payload, ProducerIdentity, Record, RecordBatch, RecordId};
use kafka_classroom::kafka::{BrokerId, Command, KafkaWorld, Message, NodeId, TopicPartition};
use kafka_classroom::lesson::Lesson;
use kafka_classroom::sim::SimTime;
use std::sync::atomic::{AtomicU32, Ordering};

const B1: BrokerId = BrokerId(1);
const B2: BrokerId = BrokerId(2);
const B3: BrokerId = BrokerId(3);

static NEXT_CORRELATION_ID: AtomicU32 = AtomicU32::new(2_000_000);

fn tp() -> TopicPartition {
    TopicPartition::new("t", 0)
}

/// A cluster of `brokers` brokers with topic `t` (one partition on all of them, b1 first, so
/// b1 leads), run for two quiet seconds: every replica in sync, nothing written.
fn cluster(brokers: u32, topic_config: &str) -> KafkaWorld {
    let assignment: Vec<String> = (1..=brokers).map(|b| b.to_string()).collect();
    let lesson = Lesson::parse(&format!(
        r#"{{
      "version": 1, "id": "leader-partition", "title": "leader partition", "seed": 1,
      "run_until_ms": 2000,
      "cluster": {{ "brokers": {brokers} }},
      "topics": [ {{ "name": "t", "partitions": 1, "replication_factor": {brokers},
                     "replica_assignment": [[{}]], "config": {topic_config} }} ],
      "producers": [ {{ "config": {{ "acks": "1" }} }} ]
    }}"#,
        assignment.join(", ")
    ))
    .expect("a valid lesson");
    let mut world = lesson.world(lesson.seed);
    world.run_until(SimTime::from_ms(lesson.run_until_ms), 100_000);
    let b1 = &world.model().brokers[&B1].replicas[&tp()];
    assert!(b1.is_leader(), "b1 leads t-0");
    world
}

/// b1's committed ISR becomes `isr`, as if the controller had just committed that change.
fn commit_isr(world: &mut KafkaWorld, isr: &[BrokerId]) {
    world.init(|cluster, _| {
        let replica = cluster
            .brokers
            .get_mut(&B1)
            .unwrap()
            .replicas
            .get_mut(&tp());
        let Role::Leader(state) = &mut replica.unwrap().role else {
            panic!("b1 leads t-0");
        };
        state.isr = isr.to_vec();
        state.pending_isr = None;
    });
}

/// `follower` fetches t-0 from b1 at `fetch_offset` (its log end offset), with its own broker
/// epoch plus `epoch_bump`.
fn fetch_with_epoch(
    world: &mut KafkaWorld,
    follower: BrokerId,
    fetch_offset: i64,
    epoch_bump: i64,
) {
    world.init(|cluster, ctx| {
        let broker_epoch = cluster.brokers[&follower].broker_epoch + epoch_bump;
        let leader_epoch = cluster.brokers[&B1].replicas[&tp()].leader_epoch;
        let request = FetchRequest {
            correlation_id: 1_000_000,
            replica: Some((follower, broker_epoch)),
            max_wait_ms: 0,
            min_bytes: 1,
            max_bytes: 1 << 20,
            partitions: vec![FetchPartition {
                partition: tp(),
                fetch_offset,
                last_fetched_epoch: None,
                current_leader_epoch: Some(leader_epoch),
                partition_max_bytes: 1 << 20,
            }],
            read_committed: false,
        };
        let b1 = cluster.brokers.get_mut(&B1).unwrap();
        b1.on_message(ctx, NodeId::Broker(follower), Message::Fetch(request));
    });
}

fn fetch(world: &mut KafkaWorld, follower: BrokerId, fetch_offset: i64) {
    fetch_with_epoch(world, follower, fetch_offset, 0);
}

fn record(serial: u32, key: Option<&str>, value_bytes: u32) -> Record {
    Record {
        id: RecordId {
            producer: 1,
            serial,
        },
        offset_delta: 0,
        timestamp_ms: 2000,
        key: key.map(Payload::text),
        value: Some(Payload::Filler { len: value_bytes }),
        headers: Vec::new(),
    }
}

/// p1 sends one batch of `records` to b1 with `acks`; returns b1's answer for t-0, if it
/// answered at once.
fn produce(
    world: &mut KafkaWorld,
    acks: i16,
    mut records: Vec<Record>,
) -> Option<ProducePartitionResponse> {
    for (delta, r) in records.iter_mut().enumerate() {
        r.offset_delta = delta as u32;
    }
    let batch = RecordBatch::new(records, ProducerIdentity::NONE, Default::default());
    let correlation_id = NEXT_CORRELATION_ID.fetch_add(1, Ordering::Relaxed);
    let request = ProduceRequest {
        correlation_id,
        acks,
        timeout_ms: 30_000,
        partitions: vec![(tp(), batch)],
    };
    world.init(|cluster, ctx| {
        let b1 = cluster.brokers.get_mut(&B1).unwrap();
        b1.on_message(ctx, NodeId::Producer(1), Message::Produce(request));
    });
    world.in_flight().find_map(|m| match m.msg {
        Message::ProduceResponse(r) if r.correlation_id == correlation_id => {
            Some(r.partitions[0].clone())
        }
        _ => None,
    })
}

fn append(world: &mut KafkaWorld, count: u32) {
    let records = (0..count).map(|i| record(i, Some("k"), 10)).collect();
    let response = produce(world, 1, records).expect("acks=1 is answered at once");
    assert_eq!(response.error, ErrorCode::NONE);
}

fn high_watermark(world: &KafkaWorld) -> i64 {
    world.model().brokers[&B1].replicas[&tp()].high_watermark
}

fn log_end_offset(world: &KafkaWorld) -> i64 {
    world.model().brokers[&B1].replicas[&tp()].log_end_offset()
}

/// The ISR b1 has proposed to the controller and not yet heard back about.
fn pending_isr(world: &KafkaWorld) -> Option<Vec<BrokerId>> {
    let replica = &world.model().brokers[&B1].replicas[&tp()];
    replica.leader_state().and_then(|s| s.pending_isr.clone())
}

// ---- maybeIncrementLeaderHW ----

#[test]
fn caught_up_follower_outside_the_isr_holds_back_the_high_watermark_until_it_has_the_records() {
    // b2 fetched at b1's log end a moment ago, so it is caught up; the controller has just
    // taken it out of the ISR all the same. Kafka waits for such a replica ("about to join")
    // rather than let the high watermark run ahead of it where it could never catch up.
    let mut world = cluster(2, r#"{ "min.insync.replicas": 1 }"#);
    commit_isr(&mut world, &[B1]);
    append(&mut world, 3);
    assert_eq!(log_end_offset(&world), 3);
    assert_eq!(high_watermark(&world), 0, "b2 is caught up: wait for it");
    fetch(&mut world, B2, 3);
    assert_eq!(pending_isr(&world), Some(vec![B1, B2]));
    assert_eq!(high_watermark(&world), 3);
}

#[test]
fn high_watermark_waits_for_the_committed_isr_to_reach_min_insync_replicas() {
    // ISR {b1} with min.insync.replicas=2. b2 catches up and b1 proposes to add it: the maximal
    // ISR {b1, b2} is large enough, the committed ISR is not (`Partition.isUnderMinIsr`).
    let mut world = cluster(3, r#"{ "min.insync.replicas": 2 }"#);
    commit_isr(&mut world, &[B1]);
    append(&mut world, 3);
    fetch(&mut world, B2, 3);
    assert_eq!(pending_isr(&world), Some(vec![B1, B2]));
    fetch(&mut world, B3, 3);
    assert_eq!(
        high_watermark(&world),
        0,
        "only a proposed addition brings the ISR to min.insync.replicas"
    );
    // The controller commits {b1, b2}.
    world.init(|cluster, ctx| {
        let b1 = cluster.brokers.get_mut(&B1).unwrap();
        let mut registration = b1.metadata.partition(&tp()).unwrap().clone();
        registration.isr = vec![B1, B2];
        registration.partition_epoch += 1;
        let response = Message::AlterPartitionResponse {
            partition: tp(),
            error: ErrorCode::NONE,
            registration: Some(registration),
        };
        b1.on_message(ctx, NodeId::Controller(1), response);
    });
    assert_eq!(high_watermark(&world), 3);
}

#[test]
fn follower_returning_under_steady_writes_rejoins_the_isr_as_soon_as_it_catches_up() {
    // b2 pauses for 20 s while p1 writes 1000 records/s with acks=1; the controller fences it
    // and takes it out of the ISR. When it wakes, the high watermark waits for it as soon as
    // it is caught up, so it reaches the high watermark within a few fetches. A high watermark
    // that ran with the leader's log end would leave it chasing a moving target.
    let lesson = Lesson::parse(
        r#"{
      "version": 1, "id": "rejoin", "title": "rejoin", "seed": 1, "run_until_ms": 23000,
      "cluster": { "brokers": 2 },
      "topics": [ { "name": "t", "partitions": 1, "replication_factor": 2,
                    "replica_assignment": [[1, 2]], "config": { "min.insync.replicas": 1 } } ],
      "producers": [ { "config": { "acks": "1", "linger.ms": 0 } } ],
      "actions": [
        { "at_ms": 1000, "action": "set_produce_rate", "producer": "p1", "topic": "t",
          "records_per_second": 1000 },
        { "at_ms": 2000, "action": "pause", "node": "b2", "ms": 20000 }
      ]
    }"#,
    )
    .expect("a valid lesson");
    let mut world = lesson.world(lesson.seed);
    let mut proposed_at_ms = None;
    while world
        .next_time()
        .is_some_and(|t| t <= SimTime::from_ms(23_000))
    {
        let step = world.step().expect("a step");
        for event in &step.events {
            if let Event::IsrChangeProposed { broker, to, .. } = event {
                if *broker == B1 && to.contains(&B2) && proposed_at_ms.is_none() {
                    proposed_at_ms = Some(world.now().as_ms());
                }
            }
        }
    }
    let proposed_at_ms = proposed_at_ms.expect("b1 proposed b2 for the ISR");
    assert!(
        (22_000..22_200).contains(&proposed_at_ms),
        "b2 woke at 22 s and was proposed for the ISR at {proposed_at_ms} ms"
    );
}

// ---- updateFollowerFetchState: maybeExpandIsr, then maybeIncrementLeaderHW ----

#[test]
fn follower_fetch_adds_the_follower_to_the_isr_before_moving_the_high_watermark() {
    // b2 was caught up at 2 s and then stopped fetching (its requests to b1 are held), after
    // having been taken out of the ISR. b1 took 5 records meanwhile; b2 held the high
    // watermark at 0 while it counted as caught up. At 40 s it is not caught up any more
    // (`replica.lag.time.max.ms` = 30 s) and fetches at 3, above the high watermark: b1 proposes
    // it for the ISR first, so the high watermark then waits for it (3), instead of jumping to
    // 5 and leaving b2 below it, outside the ISR.
    let mut world = cluster(2, r#"{ "min.insync.replicas": 1 }"#);
    let hold = Command::HoldLink {
        from: NodeId::Broker(B2),
        to: NodeId::Broker(B1),
    };
    world.apply_command(hold).expect("b2 and b1 exist");
    commit_isr(&mut world, &[B1]);
    append(&mut world, 5);
    world.run_until(SimTime::from_ms(40_000), 1_000_000);
    assert_eq!(pending_isr(&world), None);
    assert_eq!(high_watermark(&world), 0);
    fetch(&mut world, B2, 3);
    assert_eq!(pending_isr(&world), Some(vec![B1, B2]));
    assert_eq!(high_watermark(&world), 3);
}

// ---- isReplicaIsrEligible ----

#[test]
fn follower_fetching_with_a_broker_epoch_the_leader_has_not_seen_does_not_join_the_isr() {
    // A broker that restarted registers with a new broker epoch; until b1's metadata has that
    // registration, b1 cannot tell it from its previous incarnation (KIP-903).
    let mut world = cluster(2, r#"{ "min.insync.replicas": 1 }"#);
    commit_isr(&mut world, &[B1]);
    fetch_with_epoch(&mut world, B2, 0, 7);
    assert_eq!(pending_isr(&world), None);
    fetch_with_epoch(&mut world, B2, 0, 0);
    assert_eq!(pending_isr(&world), Some(vec![B1, B2]));
}

// ---- which error wins ----

#[test]
fn acks_all_below_min_isr_is_refused_before_the_batch_size_is_checked() {
    let mut world = cluster(
        2,
        r#"{ "min.insync.replicas": 2, "max.message.bytes": 200 }"#,
    );
    commit_isr(&mut world, &[B1]);
    let large = vec![record(0, Some("k"), 500)];
    let response = produce(&mut world, -1, large.clone()).expect("refused at once");
    assert_eq!(response.error, ErrorCode::NOT_ENOUGH_REPLICAS);
    // acks=1 does not care about min.insync.replicas: the size decides.
    let response = produce(&mut world, 1, large).expect("refused at once");
    assert_eq!(response.error, ErrorCode::MESSAGE_TOO_LARGE);
    assert_eq!(log_end_offset(&world), 0);
}

#[test]
fn acks_all_below_min_isr_is_refused_before_a_keyless_record_on_a_compacted_topic() {
    let mut world = cluster(
        2,
        r#"{ "min.insync.replicas": 2, "cleanup.policy": "compact" }"#,
    );
    commit_isr(&mut world, &[B1]);
    let keyless = vec![record(0, Some("k"), 10), record(1, None, 10)];
    let response = produce(&mut world, -1, keyless.clone()).expect("refused at once");
    assert_eq!(response.error, ErrorCode::NOT_ENOUGH_REPLICAS);
    let response = produce(&mut world, 1, keyless).expect("refused at once");
    assert_eq!(response.error, ErrorCode::INVALID_RECORD);
    assert_eq!(log_end_offset(&world), 0);
}

#[test]
fn oversized_batch_is_refused_before_its_records_are_validated() {
    let mut world = cluster(
        2,
        r#"{ "min.insync.replicas": 1, "max.message.bytes": 200, "cleanup.policy": "compact" }"#,
    );
    let response = produce(&mut world, -1, vec![record(0, None, 500)]).expect("refused at once");
    assert_eq!(response.error, ErrorCode::MESSAGE_TOO_LARGE);
}

#[test]
fn invalid_acks_is_refused_before_leadership_is_checked() {
    // `ReplicaManager.appendRecords` answers INVALID_REQUIRED_ACKS for every partition before
    // it looks for the partition's leader.
    let mut world = cluster(2, r#"{ "min.insync.replicas": 1 }"#);
    let correlation_id = 3_000_000;
    let batch = RecordBatch::new(
        vec![record(0, Some("k"), 10)],
        ProducerIdentity::NONE,
        Default::default(),
    );
    let request = ProduceRequest {
        correlation_id,
        acks: 2,
        timeout_ms: 30_000,
        partitions: vec![(tp(), batch)],
    };
    world.init(|cluster, ctx| {
        let b2 = cluster.brokers.get_mut(&B2).unwrap();
        b2.on_message(ctx, NodeId::Producer(1), Message::Produce(request));
    });
    let error = world.in_flight().find_map(|m| match m.msg {
        Message::ProduceResponse(r) if r.correlation_id == correlation_id => {
            Some(r.partitions[0].error)
        }
        _ => None,
    });
    assert_eq!(error, Some(ErrorCode::INVALID_REQUIRED_ACKS));
}
