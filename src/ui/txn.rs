//! The producer panel's "Transactions" section: the producer's transaction state, the buttons
//! for its transactional calls (greyed out with the reason when it would refuse them), and two
//! small forms: `sendOffsetsToTransaction` and starting an exactly-once pipeline.

use super::producer::{select_input, text_input};
use crate::present::forms::{pipeline_command, send_offsets_command};
use crate::present::session::Action;
use crate::present::txn_controls::TxnControl;
use crate::present::view::txn::TxnPanelView;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TxnSectionProps {
    pub view: Rc<TxnPanelView>,
    pub producer: u32,
    pub topics: Rc<Vec<String>>,
    pub on_action: Callback<Action>,
}

/// One call's button; a refused call stays readable (aria-disabled) and says why.
fn control_button(c: &TxnControl, on_action: &Callback<Action>) -> Html {
    let id = format!("txn-{}", c.key);
    match &c.disabled {
        Some(why) => html! {
            <button type="button" class="ctl disabled" {id} aria-disabled="true" title={why.clone()}>{ c.label }</button>
        },
        None => {
            let command = c.command.clone();
            let onclick = on_action.reform(move |_: MouseEvent| Action::Command(command.clone()));
            html! {
                <button type="button" class={classes!("ctl", c.danger.then_some("danger"))} {id} title={c.explain} {onclick}>{ c.label }</button>
            }
        }
    }
}

#[function_component(TxnSection)]
pub fn txn_section(p: &TxnSectionProps) -> Html {
    let v = &p.view;
    let badge = v.badge.as_ref().map(|b| {
        html! {
            <div class="txn-head" title={b.tooltip.clone()}>
                <span class={classes!("txn-pill", b.css)} id="txn-state">{ b.state }</span>
                <code class="txn-id">{ b.transactional_id.clone() }</code>
                <span class="txn-pid">{ b.identity.clone() }</span>
                <p class="txn-parts" id="txn-partitions">
                    { if b.partitions.is_empty() { "No partition in a transaction.".to_string() } else { format!("In the transaction: {}", b.partitions.join(", ")) } }
                </p>
            </div>
        }
    });
    let hint = if v.badge.is_none() {
        "Not transactional: it writes each batch on its own. A transactional.id lets it write to several partitions, and commit a group's offsets, all or nothing."
    } else {
        "Inside a transaction, send() writes records that read_committed readers see only after commitTransaction(); abortTransaction() makes them skip them. Outside one, send() is refused."
    };
    html! {
        <section class="txn-section" id="txn-section" aria-label="Transactions">
            <h4>{ "Transactions" }</h4>
            { badge.unwrap_or_default() }
            <div class="row txn-buttons">{ for v.controls.iter().map(|c| control_button(c, &p.on_action)) }</div>
            <p class="muted small">{ hint }</p>
            { if v.badge.is_some() { html! { <TxnForms view={v.clone()} producer={p.producer} topics={p.topics.clone()} on_action={p.on_action.clone()} /> } } else { html! {} } }
        </section>
    }
}

/// `sendOffsetsToTransaction` and the pipeline, folded away: most lessons need neither.
#[function_component(TxnForms)]
fn txn_forms(p: &TxnSectionProps) -> Html {
    let pipeline = match &p.view.pipeline {
        Some(text) => {
            html! { <p class="txn-pipeline" id="txn-pipeline">{ format!("Pipeline: {text}") }</p> }
        }
        None => {
            html! { <PipelineForm view={p.view.clone()} producer={p.producer} topics={p.topics.clone()} on_action={p.on_action.clone()} /> }
        }
    };
    html! {
        <details class="more-fields txn-forms">
            <summary>{ "Offsets in the transaction, exactly-once pipeline" }</summary>
            <OffsetsForm view={p.view.clone()} producer={p.producer} topics={p.topics.clone()} on_action={p.on_action.clone()} />
            { pipeline }
        </details>
    }
}

#[function_component(OffsetsForm)]
fn offsets_form(p: &TxnSectionProps) -> Html {
    let v = &p.view;
    let group = use_state(|| v.groups.first().cloned().unwrap_or_default());
    let partition = use_state(|| {
        p.topics
            .first()
            .map(|t| format!("{t}-0"))
            .unwrap_or_default()
    });
    let offset = use_state(|| "0".to_string());
    let id = p.producer;
    let on_offsets = {
        let (on_action, group, partition, offset) = (
            p.on_action.clone(),
            group.clone(),
            partition.clone(),
            offset.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            on_action.emit(
                match send_offsets_command(id, &group, &partition, &offset) {
                    Ok(command) => Action::Command(command),
                    Err(message) => Action::Inform(message),
                },
            )
        })
    };
    let button = match &v.offsets_disabled {
        Some(why) => {
            html! { <button type="button" class="ctl disabled" id="txn-offsets" aria-disabled="true" title={why.clone()}>{ "sendOffsetsToTransaction()" }</button> }
        }
        None => {
            html! { <button type="button" class="ctl" id="txn-offsets" title="The group's offsets commit with the transaction, or not at all" onclick={on_offsets}>{ "sendOffsetsToTransaction()" }</button> }
        }
    };
    html! {
        <div class="form-row">
            <label>{ "group" }
                <input id="txn-offsets-group" list="txn-groups" size="10" value={(*group).clone()} oninput={text_input(&group)} />
                <datalist id="txn-groups">{ for v.groups.iter().map(|g| html! { <option value={g.clone()} /> }) }</datalist>
            </label>
            <label>{ "partition" }<input id="txn-offsets-partition" size="10" value={(*partition).clone()} oninput={text_input(&partition)} /></label>
            <label title="the next offset the group should read">{ "next offset" }<input id="txn-offsets-offset" size="5" inputmode="numeric" value={(*offset).clone()} oninput={text_input(&offset)} /></label>
            { button }
        </div>
    }
}

#[function_component(PipelineForm)]
fn pipeline_form(p: &TxnSectionProps) -> Html {
    let v = &p.view;
    let first_ok = v.pipeline_consumers.iter().find(|c| c.unsuitable.is_none());
    let consumer = use_state(|| first_ok.map(|c| c.label.clone()).unwrap_or_default());
    let output = use_state(|| p.topics.last().cloned().unwrap_or_default());
    let id = p.producer;
    let on_pipeline = {
        let (on_action, consumer, output) = (p.on_action.clone(), consumer.clone(), output.clone());
        Callback::from(move |_: MouseEvent| {
            on_action.emit(match pipeline_command(id, &consumer, &output) {
                Ok(command) => Action::Command(command),
                Err(message) => Action::Inform(message),
            })
        })
    };
    let why_not = v
        .pipeline_consumers
        .iter()
        .find(|c| c.label == *consumer)
        .and_then(|c| c.unsuitable.clone());
    let button = match &why_not {
        Some(why) => {
            html! { <button type="button" class="ctl disabled" id="txn-pipeline" aria-disabled="true" title={why.clone()}>{ "Start pipeline" }</button> }
        }
        None => {
            html! { <button type="button" class="ctl" id="txn-pipeline" title="What the consumer polls, this producer writes in a transaction with the consumer's offsets" onclick={on_pipeline}>{ "Start pipeline" }</button> }
        }
    };
    html! {
        <div class="form-row">
            <label>{ "consumer" }
                <select id="txn-pipeline-consumer" onchange={select_input(&consumer)}>
                    { for v.pipeline_consumers.iter().map(|c| html! { <option value={c.label.clone()} selected={*consumer == c.label}>{ c.label.clone() }</option> }) }
                </select>
            </label>
            <label>{ "writes to" }
                <select id="txn-pipeline-topic" onchange={select_input(&output)}>
                    { for p.topics.iter().map(|t| html! { <option value={t.clone()} selected={*output == *t}>{ t.clone() }</option> }) }
                </select>
            </label>
            { button }
            { why_not.map(|w| html! { <p class="muted small">{ w }</p> }).unwrap_or_default() }
        </div>
    }
}
