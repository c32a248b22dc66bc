//! Pinned fingerprints of every built-in lesson run to its end. The wasm test
//! (tests/wasm_determinism.rs) checks the same file from inside WebAssembly, so together they
//! prove native and wasm runs are identical. After an intended engine change, refresh with
//! `UPDATE_EXPECT=1 cargo test --test fingerprints`.

use kafka_classroom::lesson::{builtin, schedule};

#[test]
fn builtin_lesson_fingerprints_are_pinned() {
    let mut text = String::new();
    for lesson in builtin::all() {
        let world = lesson.run(lesson.seed, |_| {});
        text.push_str(&format!(
            "{} {} {} {}\n",
            lesson.id,
            lesson.seed,
            world.steps_taken(),
            world.fingerprint()
        ));
    }
    expect_test::expect_file!["data/fingerprints.txt"].assert_eq(&text);
}

/// Every built-in lesson again, with a seeded random schedule of user commands laid over it
/// (faults and their repairs, sends, config changes, consumer actions): the paths a class takes
/// by clicking are pinned too, and tests/wasm_determinism.rs replays the same schedules in wasm.
#[test]
fn builtin_lessons_with_random_commands_are_pinned() {
    let mut text = String::new();
    for lesson in builtin::all() {
        for schedule_seed in schedule::PINNED_SEEDS {
            let scheduled =
                schedule::with_random_commands(&lesson, *schedule_seed, schedule::PINNED_COUNT);
            assert!(
                scheduled.actions.len() >= lesson.actions.len() + schedule::PINNED_COUNT as usize,
                "{}: the schedule adds its commands",
                lesson.id
            );
            let world = scheduled.run(lesson.seed, |_| {});
            text.push_str(&format!(
                "{} {} {} {} {}\n",
                lesson.id,
                lesson.seed,
                schedule_seed,
                world.steps_taken(),
                world.fingerprint()
            ));
        }
    }
    expect_test::expect_file!["data/fingerprints_scheduled.txt"].assert_eq(&text);
}

#[test]
fn a_schedule_depends_on_its_seed_alone() {
    let lesson = builtin::load("replication-playground").unwrap();
    let once = schedule::random_commands(&lesson, 5, 10);
    assert_eq!(once, schedule::random_commands(&lesson, 5, 10));
    assert_ne!(once, schedule::random_commands(&lesson, 6, 10));
    let end = kafka_classroom::sim::SimTime::from_ms(lesson.run_until_ms);
    assert!(once.iter().all(|(at, _)| *at <= end));
    assert!(once.windows(2).all(|w| w[0].0 <= w[1].0), "sorted by time");
}
