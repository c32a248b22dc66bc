//! Shareable links: a run (lesson, seed, injected commands, current step) encoded into the URL
//! fragment as base64url JSON. Decoding never panics: a damaged or foreign link gives an error.

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
}

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
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let run: SharedRun = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            format!("the link's run is not readable ({})", e.inner())
        } else {
            format!("the link's run is not readable at {path} ({})", e.inner())
        }
    })?;
    check_limits(&run)?;
    Ok(run)
}

/// What a link may make the page do: how far it replays and how many commands it injects.
fn check_limits(run: &SharedRun) -> Result<(), String> {
    if run.step > MAX_STEP {
        return Err(format!(
            "the link's step is {}; links open at step {MAX_STEP} at most",
            run.step
        ));
    }
    if run.commands.len() > MAX_COMMANDS {
        return Err(format!(
            "the link's commands number {}; a link carries at most {MAX_COMMANDS}",
            run.commands.len()
        ));
    }
    let mut last = 0;
    for c in &run.commands {
        if c.after_step < last || c.after_step > run.step.max(1) {
            return Err(format!(
                "the link's commands are out of order (commands: a command after step {})",
                c.after_step
            ));
        }
        last = c.after_step;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::NodeId;

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
