//! A panic is survivable: the panic hook draws an overlay with the error and a button that
//! reopens the run at the last step the page drew. A panic stops the WebAssembly module for good,
//! so the overlay is plain DOM built in the hook (text only, never HTML from data) and its button
//! is a link to the last good step's share link (`present::recovery`), not a callback into wasm.

use crate::present::recovery::{recovery_text, reload_address, shown_error};
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;

thread_local! {
    /// The step and share fragment of the last run the page drew.
    static LAST_GOOD: RefCell<Option<(u64, String)>> = const { RefCell::new(None) };
    static SHOWN: Cell<bool> = const { Cell::new(false) };
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(text: &str);
}

/// Install the hook (once, before the app mounts; through Yew, which otherwise replaces it).
pub fn install() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let text = info.to_string();
        console_error(&format!("kafka-classroom panicked: {text}"));
        if !SHOWN.with(|s| s.replace(true)) {
            let _ = show(&text);
        }
    }));
}

/// Remember the run the page has just drawn (called on every render; cheap when unchanged).
pub fn remember(step: u64, fragment: &str) {
    LAST_GOOD.with(|last| {
        let Ok(mut last) = last.try_borrow_mut() else {
            return;
        };
        match last.as_mut() {
            Some((s, f)) if *s == step && f == fragment => {}
            _ => *last = Some((step, fragment.to_string())),
        }
    });
}

/// Draw the overlay; `None` if the page has no document to draw on.
fn show(error: &str) -> Option<()> {
    let window = web_sys::window()?;
    let document = window.document()?;
    let last = LAST_GOOD.with(|l| l.try_borrow().ok().and_then(|l| l.clone()));
    let words = recovery_text(last.as_ref().map(|(step, _)| *step));
    let path = window.location().pathname().unwrap_or_default();
    let href = reload_address(
        &path,
        js_sys::Date::now() as u64,
        last.as_ref().map(|(_, f)| f.as_str()),
    );
    let element = |tag: &str, id: &str, class: &str, text: &str| {
        let e = document.create_element(tag).ok()?;
        if !id.is_empty() {
            e.set_id(id);
        }
        e.set_class_name(class);
        e.set_text_content(Some(text));
        Some(e)
    };
    let overlay = element("div", "panic-overlay", "panic-overlay", "")?;
    overlay.set_attribute("role", "alertdialog").ok()?;
    overlay
        .set_attribute("aria-labelledby", "panic-title")
        .ok()?;
    let card = element("div", "", "panic-card", "")?;
    let title = element("h2", "panic-title", "", words.title)?;
    let body = element("p", "", "", &words.body)?;
    let message = element("pre", "panic-message", "", &shown_error(error))?;
    card.append_child(&title).ok()?;
    card.append_child(&body).ok()?;
    card.append_child(&message).ok()?;
    let actions = element("div", "", "panic-actions", "")?;
    let reload = element("a", "panic-reload", "ctl primary", &words.reload)?;
    reload.set_attribute("href", &href).ok()?;
    let restart = element("a", "panic-restart", "ctl", words.restart)?;
    restart
        .set_attribute(
            "href",
            &reload_address(&path, js_sys::Date::now() as u64, None),
        )
        .ok()?;
    actions.append_child(&reload).ok()?;
    actions.append_child(&restart).ok()?;
    card.append_child(&actions).ok()?;
    overlay.append_child(&card).ok()?;
    document.body()?.append_child(&overlay).ok()?;
    Some(())
}

/// A deliberate panic for the end-to-end test of the overlay. Only reachable by calling
/// `wasmBindings.test_only_panic(...)` from a script or the developer console.
#[wasm_bindgen]
pub fn test_only_panic(reason: String) {
    panic!("deliberate panic for testing the overlay: {reason}");
}
