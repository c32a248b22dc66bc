//! Fuzzing on stable Rust: one target per input that comes from outside (lesson files, share
//! links, assignor cases, config values), each driven by generated and mutated inputs that start
//! from valid ones (the built-in lessons, links of real runs, the assignor vectors, Kafka's own
//! keys), so most cases get past the first parse. A case either is accepted or rejected with a
//! message that names the field at fault (or the line and column for broken syntax); a panic, or
//! a rejection that names nothing, is a finding. Each case is a pure function of the seed and its
//! index, so a finding replays with `kafka-classroom fuzz TARGET --seed S --case K`.
//!
//! The registry (`targets`) is the one list the command line and the tests walk: a new input
//! (the console's command lines, a new import format) joins by adding a `Target` there.

mod changes;
mod mutate;
mod targets;

use crate::sim::Prng;
use std::panic::{catch_unwind, AssertUnwindSafe};

pub use mutate::{mutate_json, mutate_text};

/// What a target did with one input.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Verdict {
    Accepted,
    /// Refused; `names_field` is whether the message says which field (or where) it is.
    Rejected {
        message: String,
        names_field: bool,
    },
}

/// One fuzz target: how to make an input, and what the product does with it.
pub struct Target {
    pub name: &'static str,
    pub about: &'static str,
    /// A fresh input from the case's generator.
    pub generate: fn(&mut Prng) -> String,
    /// Parse (and, if accepted, use) the input exactly as the product does.
    pub check: fn(&str) -> Verdict,
}

/// Every target.
pub fn targets() -> Vec<Target> {
    targets::all()
}

pub fn target(name: &str) -> Option<Target> {
    targets().into_iter().find(|t| t.name == name)
}

/// A case that panicked or was refused without naming a field.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Finding {
    pub case: u64,
    pub input: String,
    pub problem: String,
}

#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct Report {
    pub cases: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub panics: Vec<Finding>,
    /// The first 20 rejections that named no field; `unnamed_total` counts them all.
    pub unnamed: Vec<Finding>,
    pub unnamed_total: u64,
}

/// The generator of case `case` under `seed`: independent of every other case.
pub fn case_prng(seed: u64, case: u64) -> Prng {
    // splitmix64 of (seed, case), so neighbouring cases share nothing.
    let mut z = seed ^ case.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    Prng::new(z ^ (z >> 31))
}

/// Run one case; a panic is caught and returned as the problem.
pub fn run_case(target: &Target, seed: u64, case: u64) -> (String, Result<Verdict, String>) {
    let input = (target.generate)(&mut case_prng(seed, case));
    let result = catch_unwind(AssertUnwindSafe(|| (target.check)(&input))).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic without a message".to_string())
    });
    (input, result)
}

/// Run cases `from..from + cases`, calling `progress` every 10,000 cases.
pub fn run(
    target: &Target,
    seed: u64,
    from: u64,
    cases: u64,
    mut progress: impl FnMut(&Report),
) -> Report {
    let mut report = Report::default();
    for case in from..from + cases {
        let (input, result) = run_case(target, seed, case);
        report.cases += 1;
        match result {
            Ok(Verdict::Accepted) => report.accepted += 1,
            Ok(Verdict::Rejected {
                message,
                names_field,
            }) => {
                report.rejected += 1;
                report.unnamed_total += u64::from(!names_field);
                if !names_field && report.unnamed.len() < 20 {
                    report.unnamed.push(Finding {
                        case,
                        input,
                        problem: message,
                    });
                }
            }
            Err(problem) => report.panics.push(Finding {
                case,
                input,
                problem,
            }),
        }
        if report.cases % 10_000 == 0 {
            progress(&report);
        }
    }
    report
}
