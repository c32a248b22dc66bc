//! The fault menu every broker, controller and client carries: crash, power failure, controlled
//! shutdown, a GC pause, isolation, and restart when it is down.

use crate::kafka::{Command, NodeId};
use crate::present::session::Action;
use crate::present::view::NodeStatus;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FaultMenuProps {
    pub node: NodeId,
    pub status: NodeStatus,
    pub on_action: Callback<Action>,
}

#[function_component(FaultMenu)]
pub fn fault_menu(p: &FaultMenuProps) -> Html {
    let node = p.node;
    let button = |label: &str, title: &str, command: Command, class: &str| {
        let on_action = p.on_action.clone();
        let onclick = Callback::from(move |e: MouseEvent| {
            // Close the menu after a choice so the screen stays calm.
            if let Some(details) = e
                .target_dyn_into::<web_sys::Element>()
                .and_then(|el| el.closest("details").ok().flatten())
            {
                let _ = details.remove_attribute("open");
            }
            on_action.emit(Action::Command(command.clone()));
        });
        html! { <button class={classes!("fault", class.to_string())} title={title.to_string()} {onclick}>{ label }</button> }
    };
    let is_broker = matches!(node, NodeId::Broker(_));
    html! {
        <details class="fault-menu" data-node={node.to_string()}>
            <summary title={format!("Inject a fault into {node}")}>{ "Faults ▾" }</summary>
            <div class="fault-buttons">
                {
                    if p.status.is_up() {
                        html! {
                            <>
                                { button("Crash", "kill -9: the process dies; the machine and its page cache survive", Command::Crash { node }, "danger") }
                                { button("Power failure", "the machine loses power: data the OS had not flushed is lost", Command::PowerFail { node }, "danger") }
                                { if is_broker {
                                    button("Controlled shutdown", "move leadership away, then stop cleanly", Command::Shutdown { node }, "")
                                } else {
                                    button("Stop", "stop cleanly", Command::Shutdown { node }, "")
                                } }
                                { button("Pause 5 s", "a long GC pause: the process freezes and wakes up with a stale view", Command::Pause { node, ms: 5000 }, "") }
                                { button("Isolate", "cut every network link to and from this node", Command::Isolate { node }, "") }
                            </>
                        }
                    } else {
                        button("Restart", "start the process again", Command::Restart { node }, "good")
                    }
                }
            </div>
        </details>
    }
}
