//! The Yew UI. Components take view models (from `present`) as props and emit `Action`s; the
//! session reducer applies them. Timers, the URL, the clipboard and files live in hooks here and
//! nowhere else.

mod app;
mod assignor_tool;
mod clients;
mod cluster;
mod controls;
mod event_log;
mod faults;
mod lesson_panel;
mod network;
mod partitions;
mod producer;
mod store;
mod web;

/// Mount the app on the page.
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
