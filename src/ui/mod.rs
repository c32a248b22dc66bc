//! The Yew UI. Components take view models (from `present`) as props and emit `Action`s; the
//! session reducer applies them. Timers, the URL, the clipboard, storage and files live in hooks
//! here and nowhere else.

mod app;
mod assignor_tool;
mod branches;
mod caption;
mod challenge;
mod clients;
mod compare;
mod compare_stage;
mod console;
mod dots;
mod inspector;
mod lab_worker;
mod lesson_panel;
mod narration;
mod network;
mod node_menu;
mod overlays;
mod panels;
mod panic_overlay;
mod partitions;
mod producer;
mod saved;
mod spacetime;
mod stage;
mod store;
mod topbar;
mod txn;
mod web;

/// Mount the app on the page.
pub fn start() {
    // The same module also runs the tuning lab in a Web Worker, where there is no page.
    if web_sys::window().is_none() {
        return;
    }
    panic_overlay::install();
    yew::Renderer::<app::App>::new().render();
}
