//! The network tool (split the cluster, cut one direction, slow or lose a link, heal).

use crate::kafka::{Command, NodeId};
use crate::present::forms::{link_command, LinkDraft};
use crate::present::session::Action;
use std::collections::BTreeSet;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NetworkToolProps {
    pub nodes: Rc<Vec<NodeId>>,
    pub on_action: Callback<Action>,
}

/// Split the nodes into two sides; cut both ways or one way; heal. Plus link latency and loss.
#[function_component(NetworkTool)]
pub fn network_tool(p: &NetworkToolProps) -> Html {
    let side_a = use_state(BTreeSet::<NodeId>::new);
    let link_a = use_state(|| {
        p.nodes
            .iter()
            .find(|n| matches!(n, NodeId::Broker(_)))
            .map(|n| n.to_string())
            .unwrap_or_default()
    });
    let link_b = use_state(|| {
        p.nodes
            .iter()
            .filter(|n| matches!(n, NodeId::Broker(_)))
            .nth(1)
            .map(|n| n.to_string())
            .unwrap_or_default()
    });
    let latency = use_state(|| "200".to_string());
    let loss = use_state(|| "0".to_string());
    let a: Vec<NodeId> = side_a.iter().copied().collect();
    let b: Vec<NodeId> = p
        .nodes
        .iter()
        .copied()
        .filter(|n| !side_a.contains(n))
        .collect();
    let toggle = |n: NodeId| {
        let side_a = side_a.clone();
        Callback::from(move |_: Event| {
            let mut next = (*side_a).clone();
            if !next.remove(&n) {
                next.insert(n);
            }
            side_a.set(next);
        })
    };
    let send = |command: Command| {
        p.on_action
            .reform(move |_: MouseEvent| Action::Command(command.clone()))
    };
    let split = Command::PartitionNetwork {
        groups: vec![a.clone(), b.clone()],
    };
    let one_way = Command::PartitionOneWay {
        from: a.clone(),
        to: b.clone(),
    };
    let ready = !a.is_empty() && !b.is_empty();
    let text = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlInputElement = e.target_unchecked_into();
            s.set(el.value());
        })
    };
    let on_link = {
        let draft = LinkDraft {
            a: (*link_a).clone(),
            b: (*link_b).clone(),
            latency_ms: (*latency).clone(),
            loss_percent: (*loss).clone(),
        };
        let on_action = p.on_action.clone();
        Callback::from(move |_: MouseEvent| {
            on_action.emit(match link_command(&draft) {
                Ok(command) => Action::Command(command),
                Err(message) => Action::Inform(message),
            })
        })
    };
    let options = |selected: &str| {
        p.nodes.iter().map(|n| html! { <option value={n.to_string()} selected={n.to_string() == selected}>{ n.to_string() }</option> }).collect::<Html>()
    };
    html! {
        <div class="panel network-tool">
            <h3>{ "Split the network" }</h3>
            <p class="muted">{ "Tick the nodes on side A; everything else is side B." }</p>
            <div class="node-picks">
                { for p.nodes.iter().map(|n| html! {
                    <label class="pick-node"><input type="checkbox" checked={side_a.contains(n)} onchange={toggle(*n)} />{ n.to_string() }</label>
                }) }
            </div>
            <div class="row">
                <button class="ctl" id="partition-both" disabled={!ready} onclick={send(split)}>{ "Cut A ⇄ B" }</button>
                <button class="ctl" disabled={!ready} onclick={send(one_way)}>{ "Cut A → B only" }</button>
                <button class="ctl good" id="heal" onclick={send(Command::Heal)}>{ "Heal all" }</button>
            </div>
            <h3>{ "Slow or lossy link" }</h3>
            <div class="row link-row">
                <select onchange={text(&link_a)}>{ options(&link_a) }</select>
                { "⇄" }
                <select onchange={text(&link_b)}>{ options(&link_b) }</select>
            </div>
            <div class="row link-row">
                <label>{ "latency ms " }<input type="text" size="5" value={(*latency).clone()} onchange={text(&latency)} /></label>
                <label>{ "loss % " }<input type="text" size="3" value={(*loss).clone()} onchange={text(&loss)} /></label>
                <button class="ctl" onclick={on_link}>{ "Apply" }</button>
            </div>
            <p class="muted">{ "Set latency 2, loss 0 to restore a link. Cut links are drawn dashed on the network map." }</p>
        </div>
    }
}
