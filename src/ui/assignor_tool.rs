//! The assignor calculator: pick one of Kafka's four consumer assignors, type a consumer group
//! as JSON, press Assign, and read who gets which partitions. The work happens in
//! `present::assign_calc`; a group the parser rejects shows its message in an error box.

use crate::kafka::assignor::AssignorName;
use crate::present::assign_calc::{calculate, AssignRow, EXAMPLE_CASE};
use yew::prelude::*;

#[function_component(AssignorTool)]
pub fn assignor_tool() -> Html {
    let assignor = use_state(|| AssignorName::Range);
    let text = use_state(|| EXAMPLE_CASE.to_string());
    let result = use_state(|| None::<Result<Vec<AssignRow>, String>>);

    let on_pick = {
        let assignor = assignor.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            // The options are built from AssignorName::ALL, so this always parses.
            if let Ok(name) = AssignorName::parse(&select.value()) {
                assignor.set(name);
            }
        })
    };
    let on_text = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            let area: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
            text.set(area.value());
        })
    };
    let on_assign = {
        let (assignor, text, result) = (assignor.clone(), text.clone(), result.clone());
        Callback::from(move |_: MouseEvent| result.set(Some(calculate(*assignor, &text))))
    };
    let on_example = {
        let (text, result) = (text.clone(), result.clone());
        Callback::from(move |_: MouseEvent| {
            text.set(EXAMPLE_CASE.to_string());
            result.set(None);
        })
    };
    let cooperative = *assignor == AssignorName::CooperativeSticky;
    html! {
        <div class="panel assignor-tool">
            <h3>{ "Consumer assignor" }</h3>
            <p class="muted">{ "Describe a consumer group and see which partitions each member gets from Kafka 4.0's client-side assignor (partition.assignment.strategy)." }</p>
            <div class="row assign-row">
                <label>{ "assignor " }
                    <select id="assignor-pick" onchange={on_pick}>
                        { for AssignorName::ALL.iter().map(|name| html! {
                            <option value={name.name()} selected={*name == *assignor}>{ name.name() }</option>
                        }) }
                    </select>
                </label>
                <button class="ctl primary" id="assign-run" onclick={on_assign}>{ "Assign" }</button>
                <button class="ctl" onclick={on_example}>{ "Example" }</button>
            </div>
            <textarea id="assign-case" class="assign-case" rows="14" spellcheck="false"
                aria-label="Consumer group as JSON" value={(*text).clone()} oninput={on_text} />
            <p class="muted">{ "partitionsPerTopic: topic → partition count. Each member: id, topics, and optionally ownedPartitions (\"orders-0\"), generation and groupInstanceId. The assignor picked above wins over an \"assignor\" field." }</p>
            { result_view(result.as_ref(), cooperative) }
        </div>
    }
}

fn result_view(result: Option<&Result<Vec<AssignRow>, String>>, cooperative: bool) -> Html {
    match result {
        None => html! {},
        Some(Err(message)) => html! {
            <div class="assign-error" id="assign-error" role="alert">{ message.clone() }</div>
        },
        Some(Ok(rows)) => html! {
            <table class="positions assign-result" id="assign-result">
                <thead>
                    <tr>
                        <th>{ "Member" }</th><th>{ "Partitions" }</th>
                        { if cooperative { html! { <th title="Given in the follow-up rebalance, once the current owner has revoked them">{ "After revocation" }</th> } } else { html! {} } }
                    </tr>
                </thead>
                <tbody>
                    { for rows.iter().map(|row| html! {
                        <tr data-member={row.member.clone()}>
                            <td>{ row.member.clone() }</td>
                            <td class={classes!(row.partitions.is_empty().then_some("muted"))}>{ row.partitions_text() }</td>
                            { if cooperative { html! { <td class={classes!(row.after_revocation.is_empty().then_some("muted"))}>{ row.after_revocation_text() }</td> } } else { html! {} } }
                        </tr>
                    }) }
                </tbody>
            </table>
        },
    }
}
