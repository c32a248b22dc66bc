//! The page: header, controls, cluster, side panels and the event log. Owns the session reducer
//! and the effects: the play loop's timer, the shared link in the URL, keyboard shortcuts.

use super::assignor_tool::AssignorTool;
use super::clients::ConsumerPanel;
use super::cluster::ClusterPanel;
use super::controls::Controls;
use super::event_log::EventLog;
use super::lesson_panel::LessonPanel;
use super::network::NetworkTool;
use super::partitions::PartitionTable;
use super::producer::ProducerPanel;
use super::store::Store;
use super::web;
use crate::present::session::{Action, NoticeLevel, Session};
use crate::present::view::{
    cluster_view, consumer_views, controller_views, lab_view, network_view, partition_rows,
    producer_views,
};
use gloo_timers::callback::Interval;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[derive(Clone, Copy, PartialEq, Eq)]
enum SideTab {
    Lesson,
    Producers,
    Consumers,
    Partitions,
    Network,
    Assignor,
}

#[function_component(App)]
pub fn app() -> Html {
    let store = use_reducer(|| Store::new(Session::default_session()));
    let tab = use_state(|| SideTab::Lesson);
    let dispatch = {
        let store = store.clone();
        Callback::from(move |action: Action| store.dispatch(action))
    };
    use_shared_link(&dispatch);
    use_play_loop(&store, &dispatch);
    use_lab_loop(&store, &dispatch);
    use_keyboard(&dispatch);

    let session = store.session();
    let world = session.world();
    let cluster = Rc::new(cluster_view(world, session.last_step()));
    let controllers = Rc::new(controller_views(world));
    let network = Rc::new(network_view(world, session.last_step()));
    let alerts = Rc::new(session.alerts());
    let partitions = Rc::new(partition_rows(world));
    let nodes = Rc::new(world.model().nodes());
    let producers = Rc::new(producer_views(world, session.last_step()));
    let consumers = Rc::new(consumer_views(world));
    let groups = Rc::new(crate::present::group::group_views(world));
    let topics: Rc<Vec<String>> = Rc::new(
        session
            .lesson()
            .spec
            .topics
            .iter()
            .map(|t| t.name.clone())
            .collect(),
    );
    let log: Rc<Vec<crate::present::session::LogLine>> = Rc::new(session.recent_log(80));
    let notice = session.notice().cloned();
    let lab = session.lab().map(|l| Rc::new(lab_view(l)));
    let has_lab = session.lesson().lab.is_some();

    let on_share = {
        let dispatch = dispatch.clone();
        let fragment = session.share_fragment();
        Callback::from(move |_: MouseEvent| {
            let message = match web::set_location_hash(&fragment) {
                Ok(()) => {
                    let url = web::page_url();
                    web::copy_to_clipboard(&url);
                    "Link to this exact moment copied. Anyone who opens it sees the same run, step for step.".to_string()
                }
                Err(e) => format!("Could not make a link: {e}"),
            };
            dispatch.emit(Action::Inform(message));
        })
    };
    let tab_button = |which: SideTab, label: &str| {
        let tab = tab.clone();
        let active = *tab == which;
        html! {
            <button class={classes!("tab", active.then_some("active"))} role="tab" aria-selected={active.to_string()} id={format!("tab-{}", label.to_lowercase())}
                onclick={Callback::from(move |_| tab.set(which))}>{ label }</button>
        }
    };
    html! {
        <div class="page">
            <header class="top">
                <h1>{ "Kafka Classroom" }</h1>
                <span class="badge" title="Configs, defaults and algorithms follow Apache Kafka 4.0">{ "Kafka 4.0 semantics" }</span>
                <span class="lesson-title">{ session.lesson().title.clone() }</span>
                <button class="share" onclick={on_share}>{ "Share link" }</button>
            </header>
            { notice_bar(notice, &dispatch) }
            <Controls
                time={crate::present::view::time_text(world.now())}
                step={world.steps_taken()}
                horizon={session.horizon()}
                playing={session.is_playing()}
                finished={session.is_finished()}
                speed_index={session.speed_index()}
                seed={session.seed()}
                fingerprint={world.fingerprint().to_string()}
                on_action={dispatch.clone()} />
            <main class={classes!("main", (*tab == SideTab::Producers || *tab == SideTab::Consumers || (*tab == SideTab::Lesson && has_lab)).then_some("wide-side"))}>
                <ClusterPanel view={cluster} controllers={controllers} network={network} alerts={alerts} on_action={dispatch.clone()} />
                <aside class="side">
                    <div class="tabs" role="tablist">
                        { tab_button(SideTab::Lesson, "Lesson") }
                        { tab_button(SideTab::Producers, "Producer") }
                        { tab_button(SideTab::Consumers, "Consumer") }
                        { tab_button(SideTab::Partitions, "Partitions") }
                        { tab_button(SideTab::Network, "Network") }
                        { tab_button(SideTab::Assignor, "Assignor") }
                    </div>
                    {
                        match *tab {
                            SideTab::Lesson => html! { <LessonPanel lesson={Rc::new(session.lesson().clone())} has_lab={has_lab} lab={lab} on_action={dispatch.clone()} /> },
                            SideTab::Producers => html! { <ProducerPanel producers={producers} topics={topics} on_action={dispatch.clone()} /> },
                            SideTab::Consumers => html! { <ConsumerPanel consumers={consumers} groups={groups} topics={topics.clone()} on_action={dispatch.clone()} /> },
                            SideTab::Partitions => html! { <PartitionTable rows={partitions} /> },
                            SideTab::Network => html! { <NetworkTool nodes={nodes} on_action={dispatch.clone()} /> },
                            SideTab::Assignor => html! { <AssignorTool /> },
                        }
                    }
                </aside>
            </main>
            <EventLog lines={log} />
        </div>
    }
}

fn notice_bar(
    notice: Option<crate::present::session::Notice>,
    dispatch: &Callback<Action>,
) -> Html {
    let Some(notice) = notice else {
        // Keep the grid row, so the main area stays in the stretching row.
        return html! { <div class="notice-slot"></div> };
    };
    let dismiss = dispatch.reform(|_: MouseEvent| Action::DismissNotice);
    let class = match notice.level {
        NoticeLevel::Info => "notice info",
        NoticeLevel::Error => "notice error",
    };
    html! {
        <div class={class} role={if notice.level == NoticeLevel::Error { "alert" } else { "status" }}>
            <span>{ notice.text }</span>
            <button class="dismiss" onclick={dismiss} aria-label="Dismiss">{ "×" }</button>
        </div>
    }
}

/// Open a shared run from the address bar once, on load.
#[hook]
fn use_shared_link(dispatch: &Callback<Action>) {
    let dispatch = dispatch.clone();
    use_effect_with((), move |_| {
        if let Some(hash) = web::location_hash() {
            dispatch.emit(Action::LoadShared(hash));
        }
        || ()
    });
}

/// While playing, tick the session with the wall time that passed.
#[hook]
fn use_play_loop(store: &UseReducerHandle<Store>, dispatch: &Callback<Action>) {
    let playing = store.session().is_playing();
    let dispatch = dispatch.clone();
    use_effect_with(playing, move |playing| {
        let interval = playing.then(|| {
            let last = Rc::new(Cell::new(web::now_ms()));
            Interval::new(40, move || {
                let now = web::now_ms();
                let elapsed = (now - last.get()).max(0.0) as u64;
                last.set(now);
                dispatch.emit(Action::Tick { wall_ms: elapsed });
            })
        });
        move || drop(interval)
    });
}

/// While the lesson's lab runs, advance it in slices of about 25 ms of work every 60 ms, so
/// the page stays responsive and the progress bar moves.
#[hook]
fn use_lab_loop(store: &UseReducerHandle<Store>, dispatch: &Callback<Action>) {
    let running = store.session().lab_running();
    let dispatch = dispatch.clone();
    use_effect_with(running, move |running| {
        let interval = running.then(|| {
            let steps = Rc::new(Cell::new(2_000u64));
            Interval::new(60, move || {
                let start = web::now_ms();
                dispatch.emit(Action::AdvanceLab { steps: steps.get() });
                let took = (web::now_ms() - start).max(1.0);
                let next = (steps.get() as f64 * 25.0 / took).clamp(200.0, 200_000.0);
                steps.set(next as u64);
            })
        });
        move || drop(interval)
    });
}

/// Space plays or pauses, the arrow keys step. Ignored while typing in a field.
#[hook]
fn use_keyboard(dispatch: &Callback<Action>) {
    let dispatch = dispatch.clone();
    use_effect_with((), move |_| {
        let listener = Closure::<dyn Fn(KeyboardEvent)>::new(move |e: KeyboardEvent| {
            let typing = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| {
                    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                });
            if typing || e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            let action = match e.key().as_str() {
                "ArrowRight" => Some(Action::Step),
                "ArrowLeft" => Some(Action::StepBack),
                "ArrowDown" => Some(Action::StepToEvent),
                _ => None,
            };
            if let Some(action) = action {
                e.prevent_default();
                dispatch.emit(action);
            }
        });
        let document = web_sys::window().and_then(|w| w.document());
        if let Some(doc) = &document {
            let _ =
                doc.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
        }
        move || {
            if let Some(doc) = document {
                let _ = doc.remove_event_listener_with_callback(
                    "keydown",
                    listener.as_ref().unchecked_ref(),
                );
            }
        }
    });
}
