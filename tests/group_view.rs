//! The group panel's view model: the `kafka-consumer-groups.sh --describe` table and the
//! rebalance timeline, from real runs of the built-in lessons.

use kafka_classroom::lesson::builtin;
use kafka_classroom::present::group::{describe_text, group_view, PhaseKind};

#[test]
fn describe_prints_kafkas_columns_with_offsets_and_owners() {
    let lesson = builtin::load("queue-vs-pub-sub").unwrap();
    let world = lesson.run(lesson.seed, |_| {});
    let view = group_view(&world, "billing");
    assert_eq!(view.state, "Stable");
    assert_eq!(view.protocol, "range");
    assert_eq!(view.members.len(), 2);
    let text = describe_text(&view);
    let header: Vec<&str> = text.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "GROUP",
            "TOPIC",
            "PARTITION",
            "CURRENT-OFFSET",
            "LOG-END-OFFSET",
            "LAG",
            "CONSUMER-ID",
            "HOST",
            "CLIENT-ID"
        ]
    );
    assert_eq!(view.rows.len(), 2);
    for row in &view.rows {
        assert_eq!(row.current_offset, row.log_end_offset, "{row:?}");
        assert_eq!(row.lag, "0");
        assert!(row.consumer_id.starts_with("consumer-billing-"), "{row:?}");
        assert!(row.client_id.starts_with("consumer-billing-"));
    }
    assert_eq!(view.total_lag, 0);
    // Each partition has exactly one owner.
    let owners: Vec<u32> = view.rows.iter().filter_map(|r| r.owner).collect();
    assert_eq!(owners.len(), 2);
    assert_ne!(owners[0], owners[1]);
}

#[test]
fn the_timeline_shows_eager_members_stopping_and_cooperative_ones_not() {
    let lesson = builtin::load("eager-vs-cooperative").unwrap();
    let world = lesson.run(lesson.seed, |_| {});
    let eager = group_view(&world, "eager");
    let coop = group_view(&world, "coop");
    let stopped = |v: &kafka_classroom::present::group::GroupView, label: &str| {
        v.timelines
            .iter()
            .find(|t| t.label == label)
            .unwrap()
            .phases
            .iter()
            .any(|p| p.kind == PhaseKind::Stopped)
    };
    assert!(stopped(&eager, "c1"));
    assert!(!stopped(&coop, "c3"));
    assert!(coop
        .timelines
        .iter()
        .find(|t| t.label == "c3")
        .unwrap()
        .phases
        .iter()
        .any(|p| p.kind == PhaseKind::KeptConsuming));
    assert_eq!(coop.protocol, "cooperative-sticky");
    assert!(
        coop.generation >= 3,
        "a cooperative join takes a follow-up rebalance"
    );
}
