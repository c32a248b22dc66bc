//! Known-answer tests: placements computed by running Kafka's own `StripedReplicaPlacer`
//! with `java.util.Random`, replayed through the Rust port with [`JavaRandom`].
//!
//! The vectors in `tests/data` were generated once by a Java driver kept outside this crate;
//! these tests only read them. Each case shares one generator across its calls, and ends with
//! a probe draw, so the port must also consume the random stream exactly as Kafka does,
//! including the draws Kafka makes before refusing a request.

use kafka_classroom::kafka::placement::{place, JavaRandom, UsableBroker};
use serde::Deserialize;

#[derive(Deserialize)]
struct PlacementVectors {
    cases: Vec<PlacementCase>,
}

#[derive(Deserialize)]
struct PlacementCase {
    name: String,
    seed: i64,
    calls: Vec<PlacementCall>,
    probe_bound: i32,
    probe: i32,
}

#[derive(Deserialize)]
struct PlacementCall {
    brokers: Vec<VectorBroker>,
    start_partition: i32,
    num_partitions: i32,
    replication_factor: i16,
    replicas: Option<Vec<Vec<i32>>>,
    error: Option<VectorError>,
}

#[derive(Deserialize)]
struct VectorBroker {
    id: i32,
    fenced: bool,
}

#[derive(Deserialize)]
struct VectorError {
    exception: String,
    message: String,
}

#[derive(Deserialize)]
struct RandomVectors {
    cases: Vec<RandomCase>,
}

#[derive(Deserialize)]
struct RandomCase {
    seed: i64,
    bounds: Vec<i32>,
    values: Vec<i32>,
}

fn load<T: for<'de> Deserialize<'de>>(file: &str) -> T {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("read {path}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("parse {path}: {error}"))
}

/// Runs one vector case and describes the first difference, if any.
fn replay(case: &PlacementCase) -> Result<(), String> {
    let mut random = JavaRandom::new(case.seed);
    for (call_number, call) in case.calls.iter().enumerate() {
        let brokers: Vec<UsableBroker> = call
            .brokers
            .iter()
            .map(|broker| UsableBroker {
                id: broker.id,
                fenced: broker.fenced,
            })
            .collect();
        let actual = place(
            &mut random,
            &brokers,
            call.start_partition,
            call.num_partitions,
            call.replication_factor,
        );
        let matches = match (&actual, &call.replicas, &call.error) {
            (Ok(replicas), Some(expected), None) => replicas == expected,
            (Err(error), None, Some(expected)) => {
                error.exception_name() == expected.exception && error.message() == expected.message
            }
            _ => false,
        };
        if !matches {
            return Err(format!(
                "seed={} case {:?} call {call_number}: rust {actual:?}, java replicas {:?} error {:?}",
                case.seed,
                case.name,
                call.replicas,
                call.error
                    .as_ref()
                    .map(|error| (&error.exception, &error.message)),
            ));
        }
    }
    let probe = random.next_int_bounded(case.probe_bound);
    if probe != case.probe {
        return Err(format!(
            "seed={} case {:?}: random stream out of step, probe {probe} != java {}",
            case.seed, case.name, case.probe
        ));
    }
    Ok(())
}

#[test]
fn every_java_placement_vector_matches() {
    let vectors: PlacementVectors = load("placement_vectors.json");
    assert!(vectors.cases.len() >= 800, "expected the full vector set");
    let failures: Vec<String> = vectors
        .cases
        .iter()
        .filter_map(|case| replay(case).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        vectors.cases.len(),
        failures.join("\n")
    );
}

#[test]
fn vectors_cover_errors_fencing_and_reshuffles() {
    // Guards against a regenerated vector file silently losing the interesting cases.
    let vectors: PlacementVectors = load("placement_vectors.json");
    let calls = || vectors.cases.iter().flat_map(|case| case.calls.iter());
    let error_named = |name: &str| {
        calls().any(|call| {
            call.error
                .as_ref()
                .is_some_and(|error| error.exception == name)
        })
    };
    assert!(error_named("InvalidReplicationFactorException"));
    assert!(error_named("IllegalArgumentException"));
    assert!(calls().any(|call| call.brokers.iter().any(|broker| broker.fenced)));
    assert!(
        calls().any(|call| call.num_partitions > 2 * i32::try_from(call.brokers.len()).unwrap())
    );
}

#[test]
fn java_random_matches_java_next_int() {
    let vectors: RandomVectors = load("java_random_vectors.json");
    for case in &vectors.cases {
        let mut random = JavaRandom::new(case.seed);
        for (draw, (&bound, &expected)) in case.bounds.iter().zip(&case.values).enumerate() {
            let actual = random.next_int_bounded(bound);
            assert_eq!(
                actual, expected,
                "seed={} draw {draw} nextInt({bound})",
                case.seed
            );
        }
    }
}
