//! The space-time diagram's data: lanes for every node, an arrow per delivered message from its
//! send to its arrival (the engine's own times), fault marks where processes stopped, filters by
//! node, partition and API, and a window that stays bounded at classroom scale.

use kafka_classroom::kafka::{Command, NodeId, TopicPartition};
use kafka_classroom::lesson::builtin;
use kafka_classroom::present::spacetime::{
    lane_height, space_time, Filter, MAX_ARROWS, TOP, WIDTH,
};
use kafka_classroom::present::stage::DotKind;
use kafka_classroom::sim::{Cause, SimTime};

fn run(
    id: &str,
    until_ms: u64,
    crash: Option<(u64, &str)>,
) -> (
    Vec<kafka_classroom::kafka::KafkaStep>,
    kafka_classroom::kafka::KafkaWorld,
) {
    let lesson = builtin::load(id).unwrap();
    let mut world = lesson.world(lesson.seed);
    if let Some((at, node)) = crash {
        world.schedule_command(
            SimTime::from_ms(at),
            Command::Crash {
                node: NodeId::parse(node).unwrap(),
            },
        );
    }
    let mut steps = Vec::new();
    while world
        .next_time()
        .is_some_and(|t| t <= SimTime::from_ms(until_ms))
    {
        steps.push(world.step().unwrap());
    }
    (steps, world)
}

#[test]
fn every_node_has_a_lane_and_every_delivery_in_the_window_an_arrow() {
    let (steps, world) = run("acks-1-loses-a-write", 3000, None);
    let d = space_time(steps.iter(), &world, &Filter::default());
    let names: Vec<String> = d.lanes.iter().map(|l| l.label.clone()).collect();
    assert_eq!(names, ["ctl1", "b1", "b2", "b3", "p1"]);
    for (i, lane) in d.lanes.iter().enumerate() {
        assert_eq!(lane.y, TOP + 12 + i as u32 * 24);
        assert_eq!(lane_height(d.lanes.len()), 24);
    }
    let deliveries: Vec<u64> = steps
        .iter()
        .filter(|s| s.time.as_micros() + 4_000_000 >= world.now().as_micros())
        .filter(|s| matches!(s.cause, Cause::Deliver { .. }))
        .map(|s| s.index)
        .collect();
    let arrows: Vec<u64> = d.arrows.iter().filter_map(|a| a.step).collect();
    assert_eq!(arrows, deliveries);
    for a in &d.arrows {
        assert!(a.x1 <= a.x2 && a.x2 <= WIDTH, "{a:?}");
    }
    let produce = d
        .arrows
        .iter()
        .find(|a| a.label.starts_with("Produce p1→b1 (t-0)"))
        .unwrap();
    assert_eq!(produce.kind, DotKind::Produce);
    assert!(produce.label.contains("sent 0.1"), "{}", produce.label);
}

#[test]
fn filters_keep_one_node_one_partition_or_one_api() {
    let (steps, world) = run("classroom-scale", 3000, None);
    let all = space_time(steps.iter(), &world, &Filter::default());
    let b1 = NodeId::parse("b1").unwrap();
    let by_node = space_time(
        steps.iter(),
        &world,
        &Filter {
            node: Some(b1),
            ..Filter::default()
        },
    );
    assert!(
        !by_node.arrows.is_empty() && by_node.arrows.len() < all.arrows.len() + all.hidden as usize
    );
    assert!(by_node
        .arrows
        .iter()
        .all(|a| a.label.contains("b1→") || a.label.contains("→b1")));
    let tp = TopicPartition::parse("orders-0").unwrap();
    let by_partition = space_time(
        steps.iter(),
        &world,
        &Filter {
            partition: Some(tp),
            ..Filter::default()
        },
    );
    assert!(
        by_partition
            .arrows
            .iter()
            .all(|a| a.label.contains("orders-0")),
        "{:?}",
        by_partition.arrows.first()
    );
    let produce = space_time(
        steps.iter(),
        &world,
        &Filter {
            kind: Some(DotKind::Produce),
            ..Filter::default()
        },
    );
    assert!(
        !produce.arrows.is_empty() && produce.arrows.iter().all(|a| a.kind == DotKind::Produce)
    );
}

#[test]
fn classroom_scale_stays_bounded_and_names_what_it_leaves_out() {
    let (steps, world) = run("classroom-scale", 5000, None);
    let d = space_time(steps.iter(), &world, &Filter::default());
    assert_eq!(d.lanes.len(), world.model().nodes().len());
    assert!(d.arrows.len() <= MAX_ARROWS);
    assert!(d.ticks.len() >= 2, "{:?}", d.ticks);
    // Eighteen lanes share one panel's height, each still tall enough for its label.
    assert_eq!(lane_height(d.lanes.len()), 20);
    assert!(d.height <= 400, "{}", d.height);
}

#[test]
fn a_crash_is_marked_on_its_lane_with_its_step() {
    let (steps, world) = run("acks-1-loses-a-write", 3000, Some((2500, "b2")));
    let d = space_time(steps.iter(), &world, &Filter::default());
    let crash_step = steps
        .iter()
        .find(|s| matches!(&s.cause, Cause::Command(Command::Crash { node }) if node.to_string() == "b2"))
        .unwrap()
        .index;
    let mark = d
        .marks
        .iter()
        .find(|m| m.label.starts_with("b2 crashed"))
        .unwrap();
    assert_eq!(mark.step, crash_step);
    assert_eq!(mark.y, d.lanes.iter().find(|l| l.label == "b2").unwrap().y);
    assert!(d.lanes.iter().find(|l| l.label == "b2").unwrap().down);
}
