//! The producer panel (send records, produce at a rate, watch batches fill toward `batch.size`
//! while `linger.ms` counts down) and the consumer panel (positions, lag, records received).

use crate::kafka::{Command, NodeId};
use crate::present::session::Action;
use crate::present::view::{BatchView, ConsumerView, ProducerView};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ProducerPanelProps {
    pub producers: Rc<Vec<ProducerView>>,
    pub topics: Rc<Vec<String>>,
    pub on_action: Callback<Action>,
}

fn text_input(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        state.set(input.value());
    })
}

fn select_input(state: &UseStateHandle<String>) -> Callback<Event> {
    let state = state.clone();
    Callback::from(move |e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        state.set(select.value());
    })
}

#[function_component(ProducerPanel)]
pub fn producer_panel(p: &ProducerPanelProps) -> Html {
    let producer = use_state(|| "p1".to_string());
    let topic = use_state(|| p.topics.first().cloned().unwrap_or_default());
    let key = use_state(|| "alice".to_string());
    let value = use_state(|| "hello".to_string());
    let partition = use_state(String::new);
    let rate = use_state(|| "20".to_string());
    if p.producers.is_empty() {
        return html! { <div class="panel"><p class="muted">{ "This lesson has no producer." }</p></div> };
    }
    let producer_node = NodeId::parse(&producer).unwrap_or(NodeId::Producer(1));
    let on_send = {
        let (on_action, topic, key, value, partition) = (
            p.on_action.clone(),
            topic.clone(),
            key.clone(),
            value.clone(),
            partition.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let partition_text = partition.trim().to_string();
            let explicit = if partition_text.is_empty() {
                None
            } else {
                match partition_text.parse::<i32>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        return on_action.emit(Action::Inform(format!(
                            "Partition must be a number or empty, not \"{partition_text}\"."
                        )))
                    }
                }
            };
            on_action.emit(Action::Command(Command::Produce {
                producer: producer_node,
                topic: (*topic).clone(),
                key: Some(key.trim().to_string()).filter(|k| !k.is_empty()),
                value: Some((*value).clone()),
                partition: explicit,
            }));
        })
    };
    let on_rate = {
        let (on_action, topic, rate) = (p.on_action.clone(), topic.clone(), rate.clone());
        Callback::from(move |_: MouseEvent| match rate.trim().parse::<u32>() {
            Ok(n) => on_action.emit(Action::Command(Command::SetProduceRate {
                producer: producer_node,
                topic: (*topic).clone(),
                records_per_second: n,
                keys: vec!["alice".into(), "bob".into(), "carol".into(), "dave".into()],
            })),
            Err(_) => on_action.emit(Action::Inform(
                "The rate must be a whole number of records per second.".into(),
            )),
        })
    };
    let on_flush = p.on_action.reform(move |_: MouseEvent| {
        Action::Command(Command::Flush {
            producer: producer_node,
        })
    });
    html! {
        <div class="panel producer-panel">
            <form class="send-form" onsubmit={on_send}>
                <h3>{ "Send a record" }</h3>
                {
                    if p.producers.len() > 1 {
                        html! { <label>{ "Producer" }<select onchange={select_input(&producer)}>
                            { for p.producers.iter().map(|v| html! { <option value={v.label.clone()} selected={*producer == v.label}>{ v.label.clone() }</option> }) }
                        </select></label> }
                    } else { html! {} }
                }
                <label>{ "Topic" }<select onchange={select_input(&topic)}>
                    { for p.topics.iter().map(|t| html! { <option value={t.clone()} selected={*topic == *t}>{ t.clone() }</option> }) }
                </select></label>
                <label>{ "Key" }<input id="send-key" type="text" value={(*key).clone()} oninput={text_input(&key)} placeholder="empty = null key" /></label>
                <label>{ "Value" }<input id="send-value" type="text" value={(*value).clone()} oninput={text_input(&value)} /></label>
                <label>{ "Partition" }<input id="send-partition" type="text" inputmode="numeric" size="3" value={(*partition).clone()} oninput={text_input(&partition)} placeholder="auto" /></label>
                <div class="row">
                    <button type="submit" class="ctl primary" id="send">{ "send()" }</button>
                    <button type="button" class="ctl" onclick={on_flush}>{ "flush()" }</button>
                </div>
                <div class="row rate">
                    <label>{ "Auto-produce" }<input type="text" inputmode="numeric" size="5" value={(*rate).clone()} oninput={text_input(&rate)} />{ " records/s" }</label>
                    <button type="button" class="ctl" onclick={on_rate}>{ "Set rate" }</button>
                </div>
            </form>
            { for p.producers.iter().map(producer_card) }
        </div>
    }
}

fn producer_card(v: &ProducerView) -> Html {
    html! {
        <div class="card">
            <div class="card-head">
                <span class="node-name">{ v.label.clone() }</span>
                <span class={classes!("status", v.status.css())}>{ v.status.label() }</span>
                { v.workload.clone().map(|w| html! { <span class="workload">{ w }</span> }).unwrap_or_default() }
            </div>
            <dl class="settings">
                { for v.settings.iter().map(|(k, val)| html! { <><dt>{ k.clone() }</dt><dd>{ val.clone() }</dd></> }) }
            </dl>
            { v.note.clone().map(|n| html! { <p class="note">{ n }</p> }).unwrap_or_default() }
            <h4>{ "RecordAccumulator" }</h4>
            {
                if v.batches.is_empty() {
                    html! { <p class="muted">{ "No batches waiting." }</p> }
                } else {
                    html! { <ul class="batches">{ for v.batches.iter().map(batch_row) }</ul> }
                }
            }
            <h4>{ "Requests in flight" }</h4>
            {
                if v.in_flight.is_empty() {
                    html! { <p class="muted">{ "None." }</p> }
                } else {
                    html! { <p>{ for v.in_flight.iter().map(|(b, n)| html! { <span class="inflight">{ format!("{b}: {n}") }</span> }) }</p> }
                }
            }
            <dl class="stats">
                { for v.stats.iter().map(|(k, val)| html! { <><dt>{ k.clone() }</dt><dd>{ val.clone() }</dd></> }) }
            </dl>
        </div>
    }
}

fn batch_row(b: &BatchView) -> Html {
    let ring = match b.linger_left_ms {
        Some(left) => html! {
            <span class="linger" title="linger.ms countdown" style={format!("--elapsed: {}", b.linger_elapsed_percent)}>
                { format!("{left} ms") }
            </span>
        },
        None => html! {},
    };
    html! {
        <li class="batch">
            <span class="tp">{ b.partition.clone() }</span>
            <span class="fill" title={format!("{} of batch.size {} bytes", b.bytes, b.batch_size)}>
                <span class="fill-bar" style={format!("width: {}%", b.fill_percent.max(2))}></span>
            </span>
            <span class="batch-text">{ format!("{} rec · {} B", b.records, b.bytes) }</span>
            { ring }
            <span class="batch-state">{ b.state.clone() }</span>
        </li>
    }
}

#[derive(Properties, PartialEq)]
pub struct ConsumerPanelProps {
    pub consumers: Rc<Vec<ConsumerView>>,
}

#[function_component(ConsumerPanel)]
pub fn consumer_panel(p: &ConsumerPanelProps) -> Html {
    if p.consumers.is_empty() {
        return html! { <div class="panel"><p class="muted">{ "This lesson has no consumer." }</p></div> };
    }
    html! {
        <div class="panel consumer-panel">
            { for p.consumers.iter().map(consumer_card) }
        </div>
    }
}

fn consumer_card(v: &ConsumerView) -> Html {
    html! {
        <div class="card">
            <div class="card-head">
                <span class="node-name">{ v.label.clone() }</span>
                <span class={classes!("status", v.status.css())}>{ v.status.label() }</span>
                <span class="mode">{ v.mode.clone() }</span>
            </div>
            <table class="positions">
                <thead><tr><th>{ "partition" }</th><th>{ "position" }</th><th>{ "high watermark" }</th><th>{ "lag" }</th></tr></thead>
                <tbody>
                    { for v.partitions.iter().map(|p| html! {
                        <tr><td>{ p.partition.clone() }</td><td>{ p.position.clone() }</td><td>{ p.high_watermark.clone() }</td><td>{ p.lag.clone() }</td></tr>
                    }) }
                </tbody>
            </table>
            <p>{ format!("{} records received", v.consumed) }</p>
            <ul class="recent">{ for v.recent.iter().map(|r| html! { <li>{ r.clone() }</li> }) }</ul>
        </div>
    }
}
