//! The life of a simulated process: running, stopped by a fault, or paused. Shared by brokers,
//! controllers and clients so every node fails the same way.

use super::event::ProcessFault;
use crate::sim::SimTime;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Process {
    stopped: Option<ProcessFault>,
    paused_until: Option<SimTime>,
    /// How many times the process has started; part of identities that must change on restart.
    pub incarnation: u32,
}

impl Default for Process {
    fn default() -> Self {
        Process {
            stopped: None,
            paused_until: None,
            incarnation: 1,
        }
    }
}

impl Process {
    pub fn is_running(&self) -> bool {
        self.stopped.is_none()
    }
    pub fn stopped_by(&self) -> Option<ProcessFault> {
        self.stopped
    }
    /// False only while the machine has no power (messages to it vanish, no TCP reset).
    pub fn host_up(&self) -> bool {
        self.stopped != Some(ProcessFault::PowerFailure)
    }
    pub fn paused_until(&self) -> Option<SimTime> {
        self.paused_until
    }
    pub fn is_paused(&self, now: SimTime) -> bool {
        self.paused_until.is_some_and(|t| t > now)
    }

    /// Stop the process; `Err` with the earlier fault when it is already stopped.
    pub fn stop(&mut self, fault: ProcessFault) -> Result<(), ProcessFault> {
        if let Some(previous) = self.stopped {
            return Err(previous);
        }
        self.stopped = Some(fault);
        self.paused_until = None;
        Ok(())
    }

    /// Start the process again; `Err` when it is already running.
    pub fn start(&mut self) -> Result<(), ()> {
        if self.stopped.is_none() {
            return Err(());
        }
        self.stopped = None;
        self.incarnation += 1;
        Ok(())
    }

    pub fn pause(&mut self, now: SimTime, until: SimTime) -> Result<(), PauseRefused> {
        if !self.is_running() {
            return Err(PauseRefused::NotRunning);
        }
        if self.is_paused(now) {
            return Err(PauseRefused::AlreadyPaused);
        }
        self.paused_until = Some(until);
        Ok(())
    }
}

/// Why a pause was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PauseRefused {
    NotRunning,
    AlreadyPaused,
}
