//! The partition table, in the shape of Kafdrop's topic view.

use crate::present::view::PartitionRow;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PartitionTableProps {
    pub rows: Rc<Vec<PartitionRow>>,
}

#[function_component(PartitionTable)]
pub fn partition_table(p: &PartitionTableProps) -> Html {
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    html! {
        <div class="panel partitions-panel">
            <table class="partition-table">
                <thead>
                    <tr>
                        <th>{ "Partition" }</th><th>{ "Leader" }</th><th>{ "Replicas" }</th><th>{ "ISR" }</th>
                        <th>{ "Offline" }</th><th title="Is the first replica (the preferred one) the leader?">{ "Preferred" }<br />{ "leader?" }</th>
                        <th>{ "Under-" }<br />{ "replicated?" }</th><th>{ "First" }<br />{ "offset" }</th><th>{ "Last" }<br />{ "offset" }</th>
                    </tr>
                </thead>
                <tbody>
                    { for p.rows.iter().map(|r| html! {
                        <tr class={classes!(r.under_replicated.then_some("under"), r.leaderless.then_some("offline"))} data-partition={r.partition.clone()}>
                            <td>{ r.partition.clone() }</td>
                            <td class="leader-cell">{ format!("{} (e{})", r.leader, r.leader_epoch) }{ if r.recovering { html! { <span class="tag warn" title="elected uncleanly">{ " RECOVERING" }</span> } } else { html! {} } }</td>
                            <td>{ r.replicas.clone() }</td>
                            <td class="isr-cell">{ r.isr.clone() }</td>
                            <td>{ r.offline.clone() }</td>
                            <td>{ yes_no(r.preferred_leads) }</td>
                            <td class={classes!(r.under_replicated.then_some("flag"))}>{ yes_no(r.under_replicated) }</td>
                            <td>{ r.first_offset }</td>
                            <td>{ r.last_offset }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <p class="muted">{ "Leader and ISR as the controller committed them. Last offset is the newest record in the leader's log; consumers read only below the high watermark." }</p>
        </div>
    }
}
