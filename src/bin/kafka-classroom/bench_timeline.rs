//! `kafka-classroom bench timeline`: the session's timeline at classroom scale. Builds a run of
//! the classroom cluster (6 brokers, 36 partitions RF 3, 8 consumers) as long as asked (default
//! 1,000,000 steps) through the same `Session` the browser uses, then prints what its snapshots
//! cost (count, bytes of one, the whole session's heap) and how long seeking to random steps
//! takes (median, p95, max). Heap figures come from a counting allocator.

use kafka_classroom::lesson::builtin;
use kafka_classroom::present::session::{Action, Session};
use kafka_classroom::present::share::LessonRef;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

/// The system allocator, counting the bytes live while `bench timeline` runs (other commands
/// pay one relaxed load per allocation).
pub struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicUsize = AtomicUsize::new(0);

fn count(add: usize, sub: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        LIVE.fetch_add(add, Ordering::Relaxed);
        LIVE.fetch_sub(sub, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size(), 0);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(0, layout.size());
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size, layout.size());
        // SAFETY: as for `alloc` and `dealloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

fn live_bytes() -> usize {
    LIVE.load(Ordering::Relaxed)
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// The classroom-scale sandbox without its beats, long enough for `steps` steps.
pub fn long_classroom(steps: u64) -> Result<String, String> {
    let text = builtin::find("classroom-scale").ok_or("classroom-scale is missing")?;
    let mut lesson: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let obj = lesson.as_object_mut().ok_or("a lesson is an object")?;
    obj.remove("beats");
    // About 1,800 steps per simulated second; leave room.
    obj.insert(
        "run_until_ms".into(),
        (steps / 1_000 * 1_000 + 60_000).into(),
    );
    Ok(lesson.to_string())
}

/// The bytes a clone of `value` allocates.
fn copy_bytes<T: Clone>(value: &T) -> usize {
    let at = live_bytes();
    let copy = value.clone();
    let bytes = live_bytes() - at;
    drop(copy);
    bytes
}

pub fn run(args: &[String]) -> Result<(), String> {
    let steps: u64 = match args.iter().position(|a| a == "--steps") {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or("--steps needs a number")?,
        None => 1_000_000,
    };
    // Counting starts before anything this bench allocates, so frees never outnumber allocations.
    COUNTING.store(true, Ordering::Relaxed);
    let text = long_classroom(steps)?;
    let lesson = kafka_classroom::lesson::Lesson::parse(&text).map_err(|e| e.to_string())?;
    let seed = lesson.seed;
    let before = live_bytes();
    let mut session = Session::new(lesson, LessonRef::Custom(text), seed);
    let start = Instant::now();
    while session.horizon() < steps && !session.is_finished() {
        let at = session.horizon();
        session.apply(Action::SeekTo(steps));
        session.apply(Action::RunToEnd);
        if session.horizon() == at {
            break;
        }
    }
    session.apply(Action::SeekTo(steps));
    let built = start.elapsed().as_secs_f64();
    let reached = session.world().steps_taken();
    let heap = live_bytes() - before;
    let one = copy_bytes(session.world());
    // The history checker's maps share their nodes between copies: this is what a copy adds.
    let observer = copy_bytes(session.observer());
    println!("timeline: classroom-scale, {reached} steps, built in {built:.1} s ({:.0} steps/s through the session)", reached as f64 / built);
    println!(
        "  snapshots kept {}; one world copy {}, one observer copy {}; the whole session's heap {} ({} a snapshot on average)",
        session.snapshot_count(),
        mib(one),
        mib(observer),
        mib(heap),
        mib(heap / session.snapshot_count().max(1))
    );
    let mut times = Vec::new();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..25 {
        // A fixed pseudo-random walk over the run (xorshift), the same every time.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let target = x % reached.max(1);
        let t = Instant::now();
        session.apply(Action::SeekTo(target));
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        if session.world().steps_taken() != target {
            return Err(format!(
                "seek to {target} landed on {}",
                session.world().steps_taken()
            ));
        }
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "  seek to 25 random steps: median {:.0} ms, p95 {:.0} ms, max {:.0} ms (native)",
        times[times.len() / 2],
        times[times.len() * 95 / 100],
        times[times.len() - 1]
    );
    Ok(())
}
