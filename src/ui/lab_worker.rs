//! The tuning lab in a Web Worker (`static/lab-worker.js`): the page hands the worker this same WebAssembly module and
//! the lesson, the worker runs every configuration (`lesson::lab::LabRun`, the code the
//! command line and the tests run) and posts its status a few times a second. The page never
//! blocks, however long the lab. Stopping the lab terminates the worker.
//!
//! Where workers are missing (or the page's glue script cannot be found), the UI falls back to
//! running the lab on the page in slices.

use crate::lesson::lab::{LabRun, LabStatus};
use crate::lesson::{builtin, Lesson};
use crate::present::share::LessonRef;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What the worker says.
#[derive(Serialize, Deserialize)]
enum Report {
    Status(LabStatus),
    Error(String),
}

/// What the page asks.
#[derive(Serialize, Deserialize)]
struct Request {
    lesson: LessonRef,
    seed: u64,
}

/// The worker's script, a file of the site next to the glue (`static/lab-worker.js`): a Blob
/// worker would need `blob:` in the content security policy.
fn worker_url(glue_url: &str) -> String {
    let base = glue_url.rsplit_once('/').map_or("", |(base, _)| base);
    format!("{base}/lab-worker.js")
}

/// The URL of the page's wasm-bindgen glue (Trunk preloads it as a module).
fn glue_url() -> Option<String> {
    let document = web_sys::window()?.document()?;
    let link = document
        .query_selector("link[rel=modulepreload][href$='.js']")
        .ok()??;
    link.dyn_into::<web_sys::HtmlLinkElement>()
        .ok()
        .map(|l| l.href())
}

/// A running lab worker; dropping it stops the worker.
pub struct LabWorker {
    worker: web_sys::Worker,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl Drop for LabWorker {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

impl LabWorker {
    /// Start the lab in a worker; `on_status` receives each report, `on_error` a failure.
    pub fn start(
        lesson: &LessonRef,
        seed: u64,
        on_status: impl Fn(LabStatus) + 'static,
        on_error: impl Fn(String) + 'static,
    ) -> Option<LabWorker> {
        let glue = glue_url()?;
        let options = web_sys::WorkerOptions::new();
        options.set_type(web_sys::WorkerType::Module);
        let worker = web_sys::Worker::new_with_options(&worker_url(&glue), &options).ok()?;
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                let text = e.data().as_string().unwrap_or_default();
                match serde_json::from_str::<Report>(&text) {
                    Ok(Report::Status(status)) => on_status(status),
                    Ok(Report::Error(message)) => on_error(message),
                    Err(e) => on_error(format!("The lab worker sent something unreadable: {e}")),
                }
            });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let request = serde_json::to_string(&Request {
            lesson: lesson.clone(),
            seed,
        })
        .ok()?;
        let message = js_sys::Object::new();
        js_sys::Reflect::set(&message, &"glue".into(), &glue.into()).ok()?;
        js_sys::Reflect::set(&message, &"module".into(), &wasm_bindgen::module()).ok()?;
        js_sys::Reflect::set(&message, &"request".into(), &request.into()).ok()?;
        worker.post_message(&message).ok()?;
        Some(LabWorker {
            worker,
            _on_message: on_message,
        })
    }
}

/// Inside the worker: run the lab to the end, posting its status about ten times a second.
#[wasm_bindgen]
pub fn lab_worker_run(request: String) {
    let Ok(scope) = js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>() else {
        return;
    };
    let post = |report: &Report| {
        if let Ok(text) = serde_json::to_string(report) {
            let _ = scope.post_message(&JsValue::from_str(&text));
        }
    };
    let lab = serde_json::from_str::<Request>(&request)
        .map_err(|e| e.to_string())
        .and_then(|r| {
            let lesson = match &r.lesson {
                LessonRef::Builtin(id) => builtin::load(id).map_err(|e| e.to_string())?,
                LessonRef::Custom(text) => Lesson::parse(text).map_err(|e| e.to_string())?,
            };
            LabRun::new(&lesson, r.seed).ok_or_else(|| "This lesson has no lab to run.".into())
        });
    let mut lab = match lab {
        Ok(lab) => lab,
        Err(e) => return post(&Report::Error(e)),
    };
    let mut last_post = js_sys::Date::now();
    while !lab.advance(20_000) {
        if js_sys::Date::now() - last_post >= 100.0 {
            post(&Report::Status(lab.status()));
            last_post = js_sys::Date::now();
        }
    }
    post(&Report::Status(lab.status()));
}
