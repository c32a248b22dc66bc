//! What a challenge shows as the run goes: the goal, the actions used of the budget, and the
//! verdict in words ("Goal met at step 319", "Budget spent"), with the step to jump to and, on
//! settings where the goal cannot be reached, why not.

use super::session::Session;
use super::view::time_text;
use crate::lesson::challenge::{Goal, Verdict};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ChallengeState {
    /// Actions left, goal not met yet.
    Open,
    /// Every action used, goal not met yet (the run may still do it).
    Spent,
    Met,
    Failed,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ChallengeView {
    pub goal: String,
    pub used: u32,
    pub budget: u32,
    pub state: ChallengeState,
    /// One sentence: where the challenge stands.
    pub status: String,
    /// The step that decided it (a link).
    pub step: Option<u64>,
    /// The goal's measure so far, in words.
    pub progress: String,
    /// Why the goal cannot be reached here; shown once the budget is spent without success.
    pub impossible: Option<String>,
    pub hint: Option<String>,
}

/// The challenge bar's view, when the session's lesson is a challenge.
pub fn challenge_view(session: &Session) -> Option<ChallengeView> {
    let challenge = session.lesson().challenge.as_ref()?;
    let progress = session.challenge()?;
    let used = session.actions_used();
    let budget = challenge.budget;
    let (state, status, step) = match progress.verdict() {
        Verdict::Met { step, time } => (
            ChallengeState::Met,
            format!("Goal met at step {step} ({}).", time_text(time)),
            Some(step),
        ),
        Verdict::Failed { step, time } => (
            ChallengeState::Failed,
            format!(
                "Failed at step {step} ({}): an acknowledged write was lost on the way.",
                time_text(time)
            ),
            Some(step),
        ),
        Verdict::Pending if used >= budget => (
            ChallengeState::Spent,
            "Budget spent: no actions left. Play on to see whether your moves do it, or rewind to try another way.".to_string(),
            None,
        ),
        Verdict::Pending => (
            ChallengeState::Open,
            "Not yet: take an action from a node's menu, a panel or the console, then play.".to_string(),
            None,
        ),
    };
    let impossible = challenge
        .impossible
        .clone()
        .filter(|_| state == ChallengeState::Spent);
    Some(ChallengeView {
        goal: challenge.goal.clone(),
        used,
        budget,
        state,
        status,
        step,
        progress: measure_text(progress.goal(), progress.measure()),
        impossible,
        hint: challenge.hint.clone(),
    })
}

fn measure_text(goal: &Goal, measure: u64) -> String {
    match goal {
        Goal::LostWrites { at_least } => {
            format!("Lost acknowledged writes: {measure} (goal: {at_least}).")
        }
        Goal::OfflineWithoutLoss { partition } => {
            format!("{partition}: lost acknowledged writes so far: {measure} (must stay 0).")
        }
        Goal::ProcessedTwice { group, at_least } => {
            format!("Records {group} processed twice: {measure} (goal: {at_least}).")
        }
        Goal::Rebalances { group, at_least } => {
            format!("Rebalances of {group} since it settled: {measure} (goal: {at_least}).")
        }
        Goal::HighWatermarkStalled { partition, for_ms } => format!(
            "Longest stall of {partition}'s high watermark: {}.{} s (goal: {} s).",
            measure / 1000,
            measure % 1000 / 100,
            for_ms / 1000
        ),
        Goal::ProducerBlocked { producer } if measure == 0 => {
            format!("{producer}'s send() has not blocked yet.")
        }
        Goal::ProducerBlocked { producer } => {
            format!("{producer}'s send() blocked on a full buffer.memory.")
        }
    }
}
