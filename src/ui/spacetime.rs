//! The space-time panel: filters (node, partition, API) above an SVG with a lane per node and an
//! arrow per message, drawn from `present::spacetime`. Hovering an arrow or a mark names it (an
//! SVG title); a click goes to its step. Elements are built with Yew's SVG nodes, never from text.

use super::store::Store;
use crate::kafka::{NodeId, TopicPartition};
use crate::present::session::Action;
use crate::present::spacetime::{
    partition_choices, space_time, Filter, SpaceTime, LEFT, TOP, WIDTH,
};
use crate::present::stage::DotKind;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SpaceTimeProps {
    pub session: UseReducerHandle<Store>,
    pub on_action: Callback<Action>,
}

fn select(
    id: &str,
    label: &str,
    value: &str,
    options: Vec<(String, String)>,
    state: &UseStateHandle<String>,
) -> Html {
    let state = state.clone();
    let onchange = Callback::from(move |e: Event| {
        let s: web_sys::HtmlSelectElement = e.target_unchecked_into();
        state.set(s.value());
    });
    html! {
        <label>{ label }
            <select id={id.to_string()} {onchange}>
                <option value="" selected={value.is_empty()}>{ "all" }</option>
                { for options.into_iter().map(|(v, text)| html! { <option value={v.clone()} selected={v == value}>{ text }</option> }) }
            </select>
        </label>
    }
}

#[function_component(SpaceTimePanel)]
pub fn space_time_panel(p: &SpaceTimeProps) -> Html {
    let node = use_state(String::new);
    let partition = use_state(String::new);
    let kind = use_state(String::new);
    let session = p.session.session();
    let world = session.world();
    let filter = Filter {
        node: NodeId::parse(&node).ok(),
        partition: TopicPartition::parse(&partition).ok(),
        kind: DotKind::ALL.into_iter().find(|k| k.name() == kind.as_str()),
    };
    let d = space_time(
        session.recent_steps().iter().map(|s| s.as_ref()),
        world,
        &filter,
    );
    let nodes = world
        .model()
        .nodes()
        .into_iter()
        .map(|n| (n.to_string(), n.to_string()))
        .collect();
    let partitions = partition_choices(world)
        .into_iter()
        .map(|tp| (tp.to_string(), tp.to_string()))
        .collect();
    let kinds = DotKind::ALL
        .into_iter()
        .map(|k| (k.name().to_string(), k.name().to_string()))
        .collect();
    let seek = |step: u64| {
        p.on_action
            .reform(move |_: MouseEvent| Action::SeekTo(step))
    };
    html! {
        <div class="spacetime-panel" id="spacetime">
            <div class="st-filters">
                { select("st-node", "Node ", &node, nodes, &node) }
                { select("st-partition", "Partition ", &partition, partitions, &partition) }
                { select("st-api", "API ", &kind, kinds, &kind) }
            </div>
            <p class="muted small st-window">{ format!("{}: {} message(s){}. Hover an arrow to name it, click to go to its step.", d.window, d.arrows.len(), if d.hidden > 0 { format!(", {} older not drawn", d.hidden) } else { String::new() }) }</p>
            { diagram(&d, &seek) }
            <p class="st-legend">{ for DotKind::ALL.iter().map(|k| html! { <span class={classes!("st-key", format!("k-{}", k.name()))}>{ k.name() }</span> }) }</p>
        </div>
    }
}

/// The lanes, ticks, arrows and marks as SVG elements; `seek` makes a click go to a step.
fn diagram(d: &SpaceTime, seek: &dyn Fn(u64) -> Callback<MouseEvent>) -> Html {
    html! {
        <svg class="spacetime" viewBox={format!("0 0 {WIDTH} {}", d.height)} role="img" aria-label="Space-time diagram">
            { for d.ticks.iter().map(|(x, t)| html! {
                <g class="st-tick">
                    <line x1={x.to_string()} x2={x.to_string()} y1={(TOP - 4).to_string()} y2={d.height.to_string()} />
                    <text x={x.to_string()} y={(TOP - 7).to_string()}>{ t.clone() }</text>
                </g>
            }) }
            { for d.lanes.iter().map(|l| html! {
                <g class={classes!("st-lane", l.down.then_some("down"))}>
                    <text x="2" y={(l.y + 4).to_string()}>{ l.label.clone() }</text>
                    <line x1={LEFT.to_string()} x2={WIDTH.to_string()} y1={l.y.to_string()} y2={l.y.to_string()} />
                </g>
            }) }
            <line class="st-now" x1={d.now_x.to_string()} x2={d.now_x.to_string()} y1={TOP.to_string()} y2={d.height.to_string()} />
            { for d.arrows.iter().map(|a| {
                let class = classes!("st-arrow", format!("k-{}", a.kind.name()), a.response.then_some("response"), a.step.is_none().then_some("wire"));
                let onclick = a.step.map(seek);
                html! {
                    <g class={class} onclick={onclick} data-step={a.step.map(|s| s.to_string())}>
                        <title>{ a.label.clone() }</title>
                        <line class="hit" x1={a.x1.to_string()} y1={a.y1.to_string()} x2={a.x2.to_string()} y2={a.y2.to_string()} />
                        <line class="shaft" x1={a.x1.to_string()} y1={a.y1.to_string()} x2={a.x2.to_string()} y2={a.y2.to_string()} />
                        <circle class="head" cx={a.x2.to_string()} cy={a.y2.to_string()} r="2.6" />
                    </g>
                }
            }) }
            { for d.marks.iter().map(|m| html! {
                <g class={classes!("st-mark", m.dropped.then_some("dropped"))} onclick={seek(m.step)} data-step={m.step.to_string()}>
                    <title>{ m.label.clone() }</title>
                    <text x={m.x.to_string()} y={(m.y + 5).to_string()}>{ if m.dropped { "×" } else { "⚡" } }</text>
                </g>
            }) }
        </svg>
    }
}
