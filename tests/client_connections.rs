//! What producers and consumers do when a connection goes away, against Kafka 4.0's
//! `NetworkClient`: a request that times out closes its connection, so every request in flight
//! to that node fails with it (`handleTimedOutRequests`, `processTimeoutDisconnection`).

use kafka_classroom::kafka::errors::ErrorCode;
use kafka_classroom::kafka::event::Event;
use kafka_classroom::kafka::KafkaStep;
use kafka_classroom::lesson::Lesson;
use kafka_classroom::sim::SimTime;

fn run(text: &str, until_ms: u64) -> Vec<KafkaStep> {
    let lesson = Lesson::parse(text).expect("the test lesson parses");
    let mut world = lesson.world(lesson.seed);
    let mut steps = Vec::new();
    while world
        .next_time()
        .is_some_and(|t| t <= SimTime::from_ms(until_ms))
    {
        steps.extend(world.step());
    }
    steps
}

/// Two Produce requests are in flight to b1 when b1's answers stop coming. When the first
/// request times out, the producer closes the connection: the second request fails in the
/// same step, with REQUEST_TIMED_OUT too, instead of waiting out its own timeout.
#[test]
fn a_request_timeout_fails_every_request_in_flight_to_that_node() {
    let steps = run(
        r#"{
  "version": 1, "id": "timeout-closes", "title": "timeout closes the connection", "seed": 1,
  "cluster": { "brokers": 1 },
  "topics": [ { "name": "t", "partitions": 1, "replication_factor": 1 } ],
  "producers": [ { "config": { "acks": "1", "linger.ms": 0, "request.timeout.ms": 1000,
                               "delivery.timeout.ms": 60000, "enable.idempotence": false,
                               "max.in.flight.requests.per.connection": 5 } } ],
  "actions": [
    { "at_ms": 100, "action": "hold_link", "from": "b1", "to": "p1" },
    { "at_ms": 110, "action": "produce", "producer": "p1", "topic": "t", "key": "a", "value": "1" },
    { "at_ms": 300, "action": "produce", "producer": "p1", "topic": "t", "key": "a", "value": "2" }
  ]
}"#,
        1_500,
    );
    let timeout_step = steps
        .iter()
        .find(|s| {
            s.events
                .iter()
                .any(|e| matches!(e, Event::RequestTimedOut { api: "Produce", .. }))
        })
        .expect("the first Produce times out");
    let failed: Vec<(ErrorCode, usize)> = timeout_step
        .events
        .iter()
        .filter_map(|e| match e {
            Event::ProduceFailed { error, records, .. } => Some((*error, records.len())),
            _ => None,
        })
        .collect();
    assert_eq!(
        failed,
        vec![
            (ErrorCode::REQUEST_TIMED_OUT, 1),
            (ErrorCode::REQUEST_TIMED_OUT, 1)
        ],
        "both requests on the closed connection fail at the first timeout"
    );
    let timeouts = steps
        .iter()
        .flat_map(|s| &s.events)
        .filter(|e| matches!(e, Event::RequestTimedOut { api: "Produce", .. }))
        .count();
    assert_eq!(
        timeouts, 1,
        "the second request never waits out its own timeout"
    );
}
