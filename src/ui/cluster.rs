//! The cluster: brokers as columns, each replica a strip of offset cells. The leader wears a
//! crown with its epoch, committed cells are solid, uncommitted ones dashed, and the high
//! watermark and log end offset are labelled markers.

use crate::present::session::Action;
use crate::present::view::{BrokerView, CellView, ClusterView, ReplicaRole, ReplicaView};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ClusterProps {
    pub view: Rc<ClusterView>,
    pub on_action: Callback<Action>,
}

#[function_component(ClusterPanel)]
pub fn cluster_panel(p: &ClusterProps) -> Html {
    html! {
        <section class="cluster" aria-label="Cluster">
            <div class="legend">
                <span><span class="swatch committed"></span>{ "committed (below HW)" }</span>
                <span><span class="swatch uncommitted"></span>{ "not yet committed" }</span>
                <span>{ "♛ leader · e = leader epoch" }</span>
            </div>
            <div class="brokers">
                { for p.view.brokers.iter().map(broker_column) }
            </div>
        </section>
    }
}

fn broker_column(b: &BrokerView) -> Html {
    html! {
        <div class={classes!("broker", b.status.css(), b.touched.then_some("touched"))} data-broker={b.label.clone()}>
            <div class="broker-head">
                <span class="broker-name">{ b.label.clone() }</span>
                <span class={classes!("status", b.status.css())}>{ b.status.label() }</span>
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
        ReplicaRole::Stopped => html! { <span class="follower-tag">{ "offline" }</span> },
    };
    let hw_index = r.cells.iter().position(|c| c.offset >= r.high_watermark);
    html! {
        <div class={classes!("replica", role, r.touched.then_some("touched"))} data-partition={r.partition.clone()}>
            <div class="replica-head">
                <span class="tp">{ r.partition.clone() }</span>
                { crown }
                <span class="marks">{ format!("HW {} · LEO {}", r.high_watermark, r.log_end_offset) }</span>
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
        c.fresh.then_some("fresh")
    );
    html! {
        <span class={class} title={c.title.clone()} data-offset={c.offset.to_string()}>
            <span class="off">{ c.offset }</span>
            <span class="key">{ c.key.clone().unwrap_or_else(|| "·".into()) }</span>
            <span class="val">{ c.value.clone() }</span>
        </span>
    }
}
