//! Same recording, same run: fingerprints of two runs of every built-in lesson match, and a run
//! interrupted by user commands replays exactly from its recording.

use kafka_classroom::kafka::{Command, NodeId};
use kafka_classroom::lesson::builtin;
use kafka_classroom::sim::{RecordedCommand, SimTime};

fn run_to_end(id: &str, seed: u64) -> (u64, String) {
    let lesson = builtin::load(id).unwrap();
    let mut world = lesson.world(seed);
    let end = SimTime::from_ms(lesson.run_until_ms);
    let mut last = String::new();
    while world.next_time().is_some_and(|t| t <= end) {
        let step = world.step().unwrap();
        last = kafka_classroom::present::narrate::narrate(&step);
    }
    (world.fingerprint().value(), last)
}

#[test]
fn every_builtin_lesson_runs_identically_twice() {
    for (id, _) in builtin::BUILTIN {
        let a = run_to_end(id, 42);
        let b = run_to_end(id, 42);
        assert_eq!(a, b, "lesson {id} seed=42 diverged");
    }
}

#[test]
fn different_seeds_give_different_runs() {
    let (a, _) = run_to_end("keys-pick-partitions", 1);
    let (b, _) = run_to_end("keys-pick-partitions", 2);
    assert_ne!(
        a, b,
        "the seed must matter (latencies and placement are random)"
    );
}

#[test]
fn recorded_user_commands_replay_to_the_same_fingerprint() {
    let lesson = builtin::load("keys-pick-partitions").unwrap();
    let mut live = lesson.world(9);
    let mut commands = Vec::new();
    for i in 0..40u32 {
        live.step().unwrap();
        if i % 10 == 3 {
            let command = Command::Produce {
                producer: NodeId::Producer(1),
                topic: "orders".into(),
                key: Some(format!("k{i}")),
                value: Some("v".into()),
                partition: None,
                timestamp: (i == 13).then_some(1_700_000_000_000),
                headers: vec![kafka_classroom::kafka::producer::RecordHeader {
                    key: "trace".into(),
                    value: format!("t{i}"),
                }],
            };
            commands.push(RecordedCommand {
                after_step: live.steps_taken(),
                command: command.clone(),
            });
            live.apply_command(command).unwrap();
        }
    }
    let mut replayed = lesson.world(9);
    replayed
        .replay_to(&commands, live.steps_taken(), |_| {})
        .unwrap();
    assert_eq!(
        replayed.fingerprint(),
        live.fingerprint(),
        "seed=9 commands={commands:?}"
    );
    assert_eq!(
        replayed, live,
        "a replayed world equals the live one, field for field"
    );
}
