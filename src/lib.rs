//! Kafka Classroom: a deterministic simulator of Apache Kafka 4.0 that runs natively and in the
//! browser.
//!
//! The layers, from the bottom up (arrows point down only, see ARCHITECTURE.md):
//! - [`sim`]: the deterministic kernel (time, randomness, scheduler, network). Knows nothing of Kafka.
//! - [`kafka`]: the Kafka model (brokers, logs, replication, controller, clients) as a `sim::Model`.
//! - [`check`]: invariants checked after every step and history checkers (lost/duplicated records).
//! - [`lesson`]: the lesson file format, its validation, and the built-in lessons.
//! - [`present`]: pure functions from engine state to display structs, narration and the session.
//! - `ui`: Yew components (browser only).

pub mod check;
/// Fuzz targets for every input from outside (native only: the command line and the tests).
#[cfg(not(target_arch = "wasm32"))]
pub mod fuzz;
pub mod kafka;
pub mod lesson;
pub mod present;
pub mod sim;
#[cfg(target_arch = "wasm32")]
pub mod ui;
