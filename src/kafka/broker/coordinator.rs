//! The broker as group coordinator: FindCoordinator, the classic group requests (JoinGroup,
//! SyncGroup, Heartbeat, LeaveGroup), OffsetCommit and OffsetFetch, and loading or unloading the
//! groups of an `__consumer_offsets` partition when this broker gains or loses its leadership.
//!
//! Group state changes and commits are written to the group's offsets partition as records and
//! answered once the high watermark covers them (Kafka's coordinator runtime waits for the
//! write to be committed), or refused after `offsets.commit.timeout.ms`.

use super::Broker;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::Event;
use crate::kafka::group::classic::{
    ClassicGroup, CommittedOffset, GroupAction, GroupConfig, GroupTimer, JoinRequest, Waiter,
};
use crate::kafka::group::records::{group_value, restore_group, CoordinatorRecord};
use crate::kafka::group::{partition_for, WriteCompletion, OFFSETS_TOPIC};
use crate::kafka::protocol::Message;
use crate::kafka::timer::Timer;
use crate::kafka::types::{NodeId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::{Ctx, SimDuration};
use std::rc::Rc;

impl Broker {
    fn group_config(&self) -> GroupConfig {
        GroupConfig {
            initial_rebalance_delay_ms: self.config.ms("group.initial.rebalance.delay.ms"),
            min_session_timeout_ms: self.config.ms("group.min.session.timeout.ms"),
            max_session_timeout_ms: self.config.ms("group.max.session.timeout.ms"),
            ..GroupConfig::default()
        }
    }

    /// The offsets partition of `group`, from this broker's metadata.
    fn offsets_partition(&self, group: &str) -> Option<TopicPartition> {
        let count = self.metadata.partition_count(OFFSETS_TOPIC)?;
        Some(TopicPartition::new(
            OFFSETS_TOPIC,
            partition_for(group, count),
        ))
    }

    /// Whether this broker coordinates `group` now: it leads the group's offsets partition.
    pub(super) fn coordinates(&self, group: &str) -> Result<TopicPartition, ErrorCode> {
        let tp = self
            .offsets_partition(group)
            .ok_or(ErrorCode::COORDINATOR_NOT_AVAILABLE)?;
        match self.replicas.get(&tp) {
            Some(r) if r.is_leader() && self.coordinator.loaded.contains_key(&tp.partition) => {
                Ok(tp)
            }
            _ => Err(ErrorCode::NOT_COORDINATOR),
        }
    }

    pub(super) fn handle_find_coordinator(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        correlation_id: u32,
        group_id: &str,
    ) {
        let leader = self
            .offsets_partition(group_id)
            .and_then(|tp| self.metadata.partition(&tp))
            .and_then(|p| p.leader);
        let (error, coordinator) = match leader {
            Some(b) => (ErrorCode::NONE, Some(b)),
            None => (ErrorCode::COORDINATOR_NOT_AVAILABLE, None),
        };
        ctx.send(
            self.node(),
            from,
            Message::FindCoordinatorResponse {
                correlation_id,
                error,
                coordinator,
            },
        );
    }

    /// The group, created empty if this broker coordinates it and it does not exist yet.
    pub(super) fn group_mut(&mut self, group_id: &str) -> Result<&mut ClassicGroup, ErrorCode> {
        self.coordinates(group_id)?;
        let config = self.group_config();
        let id = self.id;
        Ok(self
            .coordinator
            .groups
            .entry(group_id.to_string())
            .or_insert_with(|| ClassicGroup::new(group_id, config, id)))
    }

    pub(super) fn handle_join_group(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        msg: Message,
    ) {
        let Message::JoinGroup {
            correlation_id,
            group_id,
            member_id,
            group_instance_id,
            client_id,
            session_timeout_ms,
            rebalance_timeout_ms,
            protocols,
            subscription,
            owned_partitions,
            generation,
        } = msg
        else {
            return;
        };
        let error_reply = |error: ErrorCode| Message::JoinGroupResponse {
            correlation_id,
            error,
            generation: -1,
            protocol: None,
            leader: Rc::from(""),
            member_id: member_id.clone(),
            members: Vec::new(),
        };
        if group_id.is_empty() {
            return ctx.send(self.node(), from, error_reply(ErrorCode::INVALID_GROUP_ID));
        }
        let now = ctx.now;
        let request = JoinRequest {
            waiter: Waiter {
                from,
                correlation_id,
            },
            member_id: member_id.to_string(),
            group_instance_id: group_instance_id.as_deref().map(str::to_string),
            client_id: client_id.to_string(),
            session_timeout_ms,
            rebalance_timeout_ms,
            protocols,
            subscription,
            owned_partitions,
            generation,
        };
        let prng = &mut *ctx.prng;
        let actions = match self.group_mut(&group_id) {
            Err(e) => return ctx.send(self.node(), from, error_reply(e)),
            Ok(group) => group.join(request, now, &mut |prefix: &str| {
                format!("{prefix}-{}", prng.uuid_like())
            }),
        };
        self.apply_group_actions(ctx, &group_id, actions);
    }

    pub(super) fn handle_sync_group(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        msg: Message,
    ) {
        let Message::SyncGroup {
            correlation_id,
            group_id,
            member_id,
            group_instance_id,
            generation,
            assignments,
        } = msg
        else {
            return;
        };
        let group_id = &*group_id;
        let now = ctx.now;
        let waiter = Waiter {
            from,
            correlation_id,
        };
        let actions = match self.coordinates(group_id) {
            Err(e) => {
                return ctx.send(
                    self.node(),
                    from,
                    Message::SyncGroupResponse {
                        correlation_id,
                        error: e,
                        assignment: Vec::new(),
                    },
                )
            }
            Ok(_) => match self.coordinator.groups.get_mut(group_id) {
                Some(group) => group.sync(
                    waiter,
                    &member_id,
                    group_instance_id.as_deref(),
                    generation,
                    assignments,
                    now,
                ),
                None => {
                    return ctx.send(
                        self.node(),
                        from,
                        Message::SyncGroupResponse {
                            correlation_id,
                            error: ErrorCode::UNKNOWN_MEMBER_ID,
                            assignment: Vec::new(),
                        },
                    )
                }
            },
        };
        self.apply_group_actions(ctx, group_id, actions);
    }

    pub(super) fn handle_heartbeat(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        correlation_id: u32,
        group_id: &str,
        member_id: &str,
        instance: Option<&str>,
        generation: i32,
    ) {
        let now = ctx.now;
        let (error, actions) = self.on_member_group(group_id, |group| {
            group.heartbeat(member_id, instance, generation, now)
        });
        ctx.send(
            self.node(),
            from,
            Message::HeartbeatResponse {
                correlation_id,
                error,
            },
        );
        self.apply_group_actions(ctx, group_id, actions);
    }

    /// Run `handle` on `group` if this broker coordinates it; a group it does not know has no
    /// such member.
    fn on_member_group(
        &mut self,
        group_id: &str,
        handle: impl FnOnce(&mut ClassicGroup) -> (ErrorCode, Vec<GroupAction>),
    ) -> (ErrorCode, Vec<GroupAction>) {
        if let Err(e) = self.coordinates(group_id) {
            return (e, Vec::new());
        }
        match self.coordinator.groups.get_mut(group_id) {
            Some(group) => handle(group),
            None => (ErrorCode::UNKNOWN_MEMBER_ID, Vec::new()),
        }
    }

    pub(super) fn handle_leave_group(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        correlation_id: u32,
        group_id: &str,
        member_id: &str,
    ) {
        let now = ctx.now;
        let (error, actions) = self.on_member_group(group_id, |group| group.leave(member_id, now));
        ctx.send(
            self.node(),
            from,
            Message::LeaveGroupResponse {
                correlation_id,
                error,
            },
        );
        self.apply_group_actions(ctx, group_id, actions);
    }

    pub(super) fn handle_offset_commit(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        msg: Message,
    ) {
        let Message::OffsetCommit {
            correlation_id,
            group_id,
            member_id,
            group_instance_id,
            generation,
            offsets,
        } = msg
        else {
            return;
        };
        let group_id = &*group_id;
        let refuse = |error: ErrorCode, offsets: &[(TopicPartition, i64, i32)]| {
            Message::OffsetCommitResponse {
                correlation_id,
                error,
                offsets: offsets.iter().map(|(tp, o, _)| (*tp, *o)).collect(),
            }
        };
        let error = match self.group_mut(group_id) {
            Err(e) => e,
            Ok(group) => {
                group.validate_offset_commit(&member_id, group_instance_id.as_deref(), generation)
            }
        };
        if error.is_error() {
            return ctx.send(self.node(), from, refuse(error, &offsets));
        }
        let Ok(tp) = self.coordinates(group_id) else {
            return ctx.send(
                self.node(),
                from,
                refuse(ErrorCode::NOT_COORDINATOR, &offsets),
            );
        };
        let now_ms = ctx.now.as_ms() as i64;
        let records = offsets
            .iter()
            .map(
                |(partition, offset, epoch)| CoordinatorRecord::OffsetCommit {
                    group: group_id.to_string(),
                    partition: *partition,
                    offset: CommittedOffset {
                        offset: *offset,
                        leader_epoch: *epoch,
                        commit_time_ms: now_ms,
                    },
                },
            )
            .collect();
        let completion = WriteCompletion::OffsetCommit {
            to: from,
            correlation_id,
            group: group_id.to_string(),
            offsets: offsets.clone(),
        };
        if let Err(e) = self.coordinator_write(ctx, &tp, records, completion) {
            ctx.send(self.node(), from, refuse(e, &offsets));
        }
    }

    pub(super) fn handle_offset_fetch(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        from: NodeId,
        correlation_id: u32,
        group_id: &str,
        partitions: Vec<TopicPartition>,
    ) {
        let (error, offsets) = match self.coordinates(group_id) {
            Err(e) => (e, Vec::new()),
            // `requireStable`: a transaction's offsets are not final until its marker.
            Ok(_) if self.has_pending_txn_offsets(group_id, &partitions) => {
                (ErrorCode::UNSTABLE_OFFSET_COMMIT, Vec::new())
            }
            Ok(_) => {
                let group = self.coordinator.groups.get(group_id);
                let offsets = partitions
                    .into_iter()
                    .map(|tp| {
                        let committed = group.and_then(|g| g.offsets.get(&tp));
                        // -1: no committed offset (Kafka's INVALID_OFFSET).
                        let (offset, epoch) =
                            committed.map_or((-1, -1), |c| (c.offset, c.leader_epoch));
                        (tp, offset, epoch)
                    })
                    .collect();
                (ErrorCode::NONE, offsets)
            }
        };
        ctx.send(
            self.node(),
            from,
            Message::OffsetFetchResponse {
                correlation_id,
                error,
                offsets,
            },
        );
    }

    /// Carry out what a group handler decided.
    pub(super) fn apply_group_actions(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        group_id: &str,
        actions: Vec<GroupAction>,
    ) {
        let me = self.node();
        for action in actions {
            match action {
                GroupAction::Reply { to, message } => ctx.send(me, to, message),
                GroupAction::SetTimer { timer, at } => {
                    ctx.set_timer_at(me, group_timer(group_id, timer), at)
                }
                GroupAction::CancelTimer(timer) => {
                    ctx.cancel_timer(me, group_timer(group_id, timer))
                }
                GroupAction::Emit(event) => ctx.emit(event),
                GroupAction::Persist { sync_generation } => {
                    let completion = match sync_generation {
                        Some(generation) => WriteCompletion::Sync {
                            group: group_id.to_string(),
                            generation,
                        },
                        None => WriteCompletion::None,
                    };
                    self.persist_group(ctx, group_id, completion);
                }
                GroupAction::PersistStaticMember(replacement) => {
                    let completion = WriteCompletion::StaticMember {
                        group: group_id.to_string(),
                        replacement,
                    };
                    self.persist_group(ctx, group_id, completion);
                }
            }
        }
    }

    /// Write the group's metadata record; `completion` runs once it is committed.
    fn persist_group(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        group_id: &str,
        completion: WriteCompletion,
    ) {
        let Some(group) = self.coordinator.groups.get(group_id) else {
            return;
        };
        let record = CoordinatorRecord::Group {
            group: group_id.to_string(),
            value: Some(group_value(group)),
        };
        if let Ok(tp) = self.coordinates(group_id) {
            let _ = self.coordinator_write(ctx, &tp, vec![record], completion);
        }
    }

    pub(super) fn on_group_timer(&mut self, ctx: &mut Ctx<'_, Cluster>, timer: Timer) {
        let now = ctx.now;
        let (group_id, actions) = match &timer {
            Timer::JoinPhaseDeadline { group } => (
                group.clone(),
                self.coordinator
                    .groups
                    .get_mut(group)
                    .map(|g| g.on_join_timer(now)),
            ),
            Timer::SyncPhaseDeadline { group } => (
                group.clone(),
                self.coordinator
                    .groups
                    .get_mut(group)
                    .map(|g| g.on_sync_timer(now)),
            ),
            Timer::MemberSession { group, member } => (
                group.clone(),
                self.coordinator
                    .groups
                    .get_mut(group)
                    .map(|g| g.on_session_timer(member, now)),
            ),
            Timer::CoordinatorWriteExpiry { id } => {
                return self.expire_coordinator_write(ctx, *id);
            }
            _ => return,
        };
        if let Some(actions) = actions {
            self.apply_group_actions(ctx, &group_id, actions);
        }
    }

    /// This broker became leader of an offsets partition: rebuild its groups from the log.
    pub(super) fn load_groups(&mut self, ctx: &mut Ctx<'_, Cluster>, tp: &TopicPartition) {
        let Some(replica) = self.replicas.get(tp) else {
            return;
        };
        let epoch = replica.leader_epoch;
        let mut groups: std::collections::BTreeMap<String, ClassicGroup> = Default::default();
        let config = self.group_config();
        let id = self.id;
        for batch in super::txn_requests::offsets_in_effect_order(replica.log.batches()).0 {
            for record in batch.records.iter() {
                match CoordinatorRecord::parse(record) {
                    Some(CoordinatorRecord::OffsetCommit {
                        group,
                        partition,
                        offset,
                    }) => {
                        groups
                            .entry(group.clone())
                            .or_insert_with(|| ClassicGroup::new(&group, config, id))
                            .offsets
                            .insert(partition, offset);
                    }
                    Some(CoordinatorRecord::OffsetDelete { group, partition }) => {
                        if let Some(g) = groups.get_mut(&group) {
                            g.offsets.remove(&partition);
                        }
                    }
                    // A deleted group (`DeleteGroups` writes its offsets' tombstones first).
                    Some(CoordinatorRecord::Group { group, value: None })
                        if groups.get(&group).is_none_or(|g| g.offsets.is_empty()) =>
                    {
                        groups.remove(&group);
                    }
                    Some(CoordinatorRecord::Group { group, value }) => {
                        let offsets = groups.remove(&group).map(|g| g.offsets).unwrap_or_default();
                        let mut restored = match &value {
                            Some(v) => restore_group(&group, v, config, id),
                            None => ClassicGroup::new(&group, config, id),
                        };
                        restored.offsets = offsets;
                        groups.insert(group, restored);
                    }
                    None => {}
                }
            }
        }
        let now = ctx.now;
        let names: Vec<String> = groups.keys().cloned().collect();
        for (name, group) in groups {
            // Loaded members must heartbeat within their session timeout.
            for m in group.members.values() {
                ctx.set_timer_at(
                    self.node(),
                    Timer::MemberSession {
                        group: name.clone(),
                        member: m.member_id.to_string(),
                    },
                    now.plus(SimDuration::from_ms(m.session_timeout_ms)),
                );
            }
            self.coordinator.groups.insert(name, group);
        }
        self.coordinator.loaded.insert(tp.partition, epoch);
        ctx.emit(Event::GroupsLoaded {
            broker: self.id,
            partition: *tp,
            groups: names,
        });
    }

    /// This broker no longer leads an offsets partition: forget its groups.
    pub(super) fn unload_groups(&mut self, ctx: &mut Ctx<'_, Cluster>, tp: &TopicPartition) {
        if self.coordinator.loaded.remove(&tp.partition).is_none() {
            return;
        }
        self.drop_pending_txn_offsets(tp.partition);
        let count = self.metadata.partition_count(OFFSETS_TOPIC).unwrap_or(1);
        let leaving: Vec<String> = self
            .coordinator
            .groups
            .keys()
            .filter(|name| partition_for(name, count) == tp.partition)
            .cloned()
            .collect();
        for name in leaving {
            let Some(group) = self.coordinator.groups.remove(&name) else {
                continue;
            };
            // Parked requests learn to look for the new coordinator.
            for m in group.members.values() {
                if let Some(w) = &m.awaiting_join {
                    let reply = Message::JoinGroupResponse {
                        correlation_id: w.correlation_id,
                        error: ErrorCode::NOT_COORDINATOR,
                        generation: -1,
                        protocol: None,
                        leader: Rc::from(""),
                        member_id: m.member_id.clone(),
                        members: Vec::new(),
                    };
                    ctx.send(self.node(), w.from, reply);
                }
                if let Some(w) = &m.awaiting_sync {
                    let reply = Message::SyncGroupResponse {
                        correlation_id: w.correlation_id,
                        error: ErrorCode::NOT_COORDINATOR,
                        assignment: Vec::new(),
                    };
                    ctx.send(self.node(), w.from, reply);
                }
                ctx.cancel_timer(
                    self.node(),
                    Timer::MemberSession {
                        group: name.clone(),
                        member: m.member_id.to_string(),
                    },
                );
            }
            ctx.cancel_timer(
                self.node(),
                Timer::JoinPhaseDeadline {
                    group: name.clone(),
                },
            );
            ctx.cancel_timer(
                self.node(),
                Timer::SyncPhaseDeadline {
                    group: name.clone(),
                },
            );
        }
        self.complete_coordinator_writes(ctx);
    }
}

fn group_timer(group: &str, timer: GroupTimer) -> Timer {
    match timer {
        GroupTimer::Join => Timer::JoinPhaseDeadline {
            group: group.to_string(),
        },
        GroupTimer::Sync => Timer::SyncPhaseDeadline {
            group: group.to_string(),
        },
        GroupTimer::Session(member) => Timer::MemberSession {
            group: group.to_string(),
            member,
        },
    }
}
