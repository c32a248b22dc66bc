//! The KRaft controller's partition state machine: leader election and ISR/replica changes.
//!
//! A port of Kafka's `PartitionChangeBuilder` (metadata/.../controller/PartitionChangeBuilder.java)
//! and `PartitionRegistration.merge`, plus the few `ReplicationControlManager` entry points the
//! simulated controller needs. Modelled as Kafka 4.0 with its defaults: Eligible Leader Replicas
//! (KIP-966) off, metadata version >= 3.6 (no leader-epoch bump on ISR shrink), no reassignment
//! in progress (no adding/removing replicas), no log directories.

use std::collections::BTreeSet;

/// Kafka's `NO_LEADER`: the partition is offline.
pub const NO_LEADER: i32 = -1;

/// Whether the leader may hold data that was never committed (after an unclean election) and
/// must not yet let other replicas join the ISR.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum LeaderRecoveryState {
    Recovered,
    Recovering,
}

/// The controller's record of one partition (Kafka's `PartitionRegistration`, minus ELR,
/// reassignment and directories). A plain value: the controller replaces it via `apply`.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct PartitionRegistration {
    /// Assignment order; the first replica is the preferred leader.
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
    /// A broker id, or `NO_LEADER`.
    pub leader: i32,
    /// Bumped on every leader change (and on replica removal); stamps every batch the leader writes.
    pub leader_epoch: i32,
    /// Bumped on every change; AlterPartition requests carry it to detect stale views.
    pub partition_epoch: i32,
    pub leader_recovery_state: LeaderRecoveryState,
}

/// How to pick a leader (Kafka's `PartitionChangeBuilder.Election`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Election {
    /// Elect the preferred (first) replica if it is in the ISR and acceptable.
    Preferred,
    /// Keep the partition online from the ISR only.
    Online,
    /// Prefer the ISR, but elect any acceptable replica rather than stay offline.
    Unclean,
}

/// The outcome of an election: the chosen broker (or `NO_LEADER`) and whether it came from
/// outside the ISR.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct ElectionResult {
    pub leader: i32,
    pub unclean: bool,
}

/// The fields of a `PartitionChangeRecord`; `None` means "unchanged".
///
/// `leader: Some(id)` always bumps the leader epoch, even when `id` is the current leader: that
/// is how Kafka forces a new epoch when replicas are removed.
#[derive(Clone, PartialEq, Eq, Debug, Hash, Default)]
pub struct PartitionChange {
    pub leader: Option<i32>,
    pub isr: Option<Vec<i32>>,
    pub replicas: Option<Vec<i32>>,
    pub leader_recovery_state: Option<LeaderRecoveryState>,
}

/// Inputs no correct caller produces; Kafka would throw or write a corrupt record.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub enum PartitionChangeError {
    /// A partition always has at least one replica.
    EmptyReplicas,
    /// Broker ids are non-negative.
    InvalidBrokerId(i32),
    /// A broker appears twice in the replicas or in the ISR.
    DuplicateBroker(i32),
}

/// Why the controller rejects an AlterPartition (ISR change) from a leader. Each variant names
/// the Kafka error code it stands for (`kafka_error`).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub enum AlterPartitionError {
    /// INVALID_REQUEST: a member is not a replica, is negative, or appears twice.
    InvalidIsr(Vec<i32>),
    /// INVALID_REQUEST: the ISR must always include the current leader.
    IsrWithoutLeader { leader: i32 },
    /// INVALID_REQUEST: a RECOVERING leader may not add followers to the ISR yet.
    RecoveringWithLargerIsr,
    /// INVALID_REQUEST: leader recovery only goes from RECOVERING to RECOVERED.
    RecoveryStateRegression,
    /// INELIGIBLE_REPLICA: these members are fenced or shutting down.
    IneligibleReplicas(Vec<i32>),
    /// INVALID_REQUEST: the registration itself is malformed (a caller bug upstream).
    InvalidRegistration(PartitionChangeError),
}

impl AlterPartitionError {
    /// The Kafka error code name the leader would see.
    pub fn kafka_error(&self) -> &'static str {
        match self {
            AlterPartitionError::IneligibleReplicas(_) => "INELIGIBLE_REPLICA",
            _ => "INVALID_REQUEST",
        }
    }
}

/// Builds the change to one partition, like Kafka's `PartitionChangeBuilder`: set the targets,
/// then `build`. `is_acceptable_leader` says whether a broker may lead (alive, unfenced, not in
/// controlled shutdown); the same check decides ISR eligibility.
#[must_use = "a builder changes nothing until `build`"]
pub struct PartitionChangeBuilder<'a, F: Fn(i32) -> bool> {
    partition: &'a PartitionRegistration,
    is_acceptable_leader: F,
    election: Election,
    unclean_leader_election_enable: bool,
    target_isr: Vec<i32>,
    target_replicas: Vec<i32>,
    target_leader_recovery_state: LeaderRecoveryState,
}

impl<'a, F: Fn(i32) -> bool> PartitionChangeBuilder<'a, F> {
    /// Targets default to the current state and the election to `Online`, as in Kafka.
    pub fn new(partition: &'a PartitionRegistration, is_acceptable_leader: F) -> Self {
        PartitionChangeBuilder {
            partition,
            is_acceptable_leader,
            election: Election::Online,
            unclean_leader_election_enable: false,
            target_isr: partition.isr.clone(),
            target_replicas: partition.replicas.clone(),
            target_leader_recovery_state: partition.leader_recovery_state,
        }
    }

    pub fn election(mut self, election: Election) -> Self {
        self.election = election;
        self
    }

    /// The topic's `unclean.leader.election.enable`. When true, an `Online` election may go
    /// unclean, which is what `ReplicationControlManager` does by passing `Election.UNCLEAN`
    /// for such topics. An explicit `Election::Unclean` (the admin ElectLeaders request) is
    /// unclean regardless, as in Kafka.
    pub fn unclean_leader_election_enable(mut self, enable: bool) -> Self {
        self.unclean_leader_election_enable = enable;
        self
    }

    pub fn target_isr(mut self, target_isr: Vec<i32>) -> Self {
        self.target_isr = target_isr;
        self
    }

    pub fn target_replicas(mut self, target_replicas: Vec<i32>) -> Self {
        self.target_replicas = target_replicas;
        self
    }

    pub fn target_leader_recovery_state(mut self, state: LeaderRecoveryState) -> Self {
        self.target_leader_recovery_state = state;
        self
    }

    fn effective_election(&self) -> Election {
        match self.election {
            Election::Online if self.unclean_leader_election_enable => Election::Unclean,
            election => election,
        }
    }

    /// A clean leader must be in the target ISR and acceptable (ELR is off, so nothing else).
    fn is_valid_new_leader(&self, replica: i32) -> bool {
        self.target_isr.contains(&replica) && (self.is_acceptable_leader)(replica)
    }

    /// Kafka's `electLeader`. Preferred: the first replica if valid, else keep a valid current
    /// leader, else the next valid replica. Online/Unclean: keep a valid current leader, else
    /// the first valid replica in assignment order; Unclean then falls back to the first
    /// acceptable replica even outside the ISR. Nobody found gives `NO_LEADER`.
    pub fn elect_leader(&self) -> ElectionResult {
        let clean = |leader| ElectionResult {
            leader,
            unclean: false,
        };
        let election = self.effective_election();
        if election == Election::Preferred {
            if let Some(&preferred) = self.target_replicas.first() {
                if self.is_valid_new_leader(preferred) {
                    return clean(preferred);
                }
            }
        }
        if self.is_valid_new_leader(self.partition.leader) {
            // The current leader meets every constraint, so leadership does not move.
            return clean(self.partition.leader);
        }
        let skip = usize::from(election == Election::Preferred);
        let in_isr = self
            .target_replicas
            .iter()
            .skip(skip)
            .find(|r| self.is_valid_new_leader(**r));
        if let Some(&leader) = in_isr {
            return clean(leader);
        }
        if election == Election::Unclean {
            let acceptable = self
                .target_replicas
                .iter()
                .find(|r| (self.is_acceptable_leader)(**r));
            if let Some(&leader) = acceptable {
                return ElectionResult {
                    leader,
                    unclean: true,
                };
            }
        }
        clean(NO_LEADER)
    }

    fn validate(&self) -> Result<(), PartitionChangeError> {
        if self.target_replicas.is_empty() {
            return Err(PartitionChangeError::EmptyReplicas);
        }
        // The target ISR may name non-replicas: Kafka's builder does not check, and its own test
        // `testNoLeaderEpochBumpOnIsrExpansion` relies on it. `on_isr_change` checks instead.
        for brokers in [&self.target_replicas, &self.target_isr] {
            let mut seen = BTreeSet::new();
            for &broker in brokers {
                if broker < 0 {
                    return Err(PartitionChangeError::InvalidBrokerId(broker));
                }
                if !seen.insert(broker) {
                    return Err(PartitionChangeError::DuplicateBroker(broker));
                }
            }
        }
        Ok(())
    }

    /// Kafka's `build()`: the change to write, or `None` when nothing would change.
    pub fn build(self) -> Result<Option<PartitionChange>, PartitionChangeError> {
        self.validate()?;
        let partition = self.partition;
        let mut change = PartitionChange::default();

        let elected = self.elect_leader();
        if elected.leader != partition.leader {
            change.leader = Some(elected.leader);
            if elected.unclean {
                // The new leader's log may lack committed records: the ISR restarts with it
                // alone and it must recover before followers may join. Data can be lost here.
                change.isr = Some(vec![elected.leader]);
                if partition.leader_recovery_state != LeaderRecoveryState::Recovering {
                    change.leader_recovery_state = Some(LeaderRecoveryState::Recovering);
                }
            }
        }

        // Removing a replica must fence it out of the old epoch, so the leader epoch is bumped
        // by re-setting the current leader (`triggerLeaderEpochBumpForReplicaReassignmentIfNeeded`).
        let keeps_all_replicas = partition
            .replicas
            .iter()
            .all(|r| self.target_replicas.contains(r));
        if change.leader.is_none() && !keeps_all_replicas {
            change.leader = Some(partition.leader);
        }

        // Without ELR an ISR never becomes empty: when its last member goes away it stays
        // listed, so that replica can come back as a clean leader.
        if change.isr.is_none() && !self.target_isr.is_empty() && self.target_isr != partition.isr {
            change.isr = Some(self.target_isr.clone());
        }

        if self.target_replicas != partition.replicas {
            change.replicas = Some(self.target_replicas.clone());
        }
        if self.target_leader_recovery_state != partition.leader_recovery_state {
            change.leader_recovery_state = Some(self.target_leader_recovery_state);
        }

        Ok(if change == PartitionChange::default() {
            None
        } else {
            Some(change)
        })
    }
}

/// Kafka's `PartitionRegistration.merge`: the registration after `change`. The partition epoch
/// goes up by one on every change; the leader epoch exactly when the change sets a leader
/// (a new one, `NO_LEADER`, or the same one to force a bump). ISR shrinks and expansions alone
/// do not bump it (metadata version >= 3.6, KAFKA-15021).
pub fn apply(
    registration: &PartitionRegistration,
    change: &PartitionChange,
) -> PartitionRegistration {
    let (leader, leader_epoch) = match change.leader {
        Some(leader) => (leader, registration.leader_epoch + 1),
        None => (registration.leader, registration.leader_epoch),
    };
    PartitionRegistration {
        replicas: change
            .replicas
            .clone()
            .unwrap_or_else(|| registration.replicas.clone()),
        isr: change
            .isr
            .clone()
            .unwrap_or_else(|| registration.isr.clone()),
        leader,
        leader_epoch,
        partition_epoch: registration.partition_epoch + 1,
        leader_recovery_state: change
            .leader_recovery_state
            .unwrap_or(registration.leader_recovery_state),
    }
}

/// The controller's reaction to `broker` being fenced (missed heartbeats) or entering
/// controlled shutdown (`ReplicationControlManager.handleBrokerFenced` /
/// `handleBrokerInControlledShutdown`): drop it from the ISR and re-elect if it led.
///
/// Only partitions whose ISR holds `broker` are touched (`None` otherwise). If `broker` is the
/// last ISR member the ISR stays `[broker]` and the leader becomes `NO_LEADER`, unless the
/// topic allows unclean election and another replica is acceptable.
pub fn on_broker_fenced(
    registration: &PartitionRegistration,
    broker: i32,
    is_acceptable_leader: impl Fn(i32) -> bool,
    unclean_leader_election_enable: bool,
) -> Result<Option<PartitionChange>, PartitionChangeError> {
    if !registration.isr.contains(&broker) {
        return Ok(None);
    }
    // The cluster view may still show the broker as active while its fencing is being written.
    let is_acceptable = |replica: i32| replica != broker && is_acceptable_leader(replica);
    let target_isr = registration
        .isr
        .iter()
        .copied()
        .filter(|r| *r != broker)
        .collect();
    PartitionChangeBuilder::new(registration, is_acceptable)
        .unclean_leader_election_enable(unclean_leader_election_enable)
        .target_isr(target_isr)
        .build()
}

/// The controller's reaction to `broker` being unfenced (`handleBrokerUnfenced`): a leaderless
/// partition gets a leader again, `broker` counting as acceptable even if the cluster view
/// still shows it fenced. Partitions with a leader are not touched.
pub fn on_broker_unfenced(
    registration: &PartitionRegistration,
    broker: i32,
    is_acceptable_leader: impl Fn(i32) -> bool,
    unclean_leader_election_enable: bool,
) -> Result<Option<PartitionChange>, PartitionChangeError> {
    if registration.leader != NO_LEADER {
        return Ok(None);
    }
    let is_acceptable = |replica: i32| replica == broker || is_acceptable_leader(replica);
    PartitionChangeBuilder::new(registration, is_acceptable)
        .unclean_leader_election_enable(unclean_leader_election_enable)
        .build()
}

/// The controller's handling of an AlterPartition request from the leader: validate the new
/// ISR as `ReplicationControlManager.validateAlterPartitionData` does, then build the change.
/// The request's leader and partition epochs are the caller's to check against `registration`
/// (FENCED_LEADER_EPOCH, INVALID_UPDATE_VERSION) before calling this.
pub fn on_isr_change(
    registration: &PartitionRegistration,
    new_isr: &[i32],
    leader_recovery_state: LeaderRecoveryState,
    is_acceptable_leader: impl Fn(i32) -> bool,
    unclean_leader_election_enable: bool,
) -> Result<Option<PartitionChange>, AlterPartitionError> {
    validate_alter_partition(
        registration,
        new_isr,
        leader_recovery_state,
        &is_acceptable_leader,
    )?;
    PartitionChangeBuilder::new(registration, is_acceptable_leader)
        .unclean_leader_election_enable(unclean_leader_election_enable)
        .target_isr(new_isr.to_vec())
        .target_leader_recovery_state(leader_recovery_state)
        .build()
        .map_err(AlterPartitionError::InvalidRegistration)
}

fn validate_alter_partition(
    registration: &PartitionRegistration,
    new_isr: &[i32],
    leader_recovery_state: LeaderRecoveryState,
    is_acceptable_leader: &impl Fn(i32) -> bool,
) -> Result<(), AlterPartitionError> {
    let mut seen = BTreeSet::new();
    let isr_is_valid = new_isr
        .iter()
        .all(|r| *r >= 0 && registration.replicas.contains(r) && seen.insert(*r));
    if !isr_is_valid {
        return Err(AlterPartitionError::InvalidIsr(new_isr.to_vec()));
    }
    if !new_isr.contains(&registration.leader) {
        return Err(AlterPartitionError::IsrWithoutLeader {
            leader: registration.leader,
        });
    }
    if leader_recovery_state == LeaderRecoveryState::Recovering && new_isr.len() > 1 {
        return Err(AlterPartitionError::RecoveringWithLargerIsr);
    }
    if registration.leader_recovery_state == LeaderRecoveryState::Recovered
        && leader_recovery_state == LeaderRecoveryState::Recovering
    {
        return Err(AlterPartitionError::RecoveryStateRegression);
    }
    let ineligible: Vec<i32> = new_isr
        .iter()
        .copied()
        .filter(|r| !is_acceptable_leader(*r))
        .collect();
    if !ineligible.is_empty() {
        return Err(AlterPartitionError::IneligibleReplicas(ineligible));
    }
    Ok(())
}

/// A preferred leader election (admin ElectLeaders PREFERRED, or the controller's periodic
/// `auto.leader.rebalance.enable` pass): `None` if the leader would not change.
pub fn elect_preferred(
    registration: &PartitionRegistration,
    is_acceptable_leader: impl Fn(i32) -> bool,
) -> Result<Option<PartitionChange>, PartitionChangeError> {
    PartitionChangeBuilder::new(registration, is_acceptable_leader)
        .election(Election::Preferred)
        .build()
}

/// An unclean election for an offline partition (admin ElectLeaders UNCLEAN, or the periodic
/// `unclean.leader.election.interval.ms` task for topics that allow it). A partition that has a
/// leader needs none (Kafka answers ELECTION_NOT_NEEDED), so that gives `None`.
pub fn elect_unclean(
    registration: &PartitionRegistration,
    is_acceptable_leader: impl Fn(i32) -> bool,
) -> Result<Option<PartitionChange>, PartitionChangeError> {
    if registration.leader != NO_LEADER {
        return Ok(None);
    }
    PartitionChangeBuilder::new(registration, is_acceptable_leader)
        .election(Election::Unclean)
        .build()
}
