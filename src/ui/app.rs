//! The page: the top bar, the caption, the stage with an optional panel beside it, and the
//! narration. It owns the session reducer and the effects: the frame loop while playing, the
//! lab's loop, the shared link in the URL, keyboard shortcuts, the stage's measured size and the
//! progress kept in local storage.

use super::caption::Caption;
use super::lab_worker::LabWorker;
use super::narration::Narration;
use super::node_menu::{actions_for, note_for, NodeMenu};
use super::overlays::{Catalogue, Help};
use super::panels::SidePanel;
use super::stage::Stage;
use super::store::Store;
use super::topbar::{Panel, TopBar};
use super::web;
use crate::kafka::NodeId;
use crate::lesson::lab::LabStatus;
use crate::present::caption::caption_view;
use crate::present::catalogue::{catalogue, parse_progress, record_progress};
use crate::present::narration::{filter_choices, narration, parse_filter, quiet_tail};
use crate::present::session::{Action, NoticeLevel, Session};
use crate::present::share::LessonRef;
use crate::present::shortcuts::{key_command, KeyCommand};
use crate::present::stage::{cuts, dots, drops, fit, stage_view, StageOptions, StageSize};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Local-storage key of the lesson progress map.
const PROGRESS_KEY: &str = "kafka-classroom.progress";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Overlay {
    Catalogue,
    Help,
}

/// Narration lines shown (more in presenter mode would crowd the stage).
const NARRATION_LINES: u32 = 3;

#[function_component(App)]
pub fn app() -> Html {
    let store = use_reducer(|| Store::new(Session::default_session()));
    let panel = use_state(|| None::<Panel>);
    let presenter = use_state(|| false);
    let overlay = use_state(|| None::<Overlay>);
    let picker = use_state(|| false);
    let menu = use_state(|| None::<NodeId>);
    let zoomed = use_state(|| None::<String>);
    let record = use_state(|| None::<crate::kafka::record::RecordId>);
    let why = use_state(|| None::<super::panels::WhyOf>);
    let filter = use_state(|| "all".to_string());
    let size = use_state(|| StageSize {
        width: 900,
        height: 480,
        presenter: false,
    });
    let progress = use_state(|| parse_progress(web::storage_get(PROGRESS_KEY).as_deref()));
    let worker = use_mut_ref(|| None::<LabWorker>);
    let dispatch = lab_aware_dispatch(&store, &worker);
    use_shared_link(&dispatch);
    super::saved::use_saved_branches(&store, &dispatch);
    use_frame_loop(&store, &dispatch);
    use_lab_loop(&store, &dispatch);
    use_stage_size(&size, *presenter, "blocks-area");
    use_progress(&store, &progress);
    use_notice_timeout(&store, &dispatch);
    use_lesson_console_panel(&store, &panel);

    let on_key = {
        let dispatch = dispatch.clone();
        let presenter = presenter.clone();
        let overlay = overlay.clone();
        let menu = menu.clone();
        let panel = panel.clone();
        Callback::from(move |key: String| match key_command(&key, *presenter) {
            Some(KeyCommand::Session(action)) => dispatch.emit(action),
            Some(KeyCommand::TogglePresenter) => presenter.set(!*presenter),
            Some(KeyCommand::ToggleHelp) => overlay.set(match *overlay {
                Some(Overlay::Help) => None,
                _ => Some(Overlay::Help),
            }),
            Some(KeyCommand::OpenCatalogue) => overlay.set(Some(Overlay::Catalogue)),
            Some(KeyCommand::Close) => {
                if overlay.is_some() {
                    overlay.set(None)
                } else if menu.is_some() {
                    menu.set(None)
                } else {
                    panel.set(None)
                }
            }
            None => {}
        })
    };
    use_keyboard(on_key);

    let session = store.session();
    let world = session.world();
    let highlight = session
        .guide()
        .current_beat()
        .map(|b| b.highlight.clone())
        .unwrap_or_default();
    let options = StageOptions {
        zoomed: (*zoomed).clone(),
        highlight,
    };
    let view = Rc::new(stage_view(world, &options));
    let stage_fit = Rc::new(fit(
        &view,
        StageSize {
            presenter: *presenter,
            ..*size
        },
    ));
    let moving = Rc::new(dots(world));
    let layout = layout_key(&stage_fit, &view, *size, *presenter, *panel);
    let cut = Rc::new(cuts(world));
    let dropped = Rc::new(drops(session.recent_steps()));
    let narration_filter = parse_filter(&filter);
    let lines = Rc::new(narration(
        session.recent_steps(),
        &narration_filter,
        NARRATION_LINES,
    ));
    let tail = quiet_tail(session.recent_steps(), &narration_filter);
    let choices = Rc::new(filter_choices(world));
    let caption = caption_view(&session);
    let lesson_id = match session.lesson_ref() {
        LessonRef::Builtin(id) => id.clone(),
        LessonRef::Custom(_) => session.lesson().id.clone(),
    };

    let on_share = share_callback(&session, &dispatch);
    let compare_view = session
        .comparing()
        .map(|run| Rc::new(crate::present::compare::compare_view(run, world)));
    let divergence = compare_view
        .as_ref()
        .and_then(|v| v.divergence.as_ref().map(|d| d.0));
    let (open_picker, close_picker) = {
        let (a, b) = (picker.clone(), picker.clone());
        (
            Callback::from(move |_: ()| a.set(true)),
            Callback::from(move |_: ()| b.set(false)),
        )
    };
    let on_panel = {
        let panel = panel.clone();
        Callback::from(move |p: Panel| panel.set(if *panel == Some(p) { None } else { Some(p) }))
    };
    let on_zoom = {
        let zoomed = zoomed.clone();
        Callback::from(move |name: String| {
            zoomed.set(if zoomed.as_deref() == Some(name.as_str()) {
                None
            } else {
                Some(name)
            })
        })
    };
    let on_record = record_callback(&store, &record, &panel);
    let ask_why = {
        let (why, panel) = (why.clone(), panel.clone());
        Callback::from(move |of: super::panels::WhyOf| {
            why.set(Some(of));
            panel.set(Some(Panel::Why));
        })
    };
    let on_why = ask_why.reform(super::panels::WhyOf::Partition);
    let on_node = {
        let menu = menu.clone();
        Callback::from(move |n: NodeId| menu.set(if *menu == Some(n) { None } else { Some(n) }))
    };
    let unit = |f: Box<dyn Fn()>| Callback::from(move |_: ()| f());
    let (presenter_toggle, help_toggle, open_catalogue, close_overlay, close_menu) = {
        let p = presenter.clone();
        let o1 = overlay.clone();
        let o2 = overlay.clone();
        let o3 = overlay.clone();
        let m = menu.clone();
        (
            unit(Box::new(move || p.set(!*p))),
            unit(Box::new(move || {
                o1.set(if *o1 == Some(Overlay::Help) {
                    None
                } else {
                    Some(Overlay::Help)
                })
            })),
            unit(Box::new(move || o2.set(Some(Overlay::Catalogue)))),
            unit(Box::new(move || o3.set(None))),
            unit(Box::new(move || m.set(None))),
        )
    };
    let on_pick = {
        let dispatch = dispatch.clone();
        let overlay = overlay.clone();
        let zoomed = zoomed.clone();
        Callback::from(move |id: String| {
            overlay.set(None);
            zoomed.set(None);
            dispatch.emit(Action::LoadBuiltin(id));
        })
    };
    let on_menu_panel = {
        let (panel, why, menu) = (panel.clone(), why.clone(), menu.clone());
        Callback::from(move |label: &'static str| {
            // "Why no records?" from a consumer's menu asks about that consumer.
            if let Some(NodeId::Consumer(c)) = *menu {
                if label == Panel::Why.label() {
                    why.set(Some(super::panels::WhyOf::Consumer(c)));
                }
            }
            panel.set(Panel::ALL.into_iter().find(|p| p.label() == label))
        })
    };
    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |v: String| filter.set(v))
    };
    html! {
        <div class={classes!("page", presenter.then_some("presenter"), (panel.is_some() || compare_view.is_some()).then_some("with-panel"), compare_view.is_some().then_some("with-compare"), (*panel == Some(Panel::Console)).then_some("with-console"), (*panel == Some(Panel::SpaceTime)).then_some("with-spacetime"))}>
            <TopBar
                title={session.lesson().title.clone()}
                time={crate::present::view::time_text(world.now())}
                step={world.steps_taken()}
                horizon={session.horizon()}
                playing={session.is_playing()}
                behind={session.is_behind()}
                finished={session.is_finished()}
                speed_index={session.speed_index()}
                panel={*panel}
                presenter={*presenter}
                on_action={dispatch.clone()}
                on_panel={on_panel.clone()}
                on_catalogue={open_catalogue}
                on_presenter={presenter_toggle}
                on_help={help_toggle}
                on_share={on_share}
                branches={session.branch_count()}
                fork_marks={Rc::new(session.fork_marks())}
                comparing={compare_view.is_some()}
                divergence={divergence}
                on_compare={open_picker} />
            { notice_bar(session.notice().cloned(), &dispatch) }
            <Caption view={caption} on_action={dispatch.clone()} />
            { guarantee_bar(session.violations().last(), challenge_bar(&session, &dispatch), &dispatch, &record, &panel) }
            <main class="main">
                <Stage view={view} fit={stage_fit} dots={moving} cuts={cut} drops={dropped} on_node={on_node} on_zoom={on_zoom.clone()} on_record={on_record} on_why={on_why} layout={layout}
                    lane={compare_view.is_some().then(|| AttrValue::from("A"))} />
                { match (&compare_view, *panel) {
                    (Some(v), _) => html! { <>
                        <super::compare::CompareStrip view={v.clone()} on_action={dispatch.clone()} />
                        <super::compare_stage::StageB store={store.clone()} zoomed={(*zoomed).clone()} on_zoom={on_zoom} presenter={*presenter} />
                    </> },
                    (None, Some(p)) => html! { <SidePanel panel={p} session={store.clone()} on_action={dispatch.clone()} on_close={on_panel.reform(move |_: ()| p)} record={*record} why={(*why).clone()} on_why={ask_why.clone()} /> },
                    (None, None) => html! {},
                } }
            </main>
            <Narration lines={lines} quiet_tail={tail} choices={choices} filter={(*filter).clone()} on_filter={on_filter} on_action={dispatch.clone()}
                on_details={on_panel.reform(|_: ()| Panel::Details)} details_open={*panel == Some(Panel::Details)}
                on_spacetime={on_panel.reform(|_: ()| Panel::SpaceTime)} spacetime_open={*panel == Some(Panel::SpaceTime)} />
            { match *menu {
                Some(node) => html! { <NodeMenu node={node} actions={actions_for(world, node)} note={note_for(world, node)} on_action={dispatch.clone()} on_close={close_menu} on_panel={on_menu_panel} /> },
                None => html! {},
            } }
            { if *picker { html! {
                <super::compare::ComparePicker choices={Rc::new(crate::present::compare::choices(session.lesson()))}
                    branches={Rc::new(session.branches())} on_action={dispatch.clone()} on_close={close_picker} />
            } } else { html! {} } }
            { match *overlay {
                Some(Overlay::Catalogue) => html! { <Catalogue sections={Rc::new(catalogue(&progress, &lesson_id))} on_pick={on_pick} on_close={close_overlay} /> },
                Some(Overlay::Help) => html! { <Help on_close={close_overlay} /> },
                None => html! {},
            } }
        </div>
    }
}

/// The challenge's goal, budget and verdict, when the lesson is a challenge.
fn challenge_bar(session: &Session, dispatch: &Callback<Action>) -> Html {
    match crate::present::challenge::challenge_view(session) {
        Some(view) => {
            html! { <super::challenge::ChallengeBar view={view} on_action={dispatch.clone()} /> }
        }
        None => html! {},
    }
}

/// The row under the caption: the challenge bar (if any) and the newest broken guarantee, with
/// "Show me": go to its step with the record's life open.
fn guarantee_bar(
    violation: Option<&crate::present::monitor::Violation>,
    challenge: Html,
    dispatch: &Callback<Action>,
    record: &UseStateHandle<Option<crate::kafka::record::RecordId>>,
    panel: &UseStateHandle<Option<Panel>>,
) -> Html {
    let Some(v) = violation else {
        return html! { <div class="guarantee-row">{ challenge }</div> };
    };
    let (dispatch, record, panel) = (dispatch.clone(), record.clone(), panel.clone());
    let (step, id) = (v.step, v.record);
    let show = Callback::from(move |_: MouseEvent| {
        record.set(Some(id));
        panel.set(Some(Panel::Record));
        dispatch.emit(Action::SeekTo(step));
    });
    html! {
        <div class="guarantee-row">
            { challenge }
            <div class="guarantee" role="alert" id="guarantee">
                <span class="g-mark">{ "⚠" }</span>
                <span class="g-text">{ format!("{} ({}, step {})", v.text, v.time, v.step) }</span>
                <button class="g-show" id="show-me" onclick={show}>{ "Show me" }</button>
            </div>
        </div>
    }
}

/// A click on a record cell: find the record in that replica's log and open the inspector.
fn record_callback(
    store: &UseReducerHandle<Store>,
    record: &UseStateHandle<Option<crate::kafka::record::RecordId>>,
    panel: &UseStateHandle<Option<Panel>>,
) -> Callback<super::stage::RecordClick> {
    let (store, record, panel) = (store.clone(), record.clone(), panel.clone());
    Callback::from(move |(name, broker, offset): super::stage::RecordClick| {
        let Ok(tp) = crate::kafka::TopicPartition::parse(&name) else {
            return;
        };
        let found =
            crate::present::inspect::record_at(store.session().world(), &tp, offset, Some(broker));
        if let Some(id) = found {
            record.set(Some(id));
            panel.set(Some(Panel::Record));
        }
    })
}

/// A number that changes whenever the stage's elements may have moved: its size, the blocks,
/// the rows' height, the clients on it, presenter mode and the open panel.
pub(super) fn layout_key(
    fit: &crate::present::stage::Fit,
    view: &crate::present::stage::StageView,
    size: StageSize,
    presenter: bool,
    panel: Option<Panel>,
) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (size.width, size.height, presenter, panel.map(Panel::label)).hash(&mut h);
    (fit.row_px, fit.header_px).hash(&mut h);
    for block in &fit.blocks {
        block.len().hash(&mut h);
    }
    (
        view.producers.len(),
        view.controllers.len(),
        view.zoomed.clone(),
    )
        .hash(&mut h);
    for g in &view.groups {
        (g.name.as_str(), g.members.len()).hash(&mut h);
    }
    h.finish()
}

/// Put the run in the address bar and copy it; say "copied" only when the clipboard took it.
fn share_callback(session: &Session, dispatch: &Callback<Action>) -> Callback<()> {
    let dispatch = dispatch.clone();
    let fragment = session.share_fragment();
    // The page drew this run: it is the step a panic's overlay offers to reopen.
    super::panic_overlay::remember(session.world().steps_taken(), &fragment);
    Callback::from(move |_: ()| {
        if let Err(e) = web::set_location_hash(&fragment) {
            dispatch.emit(Action::Fail(format!("Could not make a link: {e}")));
            return;
        }
        let url = web::page_url();
        let dispatch = dispatch.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let action = match web::copy_to_clipboard(&url).await {
                Ok(()) => Action::Inform(
                    "Link to this exact moment copied. Anyone who opens it sees the same run, step for step.".into(),
                ),
                Err(_) => Action::Inform(format!(
                    "The link is in the address bar (the clipboard refused it): {url}"
                )),
            };
            dispatch.emit(action);
        });
    })
}

fn notice_bar(
    notice: Option<crate::present::session::Notice>,
    dispatch: &Callback<Action>,
) -> Html {
    let Some(notice) = notice else {
        return html! {};
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
        // A recovery link (from the panic overlay) carries a query that forced the reload.
        web::drop_query();
        if let Some(hash) = web::location_hash() {
            dispatch.emit(Action::LoadShared(hash));
        } else if let Some(run) = web::meta_content(crate::present::offline::RUN_META) {
            // A one-file page (Download) carries its run inside.
            match crate::present::offline::embedded_run(&run) {
                Ok(text) => dispatch.emit(Action::ImportRun(text)),
                Err(e) => dispatch.emit(Action::Fail(format!(
                    "This page's run could not be opened: {e}"
                ))),
            }
        }
        || ()
    });
}

/// While playing, advance the run once per animation frame, with a step budget that keeps the
/// engine's share of a frame near `TICK_BUDGET_MS` (the run falls behind rather than stutter).
/// When a tick is heavy (a large cluster at high speed), ticks and renders take turns on
/// alternate frames, so no frame carries both: the stage then updates 30 times a second and
/// every frame stays short.
#[hook]
fn use_frame_loop(store: &UseReducerHandle<Store>, dispatch: &Callback<Action>) {
    /// Wall milliseconds of engine work per tick: less when it shares its frame with a render.
    const TICK_BUDGET_MS: f64 = 6.0;
    const TICK_ALONE_BUDGET_MS: f64 = 10.0;
    /// A tick longer than this goes on a frame of its own.
    const HEAVY_TICK_MS: f64 = 3.0;
    let playing = store.session().is_playing();
    let session = store.shared();
    let dispatch = dispatch.clone();
    use_effect_with(playing, move |playing| {
        let pending: Rc<Cell<Option<i32>>> = Rc::new(Cell::new(None));
        let frame: Rc<RefCell<Option<Closure<dyn FnMut()>>>> = Rc::new(RefCell::new(None));
        if *playing {
            let last = Rc::new(Cell::new(web::now_ms()));
            let owed = Rc::new(Cell::new(0u64));
            let steps = Rc::new(Cell::new(400u32));
            let alternate = Rc::new(Cell::new(false));
            let drawing_turn = Rc::new(Cell::new(false));
            let again = frame.clone();
            let next_id = pending.clone();
            *frame.borrow_mut() = Some(Closure::new(move || {
                let now = web::now_ms();
                owed.set(owed.get() + (now - last.get()).max(0.0) as u64);
                last.set(now);
                let tick_turn = !alternate.get() || !drawing_turn.get();
                if tick_turn && session.borrow().is_playing() {
                    let start = web::now_ms();
                    session.borrow_mut().apply(Action::Tick {
                        wall_ms: owed.replace(0),
                        max_steps: steps.get(),
                    });
                    let took = (web::now_ms() - start).max(0.05);
                    let budget = if alternate.get() {
                        TICK_ALONE_BUDGET_MS
                    } else {
                        TICK_BUDGET_MS
                    };
                    let next = (f64::from(steps.get()) * budget / took).clamp(20.0, 50_000.0);
                    // Move slowly towards the new budget so one slow frame does not swing it.
                    steps.set(((f64::from(steps.get()) * 3.0 + next) / 4.0) as u32);
                    alternate.set(took > HEAVY_TICK_MS);
                }
                let draw_turn = !alternate.get() || drawing_turn.get() || !tick_turn;
                drawing_turn.set(!drawing_turn.get());
                let still_playing = session.borrow().is_playing();
                if draw_turn || !still_playing {
                    dispatch.emit(Action::Redraw);
                }
                if still_playing {
                    if let Some(f) = again.borrow().as_ref() {
                        next_id.set(web::request_frame(f));
                    }
                }
            }));
            if let Some(f) = frame.borrow().as_ref() {
                pending.set(web::request_frame(f));
            }
        }
        move || {
            // Cancel the frame still pending, then let the closure go once this turn is over:
            // the cleanup may run inside the closure itself (a tick that paused the run).
            if let Some(id) = pending.take() {
                web::cancel_frame(id);
            }
            let closure = frame.borrow_mut().take();
            gloo_timers::callback::Timeout::new(0, move || drop(closure)).forget();
        }
    });
}

/// The session's dispatch, except that the tuning lab starts in a Web Worker when it can (the
/// page then only shows its reports) and stops with it.
fn lab_aware_dispatch(
    store: &UseReducerHandle<Store>,
    worker: &Rc<RefCell<Option<LabWorker>>>,
) -> Callback<Action> {
    let store = store.clone();
    let worker = worker.clone();
    Callback::from(move |action: Action| match action {
        Action::StartLab => {
            worker.borrow_mut().take();
            let (lesson, seed) = {
                let s = store.session();
                (s.lesson_ref().clone(), s.seed())
            };
            let on_status = {
                let (store, worker) = (store.clone(), worker.clone());
                move |status: LabStatus| {
                    let done = status.done;
                    store.dispatch(Action::LabReport(status));
                    if done {
                        // Not from inside its own message handler: let this turn end first.
                        let finished = worker.borrow_mut().take();
                        gloo_timers::callback::Timeout::new(0, move || drop(finished)).forget();
                    }
                }
            };
            let on_error = {
                let store = store.clone();
                move |message: String| store.dispatch(Action::Fail(message))
            };
            match LabWorker::start(&lesson, seed, on_status, on_error) {
                Some(started) => {
                    *worker.borrow_mut() = Some(started);
                    store.dispatch(Action::StartLabElsewhere);
                }
                None => store.dispatch(Action::StartLab),
            }
        }
        other => {
            if matches!(
                other,
                Action::CancelLab
                    | Action::LoadBuiltin(_)
                    | Action::LoadCustom(_)
                    | Action::LoadShared(_)
                    | Action::ImportRun(_)
                    | Action::Reset { .. }
            ) {
                worker.borrow_mut().take();
            }
            store.dispatch(other)
        }
    })
}

/// While the lesson's lab runs, advance it in slices of about 12 ms of work per frame, so the
/// page stays responsive and the progress bar moves.
#[hook]
fn use_lab_loop(store: &UseReducerHandle<Store>, dispatch: &Callback<Action>) {
    let running = store.session().lab_running();
    let dispatch = dispatch.clone();
    use_effect_with(running, move |running| {
        let interval = running.then(|| {
            let steps = Rc::new(Cell::new(2_000u64));
            gloo_timers::callback::Interval::new(30, move || {
                let start = web::now_ms();
                dispatch.emit(Action::AdvanceLab { steps: steps.get() });
                let took = (web::now_ms() - start).max(1.0);
                let next = (steps.get() as f64 * 12.0 / took).clamp(200.0, 400_000.0);
                steps.set(next as u64);
            })
        });
        move || drop(interval)
    });
}

/// Keep the measured size of the stage's block area in `size`. A `ResizeObserver` reports
/// changes (a window resize, a panel opening, a longer caption) without forcing a layout on
/// every frame.
#[hook]
pub(super) fn use_stage_size(
    size: &UseStateHandle<StageSize>,
    presenter: bool,
    blocks_id: &'static str,
) {
    let size = size.clone();
    use_effect_with(presenter, move |presenter| {
        let presenter = *presenter;
        let callback = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
            let Some(entry) = entries
                .get(0)
                .dyn_into::<web_sys::ResizeObserverEntry>()
                .ok()
            else {
                return;
            };
            let rect = entry.content_rect();
            size.set(StageSize {
                width: rect.width() as u32,
                height: rect.height() as u32,
                presenter,
            });
        });
        let observer = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()).ok();
        if let (Some(o), Some(el)) = (&observer, web::element(blocks_id)) {
            o.observe(&el);
        }
        move || {
            if let Some(o) = observer {
                o.disconnect();
            }
            drop(callback);
        }
    });
}

/// Remember in local storage how many beats of the lesson this browser has seen.
#[hook]
fn use_progress(
    store: &UseReducerHandle<Store>,
    progress: &UseStateHandle<std::collections::BTreeMap<String, u32>>,
) {
    let session = store.session();
    let id = match session.lesson_ref() {
        LessonRef::Builtin(id) => Some(id.clone()),
        LessonRef::Custom(_) => None,
    };
    let seen = session.guide().fired();
    let progress = progress.clone();
    use_effect_with((id, seen), move |(id, seen)| {
        if let Some(id) = id {
            if let Some(json) = record_progress(&progress, id, *seen) {
                web::storage_set(PROGRESS_KEY, &json);
                progress.set(parse_progress(Some(&json)));
            }
        }
        || ()
    });
}

/// The lesson typed a console line (`"action": "console"`): the Console panel opens to show it
/// and its output, unless another panel is open.
#[hook]
fn use_lesson_console_panel(
    store: &UseReducerHandle<Store>,
    panel: &UseStateHandle<Option<Panel>>,
) {
    let typed = store
        .session()
        .console_entries()
        .filter(|e| e.lesson_action.is_some())
        .count();
    let last = use_mut_ref(|| typed);
    let panel = panel.clone();
    use_effect_with(typed, move |typed| {
        let before = std::mem::replace(&mut *last.borrow_mut(), *typed);
        if *typed > before && panel.is_none() {
            panel.set(Some(Panel::Console));
        }
        || ()
    });
}

/// An informational notice fades after a few seconds; errors stay until dismissed.
#[hook]
fn use_notice_timeout(store: &UseReducerHandle<Store>, dispatch: &Callback<Action>) {
    /// How long an informational notice stays, in ms.
    const INFO_MS: u32 = 6_000;
    let info = store
        .session()
        .notice()
        .filter(|n| n.level == NoticeLevel::Info)
        .map(|n| n.text.clone());
    let dispatch = dispatch.clone();
    use_effect_with(info, move |info| {
        let timer = info.as_ref().map(|_| {
            gloo_timers::callback::Timeout::new(INFO_MS, move || {
                dispatch.emit(Action::DismissNotice)
            })
        });
        move || drop(timer)
    });
}

/// Keys go to `on_key`, except while typing in a field or with a modifier held.
#[hook]
fn use_keyboard(on_key: Callback<String>) {
    let latest = use_mut_ref(|| on_key.clone());
    *latest.borrow_mut() = on_key;
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
            let key = e.key();
            if key_command(&key, false).is_some() || key_command(&key, true).is_some() {
                e.prevent_default();
                let callback = latest.borrow().clone();
                callback.emit(key);
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
