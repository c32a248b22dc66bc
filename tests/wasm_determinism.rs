//! Runs inside WebAssembly (wasm-bindgen-test, under Node): every built-in lesson must reach the
//! fingerprint pinned natively in tests/data/fingerprints.txt, step count and all.
#![cfg(target_arch = "wasm32")]

use kafka_classroom::lesson::builtin;
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
