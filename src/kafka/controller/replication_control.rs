//! The active controller's partition state (`ReplicationControlManager`): ISR changes requested
//! by leaders (`AlterPartition`), elections when brokers are fenced, return or shut down, the
//! periodic preferred-leader and unclean elections, and topic creation with KRaft's placement.
//! Every decision goes through `partition_change` (Kafka's `PartitionChangeBuilder`).

use super::partition_change::{self as pc, PartitionChange};
use super::Controller;
use crate::kafka::commands::{CommandError, ReplicaAssignmentProblem};
use crate::kafka::config::LogConfig;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::{ElectionKind, Event};
use crate::kafka::metadata::{
    LeaderRecoveryState, MetadataImage, MetadataRecord, PartitionRegistration,
};
use crate::kafka::placement::{self, UsableBroker};
use crate::kafka::protocol::Message;
use crate::kafka::types::{BrokerId, NodeId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::Ctx;

/// Our registration in the builder's terms (Kafka's int broker ids, -1 for no leader).
pub(super) fn to_pc(r: &PartitionRegistration) -> pc::PartitionRegistration {
    pc::PartitionRegistration {
        replicas: r.replicas.iter().map(|b| b.0 as i32).collect(),
        isr: r.isr.iter().map(|b| b.0 as i32).collect(),
        leader: r.leader.map_or(pc::NO_LEADER, |b| b.0 as i32),
        leader_epoch: r.leader_epoch,
        partition_epoch: r.partition_epoch,
        leader_recovery_state: match r.leader_recovery_state {
            LeaderRecoveryState::Recovered => pc::LeaderRecoveryState::Recovered,
            LeaderRecoveryState::Recovering => pc::LeaderRecoveryState::Recovering,
        },
    }
}

fn from_pc(r: &pc::PartitionRegistration) -> PartitionRegistration {
    PartitionRegistration {
        replicas: r.replicas.iter().map(|b| BrokerId(*b as u32)).collect(),
        isr: r.isr.iter().map(|b| BrokerId(*b as u32)).collect(),
        leader: (r.leader >= 0).then_some(BrokerId(r.leader as u32)),
        leader_epoch: r.leader_epoch,
        partition_epoch: r.partition_epoch,
        leader_recovery_state: match r.leader_recovery_state {
            pc::LeaderRecoveryState::Recovered => LeaderRecoveryState::Recovered,
            pc::LeaderRecoveryState::Recovering => LeaderRecoveryState::Recovering,
        },
    }
}

impl Controller {
    fn log_config(&self, image: &MetadataImage, topic: &str) -> Option<LogConfig> {
        image.log_config(topic, &self.config, None)
    }

    /// Turn a builder result into a record, with the events a class should see.
    pub(super) fn change_record(
        &self,
        ctx: &mut Ctx<'_, Cluster>,
        tp: &TopicPartition,
        before: &PartitionRegistration,
        change: &PartitionChange,
        kind: ElectionKind,
    ) -> MetadataRecord {
        let after = from_pc(&pc::apply(&to_pc(before), change));
        if after.leader != before.leader || after.leader_epoch != before.leader_epoch {
            let unclean = after.leader.is_some_and(|l| !before.isr.contains(&l));
            ctx.emit(Event::LeaderElected {
                partition: *tp,
                leader: after.leader,
                leader_epoch: after.leader_epoch,
                kind: if unclean { ElectionKind::Unclean } else { kind },
                isr: after.isr.clone(),
            });
        } else if after.isr != before.isr {
            ctx.emit(Event::IsrChanged {
                partition: *tp,
                from: before.isr.clone(),
                to: after.isr.clone(),
                partition_epoch: after.partition_epoch,
            });
        }
        MetadataRecord::PartitionChange {
            partition: *tp,
            registration: after,
        }
    }

    /// Remove `broker` from every ISR and move its leaderships (fencing, controlled shutdown).
    pub(super) fn partition_changes_without(
        &self,
        ctx: &mut Ctx<'_, Cluster>,
        preview: &MetadataImage,
        broker: BrokerId,
        kind: ElectionKind,
    ) -> Vec<MetadataRecord> {
        let acceptable = |id: i32| id >= 0 && preview.is_usable(BrokerId(id as u32));
        let mut records = Vec::new();
        let partitions: Vec<(TopicPartition, PartitionRegistration)> = preview
            .partitions()
            .map(|(tp, p)| (tp, p.clone()))
            .collect();
        for (tp, reg) in partitions {
            let unclean = self
                .log_config(preview, &tp.topic)
                .is_some_and(|c| c.unclean_leader_election_enable);
            let change = pc::on_broker_fenced(&to_pc(&reg), broker.0 as i32, acceptable, unclean)
                .expect("registrations in the image are well formed");
            if let Some(change) = change {
                records.push(self.change_record(ctx, &tp, &reg, &change, kind));
            }
        }
        records
    }

    /// A broker came back: leaderless partitions may get a leader again (clean if it is in the
    /// ISR, unclean if the topic allows it).
    pub(super) fn elections_for_returning_broker(
        &self,
        ctx: &mut Ctx<'_, Cluster>,
        preview: &MetadataImage,
        broker: BrokerId,
    ) -> Vec<MetadataRecord> {
        let acceptable = |id: i32| id >= 0 && preview.is_usable(BrokerId(id as u32));
        let mut records = Vec::new();
        let partitions: Vec<(TopicPartition, PartitionRegistration)> = preview
            .partitions()
            .map(|(tp, p)| (tp, p.clone()))
            .collect();
        for (tp, reg) in partitions
            .into_iter()
            .filter(|(_, r)| r.leader.is_none() && r.replicas.contains(&broker))
        {
            let unclean = self
                .log_config(preview, &tp.topic)
                .is_some_and(|c| c.unclean_leader_election_enable);
            let change = pc::on_broker_unfenced(&to_pc(&reg), broker.0 as i32, acceptable, unclean)
                .expect("well-formed registration");
            if let Some(change) = change {
                records.push(self.change_record(ctx, &tp, &reg, &change, ElectionKind::Clean));
            }
        }
        records
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn handle_alter_partition(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        broker: BrokerId,
        broker_epoch: i64,
        tp: TopicPartition,
        leader_epoch: i32,
        partition_epoch: i32,
        new_isr: Vec<BrokerId>,
    ) {
        let respond = |ctx: &mut Ctx<'_, Cluster>,
                       me: NodeId,
                       error: ErrorCode,
                       registration: Option<PartitionRegistration>| {
            ctx.send(
                me,
                from,
                Message::AlterPartitionResponse {
                    partition: tp,
                    error,
                    registration,
                },
            );
        };
        if !self.is_active() {
            return respond(ctx, self.node(), ErrorCode::NOT_CONTROLLER, None);
        }
        if self
            .image
            .brokers
            .get(&broker)
            .is_none_or(|b| b.epoch != broker_epoch)
        {
            return respond(ctx, self.node(), ErrorCode::STALE_BROKER_EPOCH, None);
        }
        let Some(reg) = self.image.partition(&tp).cloned() else {
            return respond(
                ctx,
                self.node(),
                ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                None,
            );
        };
        if reg.leader != Some(broker) || leader_epoch != reg.leader_epoch {
            return respond(ctx, self.node(), ErrorCode::FENCED_LEADER_EPOCH, Some(reg));
        }
        if partition_epoch != reg.partition_epoch {
            return respond(
                ctx,
                self.node(),
                ErrorCode::INVALID_UPDATE_VERSION,
                Some(reg),
            );
        }
        let image = &self.image;
        let acceptable = |id: i32| id >= 0 && image.is_usable(BrokerId(id as u32));
        let new_isr_ids: Vec<i32> = new_isr.iter().map(|b| b.0 as i32).collect();
        let unclean = self
            .log_config(image, &tp.topic)
            .is_some_and(|c| c.unclean_leader_election_enable);
        let change = match pc::on_isr_change(
            &to_pc(&reg),
            &new_isr_ids,
            to_pc(&reg).leader_recovery_state,
            acceptable,
            unclean,
        ) {
            Ok(change) => change,
            Err(e) => {
                let error = if e.kafka_error() == "INELIGIBLE_REPLICA" {
                    ErrorCode::INELIGIBLE_REPLICA
                } else {
                    ErrorCode::INVALID_REQUEST
                };
                return respond(ctx, self.node(), error, Some(reg));
            }
        };
        let Some(change) = change else {
            return respond(ctx, self.node(), ErrorCode::NONE, Some(reg));
        };
        let record = self.change_record(ctx, &tp, &reg, &change, ElectionKind::Clean);
        let last = self.append(ctx, vec![record]);
        let registration = self.image.partition(&tp).cloned();
        let response = Message::AlterPartitionResponse {
            partition: tp,
            error: ErrorCode::NONE,
            registration,
        };
        self.respond_after(ctx, last, from, response);
    }

    /// `auto.leader.rebalance.enable` and `kafka-leader-election.sh --election-type preferred`:
    /// give leadership back to the first replica where it is in the ISR and usable.
    pub fn elect_preferred_leaders(&mut self, ctx: &mut Ctx<'_, Cluster>) -> u32 {
        if !self.is_active() {
            return 0;
        }
        let image = self.image.clone();
        let acceptable = |id: i32| id >= 0 && image.is_usable(BrokerId(id as u32));
        let mut records = Vec::new();
        for (tp, reg) in image.partitions() {
            if reg.leader == reg.preferred_leader() {
                continue;
            }
            if let Some(change) =
                pc::elect_preferred(&to_pc(reg), acceptable).expect("well-formed registration")
            {
                records.push(self.change_record(ctx, &tp, reg, &change, ElectionKind::Preferred));
            }
        }
        let count = records.len() as u32;
        if !records.is_empty() {
            self.append(ctx, records);
        }
        count
    }

    /// `unclean.leader.election.interval.ms`: offline partitions of topics that allow it get any
    /// usable replica as leader, at the price of the records only the old ISR had.
    pub(super) fn elect_unclean_leaders(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if !self.is_active() {
            return;
        }
        let image = self.image.clone();
        let acceptable = |id: i32| id >= 0 && image.is_usable(BrokerId(id as u32));
        let mut records = Vec::new();
        for (tp, reg) in image.partitions() {
            let allowed = self
                .log_config(&image, &tp.topic)
                .is_some_and(|c| c.unclean_leader_election_enable);
            if !allowed || reg.leader.is_some() {
                continue;
            }
            if let Some(change) =
                pc::elect_unclean(&to_pc(reg), acceptable).expect("well-formed registration")
            {
                records.push(self.change_record(ctx, &tp, reg, &change, ElectionKind::Unclean));
            }
        }
        if !records.is_empty() {
            self.append(ctx, records);
        }
    }

    /// What both ways of creating a topic check first: an active controller, a new name.
    fn check_new_topic(&self, name: &str) -> Result<(), CommandError> {
        if !self.is_active() {
            return Err(CommandError::NoActiveController);
        }
        if self.image.topics.contains_key(name) {
            return Err(CommandError::TopicExists(name.to_string()));
        }
        Ok(())
    }

    /// `kafka-topics.sh --create`: place replicas on usable brokers (StripedReplicaPlacer).
    pub fn create_topic(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        name: &str,
        partitions: i32,
        replication_factor: u32,
        config: crate::kafka::config::ConfigValues,
    ) -> Result<(), CommandError> {
        self.check_new_topic(name)?;
        let placed = self.place(ctx, 0, partitions, replication_factor)?;
        ctx.emit(Event::TopicCreated {
            topic: name.to_string(),
            partitions,
            replication_factor,
        });
        self.append(
            ctx,
            vec![MetadataRecord::Topic {
                name: name.to_string(),
                config,
                partitions: placed,
            }],
        );
        Ok(())
    }

    /// `kafka-topics.sh --create --replica-assignment`: the replicas as given, each partition's
    /// ISR its active replicas and its leader the first of them.
    /// Kafka: `ReplicationControlManager.createTopic` (the manual assignment branch).
    pub fn create_topic_assigned(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        name: &str,
        assignment: &[Vec<u32>],
        config: crate::kafka::config::ConfigValues,
    ) -> Result<(), CommandError> {
        self.check_new_topic(name)?;
        let mut placed = Vec::new();
        for (partition, replicas) in assignment.iter().enumerate() {
            let previous = assignment.first().map(|r| r.len() as u32);
            self.validate_manual_assignment(replicas, previous.filter(|_| partition > 0))?;
            placed.push(self.manual_registration(partition as u32, replicas)?);
        }
        let replication_factor = assignment.first().map_or(0, |r| r.len() as u32);
        ctx.emit(Event::TopicCreated {
            topic: name.to_string(),
            partitions: assignment.len() as i32,
            replication_factor,
        });
        let record = MetadataRecord::Topic {
            name: name.to_string(),
            config,
            partitions: placed,
        };
        self.append(ctx, vec![record]);
        Ok(())
    }

    /// Kafka: `ReplicationControlManager.validateManualPartitionAssignment`.
    pub(super) fn validate_manual_assignment(
        &self,
        replicas: &[u32],
        replication_factor: Option<u32>,
    ) -> Result<(), CommandError> {
        use ReplicaAssignmentProblem as P;
        let refuse = |p| Err(CommandError::InvalidReplicaAssignment(p));
        if replicas.is_empty() {
            return refuse(P::EmptyReplicaList);
        }
        let mut sorted = replicas.to_vec();
        sorted.sort_unstable();
        let mut previous = None;
        for b in sorted {
            if !self.image.brokers.contains_key(&BrokerId(b)) {
                return refuse(P::UnregisteredBroker(b));
            }
            if previous == Some(b) {
                return refuse(P::DuplicateBroker(b));
            }
            previous = Some(b);
        }
        match replication_factor {
            Some(rf) if rf != replicas.len() as u32 => refuse(P::InconsistentReplicationFactor {
                replicas: replicas.len() as u32,
                previous: rf,
            }),
            _ => Ok(()),
        }
    }

    pub(super) fn place(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        start: i32,
        count: i32,
        replication_factor: u32,
    ) -> Result<Vec<PartitionRegistration>, CommandError> {
        // Kafka leaves brokers in controlled shutdown out of placement altogether.
        let usable: Vec<UsableBroker> = self
            .image
            .brokers
            .values()
            .filter(|b| !b.in_controlled_shutdown)
            .map(|b| UsableBroker {
                id: b.id.0 as i32,
                fenced: b.fenced,
            })
            .collect();
        let placement =
            placement::place(ctx.prng, &usable, start, count, replication_factor as i16)?;
        Ok(placement
            .into_iter()
            .map(|replicas| {
                PartitionRegistration::new(
                    replicas.into_iter().map(|b| BrokerId(b as u32)).collect(),
                )
            })
            .collect())
    }
}
