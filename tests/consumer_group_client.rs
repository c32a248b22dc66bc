//! The consumer as a group member, against Kafka 4.0's `ConsumerCoordinator` and
//! `AbstractFetch`: commits while not STABLE fail locally, what auto-commit and `commitSync()`
//! send, when a failed auto-commit is retried, and one pending fetch per node.

use kafka_classroom::kafka::command::SeekTarget;
use kafka_classroom::kafka::consumer::MemberState;
use kafka_classroom::kafka::errors::ErrorCode;
use kafka_classroom::kafka::protocol::Message;
use kafka_classroom::kafka::{Cluster, Command, Event, NodeId};
use kafka_classroom::lesson::Lesson;
use kafka_classroom::sim::{Cause, SimTime, Step, World};

/// Run `lesson` to `until_ms`, calling `observe` after every step with the world as it is then.
fn run(
    lesson: &str,
    until_ms: u64,
    mut observe: impl FnMut(&Step<Cluster>, &World<Cluster>),
) -> World<Cluster> {
    let lesson = Lesson::parse(lesson).unwrap();
    let mut world = lesson.world(lesson.seed);
    let end = SimTime::from_ms(until_ms);
    while world.next_time().is_some_and(|t| t <= end) {
        let step = world.step().unwrap();
        observe(&step, &world);
    }
    world
}

/// Whether the step delivered a message of `api` from consumer `c` (or to it, for responses).
fn delivers(step: &Step<Cluster>, c: u32, api: &str) -> bool {
    match &step.cause {
        Cause::Deliver { from, to, msg, .. } => {
            msg.api_name() == api && (*from == NodeId::Consumer(c) || *to == NodeId::Consumer(c))
        }
        _ => false,
    }
}

fn commit_errors(step: &Step<Cluster>, c: u32) -> Vec<ErrorCode> {
    step.events
        .iter()
        .filter_map(|e| match e {
            Event::OffsetsCommitted {
                consumer, error, ..
            } if *consumer == c => Some(*error),
            _ => None,
        })
        .collect()
}

/// Group coop (cooperative-sticky): c1 processes fast and calls commitSync() after each batch,
/// c2 processes slowly. c3 joins at 4 s; c1 rejoins at once and keeps consuming its partitions
/// while c2, busy processing, rejoins only at its next poll().
const COOPERATIVE_SLOW_PEER: &str = r#"{
  "version": 1, "id": "coop", "title": "t", "seed": 3, "run_until_ms": 12000,
  "cluster": { "brokers": 1, "config": { "offsets.topic.num.partitions": 1, "group.initial.rebalance.delay.ms": 300 } },
  "topics": [ { "name": "t", "partitions": 4, "replication_factor": 1 } ],
  "producers": [ { "config": { "acks": "1", "linger.ms": 5 } } ],
  "consumers": [
    { "subscribe": ["t"], "config": { "group.id": "g", "auto.offset.reset": "earliest", "enable.auto.commit": false, "partition.assignment.strategy": "cooperative-sticky" },
      "app": { "processing_ms_per_record": 5, "commit": "sync_after_processing" } },
    { "subscribe": ["t"], "config": { "group.id": "g", "auto.offset.reset": "earliest", "enable.auto.commit": false, "partition.assignment.strategy": "cooperative-sticky" },
      "app": { "processing_ms_per_record": 400, "commit": "sync_after_processing" } },
    { "subscribe": ["t"], "config": { "group.id": "g", "auto.offset.reset": "earliest", "enable.auto.commit": false, "partition.assignment.strategy": "cooperative-sticky" },
      "start_at_ms": 4000 }
  ],
  "actions": [
    { "at_ms": 1000, "action": "set_produce_rate", "producer": "p1", "topic": "t", "records_per_second": 40,
      "keys": ["a", "b", "c", "d", "e", "f", "g", "h"], "total": 400 }
  ]
}"#;

#[test]
fn a_member_in_a_rebalance_fails_its_commit_locally_with_rebalance_in_progress() {
    // Kafka: sendOffsetCommitRequest uses generationIfStable(); when it is null and a
    // rebalance is in progress the commit fails with RebalanceInProgressException, unsent.
    let mut local_failures = 0;
    let mut sent_while_rebalancing = 0;
    run(COOPERATIVE_SLOW_PEER, 12_000, |step, world| {
        let c1 = &world.model().consumers[&1];
        let state = c1.group.as_ref().unwrap().state;
        let rebalancing = matches!(state, MemberState::Joining | MemberState::Syncing);
        let answered = delivers(step, 1, "OffsetCommitResponse");
        for error in commit_errors(step, 1) {
            if error == ErrorCode::REBALANCE_IN_PROGRESS && !answered {
                assert!(
                    rebalancing,
                    "failed locally only while rebalancing: {state:?}"
                );
                local_failures += 1;
            }
        }
        if rebalancing && step.time >= SimTime::from_ms(4_000) {
            let in_flight = c1.group.as_ref().unwrap().commits_in_flight.len();
            sent_while_rebalancing += in_flight;
        }
    });
    assert!(local_failures > 0, "c1 committed during the rebalance");
    assert_eq!(
        sent_while_rebalancing, 0,
        "no OffsetCommit is in flight while c1 is joining or syncing"
    );
}

#[test]
fn offset_commit_messages_carry_the_group_instance_id() {
    // Kafka's OffsetCommitRequest and SyncGroupRequest name the static member's instance.
    let lesson = COOPERATIVE_SLOW_PEER.replace(
        r#""group.id": "g", "auto.offset.reset": "earliest", "enable.auto.commit": false, "partition.assignment.strategy": "cooperative-sticky" },
      "app": { "processing_ms_per_record": 5"#,
        r#""group.id": "g", "group.instance.id": "i1", "auto.offset.reset": "earliest", "enable.auto.commit": false, "partition.assignment.strategy": "cooperative-sticky" },
      "app": { "processing_ms_per_record": 5"#,
    );
    let (mut commits, mut syncs) = (0, 0);
    run(&lesson, 6_000, |step, _| {
        if let Cause::Deliver {
            from: NodeId::Consumer(1),
            msg,
            ..
        } = &step.cause
        {
            match msg {
                Message::OffsetCommit {
                    group_instance_id, ..
                } => {
                    assert_eq!(group_instance_id.as_deref(), Some("i1"));
                    commits += 1;
                }
                Message::SyncGroup {
                    group_instance_id, ..
                } => {
                    assert_eq!(group_instance_id.as_deref(), Some("i1"));
                    syncs += 1;
                }
                _ => {}
            }
        }
    });
    assert!(commits > 0 && syncs > 0);
}

/// c1 auto-commits every 5 s to coordinator b1, whose `__consumer_offsets-0` follower b2 is
/// cut off from 6 s on: commits are appended but never replicated, so the coordinator answers
/// REQUEST_TIMED_OUT after `offsets.commit.timeout.ms` (1 s).
const STUCK_OFFSETS_FOLLOWER: &str = r#"{
  "version": 1, "id": "stuck", "title": "t", "seed": 5, "run_until_ms": 12000,
  "cluster": { "brokers": 2, "config": { "group.initial.rebalance.delay.ms": 300, "offsets.commit.timeout.ms": 1000 } },
  "topics": [
    { "name": "__consumer_offsets", "partitions": 1, "replication_factor": 2, "replica_assignment": [[1, 2]], "config": { "cleanup.policy": "compact" } },
    { "name": "t", "partitions": 1, "replication_factor": 1, "replica_assignment": [[1]] }
  ],
  "producers": [ { "config": { "acks": "1" } } ],
  "consumers": [
    { "subscribe": ["t"], "config": { "group.id": "g", "auto.offset.reset": "earliest" } }
  ],
  "actions": [
    { "at_ms": 1000, "action": "produce_many", "producer": "p1", "topic": "t", "count": 5, "value_prefix": "a" },
    { "at_ms": 6000, "action": "set_link", "a": "b1", "b": "b2", "latency_ms": [1, 3], "loss_percent": 100 },
    { "at_ms": 6500, "action": "produce_many", "producer": "p1", "topic": "t", "count": 5, "value_prefix": "b" }
  ]
}"#;

#[test]
fn a_failed_auto_commit_is_retried_after_retry_backoff_ms() {
    // Kafka's autoCommitOffsetsAsync: on a RetriableCommitFailedException the auto-commit
    // timer is reset to retry.backoff.ms (100), not to auto.commit.interval.ms.
    let mut failed_at = None;
    let mut next_send = None;
    let mut commits = 0;
    run(STUCK_OFFSETS_FOLLOWER, 12_000, |step, world| {
        let sent = world.model().consumers[&1].stats.commits;
        if sent > commits && failed_at.is_some() && next_send.is_none() {
            next_send = Some(step.time);
        }
        commits = sent;
        for error in commit_errors(step, 1) {
            if error.is_retriable() && failed_at.is_none() {
                failed_at = Some(step.time);
            }
        }
    });
    let failed_at = failed_at.expect("an auto-commit timed out");
    let next_send = next_send.expect("and was tried again");
    assert_eq!(
        next_send.since(failed_at).as_ms(),
        100,
        "failed at {failed_at:?}, next commit at {next_send:?}"
    );
}

/// One broker leads all four partitions of t; records arrive on all of them while c1 reads.
const ONE_LEADER_FOUR_PARTITIONS: &str = r#"{
  "version": 1, "id": "fetch", "title": "t", "seed": 9, "run_until_ms": 8000,
  "cluster": { "brokers": 1, "config": { "offsets.topic.num.partitions": 1, "group.initial.rebalance.delay.ms": 300 } },
  "topics": [ { "name": "t", "partitions": 4, "replication_factor": 1 } ],
  "producers": [ { "config": { "acks": "1", "linger.ms": 5 } } ],
  "consumers": [
    { "subscribe": ["t"], "config": { "group.id": "g", "auto.offset.reset": "earliest" },
      "app": { "processing_ms_per_record": 2 } }
  ],
  "actions": [
    { "at_ms": 1000, "action": "set_produce_rate", "producer": "p1", "topic": "t", "records_per_second": 200,
      "keys": ["a", "b", "c", "d", "e", "f", "g", "h"], "total": 1000 }
  ]
}"#;

#[test]
fn the_consumer_sends_no_fetch_to_a_node_with_one_pending() {
    // Kafka's AbstractFetch.prepareFetchRequests skips nodes in nodesWithPendingFetchRequests.
    let mut most_pending_to_one_node = 0;
    let world = run(ONE_LEADER_FOUR_PARTITIONS, 8_000, |_, world| {
        let c1 = &world.model().consumers[&1];
        let mut per_node = std::collections::BTreeMap::new();
        for (_, request) in c1.net.requests().filter(|(_, r)| r.api == "Fetch") {
            *per_node.entry(request.to).or_insert(0) += 1;
        }
        let most = per_node.values().copied().max().unwrap_or(0);
        most_pending_to_one_node = most_pending_to_one_node.max(most);
    });
    let c1 = &world.model().consumers[&1];
    assert!(c1.stats.fetches > 20, "c1 kept fetching");
    assert_eq!(c1.stats.records_processed, 1000, "and read everything");
    assert_eq!(most_pending_to_one_node, 1);
}

#[test]
fn a_fetch_answered_after_a_seek_is_discarded_as_stale() {
    // FetchCollector.handleInitializeSuccess discards data fetched from an offset that is no
    // longer the position; with fetches no longer excluded per partition this keeps a seek
    // back from being skipped over by records a pending fetch brings in.
    let lesson = ONE_LEADER_FOUR_PARTITIONS
        .replace(r#""partitions": 4"#, r#""partitions": 1"#)
        .replace(r#""total": 1000"#, r#""total": 20"#);
    let lesson = Lesson::parse(&lesson).unwrap();
    let mut world = lesson.world(lesson.seed);
    world.run_until(SimTime::from_ms(3_000), u64::MAX);
    let fetch_pending = |w: &World<Cluster>| {
        w.model().consumers[&1]
            .net
            .requests()
            .any(|(_, r)| r.api == "Fetch")
    };
    while !fetch_pending(&world) {
        world.step().unwrap();
    }
    let c1 = NodeId::Consumer(1);
    let p1 = NodeId::Producer(1);
    world
        .apply_command(Command::Seek {
            consumer: c1,
            partition: "t-0".into(),
            to: SeekTarget::Offset(0),
        })
        .unwrap();
    for i in 0..3 {
        world
            .apply_command(Command::Produce {
                producer: p1,
                topic: "t".into(),
                key: None,
                value: Some(format!("late-{i}")),
                partition: Some(0),
                timestamp: None,
                headers: Vec::new(),
            })
            .unwrap();
    }
    let mut polled = Vec::new();
    for step in world.run_until(SimTime::from_ms(6_000), u64::MAX) {
        for e in &step.events {
            if let Event::RecordsPolled {
                consumer: 1,
                records,
                ..
            } = e
            {
                polled.extend(records.iter().map(|(_, offset, _)| *offset));
            }
        }
    }
    assert_eq!(
        polled.first(),
        Some(&0),
        "re-read from the seek: {polled:?}"
    );
    assert_eq!(polled, (0..23).collect::<Vec<i64>>());
}

/// c1 reads five records at 1 s and then has nothing new to read.
const IDLE_AFTER_FIVE: &str = r#"{
  "version": 1, "id": "idle", "title": "t", "seed": 11, "run_until_ms": 30000,
  "cluster": { "brokers": 1, "config": { "offsets.topic.num.partitions": 1, "group.initial.rebalance.delay.ms": 300 } },
  "topics": [ { "name": "t", "partitions": 2, "replication_factor": 1 } ],
  "producers": [ { "config": { "acks": "1" } } ],
  "consumers": [
    { "subscribe": ["t"], "config": { "group.id": "g", "auto.offset.reset": "earliest" } }
  ],
  "actions": [
    { "at_ms": 1000, "action": "produce_many", "producer": "p1", "topic": "t", "count": 5, "keys": ["a", "b"], "value_prefix": "a" }
  ]
}"#;

/// When c1 sent each OffsetCommit, and what it covered.
fn commits_sent(lesson: &str, until_ms: u64) -> Vec<(SimTime, usize)> {
    let mut sent = Vec::new();
    let mut count = 0;
    run(lesson, until_ms, |step, world| {
        let c1 = &world.model().consumers[&1];
        if c1.stats.commits > count {
            count = c1.stats.commits;
            let group = c1.group.as_ref().unwrap();
            let last = group.commits_in_flight.values().last().unwrap();
            sent.push((step.time, last.offsets.len()));
        }
    });
    sent
}

#[test]
fn auto_commit_commits_every_position_each_interval_even_when_idle() {
    // Kafka's maybeAutoCommitOffsetsAsync commits subscriptions.allConsumed(): every partition
    // with a valid position, whether it moved since the last commit or not.
    let sent = commits_sent(IDLE_AFTER_FIVE, 30_000);
    let idle: Vec<_> = sent
        .iter()
        .filter(|(t, _)| *t >= SimTime::from_ms(8_000))
        .collect();
    assert!(idle.len() >= 4, "an OffsetCommit every 5 s: {sent:?}");
    for pair in idle.windows(2) {
        assert_eq!(pair[1].0.since(pair[0].0).as_ms(), 5_000, "{sent:?}");
    }
    assert!(
        idle.iter().all(|(_, n)| *n == 2),
        "both partitions each time"
    );
}

#[test]
fn commit_sync_without_arguments_commits_unchanged_positions() {
    // commitSync() commits subscriptions.allConsumed() too.
    let lesson = IDLE_AFTER_FIVE.replace(
        r#""auto.offset.reset": "earliest" }"#,
        r#""auto.offset.reset": "earliest", "enable.auto.commit": false },
      "app": { "commit": "sync_after_processing" }"#,
    );
    let lesson = Lesson::parse(&lesson).unwrap();
    let mut world = lesson.world(lesson.seed);
    world.run_until(SimTime::from_ms(10_000), u64::MAX);
    let before = world.model().consumers[&1].stats.commits;
    assert!(before > 0, "c1 committed after processing");
    world
        .apply_command(Command::CommitSync {
            consumer: NodeId::Consumer(1),
        })
        .unwrap();
    let after = world.model().consumers[&1].stats.commits;
    assert_eq!(
        after,
        before + 1,
        "the unchanged positions are committed again"
    );
}
