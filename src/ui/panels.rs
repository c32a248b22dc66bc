//! The panel beside the stage: one at a time, chosen in the top bar. Only the open panel's view
//! model is built. The stage shrinks to make room; the panel never covers it.

use super::assignor_tool::AssignorTool;
use super::branches::BranchesPanel;
use super::clients::ConsumerPanel;
use super::console::ConsolePanel;
use super::inspector::Inspector;
use super::lesson_panel::LessonPanel;
use super::network::NetworkTool;
use super::partitions::PartitionTable;
use super::producer::ProducerPanel;
use super::store::Store;
use super::topbar::Panel;
use crate::present::narrate::narrate;
use crate::present::session::Action;
use crate::present::view::{consumer_views, lab_view, partition_rows, producer_views};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SidePanelProps {
    pub panel: Panel,
    pub session: UseReducerHandle<Store>,
    pub on_action: Callback<Action>,
    pub on_close: Callback<()>,
    /// The record the inspector shows.
    pub record: Option<crate::kafka::record::RecordId>,
    /// What the "Why?" panel answers for.
    pub why: Option<WhyOf>,
    /// A "?" inside a panel asks the "Why?" panel about something.
    pub on_why: Callback<WhyOf>,
}

/// What the "Why?" panel is asked about.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum WhyOf {
    /// A partition's high watermark (its name).
    Partition(String),
    /// A consumer that gets no records.
    Consumer(u32),
    /// A producer's oldest batch for a partition, still in its accumulator.
    Batch(u32, String),
}

/// Lines of the raw RPC trace the Details panel shows.
const TRACE_LINES: usize = 60;

#[function_component(SidePanel)]
pub fn side_panel(p: &SidePanelProps) -> Html {
    let session = p.session.session();
    let world = session.world();
    let topics = topic_names(session.lesson());
    let body = match p.panel {
        Panel::Lesson => {
            let lab = session.lab().map(|l| Rc::new(lab_view(&l)));
            html! { <LessonPanel lesson={session.lesson_rc()} has_lab={session.lesson().lab.is_some()} seed={session.seed()} lab={lab} on_action={p.on_action.clone()} /> }
        }
        Panel::Producer => {
            html! { <ProducerPanel producers={Rc::new(producer_views(world, session.last_step()))} topics={topics} on_action={p.on_action.clone()} on_why={p.on_why.reform(|(id, tp)| WhyOf::Batch(id, tp))} /> }
        }
        Panel::Consumer => html! {
            <ConsumerPanel consumers={Rc::new(consumer_views(world))} groups={Rc::new(crate::present::group::group_views(world))} topics={topics} on_action={p.on_action.clone()} />
        },
        Panel::Partitions => html! { <PartitionTable rows={Rc::new(partition_rows(world))} /> },
        Panel::Network => {
            html! { <NetworkTool nodes={Rc::new(world.model().nodes())} on_action={p.on_action.clone()} /> }
        }
        Panel::Assignor => html! { <AssignorTool /> },
        Panel::Why => why_body(&session, p.why.as_ref(), &p.on_action),
        Panel::Record => match p.record {
            Some(record) => {
                html! { <Inspector record={record} session={p.session.clone()} on_action={p.on_action.clone()} /> }
            }
            None => {
                html! { <p class="muted">{ "Click a record on the stage (zoom a partition to see its records)." }</p> }
            }
        },
        Panel::Branches => {
            html! { <BranchesPanel session={p.session.clone()} on_action={p.on_action.clone()} /> }
        }
        Panel::SpaceTime => {
            html! { <super::spacetime::SpaceTimePanel session={p.session.clone()} on_action={p.on_action.clone()} /> }
        }
        Panel::Console => {
            html! { <ConsolePanel session={p.session.clone()} on_action={p.on_action.clone()} /> }
        }
        Panel::Details => details_body(session.recent_steps(), &p.on_action),
    };
    let close = p.on_close.reform(|_: MouseEvent| ());
    html! {
        <aside class="side-panel" id={p.panel.id()} aria-label={p.panel.label()}>
            <div class="panel-head">
                <h2>{ p.panel.label() }</h2>
                <button class="dismiss" onclick={close} aria-label="Close the panel (Esc)">{ "×" }</button>
            </div>
            <div class="panel-body">{ body }</div>
        </aside>
    }
}

/// The lesson's topics, for the panels' pickers.
fn topic_names(lesson: &crate::lesson::Lesson) -> Rc<Vec<String>> {
    Rc::new(lesson.spec.topics.iter().map(|t| t.name.clone()).collect())
}

/// The answers to "why?" about a partition (its health, then its high watermark), a consumer or
/// a producer batch, read from the state on screen (they follow the timeline as the class
/// steps), each with links to the steps where its causes happened.
fn why_body(
    session: &crate::present::session::Session,
    of: Option<&WhyOf>,
    on_action: &Callback<Action>,
) -> Html {
    use crate::present::why;
    let (world, causes) = (session.world(), &session.observer().causes);
    let parse = |p: &str| crate::kafka::TopicPartition::parse(p).ok();
    let answers: Vec<(&str, why::WhyAnswer)> = match of {
        Some(WhyOf::Partition(p)) => parse(p)
            .map(|tp| {
                let health = why::partition_health_why(world, causes, &tp).filter(|a| a.stuck);
                let hw = why::high_watermark_why(world, causes, &tp);
                health
                    .map(|a| ("why-health", a))
                    .into_iter()
                    .chain(hw.map(|a| ("why-answer", a)))
                    .collect()
            })
            .unwrap_or_default(),
        Some(WhyOf::Consumer(c)) => why::consumer_why(world, causes, *c)
            .map(|a| ("why-answer", a))
            .into_iter()
            .collect(),
        Some(WhyOf::Batch(id, p)) => parse(p)
            .and_then(|tp| why::batch_why(world, causes, *id, &tp))
            .map(|a| ("why-answer", a))
            .into_iter()
            .collect(),
        None => Vec::new(),
    };
    if answers.is_empty() {
        return html! { <p class="muted">{ "Click the ? beside a partition's high watermark, or beside a batch in the Producer panel." }</p> };
    }
    html! {
        <div id="why">
            { for answers.into_iter().map(|(id, a)| why_answer(id, a, on_action)) }
            <p class="muted small">{ "The answer follows the timeline: step or play and it changes with the cluster. A link goes to the step where that cause happened." }</p>
        </div>
    }
}

fn why_answer(id: &str, a: crate::present::why::WhyAnswer, on_action: &Callback<Action>) -> Html {
    html! {
        <div class={classes!("why", a.stuck.then_some("stuck"))}>
            <p class="why-q">{ a.question }</p>
            <p class="why-a" id={id.to_string()}>{ a.answer }</p>
            { if a.links.is_empty() { html! {} } else { html! {
                <ul class="why-links">{ for a.links.into_iter().map(|l| {
                    let step = l.step;
                    html! { <li><button class="why-link" data-step={step.to_string()} onclick={on_action.reform(move |_: MouseEvent| Action::SeekTo(step))}
                        title={format!("Go to step {step}")}>{ format!("{} · step {} · {}", l.time, l.step, l.label) }</button></li> }
                }) }</ul>
            } } }
        </div>
    }
}

/// The raw RPC trace of the latest steps, newest first; a click on a line goes to its step.
fn details_body(
    steps: &std::collections::VecDeque<Rc<crate::kafka::KafkaStep>>,
    on_action: &Callback<Action>,
) -> Html {
    let lines: Vec<(u64, String)> = steps
        .iter()
        .skip(steps.len().saturating_sub(TRACE_LINES))
        .map(|s| (s.index, narrate(s)))
        .collect();
    html! {
        <div class="trace" id="trace" aria-label="The exact RPC trace">
            <p class="muted">{ "Every step exactly as the engine ran it: deliveries, timers, commands, and what each did. The same text as kafka-classroom run." }</p>
            <ol>{ for lines.into_iter().rev().map(|(i, l)| html! {
                <li onclick={on_action.reform(move |_: MouseEvent| Action::SeekTo(i))}>{ l }</li>
            }) }</ol>
        </div>
    }
}
