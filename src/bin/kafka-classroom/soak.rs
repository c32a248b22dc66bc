//! `kafka-classroom soak --seeds N [--config safe|acks1|unclean] [--from S] [--threads T]`
//! (or `--trace SEED` to narrate one seed):
//! run many swarm seeds (see `check::swarm`), print every seed that lost an acknowledged write or
//! broke an invariant with its fault schedule, and a summary with the wall time.
//! `--workload txn` runs the exactly-once pipeline's swarm instead (`soak_txn`).

use kafka_classroom::check::swarm::{describe_commands, run_seed, Durability, SeedResult};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub fn run(
    args: &[String],
    flag: impl Fn(&str) -> Result<Option<String>, String>,
) -> Result<(), String> {
    let seeds: u64 = parse(flag("--seeds")?, 100)?;
    let from: u64 = parse(flag("--from")?, 1)?;
    let threads: u64 = parse(
        flag("--threads")?,
        std::thread::available_parallelism().map_or(1, |n| n.get() as u64),
    )?
    .max(1);
    let durability = Durability::parse(&flag("--config")?.unwrap_or_else(|| "safe".into()))?;
    let txn = flag("--workload")?.is_some_and(|w| w == "txn");
    if let Some(seed) = flag("--trace")? {
        // One seed, narrated step by step, to see how a failure happened.
        let seed: u64 = seed
            .parse()
            .map_err(|_| format!("--trace needs a seed number, got \"{seed}\""))?;
        if txn {
            return super::soak_txn::trace(seed);
        }
        let result = kafka_classroom::check::swarm::run_seed_with(seed, durability, 1, |step| {
            println!("{}", kafka_classroom::present::narrate::narrate(step));
        });
        return report(&[result], durability, 0.0);
    }
    let _ = args;
    let workload = flag("--workload")?.unwrap_or_else(|| "durability".into());
    match workload.as_str() {
        "durability" => {}
        "txn" => return super::soak_txn::run(seeds, from, threads),
        other => {
            return Err(format!(
                "unknown workload \"{other}\" (expected durability or txn)"
            ))
        }
    }
    println!("soak: {seeds} seeds from {from}, configuration {durability:?}, {threads} thread(s)");
    let start = Instant::now();
    let mut results = run_seeds(from, seeds, threads, move |seed| {
        run_seed(seed, durability, 200)
    })?;
    results.sort_by_key(|r| r.seed);
    report(&results, durability, start.elapsed().as_secs_f64())
}

/// Run `seeds` seeds from `from` on `threads` threads, printing progress every 1,000 seeds.
pub fn run_seeds<R: Send + 'static>(
    from: u64,
    seeds: u64,
    threads: u64,
    run: impl Fn(u64) -> R + Send + Sync + 'static,
) -> Result<Vec<R>, String> {
    let start = Instant::now();
    let next = Arc::new(AtomicU64::new(from));
    let results: Arc<Mutex<Vec<R>>> = Arc::new(Mutex::new(Vec::new()));
    let run = Arc::new(run);
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (next, results, run) = (next.clone(), results.clone(), run.clone());
            std::thread::spawn(move || loop {
                let seed = next.fetch_add(1, Ordering::SeqCst);
                if seed >= from + seeds {
                    break;
                }
                let result = run(seed);
                let mut all = results
                    .lock()
                    .expect("no thread panics while holding the lock");
                all.push(result);
                if all.len() % 1000 == 0 {
                    eprintln!(
                        "  {} seeds done ({:.0} s)",
                        all.len(),
                        start.elapsed().as_secs_f64()
                    );
                }
            })
        })
        .collect();
    for w in workers {
        w.join().map_err(|_| {
            "a soak worker panicked (a bug: rerun the printed seed alone)".to_string()
        })?;
    }
    Arc::try_unwrap(results)
        .map_err(|_| "workers still running")?
        .into_inner()
        .map_err(|_| "poisoned".to_string())
}

fn parse(value: Option<String>, default: u64) -> Result<u64, String> {
    match value {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| format!("\"{v}\" is not a number")),
    }
}

fn report(results: &[SeedResult], durability: Durability, seconds: f64) -> Result<(), String> {
    print_seeds(results, durability);
    let losing = results.iter().filter(|r| r.lost() > 0).count();
    let lost: usize = results.iter().map(|r| r.lost()).sum();
    let elections = |standing: bool| {
        let seeds = results
            .iter()
            .filter(|r| r.last_replica_standing == standing);
        let (mut n, mut with, mut elected) = (0, 0, 0);
        for r in seeds {
            n += 1;
            with += usize::from(r.unclean_elections > 0);
            elected += r.unclean_elections;
        }
        format!("{elected} in {with} of {n} seeds")
    };
    let power_seeds = results.iter().filter(|r| r.lost_to_power() > 0).count();
    let power_lost: usize = results.iter().map(|r| r.lost_to_power()).sum();
    let acked: u64 = results.iter().map(|r| r.report.acknowledged as u64).sum();
    let violations = results.iter().filter(|r| r.violation.is_some()).count();
    let steps: u64 = results.iter().map(|r| r.steps).sum();
    let duplicated: usize = results.iter().map(|r| r.report.duplicates.len()).sum();
    let reordered: usize = results.iter().map(|r| r.report.reordered.len()).sum();
    let group_broken = print_consumers(results);
    println!(
        "summary: {} seeds, {acked} acknowledged writes, {lost} lost in {losing} seed(s), {duplicated} duplicated, {reordered} reordered, {violations} invariant violation(s), {steps} steps, {seconds:.1} s wall",
        results.len()
    );
    println!(
        "unclean elections: {} (swarm episodes), {} (last replica standing)",
        elections(false),
        elections(true)
    );
    println!(
        "outside the promise: {power_lost} lost in {power_seeds} seed(s) where every in-sync replica of the partition lost power at once (no fsync; Kafka 4.0 has eligible leader replicas off)"
    );
    if group_broken > 0 {
        return Err("a consumer group broke a property (two owners in a generation, a commit going back, a skipping poll)".into());
    }
    if durability == Durability::Safe && (losing > 0 || violations > 0) {
        return Err("the safe configuration lost acknowledged writes or broke an invariant".into());
    }
    if durability != Durability::Safe && violations > 0 {
        return Err("an invariant broke".into());
    }
    Ok(())
}

/// The consumers' figures; returns how many seeds broke a group property unexplained.
fn print_consumers(results: &[SeedResult]) -> usize {
    let processed: u64 = results
        .iter()
        .flat_map(|r| r.report.groups.values())
        .map(|g| u64::from(g.processed))
        .sum();
    let twice: usize = results
        .iter()
        .flat_map(|r| r.report.groups.values())
        .map(|g| g.processed_twice.len())
        .sum();
    let group_broken = results
        .iter()
        .filter(|r| r.report.consumer_violations() > 0)
        .count();
    let explained: usize = results
        .iter()
        .map(|r| r.report.explained_by_offsets_loss.len())
        .sum();
    let explained_seeds = results
        .iter()
        .filter(|r| !r.report.explained_by_offsets_loss.is_empty())
        .count();
    let unexplained: usize = results.iter().map(|r| r.report.consumer_violations()).sum();
    println!(
        "consumers: {processed} records processed, {twice} processed twice (at-least-once), {unexplained} group-property violation(s) unexplained in {group_broken} seed(s)"
    );
    println!(
        "outside the promise: {explained} group-property violation(s) in {explained_seeds} seed(s) caused by an unclean election of the group's __consumer_offsets partition that lost committed coordinator records (Kafka reloads the group from what the new leader kept)"
    );
    group_broken
}

/// Every seed that lost a write or broke something, with its commands (the first five unless
/// the configuration is the safe one).
fn print_seeds(results: &[SeedResult], durability: Durability) {
    let mut shown = 0;
    for r in results {
        let lost = r.lost();
        let quiet = lost == 0 && r.lost_to_power() == 0;
        let explained = !r.report.explained_by_offsets_loss.is_empty();
        if quiet && !explained && r.violation.is_none() && r.report.consumer_violations() == 0 {
            continue;
        }
        // Losses are expected outside the safe configuration; broken properties never are.
        let broke = r.violation.is_some() || r.report.consumer_violations() > 0 || explained;
        if shown < 5 || durability == Durability::Safe || broke {
            println!(
                "seed={} lost={} unclean_elections={} {}",
                r.seed,
                lost,
                r.unclean_elections,
                r.report.summary()
            );
            if r.lost_to_power() > 0 {
                println!(
                    "  {} of them on a partition whose every in-sync replica lost power at once ({:?})",
                    r.lost_to_power(),
                    r.isr_lost_power
                );
            }
            print_explained(r);
            if let Some((step, v)) = &r.violation {
                println!("  invariant broken at step {step}: {v}");
            }
            println!("  commands:\n{}", indent(&describe_commands(&r.commands)));
            shown += 1;
        }
    }
}

/// The group violations a lost offsets log explains, each with the election that lost it.
fn print_explained(r: &SeedResult) {
    use kafka_classroom::check::offsets_loss::GroupViolation;
    for e in &r.report.explained_by_offsets_loss {
        let what = match &e.violation {
            GroupViolation::OwnershipConflict(group, generation, tp, a, b) => {
                format!("{tp} of group {group} owned by c{a} and c{b} in generation {generation}")
            }
            GroupViolation::CommitBack(group, tp, before, after) => {
                format!("group {group} committed {tp} at {before}, then at {after}")
            }
        };
        let l = &e.loss;
        println!(
            "  outside the promise: {what}: caused by unclean election of __consumer_offsets partition {} at step {} (its new leader b{} had the log up to offset {}, the partition had committed up to {})",
            l.partition, l.step, l.leader.0, l.kept, l.committed
        );
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
