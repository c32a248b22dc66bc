//! The narrated event log: one line per step, newest at the bottom, the same text as the CLI trace.

use crate::present::session::LogLine;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    pub lines: Rc<Vec<LogLine>>,
}

#[function_component(EventLog)]
pub fn event_log(p: &EventLogProps) -> Html {
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect_with(p.lines.last().map(|l| l.index), move |_| {
            if let Some(el) = node.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
            || ()
        });
    }
    html! {
        <section class="log" aria-label="Event log">
            <h2>{ "What happened" }</h2>
            <ol class="lines" ref={node}>
                {
                    if p.lines.is_empty() {
                        html! { <li class="empty">{ "Press Step to run the first event, or Play to run continuously." }</li> }
                    } else {
                        p.lines.iter().map(|l| html! {
                            <li key={l.index.to_string()} class={classes!(l.alarming.then_some("alarm"))}>{ l.text.clone() }</li>
                        }).collect::<Html>()
                    }
                }
            </ol>
        </section>
    }
}
