//! Pinned fingerprints of every built-in lesson run to its end. The wasm test
//! (tests/wasm_determinism.rs) checks the same file from inside WebAssembly, so together they
//! prove native and wasm runs are identical. After an intended engine change, refresh with
//! `UPDATE_EXPECT=1 cargo test --test fingerprints`.

use kafka_classroom::lesson::builtin;

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
