//! The fuzz targets (`kafka_classroom::fuzz`) on every submission: a short run of each target
//! (the command line runs millions: `kafka-classroom fuzz all --cases 1000000`), and every input
//! that was ever a finding, replayed.

use kafka_classroom::fuzz::{self, Verdict};

/// Cases per target here; `KC_FUZZ_CASES` asks for more.
fn cases() -> u64 {
    std::env::var("KC_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

fn run_short(name: &str) {
    let target = fuzz::target(name).expect("a registered target");
    let report = fuzz::run(&target, 1, 0, cases(), |_| {});
    assert!(
        report.panics.is_empty(),
        "{name}: {} panic(s), first: {:?} (replay: kafka-classroom fuzz {name} --seed 1 --case K)",
        report.panics.len(),
        report.panics.first()
    );
    assert_eq!(
        report.unnamed_total, 0,
        "{name}: rejections naming no field: {:?}",
        report.unnamed
    );
    // Mutation must reach both sides: inputs accepted and used, inputs refused.
    assert!(report.accepted > 0, "{name}: no case was accepted");
    assert!(report.rejected > 0, "{name}: no case was rejected");
}

#[test]
fn lesson_files_never_panic_and_every_rejection_names_its_field() {
    run_short("lesson");
}

#[test]
fn share_links_never_panic_and_every_rejection_names_its_field() {
    run_short("share-link");
}

#[test]
fn run_files_never_panic_and_every_rejection_names_its_field() {
    run_short("run-file");
}

#[test]
fn assignor_cases_never_panic_and_every_rejection_names_its_field() {
    run_short("assignor-case");
}

#[test]
fn config_values_never_panic_and_every_rejection_names_its_field() {
    run_short("config-value");
}

#[test]
fn console_lines_never_panic_and_every_rejection_names_its_field() {
    run_short("console");
}

#[test]
fn compare_changes_never_panic_and_every_rejection_names_its_field() {
    run_short("compare-change");
}

#[test]
fn every_input_that_was_ever_a_finding_is_handled() {
    let text = include_str!("data/fuzz/regressions.txt");
    let mut replayed = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (name, input) = line.split_once('\t').expect("TARGET<TAB>INPUT");
        let target = fuzz::target(name).unwrap_or_else(|| panic!("unknown target {name}"));
        if let Verdict::Rejected {
            message,
            names_field,
        } = (target.check)(input)
        {
            assert!(names_field, "{name}: {message} names no field for {input}");
        }
        replayed += 1;
    }
    assert!(replayed >= 5);
}

#[test]
fn the_same_seed_and_case_give_the_same_input() {
    for target in fuzz::targets() {
        let a = fuzz::run_case(&target, 9, 123).0;
        let b = fuzz::run_case(&target, 9, 123).0;
        assert_eq!(a, b, "{} is not reproducible", target.name);
        assert_ne!(a, fuzz::run_case(&target, 9, 124).0, "{}", target.name);
    }
}
