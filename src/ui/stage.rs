//! The stage: producers on the left, consumer groups on the right, controllers on top, and in
//! the middle the brokers as columns with a row per partition, flowed into blocks so every
//! replica fits on screen. Message dots are drawn over it on one SVG layer (`dots`).

use super::dots::DotLayer;
use crate::kafka::NodeId;
use crate::present::stage::{
    BrokerHead, ControllerHead, Density, Dot, DropMark, Fit, GroupCard, Line, LinkCut,
    PartitionRow, ProducerCard, RecordCell, ReplicaCell, StageView,
};
use std::rc::Rc;
use yew::prelude::*;

/// A record cell's partition name, broker and offset.
pub type RecordClick = (String, u32, i64);

#[derive(Properties, PartialEq)]
pub struct StageProps {
    pub view: Rc<StageView>,
    pub fit: Rc<Fit>,
    pub dots: Rc<Vec<Dot>>,
    pub cuts: Rc<Vec<LinkCut>>,
    pub drops: Rc<Vec<DropMark>>,
    /// A node was clicked: open its menu.
    pub on_node: Callback<NodeId>,
    /// A partition label was clicked: zoom it (or unzoom).
    pub on_zoom: Callback<String>,
    /// A record cell was clicked: (partition, broker, offset).
    pub on_record: Callback<RecordClick>,
    /// A partition's "?" was clicked: why its high watermark is where it is.
    pub on_why: Callback<String>,
    /// Changes when the stage's geometry may change (see `DotLayer`).
    pub layout: u64,
    /// Put before every element id of this stage, so two stages share a page (Compare's B
    /// stage uses "b-"); empty for the main stage.
    #[prop_or_default]
    pub prefix: AttrValue,
    /// Compare's lane tag ("A" or "B") shown in the stage's corner, if any.
    #[prop_or_default]
    pub lane: Option<AttrValue>,
}

#[function_component(Stage)]
pub fn stage(p: &StageProps) -> Html {
    let v = &p.view;
    let pre = p.prefix.as_str();
    let lane = p
        .lane
        .as_ref()
        .map(|l| format!("stage-{}", l.to_lowercase()));
    html! {
        <section class={classes!("stage", (v.density == Density::Full).then_some("full"), lane)} id={(!pre.is_empty()).then(|| format!("{pre}stage"))} aria-label="The cluster">
            { p.lane.as_ref().map(|l| html! { <span class={classes!("lane-tag", "stage-lane", l.to_lowercase())} title={format!("Run {l}")}>{ l.clone() }</span> }).unwrap_or_default() }
            <div class="stage-side producers" aria-label="Producers">
                <h2 class="side-title">{ "Producers" }</h2>
                { for v.producers.iter().map(|c| producer_card(c, &p.on_node, pre)) }
            </div>
            <div class="stage-center" id={format!("{pre}stage-center")}>
                <div class="quorum-strip" aria-label="KRaft controllers">
                    { for v.controllers.iter().map(|c| controller_chip(c, &p.on_node, pre)) }
                    { for v.folded.iter().map(|f| html! { <span class="folded" title="Internal topic: only the partitions that coordinate a group are drawn">{ f.clone() }</span> }) }
                </div>
                <div class="blocks" id={format!("{pre}blocks-area")} style={format!("--row:{}px;--head:{}px", p.fit.row_px, p.fit.header_px)}>
                    { for p.fit.blocks.iter().enumerate().map(|(i, b)| block(v, b, (i == 0, &p.prefix), &p.on_node, (&p.on_zoom, &p.on_record, &p.on_why))) }
                </div>
            </div>
            <div class="stage-side groups" aria-label="Consumer groups">
                <h2 class="side-title">{ "Consumers" }</h2>
                { for v.groups.iter().map(|g| group_card(g, &p.on_node, pre)) }
                { if v.groups.is_empty() { html! { <p class="muted small">{ "No consumers in this lesson." }</p> } } else { html! {} } }
            </div>
            <DotLayer dots={p.dots.clone()} cuts={p.cuts.clone()} drops={p.drops.clone()} layout={p.layout} prefix={p.prefix.clone()} />
        </section>
    }
}

fn node_click(on_node: &Callback<NodeId>, node: NodeId) -> Callback<MouseEvent> {
    on_node.reform(move |_| node)
}

fn controller_chip(c: &ControllerHead, on_node: &Callback<NodeId>, pre: &str) -> Html {
    let node = NodeId::Controller(c.id);
    html! {
        <button id={format!("{pre}n-{}", c.label)} class={classes!("ctl-chip", c.status.css(), c.active.then_some("active"), c.highlighted.then_some("hl"))}
            title={format!("{}: {} (quorum epoch {}). Click for faults.", c.label, if c.active { "the active controller" } else { c.status.label() }, c.epoch)}
            onclick={node_click(on_node, node)}>
            { if c.active { "★ " } else { "" } }{ c.label.clone() }
            { if c.status.is_up() { html! {} } else { html! { <span class="down-mark">{ " ✖" }</span> } } }
        </button>
    }
}

fn broker_header(b: &BrokerHead, anchor: bool, on_node: &Callback<NodeId>, pre: &str) -> Html {
    let node = NodeId::broker(b.id);
    let state = if !b.status.is_up() {
        format!("✖ {}", b.status.label())
    } else if b.isolated {
        "⊘ isolated".to_string()
    } else if b.fenced {
        "fenced".to_string()
    } else if b.status == crate::present::view::NodeStatus::Paused {
        "⏸ paused".to_string()
    } else {
        format!("leads {}", b.leads)
    };
    html! {
        <button id={anchor.then(|| format!("{pre}n-{}", b.label))} class={classes!("broker-head", b.status.css(), b.isolated.then_some("isolated"), b.fenced.then_some("fenced"), b.highlighted.then_some("hl"))}
            title={format!("Broker {}{}. Click for faults.", b.label, if b.coordinates.is_empty() { String::new() } else { format!(", coordinator of {}", b.coordinates.join(", ")) })}
            onclick={node_click(on_node, node)}>
            <span class="bname">{ b.label.clone() }</span>
            <span class="bstate">{ state }</span>
        </button>
    }
}

fn block(
    v: &StageView,
    lines: &[Line],
    (first, prefix): (bool, &AttrValue),
    on_node: &Callback<NodeId>,
    (on_zoom, on_record, on_why): (&Callback<String>, &Callback<RecordClick>, &Callback<String>),
) -> Html {
    let columns = v.brokers.len().max(1);
    html! {
        <div class="block" style={format!("--cols:{columns}")}>
            <div class="block-head">
                <span class="corner">{ "partition" }</span>
                { for v.brokers.iter().map(|b| broker_header(b, first, on_node, prefix)) }
                <span class="corner right" title="High watermark: consumers read below it">{ "HW" }</span>
            </div>
            { for lines.iter().map(|line| match line {
                Line::Topic { topic, continued } => {
                    let t = &v.topics[*topic as usize];
                    html! { <div class="topic-head">{ t.name.clone() }{ if *continued { " (continued)" } else { "" } }
                        <span class="muted">{ format!(" · {} partitions", t.rows.len()) }</span></div> }
                }
                Line::Row { topic, row } => {
                    let r = v.topics[*topic as usize].rows[*row as usize].clone();
                    let brokers: Rc<Vec<u32>> = Rc::new(v.brokers.iter().map(|b| b.id).collect());
                    let key = r.name.clone();
                    html! { <StageRow key={key} row={r} brokers={brokers} density={v.density} prefix={prefix.clone()} on_zoom={on_zoom.clone()} on_record={on_record.clone()} on_why={on_why.clone()} /> }
                }
            }) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct RowProps {
    row: Rc<PartitionRow>,
    brokers: Rc<Vec<u32>>,
    density: Density,
    prefix: AttrValue,
    on_zoom: Callback<String>,
    on_record: Callback<RecordClick>,
    on_why: Callback<String>,
}

/// One partition row; re-rendered only when the row changes.
#[function_component(StageRow)]
fn stage_row(p: &RowProps) -> Html {
    let r = &p.row;
    let full = p.density == Density::Full || r.zoomed;
    let name = r.name.clone();
    let on_label = p.on_zoom.reform(move |_: MouseEvent| name.clone());
    let status = if r.offline {
        Some(("offline", "✖ no leader", "✖"))
    } else if r.under_min_isr {
        Some(("under-min-isr", "⚠ below min ISR", "⚠"))
    } else if r.under_replicated {
        Some(("under-replicated", "⚠ under-replicated", "⚠"))
    } else {
        None
    };
    html! {
        <div class={classes!("prow", full.then_some("full"), r.zoomed.then_some("zoomed"), r.highlighted.then_some("hl"), status.map(|s| s.0))}>
            <button class="plabel" onclick={on_label} title={format!("{}: click to {} its records{}", r.name, if r.zoomed { "fold" } else { "zoom into" }, status.map(|s| format!(" ({})", s.1)).unwrap_or_default())}>
                <span class="pname">{ if full { r.name.clone() } else { r.partition.to_string() } }</span>
                { status.map(|s| html! { <span class="pstatus" title={s.1}>{ if full { s.1 } else { s.2 } }</span> }).unwrap_or_default() }
                { if r.coordinates.is_empty() { html! {} } else { html! { <span class="coord" title={format!("the group coordinator of {} lives on this partition's leader", r.coordinates.join(", "))}>{ format!("⚑ {}", r.coordinates.join(", ")) }</span> } } }
            </button>
            { for r.replicas.iter().map(|c| {
                let col = p.brokers.iter().position(|b| *b == c.broker).map_or(1, |i| i + 2);
                if full { full_cell(r, c, (col, &p.prefix), &p.on_record) } else { compact_cell(r, c, col, &p.prefix) }
            }) }
            <span class="poffsets" title={format!("high watermark {}, largest log end offset {}", r.high_watermark, r.log_end_offset)}>
                { r.high_watermark.to_string() }
                { if r.log_end_offset > r.high_watermark { html! { <small>{ format!("/{}", r.log_end_offset) }</small> } } else { html! {} } }
                { if full || r.offline || r.under_min_isr || r.under_replicated { why_button(&r.name, &p.on_why, &p.prefix) } else { html! {} } }
            </span>
        </div>
    }
}

/// The "?" that asks why the partition's high watermark is where it is (and, for a partition
/// offline, under-replicated or below min ISR, why it is).
fn why_button(name: &str, on_why: &Callback<String>, pre: &str) -> Html {
    let partition = name.to_string();
    let onclick = on_why.reform(move |e: MouseEvent| {
        e.stop_propagation();
        partition.clone()
    });
    html! {
        <button class="pwhy" id={format!("{pre}why-{name}")} onclick={onclick}
            title={format!("Why is {name}'s high watermark here?")} aria-label={format!("Why is {name}'s high watermark here?")}>{ "?" }</button>
    }
}

fn group_marks(r: &PartitionRow) -> Html {
    html! {
        { for r.groups.iter().map(|g| html! {
            <i class={classes!("gmark", format!("g{}", g.colour % 8))} style={g.span_style(r)} title={g.title()}></i>
        }) }
    }
}

fn compact_cell(r: &PartitionRow, c: &ReplicaCell, col: usize, pre: &str) -> Html {
    let leader = c.role == crate::present::stage::ReplicaRole::Leader;
    html! {
        <div id={format!("{pre}r-{}-b{}", r.name, c.broker)} class={classes!("rep", c.role_class(), c.highlighted.then_some("hl"))}
            style={format!("grid-column:{col};background:{}", c.bar_background(r))}
            data-tag={c.tag()} data-leo={c.log_end_offset.to_string()} title={c.title(r)}>
            { if leader { group_marks(r) } else { html! {} } }
        </div>
    }
}

fn full_cell(
    r: &PartitionRow,
    c: &ReplicaCell,
    (col, pre): (usize, &str),
    on_record: &Callback<RecordClick>,
) -> Html {
    let role = match c.role {
        crate::present::stage::ReplicaRole::Leader => {
            format!("♛ leader · epoch {}", c.leader_epoch)
        }
        crate::present::stage::ReplicaRole::InSync => "follower · in sync".into(),
        crate::present::stage::ReplicaRole::OutOfSync => "follower · out of sync".into(),
        crate::present::stage::ReplicaRole::Offline => "✖ offline".into(),
    };
    let hidden = c.cells.first().map_or(0, |f| f.offset - c.log_start_offset);
    html! {
        <div id={format!("{pre}r-{}-b{}", r.name, c.broker)} class={classes!("rep", "strip", c.role_class(), c.highlighted.then_some("hl"))}
            style={format!("grid-column:{col}")} title={c.title(r)}>
            <div class="strip-head">
                <span class="role">{ role }</span>
                <span class="marks">{ c.marks_text() }</span>
            </div>
            <div class="cells">
                { if hidden > 0 { html! { <span class="earlier" title="older records">{ format!("+{hidden}") }</span> } } else { html! {} } }
                { for c.cells.iter().map(|cell| record_cell(cell, (c.high_watermark, c.last_stable_offset), record_click(on_record, r, c.broker, cell.offset))) }
                { if c.cells.is_empty() { html! { <span class="empty-log">{ "empty" }</span> } } else { html! {} } }
            </div>
        </div>
    }
}

fn record_click(
    on_record: &Callback<RecordClick>,
    r: &PartitionRow,
    broker: u32,
    offset: i64,
) -> Callback<MouseEvent> {
    let name = r.name.clone();
    on_record.reform(move |e: MouseEvent| {
        e.stop_propagation();
        (name.clone(), broker, offset)
    })
}

fn record_cell(cell: &RecordCell, (hw, lso): (i64, i64), onclick: Callback<MouseEvent>) -> Html {
    let hw_edge = cell.offset == hw - 1;
    let lso_edge = lso < hw && cell.offset == lso - 1;
    let committed = if cell.committed {
        " · committed (below the high watermark)"
    } else {
        " · not committed yet"
    };
    let key = cell.txn.marker_text().map_or_else(
        || cell.key.clone().unwrap_or_else(|| "·".into()),
        String::from,
    );
    html! {
        <span onclick={onclick} data-offset={cell.offset.to_string()} class={classes!("rec", format!("k{}", cell.colour), cell.committed.then_some("committed"), cell.tombstone.then_some("tomb"), cell.segment_start.then_some("seg"), hw_edge.then_some("hw-edge"), lso_edge.then_some("lso-edge"), cell.txn.css())}
            title={record_title(cell, committed)}
            role="button" aria-label={format!("Offset {}: show this record's life", cell.offset)}>
            <b>{ cell.offset }</b>
            <span class="rk">{ key }</span>
        </span>
    }
}

fn record_title(cell: &RecordCell, committed: &str) -> String {
    if cell.txn.marker_text().is_some() {
        return format!("offset {}{}{committed}", cell.offset, cell.txn.tooltip());
    }
    format!(
        "offset {} · key {} · value {}{committed}{} · click for its life",
        cell.offset,
        cell.key.as_deref().unwrap_or("null"),
        cell.value,
        cell.txn.tooltip()
    )
}

fn producer_card(c: &ProducerCard, on_node: &Callback<NodeId>, pre: &str) -> Html {
    let node = NodeId::Producer(c.id);
    html! {
        <button id={format!("{pre}n-{}", c.label)} class={classes!("client", "producer", c.status.css(), c.highlighted.then_some("hl"))}
            title={format!("{}: {}. Click for actions.", c.label, c.settings)} onclick={node_click(on_node, node)}>
            <span class="cname">{ c.label.clone() }{ if c.status.is_up() { "" } else { " ✖" } }</span>
            <span class="csettings">{ c.settings.clone() }</span>
            <span class="batchbar" title={format!("fullest batch {}% of batch.size; {} records waiting", c.fullest_batch_percent, c.waiting)}>
                <i style={format!("width:{}%", c.fullest_batch_percent)}></i>
            </span>
            <span class="cstats">{ format!("{} waiting · {} in flight · {} acked{}", c.waiting, c.in_flight, c.acked, if c.failed > 0 { format!(" · {} failed", c.failed) } else { String::new() }) }</span>
            { c.txn.as_ref().map(|t| txn_badge(t, &c.label, pre)).unwrap_or_default() }
        </button>
    }
}

/// A transactional producer's state as a coloured pill, with its transactional.id, producer
/// id and epoch; the tooltip adds the partitions of the open transaction.
fn txn_badge(t: &crate::present::txn_controls::TxnBadge, label: &str, pre: &str) -> Html {
    html! {
        <span class={classes!("ctxn", t.css)} id={format!("{pre}txn-{label}")} title={t.tooltip.clone()}>
            <span class="txn-state">{ t.state }</span>
            <span class="txn-id">{ t.transactional_id.clone() }</span>
            {
                match &t.id_epoch {
                    Some((id, epoch)) => html! { <><span class="txn-pid">{ id.clone() }</span><span class="txn-epoch">{ epoch.clone() }</span></> },
                    None => html! { <span class="txn-pid">{ t.identity.clone() }</span> },
                }
            }
        </span>
    }
}

fn group_card(g: &GroupCard, on_node: &Callback<NodeId>, pre: &str) -> Html {
    html! {
        <div class={classes!("group", format!("g{}", g.colour % 8), g.highlighted.then_some("hl"))}>
            <div class="gname">
                <b>{ g.name.clone() }</b>
                { if g.state.is_empty() { html! {} } else { html! { <span class={classes!("gstate", (g.state != "Stable").then_some("moving"))}>{ format!("{} · gen {}", g.state, g.generation) }</span> } } }
            </div>
            { for g.members.iter().map(|m| {
                let node = NodeId::Consumer(m.consumer);
                html! {
                    <button id={format!("{pre}n-{}", m.label)} class={classes!("client", "member", m.status.css(), m.closed.then_some("closed"), m.highlighted.then_some("hl"))}
                        onclick={node_click(on_node, node)} title={format!("{}: owns {}. Click for actions.", m.label, if m.partitions.is_empty() { "nothing".to_string() } else { m.partitions.join(", ") })}>
                        <span class="cname">{ m.label.clone() }{ if m.closed { " (closed)" } else if m.status.is_up() { "" } else { " ✖" } }</span>
                        <span class="owns">{ if m.partitions.is_empty() { "—".to_string() } else { m.partitions.join(" ") } }</span>
                    </button>
                }
            }) }
            { if g.state.is_empty() { html! {} } else { html! { <div class="glag" title="Sum over partitions of high watermark minus committed offset">{ format!("lag {}", g.lag) }</div> } } }
        </div>
    }
}
