//! The guide: which of a lesson's beats is on screen, what the class answered, and what the run
//! revealed. It advances with the run (each step may fire the next beat or a pending reveal) and
//! is rewound with the run (it is part of every snapshot); the class's answers are kept apart,
//! so rewinding and playing again does not ask twice.

use crate::kafka::{KafkaStep, KafkaWorld};
use crate::lesson::beats::{correct_choices, Beat, Trigger};
use crate::lesson::expect::RunObserver;
use crate::lesson::probe::ProbeValue;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Where the beat on screen stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Phase {
    /// A caption; Continue goes on.
    Caption,
    /// A question waits for the class; Play is blocked.
    Asking,
    /// The class answered; the run goes on until the reveal trigger.
    Waiting,
    /// The answer is shown.
    Revealed,
}

#[derive(Clone, PartialEq, Debug)]
pub struct CurrentBeat {
    pub index: u32,
    pub phase: Phase,
    /// The probe's value when the question was asked.
    pub before: Option<ProbeValue>,
    /// The probe's value at the reveal.
    pub after: Option<ProbeValue>,
    /// The choices that were right, once revealed.
    pub correct: Vec<u32>,
}

#[derive(Clone, PartialEq, Debug)]
pub struct Guide {
    beats: Rc<Vec<Beat>>,
    /// The next beat to fire.
    next: u32,
    current: Option<CurrentBeat>,
    /// The step each fired beat fired after, in order.
    fired_at: Vec<u64>,
}

/// What a step did to the guide.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct GuideChange {
    /// A beat fired or an answer was revealed.
    pub changed: bool,
    /// Play should stop here.
    pub pause: bool,
}

impl Guide {
    pub fn new(beats: Vec<Beat>) -> Guide {
        Guide {
            beats: Rc::new(beats),
            next: 0,
            current: None,
            fired_at: Vec::new(),
        }
    }

    pub fn beats(&self) -> &[Beat] {
        &self.beats
    }
    pub fn current(&self) -> Option<&CurrentBeat> {
        self.current.as_ref()
    }
    pub fn current_beat(&self) -> Option<&Beat> {
        self.current.as_ref().map(|c| &self.beats[c.index as usize])
    }
    /// Beats fired so far.
    pub fn fired(&self) -> u32 {
        self.next
    }
    pub fn is_empty(&self) -> bool {
        self.beats.is_empty()
    }
    /// The step the beat before the current one fired after (for Back).
    pub fn previous_step(&self) -> Option<u64> {
        let current = self.current.as_ref().map_or(self.next, |c| c.index);
        let previous = current.checked_sub(1)?;
        self.fired_at.get(previous as usize).copied()
    }
    /// The step the beat on screen fired after.
    pub fn shown_since(&self) -> Option<u64> {
        let current = self.current.as_ref()?;
        self.fired_at.get(current.index as usize).copied()
    }
    /// A question is waiting for the class: Play must not go on.
    pub fn blocks_play(&self) -> bool {
        self.current
            .as_ref()
            .is_some_and(|c| c.phase == Phase::Asking)
    }

    /// Check the pending reveal and the next beat after `step` (`None`: before any step, or
    /// after the clock moved without a step). `answers` are the class's answers so far: a
    /// question answered before (the run was rewound) does not ask again.
    pub fn advance(
        &mut self,
        step: Option<&KafkaStep>,
        world: &KafkaWorld,
        observer: &RunObserver,
        answers: &BTreeMap<u32, u32>,
    ) -> GuideChange {
        if let Some(change) = self.maybe_reveal(step, world, observer) {
            return change;
        }
        if self
            .current
            .as_ref()
            .is_some_and(|c| matches!(c.phase, Phase::Asking | Phase::Waiting))
        {
            // Later beats wait until the class has answered and seen the answer.
            return GuideChange::default();
        }
        let Some(beat) = self.beats.get(self.next as usize) else {
            return GuideChange::default();
        };
        let due = match (&beat.when, step) {
            (Trigger::Start, _) => self.next == 0,
            _ => beat.when.fires(step, world, observer),
        };
        if !due {
            return GuideChange::default();
        }
        let index = self.next;
        self.next += 1;
        self.fired_at.push(world.steps_taken());
        let asks = beat.ask.as_ref();
        let before = asks.map(|q| q.probe.evaluate(world, observer));
        let pause = beat.pause || asks.is_some();
        self.current = Some(CurrentBeat {
            index,
            phase: if asks.is_some() {
                Phase::Asking
            } else {
                Phase::Caption
            },
            before,
            after: None,
            correct: Vec::new(),
        });
        if let Some(choice) = answers.get(&index) {
            self.answer(*choice, world, observer);
        }
        GuideChange {
            changed: true,
            pause,
        }
    }

    fn maybe_reveal(
        &mut self,
        step: Option<&KafkaStep>,
        world: &KafkaWorld,
        observer: &RunObserver,
    ) -> Option<GuideChange> {
        let current = self.current.as_ref()?;
        if current.phase != Phase::Waiting {
            return None;
        }
        let question = self.beats[current.index as usize].ask.as_ref()?;
        let reveal = question.reveal.as_ref()?;
        if !reveal.fires(step, world, observer) {
            return None;
        }
        self.reveal(world, observer);
        Some(GuideChange {
            changed: true,
            pause: true,
        })
    }

    fn reveal(&mut self, world: &KafkaWorld, observer: &RunObserver) {
        let Some(current) = self.current.as_mut() else {
            return;
        };
        let Some(question) = self.beats[current.index as usize].ask.as_ref() else {
            return;
        };
        let after = question.probe.evaluate(world, observer);
        let before = current.before.clone().unwrap_or(ProbeValue::Missing);
        current.correct = correct_choices(question, &before, &after);
        current.after = Some(after);
        current.phase = Phase::Revealed;
    }

    /// The class picked `choice`. Without a reveal trigger the answer shows at once; with
    /// one, the run goes on until it fires. Returns whether the run should play on.
    pub fn answer(&mut self, choice: u32, world: &KafkaWorld, observer: &RunObserver) -> bool {
        let Some(current) = self.current.as_mut() else {
            return false;
        };
        if current.phase != Phase::Asking {
            return false;
        }
        let beat = &self.beats[current.index as usize];
        let Some(question) = beat.ask.as_ref() else {
            return false;
        };
        if choice as usize >= question.choices.len() {
            return false;
        }
        if question.reveal.is_some() {
            current.phase = Phase::Waiting;
            true
        } else {
            self.reveal(world, observer);
            false
        }
    }

    /// Continue: the caption or the revealed answer goes away.
    pub fn dismiss(&mut self) -> bool {
        match self.current.as_ref().map(|c| c.phase) {
            Some(Phase::Caption) | Some(Phase::Revealed) => {
                self.current = None;
                true
            }
            _ => false,
        }
    }
}
