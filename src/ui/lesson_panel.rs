//! The lesson panel: pick a built-in lesson, load your own file or paste one, and read the story.

use crate::lesson::{builtin, Lesson};
use crate::present::session::Action;
use crate::present::view::LabView;
use std::rc::Rc;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LessonPanelProps {
    pub lesson: Rc<Lesson>,
    pub has_lab: bool,
    /// The run's seed (Reset starts again with the seed typed here).
    pub seed: u64,
    pub lab: Option<Rc<LabView>>,
    pub on_action: Callback<Action>,
}

#[function_component(LessonPanel)]
pub fn lesson_panel(p: &LessonPanelProps) -> Html {
    let pasted = use_state(String::new);

    let on_pick = p.on_action.reform(|e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        Action::LoadBuiltin(select.value())
    });
    let on_file = {
        let on_action = p.on_action.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            if file.size() > crate::lesson::MAX_LESSON_BYTES as f64 {
                return on_action.emit(Action::Fail(format!(
                    "That file has {} bytes; a lesson file has at most {}.",
                    file.size(),
                    crate::lesson::MAX_LESSON_BYTES
                )));
            }
            let on_action = on_action.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match JsFuture::from(file.text()).await {
                    Ok(text) => {
                        on_action.emit(Action::LoadCustom(text.as_string().unwrap_or_default()))
                    }
                    Err(_) => on_action.emit(Action::Inform("That file could not be read.".into())),
                }
            });
        })
    };
    let on_paste_input = {
        let pasted = pasted.clone();
        Callback::from(move |e: InputEvent| {
            let area: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
            pasted.set(area.value());
        })
    };
    let on_paste_load = {
        let (on_action, pasted) = (p.on_action.clone(), pasted.clone());
        Callback::from(move |_: MouseEvent| on_action.emit(Action::LoadCustom((*pasted).clone())))
    };
    let current = p.lesson.id.clone();
    html! {
        <div class="panel lesson-panel">
            <label class="pick">{ "Lesson " }
                <select id="lesson-pick" onchange={on_pick}>
                    { for builtin::all().into_iter().chain(builtin::challenges()).map(|l| html! { <option value={l.id.clone()} selected={l.id == current}>{ l.title.clone() }</option> }) }
                    { if builtin::find(&current).is_none() { html! { <option selected=true>{ format!("{} (your file)", p.lesson.title) }</option> } } else { html! {} } }
                </select>
            </label>
            <ResetRow seed={p.seed} on_action={p.on_action.clone()} />
            <h2>{ p.lesson.title.clone() }</h2>
            <p class="summary">{ p.lesson.summary.clone() }</p>
            { if p.has_lab { lab_section(p.lab.as_deref(), &p.on_action) } else { html! {} } }
            { for p.lesson.story.iter().map(|para| html! { <p>{ para.clone() }</p> }) }
            <details class="own-lesson">
                <summary>{ "Use your own lesson file" }</summary>
                <input type="file" accept=".json,application/json" onchange={on_file} aria-label="Lesson file" />
                <textarea rows="5" placeholder="…or paste lesson JSON here" value={(*pasted).clone()} oninput={on_paste_input} aria-label="Lesson JSON"></textarea>
                <button class="ctl" onclick={on_paste_load}>{ "Load pasted lesson" }</button>
            </details>
        </div>
    }
}

fn lab_section(lab: Option<&LabView>, on_action: &Callback<Action>) -> Html {
    let start = on_action.reform(|_: MouseEvent| Action::StartLab);
    let cancel = on_action.reform(|_: MouseEvent| Action::CancelLab);
    let Some(lab) = lab else {
        return html! {
            <section class="lab">
                <button class="ctl primary" id="run-lab" onclick={start}>{ "Run the lab" }</button>
                <span class="muted">{ " Runs every configuration to the last acknowledgement, in the background." }</span>
            </section>
        };
    };
    html! {
        <section class="lab" aria-live="polite">
            <div class="row">
                {
                    if lab.running {
                        html! { <button class="ctl" id="cancel-lab" onclick={cancel}>{ "Stop" }</button> }
                    } else {
                        html! { <button class="ctl" id="run-lab" onclick={start}>{ "Run again" }</button> }
                    }
                }
                <progress id="lab-progress" max="1000" value={lab.progress_permille.to_string()}></progress>
            </div>
            <p class="lab-status">{ lab.progress_text.clone() }</p>
            {
                if lab.bars.is_empty() { html! {} } else {
                    html! { <div class="lab-bars">
                        { for lab.bars.iter().map(|(name, percent, text)| html! {
                            <div class="lab-bar">
                                <span class="lab-bar-name">{ name.clone() }</span>
                                <span class="lab-bar-track"><span class="lab-bar-fill" style={format!("width: {}%", (*percent).max(1))}></span></span>
                                <span class="lab-bar-text">{ text.clone() }</span>
                            </div>
                        }) }
                    </div> }
                }
            }
            {
                if lab.rows.is_empty() { html! {} } else {
                    html! { <table class="lab-results" id="lab-results">
                        <thead><tr><th></th>{ for lab.names.iter().take(lab.rows[0].1.len()).map(|n| html! { <th scope="col">{ n.clone() }</th> }) }</tr></thead>
                        <tbody>{ for lab.rows.iter().map(|(label, cells)| html! {
                            <tr><th scope="row">{ label.clone() }</th>{ for cells.iter().map(|c| html! { <td>{ c.clone() }</td> }) }</tr>
                        }) }</tbody>
                    </table> }
                }
            }
            { lab.verdict.clone().map(|v| html! { <p class="verdict" id="lab-verdict">{ v }</p> }).unwrap_or_default() }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ResetProps {
    seed: u64,
    on_action: Callback<Action>,
}

/// Start the lesson again, with the seed typed here.
#[function_component(ResetRow)]
fn reset_row(p: &ResetProps) -> Html {
    let seed_text = use_state(|| p.seed.to_string());
    {
        let seed_text = seed_text.clone();
        use_effect_with(p.seed, move |seed| {
            seed_text.set(seed.to_string());
            || ()
        });
    }
    let on_seed = {
        let seed_text = seed_text.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            seed_text.set(input.value());
        })
    };
    let on_reset = {
        let (on_action, seed_text) = (p.on_action.clone(), seed_text.clone());
        Callback::from(move |_: MouseEvent| match seed_text.trim().parse::<u64>() {
            Ok(seed) => on_action.emit(Action::Reset { seed }),
            Err(_) => on_action.emit(Action::Fail(
                "The seed must be a whole number between 0 and 18446744073709551615.".into(),
            )),
        })
    };
    html! {
        <div class="row reset-row">
            <label>{ "Seed " }<input id="seed" type="text" inputmode="numeric" size="10" value={(*seed_text).clone()} oninput={on_seed} /></label>
            <button class="ctl" id="reset" onclick={on_reset} title="Start the lesson again with this seed: the same seed always gives the same run">{ "Reset" }</button>
        </div>
    }
}
