//! The controller entry points built on `PartitionChangeBuilder`: broker fenced and unfenced,
//! AlterPartition (ISR change), preferred and unclean elections, and invalid input.

use kafka_classroom::kafka::controller::partition_change::{
    apply, elect_preferred, elect_unclean, on_broker_fenced, on_broker_unfenced, on_isr_change,
    AlterPartitionError, LeaderRecoveryState, PartitionChange, PartitionChangeBuilder,
    PartitionChangeError, PartitionRegistration, NO_LEADER,
};

const RECOVERED: LeaderRecoveryState = LeaderRecoveryState::Recovered;
const RECOVERING: LeaderRecoveryState = LeaderRecoveryState::Recovering;

fn partition(replicas: &[i32], isr: &[i32], leader: i32) -> PartitionRegistration {
    PartitionRegistration {
        replicas: replicas.to_vec(),
        isr: isr.to_vec(),
        leader,
        leader_epoch: 100,
        partition_epoch: 200,
        leader_recovery_state: RECOVERED,
    }
}

fn all(_: i32) -> bool {
    true
}

fn applied(
    registration: &PartitionRegistration,
    change: Option<PartitionChange>,
) -> PartitionRegistration {
    apply(registration, &change.expect("a change"))
}

#[test]
fn fenced_follower_leaves_isr_without_leader_epoch_bump() {
    let foo = partition(&[2, 1, 3], &[2, 1, 3], 1);
    let after = applied(&foo, on_broker_fenced(&foo, 2, all, false).expect("valid"));
    assert_eq!((after.leader, &after.isr[..]), (1, &[1, 3][..]));
    assert_eq!((after.leader_epoch, after.partition_epoch), (100, 201));
}

#[test]
fn fenced_leader_is_replaced_by_first_isr_replica_in_assignment_order() {
    let foo = partition(&[2, 1, 3], &[2, 1, 3], 2);
    // The cluster view may not show broker 2 fenced yet; it must still not be re-elected.
    let after = applied(&foo, on_broker_fenced(&foo, 2, all, false).expect("valid"));
    assert_eq!((after.leader, &after.isr[..]), (1, &[1, 3][..]));
    assert_eq!((after.leader_epoch, after.partition_epoch), (101, 201));
}

#[test]
fn fencing_last_isr_member_keeps_it_in_isr_and_leaves_partition_offline() {
    let lonely = partition(&[2, 1, 3], &[1], 1);
    let change = on_broker_fenced(&lonely, 1, all, false).expect("valid");
    assert_eq!(
        change,
        Some(PartitionChange {
            leader: Some(NO_LEADER),
            ..PartitionChange::default()
        })
    );
    let after = applied(&lonely, change);
    assert_eq!((after.leader, &after.isr[..]), (NO_LEADER, &[1][..]));
    assert_eq!((after.leader_epoch, after.partition_epoch), (101, 201));
}

#[test]
fn fencing_last_isr_member_with_unclean_election_enabled_elects_outside_isr() {
    let lonely = partition(&[2, 1, 3], &[1], 1);
    let after = applied(
        &lonely,
        on_broker_fenced(&lonely, 1, all, true).expect("valid"),
    );
    assert_eq!(
        (after.leader, &after.isr[..], after.leader_recovery_state),
        (2, &[2][..], RECOVERING)
    );
}

#[test]
fn fencing_a_broker_outside_the_isr_changes_nothing() {
    let foo = partition(&[2, 1, 3], &[2, 1], 1);
    assert_eq!(on_broker_fenced(&foo, 3, all, false), Ok(None));
}

#[test]
fn unfenced_last_isr_member_becomes_clean_leader_again() {
    let offline = partition(&[2, 1, 3], &[1], NO_LEADER);
    // The cluster view still shows broker 1 fenced while its unfencing is being written.
    let change = on_broker_unfenced(&offline, 1, |_| false, false).expect("valid");
    assert_eq!(
        change,
        Some(PartitionChange {
            leader: Some(1),
            ..PartitionChange::default()
        })
    );
    let after = applied(&offline, change);
    assert_eq!(
        (
            after.leader,
            after.leader_epoch,
            after.leader_recovery_state
        ),
        (1, 101, RECOVERED)
    );
}

#[test]
fn unfencing_an_out_of_sync_replica_elects_it_only_when_unclean_election_is_enabled() {
    let offline = partition(&[2, 1, 3], &[1], NO_LEADER);
    assert_eq!(on_broker_unfenced(&offline, 3, |_| false, false), Ok(None));
    let after = applied(
        &offline,
        on_broker_unfenced(&offline, 3, |_| false, true).expect("valid"),
    );
    assert_eq!(
        (after.leader, &after.isr[..], after.leader_recovery_state),
        (3, &[3][..], RECOVERING)
    );
}

#[test]
fn isr_change_from_leader_shrinks_and_expands_without_leader_epoch_bump() {
    let foo = partition(&[2, 1, 3], &[2, 1, 3], 1);
    let shrunk = applied(
        &foo,
        on_isr_change(&foo, &[1, 3], RECOVERED, all, false).expect("valid"),
    );
    assert_eq!(
        (&shrunk.isr[..], shrunk.leader_epoch, shrunk.partition_epoch),
        (&[1, 3][..], 100, 201)
    );
    let expanded = applied(
        &shrunk,
        on_isr_change(&shrunk, &[1, 3, 2], RECOVERED, all, false).expect("valid"),
    );
    assert_eq!(
        (
            &expanded.isr[..],
            expanded.leader_epoch,
            expanded.partition_epoch
        ),
        (&[1, 3, 2][..], 100, 202)
    );
}

#[test]
fn recovered_leader_reports_recovery_before_growing_isr() {
    let mut recovering = partition(&[2, 1, 3], &[2], 2);
    recovering.leader_recovery_state = RECOVERING;
    let early = on_isr_change(&recovering, &[2, 1], RECOVERING, all, false);
    assert_eq!(early, Err(AlterPartitionError::RecoveringWithLargerIsr));
    let change = on_isr_change(&recovering, &[2], RECOVERED, all, false).expect("valid");
    assert_eq!(
        change,
        Some(PartitionChange {
            leader_recovery_state: Some(RECOVERED),
            ..PartitionChange::default()
        })
    );
    let recovered = applied(&recovering, change);
    let grown = on_isr_change(&recovered, &[2, 1], RECOVERED, all, false).expect("valid");
    assert_eq!(
        grown,
        Some(PartitionChange {
            isr: Some(vec![2, 1]),
            ..PartitionChange::default()
        })
    );
}

#[test]
fn invalid_isr_change_is_rejected_with_kafka_error() {
    let foo = partition(&[2, 1, 3], &[2, 1, 3], 1);
    let reject = |isr: &[i32], state| {
        on_isr_change(&foo, isr, state, |r| r != 3, false).expect_err("rejected")
    };
    let not_a_replica = reject(&[1, 4], RECOVERED);
    assert_eq!(not_a_replica, AlterPartitionError::InvalidIsr(vec![1, 4]));
    assert_eq!(not_a_replica.kafka_error(), "INVALID_REQUEST");
    assert_eq!(
        reject(&[1, 1], RECOVERED),
        AlterPartitionError::InvalidIsr(vec![1, 1])
    );
    assert_eq!(
        reject(&[2], RECOVERED),
        AlterPartitionError::IsrWithoutLeader { leader: 1 }
    );
    assert_eq!(
        reject(&[1], RECOVERING),
        AlterPartitionError::RecoveryStateRegression
    );
    let fenced = reject(&[1, 3], RECOVERED);
    assert_eq!(fenced, AlterPartitionError::IneligibleReplicas(vec![3]));
    assert_eq!(fenced.kafka_error(), "INELIGIBLE_REPLICA");
}

#[test]
fn preferred_election_restores_first_replica_as_leader() {
    let foo = partition(&[2, 1, 3], &[2, 1, 3], 1);
    let after = applied(&foo, elect_preferred(&foo, all).expect("valid"));
    assert_eq!((after.leader, after.leader_epoch), (2, 101));
    assert_eq!(elect_preferred(&after, all), Ok(None));
    // Preferred replica out of the ISR: keep the current leader.
    let baz = partition(&[2, 1, 3], &[1, 3], 3);
    assert_eq!(elect_preferred(&baz, all), Ok(None));
}

#[test]
fn unclean_election_is_only_for_leaderless_partitions() {
    let foo = partition(&[2, 1, 3], &[2, 1, 3], 1);
    assert_eq!(elect_unclean(&foo, |_| false), Ok(None));
    let offline = partition(&[2, 1, 3], &[3], NO_LEADER);
    let after = applied(
        &offline,
        elect_unclean(&offline, |r| r == 1).expect("valid"),
    );
    assert_eq!(
        (after.leader, &after.isr[..], after.leader_recovery_state),
        (1, &[1][..], RECOVERING)
    );
    assert_eq!(elect_unclean(&offline, |_| false), Ok(None));
}

#[test]
fn malformed_targets_are_rejected() {
    let foo = partition(&[2, 1, 3], &[2, 1, 3], 1);
    let build = |replicas: Vec<i32>, isr: Vec<i32>| {
        PartitionChangeBuilder::new(&foo, all)
            .target_replicas(replicas)
            .target_isr(isr)
            .build()
    };
    assert_eq!(
        build(vec![], vec![2]),
        Err(PartitionChangeError::EmptyReplicas)
    );
    assert_eq!(
        build(vec![2, 2], vec![2]),
        Err(PartitionChangeError::DuplicateBroker(2))
    );
    assert_eq!(
        build(vec![2, 1], vec![1, -4]),
        Err(PartitionChangeError::InvalidBrokerId(-4))
    );
    let broken = partition(&[], &[], NO_LEADER);
    assert_eq!(
        elect_preferred(&broken, all),
        Err(PartitionChangeError::EmptyReplicas)
    );
}
