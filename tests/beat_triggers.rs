//! Beat triggers, each against an independent reading of the same run: a trigger fires first at
//! exactly the step where what it waits for happens, never before, and a trigger for something
//! that never happens never fires.

use kafka_classroom::kafka::event::Event;
use kafka_classroom::kafka::{KafkaStep, KafkaWorld, NodeId};
use kafka_classroom::lesson::beats::Trigger;
use kafka_classroom::lesson::builtin;
use kafka_classroom::lesson::expect::RunObserver;
use kafka_classroom::sim::SimTime;

/// The index of the first step after which the trigger holds (`Some(0)`: before any step).
fn first_firing(lesson_id: &str, trigger: &str) -> Option<u64> {
    let trigger: Trigger = serde_json::from_str(trigger).expect("trigger parses");
    let lesson = builtin::load(lesson_id).unwrap();
    let mut world = lesson.world(lesson.seed);
    let mut observer = RunObserver::default();
    if trigger.fires(None, &world, &observer) {
        return Some(0);
    }
    let end = SimTime::from_ms(lesson.run_until_ms);
    while world.next_time().is_some_and(|t| t <= end) {
        let step = world.step().unwrap();
        observer.observe(&step);
        if trigger.fires(Some(&step), &world, &observer) {
            return Some(world.steps_taken());
        }
    }
    None
}

/// The same, read straight from the steps and the world by the test.
fn first_step(
    lesson_id: &str,
    mut holds: impl FnMut(&KafkaStep, &KafkaWorld) -> bool,
) -> Option<u64> {
    let lesson = builtin::load(lesson_id).unwrap();
    let mut world = lesson.world(lesson.seed);
    let end = SimTime::from_ms(lesson.run_until_ms);
    while world.next_time().is_some_and(|t| t <= end) {
        let step = world.step().unwrap();
        if holds(&step, &world) {
            return Some(world.steps_taken());
        }
    }
    None
}

fn any_event(step: &KafkaStep, f: impl Fn(&Event) -> bool) -> bool {
    step.events.iter().any(f)
}

#[test]
fn start_fires_before_any_step() {
    assert_eq!(first_firing("clean-election-waits", r#""start""#), Some(0));
}

#[test]
fn time_and_step_count_triggers_fire_when_reached() {
    let at = first_firing("clean-election-waits", r#"{"at_ms": 4900}"#);
    let want = first_step("clean-election-waits", |_, w| w.now().as_ms() >= 4900);
    assert_eq!(at, want);
    assert!(at.is_some());
    assert_eq!(
        first_firing("clean-election-waits", r#"{"after_step": 37}"#),
        Some(37)
    );
}

#[test]
fn a_crash_trigger_fires_at_the_crash_and_a_restart_at_the_restart() {
    let b1 = NodeId::broker(1);
    let stopped = first_firing("clean-election-waits", r#"{"stopped": "b1"}"#);
    let want = first_step("clean-election-waits", |s, _| {
        any_event(
            s,
            |e| matches!(e, Event::ProcessStopped { node, .. } if *node == b1),
        )
    });
    assert_eq!(stopped, want);
    assert!(stopped.is_some());
    let started = first_firing("clean-election-waits", r#"{"started": "b1"}"#);
    assert!(started > stopped, "{started:?} after {stopped:?}");
}

#[test]
fn a_fence_trigger_waits_for_the_controller() {
    let fenced = first_firing("acks-all-needs-min-isr", r#"{"fenced": "b3"}"#);
    let want = first_step("acks-all-needs-min-isr", |s, _| {
        any_event(
            s,
            |e| matches!(e, Event::BrokerFenced { broker, .. } if broker.0 == 3),
        )
    });
    assert_eq!(fenced, want);
    assert!(fenced.is_some());
    // b3 stopped well before the controller noticed: the session timeout passed in between.
    let stopped = first_firing("acks-all-needs-min-isr", r#"{"stopped": "b3"}"#);
    assert!(stopped < fenced);
}

#[test]
fn a_high_watermark_trigger_fires_on_the_leader_reaching_it() {
    let fired = first_firing(
        "acks-1-loses-a-write",
        r#"{"high_watermark": {"partition": "t-0", "at_least": 1}}"#,
    );
    let want = first_step("acks-1-loses-a-write", |s, _| {
        any_event(s, |e| {
            matches!(e, Event::HighWatermarkAdvanced { partition, to, .. }
                if partition.to_string() == "t-0" && *to >= 1)
        })
    });
    assert_eq!(fired, want);
    assert!(fired.is_some());
    // No partition of this lesson ever holds a thousand records.
    assert_eq!(
        first_firing(
            "acks-1-loses-a-write",
            r#"{"high_watermark": {"partition": "t-0", "at_least": 1000}}"#
        ),
        None
    );
}

#[test]
fn a_leader_election_trigger_can_name_the_winner() {
    let any = first_firing(
        "clean-election-waits",
        r#"{"leader_elected": {"partition": "t-0"}}"#,
    );
    let b2 = first_firing(
        "clean-election-waits",
        r#"{"leader_elected": {"partition": "t-0", "broker": "b2"}}"#,
    );
    let want_b2 = first_step("clean-election-waits", |s, _| {
        any_event(s, |e| {
            matches!(e, Event::LeaderElected { partition, leader: Some(l), .. }
                if partition.to_string() == "t-0" && l.0 == 2)
        })
    });
    assert_eq!(b2, want_b2);
    assert!(any.is_some() && any <= b2);
}

#[test]
fn isr_and_truncation_triggers_follow_the_replicas() {
    let shrinks = first_firing("acks-1-loses-a-write", r#"{"isr_shrinks": "t-0"}"#);
    let want = first_step("acks-1-loses-a-write", |s, _| {
        any_event(s, |e| {
            matches!(e, Event::IsrChanged { partition, from, to, .. }
                if partition.to_string() == "t-0" && to.len() < from.len())
        })
    });
    assert_eq!(shrinks, want);
    let truncated = first_firing("acks-1-loses-a-write", r#"{"truncated": "t-0"}"#);
    assert!(truncated.is_some());
    let grows = first_firing("acks-1-loses-a-write", r#"{"isr_grows": "t-0"}"#);
    assert!(
        shrinks < truncated && truncated < grows,
        "{shrinks:?} {truncated:?} {grows:?}"
    );
}

#[test]
fn a_lost_record_trigger_fires_when_the_history_shows_the_loss() {
    let fired = first_firing("acks-1-loses-a-write", r#""record_lost""#);
    assert!(fired.is_some(), "acks-1-loses-a-write loses a write");
    // Independently: b1 held the only copy of m1 when it crashed. That alone loses nothing (b1
    // may come back); the write is gone when b2 is elected without it.
    let crash = first_step("acks-1-loses-a-write", |s, _| {
        any_event(
            s,
            |e| matches!(e, Event::ProcessStopped { node, .. } if *node == NodeId::broker(1)),
        )
    });
    let elected = first_step("acks-1-loses-a-write", |s, _| {
        any_event(s, |e| {
            matches!(e, Event::LeaderElected { partition, leader: Some(l), .. }
                if partition.to_string() == "t-0" && l.0 == 2)
        })
    });
    assert!(crash < elected);
    assert_eq!(fired, elected);
    // A clean election waits for an in-sync replica: nothing is lost.
    assert_eq!(
        first_firing("clean-election-waits", r#""record_lost""#),
        None
    );
}

#[test]
fn group_triggers_follow_the_coordinator() {
    let stable = first_firing(
        "eager-vs-cooperative",
        r#"{"group_state": {"group": "coop", "state": "Stable"}}"#,
    );
    let want = first_step("eager-vs-cooperative", |s, _| {
        any_event(s, |e| {
            matches!(e, Event::GroupStateChanged { group, to, .. }
                if group == "coop" && *to == "Stable")
        })
    });
    assert_eq!(stable, want);
    assert!(stable.is_some());
    let rebalance = first_firing("eager-vs-cooperative", r#"{"rebalance": "eager"}"#);
    assert!(rebalance.is_some());
    assert_eq!(
        first_firing("eager-vs-cooperative", r#"{"rebalance": "no-such-group"}"#),
        None
    );
}

#[test]
fn producer_triggers_count_acknowledgements_and_name_batch_reasons() {
    let acked = first_firing(
        "clean-election-waits",
        r#"{"acked": {"producer": "p1", "at_least": 2}}"#,
    );
    let want = first_step("clean-election-waits", |_, w| {
        w.model()
            .producers
            .get(&1)
            .is_some_and(|p| p.stats.records_acked >= 2)
    });
    assert_eq!(acked, want);
    assert!(acked.is_some());
    let flush = first_firing(
        "batching-step-by-step",
        r#"{"batch_sent": {"producer": "p1", "reason": "flush"}}"#,
    );
    assert!(flush.is_some());
    let linger = first_firing(
        "batching-step-by-step",
        r#"{"batch_sent": {"producer": "p1", "reason": "linger"}}"#,
    );
    assert!(linger.is_some() && linger < flush, "{linger:?} {flush:?}");
}
