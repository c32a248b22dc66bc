//! Shareable links: a run (lesson, seed, injected commands, current step) encoded into the URL
//! fragment as base64url JSON. Decoding never panics: a damaged or foreign link gives an error.
//! A run with branches carries its whole tree (each branch with the commands it added after
//! its fork) and which branch is on screen; a run without branches encodes exactly as before
//! branches existed, so old links open unchanged. The same run, wrapped with a version, is the
//! run file "Export run" writes and "Import" reads.

use crate::kafka::Command;
use crate::sim::RecordedCommand;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// Which lesson a run belongs to.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LessonRef {
    Builtin(String),
    /// A user's own lesson file, carried whole.
    Custom(String),
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedRun {
    pub lesson: LessonRef,
    pub seed: u64,
    pub step: u64,
    pub commands: Vec<RecordedCommand<Command>>,
    /// The branch tree (empty for a run without branches; the original run is branch 0, and
    /// every branch's parent comes before it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<SharedBranch>,
    /// The branch on screen (an index into `branches`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub branch: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// One branch of a shared run's tree.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedBranch {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<u32>,
    /// The step it forked at (0 for the original run).
    #[serde(default)]
    pub fork: u64,
    /// The furthest step it reached.
    pub horizon: u64,
    /// The commands it added after its fork (those before come from its parent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<RecordedCommand<Command>>,
}

impl SharedRun {
    /// Every command of branch `index`: its parent's up to the fork, then its own.
    pub fn branch_commands(&self, index: u32) -> Vec<RecordedCommand<Command>> {
        let Some(b) = self.branches.get(index as usize) else {
            return self.commands.clone();
        };
        let mut out = match b.parent {
            Some(p) if p < index => self.branch_commands(p),
            _ => Vec::new(),
        };
        out.retain(|c| c.after_step < b.fork);
        out.extend(b.commands.iter().cloned());
        out
    }
}

/// A run file: the run with a version, so later formats can tell themselves apart.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunFile {
    kafka_classroom_run: u32,
    run: SharedRun,
}

/// The run file format this build writes and reads.
pub const RUN_FILE_VERSION: u32 = 1;
/// Run files larger than this are refused unread (a custom lesson and a few thousand commands
/// fit many times over).
pub const MAX_RUN_FILE: usize = 4_000_000;

const PREFIX: &str = "run=";
/// Links longer than this are refused rather than parsed (a pasted novel is not a run).
pub const MAX_FRAGMENT: usize = 200_000;
/// The furthest step a link may ask for: opening it replays every step before it on the page.
pub const MAX_STEP: u64 = 1_000_000;
/// The most commands a link may carry (a class injects tens, not thousands).
pub const MAX_COMMANDS: usize = 10_000;

pub fn encode(run: &SharedRun) -> String {
    let json = serde_json::to_vec(run).expect("a run serializes");
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(json))
}

/// The run as a JSON file (what "Export run" downloads).
pub fn write_run_file(run: &SharedRun) -> String {
    let file = RunFile {
        kafka_classroom_run: RUN_FILE_VERSION,
        run: run.clone(),
    };
    serde_json::to_string_pretty(&file).expect("a run serializes")
}

/// Read a run file back, refusing what is too large, malformed or out of limits; errors name
/// the field (`run.branches[1].fork`).
pub fn read_run_file(text: &str) -> Result<SharedRun, String> {
    if text.len() > MAX_RUN_FILE {
        return Err(format!(
            "the file is too large to be a run ({} bytes; at most {MAX_RUN_FILE})",
            text.len()
        ));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let file: RunFile = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            format!("it is not a Kafka Classroom run file ({})", e.inner())
        } else {
            format!("the file is not readable at {path} ({})", e.inner())
        }
    })?;
    if file.kafka_classroom_run != RUN_FILE_VERSION {
        return Err(format!(
            "kafka_classroom_run: this is a version {} run file; this page reads version {RUN_FILE_VERSION}",
            file.kafka_classroom_run
        ));
    }
    check_limits(&file.run).map_err(|e| format!("run.{e}"))?;
    Ok(file.run)
}

pub fn decode(fragment: &str) -> Result<SharedRun, String> {
    let fragment = fragment.trim().trim_start_matches('#');
    if fragment.len() > MAX_FRAGMENT {
        return Err(format!(
            "the link is too long to be a Kafka Classroom run ({} characters; at most {MAX_FRAGMENT})",
            fragment.len()
        ));
    }
    let body = fragment
        .strip_prefix(PREFIX)
        .ok_or("the link does not contain a run (expected #run=...)")?;
    let bytes = URL_SAFE_NO_PAD
        .decode(body.trim_end_matches('='))
        .map_err(|e| format!("the link's #run= part is damaged ({e})"))?;
    // Read as text, like a run file, so the run's readers are compiled once into the page.
    let text = utf8_text(&bytes).map_err(|e| format!("the link's run is not readable ({e})"))?;
    let mut de = serde_json::Deserializer::from_str(text);
    let run: SharedRun = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            format!("the link's run is not readable ({})", e.inner())
        } else {
            format!("the link's run is not readable at {path} ({})", e.inner())
        }
    })?;
    check_limits(&run).map_err(|e| format!("the link's run is out of limits at {e}"))?;
    Ok(run)
}

/// The bytes as text, or where they stop being UTF-8 (line and column, as a JSON syntax error
/// says it).
fn utf8_text(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|e| {
        let before = &bytes[..e.valid_up_to()];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = before.len() - line_start + 1;
        format!("invalid UTF-8 at line {line} column {column}")
    })
}

/// What a run may make the page do: how far it replays, how many commands it injects, how
/// many branches it holds. Errors start with the field's path (`branches[1].fork: ...`).
fn check_limits(run: &SharedRun) -> Result<(), String> {
    if run.step > MAX_STEP {
        return Err(format!(
            "step: the run asks for step {}; runs open at step {MAX_STEP} at most",
            run.step
        ));
    }
    let total = run.commands.len() + run.branches.iter().map(|b| b.commands.len()).sum::<usize>();
    if total > MAX_COMMANDS {
        return Err(format!(
            "commands: the run's commands number {total}; a run carries at most {MAX_COMMANDS}"
        ));
    }
    check_order("commands", &run.commands, 0, run.step.max(1))?;
    if run.branches.is_empty() {
        return if run.branch == 0 {
            Ok(())
        } else {
            Err("branch: the run has no branches".into())
        };
    }
    check_branches(run)
}

/// Commands in step order, none before `from` or after `to`.
fn check_order(
    path: &str,
    commands: &[RecordedCommand<Command>],
    from: u64,
    to: u64,
) -> Result<(), String> {
    let mut last = from;
    for (i, c) in commands.iter().enumerate() {
        if c.after_step < last || c.after_step > to {
            return Err(format!(
                "{path}[{i}].after_step: {} is out of order (expected {last} to {to})",
                c.after_step
            ));
        }
        last = c.after_step;
    }
    Ok(())
}

fn check_branches(run: &SharedRun) -> Result<(), String> {
    use super::session::MAX_BRANCHES;
    let n = run.branches.len();
    if n > MAX_BRANCHES {
        return Err(format!(
            "branches: the run has {n} branches; at most {MAX_BRANCHES}"
        ));
    }
    if !run.commands.is_empty() {
        return Err("commands: a run with branches carries its commands in its branches".into());
    }
    let Some(current) = run.branches.get(run.branch as usize) else {
        return Err(format!(
            "branch: {} is not one of the {n} branches",
            run.branch
        ));
    };
    if run.step > current.horizon {
        return Err(format!(
            "step: {} is past the branch's furthest step ({})",
            run.step, current.horizon
        ));
    }
    for (i, b) in run.branches.iter().enumerate() {
        check_branch(i, b)?;
    }
    Ok(())
}

fn check_branch(i: usize, b: &SharedBranch) -> Result<(), String> {
    let at = |field: &str| format!("branches[{i}].{field}");
    match b.parent {
        None if i == 0 && b.fork == 0 => {}
        None if i == 0 => return Err(format!("{}: the original run starts at 0", at("fork"))),
        None => return Err(format!("{}: only the original run has none", at("parent"))),
        Some(p) if (p as usize) < i => {}
        Some(p) => {
            return Err(format!(
                "{}: {p} must be a branch listed before this one",
                at("parent")
            ))
        }
    }
    if b.horizon > MAX_STEP || b.fork > b.horizon {
        return Err(format!(
            "{}: {} (fork at {}; at most {MAX_STEP})",
            at("horizon"),
            b.horizon,
            b.fork
        ));
    }
    let chars = b.name.chars().count();
    if chars == 0 || chars > super::session::MAX_BRANCH_NAME {
        return Err(format!(
            "{}: a branch name has 1 to {} characters",
            at("name"),
            super::session::MAX_BRANCH_NAME
        ));
    }
    check_order(&at("commands"), &b.commands, b.fork, b.horizon.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::NodeId;

    #[test]
    fn a_link_that_is_not_utf8_is_refused_with_its_position() {
        let link = format!("run={}", URL_SAFE_NO_PAD.encode(b"{\"seed\":\n 1\xff}"));
        let e = decode(&link).unwrap_err();
        assert_eq!(
            e,
            "the link's run is not readable (invalid UTF-8 at line 2 column 3)"
        );
    }

    fn sample() -> SharedRun {
        SharedRun {
            lesson: LessonRef::Builtin("keys-pick-partitions".into()),
            seed: 7,
            step: 12,
            commands: vec![RecordedCommand {
                after_step: 5,
                command: Command::Crash {
                    node: NodeId::broker(2),
                },
            }],
            branches: Vec::new(),
            branch: 0,
        }
    }

    #[test]
    fn a_run_survives_the_round_trip() {
        let run = sample();
        assert_eq!(decode(&encode(&run)), Ok(run));
    }

    #[test]
    fn damaged_links_are_errors_not_panics() {
        assert!(decode("").unwrap_err().contains("does not contain a run"));
        assert!(decode("#run=%%%").unwrap_err().contains("damaged"));
        assert!(decode("run=aGVsbG8").unwrap_err().contains("not readable"));
        let mut text = encode(&sample());
        text.truncate(text.len() - 5);
        assert!(decode(&text).is_err());
    }

    #[test]
    fn links_over_the_limits_are_refused_naming_the_field() {
        let mut run = sample();
        run.step = MAX_STEP + 1;
        assert!(decode(&encode(&run)).unwrap_err().contains("step"));
        let json = r#"{"lesson":{"builtin":"x"},"seed":"7","step":1,"commands":[]}"#;
        let link = format!("run={}", URL_SAFE_NO_PAD.encode(json));
        assert!(decode(&link).unwrap_err().contains("at seed"));
        let long = format!("run={}", "A".repeat(MAX_FRAGMENT + 1));
        assert!(decode(&long).unwrap_err().contains("too long"));
    }
}
