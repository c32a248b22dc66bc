//! Transactions on the partition side, end to end through brokers and consumers: transactional
//! batches and `WriteTxnMarkers` handed to the leader by hand (the transactional producer and
//! coordinator come later), replication to the followers, the last stable offset, and what a
//! `read_committed` and a `read_uncommitted` consumer each receive.

use kafka_classroom::kafka::errors::ErrorCode;
use kafka_classroom::kafka::protocol::{ProduceRequest, TxnMarkerEntry};
use kafka_classroom::kafka::record::{Payload, ProducerIdentity, Record, RecordBatch, RecordId};
use kafka_classroom::kafka::txn::TransactionResult;
use kafka_classroom::kafka::{BrokerId, KafkaWorld, Message, NodeId, TopicPartition};
use kafka_classroom::lesson::Lesson;
use kafka_classroom::sim::SimTime;

const B1: BrokerId = BrokerId(1);
const PID: i64 = 7;

fn tp() -> TopicPartition {
    TopicPartition::new("t", 0)
}

/// Three brokers, topic `t` (one partition led by b1), consumer c1 `read_committed` and c2
/// `read_uncommitted`, each in its own group from the earliest offset; six quiet seconds (the
/// groups form after `group.initial.rebalance.delay.ms`).
fn cluster() -> KafkaWorld {
    cluster_with(&[
        ("committed", "read_committed", "earliest", 0),
        ("uncommitted", "read_uncommitted", "earliest", 0),
    ])
}

/// Consumers as (group, isolation level, `auto.offset.reset`, start time in ms).
fn cluster_with(consumers: &[(&str, &str, &str, u64)]) -> KafkaWorld {
    let consumer = |(group, isolation, reset, start): &(&str, &str, &str, u64)| {
        format!(
            r#"{{ "subscribe": ["t"], "start_at_ms": {start}, "config": {{ "group.id": "{group}", "auto.offset.reset": "{reset}", "isolation.level": "{isolation}" }} }}"#
        )
    };
    let consumers: Vec<String> = consumers.iter().map(consumer).collect();
    let lesson = Lesson::parse(&format!(
        r#"{{
      "version": 1, "id": "txn-partition", "title": "transactions in a partition", "seed": 1,
      "run_until_ms": 6000,
      "cluster": {{ "brokers": 3 }},
      "topics": [ {{ "name": "t", "partitions": 1, "replication_factor": 3,
                     "replica_assignment": [[1, 2, 3]] }} ],
      "producers": [ {{ "config": {{ "acks": "1" }} }} ],
      "consumers": [ {} ]
    }}"#,
        consumers.join(", ")
    ))
    .expect("a valid lesson");
    let mut world = lesson.world(lesson.seed);
    world.run_until(SimTime::from_ms(lesson.run_until_ms), 200_000);
    world
}

fn run_for(world: &mut KafkaWorld, ms: u64) {
    let until = world
        .now()
        .plus(kafka_classroom::sim::SimDuration::from_ms(ms));
    world.run_until(until, 200_000);
}

/// Producer `PID` sends `values` to b1 in one batch from `sequence`; returns b1's error.
fn produce(
    world: &mut KafkaWorld,
    values: &[&str],
    sequence: i32,
    transactional: bool,
) -> ErrorCode {
    let records = values
        .iter()
        .enumerate()
        .map(|(i, v)| Record {
            id: RecordId {
                producer: 1,
                serial: sequence as u32 + i as u32,
            },
            offset_delta: i as u32,
            timestamp_ms: 2000,
            key: None,
            value: Some(Payload::text(v)),
            headers: Vec::new(),
        })
        .collect();
    let producer = ProducerIdentity {
        producer_id: PID,
        producer_epoch: 0,
        base_sequence: sequence,
    };
    let batch = RecordBatch {
        transactional,
        ..RecordBatch::new(records, producer, Default::default())
    };
    let correlation_id = 900 + sequence as u32;
    let request = ProduceRequest {
        correlation_id,
        acks: 1,
        timeout_ms: 30_000,
        partitions: vec![(tp(), batch)],
    };
    world.init(|cluster, ctx| {
        let b1 = cluster.brokers.get_mut(&B1).unwrap();
        b1.on_message(ctx, NodeId::Producer(1), Message::Produce(request));
    });
    world
        .in_flight()
        .find_map(|m| match m.msg {
            Message::ProduceResponse(r) if r.correlation_id == correlation_id => {
                Some(r.partitions[0].error)
            }
            _ => None,
        })
        .expect("acks=1 answers at once")
}

/// A coordinator (here b2) asks b1 to write `result`'s marker for `PID` in t-0.
fn write_marker(world: &mut KafkaWorld, result: TransactionResult, correlation_id: u32) {
    let marker = TxnMarkerEntry {
        producer_id: PID,
        producer_epoch: 0,
        coordinator_epoch: 0,
        result,
        partitions: vec![tp()],
    };
    world.init(|cluster, ctx| {
        let b1 = cluster.brokers.get_mut(&B1).unwrap();
        let request = Message::WriteTxnMarkers {
            correlation_id,
            markers: vec![marker],
        };
        b1.on_message(ctx, NodeId::Broker(BrokerId(2)), request);
    });
}

fn leader(world: &KafkaWorld) -> &kafka_classroom::kafka::broker::replica::Replica {
    &world.model().brokers[&B1].replicas[&tp()]
}

/// The values consumer `c` has received, oldest first, and its position.
fn received(world: &KafkaWorld, c: u32) -> (Vec<String>, Option<i64>) {
    let consumer = &world.model().consumers[&c];
    let values = consumer
        .stats
        .recent
        .iter()
        .map(|r| r.value_text())
        .collect();
    (
        values,
        consumer.positions.get(&tp()).and_then(|p| p.position),
    )
}

#[test]
fn read_committed_waits_for_the_marker_and_never_sees_an_aborted_transaction() {
    let mut world = cluster();
    assert_eq!(produce(&mut world, &["a0", "a1"], 0, true), ErrorCode::NONE);
    // Outside the transaction while it is open: refused, nothing written.
    assert_eq!(
        produce(&mut world, &["x"], 2, false),
        ErrorCode::INVALID_TXN_STATE
    );
    run_for(&mut world, 1000);
    assert_eq!(leader(&world).high_watermark, 2);
    assert_eq!(
        leader(&world).last_stable_offset(),
        0,
        "the open transaction holds the LSO"
    );
    assert_eq!(received(&world, 1), (vec![], Some(0)));
    assert_eq!(received(&world, 2).0, vec!["a0", "a1"]);

    write_marker(&mut world, TransactionResult::Abort, 50);
    run_for(&mut world, 1000);
    let markers_ok = world.model().brokers[&B1].replicas[&tp()].log_end_offset();
    assert_eq!(markers_ok, 3, "two records and the marker");
    assert_eq!(
        (
            leader(&world).high_watermark,
            leader(&world).last_stable_offset()
        ),
        (3, 3)
    );
    // The aborted records and the marker are skipped: the position moves past them.
    assert_eq!(received(&world, 1), (vec![], Some(3)));
    assert_eq!(
        received(&world, 2),
        (vec!["a0".to_string(), "a1".to_string()], Some(3))
    );

    assert_eq!(produce(&mut world, &["b0"], 2, true), ErrorCode::NONE);
    write_marker(&mut world, TransactionResult::Commit, 51);
    run_for(&mut world, 1000);
    assert_eq!(
        (
            leader(&world).high_watermark,
            leader(&world).last_stable_offset()
        ),
        (5, 5)
    );
    assert_eq!(received(&world, 1), (vec!["b0".to_string()], Some(5)));
    assert_eq!(received(&world, 2).0, vec!["a0", "a1", "b0"]);
    // Every follower holds the same transactions: the aborted index travelled with the log.
    for b in [2, 3] {
        let follower = &world.model().brokers[&BrokerId(b)].replicas[&tp()];
        assert_eq!(
            follower.txns.collect_aborted_txns(0, 5),
            leader(&world).txns.collect_aborted_txns(0, 5)
        );
        assert_eq!(follower.txns.collect_aborted_txns(0, 5).len(), 1);
    }
}

#[test]
fn a_marker_waits_for_the_isr_and_answers_the_coordinator() {
    let mut world = cluster();
    assert_eq!(produce(&mut world, &["a0"], 0, true), ErrorCode::NONE);
    write_marker(&mut world, TransactionResult::Commit, 60);
    let answered_at_once = world
        .in_flight()
        .any(|m| matches!(m.msg, Message::WriteTxnMarkersResponse { .. }));
    assert!(!answered_at_once, "the marker is appended with acks=all");
    let mut answer = None;
    let until = world
        .now()
        .plus(kafka_classroom::sim::SimDuration::from_ms(1000));
    while world.next_time().is_some_and(|t| t <= until) && answer.is_none() {
        world.step();
        answer = world.in_flight().find_map(|m| match m.msg {
            Message::WriteTxnMarkersResponse {
                correlation_id: 60,
                markers,
            } => Some(markers.clone()),
            _ => None,
        });
    }
    assert_eq!(answer, Some(vec![(PID, vec![(tp(), ErrorCode::NONE)])]));
    // A marker from an older epoch than the producer's is refused.
    let stale = TxnMarkerEntry {
        producer_id: PID,
        producer_epoch: -1,
        coordinator_epoch: 0,
        result: TransactionResult::Abort,
        partitions: vec![tp()],
    };
    world.init(|cluster, ctx| {
        let b1 = cluster.brokers.get_mut(&B1).unwrap();
        b1.on_message(
            ctx,
            NodeId::Broker(BrokerId(2)),
            Message::WriteTxnMarkers {
                correlation_id: 61,
                markers: vec![stale],
            },
        );
    });
    let refused = world.in_flight().find_map(|m| match m.msg {
        Message::WriteTxnMarkersResponse {
            correlation_id: 61,
            markers,
        } => Some(markers.clone()),
        _ => None,
    });
    assert_eq!(
        refused,
        Some(vec![(PID, vec![(tp(), ErrorCode::INVALID_PRODUCER_EPOCH)])])
    );
}

#[test]
fn a_read_committed_consumer_starting_at_latest_starts_at_the_last_stable_offset() {
    // c1 and c2 join after the transaction opened: "latest" is the high watermark for c2, the
    // LSO (before the open transaction) for c1, which therefore reads the records once
    // committed.
    let mut world = cluster_with(&[
        ("committed", "read_committed", "latest", 6500),
        ("uncommitted", "read_uncommitted", "latest", 6500),
    ]);
    assert_eq!(produce(&mut world, &["a0", "a1"], 0, true), ErrorCode::NONE);
    run_for(&mut world, 6000);
    assert_eq!(received(&world, 1), (vec![], Some(0)));
    assert_eq!(received(&world, 2), (vec![], Some(2)));
    write_marker(&mut world, TransactionResult::Commit, 70);
    run_for(&mut world, 1000);
    assert_eq!(
        received(&world, 1),
        (vec!["a0".to_string(), "a1".to_string()], Some(3))
    );
    assert_eq!(received(&world, 2), (vec![], Some(3)));
}

/// The leader's row on the stage: what each record cell says about its transaction.
fn stage_leader_cells(
    world: &KafkaWorld,
) -> (
    Vec<(i64, kafka_classroom::present::stage::RecordTxn)>,
    i64,
    String,
) {
    use kafka_classroom::present::stage::{stage_view, StageOptions};
    let view = stage_view(world, &StageOptions::default());
    let row = view
        .topics
        .iter()
        .flat_map(|t| &t.rows)
        .find(|r| r.name == "t-0")
        .expect("t-0 on the stage")
        .clone();
    let leader = row
        .replicas
        .iter()
        .find(|c| c.broker == 1)
        .expect("b1's replica");
    let cells = leader.cells.iter().map(|c| (c.offset, c.txn)).collect();
    (cells, leader.last_stable_offset, leader.marks_text())
}

#[test]
fn the_stage_draws_open_aborted_and_committed_records_markers_and_the_lso() {
    use kafka_classroom::kafka::record::ControlRecordType;
    use kafka_classroom::present::stage::RecordTxn::{Aborted, Committed, Marker, Open};
    let mut world = cluster();
    assert_eq!(produce(&mut world, &["a0", "a1"], 0, true), ErrorCode::NONE);
    write_marker(&mut world, TransactionResult::Abort, 80);
    assert_eq!(produce(&mut world, &["b0"], 2, true), ErrorCode::NONE);
    write_marker(&mut world, TransactionResult::Commit, 81);
    assert_eq!(produce(&mut world, &["c0", "c1"], 3, true), ErrorCode::NONE);
    run_for(&mut world, 1000);
    let (cells, lso, marks) = stage_leader_cells(&world);
    assert_eq!(
        cells,
        vec![
            (0, Aborted),
            (1, Aborted),
            (2, Marker(ControlRecordType::Abort)),
            (3, Committed),
            (4, Marker(ControlRecordType::Commit)),
            (5, Open),
            (6, Open),
        ]
    );
    assert_eq!(
        lso, 5,
        "the open transaction holds the LSO at its first record"
    );
    assert_eq!(marks, "HW 7 · LSO 5");
    // `kafka-dump-log.sh` prints the batch attributes and the markers as Kafka does.
    let dump = kafka_classroom::present::console::run(
        &world,
        "kafka-dump-log.sh --files /tmp/kraft-combined-logs/t-0/00000000000000000000.log --print-data-log --broker 1",
    );
    let text: Vec<String> = dump.lines.into_iter().map(|l| l.text).collect();
    let lines_with = |s: &str| text.iter().filter(|l| l.contains(s)).count();
    assert_eq!(
        lines_with("isTransactional: true isControl: false"),
        3,
        "{text:#?}"
    );
    assert_eq!(lines_with("isTransactional: true isControl: true"), 2);
    assert_eq!(lines_with("endTxnMarker: ABORT coordinatorEpoch: 0"), 1);
    assert_eq!(lines_with("endTxnMarker: COMMIT coordinatorEpoch: 0"), 1);
    assert_eq!(lines_with("payload: b0"), 1);
    write_marker(&mut world, TransactionResult::Commit, 82);
    run_for(&mut world, 1000);
    let (cells, lso, marks) = stage_leader_cells(&world);
    assert_eq!(
        &cells[5..],
        &[
            (5, Committed),
            (6, Committed),
            (7, Marker(ControlRecordType::Commit))
        ]
    );
    assert_eq!((lso, marks.as_str()), (8, "LEO 8 · HW 8"));
}
