//! The narration under the stage: the newest plain sentences, quiet steps folded into a count,
//! a filter by node or partition, and a click on a line jumps the timeline to its step.

use crate::present::narration::{NarrationLine, Tone};
use crate::present::session::Action;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NarrationProps {
    pub lines: Rc<Vec<NarrationLine>>,
    /// Quiet steps after the newest line.
    pub quiet_tail: u32,
    /// What the filter offers, as (value, label).
    pub choices: Rc<Vec<(String, String)>>,
    pub filter: String,
    pub on_filter: Callback<String>,
    pub on_action: Callback<Action>,
    /// Open or close the exact RPC trace.
    pub on_details: Callback<()>,
    pub details_open: bool,
    /// Open (or close) the space-time diagram.
    pub on_spacetime: Callback<()>,
    pub spacetime_open: bool,
}

fn tone_class(tone: Tone) -> &'static str {
    match tone {
        Tone::Quiet | Tone::Routine => "routine",
        Tone::Notable => "notable",
        Tone::Alarm => "alarm",
    }
}

#[function_component(Narration)]
pub fn narration(p: &NarrationProps) -> Html {
    let on_filter = p.on_filter.reform(|e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        select.value()
    });
    html! {
        <section class="narration" aria-label="What happened" id="narration">
            <ol class="lines">
                { for p.lines.iter().map(|l| {
                    let step = l.step;
                    html! {
                        <li class={classes!("line", tone_class(l.tone))} onclick={p.on_action.reform(move |_: MouseEvent| Action::SeekTo(step))}
                            title={format!("Step {}: click to go back to it", l.step)}>
                            { if l.folded > 0 { html! { <span class="folded">{ format!("… {} quiet", l.folded) }</span> } } else { html! {} } }
                            <span class="t">{ l.time.clone() }</span>
                            <span class="s">{ l.text.clone() }</span>
                        </li>
                    }
                }) }
                { if p.lines.is_empty() { html! { <li class="line routine"><span class="s muted">{ "Nothing has happened yet: press Play, Step or Continue." }</span></li> } } else { html! {} } }
            </ol>
            <div class="narration-tools">
                <div class="tool-row">
                    <button class={classes!("details-button", p.spacetime_open.then_some("active"))} id="open-spacetime" aria-pressed={p.spacetime_open.to_string()}
                        title="The space-time diagram: a lane per node, an arrow per message" onclick={p.on_spacetime.reform(|_: MouseEvent| ())}>{ "Space-time" }</button>
                    <button class={classes!("details-button", p.details_open.then_some("active"))} id="details" aria-pressed={p.details_open.to_string()}
                        title="The exact RPC trace, step by step" onclick={p.on_details.reform(|_: MouseEvent| ())}>{ "Details" }</button>
                </div>
                { if p.quiet_tail > 0 { html! { <span class="quiet-tail">{ format!("+{} quiet", p.quiet_tail) }</span> } } else { html! {} } }
                <select id="narration-filter" aria-label="Show" onchange={on_filter}>
                    { for p.choices.iter().map(|(value, label)| html! {
                        <option value={value.clone()} selected={*value == p.filter}>{ label.clone() }</option>
                    }) }
                </select>
            </div>
        </section>
    }
}
