//! The deterministic simulation kernel. It owns time, randomness, the event queue and the
//! network, and knows nothing of Kafka: the Kafka model plugs in through the [`Model`] trait.
//!
//! A run is a pure function of a seed, a scenario and the list of commands injected into it, so
//! the same inputs give the same steps (and the same [`Fingerprint`]) natively and in wasm.

mod fingerprint;
mod links;
mod network;
mod prng;
mod recording;
mod scheduler;
pub mod sort;
mod time;
mod timers;
mod world;

pub use fingerprint::{Fingerprint, StableHasher};
pub use links::{ConnectionEpochs, HeldMessage, TCP_GIVE_UP};
pub use network::{DropReason, LinkConfig, NetOp, Network, Ratio, Transmit};
pub use prng::Prng;
pub use recording::{RecordedCommand, Recording, ReplayError};
pub use scheduler::{Scheduler, SchedulerKey};
pub use time::{SimDuration, SimTime};
pub use timers::{variant_code, TimerCode};
pub use world::{Cause, Ctx, InFlight, Model, Occurrence, Out, Step, World};
