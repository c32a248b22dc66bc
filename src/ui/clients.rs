//! The consumer panel: positions, lag, records received.

use crate::present::view::ConsumerView;
use std::rc::Rc;
use yew::prelude::*;

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
