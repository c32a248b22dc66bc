//! The cluster: brokers as columns, each replica a strip of offset cells. The leader wears a
//! crown with its epoch, committed cells are solid, uncommitted ones dashed, and the high
//! watermark and log end offset are labelled markers.

use super::faults::FaultMenu;
use super::network::NetworkDiagram;
use crate::kafka::NodeId;
use crate::present::session::{Action, Alert};
use crate::present::view::{
    BrokerView, CellView, ClusterView, ControllerView, NetworkView, ReplicaRole, ReplicaView,
};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ClusterProps {
    pub view: Rc<ClusterView>,
    pub controllers: Rc<Vec<ControllerView>>,
    pub network: Rc<NetworkView>,
    pub alerts: Rc<Vec<Alert>>,
    pub on_action: Callback<Action>,
}

#[function_component(ClusterPanel)]
pub fn cluster_panel(p: &ClusterProps) -> Html {
    html! {
        <section class="cluster" aria-label="Cluster">
            <div class="quorum" aria-label="Controller quorum">
                <span class="quorum-title">{ "KRaft controllers" }</span>
                { for p.controllers.iter().map(|c| controller_chip(c, &p.on_action)) }
            </div>
            <NetworkDiagram view={p.network.clone()} />
            { alerts_strip(&p.alerts) }
            <div class="legend">
                <span><span class="swatch committed"></span>{ "committed (below HW)" }</span>
                <span><span class="swatch uncommitted"></span>{ "not yet committed" }</span>
                <span>{ "♛ leader · e = leader epoch · ISR = in sync" }</span>
            </div>
            <div class="brokers">
                { for p.view.brokers.iter().map(|b| broker_column(b, &p.on_action)) }
            </div>
        </section>
    }
}

fn controller_chip(c: &ControllerView, on_action: &Callback<Action>) -> Html {
    html! {
        <div class={classes!("controller", c.status.css(), c.active.then_some("active"))} data-controller={c.label.clone()}>
            <span class="controller-name">{ if c.active { format!("★ {}", c.label) } else { c.label.clone() } }</span>
            <span class="controller-role">{ c.role.clone() }</span>
            <span class="controller-meta" title="quorum epoch · committed metadata records">{ format!("epoch {} · {} committed", c.epoch, c.committed) }</span>
            <FaultMenu node={NodeId::Controller(c.id)} status={c.status} on_action={on_action.clone()} />
        </div>
    }
}

fn alerts_strip(alerts: &[Alert]) -> Html {
    if alerts.is_empty() {
        return html! {};
    }
    html! {
        <ul class="alerts" aria-label="Recent faults and errors">
            { for alerts.iter().map(|a| html! { <li key={format!("{}-{}", a.index, a.text.len())}><span class="alert-time">{ a.time.clone() }</span>{ a.text.clone() }</li> }) }
        </ul>
    }
}

fn broker_column(b: &BrokerView, on_action: &Callback<Action>) -> Html {
    html! {
        <div class={classes!("broker", b.status.css(), b.touched.then_some("touched"))} data-broker={b.label.clone()}>
            <div class="broker-head">
                <span class="broker-name">{ b.label.clone() }</span>
                <span class={classes!("status", b.status.css())}>{ b.status.label() }</span>
                <FaultMenu node={NodeId::broker(b.id)} status={b.status} on_action={on_action.clone()} />
            </div>
            <div class="replicas">
                { for b.replicas.iter().map(replica_strip) }
            </div>
        </div>
    }
}

fn replica_strip(r: &ReplicaView) -> Html {
    let role = match r.role {
        ReplicaRole::Leader => "leader",
        ReplicaRole::Follower => "follower",
        ReplicaRole::Stopped => "stopped",
    };
    let crown = match r.role {
        ReplicaRole::Leader => {
            html! { <span class="crown" title="partition leader">{ format!("♛ e{}", r.leader_epoch) }</span> }
        }
        ReplicaRole::Follower => html! { <span class="follower-tag">{ "follower" }</span> },
        ReplicaRole::Stopped => html! { <span class="tag down">{ "offline" }</span> },
    };
    let sync = if r.role == ReplicaRole::Stopped {
        html! {}
    } else if r.in_isr {
        html! { <span class="tag isr" title="in the ISR: caught up with the leader">{ "ISR" }</span> }
    } else {
        html! { <span class="tag lag" title="not in the ISR: out of sync">{ "out of sync" }</span> }
    };
    let under = if r.under_replicated && r.role == ReplicaRole::Leader {
        html! { <span class="tag warn" title="fewer in-sync replicas than replicas">{ "under-replicated" }</span> }
    } else {
        html! {}
    };
    let hw_index = r.cells.iter().position(|c| c.offset >= r.high_watermark);
    html! {
        <div class={classes!("replica", role, r.touched.then_some("touched"), (!r.in_isr).then_some("out-of-sync"))} data-partition={r.partition.clone()}>
            <div class="replica-head">
                <span class="tp">{ r.partition.clone() }</span>
                { crown }
                { sync }
                { under }
                <span class="marks">{
                    if r.log_start_offset > 0 || r.segments > 1 {
                        format!("start {} · HW {} · LEO {} · {} seg", r.log_start_offset, r.high_watermark, r.log_end_offset, r.segments)
                    } else {
                        format!("HW {} · LEO {}", r.high_watermark, r.log_end_offset)
                    }
                }</span>
            </div>
            <div class="strip">
                { if r.hidden_before > 0 { html! { <span class="earlier" title="older offsets not shown">{ format!("+{}", r.hidden_before) }</span> } } else { html! {} } }
                { for r.cells.iter().enumerate().map(|(i, c)| html! {
                    <>
                        { if Some(i) == hw_index { hw_marker(r.high_watermark) } else { html! {} } }
                        { cell(c) }
                    </>
                }) }
                { if hw_index.is_none() { hw_marker(r.high_watermark) } else { html! {} } }
                <span class="leo" title="log end offset: the next record gets this offset">{ format!("{}", r.log_end_offset) }</span>
            </div>
            { if r.markers.is_empty() && r.coordinates.is_empty() { html! {} } else { html! {
                <div class="markers">
                    { for r.coordinates.iter().map(|g| html! { <span class="coord-tag" title={format!("this partition's leader is the group coordinator of {g}")}>{ format!("coordinator of {g}") }</span> }) }
                    { for r.markers.iter().map(|m| html! {
                        <span class={classes!("marker", if m.committed { "committed".to_string() } else { super::clients::member_class(m.colour) })} title={m.title.clone()}>
                            { if m.committed { format!("{} ✓{}", m.label, m.offset) } else { format!("{} ▸{}", m.label, m.offset) } }
                        </span>
                    }) }
                </div>
            } } }
        </div>
    }
}

fn hw_marker(hw: i64) -> Html {
    html! { <span class="hw" title={format!("high watermark {hw}: consumers read below it")}><span>{ "HW" }</span></span> }
}

fn cell(c: &CellView) -> Html {
    let class = classes!(
        "cell",
        format!("k{}", c.colour),
        if c.committed {
            "committed"
        } else {
            "uncommitted"
        },
        c.fresh.then_some("fresh"),
        c.segment_start.then_some("segment-start"),
        c.tombstone.then_some("tombstone")
    );
    html! {
        <span class={class} title={c.title.clone()} data-offset={c.offset.to_string()}>
            <span class="off">{ c.offset }</span>
            <span class="key">{ c.key.clone().unwrap_or_else(|| "·".into()) }</span>
            <span class="val">{ c.value.clone() }</span>
        </span>
    }
}
