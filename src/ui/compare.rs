//! Compare: the picker (a short list of changes for this lesson, a field for any other, or
//! another branch) and, while comparing, the strip beside the stage: what the second run is,
//! where the two first differ, the figures side by side, and the second run's partitions.

use crate::present::compare::{Choice, CompareView};
use crate::present::session::{Action, BranchView};
use std::collections::BTreeSet;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ComparePickerProps {
    pub choices: Rc<Vec<Choice>>,
    pub branches: Rc<Vec<BranchView>>,
    pub on_action: Callback<Action>,
    pub on_close: Callback<()>,
}

#[function_component(ComparePicker)]
pub fn compare_picker(p: &ComparePickerProps) -> Html {
    let picked = use_state(BTreeSet::<String>::new);
    let typed = use_state(String::new);
    let close = p.on_close.reform(|_: MouseEvent| ());
    let start = {
        let (picked, typed, on_action, on_close) = (
            picked.clone(),
            typed.clone(),
            p.on_action.clone(),
            p.on_close.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let mut changes: Vec<String> = picked.iter().cloned().collect();
            changes.extend(
                typed
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(String::from),
            );
            on_action.emit(Action::OpenCompare(changes));
            on_close.emit(());
        })
    };
    let on_typed = {
        let typed = typed.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            typed.set(input.value());
        })
    };
    let mut groups: Vec<(String, Vec<(usize, &Choice)>)> = Vec::new();
    for (i, c) in p.choices.iter().enumerate() {
        match groups.last_mut() {
            Some((g, list)) if *g == c.group => list.push((i, c)),
            _ => groups.push((c.group.clone(), vec![(i, c)])),
        }
    }
    let others: Vec<&BranchView> = p.branches.iter().filter(|b| !b.current).collect();
    let nothing = picked.is_empty() && typed.trim().is_empty();
    html! {
        <div class="overlay" role="dialog" aria-label="Compare" id="compare-picker">
            <div class="overlay-box wide compare-box">
                <div class="overlay-head">
                    <h2>{ "Compare: the same lesson and seed, run twice" }</h2>
                    <button class="dismiss" onclick={close} aria-label="Close">{ "×" }</button>
                </div>
                <p class="muted">{ "Pick what the second run (B) changes. Both runs then move together under the same controls." }</p>
                <div class="compare-groups">
                    { for groups.iter().map(|(g, list)| html! {
                        <fieldset class="compare-group">
                            <legend>{ g.clone() }</legend>
                            { for list.iter().map(|(i, c)| choice_box(*i, c, &picked)) }
                        </fieldset>
                    }) }
                </div>
                <label class="compare-typed">{ "Or type changes (comma-separated): " }
                    <input id="compare-custom" type="text" placeholder="p1.linger.ms=20, topic.orders.min.insync.replicas=3, +crash b1@8000" value={(*typed).clone()} oninput={on_typed} />
                </label>
                <div class="compare-go">
                    <button class="ctl primary" id="compare-start" onclick={start} disabled={nothing}>{ "Compare" }</button>
                    { branch_buttons(&others, &p.on_action, &p.on_close) }
                </div>
            </div>
        </div>
    }
}

/// "Or compare with a branch": one button per branch other than the one on screen.
fn branch_buttons(
    others: &[&BranchView],
    on_action: &Callback<Action>,
    on_close: &Callback<()>,
) -> Html {
    if others.is_empty() {
        return html! {};
    }
    html! {
        <span class="compare-branches">{ "or compare with a branch: " }
            { for others.iter().map(|b| {
                let (index, on_action, on_close) = (b.index, on_action.clone(), on_close.clone());
                let go = Callback::from(move |_: MouseEvent| { on_action.emit(Action::CompareBranch(index)); on_close.emit(()); });
                html! { <button class="ctl" id={format!("compare-branch-{}", b.index)} onclick={go}>{ b.name.clone() }</button> }
            }) }
        </span>
    }
}

fn choice_box(i: usize, c: &Choice, picked: &UseStateHandle<BTreeSet<String>>) -> Html {
    let text = c.text.clone();
    let checked = picked.contains(&text);
    let toggle = {
        let picked = picked.clone();
        Callback::from(move |_: Event| {
            let mut next = (*picked).clone();
            if !next.remove(&text) {
                next.insert(text.clone());
            }
            picked.set(next);
        })
    };
    html! {
        <label class="compare-choice" title={c.text.clone()}>
            <input type="checkbox" id={format!("compare-choice-{i}")} data-change={c.text.clone()} checked={checked} onchange={toggle} />
            { c.label.clone() }
        </label>
    }
}

#[derive(Properties, PartialEq)]
pub struct CompareStripProps {
    pub view: Rc<CompareView>,
    pub on_action: Callback<Action>,
}

/// Between the two stages while comparing (beside the one on screen when the page is too
/// narrow for both: its A and B buttons pick which).
#[function_component(CompareStrip)]
pub fn compare_strip(p: &CompareStripProps) -> Html {
    let v = &p.view;
    let close = p.on_action.reform(|_: MouseEvent| Action::CloseCompare);
    let show_b = use_state(|| false);
    html! {
        <aside class={classes!("compare-strip", show_b.then_some("show-b"))} id="compare-strip" aria-label="Compare">
            <div class="panel-head">
                <h2 class="compare-title"><span class="lane-tag a">{ "A" }</span>{ "this run" }<span class="vs">{ "vs" }</span><span class="lane-tag b">{ "B" }</span><span id="compare-label">{ v.label.clone() }</span></h2>
                <button class="ctl" id="compare-close" onclick={close} title="Back to the one stage; the run stays as it is">{ "Close" }</button>
            </div>
            { lane_buttons(&show_b) }
            { divergence(v, &p.on_action) }
            { refusals(v) }
            <table class="compare-figures" id="compare-figures">
                <thead><tr><th></th><th>{ "A" }</th><th>{ "B" }</th></tr></thead>
                <tbody>
                    { for v.rows.iter().map(|r| html! {
                        <tr class={classes!(r.differs.then_some("differs"))} data-figure={r.name}>
                            <th>{ r.name }</th><td>{ r.a.clone() }</td><td>{ r.b.clone() }{ if r.differs { " ◆" } else { "" } }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <h3 class="compare-sub">{ "B's partitions" }</h3>
            <table class="compare-partitions" id="compare-partitions">
                <thead><tr><th>{ "Partition" }</th><th>{ "Leader" }</th><th>{ "ISR" }</th><th>{ "HW A → B" }</th></tr></thead>
                <tbody>
                    { for v.partitions.iter().map(|s| html! {
                        <tr>
                            <th>{ s.partition.clone() }</th>
                            <td class={classes!(s.leader_differs.then_some("differs"))}>{ s.b.leader.clone() }</td>
                            <td class={classes!(s.isr_differs.then_some("differs"))}>{ s.b.isr.clone() }</td>
                            <td class={classes!((s.a_high_watermark != s.b.high_watermark).then_some("differs"))}>{ format!("{} → {}", s.a_high_watermark, s.b.high_watermark) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <p class="muted small">{ crate::present::compare::STRIP_NOTE }</p>
        </aside>
    }
}

fn divergence(v: &CompareView, on_action: &Callback<Action>) -> Html {
    match &v.divergence {
        Some((step, text)) => {
            let step = *step;
            let go = on_action.reform(move |_: MouseEvent| Action::SeekTo(step));
            html! {
                <div class="compare-divergence" id="compare-divergence" data-step={step.to_string()}>
                    <span class="div-mark" aria-hidden="true">{ "◆" }</span>
                    <span class="div-text">{ text.clone() }</span>
                    <button class="ctl" id="compare-goto" onclick={go}>{ format!("Go to step {step}") }</button>
                </div>
            }
        }
        None => html! {
            <div class="compare-divergence same" id="compare-divergence">{ crate::present::compare::SAME_SO_FAR }</div>
        },
    }
}

/// Which stage a page too narrow for both shows (hidden when both fit).
fn lane_buttons(show_b: &UseStateHandle<bool>) -> Html {
    let pick = |b: bool| {
        let show_b = show_b.clone();
        Callback::from(move |_: MouseEvent| show_b.set(b))
    };
    html! {
        <div class="compare-lanes" role="group" aria-label={crate::present::compare::LANES_LABEL}>
            <span class="muted small">{ crate::present::compare::LANES_LABEL }</span>
            <button class={classes!("ctl", (!**show_b).then_some("on"))} id="compare-show-a" aria-pressed={(!**show_b).to_string()} onclick={pick(false)}>
                <span class="lane-tag a">{ "A" }</span>{ "this run" }</button>
            <button class={classes!("ctl", show_b.then_some("on"))} id="compare-show-b" aria-pressed={show_b.to_string()} onclick={pick(true)}>
                <span class="lane-tag b">{ "B" }</span>{ "changed run" }</button>
        </div>
    }
}

/// The commands B refused (A ran them), newest first: never silence.
fn refusals(v: &CompareView) -> Html {
    if v.refusals.is_empty() {
        return html! {};
    }
    html! {
        <div class="compare-refusals" id="compare-refusals" role="status">
            <b>{ crate::present::compare::REFUSALS_TITLE }</b>
            <ul>{ for v.refusals.iter().map(|r| html! { <li>{ r.clone() }</li> }) }</ul>
            { v.refused_more.clone().map(|m| html! { <span class="muted small">{ m }</span> }).unwrap_or_default() }
        </div>
    }
}
