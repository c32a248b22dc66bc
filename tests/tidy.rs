//! The determinism rules of DESIGN.md, enforced (TigerBeetle keeps such a test): below `ui/`,
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

#[test]
fn the_tidy_check_catches_what_it_should() {
    assert!(is_word_at("let x: HashMap<u8, u8>", 7, "HashMap"));
    assert!(!is_word_at("BTreeHashMapX", 5, "HashMap"));
    assert_eq!(code_of("let a = 1; // f64 in a comment"), "let a = 1; ");
    assert_eq!(code_of("let s = \"f64 in a string\";"), "let s = ;");
}
