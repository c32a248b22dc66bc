//! The Console panel: a terminal on the simulated cluster. A prompt runs Kafka's tools
//! (`present::console`) through the session (`Action::Console`); ↑/↓ walk the lines typed
//! before, Tab completes tool names, options, topics and groups, Ctrl-C stops a running tool
//! (or clears the line), Ctrl-D ends the console producer's input, Ctrl-L clears the screen. The output is plain text, so it selects and copies like any terminal's.

use super::store::Store;
use crate::present::console::complete::complete;
use crate::present::console::Stream;
use crate::present::session::Action;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ConsolePanelProps {
    pub session: UseReducerHandle<Store>,
    pub on_action: Callback<Action>,
}

/// Commands a teacher can start from with one click.
const EXAMPLES: &[&str] = &[
    "kafka-topics.sh --bootstrap-server b1:9092 --describe",
    "kafka-topics.sh --bootstrap-server b1:9092 --create --topic demo --partitions 3 --replication-factor 2",
    "kafka-consumer-groups.sh --bootstrap-server b1:9092 --describe --all-groups",
    "kafka-configs.sh --bootstrap-server b1:9092 --describe --entity-type topics",
];

/// Where ↑/↓ stand in the history: `None` is the line being typed.
#[derive(Default)]
struct History {
    lines: Vec<String>,
    position: Option<usize>,
}

impl History {
    fn push(&mut self, line: &str) {
        if !line.is_empty() && self.lines.last().map(String::as_str) != Some(line) {
            self.lines.push(line.to_string());
        }
        self.position = None;
    }
    fn older(&mut self) -> Option<String> {
        let next = match self.position {
            None => self.lines.len().checked_sub(1)?,
            Some(p) => p.saturating_sub(1),
        };
        self.position = Some(next);
        self.lines.get(next).cloned()
    }
    fn newer(&mut self) -> String {
        match self.position {
            Some(p) if p + 1 < self.lines.len() => {
                self.position = Some(p + 1);
                self.lines[p + 1].clone()
            }
            _ => {
                self.position = None;
                String::new()
            }
        }
    }
}

/// The prompt's state: the line being typed, Tab's candidates and the history.
#[derive(Clone)]
struct Prompt {
    input: UseStateHandle<String>,
    candidates: UseStateHandle<Vec<String>>,
    history: std::rc::Rc<std::cell::RefCell<History>>,
}

#[function_component(ConsolePanel)]
pub fn console_panel(p: &ConsolePanelProps) -> Html {
    let prompt = Prompt {
        input: use_state(String::new),
        candidates: use_state(Vec::<String>::new),
        history: use_mut_ref(History::default),
    };
    let output_ref = use_node_ref();
    let input_ref = use_node_ref();
    let session = p.session.session();
    let entries: Vec<_> = session.console_entries().cloned().collect();
    let running = session.console_running().map(|r| running_hint(&r.tool));
    {
        let output_ref = output_ref.clone();
        let last_len = entries.last().map_or(0, |e| e.output.len());
        use_effect_with((entries.len(), last_len), move |_| {
            if let Some(el) = output_ref.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    }
    {
        let input_ref = input_ref.clone();
        use_effect_with((), move |_| {
            if let Some(el) = input_ref.cast::<web_sys::HtmlInputElement>() {
                let _ = el.focus();
            }
        });
    }
    let on_input = {
        let input = prompt.input.clone();
        Callback::from(move |e: InputEvent| {
            let el: web_sys::HtmlInputElement = e.target_unchecked_into();
            input.set(el.value());
        })
    };
    let on_key = key_handler(prompt.clone(), p.session.clone(), p.on_action.clone());
    let stop = p.on_action.reform(|_: MouseEvent| Action::ConsoleInterrupt);
    let candidates = (*prompt.candidates).clone();
    html! {
        <div class="console">
            <div class="console-output" id="console-output" ref={output_ref} aria-live="polite">
                <div class="console-transcript">
                    { if entries.is_empty() { intro(&prompt.input, &input_ref) } else { html! {} } }
                    { for entries.iter().map(entry_html) }
                </div>
            </div>
            { if candidates.is_empty() { html! {} } else { html! {
                <div class="console-candidates" id="console-candidates">{ candidates.join("  ") }</div>
            } } }
            { match running { Some(hint) => html! {
                <div class="console-running">
                    <span>{ hint }</span>
                    <button id="console-stop" onclick={stop}>{ "Stop (Ctrl-C)" }</button>
                </div>
            }, None => html! {} } }
            <label class="console-input">
                <span class="ps1">{ "$" }</span>
                <input id="console-input" ref={input_ref} type="text" spellcheck="false" autocomplete="off"
                    aria-label="Console command" value={(*prompt.input).clone()} oninput={on_input} onkeydown={on_key} />
            </label>
        </div>
    }
}

fn running_hint(tool: &crate::present::console::Foreground) -> &'static str {
    match tool {
        crate::present::console::Foreground::Producer { .. } => {
            "Each line you type is sent as a record (key:value with parse.key). Ctrl-D or Ctrl-C ends it."
        }
        crate::present::console::Foreground::PerfTest(_) => {
            "The perf test sends while the simulation plays (▶ Play): a line every 5 simulated seconds, a summary at the end. Ctrl-C stops it."
        }
        crate::present::console::Foreground::ConsumerPerf(_) => {
            "The perf test's consumer reads while the simulation plays (▶ Play): its summary prints when it has read --messages or waited --timeout ms. Ctrl-C stops it."
        }
        _ => "The consumer prints records while the simulation plays (▶ Play). Ctrl-C stops it.",
    }
}

/// Enter runs the line, Tab completes, ↑/↓ walk the history, Ctrl-C/D/L as in a terminal.
fn key_handler(
    prompt: Prompt,
    store: UseReducerHandle<Store>,
    on_action: Callback<Action>,
) -> Callback<KeyboardEvent> {
    Callback::from(move |e: KeyboardEvent| {
        let Prompt {
            input,
            candidates,
            history,
        } = &prompt;
        let line = (**input).clone();
        let running = store.session().console_running().is_some();
        let handled = match (e.key().as_str(), e.ctrl_key()) {
            ("Enter", _) => {
                history.borrow_mut().push(line.trim());
                candidates.set(Vec::new());
                input.set(String::new());
                on_action.emit(Action::Console(line));
                true
            }
            ("Tab", _) => {
                let c = complete(store.session().world(), &line);
                input.set(c.line);
                candidates.set(c.candidates);
                true
            }
            ("ArrowUp", _) => {
                if let Some(older) = history.borrow_mut().older() {
                    input.set(older);
                }
                true
            }
            ("ArrowDown", _) => {
                input.set(history.borrow_mut().newer());
                true
            }
            ("c", true) if running => {
                on_action.emit(Action::ConsoleInterrupt);
                true
            }
            ("c", true) if !line.is_empty() => {
                input.set(String::new());
                candidates.set(Vec::new());
                true
            }
            ("d", true) if running => {
                on_action.emit(Action::Console("^D".into()));
                true
            }
            ("l", true) => {
                on_action.emit(Action::ClearConsole);
                true
            }
            _ => false,
        };
        if handled {
            e.prevent_default();
        }
    })
}

/// What an empty console shows: where the brokers are, and commands to start from.
fn intro(input: &UseStateHandle<String>, input_ref: &NodeRef) -> Html {
    let example = |text: &'static str| {
        let (input, input_ref) = (input.clone(), input_ref.clone());
        Callback::from(move |_: MouseEvent| {
            input.set(text.to_string());
            if let Some(el) = input_ref.cast::<web_sys::HtmlInputElement>() {
                let _ = el.focus();
            }
        })
    };
    html! {
        <div class="console-intro">
            <p>{ "Kafka 4.0's tools on this cluster. Brokers listen on b1:9092, b2:9092, … Type help, or start from one of these:" }</p>
            { for EXAMPLES.iter().map(|x| html! { <button class="console-example" onclick={example(x)}>{ *x }</button> }) }
        </div>
    }
}

fn entry_html(entry: &crate::present::session::ConsoleEntry) -> Html {
    let from_lesson = entry.lesson_action.is_some().then_some("from-lesson");
    html! {
        <div class={classes!("console-entry", from_lesson)}>
            <div class="console-prompt">
                <span class="ps1">{ "$ " }</span>{ entry.line.clone() }
                { if entry.lesson_action.is_some() { html! { <span class="console-from-lesson" title="Typed by the lesson">{ "lesson" }</span> } } else { html! {} } }
            </div>
            { for entry.output.iter().map(|l| html! {
                <div class={classes!("console-line", (l.stream == Stream::Err).then_some("err"))}>{ l.text.clone() }</div>
            }) }
        </div>
    }
}
