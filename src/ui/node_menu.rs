//! The menu a click on a node opens, beside it: faults for brokers and controllers (crash, power
//! failure, controlled shutdown, a GC pause, isolation, restart), and the application's actions
//! for producers and consumers. One menu for the whole page keeps the DOM small.

use crate::kafka::{KafkaWorld, NodeId};
use crate::present::node_actions::{node_actions, node_note, NodeAction};
use crate::present::session::Action;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NodeMenuProps {
    pub node: NodeId,
    pub actions: Vec<NodeAction>,
    /// A line under the title (a transactional producer's state).
    #[prop_or_default]
    pub note: Option<String>,
    pub on_action: Callback<Action>,
    pub on_close: Callback<()>,
    /// Open a side panel by its label (the producer or consumer panel).
    pub on_panel: Callback<&'static str>,
}

/// The menu's place: below the node's element, or above it; when neither has room for every
/// item (a transactional producer's long menu at 1280x720), beside it, as high as it must be to
/// fit. Always inside the window; a menu taller than the window scrolls.
fn place(node: NodeId, items: usize) -> String {
    let window = web_sys::window();
    let rect = window
        .as_ref()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(&format!("n-{node}")))
        .map(|e| e.get_bounding_client_rect());
    let size = |v: Option<wasm_bindgen::JsValue>, default: f64| {
        v.and_then(|v| v.as_f64()).unwrap_or(default)
    };
    let width = size(window.as_ref().and_then(|w| w.inner_width().ok()), 1280.0);
    let height = size(window.as_ref().and_then(|w| w.inner_height().ok()), 720.0);
    let Some(r) = rect else {
        return "left:40%;top:30%".into();
    };
    let left = r.left().min(width - 260.0).max(8.0);
    let below = height - r.bottom() - 14.0;
    let above = r.top() - 14.0;
    // About 33 px an item (at the base font size), and the title and note.
    let needed = 70.0 + 33.0 * items as f64;
    if below >= needed {
        format!("left:{left:.0}px;top:{:.0}px", r.bottom() + 6.0)
    } else if above >= needed {
        format!("left:{left:.0}px;bottom:{:.0}px", height - r.top() + 6.0)
    } else {
        let top = (height - needed - 8.0).min(r.top()).max(8.0);
        let beside = if r.right() + 266.0 <= width {
            r.right() + 6.0
        } else {
            (r.left() - 266.0).max(8.0)
        };
        format!(
            "left:{beside:.0}px;top:{top:.0}px;max-height:{:.0}px;overflow-y:auto",
            height - top - 8.0
        )
    }
}

#[function_component(NodeMenu)]
pub fn node_menu(p: &NodeMenuProps) -> Html {
    let close = p.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="node-menu" role="dialog" aria-label={format!("Actions for {}", p.node)} style={place(p.node, p.actions.len())} id="node-menu">
            <div class="menu-head"><b>{ p.node.to_string() }</b><button class="dismiss" onclick={close} aria-label="Close">{ "×" }</button></div>
            { p.note.clone().map(|n| html! { <div class="menu-note" id="node-menu-note">{ n }</div> }).unwrap_or_default() }
            { for p.actions.iter().map(|a| {
                let on_action = p.on_action.clone();
                let on_close = p.on_close.clone();
                let on_panel = p.on_panel.clone();
                let action = a.clone();
                if let Some(why) = &a.disabled {
                    // Greyed out, not `disabled`: the reason stays readable on hover and focus.
                    return html! {
                        <button class="menu-item disabled" aria-disabled="true" title={why.clone()}>{ a.label.clone() }</button>
                    };
                }
                let onclick = Callback::from(move |_: MouseEvent| {
                    match &action.command {
                        Some(c) => on_action.emit(Action::Command(c.clone())),
                        None => on_panel.emit(action.panel.unwrap_or("")),
                    }
                    on_close.emit(());
                });
                html! {
                    <button class={classes!("menu-item", a.danger.then_some("danger"))} title={a.explain.clone()} {onclick}>{ a.label.clone() }</button>
                }
            }) }
        </div>
    }
}

/// The menu's items for a node, from the present layer.
pub fn actions_for(world: &KafkaWorld, node: NodeId) -> Vec<NodeAction> {
    node_actions(world, node)
}

/// The menu's line under its title, from the present layer.
pub fn note_for(world: &KafkaWorld, node: NodeId) -> Option<String> {
    node_note(world, node)
}
