//! Every murmur2 vector computed with Kafka's own Utils.murmur2 (copied to
//! tests/data/murmur2_vectors.json): hash, toPositive and partition for each partition count.

use kafka_classroom::kafka::murmur2::{murmur2, partition_for_key, to_positive};
use serde_json::Value;

fn vectors() -> Vec<Value> {
    serde_json::from_str(include_str!("data/murmur2_vectors.json")).expect("vector file is JSON")
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn murmur2_matches_kafka_for_every_reference_key() {
    let vectors = vectors();
    assert!(vectors.len() >= 16);
    for v in &vectors {
        let key = v["key"].as_str().unwrap();
        let bytes = hex_bytes(v["utf8Hex"].as_str().unwrap());
        assert_eq!(bytes, key.as_bytes(), "utf8Hex of {key:?}");
        let hash = murmur2(&bytes);
        assert_eq!(
            hash as i64,
            v["murmur2"].as_i64().unwrap(),
            "murmur2({key:?})"
        );
        assert_eq!(
            to_positive(hash) as i64,
            v["toPositive"].as_i64().unwrap(),
            "toPositive({key:?})"
        );
    }
}

#[test]
fn keys_land_in_kafkas_partition_for_every_partition_count() {
    let mut checked = 0;
    for v in vectors() {
        let key = v["key"].as_str().unwrap();
        for (n, expected) in v["partitionForN"].as_object().unwrap() {
            let n: i32 = n.parse().unwrap();
            assert_eq!(
                partition_for_key(key.as_bytes(), n) as i64,
                expected.as_i64().unwrap(),
                "{key:?} with {n} partitions"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 16 * 13,
        "checked {checked} (key, partition count) pairs"
    );
}
