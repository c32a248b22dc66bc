//! The branching timeline: rewinding and then doing anything (a fault, a command, a config
//! change, a console line) starts a new branch at that step and keeps the old future as its own
//! branch. The session holds the current branch's recording live; the others wait here with
//! what they had (their recording, snapshots, horizon and broken guarantees), so switching back
//! is a short replay.

use super::timeline::Snapshot;
use super::Session;
use crate::kafka::Command;
use crate::present::monitor::Violation;
use crate::sim::RecordedCommand;
use std::collections::BTreeSet;
use std::rc::Rc;

/// Most branches one run keeps (a class explores a handful of what-ifs, not hundreds).
pub const MAX_BRANCHES: usize = 64;
/// Longest branch name, in characters.
pub const MAX_NAME: usize = 80;
/// The first branch's name.
pub const ROOT_NAME: &str = "Original run";

/// One branch of the run's tree.
#[derive(Clone, Debug)]
pub(super) struct Branch {
    pub name: String,
    /// The branch it forked from (`None` for the original run).
    pub parent: Option<u32>,
    /// The step it forked at: its first own command runs after this step.
    pub fork: u64,
    /// What it had when the class last left it (stale while it is the current branch).
    pub commands: Vec<RecordedCommand<Command>>,
    pub snapshots: Vec<Rc<Snapshot>>,
    pub horizon: u64,
    /// Its broken guarantees, every one up to `examined` (see `Session::examined`).
    pub violations: Vec<Violation>,
    pub examined: u64,
    /// The step it was left at.
    pub left_at: u64,
}

impl Branch {
    pub fn root(snapshot: Rc<Snapshot>) -> Branch {
        Branch {
            name: ROOT_NAME.into(),
            parent: None,
            fork: 0,
            commands: Vec::new(),
            snapshots: vec![snapshot],
            horizon: 0,
            violations: Vec::new(),
            examined: 0,
            left_at: 0,
        }
    }
}

/// A branch as the UI lists it: tree order, each with its depth under the original run.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BranchView {
    pub index: u32,
    pub name: String,
    pub parent: Option<u32>,
    pub fork: u64,
    pub depth: u32,
    pub current: bool,
}

impl BranchView {
    /// The first branch's name.
    pub const ROOT_NAME: &'static str = ROOT_NAME;
}

/// A short name for what a command changes ("crash b2", "set acks=all on p1").
pub fn command_label(command: &Command) -> String {
    match command {
        Command::Crash { node } => format!("crash {node}"),
        Command::PowerFail { node } => format!("power off {node}"),
        Command::Restart { node } => format!("restart {node}"),
        Command::Shutdown { node } => format!("shut down {node}"),
        Command::Pause { node, ms } => format!("pause {node} {ms} ms"),
        Command::Isolate { node } => format!("isolate {node}"),
        Command::Heal => "heal the network".into(),
        Command::SetConfig { node, key, value } => format!("set {key}={value} on {node}"),
        Command::Produce {
            producer, topic, ..
        } => format!("{producer} sends to {topic}"),
        Command::CreateTopic { topic, .. } | Command::CreateTopicWithAssignment { topic, .. } => {
            format!("create topic {topic}")
        }
        Command::DeleteTopics { topics } => format!("delete topic {}", topics.join(", ")),
        Command::InitTransactions { producer } => format!("{producer} initTransactions()"),
        Command::BeginTransaction { producer } => format!("{producer} begins a transaction"),
        Command::CommitTransaction { producer } => format!("{producer} commits its transaction"),
        Command::AbortTransaction { producer } => format!("{producer} aborts its transaction"),
        Command::SendOffsetsToTransaction {
            producer, group, ..
        } => {
            format!("{producer} adds {group}'s offsets to its transaction")
        }
        Command::StartPipeline {
            consumer, producer, ..
        } => format!("pipeline {consumer} → {producer}"),
        other => serde_json::to_value(other)
            .ok()
            .and_then(|v| v.get("action").and_then(|a| a.as_str()).map(str::to_owned))
            .map(|a| a.replace('_', " "))
            .unwrap_or_else(|| "a change".into()),
    }
}

impl Session {
    /// The branches in tree order (each branch right after its parent, children by fork step).
    pub fn branches(&self) -> Vec<BranchView> {
        let mut out = Vec::new();
        self.list_children(None, 0, &mut out);
        out
    }

    fn list_children(&self, parent: Option<u32>, depth: u32, out: &mut Vec<BranchView>) {
        let mut children: Vec<(u64, u32)> = (0..self.branches.len() as u32)
            .filter(|i| self.branches[*i as usize].parent == parent)
            .map(|i| (self.branches[i as usize].fork, i))
            .collect();
        crate::sim::sort::sort(&mut children);
        for (_, i) in children {
            let b = &self.branches[i as usize];
            out.push(BranchView {
                index: i,
                name: b.name.clone(),
                parent: b.parent,
                fork: b.fork,
                depth,
                current: i == self.current_branch,
            });
            self.list_children(Some(i), depth + 1, out);
        }
    }

    pub fn current_branch(&self) -> u32 {
        self.current_branch
    }

    pub fn branch_count(&self) -> usize {
        self.branches.len()
    }

    /// The steps where this branch's timeline forks: where it (and the branches it came from)
    /// left their parents, and where other branches leave it.
    pub fn fork_marks(&self) -> Vec<u64> {
        let mut marks = BTreeSet::new();
        let mut limit = u64::MAX;
        let mut at = self.current_branch;
        loop {
            for c in self.branches.iter().filter(|c| c.parent == Some(at)) {
                if c.fork <= limit {
                    marks.insert(c.fork);
                }
            }
            let b = &self.branches[at as usize];
            match b.parent {
                Some(p) => {
                    marks.insert(b.fork);
                    limit = b.fork;
                    at = p;
                }
                None => break,
            }
        }
        marks.into_iter().collect()
    }

    /// Keep the current branch's live recording in its slot (before leaving it or sharing).
    pub(super) fn stash_current(&mut self) {
        let b = &mut self.branches[self.current_branch as usize];
        b.commands = self.commands.clone();
        b.snapshots = self.snapshots.clone();
        b.horizon = self.horizon;
        b.violations = self.violations.clone();
        b.examined = self.examined;
        b.left_at = self.world.steps_taken();
    }

    /// The class changed something at step `at`, before the horizon: keep the old future as
    /// its branch and go on in a new one. Returns false when no more branches fit (the old
    /// future is then replaced, as a run without branches does).
    pub(super) fn fork(&mut self, at: u64, command: &Command) -> bool {
        if self.branches.len() >= MAX_BRANCHES {
            return false;
        }
        self.stash_current();
        let name = format!(
            "{} at {}",
            command_label(command),
            crate::present::view::time_text(self.world.now())
        );
        let mut branch = self.branches[self.current_branch as usize].clone();
        branch.name = name;
        branch.parent = Some(self.current_branch);
        branch.fork = at;
        self.branches.push(branch);
        self.current_branch = self.branches.len() as u32 - 1;
        true
    }

    /// No branch fits any more: the current branch's future after `at` is replaced, so the
    /// branches that forked from that future go with it.
    pub(super) fn drop_branches_after(&mut self, at: u64) {
        let mut gone: BTreeSet<u32> = BTreeSet::new();
        for (i, b) in self.branches.iter().enumerate() {
            let from_future = b.parent == Some(self.current_branch) && b.fork > at;
            // Parents come before their children, so a dropped parent is already known.
            if from_future || b.parent.is_some_and(|p| gone.contains(&p)) {
                gone.insert(i as u32);
            }
        }
        let shifted = |old: u32| old - gone.range(..old).count() as u32;
        let current = self.current_branch;
        self.current_branch = shifted(current);
        let mut i = 0;
        self.branches.retain(|_| {
            i += 1;
            !gone.contains(&(i - 1))
        });
        for b in &mut self.branches {
            b.parent = b.parent.map(shifted);
        }
    }

    /// Rebuild a shared run's tree (already checked by `share`). Every branch starts from
    /// the lesson's first snapshot; the current one is live.
    pub(super) fn restore_tree(&mut self, run: &crate::present::share::SharedRun) {
        let first = self.snapshots[0].clone();
        self.branches = run
            .branches
            .iter()
            .enumerate()
            .map(|(i, b)| Branch {
                name: b.name.clone(),
                parent: b.parent,
                fork: b.fork,
                commands: run.branch_commands(i as u32),
                snapshots: vec![first.clone()],
                horizon: b.horizon,
                violations: Vec::new(),
                examined: 0,
                left_at: 0,
            })
            .collect();
        self.current_branch = run.branch;
        let live = &self.branches[run.branch as usize];
        self.commands = live.commands.clone();
        self.horizon = live.horizon;
    }

    /// Take back a fork whose command was refused: the parent branch is current again.
    pub(super) fn unfork(&mut self) {
        let Some(b) = self.branches.pop() else {
            return;
        };
        self.current_branch = b.parent.unwrap_or(0);
        let p = &self.branches[self.current_branch as usize];
        self.commands = p.commands.clone();
        self.snapshots = p.snapshots.clone();
        self.horizon = p.horizon;
        self.violations = p.violations.clone();
        self.examined = p.examined;
    }

    /// Go to branch `target` at the step on screen (or its furthest step, if shorter).
    pub(super) fn switch_branch(&mut self, target: u32) {
        if target == self.current_branch || target as usize >= self.branches.len() {
            return;
        }
        self.playing = false;
        let step = self.world.steps_taken();
        self.stash_current();
        let b = self.branches[target as usize].clone();
        self.commands = b.commands;
        self.snapshots = b.snapshots;
        self.horizon = b.horizon;
        self.violations = b.violations;
        self.examined = b.examined;
        self.current_branch = target;
        let target_step = step.min(self.horizon);
        // Its broken guarantees are known up to `examined`: `restore` goes no later than that.
        self.restore(target_step);
        self.replay_to(target_step);
        self.inform(format!(
            "Now on the branch \u{201c}{}\u{201d} at step {}.",
            b.name,
            self.world.steps_taken()
        ));
    }

    pub(super) fn rename_branch(&mut self, index: u32, name: &str) {
        let name: String = name.trim().chars().take(MAX_NAME).collect();
        if name.is_empty() {
            return self.error("A branch needs a name.".into());
        }
        if let Some(b) = self.branches.get_mut(index as usize) {
            b.name = name;
        }
    }
}
