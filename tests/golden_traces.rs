//! Golden traces: the full narrated run of every built-in lesson, one line per step, the same
//! text the UI's event log shows. A diff here is a behaviour change to read line by line; accept
//! an intended one with `UPDATE_EXPECT=1 cargo test --test golden_traces`.

use kafka_classroom::lesson::builtin;
use kafka_classroom::present::narrate::narrate;
use kafka_classroom::present::summary::run_summary;

/// Sandboxes too long for a trace anyone reads (classroom-scale: 238,000 steps, 28 MB of
/// text). Their fingerprint in tests/data/fingerprints.txt still pins every step.
const FINGERPRINT_ONLY: &[&str] = &["classroom-scale"];

#[test]
fn builtin_lessons_match_their_golden_traces() {
    for lesson in builtin::all() {
        if FINGERPRINT_ONLY.contains(&lesson.id.as_str()) {
            continue;
        }
        let mut trace = String::new();
        let world = lesson.run(lesson.seed, |step| {
            trace.push_str(&narrate(step));
            trace.push('\n');
        });
        for line in run_summary(&world) {
            trace.push_str(&line);
            trace.push('\n');
        }
        let path = format!(
            "{}/tests/golden/{}.txt",
            env!("CARGO_MANIFEST_DIR"),
            lesson.id
        );
        expect_test::expect_file![path].assert_eq(&trace);
    }
}
