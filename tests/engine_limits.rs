//! What a lesson can make the engine do: sizes that would blow up its work or memory are
//! refused with a message naming the field, and the largest lesson the limits allow still runs
//! a simulated second in bounded steps (no hang, no panic).

use kafka_classroom::kafka::spec::{MAX_BROKERS, MAX_PARTITIONS};
use kafka_classroom::lesson::Lesson;
use kafka_classroom::present::session::{Action, Session};
use kafka_classroom::present::share::LessonRef;
use kafka_classroom::sim::SimTime;

fn lesson(cluster: &str, topics: &str, extra: &str) -> String {
    format!(
        r#"{{"version": 1, "id": "h", "title": "Hostile", "cluster": {cluster},
           "topics": {topics}, "producers": [{{}}] {extra}}}"#
    )
}

fn error_of(text: &str) -> String {
    match Lesson::parse(text) {
        Ok(_) => panic!("expected a refusal"),
        Err(e) => e.to_string(),
    }
}

fn topics(count: usize, partitions: i32, replication: u32) -> String {
    let one = |i| {
        format!(
            r#"{{"name": "t{i}", "partitions": {partitions}, "replication_factor": {replication}}}"#
        )
    };
    format!("[{}]", (0..count).map(one).collect::<Vec<_>>().join(","))
}

#[test]
fn hostile_sizes_are_refused_with_the_field_named() {
    let cases = [
        (
            lesson(r#"{"brokers": 100000}"#, &topics(1, 1, 1), ""),
            "cluster.brokers",
        ),
        (
            lesson(r#"{"brokers": 3}"#, &topics(1, 1_000_000, 1), ""),
            "topics[0].partitions",
        ),
        (
            lesson(r#"{"brokers": 3}"#, &topics(1, 1, 4), ""),
            "topics[0].replication_factor",
        ),
        (lesson(r#"{"brokers": 3}"#, &topics(17, 1, 1), ""), "topics"),
        (
            lesson(r#"{"brokers": 12}"#, &topics(16, 64, 12), ""),
            "topics (partitions x replication_factor)",
        ),
        (
            lesson(
                r#"{"brokers": 3}"#,
                &topics(1, 1, 1),
                r#", "run_until_ms": 18446744073709551615"#,
            ),
            "run_until_ms",
        ),
        (
            lesson(
                r#"{"brokers": 3}"#,
                &topics(1, 1, 1),
                &format!(
                    r#", "consumers": [{}]"#,
                    vec![r#"{"assign": ["t0-0"]}"#; 13].join(",")
                ),
            ),
            "consumers",
        ),
        (
            lesson(
                r#"{"brokers": 3}"#,
                &topics(1, 1, 1),
                &format!(
                    r#", "actions": [{}]"#,
                    vec![r#"{"at_ms": 1, "action": "heal"}"#; 10_001].join(",")
                ),
            ),
            "actions",
        ),
    ];
    for (text, field) in cases {
        let e = error_of(&text);
        assert!(
            e.starts_with(&format!("{field}:")),
            "expected {field} named: {e}"
        );
    }
    let producers = format!(
        r#"{{"version": 1, "id": "h", "title": "H", "cluster": {{"brokers": 1}},
           "topics": {}, "producers": [{}]}}"#,
        topics(1, 1, 1),
        ["{}"; 9].join(",")
    );
    assert!(
        error_of(&producers).starts_with("producers:"),
        "{}",
        error_of(&producers)
    );
}

#[test]
fn hostile_command_values_are_refused_not_run() {
    let actions = [
        r#"{"at_ms": 1, "action": "set_produce_rate", "producer": "p1", "topic": "t0", "records_per_second": 4000000000}"#,
        r#"{"at_ms": 1, "action": "produce_many", "producer": "p1", "topic": "t0", "count": 18446744073709551615}"#,
        r#"{"at_ms": 1, "action": "pause", "node": "b1", "ms": 18446744073709551615}"#,
    ];
    for action in actions {
        let text = lesson(
            r#"{"brokers": 1}"#,
            &topics(1, 1, 1),
            &format!(r#", "actions": [{action}]"#),
        );
        // Refused when the file is read, or when the action runs: a message either way.
        let lesson = match Lesson::parse(&text) {
            Ok(lesson) => lesson,
            Err(e) => {
                assert!(e.to_string().starts_with("actions[0]"), "{action}: {e}");
                continue;
            }
        };
        let mut world = lesson.world(lesson.seed);
        let steps = world.run_until(SimTime::from_ms(1_000), 1_000_000);
        let refusal = steps
            .iter()
            .find_map(|s| s.rejected.as_ref())
            .unwrap_or_else(|| panic!("{action} ran"));
        let message = refusal.to_string();
        let names_the_limit = message.contains("at most") || message.contains("between");
        assert!(names_the_limit, "{action}: {message}");
    }
}

#[test]
fn the_largest_allowed_lesson_runs_in_bounded_steps() {
    // The limits' corner: most brokers, the most replicas, busy producers and consumers.
    let partitions = MAX_PARTITIONS;
    let replication = 1_024 / (partitions as u32 * 2);
    assert!(replication as i64 <= i64::from(MAX_BROKERS));
    let consumers = [r#"{"config": {"group.id": "g"}, "subscribe": ["t0", "t1"]}"#; 12].join(",");
    let actions = (1..=8)
        .map(|p| format!(r#"{{"at_ms": 10, "action": "set_produce_rate", "producer": "p{p}", "topic": "t{}", "records_per_second": 100000}}"#, p % 2))
        .collect::<Vec<_>>()
        .join(",");
    let text = format!(
        r#"{{"version": 1, "id": "big", "title": "Big", "cluster": {{"brokers": {MAX_BROKERS}}},
           "topics": {}, "producers": [{}], "consumers": [{consumers}], "actions": [{actions}]}}"#,
        topics(2, partitions, replication),
        ["{}"; 8].join(",")
    );
    let lesson = match Lesson::parse(&text) {
        Ok(l) => l,
        Err(e) => panic!("the largest allowed lesson parses: {e}"),
    };
    let mut s = Session::new(lesson, LessonRef::Custom(text.clone()), 1);
    s.apply(Action::Play);
    // One play tick takes at most its step budget, however busy the cluster is.
    for _ in 0..20 {
        let before = s.world().steps_taken();
        s.apply(Action::Tick {
            wall_ms: 100,
            max_steps: 0,
        });
        let taken = s.world().steps_taken() - before;
        assert!(taken <= u64::from(kafka_classroom::present::session::MAX_STEPS_PER_TICK));
    }
    assert!(s.world().now() > SimTime::ZERO, "time moves");
}
