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
const MAX_FRAGMENT: usize = 200_000;

pub fn encode(run: &SharedRun) -> String {
    let json = serde_json::to_vec(run).expect("a run serializes");
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(json))
}

pub fn decode(fragment: &str) -> Result<SharedRun, String> {
    let fragment = fragment.trim().trim_start_matches('#');
    if fragment.len() > MAX_FRAGMENT {
        return Err("the link is too long to be a Kafka Classroom run".into());
    }
    let body = fragment
        .strip_prefix(PREFIX)
        .ok_or("the link does not contain a run (expected #run=...)")?;
    let bytes = URL_SAFE_NO_PAD
        .decode(body.trim_end_matches('='))
        .map_err(|e| format!("the link is damaged ({e})"))?;
    let run: SharedRun = serde_json::from_slice(&bytes)
        .map_err(|e| format!("the link's run is not readable ({e})"))?;
    let mut last = 0;
    for c in &run.commands {
        if c.after_step < last || c.after_step >= run.step.max(1) + 1 {
            return Err(format!(
                "the link's commands are out of order (a command after step {})",
                c.after_step
            ));
        }
        last = c.after_step;
    }
    Ok(run)
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
}
