//! Console lines as lesson actions (`{"action": "console", "line": ...}`): typed at their time
//! in the session (transcript, commands as steps), again after a rewind and from a shared
//! link, natively with a host (`kafka-classroom run`), skipped by host-less engine runs; bad
//! actions are refused at load time with their path.

use kafka_classroom::lesson::{builtin, Lesson};
use kafka_classroom::present::console::lesson_host::Transcript;
use kafka_classroom::present::session::{Action, Session};
use kafka_classroom::present::share::LessonRef;

const LESSON: &str = r#"{"version": 1, "id": "console-actions", "title": "Console actions",
  "run_until_ms": 3000, "cluster": {"brokers": 3},
  "topics": [{"name": "orders", "partitions": 2, "replication_factor": 3}], "producers": [{}],
  "actions": [
    {"at_ms": 100, "action": "produce", "producer": "p1", "topic": "orders", "partition": 0, "value": "a"},
    {"at_ms": 400, "action": "console", "line": "kafka-topics.sh --bootstrap-server b1:9092 --create --topic audit --partitions 3 --replication-factor 2"},
    {"at_ms": 1500, "action": "console", "line": "kafka-topics.sh --bootstrap-server b1:9092 --list"},
    {"at_ms": 1500, "action": "console", "line": "kafka-get-offsets.sh --bootstrap-server b1:9092 --topic orders"},
    {"at_ms": 2000, "action": "console", "line": "kafka-nope.sh --list"}
  ],
  "beats": [
    {"when": {"typed": "kafka-get-offsets.sh --topic orders"}, "caption": "Each partition has its own end offset.", "pause": false},
    {"when": {"typed": "kafka-consumer-groups.sh --list"}, "caption": "Your turn: you listed the groups."}
  ]}"#;

fn session() -> Session {
    let lesson = Lesson::parse(LESSON).unwrap();
    Session::new(lesson, LessonRef::Custom(LESSON.to_string()), 7)
}

fn transcript(s: &Session) -> Vec<String> {
    s.console_entries().flat_map(|e| e.transcript()).collect()
}

const EXPECTED: &[&str] = &[
    "$ kafka-topics.sh --bootstrap-server b1:9092 --create --topic audit --partitions 3 --replication-factor 2",
    "Created topic audit.",
    "$ kafka-topics.sh --bootstrap-server b1:9092 --list",
    "audit",
    "orders",
    "$ kafka-get-offsets.sh --bootstrap-server b1:9092 --topic orders",
    "orders:0:1",
    "orders:1:0",
    "$ kafka-nope.sh --list",
    "bash: kafka-nope.sh: command not found",
];

#[test]
fn a_lessons_console_lines_run_at_their_time_in_the_session() {
    let mut s = session();
    s.apply(Action::RunToEnd);
    assert_eq!(transcript(&s), EXPECTED);
    let create = s.console_entries().next().unwrap();
    assert_eq!(create.at.as_ms(), 400, "typed at its at_ms");
    assert_eq!(create.lesson_action, Some(0));
    assert!(
        s.commands().is_empty(),
        "the lesson's lines are not the class's commands"
    );
    let topics = &s.world().model().active_controller().unwrap().image.topics;
    assert_eq!(topics["audit"].partitions.len(), 3, "the create ran");
}

#[test]
fn rewinding_and_a_shared_link_type_the_lines_again_with_the_same_run() {
    let mut s = session();
    s.apply(Action::RunToEnd);
    let end = s.world().steps_taken();
    let fingerprint = s.world().fingerprint();
    s.apply(Action::SeekTo(3));
    assert!(transcript(&s).is_empty(), "nothing typed yet at step 3");
    s.apply(Action::SeekTo(end));
    assert_eq!(transcript(&s), EXPECTED, "no line twice, none lost");
    assert_eq!(s.world().fingerprint(), fingerprint);
    // Every step is reachable, including the ones the create takes.
    for step in (0..end).rev().step_by(7) {
        s.apply(Action::SeekTo(step));
        assert_eq!(s.world().steps_taken(), step);
    }
    s.apply(Action::SeekTo(end));
    let mut other = session();
    other.apply(Action::LoadShared(s.share_fragment()));
    assert_eq!(other.world().steps_taken(), end);
    assert_eq!(other.world().fingerprint(), fingerprint);
    assert_eq!(transcript(&other), EXPECTED);
}

#[test]
fn a_click_between_lines_keeps_the_lesson_lines_on_replay() {
    let mut s = session();
    for _ in 0..40 {
        s.apply(Action::Step);
    }
    s.apply(Action::Command(kafka_classroom::kafka::Command::Crash {
        node: kafka_classroom::kafka::NodeId::Broker(kafka_classroom::kafka::BrokerId(3)),
    }));
    s.apply(Action::RunToEnd);
    let fingerprint = s.world().fingerprint();
    let end = s.world().steps_taken();
    let mut other = session();
    other.apply(Action::LoadShared(s.share_fragment()));
    other.apply(Action::SeekTo(end));
    assert_eq!(other.world().fingerprint(), fingerprint);
    assert_eq!(transcript(&other).len(), transcript(&s).len());
}

#[test]
fn a_native_run_with_a_console_host_types_the_same_lines() {
    let lesson = Lesson::parse(LESSON).unwrap();
    let mut host = Transcript::default();
    let world = lesson.run_with_console(7, &mut host, |_| {});
    let lines: Vec<String> = host.lines.iter().map(|l| l.text.clone()).collect();
    assert_eq!(lines, EXPECTED);
    let topics = &world.model().active_controller().unwrap().image.topics;
    assert!(topics.contains_key("audit"));
    // Without a host the lines are skipped, so the topic never exists.
    let bare = lesson.run(7, |_| {});
    let topics = &bare.model().active_controller().unwrap().image.topics;
    assert!(!topics.contains_key("audit"));
}

#[test]
fn kafka_classroom_console_prints_the_lessons_lines_as_time_passes() {
    let mut s = session();
    let out: Vec<String> = s
        .console_input("sleep 1")
        .into_iter()
        .map(|l| l.text)
        .collect();
    assert_eq!(out, ["$ sleep 1", EXPECTED[0], EXPECTED[1]]);
}

#[test]
fn builtin_console_lines_only_read_so_engine_runs_match_the_session() {
    for lesson in builtin::all() {
        let id = lesson.id.clone();
        if lesson.console.is_empty() {
            continue;
        }
        let mut host = Transcript::default();
        let hosted = lesson.run_with_console(lesson.seed, &mut host, |_| {});
        let bare = lesson.run(lesson.seed, |_| {});
        assert_eq!(hosted.fingerprint(), bare.fingerprint(), "{id}");
        let mut s = Session::new(lesson.clone(), LessonRef::Builtin(id.clone()), lesson.seed);
        s.apply(Action::RunToEnd);
        assert_eq!(s.world().fingerprint(), bare.fingerprint(), "{id}");
        assert_eq!(s.console_entries().count(), lesson.console.len(), "{id}");
    }
    let lesson = builtin::load("offsets-per-partition").unwrap();
    let mut s = Session::new(
        lesson,
        LessonRef::Builtin("offsets-per-partition".into()),
        11,
    );
    s.apply(Action::RunToEnd);
    let lines: Vec<String> = transcript(&s);
    assert_eq!(
        lines,
        [
            "$ kafka-get-offsets.sh --bootstrap-server b1:9092 --topic events",
            "events:0:3",
            "events:1:3"
        ]
    );
}

fn error_of(action: &str) -> String {
    let text = format!(
        r#"{{"version": 1, "id": "t", "title": "T", "cluster": {{"brokers": 1}}, "actions": [{action}]}}"#
    );
    match Lesson::parse(&text) {
        Ok(_) => panic!("expected an error for {action}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn malformed_console_actions_are_refused_with_their_path() {
    let cases = [
        (r#"{"at_ms": 1, "action": "console"}"#, "actions[0].line: missing field `line`"),
        (r#"{"at_ms": 1, "action": "console", "line": 5}"#, "actions[0].line: expected a string, got 5"),
        (r#"{"at_ms": 1, "action": "console", "line": "  "}"#, "actions[0].line: a console action types a command: the line must not be empty"),
        (r#"{"at_ms": 1, "action": "console", "line": "a\nb"}"#, "actions[0].line: one console action types one line: use one action per command"),
        (r#"{"at_ms": 1, "action": "console", "line": "sleep 3"}"#, "actions[0].line: `sleep` is not needed in a lesson: each console action runs at its own at_ms"),
        (r#"{"at_ms": 1, "action": "console", "line": "echo", "lines": "x"}"#, "actions[0].lines: a console action has only at_ms, action and line; `lines` is not one of them"),
        (r#"{"action": "console", "line": "echo"}"#, "actions[0].at_ms: missing field `at_ms`"),
    ];
    for (action, expected) in cases {
        assert_eq!(error_of(action), expected, "{action}");
    }
    let long = format!(
        r#"{{"at_ms": 1, "action": "console", "line": "{}"}}"#,
        "x".repeat(10_001)
    );
    assert!(error_of(&long).contains("10001 bytes; the console takes at most 10000"));
}

#[test]
fn a_beat_waits_for_a_console_line_typed_by_the_lesson_or_the_class() {
    let mut s = session();
    let beat = |s: &Session| s.guide().current().map(|c| c.index);
    for _ in 0..5 {
        s.apply(Action::Step);
    }
    assert_eq!(beat(&s), None, "nothing typed yet");
    s.apply(Action::RunToEnd);
    assert_eq!(beat(&s), Some(0), "the lesson's get-offsets line fired it");
    s.apply(Action::Continue);
    s.apply(Action::Console(
        "kafka-consumer-groups.sh --bootstrap-server b1:9092 --list".into(),
    ));
    assert_eq!(
        beat(&s),
        Some(1),
        "the class typed the line the beat waits for"
    );
    let bad = LESSON.replace(
        r#"{"typed": "kafka-consumer-groups.sh --list"}"#,
        r#"{"typed": " "}"#,
    );
    let e = Lesson::parse(&bad).unwrap_err().to_string();
    assert_eq!(e, "beats[1].when: must not be empty");
}

#[test]
fn after_a_rewind_the_lesson_line_shows_once_and_a_typed_tool_prints_into_its_own_entry() {
    let id = "offsets-per-partition";
    let lesson = builtin::load(id).unwrap();
    let mut s = Session::new(lesson, LessonRef::Builtin(id.into()), 11);
    let lesson_entries = |s: &Session| {
        s.console_entries()
            .filter(|e| e.lesson_action.is_some())
            .count()
    };
    let until_typed = |s: &mut Session| {
        for _ in 0..2000 {
            if lesson_entries(s) > 0 {
                return;
            }
            s.apply(Action::Continue);
            s.apply(Action::Answer(0));
            s.apply(Action::Step);
        }
        panic!("the lesson never typed its line");
    };
    until_typed(&mut s);
    let typed_at = s.world().steps_taken();
    for _ in 0..30 {
        s.apply(Action::Step);
    }
    s.apply(Action::SeekTo(typed_at - 1));
    assert_eq!(lesson_entries(&s), 0, "hidden until the step after it ran");
    until_typed(&mut s);
    assert_eq!(s.world().steps_taken(), typed_at);
    s.apply(Action::Console(
        "kafka-consumer-perf-test.sh --bootstrap-server b1:9092 --topic events --messages 6 --group perf".into(),
    ));
    for _ in 0..6000 {
        if s.console_running().is_none() {
            break;
        }
        s.apply(Action::Step);
    }
    let entries: Vec<_> = s.console_entries().cloned().collect();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].lesson_action, Some(0));
    assert_eq!(entries[0].output.len(), 2, "{:?}", entries[0].output);
    let summary = &entries[1].output.last().unwrap().text;
    assert!(summary.contains(", 6, "), "{summary}");
}

#[test]
fn a_replay_outside_the_session_takes_the_same_steps_as_the_session() {
    let mut s = session();
    for _ in 0..60 {
        s.apply(Action::Step);
    }
    s.apply(Action::Command(kafka_classroom::kafka::Command::Crash {
        node: kafka_classroom::kafka::NodeId::Broker(kafka_classroom::kafka::BrokerId(2)),
    }));
    s.apply(Action::RunToEnd);
    let end = s.world().steps_taken();
    let world = kafka_classroom::present::session::replay_steps(
        s.lesson(),
        s.seed(),
        s.commands(),
        end,
        |_| {},
    );
    assert_eq!(world.steps_taken(), end);
    assert_eq!(world.fingerprint(), s.world().fingerprint());
}
