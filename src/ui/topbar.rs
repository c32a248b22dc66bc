//! The top bar: the lesson, the run's controls (back, step, next, play, speed, timeline,
//! clock), the panels, presenter mode, help and the share link.

use crate::present::session::{Action, SPEEDS};
use yew::prelude::*;

/// The side panels a teacher can open beside the stage.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Panel {
    Lesson,
    Producer,
    Consumer,
    Partitions,
    Network,
    Assignor,
    Console,
    Details,
    /// The record inspector (opens from a record cell on the stage).
    Record,
    /// Why a partition's high watermark is where it is (opens from its "?").
    Why,
    /// The run's branches and files (opens from the top bar's branch button).
    Branches,
    /// The space-time diagram (opens from the narration, beside Details).
    SpaceTime,
}

impl Panel {
    /// The panels the top bar offers (Details opens from the narration).
    pub const TABS: [Panel; 7] = [
        Panel::Lesson,
        Panel::Producer,
        Panel::Consumer,
        Panel::Partitions,
        Panel::Network,
        Panel::Assignor,
        Panel::Console,
    ];
    pub const ALL: [Panel; 12] = [
        Panel::Lesson,
        Panel::Producer,
        Panel::Consumer,
        Panel::Partitions,
        Panel::Network,
        Panel::Assignor,
        Panel::Console,
        Panel::Details,
        Panel::Record,
        Panel::Why,
        Panel::Branches,
        Panel::SpaceTime,
    ];
    pub fn label(self) -> &'static str {
        match self {
            Panel::Lesson => "Lesson",
            Panel::Producer => "Producer",
            Panel::Consumer => "Consumer",
            Panel::Partitions => "Partitions",
            Panel::Network => "Network",
            Panel::Assignor => "Assignor",
            Panel::Console => "Console",
            Panel::Details => "Details",
            Panel::Record => "Record",
            Panel::Why => "Why?",
            Panel::Branches => "Branches",
            Panel::SpaceTime => "Space-time",
        }
    }
    pub fn id(self) -> &'static str {
        match self {
            Panel::Lesson => "panel-lesson",
            Panel::Producer => "panel-producer",
            Panel::Consumer => "panel-consumer",
            Panel::Partitions => "panel-partitions",
            Panel::Network => "panel-network",
            Panel::Assignor => "panel-assignor",
            Panel::Console => "panel-console",
            Panel::Details => "panel-details",
            Panel::Record => "panel-record",
            Panel::Why => "panel-why",
            Panel::Branches => "panel-branches",
            Panel::SpaceTime => "panel-spacetime",
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct TopBarProps {
    pub title: String,
    pub time: String,
    pub step: u64,
    pub horizon: u64,
    pub playing: bool,
    pub behind: bool,
    pub finished: bool,
    pub speed_index: u32,
    pub panel: Option<Panel>,
    pub presenter: bool,
    pub on_action: Callback<Action>,
    pub on_panel: Callback<Panel>,
    pub on_catalogue: Callback<()>,
    pub on_presenter: Callback<()>,
    pub on_help: Callback<()>,
    pub on_share: Callback<()>,
    /// How many branches the run has, and where the timeline forks (for the marks).
    pub branches: usize,
    pub fork_marks: std::rc::Rc<Vec<u64>>,
    /// Compare is open; the step where its two runs first differ, once known.
    pub comparing: bool,
    pub divergence: Option<u64>,
    pub on_compare: Callback<()>,
}

#[function_component(TopBar)]
pub fn top_bar(p: &TopBarProps) -> Html {
    let act = |action: Action| p.on_action.reform(move |_: MouseEvent| action.clone());
    let on_speed = p.on_action.reform(|e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        Action::SetSpeed(select.value().parse().unwrap_or(3))
    });
    let on_scrub = p.on_action.reform(|e: InputEvent| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        Action::SeekTo(input.value().parse().unwrap_or(0))
    });
    let play_label = if p.playing { "■ Pause" } else { "▶ Play" };
    let unit = |cb: &Callback<()>| cb.reform(|_: MouseEvent| ());
    html! {
        <header class="topbar" aria-label="Controls">
            <button class="lesson-button" id="open-catalogue" onclick={unit(&p.on_catalogue)} title="All lessons (L)">
                <span class="burger">{ "☰" }</span><span class="lesson-name">{ p.title.clone() }</span>
            </button>
            <div class="run">
                <button class="ctl" id="step-back" title="Back one step (←)" onclick={act(Action::StepBack)} disabled={p.step == 0}>{ "◀" }</button>
                <button class="ctl" id="step" title="One step: one message delivered or one timer (→)" onclick={act(Action::Step)} disabled={p.finished}>{ "▶" }</button>
                <button class="ctl" id="step-event" title="Run until something happens (↓)" onclick={act(Action::StepToEvent)} disabled={p.finished}>{ "▶▶" }</button>
                <button class={classes!("ctl", "play", p.playing.then_some("playing"))} id="play" title="Play or pause (Space)"
                    onclick={act(Action::TogglePlay)} disabled={p.finished && !p.playing}>{ play_label }</button>
                <select class="speed" id="speed" aria-label="Speed" title="Simulated time per real second" onchange={on_speed}>
                    { for SPEEDS.iter().enumerate().map(|(i, (_, label))| html! {
                        <option value={i.to_string()} selected={i as u32 == p.speed_index}>{ *label }</option>
                    }) }
                </select>
                { if p.behind { html! { <span class="behind" title="The engine cannot keep up with this speed on this machine: time runs as fast as it can">{ "max" }</span> } } else { html! {} } }
            </div>
            { fork_marks(&p.fork_marks, p.horizon.max(p.step)) }
            { divergence_mark(p.divergence, p.horizon.max(p.step)) }
            <input class="scrub" id="timeline" type="range" min="0" max={p.horizon.max(p.step).to_string()} value={p.step.to_string()} oninput={on_scrub} aria-label="Timeline" title="Drag to rewind or replay" />
            <div class="clock" aria-live="off">
                <span class="time" id="sim-time">{ p.time.clone() }</span>
                <span class="step-no">{ format!("step {}", p.step) }</span>
            </div>
            <nav class="panels" aria-label="Panels">
                { for Panel::TABS.iter().map(|panel| {
                    let which = *panel;
                    let open = p.panel == Some(which);
                    html! {
                        <button class={classes!("tab", open.then_some("active"))} id={format!("tab-{}", which.label().to_lowercase())} aria-pressed={open.to_string()}
                            onclick={p.on_panel.reform(move |_: MouseEvent| which)}>{ which.label() }</button>
                    }
                }) }
            </nav>
            <div class="tools">
                <button class={classes!("ctl", p.presenter.then_some("active"))} id="presenter" title="Presenter mode: the stage fills the screen, large text, clicker keys (P)" onclick={unit(&p.on_presenter)}>{ "Present" }</button>
                <button class="ctl" id="help" title="Keyboard shortcuts (?)" onclick={unit(&p.on_help)}>{ "?" }</button>
                <button class={classes!("ctl", "branches", (p.panel == Some(Panel::Branches)).then_some("active"))} id="branches"
                    title="Branches of this run (every what-if), export, import, download"
                    onclick={p.on_panel.reform(|_: MouseEvent| Panel::Branches)}>
                    <svg class="fork-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
                        <circle cx="4" cy="3" r="1.8" /><circle cx="4" cy="13" r="1.8" /><circle cx="12" cy="4.5" r="1.8" />
                        <path d="M4 4.8 V11.2 M12 6.3 C12 9.5 4 8.5 4 11.2" />
                    </svg>
                    <span class="sr-only">{ "Branches" }</span>
                    { if p.branches > 1 { html! { <span class="count" id="branch-count">{ p.branches }</span> } } else { html! {} } }
                </button>
                <button class={classes!("ctl", p.comparing.then_some("active"))} id="compare-open" title="Run this lesson a second time with something changed, side by side" onclick={unit(&p.on_compare)}>
                    <span aria-hidden="true">{ "A|B" }</span><span class="sr-only">{ "Compare…" }</span>
                </button>
                <button class="ctl share" id="share" title="Copy a link to this exact moment" onclick={unit(&p.on_share)}>{ "Share" }</button>
            </div>
        </header>
    }
}

/// Where Compare's two runs first differ: a diamond on the timeline.
fn divergence_mark(step: Option<u64>, end: u64) -> Html {
    let Some(step) = step.filter(|s| *s <= end && end > 0) else {
        return html! {};
    };
    let at = step as f64 / end as f64;
    html! {
        <div class="fork-marks" aria-hidden="true">
            <span class="divergence-mark" id="divergence-mark" style={format!("left: calc(7px + (100% - 14px) * {at:.4})")} title={format!("The two runs first differ at step {step}")}></span>
        </div>
    }
}

/// Small marks along the timeline where it forks (under the slider, never in the way of it).
fn fork_marks(marks: &[u64], end: u64) -> Html {
    if marks.is_empty() || end == 0 {
        return html! {};
    }
    html! {
        <div class="fork-marks" aria-hidden="true">
            { for marks.iter().filter(|m| **m <= end).map(|m| {
                // The thumb's centre runs from 7 px to (width - 7 px).
                let at = *m as f64 / end as f64;
                html! { <span class="fork-mark" style={format!("left: calc(7px + (100% - 14px) * {at:.4})")} title={format!("A branch forks at step {m}")}></span> }
            }) }
        </div>
    }
}
