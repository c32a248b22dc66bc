//! Small wrappers over the browser: the clock, the URL fragment, the clipboard. Failures here are
//! reported to the caller, never unwrapped: a missing API must not kill the page.

use wasm_bindgen::JsValue;

pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

pub fn location_hash() -> Option<String> {
    web_sys::window()?
        .location()
        .hash()
        .ok()
        .filter(|h| !h.is_empty())
}

pub fn set_location_hash(fragment: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let url = format!("#{fragment}");
    window
        .history()
        .and_then(|h| h.replace_state_with_url(&JsValue::NULL, "", Some(&url)))
        .map_err(|_| "the address bar could not be updated".to_string())
}

/// The page's address including the fragment (what a student would paste).
pub fn page_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

pub fn copy_to_clipboard(text: &str) -> bool {
    match web_sys::window() {
        Some(w) => {
            let _promise = w.navigator().clipboard().write_text(text);
            true
        }
        None => false,
    }
}
