//! The producer's sender against Kafka 4.0's `Sender` and `RecordAccumulator` (`ready`,
//! `drain`, `canRetry`, expiry, retry backoff, KIP-951), on small worlds.

use kafka_classroom::kafka::event::Event;
use kafka_classroom::kafka::{BrokerId, KafkaStep, KafkaWorld, Message, NodeId, TopicPartition};
use kafka_classroom::lesson::Lesson;
use kafka_classroom::sim::{Cause, SimTime};

fn lesson(text: &str) -> Lesson {
    Lesson::parse(text).expect("the test lesson parses")
}

/// Run `lesson` until `until_ms`, keeping every step.
fn run_to(lesson: &Lesson, until_ms: u64) -> (KafkaWorld, Vec<KafkaStep>) {
    let mut world = lesson.world(lesson.seed);
    let mut steps = Vec::new();
    while world
        .next_time()
        .is_some_and(|t| t <= SimTime::from_ms(until_ms))
    {
        steps.extend(world.step());
    }
    if std::env::var_os("PRINT_TRACE").is_some() {
        for step in &steps {
            println!("{}", kafka_classroom::present::narrate::narrate(step));
        }
    }
    (world, steps)
}

fn ms(step: &KafkaStep) -> u64 {
    step.time.as_ms()
}

/// Every topic partition a Produce request carried, in the order the requests went out.
fn produce_requests(steps: &[KafkaStep]) -> Vec<Vec<TopicPartition>> {
    steps
        .iter()
        .flat_map(|s| &s.events)
        .filter_map(|e| match e {
            Event::ProduceSent { batches, .. } => Some(batches.iter().map(|(tp, _)| *tp).collect()),
            _ => None,
        })
        .collect()
}

/// `RecordAccumulator.drainBatchesForOneNode` keeps a drain index per broker, so that when a
/// request has room for only some batches, the next request starts where this one stopped
/// instead of at the broker's first partition again: no partition starves.
#[test]
fn each_drain_starts_where_the_previous_one_stopped() {
    let lesson = lesson(
        r#"{
  "version": 1, "id": "drain-index", "title": "drain index", "seed": 3,
  "cluster": { "brokers": 1 },
  "network": { "client_latency_ms": [20, 20] },
  "topics": [ { "name": "t", "partitions": 3, "replication_factor": 1 } ],
  "producers": [ { "config": { "acks": "1", "linger.ms": 0, "batch.size": 400,
      "max.request.size": 450, "max.in.flight.requests.per.connection": 1 } } ],
  "actions": [
    { "at_ms": 100, "action": "produce_many", "producer": "p1", "topic": "t", "count": 90,
      "keys": ["k0", "k1", "k2", "k3", "k4", "k5"],
      "value_prefix": "a value of sixty characters, long enough to fill batches.. " }
  ]
}"#,
    );
    let (_, steps) = run_to(&lesson, 5_000);
    let requests = produce_requests(&steps);
    assert!(
        requests[..10].iter().all(|r| r.len() == 1),
        "one full batch fills a request: {requests:?}"
    );
    let order: Vec<i32> = requests.iter().map(|r| r[0].partition).collect();
    // Skip the first request (it left before the burst was queued); then every three
    // consecutive requests serve all three partitions while each has batches queued.
    for window in order[1..10].chunks(3) {
        let mut partitions = window.to_vec();
        partitions.sort();
        assert_eq!(partitions, vec![0, 1, 2], "drain order {order:?}");
    }
}

/// A topic that refuses every acks=all write from 12 s on (`min.insync.replicas` 3, and b3,
/// crashed at once, fenced out of the ISR by then), so the producer retries
/// NOT_ENOUGH_REPLICAS until `delivery.timeout.ms`.
fn refused_writes(delivery_timeout_ms: u64) -> Lesson {
    lesson(&format!(
        r#"{{
  "version": 1, "id": "refused", "title": "refused writes", "seed": 9,
  "cluster": {{ "brokers": 3 }},
  "topics": [ {{ "name": "t", "partitions": 1, "replication_factor": 3,
      "config": {{ "min.insync.replicas": 3 }} }} ],
  "producers": [ {{ "config": {{ "linger.ms": 0, "request.timeout.ms": 5000,
      "delivery.timeout.ms": {delivery_timeout_ms}, "retry.backoff.ms": 100,
      "retry.backoff.max.ms": 1000 }} }} ],
  "actions": [
    {{ "at_ms": 0, "action": "crash", "node": "b3" }},
    {{ "at_ms": 12000, "action": "produce", "producer": "p1", "topic": "t", "value": "x" }}
  ]
}}"#
    ))
}

/// (time, retrying) of every ProduceFailed, and the times of every Produce request.
fn failures_and_sends(steps: &[KafkaStep]) -> (Vec<(u64, bool)>, Vec<u64>) {
    let mut failures = Vec::new();
    let mut sends = Vec::new();
    for step in steps {
        for event in &step.events {
            match event {
                Event::ProduceFailed { retrying, .. } => failures.push((ms(step), *retrying)),
                Event::ProduceSent { .. } => sends.push(ms(step)),
                _ => {}
            }
        }
    }
    (failures, sends)
}

/// `ExponentialBackoff.backoff` applies the jitter and then the cap: a retry never waits more
/// than `retry.backoff.max.ms`, and at the cap it waits between 0.8 and 1 times it.
#[test]
fn a_retry_never_waits_longer_than_retry_backoff_max_ms() {
    let (_, steps) = run_to(&refused_writes(40_000), 52_000);
    let (failures, sends) = failures_and_sends(&steps);
    let waits: Vec<u64> = failures
        .iter()
        .filter(|(_, retrying)| *retrying)
        .filter_map(|(at, _)| sends.iter().find(|s| *s > at).map(|s| s - at))
        .collect();
    assert!(waits.len() >= 30, "{} retries", waits.len());
    assert!(
        waits.iter().all(|w| *w <= 1000),
        "a retry waited past retry.backoff.max.ms: {waits:?}"
    );
    assert!(
        waits[6..].iter().all(|w| *w >= 800),
        "at the cap a retry waits 0.8 to 1 times it: {waits:?}"
    );
}

/// `Sender.canRetry` asks only whether the batch reached `delivery.timeout.ms`, not whether
/// its backoff ends before: a batch keeps retrying to the end, and then expires in the
/// accumulator exactly at `delivery.timeout.ms` after it was created.
#[test]
fn a_batch_retries_until_delivery_timeout_ms_and_not_less() {
    let (_, steps) = run_to(&refused_writes(12_000), 32_000);
    let (failures, _) = failures_and_sends(&steps);
    let last = failures.last().expect("the record fails in the end");
    assert!(!last.1, "{failures:?}");
    let created = 12_000;
    assert!(
        last.0 >= created + 12_000,
        "gave up at {} ms, before delivery.timeout.ms ran out: {failures:?}",
        last.0
    );
    assert!(
        failures[..failures.len() - 1]
            .iter()
            .all(|(_, retrying)| *retrying),
        "{failures:?}"
    );
}

/// KIP-951: a retry skips its backoff once a newer leader epoch is known
/// (`ProducerBatch.maybeUpdateLeaderEpoch`, `RecordAccumulator.shouldBackoff`). After a
/// controlled shutdown moves the leader, the failed batch goes to the new leader as soon as
/// the metadata refresh shows it, not `retry.backoff.ms` later.
#[test]
fn a_retry_to_a_new_leader_does_not_wait_for_its_backoff() {
    let lesson = lesson(
        r#"{
  "version": 1, "id": "kip-951", "title": "new leader, no backoff", "seed": 2,
  "cluster": { "brokers": 3 },
  "topics": [ { "name": "t", "partitions": 1, "replication_factor": 3,
      "replica_assignment": [[1, 2, 3]] } ],
  "producers": [ { "config": { "linger.ms": 0, "retry.backoff.ms": 3000,
      "retry.backoff.max.ms": 3000 } } ],
  "actions": [
    { "at_ms": 100, "action": "produce", "producer": "p1", "topic": "t", "value": "a" },
    { "at_ms": 1000, "action": "shutdown", "node": "b1" },
    { "at_ms": 3000, "action": "produce", "producer": "p1", "topic": "t", "value": "b" }
  ]
}"#,
    );
    let (world, steps) = run_to(&lesson, 10_000);
    let failed_at = steps
        .iter()
        .find(|s| {
            s.events
                .iter()
                .any(|e| matches!(e, Event::ProduceFailed { retrying: true, .. }))
        })
        .map(ms)
        .expect("the send to the old leader fails");
    let acked_at = steps
        .iter()
        .filter(|s| ms(s) >= failed_at)
        .find(|s| {
            s.events
                .iter()
                .any(|e| matches!(e, Event::ProduceAcked { .. }))
        })
        .map(ms)
        .expect("b is acknowledged by the new leader");
    assert!(
        acked_at - failed_at < 1_000,
        "failed at {failed_at} ms, acknowledged at {acked_at} ms: the retry waited out retry.backoff.ms"
    );
    let p1 = &world.model().producers[&1];
    assert_eq!(p1.stats.records_acked, 2);
}

/// `Sender.getExpiredInflightBatches`: a batch whose request is still unanswered fails when it
/// reaches `delivery.timeout.ms`, not only when the request times out. Here the batch spends
/// its first 8 s retrying NOT_ENOUGH_REPLICAS; then its next attempt is never answered.
#[test]
fn a_batch_in_flight_expires_at_delivery_timeout_ms() {
    let lesson = lesson(
        r#"{
  "version": 1, "id": "in-flight-expiry", "title": "in-flight expiry", "seed": 9,
  "cluster": { "brokers": 3 },
  "topics": [ { "name": "t", "partitions": 1, "replication_factor": 3,
      "config": { "min.insync.replicas": 3 } } ],
  "producers": [ { "config": { "linger.ms": 0, "request.timeout.ms": 30000,
      "delivery.timeout.ms": 30000 } } ],
  "actions": [
    { "at_ms": 0, "action": "crash", "node": "b3" },
    { "at_ms": 12000, "action": "produce", "producer": "p1", "topic": "t", "value": "x" },
    { "at_ms": 20000, "action": "hold_link", "from": "b1", "to": "p1" }
  ]
}"#,
    );
    let (_, steps) = run_to(&lesson, 60_000);
    let (failures, sends) = failures_and_sends(&steps);
    let last_send = *sends.last().expect("sent");
    assert!((20_000..21_100).contains(&last_send), "{sends:?}");
    let (failed_at, retrying) = *failures.last().expect("the record fails");
    assert!(!retrying);
    assert_eq!(
        failed_at, 42_000,
        "created at 12 s, it must fail at 12 s + delivery.timeout.ms while its request (sent at \
         {last_send} ms) is still unanswered: {failures:?}"
    );
}

fn metadata_requests_from_p1(steps: &[KafkaStep]) -> Vec<u64> {
    steps
        .iter()
        .filter(|s| {
            matches!(
                &s.cause,
                Cause::Deliver {
                    from: NodeId::Producer(1),
                    to: NodeId::Broker(_),
                    msg: Message::Metadata { .. },
                    ..
                }
            )
        })
        .map(ms)
        .collect()
}

/// `RecordAccumulator.ready` collects `unknownLeaderTopics` from every partition holding
/// batches, ready or not, and `Sender.sendProducerData` asks for metadata at once: a record for
/// a partition without a leader triggers a refresh when it arrives, not when its batch's
/// `linger.ms` runs out.
#[test]
fn a_record_for_a_leaderless_partition_asks_for_metadata_at_once() {
    let lesson = lesson(
        r#"{
  "version": 1, "id": "leaderless", "title": "leaderless", "seed": 6,
  "cluster": { "brokers": 2 },
  "topics": [ { "name": "t", "partitions": 2, "replication_factor": 1,
      "replica_assignment": [[1], [2]] } ],
  "producers": [ { "config": { "linger.ms": 5000, "metadata.max.age.ms": 15000 } } ],
  "actions": [
    { "at_ms": 100, "action": "produce", "producer": "p1", "topic": "t", "partition": 0, "value": "a" },
    { "at_ms": 200, "action": "crash", "node": "b2" },
    { "at_ms": 17000, "action": "produce", "producer": "p1", "topic": "t", "partition": 1, "value": "b" }
  ]
}"#,
    );
    let (world, steps) = run_to(&lesson, 21_000);
    let p1 = &world.model().producers[&1];
    assert_eq!(
        p1.metadata.leader(&TopicPartition::new("t", 1)),
        None::<BrokerId>,
        "b2 was fenced and t-1 has no other replica"
    );
    let requests = metadata_requests_from_p1(&steps);
    assert!(
        requests.iter().any(|t| (17_000..17_200).contains(t)),
        "no metadata request right after the record for leaderless t-1 arrived: {requests:?}"
    );
    let between = requests
        .iter()
        .filter(|t| (17_000..21_000).contains(*t))
        .count();
    // About two per 100 ms (retry.backoff.ms): each refresh first tries the crashed b2.
    assert!(
        between <= 90,
        "{between} metadata requests in 4 s: the refresh must back off retry.backoff.ms"
    );
}

/// Keyless records at 400 a second over three partitions led by b1, b2 and b3; from 1 s on,
/// b2's answers never come back, so its connection fills up with 5 requests and its
/// partition's batches wait.
fn slow_broker(availability_timeout_ms: u64) -> Lesson {
    lesson(&format!(
        r#"{{
  "version": 1, "id": "slow-broker", "title": "slow broker", "seed": 8,
  "cluster": {{ "brokers": 3 }},
  "topics": [ {{ "name": "orders", "partitions": 3, "replication_factor": 3,
      "replica_assignment": [[1, 2, 3], [2, 3, 1], [3, 1, 2]] }} ],
  "producers": [ {{ "config": {{ "batch.size": 400,
      "partitioner.availability.timeout.ms": {availability_timeout_ms} }} }} ],
  "actions": [
    {{ "at_ms": 100, "action": "set_produce_rate", "producer": "p1", "topic": "orders",
      "records_per_second": 400, "keys": [], "value_bytes": 62 }},
    {{ "at_ms": 1000, "action": "hold_link", "from": "b2", "to": "p1" }}
  ]
}}"#
    ))
}

/// Records the sticky partitioner put on orders-1 (led by the slow b2) from 2 s to 10 s.
fn records_to_slow_partition(lesson: &Lesson) -> usize {
    let (_, steps) = run_to(lesson, 10_000);
    steps
        .iter()
        .filter(|s| ms(s) >= 2_000)
        .flat_map(|s| &s.events)
        .filter(|e| {
            matches!(e, Event::RecordAppendedToBatch { partition, .. } if partition.partition == 1)
        })
        .count()
}

/// `partitioner.availability.timeout.ms` (`BuiltInPartitioner.updatePartitionLoadStats` fed by
/// `RecordAccumulator.partitionReady`'s `nodeStats`): a partition whose leader has had ready
/// batches it could not take for longer than the timeout gets no more keyless records, while
/// adaptive partitioning alone only makes it less likely.
#[test]
fn partitions_of_a_broker_that_takes_no_requests_are_skipped_after_the_availability_timeout() {
    assert_eq!(records_to_slow_partition(&slow_broker(200)), 0);
    assert!(
        records_to_slow_partition(&slow_broker(0)) > 0,
        "without the timeout the adaptive weights still give orders-1 a chance"
    );
}

/// `RecordAccumulator.drainBatchesForOneNode` stops the whole drain for a broker when
/// `shouldStopDrainBatchesForPartition` says so (here: t-1 still has a batch in flight under
/// an older producer epoch, so no new batch may go there), rather than skipping that
/// partition and draining the next one.
#[test]
fn a_partition_idempotence_holds_back_stops_the_drain_for_its_broker() {
    let lesson = lesson(
        r#"{
  "version": 1, "id": "stop-drain", "title": "stop drain", "seed": 4,
  "cluster": { "brokers": 1 },
  "topics": [ { "name": "t", "partitions": 2, "replication_factor": 1 } ],
  "producers": [ { "config": { "linger.ms": 60000 } } ],
  "actions": [
    { "at_ms": 100, "action": "produce", "producer": "p1", "topic": "t", "partition": 0, "value": "a" },
    { "at_ms": 100, "action": "produce", "producer": "p1", "topic": "t", "partition": 1, "value": "b" }
  ]
}"#,
    );
    let mut world = lesson.world(lesson.seed);
    world.run_until(SimTime::from_ms(1_000), 100_000);
    let (t0, t1) = (TopicPartition::new("t", 0), TopicPartition::new("t", 1));
    world.init(|cluster, ctx| {
        let p1 = cluster.producers.get_mut(&1).expect("p1");
        let sequences = p1.sequences.as_mut().expect("p1 has a producer id");
        // A batch of t-1 in flight under epoch 0, then the epoch moves on.
        sequences
            .assign_sequence(&t1, 9_999, 1)
            .expect("t-1 may drain");
        let mut bumped = sequences.producer_id_and_epoch();
        bumped.epoch += 1;
        sequences.set_producer_id_and_epoch(bumped);
        // The next drain for b1 starts at t-1 (index 1 of [t-0, t-1]).
        p1.accumulator.set_drain_index(BrokerId(1), 1);
        p1.flush(ctx);
    });
    let p1 = &world.model().producers[&1];
    assert_eq!(p1.accumulator.queue_len(&t1), 1, "t-1 is held back");
    assert_eq!(
        p1.accumulator.queue_len(&t0),
        1,
        "the drain stopped at t-1: t-0's batch waits for the next drain"
    );
}

/// `Sender.failBatch(batch, response, batch.attempts() < retries)`: a batch that fails for
/// good with retries left (here INVALID_RECORD, a keyless record on a compacted topic) has its
/// sequence numbers given back: the idempotent producer bumps its epoch for the partition and
/// restarts at sequence 0, so the next record is accepted instead of leaving a sequence gap.
#[test]
fn a_final_error_with_retries_left_resets_the_partitions_sequences() {
    let lesson = lesson(
        r#"{
  "version": 1, "id": "final-error", "title": "final error", "seed": 5,
  "cluster": { "brokers": 1 },
  "topics": [ { "name": "c", "partitions": 1, "replication_factor": 1,
      "config": { "cleanup.policy": "compact" } } ],
  "producers": [ { "config": { "linger.ms": 0, "delivery.timeout.ms": 40000 } } ],
  "actions": [
    { "at_ms": 100, "action": "produce", "producer": "p1", "topic": "c", "key": "k", "value": "1" },
    { "at_ms": 1000, "action": "produce", "producer": "p1", "topic": "c", "value": "no key" },
    { "at_ms": 2000, "action": "produce", "producer": "p1", "topic": "c", "key": "k", "value": "2" }
  ]
}"#,
    );
    let (world, steps) = run_to(&lesson, 10_000);
    let errors: Vec<_> = steps
        .iter()
        .flat_map(|s| &s.events)
        .filter_map(|e| match e {
            Event::ProduceFailed { error, .. } => Some(*error),
            _ => None,
        })
        .collect();
    assert_eq!(
        errors,
        vec![kafka_classroom::kafka::errors::ErrorCode::INVALID_RECORD],
        "only the keyless record fails"
    );
    assert_eq!(world.model().producers[&1].stats.records_acked, 2);
}
