use kafka_classroom::lesson::builtin;
use kafka_classroom::present::narration::{narration, NarrationFilter};
use kafka_classroom::present::session::{Action, Session};
use kafka_classroom::present::share::LessonRef;
use kafka_classroom::present::stage::{dots, fit, stage_view, StageOptions, StageSize};
use std::time::Instant;
fn main() {
    let lesson = builtin::load("classroom-scale").unwrap();
    let seed = lesson.seed;
    let mut s = Session::new(lesson, LessonRef::Builtin("classroom-scale".into()), seed);
    s.apply(Action::SetSpeed(9));
    while s.world().now().as_ms() < 40_000 {
        if s.guide().blocks_play() {
            s.apply(Action::Answer(0));
        }
        s.apply(Action::Continue);
        s.apply(Action::Play);
        s.apply(Action::Tick {
            wall_ms: 100,
            max_steps: 1_000_000,
        });
    }
    s.apply(Action::SetSpeed(6));
    println!("at {} step {}", s.world().now(), s.world().steps_taken());
    let w = s.world();
    let t = Instant::now();
    for _ in 0..100 {
        let v = stage_view(w, &StageOptions::default());
        let _ = fit(
            &v,
            StageSize {
                width: 900,
                height: 495,
                presenter: false,
            },
        );
    }
    println!("stage_view+fit {:.3} ms", t.elapsed().as_secs_f64() * 10.0);
    let t = Instant::now();
    for _ in 0..100 {
        let _ = narration(s.recent_steps(), &NarrationFilter::All, 3);
    }
    println!("narration {:.3} ms", t.elapsed().as_secs_f64() * 10.0);
    let t = Instant::now();
    for _ in 0..100 {
        let _ = dots(w);
    }
    println!("dots {:.3} ms", t.elapsed().as_secs_f64() * 10.0);
    let t = Instant::now();
    s.apply(Action::Play);
    for _ in 0..100 {
        s.apply(Action::Tick {
            wall_ms: 16,
            max_steps: 100000,
        });
    }
    println!(
        "tick 10x(1x speed idx) {:.3} ms per tick, now {}",
        t.elapsed().as_secs_f64() * 10.0,
        s.world().now()
    );
}
