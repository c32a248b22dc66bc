//! Small wrappers over the browser: the clock, animation frames, the URL fragment, the clipboard,
//! local storage and element sizes. Failures here are reported to the caller, never unwrapped: a
//! missing API must not kill the page.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Call `f` before the next repaint; the request's id cancels it.
pub fn request_frame(f: &Closure<dyn FnMut()>) -> Option<i32> {
    web_sys::window()?
        .request_animation_frame(f.as_ref().unchecked_ref())
        .ok()
}

pub fn cancel_frame(id: i32) {
    if let Some(w) = web_sys::window() {
        let _ = w.cancel_animation_frame(id);
    }
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

/// Remove the query from the address bar, keeping the path and fragment.
pub fn drop_query() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    if location.search().map_or(true, |s| s.is_empty()) {
        return;
    }
    let url = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.hash().unwrap_or_default()
    );
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// The page's address including the fragment (what a student would paste).
pub fn page_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

/// Copy `text`; `Ok` only once the clipboard has taken it.
pub async fn copy_to_clipboard(text: &str) -> Result<(), ()> {
    let window = web_sys::window().ok_or(())?;
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| ())
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub fn storage_get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

pub fn storage_set(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

/// The element with `id`, if the page has one.
pub fn element(id: &str) -> Option<web_sys::Element> {
    web_sys::window()?.document()?.get_element_by_id(id)
}
