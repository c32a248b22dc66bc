//! Controller partition changes: vectors L0-L15 (tests/data/partition_change_vectors.json, copied
//! from Kafka's test values, after Kafka's PartitionChangeBuilderTest), with the exact
//! leader, ISR, recovery state and epoch bumps, plus more cases from the same Kafka test class.

use kafka_classroom::kafka::controller::partition_change::{
    apply, Election, ElectionResult, LeaderRecoveryState, PartitionChange, PartitionChangeBuilder,
    PartitionRegistration, NO_LEADER,
};
use serde_json::Value;

const VECTORS: &str = include_str!("data/partition_change_vectors.json");

fn vectors() -> Vec<Value> {
    serde_json::from_str(VECTORS).expect("vector file is valid JSON")
}

fn vector(id: &str) -> Value {
    vectors()
        .into_iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no vector {id}"))
}

fn ints(value: &Value) -> Vec<i32> {
    let list = value.as_array().expect("a list of broker ids");
    list.iter()
        .map(|v| v.as_i64().expect("broker id") as i32)
        .collect()
}

/// The vectors describe acceptability in words; these are the three phrasings used.
fn acceptable(description: &str) -> fn(i32) -> bool {
    match description {
        "every broker except 3" => |r| r != 3,
        "all" => |_| true,
        "only broker 1" => |r| r == 1,
        other => panic!("unknown acceptability {other:?}"),
    }
}

fn election(name: &str) -> Election {
    match name {
        "PREFERRED" => Election::Preferred,
        "ONLINE" => Election::Online,
        "UNCLEAN" => Election::Unclean,
        other => panic!("unknown election {other:?}"),
    }
}

/// A vector's partition: defined in the vector itself, or in the vector its `on` names (L0 is
/// FOO). Epochs not given are Kafka's test values, 100 and 200.
fn partition_of(vector: &Value) -> (PartitionRegistration, fn(i32) -> bool) {
    let definition = match vector["on"].as_str() {
        Some(name) => vectors()
            .into_iter()
            .find(|v| v["partition"] == name)
            .expect("partition defined"),
        None => vector.clone(),
    };
    let registration = PartitionRegistration {
        replicas: ints(&definition["replicas"]),
        isr: ints(&definition["isr"]),
        leader: definition["leader"].as_i64().expect("leader") as i32,
        leader_epoch: definition["leaderEpoch"].as_i64().unwrap_or(100) as i32,
        partition_epoch: definition["partitionEpoch"].as_i64().unwrap_or(200) as i32,
        leader_recovery_state: LeaderRecoveryState::Recovered,
    };
    (
        registration,
        acceptable(definition["acceptable"].as_str().expect("acceptable")),
    )
}

/// A builder with the vector's (or check's) election and targets.
fn builder<'a>(
    registration: &'a PartitionRegistration,
    is_acceptable: fn(i32) -> bool,
    spec: &Value,
) -> PartitionChangeBuilder<'a, fn(i32) -> bool> {
    let mut builder = PartitionChangeBuilder::new(registration, is_acceptable);
    if let Some(name) = spec["election"].as_str() {
        builder = builder.election(election(name));
    }
    if !spec["targetIsr"].is_null() {
        builder = builder.target_isr(ints(&spec["targetIsr"]));
    }
    if !spec["targetReplicas"].is_null() {
        builder = builder.target_replicas(ints(&spec["targetReplicas"]));
    }
    builder
}

/// Checks `expectLeader`/`unclean` (in the vector or in each of its `checks`).
fn assert_elections(id: &str) {
    let vector = vector(id);
    let (registration, is_acceptable) = partition_of(&vector);
    let specs = match vector["checks"].as_array() {
        Some(checks) => checks.clone(),
        None => vec![vector.clone()],
    };
    for spec in &specs {
        let result = builder(&registration, is_acceptable, &merged(&vector, spec)).elect_leader();
        assert_eq!(
            result.leader,
            spec["expectLeader"].as_i64().expect("expectLeader") as i32,
            "{id}: {spec}"
        );
        if let Some(unclean) = vector["unclean"].as_bool() {
            assert_eq!(result.unclean, unclean, "{id}: unclean");
        }
    }
}

/// A check inherits the vector's targets.
fn merged(vector: &Value, spec: &Value) -> Value {
    let mut merged = vector.clone();
    for (key, value) in spec.as_object().expect("check is an object") {
        merged[key] = value.clone();
    }
    merged
}

/// Builds the vector's change, checks `expectRecord` when given, and returns the change and the
/// registration before and after it.
fn build(
    id: &str,
) -> (
    PartitionRegistration,
    Option<PartitionChange>,
    PartitionRegistration,
) {
    let vector = vector(id);
    let (registration, is_acceptable) = partition_of(&vector);
    let change = builder(&registration, is_acceptable, &vector)
        .build()
        .expect("vector inputs are valid");
    let after = change
        .as_ref()
        .map_or_else(|| registration.clone(), |c| apply(&registration, c));
    if let Some(record) = vector.get("expectRecord") {
        let change = change.as_ref().expect("a change record");
        if let Some(isr) = record.get("isr") {
            assert_eq!(change.isr, Some(ints(isr)), "{id}: isr");
        }
        match &record["leader"] {
            Value::Number(leader) => assert_eq!(
                change.leader,
                leader.as_i64().map(|l| l as i32),
                "{id}: leader"
            ),
            Value::String(text) if text.starts_with("unchanged") => {
                assert_eq!(change.leader, None, "{id}")
            }
            other => panic!("{id}: unexpected leader {other}"),
        }
        let recovery = match record["leaderRecoveryState"].as_str() {
            Some("RECOVERING") => Some(LeaderRecoveryState::Recovering),
            Some(other) => panic!("{id}: unexpected recovery state {other}"),
            None => None,
        };
        assert_eq!(
            change.leader_recovery_state, recovery,
            "{id}: leaderRecoveryState"
        );
    }
    (registration, change, after)
}

fn assert_epochs(
    before: &PartitionRegistration,
    after: &PartitionRegistration,
    leader_epoch_bumped: bool,
) {
    let bump = i32::from(leader_epoch_bumped);
    assert_eq!(
        after.leader_epoch,
        before.leader_epoch + bump,
        "leader epoch"
    );
    assert_eq!(
        after.partition_epoch,
        before.partition_epoch + 1,
        "partition epoch"
    );
}

#[test]
fn every_vector_has_a_test() {
    let ids: Vec<String> = vectors()
        .iter()
        .map(|v| v["id"].as_str().expect("id").to_string())
        .collect();
    let expected: Vec<String> = (0..=15).map(|n| format!("L{n}")).collect();
    assert_eq!(ids, expected);
}

#[test]
fn foo_partition_is_led_by_broker_1_with_broker_3_unacceptable() {
    let (registration, is_acceptable) = partition_of(&vector("L0"));
    assert_eq!(registration.replicas, [2, 1, 3]);
    assert_eq!(
        (
            registration.leader,
            registration.leader_epoch,
            registration.partition_epoch
        ),
        (1, 100, 200)
    );
    assert!(is_acceptable(2) && !is_acceptable(3));
}

#[test]
fn preferred_election_moves_leadership_to_first_replica() {
    assert_elections("L1");
}

#[test]
fn online_election_keeps_a_valid_leader() {
    assert_elections("L2");
}

#[test]
fn unclean_election_keeps_a_valid_leader() {
    assert_elections("L3");
}

#[test]
fn online_election_keeps_leader_still_in_shrunk_isr() {
    assert_elections("L4");
}

#[test]
fn unclean_election_keeps_leader_still_in_shrunk_isr() {
    assert_elections("L5");
}

#[test]
fn online_election_leaves_partition_offline_when_no_isr_member_is_acceptable() {
    assert_elections("L6");
}

#[test]
fn unclean_election_picks_first_acceptable_replica_outside_isr() {
    assert_elections("L7");
}

#[test]
fn election_uses_target_replicas_and_target_isr() {
    assert_elections("L8");
}

#[test]
fn every_election_keeps_valid_leader_when_preferred_replica_is_not_in_isr() {
    assert_elections("L9");
}

#[test]
fn unclean_election_resets_isr_to_new_leader_and_marks_it_recovering() {
    let (before, change, after) = build("L10");
    let expected = PartitionChange {
        leader: Some(2),
        isr: Some(vec![2]),
        replicas: None,
        leader_recovery_state: Some(LeaderRecoveryState::Recovering),
    };
    assert_eq!(change, Some(expected));
    assert_eq!(
        (after.leader, &after.isr[..], after.leader_recovery_state),
        (2, &[2][..], LeaderRecoveryState::Recovering)
    );
    assert_epochs(&before, &after, true);
}

#[test]
fn unclean_election_brings_offline_partition_back_with_recovering_leader() {
    let (before, change, after) = build("L11");
    assert_eq!(change.and_then(|c| c.replicas), None);
    assert_eq!(
        (after.leader, &after.isr[..], after.leader_recovery_state),
        (1, &[1][..], LeaderRecoveryState::Recovering)
    );
    assert_epochs(&before, &after, true);
}

#[test]
fn isr_shrink_that_drops_the_leader_elects_first_isr_replica() {
    let (before, change, after) = build("L12");
    assert_eq!(change.expect("a change").replicas, None);
    assert_eq!((after.leader, &after.isr[..]), (2, &[2, 3][..]));
    assert_epochs(&before, &after, true);
}

#[test]
fn isr_shrink_does_not_bump_leader_epoch() {
    let (before, change, after) = build("L13");
    assert_eq!(
        change,
        Some(PartitionChange {
            isr: Some(vec![2, 1]),
            ..PartitionChange::default()
        })
    );
    assert_eq!((after.leader, &after.isr[..]), (1, &[2, 1][..]));
    assert_epochs(&before, &after, false);
}

#[test]
fn removing_a_replica_bumps_leader_epoch_without_changing_leader() {
    let (before, change, after) = build("L14");
    let expected = PartitionChange {
        leader: Some(1),
        replicas: Some(vec![2, 1, 4]),
        ..PartitionChange::default()
    };
    assert_eq!(change, Some(expected));
    assert_eq!((after.leader, &after.replicas[..]), (1, &[2, 1, 4][..]));
    assert_epochs(&before, &after, true);
}

#[test]
fn isr_expansion_does_not_bump_leader_epoch() {
    let (before, change, after) = build("L15");
    assert_eq!(
        change,
        Some(PartitionChange {
            isr: Some(vec![2, 1, 3, 4]),
            ..PartitionChange::default()
        })
    );
    assert_eq!(after.leader, 1);
    assert_epochs(&before, &after, false);
}

/// PartitionChangeBuilderTest.testNoChange (FOO and BAZ; BAR has a reassignment, not modelled).
#[test]
fn nothing_to_change_builds_no_record() {
    let (foo, foo_acceptable) = partition_of(&vector("L0"));
    let (baz, baz_acceptable) = partition_of(&vector("L9"));
    let build = |registration, is_acceptable, election| {
        PartitionChangeBuilder::new(registration, is_acceptable)
            .election(election)
            .build()
    };
    assert_eq!(build(&foo, foo_acceptable, Election::Online), Ok(None));
    assert_eq!(build(&foo, foo_acceptable, Election::Unclean), Ok(None));
    assert_eq!(build(&baz, baz_acceptable, Election::Preferred), Ok(None));
}

/// The controller passes ONLINE plus the topic's `unclean.leader.election.enable`; with it on,
/// L7's election goes unclean, with it off it is L6's.
#[test]
fn topic_unclean_election_config_turns_online_election_unclean() {
    let (foo, is_acceptable) = partition_of(&vector("L0"));
    let elect = |enable| {
        PartitionChangeBuilder::new(&foo, is_acceptable)
            .target_isr(vec![3])
            .unclean_leader_election_enable(enable)
            .elect_leader()
    };
    assert_eq!(
        elect(true),
        ElectionResult {
            leader: 2,
            unclean: true
        }
    );
    assert_eq!(
        elect(false),
        ElectionResult {
            leader: NO_LEADER,
            unclean: false
        }
    );
}

/// PartitionChangeBuilderTest.testChangeInLeadershipDoesNotChangeRecoveryState.
#[test]
fn recovering_leader_going_offline_and_back_stays_recovering() {
    let recovering = PartitionRegistration {
        replicas: vec![1, 2, 3],
        isr: vec![1],
        leader: 1,
        leader_epoch: 100,
        partition_epoch: 200,
        leader_recovery_state: LeaderRecoveryState::Recovering,
    };
    let offline_change = PartitionChangeBuilder::new(&recovering, |_| false)
        .target_isr(vec![])
        .build();
    let offline_change = offline_change.expect("valid").expect("leader goes away");
    assert_eq!(
        offline_change,
        PartitionChange {
            leader: Some(NO_LEADER),
            ..PartitionChange::default()
        }
    );
    let offline = apply(&recovering, &offline_change);
    assert_eq!((offline.leader, &offline.isr[..]), (NO_LEADER, &[1][..]));
    assert_eq!(
        offline.leader_recovery_state,
        LeaderRecoveryState::Recovering
    );

    let online_change = PartitionChangeBuilder::new(&offline, |_| true)
        .build()
        .expect("valid")
        .expect("leader back");
    assert_eq!(
        online_change,
        PartitionChange {
            leader: Some(1),
            ..PartitionChange::default()
        }
    );
    let online = apply(&offline, &online_change);
    assert_eq!(
        (online.leader, online.leader_epoch, online.partition_epoch),
        (1, 102, 202)
    );
    assert_eq!(
        online.leader_recovery_state,
        LeaderRecoveryState::Recovering
    );
}

/// PartitionChangeBuilderTest.testUncleanSetsLeaderRecoveringState.
#[test]
fn unclean_election_of_leaderless_partition_sets_recovering() {
    let leaderless = PartitionRegistration {
        replicas: vec![1, 2, 3],
        isr: vec![2, 3],
        leader: NO_LEADER,
        leader_epoch: 100,
        partition_epoch: 200,
        leader_recovery_state: LeaderRecoveryState::Recovered,
    };
    let change = PartitionChangeBuilder::new(&leaderless, |r| r == 1)
        .election(Election::Unclean)
        .build();
    let expected = PartitionChange {
        leader: Some(1),
        isr: Some(vec![1]),
        replicas: None,
        leader_recovery_state: Some(LeaderRecoveryState::Recovering),
    };
    assert_eq!(change, Ok(Some(expected)));
}
