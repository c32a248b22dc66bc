//! The record inspector panel: a record's life (`present::inspect`), each moment a link that
//! seeks the timeline to its step. The life is replayed from the recording once per record and
//! timeline (not while playing: a running class sees it again when it pauses).

use super::store::Store;
use crate::kafka::record::RecordId;
use crate::present::inspect::{in_session, inspector_view, RecordLife};
use crate::present::session::Action;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    pub record: RecordId,
    pub session: UseReducerHandle<Store>,
    pub on_action: Callback<Action>,
}

/// What a computed life depends on: the record, the lesson, the seed, the recording, the horizon.
type LifeKey = (RecordId, usize, u64, usize, u64);

#[function_component(Inspector)]
pub fn inspector(p: &InspectorProps) -> Html {
    let cache = use_mut_ref(|| None::<(LifeKey, Rc<RecordLife>)>);
    let session = p.session.session();
    let key: LifeKey = (
        p.record,
        Rc::as_ptr(&session.lesson_rc()) as usize,
        session.seed(),
        session.commands().len(),
        session.horizon(),
    );
    let life = {
        let mut cache = cache.borrow_mut();
        let reuse = cache.as_ref().is_some_and(|(k, _)| {
            *k == key || (session.is_playing() && k.0 == key.0 && k.1 == key.1)
        });
        if !reuse {
            *cache = Some((key, Rc::new(in_session(&session, p.record))));
        }
        cache.as_ref().expect("filled above").1.clone()
    };
    let view = inspector_view(&life, session.world().steps_taken());
    html! {
        <div class="inspector" id="inspector" aria-label="The life of one record">
            <p class="insp-heading">{ view.heading.clone() }</p>
            <p class={classes!("insp-fate", view.alarming.then_some("alarm"))} id="inspector-fate">{ view.fate.clone() }</p>
            <ol class="insp-lines">
                { for view.lines.iter().map(|l| {
                    let step = l.step;
                    html! {
                        <li class={classes!(l.tone, l.later.then_some("later"), l.here.then_some("here"))}>
                            <button class="insp-step" title={format!("Go to step {step}")}
                                onclick={p.on_action.reform(move |_: MouseEvent| Action::SeekTo(step))}>
                                <span class="insp-t">{ l.time.clone() }</span>
                                <span class="insp-n">{ format!("step {step}") }</span>
                            </button>
                            <span class="insp-text">{ l.text.clone() }</span>
                        </li>
                    }
                }) }
            </ol>
            { if view.lines.is_empty() { html! { <p class="muted">{ "Nothing has happened to this record yet." }</p> } } else { html! {} } }
            <p class="muted small">{ "Click a moment to go to its step. Dimmed moments come later in this run." }</p>
        </div>
    }
}
