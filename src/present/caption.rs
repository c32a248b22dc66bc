//! The caption area above the stage: the beat on screen (its caption, its question with the
//! class's choice, the answer the run revealed), or, between beats, the lesson's one-line
//! promise and how far the class has come.

use super::session::{Phase, Session};
use crate::lesson::probe::ProbeValue;

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ChoiceView {
    pub index: u32,
    pub text: String,
    /// The class picked it.
    pub picked: bool,
    /// The run showed it right (only once revealed).
    pub right: bool,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum CaptionView {
    /// No beat on screen.
    Idle {
        summary: String,
        /// `beat 3 of 7`, or empty for a lesson without beats.
        progress: String,
    },
    Beat {
        number: String,
        caption: String,
        question: Option<String>,
        choices: Vec<ChoiceView>,
        /// `Asking`: pick a choice; `Waiting`: watch; `Revealed`/`Caption`: Continue.
        phase: Phase,
        /// The answer the run gave, worded.
        answer: Option<String>,
        /// The run was moved past an open question (a seek or a shared link): the step it was
        /// asked at, where the class can go back to answer it before the run shows the answer.
        asked_at: Option<u64>,
    },
}

pub fn caption_view(session: &Session) -> CaptionView {
    let guide = session.guide();
    let total = guide.beats().len();
    let Some(current) = guide.current() else {
        let progress = if total == 0 {
            String::new()
        } else if guide.fired() as usize == total {
            "Every beat of this lesson has played. Rewind or explore on your own.".to_string()
        } else {
            format!(
                "{} of {total} beats so far. Play or press Continue.",
                guide.fired()
            )
        };
        return CaptionView::Idle {
            summary: session.lesson().summary.clone(),
            progress,
        };
    };
    let beat = &guide.beats()[current.index as usize];
    let picked = session.answer_of(current.index);
    let revealed = current.phase == Phase::Revealed;
    let choices = beat.ask.as_ref().map_or(Vec::new(), |q| {
        q.choices
            .iter()
            .enumerate()
            .map(|(i, c)| ChoiceView {
                index: i as u32,
                text: c.text.clone(),
                picked: picked == Some(i as u32),
                right: revealed && current.correct.contains(&(i as u32)),
            })
            .collect()
    });
    let answer = match (&beat.ask, &current.after) {
        (Some(q), Some(after)) if revealed => Some(answer_text(
            &q.explain,
            current.before.as_ref(),
            after,
            picked.is_some_and(|p| current.correct.contains(&p)),
            picked.is_some(),
        )),
        _ => None,
    };
    let asked_at = guide
        .shown_since()
        .filter(|at| current.phase == Phase::Asking && session.world().steps_taken() > *at);
    CaptionView::Beat {
        number: format!("{} / {total}", current.index + 1),
        caption: beat.caption.clone(),
        question: beat.ask.as_ref().map(|q| q.question.clone()),
        choices,
        phase: current.phase,
        answer,
        asked_at,
    }
}

pub fn value_text(value: &ProbeValue) -> String {
    match value {
        ProbeValue::Number(n) => n.to_string(),
        ProbeValue::Text(t) => t.clone(),
        ProbeValue::List(items) if items.is_empty() => "none".into(),
        ProbeValue::List(items) => items.join(", "),
        ProbeValue::Missing => "none".into(),
    }
}

fn answer_text(
    explain: &str,
    before: Option<&ProbeValue>,
    after: &ProbeValue,
    right: bool,
    answered: bool,
) -> String {
    let verdict = match (answered, right) {
        (false, _) => "",
        (true, true) => "Right. ",
        (true, false) => "Not quite. ",
    };
    let detail = if explain.is_empty() {
        format!("The run says: {}.", value_text(after))
    } else {
        explain
            .replace("{value}", &value_text(after))
            .replace("{before}", &before.map_or("none".into(), value_text))
    };
    format!("{verdict}{detail}")
}
