//! The determinism and layering rules of CONTRIBUTING.md, enforced (TigerBeetle keeps such a test): below `ui/`,
//! no hash maps (iteration order is output), no floats, no wall clock, no OS or
//! platform-dependent randomness, no web crates, and no `usize` fields in state.

use std::fs;
use std::path::{Path, PathBuf};

const FORBIDDEN: &[(&str, &str)] = &[
    ("HashMap", "iteration order is output: use BTreeMap"),
    ("HashSet", "iteration order is output: use BTreeSet"),
    ("f32", "no floats in engine state: use integers or ratios"),
    ("f64", "no floats in engine state: use integers or ratios"),
    ("Instant", "no wall clock below ui/: time is SimTime"),
    ("SystemTime", "no wall clock below ui/: time is SimTime"),
    ("std::time", "no wall clock below ui/: time is SimTime"),
    (
        "thread_rng",
        "randomness comes from the world's seeded Prng",
    ),
    ("SmallRng", "its stream differs across platforms"),
    ("StdRng", "its stream may change between rand versions"),
    ("getrandom", "randomness comes from the world's seeded Prng"),
    ("web_sys", "web crates belong in ui/ only"),
    ("js_sys", "web crates belong in ui/ only"),
    ("wasm_bindgen", "web crates belong in ui/ only"),
    ("yew", "web crates belong in ui/ only"),
    ("gloo", "web crates belong in ui/ only"),
];

fn engine_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    for layer in ["sim", "kafka", "check", "lesson", "present"] {
        walk(&root.join(layer), &mut out);
    }
    out.push(root.join("lib.rs"));
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_word_at(line: &str, at: usize, word: &str) -> bool {
    let before = line[..at].chars().next_back();
    let after = line[at + word.len()..].chars().next();
    let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
    boundary(before) && boundary(after)
}

/// Code of a line with comments and string literals removed (good enough for this codebase).
fn code_of(line: &str) -> String {
    let trimmed = line.trim_start();
    if trimmed.starts_with("//") {
        return String::new();
    }
    let code = line.split("//").next().unwrap_or("");
    let mut out = String::new();
    let mut in_string = false;
    for c in code.chars() {
        if c == '"' {
            in_string = !in_string;
        } else if !in_string {
            out.push(c);
        }
    }
    out
}

#[test]
fn engine_layers_use_no_forbidden_names() {
    let mut problems = Vec::new();
    let files = engine_files();
    assert!(
        files.len() > 20,
        "tidy found only {} files; is the walk broken?",
        files.len()
    );
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        if file.ends_with("lib.rs") {
            // lib.rs declares `ui` behind cfg(wasm32); the name is allowed there.
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            let code = code_of(line);
            for (word, why) in FORBIDDEN {
                let hit = code
                    .match_indices(word)
                    .any(|(at, _)| is_word_at(&code, at, word));
                if hit {
                    problems.push(format!(
                        "{}:{}: `{word}`: {why}\n    {}",
                        file.display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "determinism rules broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn engine_state_has_no_usize_fields() {
    let mut problems = Vec::new();
    for file in engine_files() {
        let text = fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = code_of(line);
            let t = code.trim();
            let is_field = (t.starts_with("pub ")
                || t.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
                && t.ends_with(',')
                && !t.contains('(')
                && !t.contains("=>")
                && !t.contains(" let ");
            if is_field && t.contains(": ") && t.contains("usize") {
                problems.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "usize is 32 bits in wasm; use u32/u64 in state:\n{}",
        problems.join("\n")
    );
}

/// Each layer and the layers above it, which it must not name (DESIGN: arrows point down).
const LAYERS: &[(&str, &[&str])] = &[
    (
        "sim",
        &["kafka", "check", "lesson", "present", "fuzz", "ui"],
    ),
    ("kafka", &["check", "lesson", "present", "fuzz", "ui"]),
    ("check", &["lesson", "present", "fuzz", "ui"]),
    ("lesson", &["present", "fuzz", "ui"]),
    ("present", &["fuzz", "ui"]),
    ("fuzz", &["ui"]),
];

#[test]
fn layers_import_only_the_layers_below_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    for (layer, above) in LAYERS {
        let mut files = Vec::new();
        walk(&root.join(layer), &mut files);
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = code_of(line);
                for up in *above {
                    if code.contains(&format!("crate::{up}::"))
                        || code.contains(&format!("crate::{up}}}"))
                        || code.contains(&format!("crate::{up};"))
                    {
                        problems.push(format!(
                            "{}:{}: {layer} must not use {up}\n    {}",
                            file.display(),
                            n + 1,
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "arrows point down only (sim < kafka < check, lesson < present < ui):\n{}",
        problems.join("\n")
    );
}

/// The longest a function may be, in lines (DESIGN: functions fit on a screen).
const MAX_FUNCTION_LINES: usize = 70;

/// Functions that are still longer, as (file under src/, function name). This list may only
/// shrink: an entry that is no longer too long fails the test until it is removed.
const LONG_FUNCTIONS: &[(&str, &str)] = &[
    ("present/narrate.rs", "event_text"),
    ("present/narrate.rs", "message_text"),
    ("lesson/expect.rs", "check"),
    ("ui/producer.rs", "producer_panel"),
    ("kafka/broker/produce.rs", "append_to_leader"),
    ("kafka/broker/mod.rs", "on_message"),
    ("present/group.rs", "group_view"),
    ("present/view/lab.rs", "lab_view"),
    ("check/history.rs", "observe"),
    ("ui/network.rs", "network_tool"),
    ("present/view/network.rs", "network_view"),
    ("kafka/consumer/coordinator.rs", "on_group_message"),
    ("ui/app.rs", "app"),
    ("kafka/producer/append.rs", "try_append"),
    ("kafka/broker/fetcher.rs", "apply_fetched"),
    ("kafka/consumer/fetcher.rs", "handle_fetch_response"),
    ("present/view/cluster.rs", "replica_view"),
    ("kafka/producer/sender.rs", "send_produce"),
    ("kafka/broker/mod.rs", "reconcile_replica"),
    ("present/view/clients.rs", "consumer_views"),
    ("kafka/group/classic.rs", "join"),
    ("kafka/consumer/coordinator.rs", "handle_sync_response"),
    (
        "kafka/controller/replication_control.rs",
        "handle_alter_partition",
    ),
    ("ui/producer.rs", "config_row"),
    ("present/summary.rs", "run_summary"),
    ("present/view/producer.rs", "batch_state"),
    ("ui/producer.rs", "producer_card"),
    (
        "kafka/controller/cluster_control.rs",
        "handle_broker_heartbeat",
    ),
    ("kafka/consumer/coordinator.rs", "handle_join_response"),
    ("kafka/controller/mod.rs", "on_message"),
    ("check/swarm.rs", "episode"),
    ("present/view/producer.rs", "producer_view"),
    ("present/view/producer.rs", "metric_charts"),
];

/// Every function in `text` with its length in lines: from its `fn` line to the closing brace
/// at the same indentation (rustfmt's layout).
fn function_lengths(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let after_vis = trimmed
            .strip_prefix("pub(crate) ")
            .or_else(|| trimmed.strip_prefix("pub(super) "))
            .or_else(|| trimmed.strip_prefix("pub(in crate::kafka) "))
            .or_else(|| trimmed.strip_prefix("pub "))
            .unwrap_or(trimmed);
        let after_const = after_vis.strip_prefix("const ").unwrap_or(after_vis);
        let Some(rest) = after_const.strip_prefix("fn ") else {
            continue;
        };
        if line.trim_end().ends_with(';') {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let close = format!("{indent}}}");
        if let Some(end) = lines[i..].iter().position(|l| *l == close) {
            out.push((name, end + 1));
        }
    }
    out
}

#[test]
fn functions_fit_on_a_screen() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut too_long = Vec::new();
    let mut found_listed = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = fs::read_to_string(&file).unwrap();
        for (name, length) in function_lengths(&text) {
            if length <= MAX_FUNCTION_LINES {
                continue;
            }
            let listed = LONG_FUNCTIONS
                .iter()
                .any(|(f, n)| *f == relative && *n == name);
            if listed {
                found_listed.push((relative.clone(), name));
            } else {
                too_long.push(format!("{relative}: fn {name} has {length} lines"));
            }
        }
    }
    assert!(
        too_long.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines (split them; the list of exceptions may only shrink):\n{}",
        too_long.join("\n")
    );
    let stale: Vec<String> = LONG_FUNCTIONS
        .iter()
        .filter(|(f, n)| !found_listed.iter().any(|(ff, nn)| ff == f && nn == n))
        .map(|(f, n)| format!("{f}: {n}"))
        .collect();
    assert!(
        stale.is_empty(),
        "these are no longer over {MAX_FUNCTION_LINES} lines (or are gone): remove them from LONG_FUNCTIONS:\n{}",
        stale.join("\n")
    );
}

/// Events are facts (ids, offsets, reasons as enums), never sentences: rewording the narration
/// must not change a run's fingerprint. Strings in events are names (topics, groups, keys).
#[test]
fn events_carry_data_not_prose() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/kafka");
    let mut problems = Vec::new();
    for file in ["event.rs", "event/reasons.rs"] {
        let text = fs::read_to_string(root.join(file)).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = code_of(line);
            for word in [
                "Rc<str>",
                "Notice",
                "description:",
                "text:",
                "message:",
                "format!",
            ] {
                if code.contains(word) {
                    problems.push(format!("{file}:{}: `{word}`: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "events carry data; present words them:\n{}",
        problems.join("\n")
    );
}

/// The repository stands on its own: no doc or comment points at a file outside it.
#[test]
fn docs_and_comments_point_only_inside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    for dir in ["tests", "scripts"] {
        for entry in fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    for name in [
        "README.md",
        "ARCHITECTURE.md",
        "CONTRIBUTING.md",
        "index.html",
    ] {
        files.push(root.join(name));
    }
    let outside = [
        "../shared",
        "shared/",
        "kafka-reference.md",
        "DESIGN.md",
        "stage-sketch",
    ];
    let mut problems = Vec::new();
    for file in files {
        let Ok(text) = fs::read_to_string(&file) else {
            continue;
        };
        if file.ends_with("tidy.rs") {
            continue;
        }
        for (n, line) in text.lines().enumerate() {
            if let Some(word) = outside.iter().find(|w| line.contains(*w)) {
                problems.push(format!("{}:{}: `{word}`", file.display(), n + 1));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "these point outside the repository:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_tidy_check_catches_what_it_should() {
    let lengths =
        function_lengths("fn a() {\n    x\n}\n    pub fn b(&self) -> u8 {\n        1\n    }\n");
    assert_eq!(lengths, vec![("a".to_string(), 3), ("b".to_string(), 3)]);
    assert!(is_word_at("let x: HashMap<u8, u8>", 7, "HashMap"));
    assert!(!is_word_at("BTreeHashMapX", 5, "HashMap"));
    assert_eq!(code_of("let a = 1; // f64 in a comment"), "let a = 1; ");
    assert_eq!(code_of("let s = \"f64 in a string\";"), "let s = ;");
}

/// No HTML is built from data: the page's text goes in as text (Yew escapes it; the panic
/// overlay sets `textContent`), so a lesson or a link can never inject markup or script.
#[test]
fn no_html_is_built_from_strings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    let forbidden = [
        "set_inner_html",
        "set_outer_html",
        "insert_adjacent_html",
        "from_html_unchecked",
        "VNode::VRaw",
        "document_write",
    ];
    let mut problems = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = code_of(line);
            for word in forbidden {
                if code.contains(word) {
                    problems.push(format!("{}:{}: {word}", file.display(), n + 1));
                }
            }
        }
    }
    let js = fs::read_to_string(root.join("static/lab-worker.js")).unwrap();
    for word in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
    ] {
        if js.contains(word) {
            problems.push(format!("static/lab-worker.js: {word}"));
        }
    }
    assert!(
        problems.is_empty(),
        "HTML built from strings:\n{}",
        problems.join("\n")
    );
}
