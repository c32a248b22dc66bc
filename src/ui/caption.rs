//! The caption area: the beat's caption, its question with choices, the answer the run revealed,
//! and Continue; between beats, the lesson's promise and progress. It sits above the stage and
//! never covers it.

use crate::present::caption::CaptionView;
use crate::present::session::{Action, Phase};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CaptionProps {
    pub view: CaptionView,
    pub on_action: Callback<Action>,
}

#[function_component(Caption)]
pub fn caption(p: &CaptionProps) -> Html {
    let act = |action: Action| p.on_action.reform(move |_: MouseEvent| action.clone());
    match &p.view {
        CaptionView::Idle { summary, progress } => html! {
            <section class="caption idle" aria-live="polite" id="caption">
                <span class="summary">{ summary.clone() }</span>
                <span class="progress">{ progress.clone() }</span>
            </section>
        },
        CaptionView::Beat {
            number,
            caption,
            question,
            choices,
            phase,
            answer,
            asked_at,
        } => html! {
            <section class={classes!("caption", "beat", (*phase == Phase::Asking).then_some("asking"))} aria-live="polite" id="caption">
                <span class="beat-no" title="Beat">{ number.clone() }</span>
                <div class="beat-text">
                    <p class="beat-caption">{ caption.clone() }</p>
                    { question.as_ref().map(|q| html! { <p class="question">{ q.clone() }</p> }).unwrap_or_default() }
                    { if choices.is_empty() { html! {} } else { html! {
                        <div class="choices" role="group" aria-label="Choices">
                            { for choices.iter().map(|c| {
                                let index = c.index;
                                html! {
                                    <button class={classes!("choice", c.picked.then_some("picked"), c.right.then_some("right"))}
                                        id={format!("choice-{}", c.index)}
                                        disabled={*phase != Phase::Asking || asked_at.is_some()}
                                        onclick={p.on_action.reform(move |_: MouseEvent| Action::Answer(index))}>
                                        <span class="choice-key">{ (b'A' + c.index as u8) as char }</span>{ c.text.clone() }
                                    </button>
                                }
                            }) }
                        </div>
                    } } }
                    { answer.as_ref().map(|a| html! { <p class="answer" id="answer">{ a.clone() }</p> }).unwrap_or_default() }
                </div>
                { match (phase, asked_at) {
                    (Phase::Asking, Some(at)) => html! {
                        <span class="hint moved-past">
                            { "The run has moved past this question. " }
                            <button class="ctl primary" id="back-to-question" onclick={act(Action::SeekTo(*at))} title={format!("Rewind to step {at}, where the question was asked")}>{ "◂ Back to the question" }</button>
                        </span>
                    },
                    (Phase::Asking, None) => html! { <span class="hint">{ "Pick an answer (A, B, C…)" }</span> },
                    (Phase::Waiting, _) => html! { <span class="hint">{ "Watch what happens…" }</span> },
                    _ => html! { <button class="ctl primary continue" id="continue" onclick={act(Action::Continue)} title="Continue (PageDown)">{ "Continue ▸" }</button> },
                } }
            </section>
        },
    }
}
