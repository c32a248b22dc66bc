//! Keeps the run's branches in local storage, one entry per lesson (`present::saved`), and
//! restores them when the lesson opens afresh: on page load and on a pick from the catalogue,
//! unless the address bar (a shared link) or the page itself (a one-file lesson) carries a run
//! of this lesson. A damaged or too large entry is removed and a message says so.

use super::store::Store;
use super::web;
use crate::present::saved::{read_saved, save_signature, storage_key, to_save, Save};
use crate::present::session::Action;
use yew::prelude::*;

#[hook]
pub fn use_saved_branches(store: &UseReducerHandle<Store>, dispatch: &Callback<Action>) {
    let (key, signature) = {
        let s = store.session();
        (
            storage_key(s.lesson_ref(), &s.lesson().id),
            save_signature(&s),
        )
    };
    let mounted = use_mut_ref(|| false);
    {
        let (store, dispatch) = (store.clone(), dispatch.clone());
        use_effect_with(key.clone(), move |key| {
            // On page load a link or a one-file page decides the run (and maybe the lesson).
            let first = !mounted.replace(true);
            let carried = web::location_hash().is_some()
                || web::meta_content(crate::present::offline::RUN_META).is_some();
            if !(first && carried) {
                restore(&store, &dispatch, key);
            }
            || ()
        });
    }
    // Written after a change to the run, not when a lesson opens: opening one (from a link,
    // say) leaves what this browser kept for it alone until the class changes something.
    let opened = use_mut_ref(|| None::<String>);
    let (store, dispatch) = (store.clone(), dispatch.clone());
    use_effect_with((key, signature), move |(key, _)| {
        if opened.borrow().as_deref() == Some(key.as_str()) {
            save(&store, &dispatch, key);
        } else {
            *opened.borrow_mut() = Some(key.clone());
        }
        || ()
    });
}

/// Write (or remove) what this browser keeps for the lesson on screen.
fn save(store: &UseReducerHandle<Store>, dispatch: &Callback<Action>, key: &str) {
    let kept = to_save(&store.session());
    match kept {
        Save::Keep(text) => web::storage_set(key, &text),
        Save::Forget => web::storage_remove(key),
        Save::TooLarge(message) => {
            web::storage_remove(key);
            dispatch.emit(Action::Inform(message));
        }
    }
}

/// Restore the entry kept under `key` if the run on screen has no branches and no link in the
/// address bar names this lesson.
fn restore(store: &UseReducerHandle<Store>, dispatch: &Callback<Action>, key: &str) {
    let lesson = {
        let s = store.session();
        if s.branch_count() > 1 {
            return;
        }
        s.lesson_ref().clone()
    };
    let linked = web::location_hash()
        .and_then(|h| crate::present::share::decode(&h).ok())
        .is_some_and(|run| run.lesson == lesson);
    if linked {
        return;
    }
    let Some(text) = web::storage_get(key) else {
        return;
    };
    if read_saved(&text, &lesson).is_err() {
        // Set aside for good: the session's message says why, once.
        web::storage_remove(key);
    }
    dispatch.emit(Action::RestoreSaved(text));
}
