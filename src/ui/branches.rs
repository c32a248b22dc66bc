//! The Branches panel: the run's tree of what-ifs (click one to see it at the same step, rename
//! it), and the run's files: "Export run" (JSON), "Import…" and "Download" (one HTML file that
//! opens offline).

use super::store::Store;
use super::web;
use crate::present::offline::{self, AppParts};
use crate::present::session::Action;
use crate::present::share;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct BranchesPanelProps {
    pub session: UseReducerHandle<Store>,
    pub on_action: Callback<Action>,
}

#[function_component(BranchesPanel)]
pub fn branches_panel(p: &BranchesPanelProps) -> Html {
    let session = p.session.session();
    let editing = use_state(|| None::<u32>);
    let list = session.branches();
    let stem = session.lesson().id.clone();
    let on_export = {
        let (store, on_action) = (p.session.clone(), p.on_action.clone());
        let name = format!("{stem}-run.json");
        Callback::from(move |_: MouseEvent| {
            let text = store.session().export_run();
            match web::download(&name, "application/json", &text) {
                Ok(()) => on_action.emit(Action::Inform(format!("Saved the run as {name}."))),
                Err(e) => on_action.emit(Action::Fail(format!("Could not save the run: {e}"))),
            }
        })
    };
    let on_download = {
        let (store, on_action) = (p.session.clone(), p.on_action.clone());
        let title = session.lesson().title.clone();
        let name = format!("{stem}-offline.html");
        Callback::from(move |_: MouseEvent| {
            let run = store.session().export_run();
            let (title, name, on_action) = (title.clone(), name.clone(), on_action.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let action = match one_file_page(&title, &run).await {
                    Ok(page) => match web::download(&name, "text/html", &page) {
                        Ok(()) => Action::Inform(format!(
                            "Saved {name}: open it from disk, no network needed."
                        )),
                        Err(e) => Action::Fail(format!("Could not save the page: {e}")),
                    },
                    Err(e) => Action::Fail(format!("Could not make the offline page: {e}")),
                };
                on_action.emit(action);
            });
        })
    };
    html! {
        <div class="panel branches-panel">
            <p class="muted">{ "Rewind (drag the timeline back) and change anything: a new branch starts there and the old future stays. Click a branch to see it at the same step." }</p>
            <ol class="branch-list" id="branch-list" aria-label="Branches">
                { for list.iter().map(|b| branch_row(b, &editing, &p.on_action)) }
            </ol>
            <h3 class="run-files-head">{ "Take this run with you" }</h3>
            <div class="run-files">
                <button class="ctl" id="export-run" onclick={on_export} title="Save the lesson, seed, branches and step as a JSON file">{ "Export run" }</button>
                <label class="ctl file-pick" for="import-run" title="Open a run file saved with Export run">{ "Import…" }</label>
                <input type="file" id="import-run" class="hidden-file" accept=".json,application/json" onchange={import_callback(&p.on_action)} />
                <button class="ctl" id="download-lesson" onclick={on_download} title="One HTML file with the app and this run: opens from disk, offline">{ "Download" }</button>
            </div>
            <p class="muted small">{ "Download makes one HTML file holding the app and this run (lesson, seed, branches, step): copy it to the classroom computer and double-click it, no network needed." }</p>
        </div>
    }
}

/// One branch: its name (click to go there), where it forked, and a rename button.
fn branch_row(
    b: &crate::present::session::BranchView,
    editing: &UseStateHandle<Option<u32>>,
    on_action: &Callback<Action>,
) -> Html {
    let index = b.index;
    let indent = format!("padding-left: {:.1}rem", 0.3 + 1.1 * b.depth as f32);
    let fork = match b.parent {
        Some(_) => format!("from step {}", b.fork),
        None => String::new(),
    };
    if **editing == Some(index) {
        let (done, on_action) = (editing.clone(), on_action.clone());
        let finish = move |input: web_sys::HtmlInputElement| {
            on_action.emit(Action::RenameBranch(index, input.value()));
            done.set(None);
        };
        let on_key = {
            let (finish, cancel) = (finish.clone(), editing.clone());
            Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
                "Enter" => finish(e.target_unchecked_into()),
                "Escape" => cancel.set(None),
                _ => {}
            })
        };
        let on_blur = Callback::from(move |e: FocusEvent| finish(e.target_unchecked_into()));
        return html! {
            <li class="branch editing" style={indent}>
                <input class="branch-name-input" id={format!("branch-name-{index}")} value={b.name.clone()}
                    maxlength={crate::present::session::MAX_BRANCH_NAME.to_string()} aria-label="Branch name"
                    onkeydown={on_key} onblur={on_blur} autofocus=true />
            </li>
        };
    }
    let go = on_action.reform(move |_: MouseEvent| Action::SwitchBranch(index));
    let rename = {
        let editing = editing.clone();
        Callback::from(move |_: MouseEvent| editing.set(Some(index)))
    };
    html! {
        <li class={classes!("branch", b.current.then_some("current"))} style={indent}>
            <button class="branch-go" id={format!("branch-{index}")} onclick={go} aria-current={b.current.then_some("true")}
                title={if b.current { "The branch on screen" } else { "Go to this branch at the step on screen" }}>
                <span class="branch-mark">{ if b.current { "●" } else { "○" } }</span>
                <span class="branch-name">{ b.name.clone() }</span>
            </button>
            <span class="branch-fork">{ fork }</span>
            <button class="branch-rename" id={format!("rename-branch-{index}")} onclick={rename} title="Rename this branch" aria-label="Rename">{ "✎" }</button>
        </li>
    }
}

/// Read a chosen run file (size-capped before reading) and open it.
fn import_callback(on_action: &Callback<Action>) -> Callback<Event> {
    let on_action = on_action.clone();
    Callback::from(move |e: Event| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        if file.size() > share::MAX_RUN_FILE as f64 {
            return on_action.emit(Action::Fail(format!(
                "That file has {} bytes; a run file has at most {}.",
                file.size(),
                share::MAX_RUN_FILE
            )));
        }
        let on_action = on_action.clone();
        wasm_bindgen_futures::spawn_local(async move {
            match JsFuture::from(file.text()).await {
                Ok(text) => on_action.emit(Action::ImportRun(text.as_string().unwrap_or_default())),
                Err(_) => on_action.emit(Action::Fail("That file could not be read.".into())),
            }
        });
    })
}

/// The one-file page: this page's own glue, wasm and stylesheet, fetched from the site, with
/// the run inside.
async fn one_file_page(title: &str, run: &str) -> Result<String, String> {
    let offline_already = "this page has no site to copy the app from (it is an offline page already: open the site to make another)";
    let glue_url = web::link_href("link[rel=modulepreload][href$='.js']").ok_or(offline_already)?;
    let wasm_url = web::link_href("link[rel=preload][href$='.wasm']").ok_or(offline_already)?;
    let css_url = web::link_href("link[rel=stylesheet]").ok_or(offline_already)?;
    let glue = String::from_utf8(web::fetch_bytes(&glue_url).await?)
        .map_err(|_| "the app's code is not text")?;
    let wasm = web::fetch_bytes(&wasm_url).await?;
    let css = String::from_utf8(web::fetch_bytes(&css_url).await?)
        .map_err(|_| "the stylesheet is not text")?;
    let app = AppParts {
        glue: &glue,
        wasm: &wasm,
        css: &css,
    };
    offline::one_file_html(&app, title, run)
}
