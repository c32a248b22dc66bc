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

/// Leave a figure on `window[name]` for the browser scenarios to read (e.g. how long a seek
/// took in the session, apart from drawing it). Nothing happens if there is no window.
pub fn note_figure(name: &str, value: f64) {
    if let Some(w) = web_sys::window() {
        let _ = js_sys::Reflect::set(&w, &JsValue::from_str(name), &JsValue::from_f64(value));
    }
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

pub fn storage_remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// The element with `id`, if the page has one.
pub fn element(id: &str) -> Option<web_sys::Element> {
    web_sys::window()?.document()?.get_element_by_id(id)
}

/// Save `text` as a file called `name` (the browser's download).
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| "the file could not be made")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "the file could not be offered")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| "no link element")?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// The `href` of the page's first element matching `selector` (a `<link>`).
pub fn link_href(selector: &str) -> Option<String> {
    let element = web_sys::window()?
        .document()?
        .query_selector(selector)
        .ok()??;
    element.get_attribute("href")
}

/// The `content` of `<meta name="name">`, if the page has one.
pub fn meta_content(name: &str) -> Option<String> {
    let element = web_sys::window()?
        .document()?
        .query_selector(&format!("meta[name='{name}']"))
        .ok()??;
    element.get_attribute("content")
}

/// Fetch a file of the site: its bytes.
pub async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    use wasm_bindgen_futures::JsFuture;
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| format!("{url} could not be fetched"))?
        .unchecked_into();
    if !response.ok() {
        return Err(format!("{url} answered {}", response.status()));
    }
    let buffer = JsFuture::from(response.array_buffer().map_err(|_| "no body")?)
        .await
        .map_err(|_| format!("{url} could not be read"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
