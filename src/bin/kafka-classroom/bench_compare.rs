//! `kafka-classroom bench compare`: what Compare costs at classroom scale (6 brokers, 36
//! partitions RF 3, 8 consumers). The same session plays the same steps twice, the way the
//! browser's frame loop does (ticks of at most 2,000 steps, each followed by Compare's catch-up),
//! once alone and once with Compare open on the lesson's first suggested change; the ratio of
//! the two is the price of the second stage's run.

use kafka_classroom::lesson::Lesson;
use kafka_classroom::present::compare::choices;
use kafka_classroom::present::session::{Action, Session};
use kafka_classroom::present::share::LessonRef;
use std::time::Instant;

/// Steps per tick: about what the frame loop gives a heavy lesson at high speed.
const TICK_STEPS: u32 = 2_000;

/// Play `session` until it has taken `steps` steps; the wall seconds it took.
fn play(session: &mut Session, steps: u64) -> f64 {
    session.apply(Action::SetSpeed(u32::MAX));
    session.apply(Action::Play);
    let start = Instant::now();
    while session.world().steps_taken() < steps && !session.is_finished() {
        let at = session.world().steps_taken();
        session.apply(Action::Tick {
            wall_ms: 1_000,
            max_steps: TICK_STEPS,
        });
        if session.world().steps_taken() == at {
            if !session.is_playing() {
                session.apply(Action::Continue);
                session.apply(Action::Play);
            }
            if session.world().steps_taken() == at && !session.is_playing() {
                break;
            }
        }
    }
    start.elapsed().as_secs_f64()
}

pub fn run(args: &[String]) -> Result<(), String> {
    let steps: u64 = match args.iter().position(|a| a == "--steps") {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or("--steps needs a number")?,
        None => 200_000,
    };
    let text = super::bench_timeline::long_classroom(steps)?;
    let lesson = Lesson::parse(&text).map_err(|e| e.to_string())?;
    let change = choices(&lesson)
        .first()
        .map(|c| c.text.clone())
        .ok_or("classroom-scale offers no change to compare")?;
    let seed = lesson.seed;
    let fresh = || Session::new(lesson.clone(), LessonRef::Custom(text.clone()), seed);
    let mut alone = fresh();
    let single = play(&mut alone, steps);
    let mut both = fresh();
    both.apply(Action::OpenCompare(vec![change.clone()]));
    if both.comparing().is_none() {
        return Err(format!("Compare did not open: {:?}", both.notice()));
    }
    let paired = play(&mut both, steps);
    let (a, b) = (alone.world().steps_taken(), both.world().steps_taken());
    if a != b {
        return Err(format!("the two sessions stopped at {a} and {b} steps"));
    }
    let other = both
        .comparing()
        .map_or(0, |r| r.other_world().steps_taken());
    println!(
        "compare: classroom-scale, {a} steps played in ticks of {TICK_STEPS}, B = \"{change}\""
    );
    println!(
        "  one run:        {single:.2} s = {:.0} steps/s",
        a as f64 / single
    );
    println!(
        "  with Compare:   {paired:.2} s = {:.0} steps/s of A (B took {other} steps)",
        a as f64 / paired
    );
    println!(
        "  ratio:          Compare costs {:.2}x a single run",
        paired / single
    );
    Ok(())
}
