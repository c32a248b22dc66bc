//! The classic group coordinator's state machine: the initial rebalance delay (vectors G1-G3 of
//! the reference), MEMBER_ID_REQUIRED, leader election, SyncGroup, heartbeats, leaving,
//! session expiry, generation fencing of offset commits, static members and the protocol vote.

use kafka_classroom::kafka::errors::ErrorCode;
use kafka_classroom::kafka::group::classic::{
    ClassicGroup, GroupAction, GroupConfig, GroupState, GroupTimer, JoinRequest, StaticReplacement,
    Waiter,
};
use kafka_classroom::kafka::protocol::Message;
use kafka_classroom::kafka::{BrokerId, NodeId, TopicPartition};
use kafka_classroom::sim::SimTime;
use std::collections::BTreeMap;

/// Drives one group: requests at given times, timers fired in order, responses collected.
struct Harness {
    group: ClassicGroup,
    timers: BTreeMap<String, SimTime>,
    replies: Vec<(SimTime, NodeId, Message)>,
    persisted: Vec<Option<i32>>,
    /// Static member replacements waiting for their group record.
    static_writes: Vec<StaticReplacement>,
    ids: u32,
}

fn timer_name(t: &GroupTimer) -> String {
    format!("{t:?}")
}

impl Harness {
    fn new() -> Harness {
        Harness::with_config(GroupConfig::default())
    }

    fn with_config(config: GroupConfig) -> Harness {
        Harness {
            group: ClassicGroup::new("g", config, BrokerId(1)),
            timers: BTreeMap::new(),
            replies: Vec::new(),
            persisted: Vec::new(),
            static_writes: Vec::new(),
            ids: 0,
        }
    }

    fn apply(&mut self, now: SimTime, actions: Vec<GroupAction>) {
        for a in actions {
            match a {
                GroupAction::Reply { to, message } => self.replies.push((now, to, message)),
                GroupAction::SetTimer { timer, at } => {
                    self.timers.insert(timer_name(&timer), at);
                }
                GroupAction::CancelTimer(timer) => {
                    self.timers.remove(&timer_name(&timer));
                }
                GroupAction::Persist { sync_generation } => self.persisted.push(sync_generation),
                GroupAction::PersistStaticMember(replacement) => {
                    self.static_writes.push(*replacement)
                }
                GroupAction::Emit(_) => {}
            }
        }
    }

    /// Fire every timer due up to `until`, in time order.
    fn run_until(&mut self, until: SimTime) {
        loop {
            let next = self
                .timers
                .iter()
                .filter(|(_, at)| **at <= until)
                .min_by_key(|(_, at)| **at)
                .map(|(k, at)| (k.clone(), *at));
            let Some((name, at)) = next else { break };
            self.timers.remove(&name);
            let actions = if name == "Join" {
                self.group.on_join_timer(at)
            } else if name == "Sync" {
                self.group.on_sync_timer(at)
            } else {
                let member = name
                    .trim_start_matches("Session(\"")
                    .trim_end_matches("\")");
                self.group.on_session_timer(member, at)
            };
            self.apply(at, actions);
        }
    }

    fn request(&mut self, client: u32, member_id: &str) -> JoinRequest {
        JoinRequest {
            waiter: Waiter {
                from: NodeId::Consumer(client),
                correlation_id: client * 100,
            },
            member_id: member_id.to_string(),
            group_instance_id: None,
            client_id: format!("client-{client}"),
            session_timeout_ms: 45_000,
            rebalance_timeout_ms: 300_000,
            protocols: vec!["range".into(), "cooperative-sticky".into()],
            subscription: vec!["t".into()],
            owned_partitions: vec![],
            generation: -1,
        }
    }

    /// A new dynamic member: JoinGroup, MEMBER_ID_REQUIRED, JoinGroup again with the id.
    fn join_new(&mut self, client: u32, at_ms: u64) -> String {
        let now = SimTime::from_ms(at_ms);
        self.run_until(now);
        let req = self.request(client, "");
        let ids = &mut self.ids;
        let actions = self.group.join(req, now, &mut |prefix: &str| {
            *ids += 1;
            format!("{prefix}-{}", ids)
        });
        self.apply(now, actions);
        let member_id = match &self.replies.last().unwrap().2 {
            Message::JoinGroupResponse {
                error: ErrorCode::MEMBER_ID_REQUIRED,
                member_id,
                ..
            } => member_id.to_string(),
            other => panic!("expected MEMBER_ID_REQUIRED, got {other:?}"),
        };
        let req = self.request(client, &member_id);
        let actions = self.group.join(req, now, &mut |_: &str| unreachable!());
        self.apply(now, actions);
        member_id
    }

    /// When the join phase completed (the first successful JoinGroup response), and to whom.
    fn completed_join(&self) -> Option<(SimTime, i32, String, Vec<String>)> {
        let mut at = None;
        let mut members = Vec::new();
        let mut generation = -1;
        let mut leader = String::new();
        for (t, _, m) in &self.replies {
            if let Message::JoinGroupResponse {
                error: ErrorCode::NONE,
                generation: g,
                leader: l,
                member_id,
                ..
            } = m
            {
                at.get_or_insert(*t);
                generation = *g;
                leader = l.to_string();
                members.push(member_id.to_string());
            }
        }
        at.map(|t| (t, generation, leader, members))
    }
}

#[test]
fn g1_single_member_waits_the_initial_delay() {
    let mut h = Harness::new();
    let a = h.join_new(1, 0);
    h.run_until(SimTime::from_ms(2_999));
    assert!(h.completed_join().is_none());
    assert_eq!(h.group.state, GroupState::PreparingRebalance);
    h.run_until(SimTime::from_ms(3_000));
    let (at, generation, leader, _) = h.completed_join().unwrap();
    assert_eq!(at, SimTime::from_ms(3_000));
    assert_eq!(generation, 1);
    assert_eq!(leader, a);
    assert_eq!(h.group.state, GroupState::CompletingRebalance);
}

#[test]
fn g2_a_second_member_extends_the_delay() {
    let mut h = Harness::new();
    let a = h.join_new(1, 0);
    let b = h.join_new(2, 1_000);
    h.run_until(SimTime::from_ms(10_000));
    let (at, generation, leader, mut members) = h.completed_join().unwrap();
    assert_eq!(at, SimTime::from_ms(6_000));
    assert_eq!(generation, 1);
    assert_eq!(leader, a);
    members.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(members, expected);
}

#[test]
fn g3_each_new_member_extends_by_another_delay() {
    let mut h = Harness::new();
    let a = h.join_new(1, 0);
    h.join_new(2, 1_000);
    h.join_new(3, 5_000);
    h.run_until(SimTime::from_ms(20_000));
    let (at, generation, leader, members) = h.completed_join().unwrap();
    assert_eq!(at, SimTime::from_ms(9_000));
    assert_eq!(generation, 1);
    assert_eq!(leader, a);
    assert_eq!(members.len(), 3);
}

#[test]
fn initial_delay_is_not_capped_by_a_short_rebalance_timeout() {
    // Kafka schedules the first delay for the full group.initial.rebalance.delay.ms; the
    // rebalance timeout (here 1 s) only bounds the extensions (remaining = max(1000 - 3000, 0)).
    let mut h = Harness::new();
    let now = SimTime::ZERO;
    let mut req = h.request(1, "");
    req.rebalance_timeout_ms = 1_000;
    let ids = &mut h.ids;
    let actions = h.group.join(req.clone(), now, &mut |p: &str| {
        *ids += 1;
        format!("{p}-{ids}")
    });
    h.apply(now, actions);
    let Message::JoinGroupResponse { member_id, .. } = h.replies[0].2.clone() else {
        panic!()
    };
    req.member_id = member_id.to_string();
    let actions = h.group.join(req, now, &mut |_: &str| unreachable!());
    h.apply(now, actions);
    h.run_until(SimTime::from_ms(2_999));
    assert!(h.completed_join().is_none(), "not at the rebalance timeout");
    h.run_until(SimTime::from_ms(3_000));
    assert_eq!(h.completed_join().unwrap().0, SimTime::from_ms(3_000));
}

/// A group in its initial delay (60 s) with member A joined at 0 and a pending member (handed
/// an id with MEMBER_ID_REQUIRED at 0, never back): returns the harness and A's id.
fn initial_delay_with_a_pending_member() -> (Harness, String, String) {
    let mut h = Harness::with_config(GroupConfig {
        initial_rebalance_delay_ms: 60_000,
        ..GroupConfig::default()
    });
    let a = h.join_new(1, 0);
    let req = h.request(2, "");
    let actions = h
        .group
        .join(req, SimTime::ZERO, &mut |p: &str| format!("{p}-pending"));
    h.apply(SimTime::ZERO, actions);
    let pending = "client-2-pending".to_string();
    assert!(h.group.pending_members.contains(pending.as_str()));
    (h, a, pending)
}

#[test]
fn a_pending_member_expiring_during_the_initial_delay_completes_the_join() {
    // Kafka: removePendingMemberAndUpdateClassicGroup completes the join as soon as every
    // remaining member has joined, initial delay or not.
    let (mut h, a, _) = initial_delay_with_a_pending_member();
    h.run_until(SimTime::from_ms(44_999));
    assert!(h.completed_join().is_none());
    h.run_until(SimTime::from_ms(45_000));
    let (at, generation, leader, _) = h.completed_join().expect("completed at the expiry");
    assert_eq!(at, SimTime::from_ms(45_000), "the pending member's session");
    assert_eq!((generation, leader), (1, a));
}

#[test]
fn a_pending_member_leaving_during_the_initial_delay_waits_for_the_delay() {
    // Kafka's LeaveGroup path uses maybeCompleteJoinPhase, which skips an initial rebalance.
    let (mut h, _, pending) = initial_delay_with_a_pending_member();
    let now = SimTime::from_ms(1_000);
    let (error, actions) = h.group.leave(&pending, now);
    h.apply(now, actions);
    assert_eq!(error, ErrorCode::NONE);
    h.run_until(SimTime::from_ms(59_999));
    assert!(h.completed_join().is_none());
    h.run_until(SimTime::from_ms(60_000));
    assert_eq!(h.completed_join().unwrap().0, SimTime::from_ms(60_000));
}

/// Run a group of two through join and sync to Stable.
/// Both members synced; the leader's group record is written but not yet committed.
fn synced_pair() -> (Harness, String, String) {
    let mut h = Harness::new();
    let a = h.join_new(1, 0);
    let b = h.join_new(2, 0);
    // B joined during the initial delay, which extends it once: the join completes at 6 s.
    h.run_until(SimTime::from_ms(6_000));
    assert_eq!(h.group.state, GroupState::CompletingRebalance);
    let now = SimTime::from_ms(6_010);
    let t = |p| TopicPartition::new("t", p);
    let assignments = vec![
        (a.as_str().into(), vec![t(0)]),
        (b.as_str().into(), vec![t(1)]),
    ];
    let actions = h.group.sync(
        Waiter {
            from: NodeId::Consumer(2),
            correlation_id: 7,
        },
        &b,
        None,
        1,
        vec![],
        now,
    );
    h.apply(now, actions);
    let actions = h.group.sync(
        Waiter {
            from: NodeId::Consumer(1),
            correlation_id: 8,
        },
        &a,
        None,
        1,
        assignments,
        now,
    );
    h.apply(now, actions);
    assert_eq!(
        h.persisted,
        vec![Some(1)],
        "the leader's sync writes the group record"
    );
    assert_eq!(
        h.group.state,
        GroupState::CompletingRebalance,
        "until the write completes"
    );
    (h, a, b)
}

fn stable_pair() -> (Harness, String, String) {
    let (mut h, a, b) = synced_pair();
    let now = SimTime::from_ms(6_010);
    let actions = h.group.complete_sync(1);
    h.apply(now, actions);
    assert_eq!(h.group.state, GroupState::Stable);
    (h, a, b)
}

#[test]
fn sync_hands_every_member_its_assignment() {
    let (h, _, _) = stable_pair();
    let syncs: Vec<_> = h
        .replies
        .iter()
        .filter_map(|(_, to, m)| match m {
            Message::SyncGroupResponse {
                error,
                assignment,
                correlation_id,
            } => Some((*to, *error, assignment.clone(), *correlation_id)),
            _ => None,
        })
        .collect();
    assert_eq!(syncs.len(), 2);
    assert!(syncs
        .iter()
        .all(|(_, e, a, _)| *e == ErrorCode::NONE && a.len() == 1));
    let to_c2 = syncs
        .iter()
        .find(|(to, ..)| *to == NodeId::Consumer(2))
        .unwrap();
    assert_eq!(
        to_c2.3, 7,
        "the response carries the request's correlation id"
    );
    assert_eq!(to_c2.2, vec![TopicPartition::new("t", 1)]);
}

#[test]
fn leaving_rebalances_and_old_generation_commits_are_fenced() {
    let (mut h, a, b) = stable_pair();
    assert_eq!(h.group.validate_offset_commit(&a, None, 1), ErrorCode::NONE);
    assert_eq!(
        h.group.validate_offset_commit(&a, None, 0),
        ErrorCode::ILLEGAL_GENERATION
    );
    assert_eq!(
        h.group.validate_offset_commit("nobody", None, 1),
        ErrorCode::UNKNOWN_MEMBER_ID
    );
    let now = SimTime::from_ms(8_000);
    let (error, actions) = h.group.leave(&b, now);
    h.apply(now, actions);
    assert_eq!(error, ErrorCode::NONE);
    assert_eq!(h.group.state, GroupState::PreparingRebalance);
    // During PreparingRebalance commits of the current (old) generation are still accepted,
    // and heartbeats tell the member to rejoin.
    assert_eq!(h.group.validate_offset_commit(&a, None, 1), ErrorCode::NONE);
    let (error, actions) = h.group.heartbeat(&a, None, 1, now);
    h.apply(now, actions);
    assert_eq!(error, ErrorCode::REBALANCE_IN_PROGRESS);
    // A rejoins: every remaining member has joined, so the join phase completes at once.
    let req = h.request(1, &a);
    let actions = h.group.join(req, now, &mut |_: &str| unreachable!());
    h.apply(now, actions);
    assert_eq!(h.group.state, GroupState::CompletingRebalance);
    assert_eq!(h.group.generation, 2);
    assert_eq!(
        h.group.validate_offset_commit(&a, None, 2),
        ErrorCode::REBALANCE_IN_PROGRESS
    );
}

#[test]
fn offset_commit_checks_member_and_generation_before_rebalance_in_progress() {
    // Kafka's ClassicGroup.validateOffsetCommit: validateMember, then the generation, then
    // CompletingRebalance -> REBALANCE_IN_PROGRESS.
    let (mut h, a, b) = stable_pair();
    let now = SimTime::from_ms(8_000);
    let (_, actions) = h.group.leave(&b, now);
    h.apply(now, actions);
    let req = h.request(1, &a);
    let actions = h.group.join(req, now, &mut |_: &str| unreachable!());
    h.apply(now, actions);
    assert_eq!(h.group.state, GroupState::CompletingRebalance);
    let commit = |member: &str, instance: Option<&str>, generation: i32| {
        h.group.validate_offset_commit(member, instance, generation)
    };
    assert_eq!(commit(&b, None, 2), ErrorCode::UNKNOWN_MEMBER_ID);
    assert_eq!(commit(&a, None, 1), ErrorCode::ILLEGAL_GENERATION);
    assert_eq!(commit(&a, Some("inst-x"), 2), ErrorCode::UNKNOWN_MEMBER_ID);
    assert_eq!(commit(&a, None, 2), ErrorCode::REBALANCE_IN_PROGRESS);
    // A standalone commit (no member, generation -1) is refused in a non-empty group.
    assert_eq!(commit("", None, -1), ErrorCode::UNKNOWN_MEMBER_ID);
}

#[test]
fn a_silent_member_is_removed_after_its_session_timeout() {
    let (mut h, a, b) = stable_pair();
    // A keeps heartbeating every 3 s; B is silent.
    for t in (9_000..60_000).step_by(3_000) {
        let now = SimTime::from_ms(t);
        h.run_until(now);
        if h.group.state != GroupState::Stable {
            break;
        }
        let (error, actions) = h.group.heartbeat(&a, None, 1, now);
        assert_eq!(error, ErrorCode::NONE);
        h.apply(now, actions);
    }
    h.run_until(SimTime::from_ms(51_100));
    assert!(
        !h.group.members.contains_key(b.as_str()),
        "B expired 45 s after its last sync at 6 s"
    );
    assert_eq!(h.group.state, GroupState::PreparingRebalance);
}

#[test]
fn protocol_vote_picks_the_most_preferred_common_protocol() {
    let mut h = Harness::new();
    h.join_new(1, 0);
    h.join_new(2, 0);
    h.run_until(SimTime::from_ms(6_000));
    assert_eq!(h.group.protocol_name.as_deref(), Some("range"));
    // A member that prefers cooperative-sticky but also speaks range.
    let mut h = Harness::new();
    let now = SimTime::ZERO;
    let mut req = h.request(1, "");
    req.protocols = vec!["cooperative-sticky".into()];
    let ids = &mut h.ids;
    let actions = h.group.join(req, now, &mut |p: &str| {
        *ids += 1;
        format!("{p}-{ids}")
    });
    h.apply(now, actions);
    let Message::JoinGroupResponse { member_id, .. } = h.replies[0].2.clone() else {
        panic!()
    };
    let mut req = h.request(1, &member_id);
    req.protocols = vec!["cooperative-sticky".into()];
    let actions = h.group.join(req, now, &mut |_: &str| unreachable!());
    h.apply(now, actions);
    // A member whose protocols share nothing with the group is refused.
    let mut stranger = h.request(9, "");
    stranger.protocols = vec!["roundrobin".into()];
    let actions = h.group.join(stranger, now, &mut |_: &str| "x".into());
    h.apply(now, actions);
    let last = &h.replies.last().unwrap().2;
    assert!(
        matches!(
            last,
            Message::JoinGroupResponse {
                error: ErrorCode::INCONSISTENT_GROUP_PROTOCOL,
                ..
            }
        ),
        "{last:?}"
    );
    h.join_new(2, 0);
    h.run_until(SimTime::from_ms(6_000));
    assert_eq!(h.group.protocol_name.as_deref(), Some("cooperative-sticky"));
}

#[test]
fn a_replaced_static_members_sync_and_commit_are_fenced_by_instance_id() {
    let (mut h, first, req) = stable_static_member();
    let at = SimTime::from_ms(20_000);
    let ids = &mut h.ids;
    let actions = h.group.join(req, at, &mut |p: &str| {
        *ids += 1;
        format!("{p}-{ids}")
    });
    h.apply(at, actions);
    assert_ne!(h.group.static_members["inst-1"].to_string(), first);
    // The old process, still running, commits and syncs with its old member id.
    assert_eq!(
        h.group.validate_offset_commit(&first, Some("inst-1"), 1),
        ErrorCode::FENCED_INSTANCE_ID
    );
    let actions = h.group.sync(
        Waiter {
            from: NodeId::Consumer(1),
            correlation_id: 6,
        },
        &first,
        Some("inst-1"),
        1,
        vec![],
        at,
    );
    h.apply(at, actions);
    let last = &h.replies.last().unwrap().2;
    assert!(
        matches!(
            last,
            Message::SyncGroupResponse {
                error: ErrorCode::FENCED_INSTANCE_ID,
                correlation_id: 6,
                ..
            }
        ),
        "{last:?}"
    );
}

/// One static member (`inst-1`) through join and sync to Stable: the harness, its member id
/// and its JoinGroup request (to restart it with).
fn stable_static_member() -> (Harness, String, JoinRequest) {
    let mut h = Harness::new();
    let now = SimTime::ZERO;
    let mut req = h.request(1, "");
    req.group_instance_id = Some("inst-1".into());
    let ids = &mut h.ids;
    let actions = h.group.join(req.clone(), now, &mut |p: &str| {
        *ids += 1;
        format!("{p}-{ids}")
    });
    h.apply(now, actions);
    h.run_until(SimTime::from_ms(3_000));
    let first = h.group.leader.clone().unwrap().to_string();
    let at = SimTime::from_ms(3_010);
    let t0 = TopicPartition::new("t", 0);
    let actions = h.group.sync(
        Waiter {
            from: NodeId::Consumer(1),
            correlation_id: 5,
        },
        &first,
        Some("inst-1"),
        1,
        vec![(first.as_str().into(), vec![t0])],
        at,
    );
    h.apply(at, actions);
    let actions = h.group.complete_sync(1);
    h.apply(at, actions);
    assert_eq!(h.group.state, GroupState::Stable);
    (h, first, req)
}

/// The JoinGroup responses sent to `client`, with their errors and member ids.
fn join_replies(h: &Harness, client: u32) -> Vec<(ErrorCode, String)> {
    h.replies
        .iter()
        .filter(|(_, to, _)| *to == NodeId::Consumer(client))
        .filter_map(|(_, _, m)| match m {
            Message::JoinGroupResponse {
                error, member_id, ..
            } => Some((*error, member_id.to_string())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_replacing_static_members_join_waits_for_the_group_record() {
    let (mut h, _, mut req) = stable_static_member();
    let at = SimTime::from_ms(20_000);
    req.waiter.from = NodeId::Consumer(3);
    let actions = h.group.join(req, at, &mut |p: &str| format!("{p}-new"));
    h.apply(at, actions);
    assert!(
        join_replies(&h, 3).is_empty(),
        "Kafka answers once the group record is written"
    );
    assert_eq!(h.static_writes.len(), 1);
    let replacement = h.static_writes.remove(0);
    let actions = h.group.complete_static_join(&replacement);
    h.apply(at, actions);
    assert_eq!(
        join_replies(&h, 3),
        vec![(ErrorCode::NONE, "inst-1-new".to_string())]
    );
    assert_eq!(h.group.state, GroupState::Stable);
    assert_eq!(h.group.generation, 1);
}

#[test]
fn a_failed_group_record_write_undoes_the_static_replacement() {
    let (mut h, first, mut req) = stable_static_member();
    let at = SimTime::from_ms(20_000);
    req.waiter.from = NodeId::Consumer(3);
    let actions = h.group.join(req, at, &mut |p: &str| format!("{p}-new"));
    h.apply(at, actions);
    let replacement = h.static_writes.remove(0);
    let actions = h
        .group
        .revert_static_replacement(&replacement, ErrorCode::REQUEST_TIMED_OUT, at);
    h.apply(at, actions);
    // appendGroupMetadataErrorToResponseError: REQUEST_TIMED_OUT -> COORDINATOR_NOT_AVAILABLE.
    assert_eq!(
        join_replies(&h, 3),
        vec![(ErrorCode::COORDINATOR_NOT_AVAILABLE, String::new())]
    );
    assert_eq!(&*h.group.static_members["inst-1"], first.as_str());
    assert_eq!(h.group.leader.as_deref(), Some(first.as_str()));
    let (error, _) = h.group.heartbeat(&first, Some("inst-1"), 1, at);
    assert_eq!(error, ErrorCode::NONE, "the old member id is back");
    assert_eq!(
        h.group.members[first.as_str()].assignment,
        vec![TopicPartition::new("t", 0)]
    );
}

#[test]
fn replacing_a_static_member_fences_the_old_processs_parked_sync() {
    // Two static members complete the join; the follower's SyncGroup waits for the leader's.
    let mut h = Harness::new();
    let now = SimTime::ZERO;
    let mut ids = Vec::new();
    for (client, instance) in [(1, "inst-1"), (2, "inst-2")] {
        let mut req = h.request(client, "");
        req.group_instance_id = Some(instance.into());
        let actions = h.group.join(req, now, &mut |p: &str| format!("{p}-a"));
        h.apply(now, actions);
        ids.push(format!("{instance}-a"));
    }
    h.run_until(SimTime::from_ms(6_000));
    assert_eq!(h.group.state, GroupState::CompletingRebalance);
    let follower = ids
        .iter()
        .find(|id| h.group.leader.as_deref() != Some(id.as_str()))
        .unwrap()
        .clone();
    let client = if follower.starts_with("inst-1") { 1 } else { 2 };
    let instance = &follower[..6];
    let at = SimTime::from_ms(6_010);
    let sync = Waiter {
        from: NodeId::Consumer(client),
        correlation_id: 77,
    };
    let actions = h.group.sync(sync, &follower, Some(instance), 1, vec![], at);
    h.apply(at, actions);
    // The follower's process restarts and joins again with the same instance id.
    let mut req = h.request(9, "");
    req.group_instance_id = Some(instance.into());
    let actions = h.group.join(req, at, &mut |p: &str| format!("{p}-b"));
    h.apply(at, actions);
    let to_old: Vec<ErrorCode> = h
        .replies
        .iter()
        .filter_map(|(_, to, m)| match m {
            Message::SyncGroupResponse {
                error,
                correlation_id: 77,
                ..
            } if *to == NodeId::Consumer(client) => Some(*error),
            _ => None,
        })
        .collect();
    assert_eq!(to_old, vec![ErrorCode::FENCED_INSTANCE_ID]);
    // The new process's join starts a rebalance (the old member may be in the assignment).
    assert_eq!(h.group.state, GroupState::PreparingRebalance);
}

#[test]
fn a_static_member_restarting_keeps_its_assignment_without_a_rebalance() {
    let mut h = Harness::new();
    let now = SimTime::ZERO;
    let mut req = h.request(1, "");
    req.group_instance_id = Some("inst-1".into());
    let ids = &mut h.ids;
    let actions = h.group.join(req.clone(), now, &mut |p: &str| {
        *ids += 1;
        format!("{p}-{ids}")
    });
    h.apply(now, actions);
    h.run_until(SimTime::from_ms(3_000));
    let first = h.group.leader.clone().unwrap().to_string();
    assert!(
        first.starts_with("inst-1-"),
        "static member ids start with the instance id"
    );
    let t0 = TopicPartition::new("t", 0);
    let at = SimTime::from_ms(3_010);
    let actions = h.group.sync(
        Waiter {
            from: NodeId::Consumer(1),
            correlation_id: 5,
        },
        &first,
        Some("inst-1"),
        1,
        vec![(first.as_str().into(), vec![t0])],
        at,
    );
    h.apply(at, actions);
    let actions = h.group.complete_sync(1);
    h.apply(at, actions);
    assert_eq!(h.group.state, GroupState::Stable);
    // The process restarts and joins with no member id but the same instance id.
    let at = SimTime::from_ms(20_000);
    let ids = &mut h.ids;
    let actions = h.group.join(req, at, &mut |p: &str| {
        *ids += 1;
        format!("{p}-{ids}")
    });
    h.apply(at, actions);
    assert_eq!(h.group.state, GroupState::Stable, "no rebalance");
    assert_eq!(h.group.generation, 1);
    let new_id = h.group.static_members["inst-1"].to_string();
    assert_ne!(new_id, first);
    assert_eq!(h.group.members[new_id.as_str()].assignment, vec![t0]);
    // The old member id is fenced.
    let (error, _) = h.group.heartbeat(&first, Some("inst-1"), 1, at);
    assert_eq!(error, ErrorCode::FENCED_INSTANCE_ID);
}

#[test]
fn invalid_session_timeout_is_refused() {
    let mut h = Harness::new();
    let mut req = h.request(1, "");
    req.session_timeout_ms = 1_000;
    let actions = h.group.join(req, SimTime::ZERO, &mut |_: &str| "x".into());
    h.apply(SimTime::ZERO, actions);
    assert!(matches!(
        h.replies[0].2,
        Message::JoinGroupResponse {
            error: ErrorCode::INVALID_SESSION_TIMEOUT,
            ..
        }
    ));
    assert_eq!(h.group.state, GroupState::Empty);
}

/// The error of the SyncGroup reply with this correlation id.
fn sync_error(
    h: &mut Harness,
    member: &str,
    instance: Option<&str>,
    generation: i32,
    id: u32,
) -> ErrorCode {
    let at = SimTime::from_ms(8_000);
    let waiter = Waiter {
        from: NodeId::Consumer(1),
        correlation_id: id,
    };
    let actions = h
        .group
        .sync(waiter, member, instance, generation, vec![], at);
    h.apply(at, actions);
    h.replies
        .iter()
        .find_map(|(_, _, m)| match m {
            Message::SyncGroupResponse {
                error,
                correlation_id,
                ..
            } if *correlation_id == id => Some(*error),
            _ => None,
        })
        .expect("a SyncGroup reply")
}

#[test]
fn sync_group_checks_member_instance_and_generation_before_rebalance_in_progress() {
    // Kafka: GroupMetadataManager.validateSyncGroup (validateMember with the instance id, then
    // the generation) runs before the state decides REBALANCE_IN_PROGRESS.
    let (mut h, a, b) = stable_pair();
    let now = SimTime::from_ms(8_000);
    let (_, actions) = h.group.leave(&b, now);
    h.apply(now, actions);
    assert_eq!(h.group.state, GroupState::PreparingRebalance);
    assert_eq!(
        sync_error(&mut h, &b, None, 1, 101),
        ErrorCode::UNKNOWN_MEMBER_ID
    );
    assert_eq!(
        sync_error(&mut h, &a, Some("inst-x"), 1, 102),
        ErrorCode::UNKNOWN_MEMBER_ID
    );
    assert_eq!(
        sync_error(&mut h, &a, None, 0, 103),
        ErrorCode::ILLEGAL_GENERATION
    );
    assert_eq!(
        sync_error(&mut h, &a, None, 1, 104),
        ErrorCode::REBALANCE_IN_PROGRESS
    );

    // A static member's instance id held by another member is fenced, whatever the generation.
    let mut h = Harness::new();
    for (client, instance) in [(1, "inst-1"), (2, "inst-2")] {
        let mut req = h.request(client, "");
        req.group_instance_id = Some(instance.into());
        let actions = h
            .group
            .join(req, SimTime::ZERO, &mut |p: &str| format!("{p}-a"));
        h.apply(SimTime::ZERO, actions);
    }
    h.run_until(SimTime::from_ms(6_000));
    assert_eq!(h.group.state, GroupState::CompletingRebalance);
    assert_eq!(
        sync_error(&mut h, "inst-1-a", Some("inst-2"), 0, 105),
        ErrorCode::FENCED_INSTANCE_ID
    );
    assert_eq!(
        sync_error(&mut h, "inst-1-a", Some("inst-1"), 0, 106),
        ErrorCode::ILLEGAL_GENERATION
    );
}

/// Kafka: `GroupMetadataManager.classicGroupSyncToLeader`, the append callback with an error:
/// the parked SyncGroups get `COORDINATOR_NOT_AVAILABLE` (REQUEST_TIMED_OUT mapped by
/// `appendGroupMetadataErrorToResponseError`) with no assignment, and the group rebalances.
#[test]
fn a_failed_group_record_write_answers_the_parked_syncs_and_rebalances() {
    let (mut h, _, _) = synced_pair();
    let now = SimTime::from_ms(11_010);
    let actions = h.group.fail_sync(1, ErrorCode::REQUEST_TIMED_OUT, now);
    h.apply(now, actions);
    let syncs: Vec<_> = h
        .replies
        .iter()
        .filter_map(|(_, to, m)| match m {
            Message::SyncGroupResponse {
                error, assignment, ..
            } => Some((*to, *error, assignment.len())),
            _ => None,
        })
        .collect();
    assert_eq!(
        syncs,
        vec![
            (NodeId::Consumer(1), ErrorCode::COORDINATOR_NOT_AVAILABLE, 0),
            (NodeId::Consumer(2), ErrorCode::COORDINATOR_NOT_AVAILABLE, 0),
        ]
    );
    assert_eq!(h.group.state, GroupState::PreparingRebalance);
}
