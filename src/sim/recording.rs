//! A run as data: the seed, the scenario and the commands a user injected, each stamped with the
//! number of steps taken before it. Replaying a recording reproduces the run step for step, which
//! is what rewind (restore a snapshot, replay forward) and shared links rely on.

use super::world::{Model, Step, World};
use serde::{Deserialize, Serialize};

/// A command injected between steps: it ran right after step `after_step`.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct RecordedCommand<C> {
    pub after_step: u64,
    pub command: C,
}

/// Everything needed to reproduce a run exactly.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Recording<S, C> {
    pub seed: u64,
    pub scenario: S,
    pub commands: Vec<RecordedCommand<C>>,
}

/// A recorded command the model refused when the run was replayed (the recording does not
/// belong to this scenario, or the engine changed).
#[derive(Clone, PartialEq, Debug)]
pub struct ReplayError<C, E> {
    pub after_step: u64,
    pub command: C,
    pub error: E,
}

impl<M: Model> World<M> {
    /// Step forward until `target_step` steps have been taken (or nothing is left), applying the
    /// recorded commands at their places. Commands must be sorted by `after_step`.
    pub fn replay_to(
        &mut self,
        commands: &[RecordedCommand<M::Command>],
        target_step: u64,
        mut on_step: impl FnMut(&Step<M>),
    ) -> Result<(), ReplayError<M::Command, M::CommandError>> {
        let mut next = commands.partition_point(|c| c.after_step < self.steps_taken());
        while self.steps_taken() < target_step {
            let step = match commands.get(next) {
                Some(c) if c.after_step == self.steps_taken() => {
                    next += 1;
                    self.apply_command(c.command.clone())
                        .map_err(|error| ReplayError {
                            after_step: c.after_step,
                            command: c.command.clone(),
                            error,
                        })?
                }
                _ => match self.step() {
                    Some(step) => step,
                    None => break,
                },
            };
            on_step(&step);
        }
        Ok(())
    }
}
