//! `kafka-classroom soak --workload txn --seeds N [--from S] [--threads T]` (or `--trace SEED`):
//! the exactly-once pipeline under random faults (see `check::txn_swarm`). Prints every seed
//! that broke exactly-once, `read_committed` or an invariant, with its commands, then a summary
//! with the wall time and the rate.

use super::soak::run_seeds;
use kafka_classroom::check::read_committed::ReadCommittedViolation;
use kafka_classroom::check::swarm::describe_commands;
use kafka_classroom::check::txn_swarm::{run_txn_seed, run_txn_seed_with, TxnSeedResult, FED};
use kafka_classroom::kafka::pipeline::PipelineStage;
use std::time::Instant;

pub fn run(seeds: u64, from: u64, threads: u64) -> Result<(), String> {
    println!("soak: {seeds} seeds from {from}, workload txn (exactly-once pipeline, {FED} records fed a seed), {threads} thread(s)");
    let start = Instant::now();
    let mut results = run_seeds(from, seeds, threads, |seed| run_txn_seed(seed, 200))?;
    results.sort_by_key(|r| r.seed);
    report(&results, start.elapsed().as_secs_f64())
}

/// One seed, narrated step by step.
pub fn trace(seed: u64) -> Result<(), String> {
    let result = run_txn_seed_with(seed, 1, &mut |step| {
        println!("{}", kafka_classroom::present::narrate::narrate(step));
    });
    report(&[result], 0.0)
}

fn report(results: &[TxnSeedResult], seconds: f64) -> Result<(), String> {
    for r in results.iter().filter(|r| r.violations() > 0) {
        print_seed(r);
    }
    let sum = |f: fn(&TxnSeedResult) -> u64| results.iter().map(f).sum::<u64>();
    let once = sum(|r| u64::from(r.exactly_once.forwarded_once));
    let duplicated = sum(|r| r.exactly_once.duplicated.len() as u64);
    let missing = sum(|r| r.exactly_once.missing.len() as u64);
    let ahead = sum(|r| r.exactly_once.ahead.len() as u64);
    let delivered = sum(|r| u64::from(r.read_committed.delivered));
    let transactional = sum(|r| u64::from(r.read_committed.transactional));
    let read_violations = sum(|r| u64::from(r.read_committed.violations()));
    let invariants = results.iter().filter(|r| r.invariant.is_some()).count();
    let broken = results.iter().filter(|r| r.violations() > 0).count();
    let steps = sum(|r| r.steps);
    println!(
        "summary: {} seeds, {once} inputs forwarded exactly once, {duplicated} duplicated, {missing} missing, {ahead} ahead of the committed offsets; read_committed: {delivered} records delivered ({transactional} transactional), {read_violations} violation(s); {invariants} invariant violation(s); {broken} seed(s) broke a promise; {steps} steps, {seconds:.1} s wall",
        results.len()
    );
    let fenced = results
        .iter()
        .filter(|r| r.stage == PipelineStage::Fenced)
        .count();
    print_behind(results);
    let behind = results.iter().filter(|r| !r.caught_up()).count();
    println!(
        "transactions: {} committed and {} aborted by the pipeline, {} ABORT markers written to out, {} timed out by the coordinator; {fenced} seed(s) ended with the pipeline's producer fenced (the loop stops, as Kafka's ProducerFencedException demands), {behind} seed(s) not caught up at the end",
        sum(|r| r.committed_transactions),
        sum(|r| r.aborted_transactions),
        sum(|r| u64::from(r.abort_markers)),
        sum(|r| u64::from(r.timed_out)),
    );
    if seconds > 0.0 {
        println!(
            "rate: {:.0} seeds/min",
            results.len() as f64 * 60.0 / seconds
        );
    }
    if broken > 0 {
        return Err("the exactly-once pipeline broke a promise (exactly-once, read_committed or an invariant)".into());
    }
    Ok(())
}

/// Seeds whose pipeline did not catch up although it was not fenced (the first ten).
fn print_behind(results: &[TxnSeedResult]) {
    let behind = results
        .iter()
        .filter(|r| !r.caught_up() && r.stage != PipelineStage::Fenced);
    for r in behind.take(10) {
        println!(
            "seed={} behind: {} of {} inputs committed, pipeline {:?}",
            r.seed, r.exactly_once.inputs, r.inputs, r.stage
        );
    }
}

fn print_seed(r: &TxnSeedResult) {
    let eo = &r.exactly_once;
    println!(
        "seed={} inputs={} forwarded_once={} duplicated={:?} missing={:?} ahead={:?}",
        r.seed, r.inputs, eo.forwarded_once, eo.duplicated, eo.missing, eo.ahead
    );
    for (d, v) in r.read_committed.violations.iter().take(10) {
        let what = match v {
            ReadCommittedViolation::Aborted => "a record of an aborted transaction".to_string(),
            ReadCommittedViolation::NeverDecided => {
                "a record of a transaction that never ended".to_string()
            }
            ReadCommittedViolation::PastStableOffset { open_from } => {
                format!("past the LSO (a transaction from offset {open_from} was undecided)")
            }
            ReadCommittedViolation::PastHighWatermark { high_watermark } => {
                format!("at or past the high watermark {high_watermark}")
            }
            ReadCommittedViolation::ControlRecord => "a transaction marker".to_string(),
            ReadCommittedViolation::NotInFinalLog => "a record not in the final log".to_string(),
        };
        println!(
            "  read_committed c{} got {}@{} at step {}: {what}",
            d.consumer, d.partition, d.offset, d.step
        );
    }
    if let Some((step, v)) = &r.invariant {
        println!("  invariant broken at step {step}: {v}");
    }
    let commands = describe_commands(&r.commands);
    let indented: Vec<String> = commands.lines().map(|l| format!("    {l}")).collect();
    println!("  commands:\n{}", indented.join("\n"));
}
