//! `kafka-classroom bench`: engine speed on a standard workload, and, measured in the same
//! process, a bare scheduler push/pop loop doing the same number of steps: the kernel's physical
//! limit. The ratio says how much of each step the Kafka model itself costs.

use kafka_classroom::lesson::Lesson;
use kafka_classroom::sim::{Scheduler, SimTime};
use std::time::Instant;

/// The standard workload: 3 brokers, a 6-partition topic, a keyed producer at 2000 records/s
/// with the 4.0 defaults, and one consumer reading everything, for 60 simulated seconds.
const WORKLOAD: &str = r#"{
  "version": 1, "id": "bench", "title": "bench", "seed": 1, "run_until_ms": 60000,
  "cluster": { "brokers": 3 },
  "topics": [ { "name": "load", "partitions": 6, "replication_factor": 1 } ],
  "producers": [ { "config": { "acks": "1" } } ],
  "consumers": [ { "assign": ["load-0", "load-1", "load-2", "load-3", "load-4", "load-5"], "config": { "auto.offset.reset": "earliest" } } ],
  "actions": [ { "at_ms": 0, "action": "set_produce_rate", "producer": "p1", "topic": "load", "records_per_second": 2000, "keys": ["a", "b", "c", "d", "e", "f", "g", "h"] } ]
}"#;

/// `bench` runs both parts; `bench engine` or `bench lab` runs one (for profiling).
pub fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        None => engine().and_then(|()| tuning_lab()),
        Some("engine") => engine(),
        Some("lab") => tuning_lab(),
        Some(other) => Err(format!("bench: unknown part \"{other}\" (engine or lab)")),
    }
}

fn engine() -> Result<(), String> {
    let lesson = Lesson::parse(WORKLOAD).map_err(|e| format!("bench workload: {e}"))?;
    let mut best_engine = f64::MAX;
    let mut steps = 0u64;
    for _ in 0..3 {
        let mut world = lesson.world(lesson.seed);
        let end = SimTime::from_ms(lesson.run_until_ms);
        let start = Instant::now();
        while world.next_time().is_some_and(|t| t <= end) {
            if world.step().is_none() {
                break;
            }
        }
        best_engine = best_engine.min(start.elapsed().as_secs_f64());
        steps = world.steps_taken();
    }
    let bare = bare_loop_seconds(steps);
    let engine_rate = steps as f64 / best_engine;
    let bare_rate = steps as f64 / bare;
    println!("workload: 3 brokers, 6 partitions, 2000 keyed records/s, 60 s simulated");
    println!(
        "engine:     {steps} steps in {:.3} s = {:.0} steps/s (best of 3)",
        best_engine, engine_rate
    );
    println!(
        "bare loop:  {steps} scheduler push/pop in {:.3} s = {:.0} steps/s",
        bare, bare_rate
    );
    println!(
        "ratio:      engine runs at {:.1}% of the bare kernel ({:.1}x slower)",
        100.0 * engine_rate / bare_rate,
        bare_rate / engine_rate
    );
    println!(
        "simulated:  {:.0}x faster than real time",
        60.0 / best_engine
    );
    Ok(())
}

/// The built-in tuning lab (1,000,000 records per configuration), run to the end natively:
/// records per second of wall time, and the simulated outcome of each configuration.
fn tuning_lab() -> Result<(), String> {
    use kafka_classroom::lesson::{builtin, lab};
    let lesson = builtin::load("tuning-lab").map_err(|e| e.to_string())?;
    let mut run = lab::LabRun::new(&lesson, lesson.seed).ok_or("the tuning lab could not start")?;
    let start = Instant::now();
    while !run.advance(1_000_000) {}
    let wall = start.elapsed().as_secs_f64();
    println!();
    println!(
        "tuning lab: {} configurations x {} records",
        run.results.len(),
        run.total_records() / run.results.len().max(1) as u64
    );
    for r in &run.results {
        println!(
            "  {:<16} {:>8.1} s simulated, {:>7} requests, {:>9} steps",
            r.name,
            r.ingestion_ms as f64 / 1000.0,
            r.requests,
            r.steps
        );
    }
    let records: u64 = run.results.iter().map(|r| r.records_acked).sum();
    println!(
        "  wall time {:.2} s for {} records = {:.0} records/s natively",
        wall,
        records,
        records as f64 / wall
    );
    Ok(())
}

/// Pop one entry and push one, with a queue as deep as the engine's typically is.
fn bare_loop_seconds(steps: u64) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..3 {
        let mut scheduler: Scheduler<u64> = Scheduler::new();
        for i in 0..64 {
            scheduler.push(SimTime::from_micros(i * 37), i);
        }
        let start = Instant::now();
        let mut sum = 0u64;
        for _ in 0..steps {
            let (key, value) = scheduler.pop().expect("the queue never drains");
            sum = sum.wrapping_add(value);
            scheduler.push(
                key.time
                    .plus(kafka_classroom::sim::SimDuration::from_micros(
                        value % 1000 + 1,
                    )),
                value,
            );
        }
        std::hint::black_box(sum);
        best = best.min(start.elapsed().as_secs_f64());
    }
    best
}
