//! Properties of the striped placement that hold for any random source: replicas are
//! distinct, fenced brokers appear only when the unfenced ones cannot fill a partition and
//! never lead, and leadership is spread evenly. They run over `JavaRandom` and over an
//! unrelated generator, because the simulator will feed the placer its own PRNG.

use kafka_classroom::kafka::placement::{
    place, JavaRandom, PlacementError, RandomSource, UsableBroker,
};

/// SplitMix64, standing in for "some other seeded generator" the simulator might use.
struct SplitMix64 {
    state: u64,
}

impl RandomSource for SplitMix64 {
    fn next_int(&mut self, bound: u32) -> u32 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // Slightly biased, which is fine here: the properties hold for any stream.
        u32::try_from(z % u64::from(bound)).expect("below a u32 bound")
    }
}

/// Brokers 1..=count; those in `fenced_ids` are fenced.
fn brokers(count: i32, fenced_ids: &[i32]) -> Vec<UsableBroker> {
    (1..=count)
        .map(|id| UsableBroker {
            id,
            fenced: fenced_ids.contains(&id),
        })
        .collect()
}

/// A spread of clusters: sizes 1..=8 with no, one, or all-but-one brokers fenced.
fn clusters() -> Vec<Vec<UsableBroker>> {
    let mut clusters = Vec::new();
    for count in 1..=8 {
        clusters.push(brokers(count, &[]));
        if count >= 2 {
            clusters.push(brokers(count, &[1]));
            let all_but_first: Vec<i32> = (2..=count).collect();
            clusters.push(brokers(count, &all_but_first));
        }
    }
    clusters
}

/// Checks every property that concerns a single placement call.
fn check_placement(
    seed: u64,
    cluster: &[UsableBroker],
    replication_factor: i16,
    placement: &[Vec<i32>],
) {
    let unfenced: Vec<i32> = cluster.iter().filter(|b| !b.fenced).map(|b| b.id).collect();
    let is_fenced = |id: i32| cluster.iter().any(|b| b.id == id && b.fenced);
    let context = format!("seed={seed} cluster={cluster:?} rf={replication_factor}");
    for replicas in placement {
        assert_eq!(
            replicas.len(),
            usize::try_from(replication_factor).unwrap(),
            "{context}"
        );
        let mut sorted = replicas.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            replicas.len(),
            "replicas not distinct: {replicas:?} {context}"
        );
        assert!(
            replicas
                .iter()
                .all(|id| cluster.iter().any(|b| b.id == *id)),
            "{context}"
        );
        assert!(
            !is_fenced(replicas[0]),
            "fenced leader in {replicas:?} {context}"
        );
        // Fenced brokers fill in only after every unfenced broker is already a replica.
        let fenced_used = replicas.iter().filter(|id| is_fenced(**id)).count();
        let expected_fenced = replicas.len().saturating_sub(unfenced.len());
        assert_eq!(
            fenced_used, expected_fenced,
            "fenced use in {replicas:?} {context}"
        );
    }
    // Leadership rotates through the unfenced brokers, so no broker leads two more
    // partitions than another, however many partitions are placed.
    let leads: Vec<usize> = unfenced
        .iter()
        .map(|id| {
            placement
                .iter()
                .filter(|replicas| replicas[0] == *id)
                .count()
        })
        .collect();
    let (least, most) = (leads.iter().min().unwrap(), leads.iter().max().unwrap());
    assert!(most - least <= 1, "uneven leaders {leads:?} {context}");
}

fn check_all(random: &mut impl RandomSource, seed: u64) {
    for cluster in clusters() {
        let total = i16::try_from(cluster.len()).unwrap();
        for replication_factor in 1..=total {
            for num_partitions in [1, 2, 5, 12, 37] {
                let placement = place(random, &cluster, 0, num_partitions, replication_factor)
                    .unwrap_or_else(|error| panic!("seed={seed} {cluster:?}: {error}"));
                assert_eq!(placement.len(), usize::try_from(num_partitions).unwrap());
                check_placement(seed, &cluster, replication_factor, &placement);
            }
        }
    }
}

#[test]
fn placements_are_valid_and_balanced_with_java_random() {
    for seed in 0..40 {
        check_all(&mut JavaRandom::new(seed), u64::try_from(seed).unwrap());
    }
}

#[test]
fn placements_are_valid_and_balanced_with_any_random_source() {
    for seed in 0..40 {
        check_all(&mut SplitMix64 { state: seed }, seed);
    }
}

#[test]
fn every_broker_leads_and_hosts_equally_over_whole_rounds() {
    // Over k partitions per unfenced broker, each leads exactly k and (rf <= brokers)
    // holds exactly k * rf replicas: the stripes tile the cluster evenly.
    for seed in 0..20 {
        let cluster = brokers(6, &[]);
        let placement = place(&mut JavaRandom::new(seed), &cluster, 0, 6 * 50, 3).unwrap();
        for broker in &cluster {
            let leads = placement.iter().filter(|r| r[0] == broker.id).count();
            let hosts = placement.iter().filter(|r| r.contains(&broker.id)).count();
            assert_eq!(
                (leads, hosts),
                (50, 150),
                "seed={seed} broker {}",
                broker.id
            );
        }
    }
}

#[test]
fn first_round_is_a_rotation_of_the_sorted_brokers() {
    // Before the first reshuffle, partition p+1 is partition p rotated left by one broker.
    for seed in 0..20 {
        let placement = place(&mut JavaRandom::new(seed), &brokers(3, &[]), 0, 3, 3).unwrap();
        for pair in placement.windows(2) {
            let mut rotated = pair[0].clone();
            rotated.rotate_left(1);
            assert_eq!(pair[1], rotated, "seed={seed} {placement:?}");
        }
    }
}

#[test]
fn broker_input_order_does_not_matter() {
    let sorted = brokers(5, &[2]);
    let mut reversed = sorted.clone();
    reversed.reverse();
    for seed in 0..20 {
        let a = place(&mut JavaRandom::new(seed), &sorted, 0, 17, 3).unwrap();
        let b = place(&mut JavaRandom::new(seed), &reversed, 0, 17, 3).unwrap();
        assert_eq!(a, b, "seed={seed}");
    }
}

#[test]
fn replication_factor_errors_use_kafka_wording() {
    let mut random = JavaRandom::new(7);
    let error = place(&mut random, &brokers(3, &[]), 0, 3, 4).unwrap_err();
    assert_eq!(error.exception_name(), "InvalidReplicationFactorException");
    assert_eq!(
        error.message(),
        "The target replication factor of 4 cannot be reached because only 3 broker(s) are registered."
    );
    let error = place(&mut random, &brokers(3, &[]), 0, 3, 0).unwrap_err();
    assert_eq!(
        error.message(),
        "Invalid replication factor 0: the replication factor must be positive."
    );
    let error = place(&mut random, &brokers(2, &[1, 2]), 0, 3, 1).unwrap_err();
    assert_eq!(
        error.to_string(),
        "InvalidReplicationFactorException: All brokers are currently fenced."
    );
}

#[test]
fn fenced_brokers_count_toward_the_replication_factor_limit() {
    // Kafka compares the replication factor with all registered brokers, fenced included.
    let placement = place(&mut JavaRandom::new(3), &brokers(3, &[3]), 0, 4, 3).unwrap();
    assert!(
        placement.iter().all(|replicas| replicas[2] == 3),
        "{placement:?}"
    );
}

#[test]
fn duplicate_or_negative_broker_ids_are_rejected() {
    let duplicate = [
        UsableBroker {
            id: 1,
            fenced: false,
        },
        UsableBroker {
            id: 1,
            fenced: true,
        },
    ];
    let negative = [UsableBroker {
        id: -1,
        fenced: false,
    }];
    for cluster in [&duplicate[..], &negative[..]] {
        let error = place(&mut JavaRandom::new(1), cluster, 0, 1, 1).unwrap_err();
        assert!(
            matches!(error, PlacementError::InvalidBrokerList { .. }),
            "{error}"
        );
    }
}

#[test]
fn negative_partition_count_is_an_error_not_an_empty_topic() {
    let error = place(&mut JavaRandom::new(1), &brokers(3, &[]), 0, -1, 1).unwrap_err();
    assert_eq!(
        error.to_string(),
        "IllegalArgumentException: Illegal Capacity: -1"
    );
}
