//! The challenge bar under the caption: the goal, the actions used of the budget, and the
//! verdict as the run goes, with a link to the deciding step, a hint on request and, once the
//! budget is spent on impossible settings, why the goal cannot be reached.

use crate::present::challenge::{ChallengeState, ChallengeView};
use crate::present::session::Action;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ChallengeBarProps {
    pub view: ChallengeView,
    pub on_action: Callback<Action>,
}

#[function_component(ChallengeBar)]
pub fn challenge_bar(p: &ChallengeBarProps) -> Html {
    let v = &p.view;
    let state = match v.state {
        ChallengeState::Open => "open",
        ChallengeState::Spent => "spent",
        ChallengeState::Met => "met",
        ChallengeState::Failed => "failed",
    };
    let link = v.step.map(|step| {
        let go = p.on_action.reform(move |_: MouseEvent| Action::SeekTo(step));
        html! { <button class="ctl c-step" id="challenge-step" onclick={go}>{ format!("Go to step {step}") }</button> }
    });
    html! {
        <div class={classes!("challenge", state)} id="challenge" aria-live="polite">
            <div class="c-line">
                <span class="c-goal">{ "Challenge: " }{ v.goal.clone() }</span>
                <span class="c-budget" id="challenge-budget">{ format!("Actions {} of {}", v.used, v.budget) }</span>
            </div>
            <div class="c-line">
                <span class="c-status" id="challenge-status">{ v.status.clone() }</span>
                <span class="c-progress">{ v.progress.clone() }</span>
                { link.unwrap_or_default() }
                { v.hint.clone().map(|h| html! {
                    <details class="c-hint"><summary>{ "Hint" }</summary><span>{ h }</span></details>
                }).unwrap_or_default() }
            </div>
            { v.impossible.clone().map(|text| html! {
                <p class="c-impossible" id="challenge-impossible">{ text }</p>
            }).unwrap_or_default() }
        </div>
    }
}
