//! Challenges: a lesson that sets the class a goal ("make an acknowledged write disappear") and a
//! budget of actions, and lets the run decide. The verdict follows the run step by step: goals
//! about guarantees (lost writes, records processed twice, data lost on the way to an offline
//! partition) are decided by the history checker (`check::history`), the others by the engine's
//! own events and state (a blocked `send()`, rebalances started, a high watermark that stays put
//! with records above it). `judge` runs a challenge natively with a list of timed moves, which is
//! how the tests prove each challenge can be won and lost.

use super::expect::RunObserver;
use super::{Lesson, LessonProblem};
use crate::check::history::authoritative_replica;
use crate::kafka::event::Event;
use crate::kafka::{Command, KafkaStep, KafkaWorld, NodeId, TopicPartition};
use crate::sim::SimTime;
use serde::{Deserialize, Serialize};

/// The most actions a challenge may allow.
pub const MAX_BUDGET: u32 = 20;

/// A challenge as written in a lesson file (`"challenge": {...}`).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// The goal in one sentence, shown all along.
    pub goal: String,
    /// How many actions the class may take (commands from the stage, the panels or the console).
    pub budget: u32,
    /// What the run must do for the goal to count as met.
    pub verdict: Goal,
    /// On settings where the goal cannot be reached: why not (shown once the budget is spent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impossible: Option<String>,
    /// A nudge, shown on request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// What decides a challenge.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Goal {
    /// The history checker finds at least this many acknowledged records missing.
    LostWrites { at_least: u32 },
    /// The history checker finds at least this many records the group processed twice.
    ProcessedTwice { group: String, at_least: u32 },
    /// The partition loses its leader while the history checker finds no lost write.
    OfflineWithoutLoss { partition: String },
    /// The producer's `send()` blocks because `buffer.memory` is full.
    ProducerBlocked { producer: NodeId },
    /// The group starts this many rebalances after it first became Stable.
    Rebalances { group: String, at_least: u32 },
    /// The partition's high watermark stays put this long with records above it.
    HighWatermarkStalled { partition: String, for_ms: u64 },
}

impl Challenge {
    pub fn validate(&self, node_exists: &dyn Fn(NodeId) -> bool) -> Result<(), LessonProblem> {
        if self.goal.trim().is_empty() {
            return Err(LessonProblem::Empty);
        }
        if !(1..=MAX_BUDGET).contains(&self.budget) {
            return Err(LessonProblem::OutOfRange {
                value: self.budget as i64,
                min: 1,
                max: MAX_BUDGET as i64,
            });
        }
        match &self.verdict {
            Goal::OfflineWithoutLoss { partition }
            | Goal::HighWatermarkStalled { partition, .. } => {
                TopicPartition::parse(partition)?;
            }
            Goal::ProducerBlocked { producer } if !node_exists(*producer) => {
                return Err(LessonProblem::NoSuchNode(*producer));
            }
            _ => {}
        }
        Ok(())
    }
}

/// Where a challenge stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Verdict {
    Pending,
    Met {
        step: u64,
        time: SimTime,
    },
    /// The run did something that rules the goal out (a write lost on the way to offline).
    Failed {
        step: u64,
        time: SimTime,
    },
}

/// A challenge's verdict so far, updated after every step of the run.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ChallengeProgress {
    goal: Goal,
    verdict: Verdict,
    /// The group reached Stable once (rebalances count from then).
    stable_seen: bool,
    rebalances: u32,
    /// The high watermark that stays put, and since when.
    stall: Option<(i64, SimTime)>,
    /// The longest stall seen, in ms.
    longest_stall_ms: u64,
    lost: u32,
    processed_twice: u32,
    /// `send()` calls that blocked on `buffer.memory`.
    blocked: u32,
}

impl ChallengeProgress {
    pub fn new(goal: Goal) -> ChallengeProgress {
        ChallengeProgress {
            goal,
            verdict: Verdict::Pending,
            stable_seen: false,
            rebalances: 0,
            stall: None,
            longest_stall_ms: 0,
            lost: 0,
            processed_twice: 0,
            blocked: 0,
        }
    }

    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    pub fn goal(&self) -> &Goal {
        &self.goal
    }

    /// The goal's measure so far: lost writes, records processed twice, rebalances, blocked
    /// `send()` calls, or the longest stall in ms.
    pub fn measure(&self) -> u64 {
        match self.goal {
            Goal::LostWrites { .. } | Goal::OfflineWithoutLoss { .. } => self.lost as u64,
            Goal::ProcessedTwice { .. } => self.processed_twice as u64,
            Goal::Rebalances { .. } => self.rebalances as u64,
            Goal::HighWatermarkStalled { .. } => self.longest_stall_ms,
            Goal::ProducerBlocked { .. } => self.blocked as u64,
        }
    }

    /// Take in one step: `observer` has observed it and `world` is the world after it.
    pub fn observe(&mut self, step: &KafkaStep, world: &KafkaWorld, observer: &RunObserver) {
        if self.verdict != Verdict::Pending {
            return;
        }
        let met = match self.goal.clone() {
            Goal::LostWrites { at_least } => {
                if may_lose(step) {
                    self.lost = observer.history.analyze(world).lost.len() as u32;
                }
                self.lost >= at_least
            }
            Goal::ProcessedTwice { group, at_least } => {
                if step
                    .events
                    .iter()
                    .any(|e| matches!(e, Event::RecordsProcessed { .. }))
                {
                    let report = observer.history.analyze(world);
                    self.processed_twice = report
                        .groups
                        .get(&group)
                        .map_or(0, |g| g.processed_twice.len() as u32);
                }
                self.processed_twice >= at_least
            }
            Goal::OfflineWithoutLoss { partition } => {
                return self.offline(step, world, observer, &partition)
            }
            Goal::ProducerBlocked { producer } => {
                self.blocked += step
                    .events
                    .iter()
                    .filter(|e| matches!(e, Event::SendBlocked { producer: p, .. } if NodeId::Producer(*p) == producer))
                    .count() as u32;
                self.blocked > 0
            }
            Goal::Rebalances { group, at_least } => {
                self.count_rebalances(step, &group);
                self.rebalances >= at_least
            }
            Goal::HighWatermarkStalled { partition, for_ms } => {
                self.watch_stall(world, &partition);
                self.longest_stall_ms >= for_ms
            }
        };
        if met {
            self.verdict = Verdict::Met {
                step: step.index,
                time: step.time,
            };
        }
    }

    /// Offline without loss: met when the partition loses its leader with no write lost so far,
    /// failed as soon as the checker finds a lost write.
    fn offline(
        &mut self,
        step: &KafkaStep,
        world: &KafkaWorld,
        observer: &RunObserver,
        partition: &str,
    ) {
        let offline = step.events.iter().any(|e| {
            matches!(e, Event::LeaderElected { partition: p, leader: None, .. } if p.to_string() == partition)
        });
        if offline || may_lose(step) {
            self.lost = observer.history.analyze(world).lost.len() as u32;
        }
        let (step_index, time) = (step.index, step.time);
        if self.lost > 0 {
            self.verdict = Verdict::Failed {
                step: step_index,
                time,
            };
        } else if offline {
            self.verdict = Verdict::Met {
                step: step_index,
                time,
            };
        }
    }

    fn count_rebalances(&mut self, step: &KafkaStep, group: &str) {
        for event in &step.events {
            match event {
                Event::GroupStateChanged { group: g, to, .. } if g == group && *to == "Stable" => {
                    self.stable_seen = true
                }
                Event::RebalanceStarted { group: g, .. } if g == group && self.stable_seen => {
                    self.rebalances += 1
                }
                _ => {}
            }
        }
    }

    /// The high watermark of the partition's authoritative replica, held back while its log
    /// holds records above it.
    fn watch_stall(&mut self, world: &KafkaWorld, partition: &str) {
        let Ok(tp) = TopicPartition::parse(partition) else {
            return;
        };
        let now = world.now();
        let state = authoritative_replica(world.model().brokers.values(), &tp)
            .and_then(|b| b.replicas.get(&tp))
            .map(|r| (r.high_watermark, r.log_end_offset()));
        match state {
            Some((hw, leo)) if leo > hw => {
                let since = match self.stall {
                    Some((held, since)) if held == hw => since,
                    _ => now,
                };
                self.stall = Some((hw, since));
                let ms = now.as_micros().saturating_sub(since.as_micros()) / 1000;
                self.longest_stall_ms = self.longest_stall_ms.max(ms);
            }
            _ => self.stall = None,
        }
    }
}

/// Steps after which a write may be gone: a new leader, a truncation, a power failure.
fn may_lose(step: &KafkaStep) -> bool {
    step.events.iter().any(|e| {
        matches!(
            e,
            Event::LeaderElected { .. }
                | Event::BecameLeader { .. }
                | Event::FollowerTruncated { .. }
                | Event::RecordsLostOnPowerFailure { .. }
        )
    })
}

/// The outcome of running a challenge with a list of moves.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Judgement {
    pub verdict: Verdict,
    pub moves: u32,
    /// The goal's measure at the end (see `ChallengeProgress::measure`).
    pub measure: u64,
}

/// Run a challenge from the start with `moves` (each at a simulated time) to its
/// `run_until_ms`. More moves than the budget allows is refused.
pub fn judge(
    lesson: &Lesson,
    seed: u64,
    moves: &[(SimTime, Command)],
) -> Result<Judgement, String> {
    let challenge = lesson
        .challenge
        .as_ref()
        .ok_or_else(|| format!("{} is not a challenge", lesson.id))?;
    if moves.len() > challenge.budget as usize {
        return Err(format!(
            "{} moves, but the challenge allows {}",
            moves.len(),
            challenge.budget
        ));
    }
    let mut world = lesson.world(seed);
    for (at, command) in moves {
        world.schedule_command(*at, command.clone());
    }
    let mut observer = RunObserver::default();
    let mut progress = ChallengeProgress::new(challenge.verdict.clone());
    let end = SimTime::from_ms(lesson.run_until_ms);
    while world.next_time().is_some_and(|t| t <= end) {
        let Some(step) = world.step() else { break };
        observer.observe(&step);
        progress.observe(&step, &world, &observer);
    }
    Ok(Judgement {
        verdict: progress.verdict(),
        moves: moves.len() as u32,
        measure: progress.measure(),
    })
}
