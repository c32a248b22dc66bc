use kafka_classroom::lesson::builtin;
use kafka_classroom::lesson::expect::RunObserver;
use std::time::Instant;
fn main() {
    let lesson = builtin::load("classroom-scale").unwrap();
    let mut world = lesson.world(lesson.seed);
    let mut obs = RunObserver::default();
    for target in [50_000u64, 200_000, 500_000, 1_000_000] {
        let t = Instant::now();
        let start = world.steps_taken();
        while world.steps_taken() < target {
            let s = world.step().unwrap();
            obs.observe(&s);
        }
        let secs = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let n = 20;
        let mut keep = Vec::new();
        for _ in 0..n {
            keep.push(world.clone());
        }
        let wc = t.elapsed().as_secs_f64() / n as f64;
        let t = Instant::now();
        let mut keep2 = Vec::new();
        for _ in 0..n {
            keep2.push(obs.clone());
        }
        let oc = t.elapsed().as_secs_f64() / n as f64;
        println!(
            "step {target} at {}: {:.0} steps/s; world clone {:.3} ms, observer clone {:.3} ms",
            world.now(),
            (target - start) as f64 / secs,
            wc * 1e3,
            oc * 1e3
        );
    }
}
