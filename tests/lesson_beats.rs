//! Every built-in lesson's beats, played through as a class would: each beat fires in order,
//! each question is answered, its answer is revealed from the run, and at least one choice
//! turns out right. Every lesson has beats, and at least one question.

use kafka_classroom::lesson::builtin;
use kafka_classroom::present::caption::{caption_view, CaptionView};
use kafka_classroom::present::session::{Action, Phase, Session};
use kafka_classroom::present::share::LessonRef;

/// Play a lesson like a class: answer every question with the first choice, press Continue
/// after every caption, until the lesson's end. Returns what each beat showed.
fn play_through(id: &str) -> Vec<(u32, Phase, Option<String>, Vec<u32>)> {
    let lesson = builtin::load(id).unwrap();
    let end = lesson.run_until_ms;
    let seed = lesson.seed;
    let mut session = Session::new(lesson, LessonRef::Builtin(id.into()), seed);
    let mut seen = Vec::new();
    for _ in 0..5_000 {
        let current = session.guide().current().cloned();
        match current.as_ref().map(|c| c.phase) {
            Some(Phase::Asking) => session.apply(Action::Answer(0)),
            Some(Phase::Revealed) | Some(Phase::Caption) => {
                let c = current.unwrap();
                let answer = match caption_view(&session) {
                    CaptionView::Beat { answer, .. } => answer,
                    CaptionView::Idle { .. } => None,
                };
                seen.push((c.index, c.phase, answer, c.correct.clone()));
                session.apply(Action::Continue);
            }
            Some(Phase::Waiting) | None => {
                if session.world().now().as_ms() >= end || session.is_finished() {
                    break;
                }
                session.apply(Action::Play);
                session.apply(Action::Tick {
                    wall_ms: 250,
                    max_steps: 20_000,
                });
            }
        }
    }
    seen
}

#[test]
fn every_lesson_has_beats_and_a_question() {
    for lesson in builtin::all() {
        assert!(!lesson.beats.is_empty(), "{} has no beats", lesson.id);
        assert!(
            lesson.beats.iter().any(|b| b.ask.is_some()),
            "{} asks no question",
            lesson.id
        );
        let code = lesson
            .title
            .split_once(':')
            .is_some_and(|(head, _)| head.len() <= 3 && head.chars().any(|c| c.is_ascii_digit()));
        assert!(!code, "{}: titles carry no reference codes", lesson.id);
    }
}

/// `LESSON=<id> cargo test --test lesson_beats -- --nocapture` prints what each beat showed.
#[test]
fn every_beat_fires_and_every_question_is_answered_by_the_run() {
    let only = std::env::var("LESSON").ok();
    for lesson in builtin::all() {
        if only.as_ref().is_some_and(|o| *o != lesson.id) {
            continue;
        }
        let seen = play_through(&lesson.id);
        if only.is_some() {
            for (i, phase, answer, correct) in &seen {
                println!(
                    "beat {i} {phase:?} right={correct:?} {}",
                    answer.as_deref().unwrap_or("")
                );
            }
        }
        let fired: Vec<u32> = seen.iter().map(|(i, ..)| *i).collect();
        let all: Vec<u32> = (0..lesson.beats.len() as u32).collect();
        assert_eq!(fired, all, "{}: beats shown, in order", lesson.id);
        for (i, phase, answer, correct) in &seen {
            if lesson.beats[*i as usize].ask.is_some() {
                assert_eq!(*phase, Phase::Revealed, "{} beat {i} revealed", lesson.id);
                assert!(answer.is_some(), "{} beat {i} shows its answer", lesson.id);
                assert!(
                    !correct.is_empty(),
                    "{} beat {i}: no choice matched the run's answer ({answer:?})",
                    lesson.id
                );
            }
        }
    }
}

#[test]
fn a_question_the_run_moved_past_waits_to_be_asked_where_it_was() {
    // A shared link or a drag of the timeline can carry the run past an open question: the
    // caption says so and offers the step it was asked at; an answer there is refused (its
    // reveal may already be behind), and back at that step the question works as usual.
    let id = "clean-election-waits";
    let lesson = builtin::load(id).unwrap();
    let seed = lesson.seed;
    let mut session = Session::new(lesson, LessonRef::Builtin(id.into()), seed);
    let mut asked = None;
    for _ in 0..2_000 {
        if session.guide().blocks_play() {
            asked = Some(session.world().steps_taken());
            break;
        }
        if session.guide().current().is_some() {
            session.apply(Action::Continue);
        }
        session.apply(Action::Play);
        session.apply(Action::Tick {
            wall_ms: 250,
            max_steps: 20_000,
        });
    }
    let asked = asked.expect("the lesson asks a question");
    let asked_at = |s: &Session| match caption_view(s) {
        CaptionView::Beat { asked_at, .. } => asked_at,
        CaptionView::Idle { .. } => None,
    };
    assert_eq!(asked_at(&session), None, "asked just now");
    session.apply(Action::RunToEnd);
    let later = session.horizon();
    assert!(
        later > asked + 50,
        "the run goes on after the question: {later}"
    );
    session.apply(Action::SeekTo(later));
    assert_eq!(session.world().steps_taken(), later);
    assert_eq!(asked_at(&session), Some(asked));
    session.apply(Action::Answer(0));
    assert_eq!(session.guide().current().unwrap().phase, Phase::Asking);
    session.apply(Action::SeekTo(asked));
    assert_eq!(asked_at(&session), None);
    session.apply(Action::Answer(0));
    assert_ne!(session.guide().current().unwrap().phase, Phase::Asking);
}
