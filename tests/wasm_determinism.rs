//! Runs inside WebAssembly (wasm-bindgen-test, under Node): every built-in lesson must reach the
//! fingerprint pinned natively in tests/data/fingerprints.txt, step count and all; and again with
//! each seeded random schedule of user commands pinned in tests/data/fingerprints_scheduled.txt.
#![cfg(target_arch = "wasm32")]

use kafka_classroom::lesson::{builtin, schedule};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn wasm_runs_match_the_native_fingerprints() {
    let pinned = include_str!("data/fingerprints.txt");
    let mut checked = 0;
    for line in pinned.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (id, seed, steps, fingerprint) = (
            fields[0],
            fields[1].parse::<u64>().unwrap(),
            fields[2],
            fields[3],
        );
        let lesson = builtin::load(id).unwrap();
        let world = lesson.run(seed, |_| {});
        assert_eq!(
            world.steps_taken().to_string(),
            steps,
            "{id} seed={seed}: step count differs in wasm"
        );
        assert_eq!(
            world.fingerprint().to_string(),
            fingerprint,
            "{id} seed={seed}: fingerprint differs in wasm"
        );
        checked += 1;
    }
    assert_eq!(
        checked,
        builtin::BUILTIN.len(),
        "every built-in lesson has a pinned fingerprint"
    );
}

#[wasm_bindgen_test]
fn wasm_runs_with_random_commands_match_the_native_fingerprints() {
    let pinned = include_str!("data/fingerprints_scheduled.txt");
    let mut checked = 0;
    for line in pinned.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (id, seed, schedule_seed) = (
            fields[0],
            fields[1].parse::<u64>().unwrap(),
            fields[2].parse::<u64>().unwrap(),
        );
        let lesson = builtin::load(id).unwrap();
        let scheduled =
            schedule::with_random_commands(&lesson, schedule_seed, schedule::PINNED_COUNT);
        let world = scheduled.run(seed, |_| {});
        let got = (
            world.steps_taken().to_string(),
            world.fingerprint().to_string(),
        );
        assert_eq!(
            (got.0.as_str(), got.1.as_str()),
            (fields[3], fields[4]),
            "{id} seed={seed} schedule={schedule_seed}: steps or fingerprint differ in wasm"
        );
        checked += 1;
    }
    assert_eq!(
        checked,
        builtin::BUILTIN.len() * schedule::PINNED_SEEDS.len(),
        "every built-in lesson has its pinned schedules"
    );
}
