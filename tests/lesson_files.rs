//! Lesson files: every built-in lesson parses, and broken files give a precise error (a field
//! path and a reason), never a panic.

use kafka_classroom::lesson::{builtin, Lesson};

fn error_of(text: &str) -> String {
    match Lesson::parse(text) {
        Ok(_) => panic!("expected an error for {text}"),
        Err(e) => e.to_string(),
    }
}

const MINIMAL: &str = r#"{"version": 1, "id": "t", "title": "T", "cluster": {"brokers": 3},
  "topics": [{"name": "orders", "partitions": 3}], "producers": [{}]}"#;

#[test]
fn every_builtin_lesson_parses() {
    assert!(builtin::all().len() >= 2);
}

#[test]
fn a_minimal_lesson_parses_with_defaults() {
    let lesson = Lesson::parse(MINIMAL).unwrap();
    assert_eq!(lesson.spec.brokers, 3);
    assert_eq!(
        lesson.spec.producers[0].config.linger_ms, 5,
        "Kafka 4.0 default linger.ms"
    );
}

#[test]
fn unknown_fields_are_named_with_their_path() {
    let e = error_of(
        r#"{"version": 1, "id": "t", "title": "T", "cluster": {"brokers": 3, "brokres": 2}}"#,
    );
    assert!(
        e.starts_with("cluster.brokres: unknown field `brokres`, expected one of `brokers`"),
        "{e}"
    );
}

#[test]
fn wrong_types_are_named_with_their_path() {
    let e = error_of(r#"{"version": 1, "id": "t", "title": "T", "cluster": {"brokers": "three"}}"#);
    assert!(
        e.starts_with("cluster.brokers: invalid type: string \"three\""),
        "{e}"
    );
}

#[test]
fn bad_configs_use_kafkas_wording_and_the_config_path() {
    let text = MINIMAL.replace(
        r#""producers": [{}]"#,
        r#""producers": [{"config": {"linger.ms": "soon"}}]"#,
    );
    assert_eq!(error_of(&text), "producers[0].config.linger.ms: Invalid value soon for configuration linger.ms: Not a number of type LONG");
    let text = MINIMAL.replace(
        r#""producers": [{}]"#,
        r#""producers": [{"config": {"acks": "1", "enable.idempotence": true}}]"#,
    );
    assert!(
        error_of(&text).starts_with("producers[0].config: ConfigException: Must set acks to all")
    );
}

#[test]
fn impossible_clusters_are_refused() {
    let e = error_of(&MINIMAL.replace(
        r#""partitions": 3}"#,
        r#""partitions": 3, "replication_factor": 4}"#,
    ));
    assert!(
        e.contains("topics[0].replication_factor") && e.contains("only 3 broker(s)"),
        "{e}"
    );
    let e = error_of(&MINIMAL.replace(r#""brokers": 3"#, r#""brokers": 13"#));
    assert!(e.contains("between 1 and 12"), "{e}");
}

#[test]
fn actions_are_checked_against_the_cluster() {
    let with = |action: &str| {
        MINIMAL.replace(
            r#""producers": [{}]"#,
            &format!(r#""producers": [{{}}], "actions": [{action}]"#),
        )
    };
    let e = error_of(&with(r#"{"at_ms": 5, "action": "crash", "node": "b9"}"#));
    assert_eq!(
        e,
        "actions[0]: there is no node b9 in this lesson's cluster"
    );
    let e = error_of(&with(
        r#"{"at_ms": 5, "action": "produce", "producer": "p1", "topic": "nope", "value": "x"}"#,
    ));
    assert_eq!(e, "actions[0]: there is no topic \"nope\" in this lesson");
    let e = error_of(&with(r#"{"action": "heal"}"#));
    assert_eq!(e, "actions[0].at_ms: missing field `at_ms`");
    let e = error_of(&with(r#"{"at_ms": 1, "action": "explode"}"#));
    assert!(
        e.starts_with("actions[0].action: unknown variant `explode`, expected one of `produce`"),
        "{e}"
    );
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    for text in ["", "null", "[]", "{", "{\"version\": 2}", "\u{0}"] {
        assert!(Lesson::parse(text).is_err(), "{text:?}");
    }
    let e = error_of(r#"{"version": 2, "id": "t", "title": "T", "cluster": {"brokers": 1}}"#);
    assert_eq!(
        e,
        "version: unsupported lesson format version 2 (this app reads version 1)"
    );
}
