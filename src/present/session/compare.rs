//! The session's Compare view: a second run of the same lesson and seed, changed or following
//! another branch, kept in lockstep with the run on screen after every action (step, play,
//! seek, a command, a branch switch). Closing it leaves the run as it was.

use super::Session;
use crate::present::compare::{parse_change, CompareRun};

impl Session {
    /// The comparison on screen, if Compare is open.
    pub fn comparing(&self) -> Option<&CompareRun> {
        self.compare.as_deref()
    }

    /// Open Compare with `changes` as typed (`p1.acks=1`, `+crash b1@10000`).
    pub(super) fn open_compare(&mut self, changes: &[String]) {
        let parsed: Result<Vec<_>, String> = changes.iter().map(|c| parse_change(c)).collect();
        let run = parsed.and_then(|c| CompareRun::with_changes(&self.lesson, self.seed, &c));
        match run {
            Ok(run) => self.start_compare(run),
            Err(e) => self.error(format!("Cannot compare: {e}")),
        }
    }

    /// Open Compare against branch `index` of the timeline.
    pub(super) fn compare_branch(&mut self, index: u32) {
        if index as usize >= self.branches.len() {
            return self.error("There is no such branch.".into());
        }
        if index == self.current_branch {
            return self
                .error("That is the branch on screen: pick another one to compare with.".into());
        }
        let commands = self.branches[index as usize].commands.clone();
        let label = format!(
            "branch \u{201c}{}\u{201d}",
            self.branches[index as usize].name
        );
        let run = CompareRun::with_branch(&self.lesson, self.seed, commands, label);
        self.start_compare(run);
    }

    fn start_compare(&mut self, run: CompareRun) {
        self.playing = false;
        let label = run.label.clone();
        self.compare = Some(Box::new(run));
        self.sync_compare();
        self.inform(format!(
            "Comparing with {label}: both runs move together under the same controls."
        ));
    }

    /// Bring the second run to the step on screen.
    pub(super) fn sync_compare(&mut self) {
        if let Some(run) = self.compare.as_mut() {
            run.sync(&self.commands, self.world.steps_taken());
        }
    }

    /// The commands of branch `index` (the live one's are the session's own).
    pub fn branch_commands(
        &self,
        index: u32,
    ) -> Option<Vec<crate::sim::RecordedCommand<crate::kafka::Command>>> {
        let b = self.branches.get(index as usize)?;
        Some(if index == self.current_branch {
            self.commands.clone()
        } else {
            b.commands.clone()
        })
    }
}
