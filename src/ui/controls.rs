//! The control bar: step back, step, play/pause, speed, the timeline scrubber, the clock, and
//! reset with a seed.

use crate::present::session::{Action, SPEEDS};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub time: String,
    pub step: u64,
    pub horizon: u64,
    pub playing: bool,
    pub finished: bool,
    pub speed_index: u32,
    pub seed: u64,
    pub fingerprint: String,
    pub on_action: Callback<Action>,
}

#[function_component(Controls)]
pub fn controls(p: &ControlsProps) -> Html {
    let seed_text = use_state(|| p.seed.to_string());
    {
        let seed_text = seed_text.clone();
        use_effect_with(p.seed, move |seed| {
            seed_text.set(seed.to_string());
            || ()
        });
    }
    let act = |action: Action| p.on_action.reform(move |_: MouseEvent| action.clone());
    let on_speed = p.on_action.reform(|e: InputEvent| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        Action::SetSpeed(input.value().parse().unwrap_or(3))
    });
    let on_scrub = p.on_action.reform(|e: InputEvent| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        Action::SeekTo(input.value().parse().unwrap_or(0))
    });
    let on_seed_input = {
        let seed_text = seed_text.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            seed_text.set(input.value());
        })
    };
    let seed_value: Option<u64> = seed_text.trim().parse().ok();
    let on_reset = {
        let on_action = p.on_action.clone();
        Callback::from(move |_: MouseEvent| match seed_value {
            Some(seed) => on_action.emit(Action::Reset { seed }),
            None => on_action.emit(Action::Inform(
                "The seed must be a whole number between 0 and 18446744073709551615.".into(),
            )),
        })
    };
    let (play_label, play_action) = if p.playing {
        ("Pause", Action::Pause)
    } else {
        ("Play", Action::Play)
    };
    let (_, speed_label) = SPEEDS[(p.speed_index as usize).min(SPEEDS.len() - 1)];
    html! {
        <section class="controls" aria-label="Simulation controls">
            <div class="group">
                <button class="ctl" id="step-back" title="Step back (←)" onclick={act(Action::StepBack)} disabled={p.step == 0}>{ "◀ Back" }</button>
                <button class="ctl primary" id="step" title="Run one event (→)" onclick={act(Action::Step)} disabled={p.finished}>{ "Step ▶" }</button>
                <button class="ctl" id="step-event" title="Run until something happens: skips quiet timers and empty long-poll answers (↓)" onclick={act(Action::StepToEvent)} disabled={p.finished}>{ "Next ▶▶" }</button>
                <button class={classes!("ctl", "play", p.playing.then_some("playing"))} id="play" title="Play or pause"
                    onclick={act(play_action)} disabled={p.finished && !p.playing}>{ play_label }</button>
            </div>
            <label class="group speed">
                <span>{ "Speed" }</span>
                <input type="range" min="0" max={(SPEEDS.len() - 1).to_string()} value={p.speed_index.to_string()} oninput={on_speed} aria-label="Speed" />
                <span class="speed-label">{ speed_label }</span>
            </label>
            <div class="group clock" aria-live="off">
                <span class="time" id="sim-time">{ format!("t = {}", p.time) }</span>
                <span class="step-no">{ format!("step {}", p.step) }</span>
            </div>
            <label class="group scrub" title="Drag to rewind or replay">
                <span>{ "Timeline" }</span>
                <input type="range" min="0" max={p.horizon.max(p.step).to_string()} value={p.step.to_string()} oninput={on_scrub} aria-label="Timeline" />
            </label>
            <div class="group seed">
                <label>{ "Seed " }<input type="text" inputmode="numeric" value={(*seed_text).clone()} oninput={on_seed_input} size="8" aria-label="Seed" /></label>
                <button class="ctl" id="reset" onclick={on_reset}>{ "Reset" }</button>
                <span class="fingerprint" title="Fingerprint of every step so far: equal runs have equal fingerprints">{ format!("#{}", &p.fingerprint[..8]) }</span>
            </div>
        </section>
    }
}
