//! What moves on the stage: messages in flight become dots anchored on the replicas they are
//! about, a cut link is drawn while it is cut (what crosses it waits for the heal, as over TCP),
//! and messages the network dropped leave a cross for a moment. Played through a session as the browser does.

use kafka_classroom::kafka::{Command, NodeId};
use kafka_classroom::lesson::builtin;
use kafka_classroom::present::session::{Action, Session};
use kafka_classroom::present::share::LessonRef;
use kafka_classroom::present::stage::{cuts, dots, drops, stage_view, DotKind, StageOptions};

fn session(id: &str) -> Session {
    let lesson = builtin::load(id).unwrap();
    let seed = lesson.seed;
    Session::new(lesson, LessonRef::Builtin(id.into()), seed)
}

/// Step one at a time until `done` holds (or give up after `limit` steps).
fn step_until(s: &mut Session, limit: u32, mut done: impl FnMut(&Session) -> bool) -> bool {
    for _ in 0..limit {
        if done(s) {
            return true;
        }
        s.apply(Action::Step);
    }
    done(s)
}

#[test]
fn produce_requests_in_flight_are_dots_on_the_leader_replica() {
    let mut s = session("replication-playground");
    let found = step_until(&mut s, 20_000, |s| {
        dots(s.world())
            .iter()
            .any(|d| d.kind == DotKind::Produce && !d.response)
    });
    assert!(found, "a produce request should be in flight at some point");
    let moving = dots(s.world());
    let produce = moving
        .iter()
        .find(|d| d.kind == DotKind::Produce && !d.response)
        .unwrap();
    assert_eq!(produce.api, "Produce");
    assert!(produce.from[1].starts_with("n-p"), "{:?}", produce.from);
    // The broker end lands on a replica cell of the partition, falling back to the broker.
    assert!(produce.to[0].starts_with("r-"), "{:?}", produce.to);
    assert!(produce.to[1].starts_with("n-b"), "{:?}", produce.to);
    assert!(produce.progress <= 1000);
    assert_eq!(
        moving.len(),
        s.world().in_flight().count().min(moving.len())
    );
}

#[test]
fn an_isolated_broker_wears_a_badge_and_what_it_sends_waits_for_the_heal() {
    let mut s = session("replication-playground");
    step_until(&mut s, 20_000, |s| s.world().now().as_ms() >= 2_000);
    assert!(
        cuts(s.world()).is_empty(),
        "no link is cut before the fault"
    );
    s.apply(Action::Command(Command::Isolate {
        node: NodeId::broker(1),
    }));
    // An isolated broker wears a badge instead of a line to every other node.
    assert!(cuts(s.world()).is_empty(), "{:?}", cuts(s.world()));
    let view = stage_view(s.world(), &StageOptions::default());
    assert!(view.brokers.iter().any(|b| b.id == 1 && b.isolated));
    // Over TCP nothing is dropped: what crosses the cut waits, as unacknowledged bytes do.
    let b1 = NodeId::broker(1);
    let waiting = |s: &Session| {
        s.world()
            .held_messages()
            .filter(|((from, to), _)| *from == b1 || *to == b1)
            .map(|(_, held)| held.len())
            .sum::<usize>()
    };
    let held = step_until(&mut s, 20_000, |s| waiting(s) > 0);
    assert!(held, "something sent to or by the isolated broker waits");
    assert!(
        s.world()
            .held_messages()
            .all(|((from, to), _)| *from == b1 || *to == b1),
        "only links to or from the isolated broker hold messages"
    );
    assert!(drops(s.recent_steps()).is_empty(), "nothing was dropped");
    // The heal sends the backlog on: nothing waits any more.
    s.apply(Action::Command(Command::Heal));
    assert!(cuts(s.world()).is_empty(), "healing restores every link");
    assert_eq!(waiting(&s), 0, "the backlog left on heal");
}

#[test]
fn a_one_way_cut_between_two_brokers_is_one_dashed_line() {
    let mut s = session("replication-playground");
    step_until(&mut s, 20_000, |s| s.world().now().as_ms() >= 1_000);
    s.apply(Action::Command(Command::PartitionOneWay {
        from: vec![NodeId::broker(2)],
        to: vec![NodeId::broker(3)],
    }));
    let cut = cuts(s.world());
    assert_eq!(cut.len(), 1, "{cut:?}");
    assert_eq!((cut[0].from.as_str(), cut[0].to.as_str()), ("n-b2", "n-b3"));
    assert!(cut[0].one_way);
}
