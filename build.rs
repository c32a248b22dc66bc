//! Copies the built-in lessons (`src/lesson/builtin/**/*.json`) into `OUT_DIR` with the
//! whitespace between JSON tokens removed. The browser build compiles in these copies: the
//! lessons are a fifth of the download's data, and their indentation is a tenth of that after
//! gzip. The parsed lessons are the same (only whitespace outside strings goes); the native
//! build keeps the readable files (see `lesson::builtin`).

use std::fs;
use std::path::Path;

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let root = Path::new("src/lesson/builtin");
    println!("cargo::rerun-if-changed={}", root.display());
    copy_dir(root, &Path::new(&out).join("builtin"));
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("OUT_DIR is writable");
    let mut entries: Vec<_> = fs::read_dir(from)
        .expect("src/lesson/builtin is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().expect("a file name");
        if path.is_dir() {
            println!("cargo::rerun-if-changed={}", path.display());
            copy_dir(&path, &to.join(name));
        } else if path.extension().is_some_and(|e| e == "json") {
            println!("cargo::rerun-if-changed={}", path.display());
            let text = fs::read_to_string(&path).expect("a lesson file is UTF-8");
            fs::write(to.join(name), minify(&text)).expect("OUT_DIR is writable");
        }
    }
}

/// `text` without the whitespace between tokens; strings (escapes included) are kept as they are.
fn minify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
    out
}
