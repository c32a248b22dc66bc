//! The producer panel: send records (with key, partition, headers, timestamp) or produce at a
//! rate; watch the `RecordAccumulator` fill batches toward `batch.size` while `linger.ms` counts
//! down, the sender's connections with their requests in flight, the batches that left and why,
//! `buffer.memory`, idempotence, the metrics, and change any producer config by its Kafka name.

use crate::kafka::producer::SendMode;
use crate::kafka::{Command, NodeId};
use crate::present::forms::{rate_command, send_command, send_mode_command, SendDraft};
use crate::present::session::Action;
use crate::present::view::producer::{
    AccumulatorRow, AccumulatorTopic, BatchView, ConfigGroupView, ConfigRowView, MetricChart,
    ProducerView,
};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ProducerPanelProps {
    pub producers: Rc<Vec<ProducerView>>,
    pub topics: Rc<Vec<String>>,
    pub on_action: Callback<Action>,
    /// The "?" beside a partition's batches: why is it still waiting?
    #[prop_or_default]
    pub on_why: Callback<(u32, String)>,
}

/// An `<input>` that keeps `state` in step with what is typed.
pub(super) fn text_input(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        state.set(input.value());
    })
}

/// A `<select>` that keeps `state` in step with the choice.
pub(super) fn select_input(state: &UseStateHandle<String>) -> Callback<Event> {
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
    let headers = use_state(String::new);
    let timestamp = use_state(String::new);
    let rate = use_state(|| "20".to_string());
    if p.producers.is_empty() {
        return html! { <div class="panel"><p class="muted">{ "This lesson has no producer." }</p></div> };
    }
    let view = p
        .producers
        .iter()
        .find(|v| v.label == *producer)
        .unwrap_or(&p.producers[0])
        .clone();
    let producer_node = NodeId::Producer(view.id);
    let on_send = {
        let on_action = p.on_action.clone();
        let draft = SendDraft {
            producer: view.id,
            topic: (*topic).clone(),
            key: (*key).clone(),
            value: (*value).clone(),
            partition: (*partition).clone(),
            headers: (*headers).clone(),
            timestamp: (*timestamp).clone(),
        };
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            on_action.emit(match send_command(&draft) {
                Ok(command) => Action::Command(command),
                Err(message) => Action::Inform(message),
            });
        })
    };
    let on_rate = {
        let (on_action, topic, rate) = (p.on_action.clone(), topic.clone(), rate.clone());
        let id = view.id;
        Callback::from(move |_: MouseEvent| {
            on_action.emit(match rate_command(id, &topic, &rate) {
                Ok(command) => Action::Command(command),
                Err(message) => Action::Inform(message),
            })
        })
    };
    let on_flush = p.on_action.reform(move |_: MouseEvent| {
        Action::Command(Command::Flush {
            producer: producer_node,
        })
    });
    let id = view.id;
    let on_mode = p.on_action.reform(move |e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        match send_mode_command(id, &select.value()) {
            Ok(command) => Action::Command(command),
            Err(message) => Action::Inform(message),
        }
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
                <label>{ "Partition" }<input id="send-partition" type="text" inputmode="numeric" value={(*partition).clone()} oninput={text_input(&partition)} placeholder="auto" /></label>
                <details class="more-fields">
                    <summary>{ "Headers and timestamp" }</summary>
                    <div class="more-grid">
                        <label>{ "Headers" }<input id="send-headers" type="text" value={(*headers).clone()} oninput={text_input(&headers)} placeholder="trace=abc, source=web" /></label>
                        <label>{ "Timestamp (ms since epoch)" }<input id="send-timestamp" type="text" inputmode="numeric" value={(*timestamp).clone()} oninput={text_input(&timestamp)} placeholder="empty: the producer stamps it" /></label>
                    </div>
                </details>
                <div class="row">
                    <button type="submit" class="ctl primary" id="send">{ "send()" }</button>
                    <button type="button" class="ctl" id="flush" onclick={on_flush}>{ "flush()" }</button>
                    <label class="inline">{ "Application " }
                        <select id="send-mode" onchange={on_mode} title={view.send_mode_text}>
                            { for SendMode::ALL.iter().map(|m| html! { <option value={m.name()} selected={m.name() == view.send_mode}>{ m.name().replace('_', " ") }</option> }) }
                        </select>
                    </label>
                </div>
                <div class="row rate">
                    <label class="inline">{ "Auto-produce" }<input type="text" inputmode="numeric" size="5" value={(*rate).clone()} oninput={text_input(&rate)} aria-label="Records per second" />{ " records/s" }</label>
                    <button type="button" class="ctl" onclick={on_rate}>{ "Set rate" }</button>
                </div>
            </form>
            <super::txn::TxnSection view={Rc::new(view.txn.clone())} producer={view.id} topics={p.topics.clone()} on_action={p.on_action.clone()} />
            { producer_card(&view, &p.on_action, &p.on_why) }
        </div>
    }
}

fn producer_card(
    v: &ProducerView,
    on_action: &Callback<Action>,
    on_why: &Callback<(u32, String)>,
) -> Html {
    html! {
        <div class="card producer-card" data-producer={v.label.clone()}>
            <div class="card-head">
                <span class="node-name">{ v.label.clone() }</span>
                <span class={classes!("status", v.status.css())}>{ v.status.label() }</span>
                <span class="workload">{ v.workload.clone().unwrap_or_else(|| v.send_mode_text.to_string()) }</span>
            </div>
            <div class="chips">
                { for v.summary.iter().map(|(k, val)| html! { <span class="chip"><span class="k">{ k.clone() }</span>{ " " }<b>{ val.clone() }</b></span> }) }
            </div>
            { v.note.clone().map(|n| html! { <p class="note">{ n }</p> }).unwrap_or_default() }

            <h4>{ "RecordAccumulator" }</h4>
            {
                if !v.metadata_ready && v.topics.is_empty() {
                    html! { <p class="muted">{ "Waiting for metadata: the producer does not know the partitions yet." }</p> }
                } else {
                    html! { for v.topics.iter().map(|t| accumulator_topic(t, v.id, on_why)) }
                }
            }
            { buffer_gauge(v) }

            <h4>{ "Sender: one connection per broker" }</h4>
            <div class="connections">
                { for v.connections.iter().map(|c| html! {
                    <div class={classes!("connection", c.touched.then_some("touched"))} data-broker={c.broker.clone()}
                        title={format!("{} of max.in.flight.requests.per.connection = {} requests in flight, carrying {} batches", c.in_flight, c.max_in_flight, c.batches)}>
                        <span class="conn-name">{ format!("→ {}", c.broker) }</span>
                        <span class="slots">
                            { for (0..c.max_in_flight.min(10)).map(|i| html! { <span class={classes!("slot", (i < c.in_flight).then_some("busy"))}></span> }) }
                        </span>
                        <span class="conn-text">{ format!("{}/{}", c.in_flight, c.max_in_flight) }</span>
                    </div>
                }) }
            </div>
            <h4>{ "Batches sent, newest first" }</h4>
            {
                if v.recent.is_empty() {
                    html! { <p class="muted">{ "None yet." }</p> }
                } else {
                    html! { <ol class="sent">
                        { for v.recent.iter().map(|b| html! {
                            <li class={classes!(b.fresh.then_some("fresh"))}>
                                <span class="at">{ b.at.clone() }</span>
                                <span class="tp">{ format!("{} → {}", b.partition, b.broker) }</span>
                                <span class="size">{ format!("{} rec · {} B", b.records, b.bytes) }</span>
                                <span class={classes!("reason", b.reason_css)}>{ b.reason }</span>
                            </li>
                        }) }
                    </ol> }
                }
            }

            <h4>{ "Idempotence" }</h4>
            <div class={classes!("idempotence", (!v.idempotence.enabled).then_some("off"))}>
                <p><b>{ v.idempotence.identity.clone() }</b>
                    { if v.idempotence.enabled { html! { <span class="dups">{ format!(" · duplicate records avoided: {}", v.idempotence.duplicates_avoided) }</span> } } else { html! {} } }
                </p>
                {
                    if v.idempotence.sequences.is_empty() { html! {} } else {
                        html! { <table class="positions sequences">
                            <thead><tr><th>{ "partition" }</th><th>{ "next sequence" }</th><th>{ "last acked" }</th></tr></thead>
                            <tbody>{ for v.idempotence.sequences.iter().map(|(tp, next, acked)| html! {
                                <tr><td>{ tp.clone() }</td><td>{ next }</td><td>{ if *acked < 0 { "-".to_string() } else { acked.to_string() } }</td></tr>
                            }) }</tbody>
                        </table> }
                    }
                }
                <p class="explain">{ v.idempotence.explanation.clone() }</p>
            </div>

            <dl class="stats counters">
                { for v.counters.iter().map(|(k, val)| html! { <><dt>{ k.clone() }</dt><dd>{ val.clone() }</dd></> }) }
            </dl>

            <h4>{ "Metrics (producer-metrics)" }</h4>
            <p class="muted small">{ "Charts: one point per simulated second, up to the last minute. Values: the average over the last 30 s, as Kafka's metrics report them." }</p>
            <div class="charts">{ for v.metrics.iter().map(metric_chart) }</div>

            <h4>{ "Producer configs" }</h4>
            <p class="muted small">{ "Kafka's names and defaults. A real producer reads its configs once, when it is created; here a change applies from the next batch, as if the application had made a new producer. Bold values were set explicitly." }</p>
            { for v.config.iter().map(|g| config_group(g, v.id, on_action)) }
        </div>
    }
}

fn accumulator_topic(t: &AccumulatorTopic, id: u32, on_why: &Callback<(u32, String)>) -> Html {
    let sticky = t.sticky.as_ref().map(|s| {
        let switched = match s.switched_now {
            Some(from) => {
                let from = from.map_or("none".to_string(), |f| format!("{}-{f}", s.topic));
                html! { <span class="switched">{ format!("switched from {from}") }</span> }
            }
            None => html! {},
        };
        html! {
            <p class={classes!("sticky", s.switched_now.is_some().then_some("now"))} title={s.rule.clone()}>
                { "Sticky partition for null keys: " }<b>{ format!("{}-{}", s.topic, s.partition) }</b>
                { format!(" ({} of {} B before it may switch) ", s.produced_bytes, s.switch_at_bytes) }
                { switched }
            </p>
        }
    });
    html! {
        <div class="acc-topic">
            { sticky.unwrap_or_default() }
            <ul class="acc-rows">{ for t.rows.iter().map(|r| accumulator_row(r, id, on_why)) }</ul>
        </div>
    }
}

fn accumulator_row(r: &AccumulatorRow, id: u32, on_why: &Callback<(u32, String)>) -> Html {
    let class = classes!(
        "acc-row",
        r.sticky.then_some("sticky"),
        r.appended_now.then_some("appended"),
        r.drained_now.then_some("drained"),
    );
    html! {
        <li class={class} data-partition={r.partition.clone()}>
            <div class="acc-label">
                <span class="tp">{ r.partition.clone() }</span>
                <span class="leader">{ r.leader.clone() }</span>
                { if r.sticky { html! { <span class="sticky-mark" title="null-key records go here now">{ "sticky" }</span> } } else { html! {} } }
                { r.weight.map(|w| html! { <span class="weight" title="adaptive partitioning weight">{ format!("weight {w}") }</span> }).unwrap_or_default() }
                { if r.batches.is_empty() { html! {} } else { batch_why_button(id, &r.partition, on_why) } }
            </div>
            <div class="acc-batches">
                {
                    if r.batches.is_empty() {
                        html! { <span class="empty">{ "no batch" }</span> }
                    } else {
                        html! { for r.batches.iter().map(batch) }
                    }
                }
                { r.more.map(|(n, bytes)| html! { <span class="more">{ format!("+{n} more batches ({bytes} B)") }</span> }).unwrap_or_default() }
            </div>
        </li>
    }
}

/// The "?" that asks why the partition's oldest batch is still waiting.
fn batch_why_button(id: u32, partition: &str, on_why: &Callback<(u32, String)>) -> Html {
    let tp = partition.to_string();
    let question = format!("Why is p{id}'s batch for {partition} still waiting?");
    html! {
        <button class="pwhy" id={format!("why-p{id}-{partition}")} title={question.clone()} aria-label={question}
            onclick={on_why.reform(move |_: MouseEvent| (id, tp.clone()))}>{ "?" }</button>
    }
}

fn batch(b: &BatchView) -> Html {
    // The linger ring: a circle whose stroke grows as linger.ms elapses.
    let circumference = 44.0_f64;
    let dash = circumference * b.linger_elapsed_percent as f64 / 100.0;
    let ring = match b.linger_left_ms {
        Some(left) => html! {
            <span class="linger" title={format!("linger.ms: {left} ms left")}>
                <svg viewBox="0 0 18 18" width="22" height="22" aria-hidden="true">
                    <circle cx="9" cy="9" r="7" class="ring-bg" />
                    <circle cx="9" cy="9" r="7" class="ring" stroke-dasharray={format!("{dash:.1} {circumference}")} transform="rotate(-90 9 9)" />
                </svg>
                <span class="linger-text">{ format!("{left} ms") }</span>
            </span>
        },
        None => html! {},
    };
    html! {
        <div class={classes!("acc-batch", b.css)}>
            <div class="batch-top">
                <span class="fill" title={format!("{} of batch.size {} bytes", b.bytes, b.batch_size)}>
                    <span class="fill-bar" style={format!("width: {}%", b.fill_percent.max(2))}></span>
                </span>
                <span class="batch-text">{ format!("{} rec · {} / {} B", b.records, b.bytes, b.batch_size) }</span>
                { ring }
            </div>
            <div class="batch-state">
                { b.sequence.map(|s| html! { <span class="seq">{ format!("seq {s} · ") }</span> }).unwrap_or_default() }
                { b.state.clone() }
            </div>
        </div>
    }
}

fn buffer_gauge(v: &ProducerView) -> Html {
    let b = &v.buffer;
    html! {
        <div class={classes!("buffer", b.blocked.is_some().then_some("blocked"))}>
            <span class="buffer-label">{ "buffer.memory" }</span>
            <span class="gauge" title={format!("{} of {} bytes hold batches", b.used, b.total)}>
                <span class="gauge-bar" style={format!("width: {}%", b.used_percent)}></span>
            </span>
            <span class="buffer-text">{ format!("{} used of {}", crate::present::view::producer::bytes_text(b.used), crate::present::view::producer::bytes_text(b.total)) }</span>
            { b.blocked.clone().map(|t| html! { <span class="blocked-text">{ format!("{t}; {} send() calls waiting", b.waiting_sends) }</span> }).unwrap_or_default() }
        </div>
    }
}

fn metric_chart(m: &MetricChart) -> Html {
    html! {
        <figure class="chart" data-metric={m.name}>
            <figcaption title={m.doc}>
                <span class="metric-name">{ m.name }</span>
                <span class="metric-value">{ m.current.clone() }</span>
            </figcaption>
            <svg viewBox="0 0 120 36" preserveAspectRatio="none" role="img" aria-label={format!("{} over time", m.name)}>
                <line x1="0" y1="35" x2="120" y2="35" class="axis" />
                {
                    if m.points.is_empty() {
                        html! { <text x="60" y="22" text-anchor="middle" class="no-data">{ "no data yet" }</text> }
                    } else {
                        html! { <polyline points={m.points.clone()} class="series" /> }
                    }
                }
            </svg>
            <span class="scale">{ format!("max {}", m.scale) }</span>
        </figure>
    }
}

fn config_group(g: &ConfigGroupView, producer: u32, on_action: &Callback<Action>) -> Html {
    html! {
        <details class="config-group" open={g.title == "Batching"}>
            <summary>{ g.title }</summary>
            <table class="config">
                <tbody>
                    { for g.rows.iter().map(|r| html! { <ConfigRow row={Rc::new(r.clone())} producer={producer} on_action={on_action.clone()} /> }) }
                </tbody>
            </table>
        </details>
    }
}

#[derive(Properties, PartialEq)]
struct ConfigRowProps {
    row: Rc<ConfigRowView>,
    producer: u32,
    on_action: Callback<Action>,
}

/// One config: its name, a field, the default. The value is checked with Kafka's rules here,
/// before anything is sent, so a mistake shows its message next to the field.
#[function_component(ConfigRow)]
fn config_row(p: &ConfigRowProps) -> Html {
    let draft = use_state(|| p.row.value.clone());
    let error = use_state(|| None::<String>);
    {
        // A new value from the engine (another change, a reset) replaces the draft.
        let (draft, error) = (draft.clone(), error.clone());
        use_effect_with(p.row.value.clone(), move |value| {
            draft.set(value.clone());
            error.set(None);
            || ()
        });
    }
    let apply = {
        let (row, draft, error, on_action, producer) = (
            p.row.clone(),
            draft.clone(),
            error.clone(),
            p.on_action.clone(),
            p.producer,
        );
        Rc::new(move |raw: String| {
            if raw == row.value {
                error.set(None);
                return;
            }
            match crate::present::view::producer::check_config_value(row.key, &raw) {
                Ok(()) => {
                    error.set(None);
                    on_action.emit(Action::Command(Command::SetConfig {
                        node: NodeId::Producer(producer),
                        key: row.key.to_string(),
                        value: raw,
                    }));
                }
                Err(message) => {
                    draft.set(raw);
                    error.set(Some(message));
                }
            }
        })
    };
    let field = match &p.row.choices {
        Some(choices) => {
            let apply = apply.clone();
            let onchange = Callback::from(move |e: Event| {
                let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
                apply(select.value());
            });
            html! {
                <select id={format!("cfg-{}", p.row.key)} onchange={onchange} aria-label={p.row.key}>
                    { for choices.iter().map(|(value, label)| html! { <option value={value.clone()} selected={*value == p.row.value}>{ label.clone() }</option> }) }
                </select>
            }
        }
        None => {
            let oninput = {
                let draft = draft.clone();
                Callback::from(move |e: InputEvent| {
                    let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                    draft.set(input.value());
                })
            };
            let onchange = {
                let apply = apply.clone();
                Callback::from(move |e: Event| {
                    let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                    apply(input.value());
                })
            };
            html! {
                <input id={format!("cfg-{}", p.row.key)} type="text" value={(*draft).clone()} oninput={oninput} onchange={onchange} aria-label={p.row.key} />
            }
        }
    };
    html! {
        <>
            <tr class={classes!(p.row.explicit.then_some("explicit"), error.is_some().then_some("invalid"))} title={p.row.doc}>
                <th scope="row"><code>{ p.row.key }</code></th>
                <td>{ field }</td>
                <td class="default">{ if p.row.default.is_empty() { "default: null".to_string() } else { format!("default: {}", p.row.default.rsplit('.').next().unwrap_or(p.row.default)) } }</td>
            </tr>
            {
                match &*error {
                    Some(message) => html! { <tr class="config-error"><td colspan="3" role="alert">{ message.clone() }</td></tr> },
                    None => html! {},
                }
            }
        </>
    }
}
