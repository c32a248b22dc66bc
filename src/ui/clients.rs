//! The consumer panel: consumer groups (state, generation, leader, protocol, members coloured
//! with their partitions, the `kafka-consumer-groups.sh --describe` table, the rebalance
//! timeline), each consumer with its buttons, and a form to add a consumer.

use crate::kafka::Command;
use crate::present::forms::{
    add_consumer_command, assignor_names, member_class, ConsumerDraft, OFFSET_RESETS,
};
use crate::present::group::{GroupView, TimelineView};
use crate::present::session::Action;
use crate::present::view::ConsumerView;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ConsumerPanelProps {
    pub consumers: Rc<Vec<ConsumerView>>,
    pub groups: Rc<Vec<GroupView>>,
    pub topics: Rc<Vec<String>>,
    pub on_action: Callback<Action>,
}

#[function_component(ConsumerPanel)]
pub fn consumer_panel(p: &ConsumerPanelProps) -> Html {
    html! {
        <div class="panel consumer-panel">
            <AddConsumer groups={p.groups.clone()} topics={p.topics.clone()} on_action={p.on_action.clone()} />
            { for p.groups.iter().map(group_card) }
            if p.consumers.is_empty() {
                <p class="muted">{ "No consumer yet. Add one above." }</p>
            }
            { for p.consumers.iter().map(|c| consumer_card(c, &p.on_action)) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct AddProps {
    groups: Rc<Vec<GroupView>>,
    topics: Rc<Vec<String>>,
    on_action: Callback<Action>,
}

#[function_component(AddConsumer)]
fn add_consumer(p: &AddProps) -> Html {
    let default_group = p
        .groups
        .first()
        .map_or_else(|| "my-group".to_string(), |g| g.group.clone());
    let group = use_state(|| default_group);
    let topic = use_state(|| p.topics.first().cloned().unwrap_or_default());
    let assignor = use_state(|| "range".to_string());
    let reset = use_state(|| "earliest".to_string());
    let on_group = {
        let group = group.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            group.set(input.value());
        })
    };
    let select = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            state.set(select.value());
        })
    };
    let on_add = {
        let draft = ConsumerDraft {
            group: (*group).clone(),
            topic: (*topic).clone(),
            assignor: (*assignor).clone(),
            reset: (*reset).clone(),
        };
        let on_action = p.on_action.clone();
        Callback::from(move |_: MouseEvent| {
            on_action.emit(match add_consumer_command(&draft) {
                Ok(command) => Action::Command(command),
                Err(message) => Action::Inform(message),
            })
        })
    };
    html! {
        <div class="card add-consumer">
            <div class="card-head"><span class="node-name">{ "Add a consumer" }</span></div>
            <div class="form-row">
                <label>{ "group.id" }
                    <input id="add-consumer-group" list="known-groups" value={(*group).clone()} oninput={on_group} size="12" />
                    <datalist id="known-groups">{ for p.groups.iter().map(|g| html! { <option value={g.group.clone()} /> }) }</datalist>
                </label>
                <label>{ "subscribe" }
                    <select id="add-consumer-topic" onchange={select(&topic)}>
                        { for p.topics.iter().map(|t| html! { <option value={t.clone()} selected={*topic == *t}>{ t.clone() }</option> }) }
                    </select>
                </label>
                <label title="partition.assignment.strategy">{ "assignor" }
                    <select id="add-consumer-assignor" onchange={select(&assignor)}>
                        { for assignor_names().into_iter().map(|a| html! { <option value={a} selected={*assignor == a}>{ a }</option> }) }
                    </select>
                </label>
                <label title="auto.offset.reset">{ "reset" }
                    <select onchange={select(&reset)}>
                        { for OFFSET_RESETS.iter().map(|a| html! { <option value={*a} selected={*reset == *a}>{ *a }</option> }) }
                    </select>
                </label>
                <button id="add-consumer" onclick={on_add}>{ "Add consumer" }</button>
            </div>
        </div>
    }
}

fn group_card(g: &GroupView) -> Html {
    html! {
        <div class="card group-card" data-group={g.group.clone()}>
            <div class="card-head">
                <span class="node-name">{ format!("group {}", g.group) }</span>
                <span class={classes!("group-state", g.state.to_lowercase().replace(' ', "-"))}>{ g.state.clone() }</span>
            </div>
            <dl class="group-facts">
                <dt>{ "generation" }</dt><dd>{ g.generation }</dd>
                <dt>{ "leader" }</dt><dd>{ g.leader.clone().unwrap_or_else(|| "-".into()) }</dd>
                <dt title="the assignor the members chose by vote">{ "protocol" }</dt><dd>{ format!("{} ({})", g.protocol, g.protocol_type) }</dd>
                <dt title="leader of the group's __consumer_offsets partition">{ "coordinator" }</dt><dd>{ g.coordinator.clone().unwrap_or_else(|| "none".into()) }</dd>
                <dt>{ "total lag" }</dt><dd>{ g.total_lag }</dd>
            </dl>
            <div class="members">
                { for g.members.iter().map(|m| html! {
                    <div class={classes!("member", member_class(m.consumer))} title={format!("member id {}", m.member_id)}>
                        <span class="member-name">{ m.label.clone() }{ if m.is_leader { " ★" } else { "" } }</span>
                        <span class="member-parts">{ if m.partitions.is_empty() { "idle: no partition".to_string() } else { m.partitions.join(" ") } }</span>
                    </div>
                }) }
            </div>
            <div class="describe-wrap">
                <table class="describe">
                    <thead><tr>
                        <th>{ "TOPIC" }</th><th>{ "PARTITION" }</th><th>{ "CURRENT-OFFSET" }</th><th>{ "LOG-END-OFFSET" }</th><th>{ "LAG" }</th><th>{ "CONSUMER-ID" }</th><th>{ "HOST" }</th><th>{ "CLIENT-ID" }</th>
                    </tr></thead>
                    <tbody>
                        { for g.rows.iter().map(|r| html! {
                            <tr class={r.owner.map(member_class)}>
                                <td>{ r.topic.clone() }</td><td>{ r.partition }</td><td>{ r.current_offset.clone() }</td><td>{ r.log_end_offset.clone() }</td><td>{ r.lag.clone() }</td>
                                <td class="member-id" title={r.consumer_id.clone()}>{ short_member(&r.consumer_id) }</td><td>{ r.host.clone() }</td><td>{ r.client_id.clone() }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
            { timeline(g) }
        </div>
    }
}

fn short_member(id: &str) -> String {
    if id.len() > 20 {
        format!("{}…", &id[..20])
    } else {
        id.to_string()
    }
}

/// Each member's rebalances on one time axis: a red bar while it owned nothing (eager's
/// stop-the-world), an amber bar while it kept consuming during a rebalance (cooperative).
fn timeline(g: &GroupView) -> Html {
    let phases: Vec<&TimelineView> = g
        .timelines
        .iter()
        .filter(|t| !t.phases.is_empty())
        .collect();
    if phases.is_empty() {
        return html! {};
    }
    let start = phases
        .iter()
        .flat_map(|t| t.phases.iter().map(|p| p.started_ms))
        .min()
        .unwrap_or(0);
    let end = g.now_ms.max(start + 1);
    let span = (end - start) as f64;
    let pct = |ms: u64| ((ms.saturating_sub(start)) as f64 / span * 100.0).clamp(0.0, 100.0);
    html! {
        <div class="timeline" aria-label="rebalance timeline">
            <div class="timeline-head">
                <span>{ "Rebalances" }</span>
                <span class="legend"><i class="stop"></i>{ "revoked all, consumed nothing" }<i class="keep"></i>{ "kept consuming" }<i class="join"></i>{ "joining" }</span>
            </div>
            { for phases.iter().map(|t| html! {
                <div class="timeline-row">
                    <span class={classes!("timeline-label", member_class(t.consumer))}>{ t.label.clone() }</span>
                    <div class="timeline-track">
                        { for t.phases.iter().map(|p| {
                            let from = pct(p.started_ms);
                            let to = pct(p.assigned_ms.unwrap_or(g.now_ms));
                            let width = (to - from).max(0.8);
                            let title = format!(
                                "t={} ms → {}: generation {}; {}; revoked {}; assigned {}",
                                p.started_ms,
                                p.assigned_ms.map_or("still rebalancing".to_string(), |a| format!("t={a} ms ({} ms)", a - p.started_ms)),
                                p.generation,
                                p.reason,
                                if p.revoked.is_empty() { "nothing".to_string() } else { p.revoked.join(",") },
                                if p.assigned.is_empty() { "nothing".to_string() } else { p.assigned.join(",") },
                            );
                            html! { <span class={classes!("phase", p.kind.css())} style={format!("left:{from:.2}%;width:{width:.2}%")} title={title}></span> }
                        }) }
                    </div>
                    <span class="timeline-total" title="time it owned no partition during rebalances">{ format!("{} ms", t.paused_ms) }</span>
                </div>
            }) }
        </div>
    }
}

fn consumer_card(v: &ConsumerView, on_action: &Callback<Action>) -> Html {
    let node = crate::kafka::NodeId::Consumer(v.id);
    let send = |command: Command| {
        let on_action = on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(Action::Command(command.clone())))
    };
    let slow = v.processing_ms >= 500;
    let buttons = if v.down {
        html! { <button class="restart" onclick={send(Command::Restart { node })}>{ "Restart" }</button> }
    } else if v.closed {
        html! { <button onclick={send(Command::StartConsumer { consumer: node })}>{ "Start again" }</button> }
    } else {
        html! {
            <>
                <button title="consumer.close(): commit, LeaveGroup, stop" onclick={send(Command::CloseConsumer { consumer: node })}>{ "Close" }</button>
                <button class="danger" title="kill -9: no commit, no LeaveGroup" onclick={send(Command::Crash { node })}>{ "Crash" }</button>
                <button title="freeze the process for 10 s (a long GC pause): no polls, no heartbeats" onclick={send(Command::Pause { node, ms: 10_000 })}>{ "Pause 10 s" }</button>
                <button title="processing time per record" onclick={send(Command::SetProcessingTime { consumer: node, ms_per_record: if slow { 1 } else { 1000 } })}>{ if slow { "Speed up" } else { "Slow down" } }</button>
            </>
        }
    };
    html! {
        <div class={classes!("card", "consumer-card", member_class(v.id))} data-consumer={v.label.clone()}>
            <div class="card-head">
                <span class="node-name">{ v.label.clone() }</span>
                <span class={classes!("status", v.status.css())}>{ v.status.label() }</span>
                { if let Some(s) = &v.member_state { html! { <span class="tag">{ s.clone() }</span> } } else { html! {} } }
                <span class="mode">{ v.mode.clone() }</span>
            </div>
            <p class="app-line">{ format!("application: {} · {} ms per record · {}", v.app_state, v.processing_ms, v.commit_mode) }</p>
            <div class="consumer-buttons">{ buttons }</div>
            if v.partitions.is_empty() {
                <p class="muted">{ "Owns no partition." }</p>
            } else {
                <table class="positions">
                    <thead><tr><th>{ "partition" }</th><th>{ "position" }</th><th>{ "committed" }</th><th>{ "high watermark" }</th><th>{ "lag" }</th></tr></thead>
                    <tbody>
                        { for v.partitions.iter().map(|p| html! {
                            <tr><td>{ p.partition.clone() }</td><td>{ p.position.clone() }</td><td>{ p.committed.clone() }</td><td>{ p.high_watermark.clone() }</td><td>{ p.lag.clone() }</td></tr>
                        }) }
                    </tbody>
                </table>
            }
            <p>{ format!("{} records polled, {} processed", v.polled, v.processed) }</p>
            <ul class="recent">{ for v.recent.iter().map(|r| html! { <li>{ r.clone() }</li> }) }</ul>
        </div>
    }
}
