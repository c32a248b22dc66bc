//! `kafka-classroom fuzz TARGET|all [--cases N] [--seed S] [--from K]` runs the fuzz targets of
//! `kafka_classroom::fuzz` and prints, per target, the cases accepted and rejected, every panic
//! and every rejection that named no field (with its case number and input), and the speed.
//! `--case K` replays one case and prints its input and verdict. Build with `--profile fast`
//! (the release profile aborts on a panic, so a finding ends the run instead of being counted).

use kafka_classroom::fuzz::{self, Report, Target, Verdict};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

static CURRENT: AtomicU64 = AtomicU64::new(0);

pub fn run(
    args: &[String],
    flag: impl Fn(&str) -> Result<Option<u64>, String>,
) -> Result<(), String> {
    let names: Vec<&'static str> = fuzz::targets().iter().map(|t| t.name).collect();
    let wanted = args
        .first()
        .filter(|a| !a.starts_with("--"))
        .ok_or_else(|| format!("fuzz needs a target: all, {}", names.join(", ")))?;
    let targets: Vec<Target> = if wanted == "all" {
        fuzz::targets()
    } else {
        vec![fuzz::target(wanted).ok_or_else(|| {
            format!(
                "unknown fuzz target \"{wanted}\" (targets: all, {})",
                names.join(", ")
            )
        })?]
    };
    let seed = flag("--seed")?.unwrap_or(1);
    if let Some(case) = flag("--case")? {
        return replay(&targets, seed, case);
    }
    let cases = flag("--cases")?.unwrap_or(10_000);
    let from = flag("--from")?.unwrap_or(0);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        eprintln!(
            "fuzz: case {} (seed {seed}) panicked:",
            CURRENT.load(Ordering::Relaxed)
        );
        previous(info);
    }));
    let mut failed = false;
    for target in &targets {
        failed |= run_target(target, seed, from, cases);
    }
    if failed {
        Err("a fuzz target panicked or refused an input without naming the field (cases above; replay with --case K)".into())
    } else {
        Ok(())
    }
}

/// Run one target; true if it found anything.
fn run_target(target: &Target, seed: u64, from: u64, cases: u64) -> bool {
    println!(
        "fuzz {}: {} (cases {from}..{}, seed {seed})",
        target.name,
        target.about,
        from + cases
    );
    let start = Instant::now();
    let mut report = Report::default();
    let chunk = 1_000;
    let mut next = from;
    while next < from + cases {
        let n = chunk.min(from + cases - next);
        CURRENT.store(next, Ordering::Relaxed);
        let part = fuzz::run(target, seed, next, n, |_| {});
        merge(&mut report, part);
        next += n;
        if report.cases % 100_000 == 0 {
            eprintln!(
                "  {} cases ({:.0} s)",
                report.cases,
                start.elapsed().as_secs_f64()
            );
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    for f in &report.panics {
        println!(
            "  PANIC case {}: {}\n    input: {}",
            f.case,
            f.problem,
            clip(&f.input)
        );
    }
    for f in &report.unnamed {
        println!(
            "  UNNAMED case {}: {}\n    input: {}",
            f.case,
            f.problem,
            clip(&f.input)
        );
    }
    println!(
        "  {} cases: {} accepted, {} rejected ({} naming no field), {} panics; {seconds:.1} s, {:.0} cases/s",
        report.cases,
        report.accepted,
        report.rejected,
        report.unnamed_total,
        report.panics.len(),
        report.cases as f64 / seconds.max(1e-9)
    );
    !report.panics.is_empty() || report.unnamed_total > 0
}

fn merge(into: &mut Report, part: Report) {
    into.cases += part.cases;
    into.accepted += part.accepted;
    into.rejected += part.rejected;
    into.unnamed_total += part.unnamed_total;
    into.panics.extend(part.panics);
    let room = 20usize.saturating_sub(into.unnamed.len());
    into.unnamed.extend(part.unnamed.into_iter().take(room));
}

fn replay(targets: &[Target], seed: u64, case: u64) -> Result<(), String> {
    for target in targets {
        let (input, result) = fuzz::run_case(target, seed, case);
        println!(
            "fuzz {} case {case} (seed {seed})\ninput: {input}",
            target.name
        );
        match result {
            Ok(Verdict::Accepted) => println!("accepted"),
            Ok(Verdict::Rejected {
                message,
                names_field,
            }) => println!("rejected (names the field: {names_field}): {message}"),
            Err(panic) => println!("PANIC: {panic}"),
        }
    }
    Ok(())
}

fn clip(text: &str) -> String {
    let mut end = text.len().min(600);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}
