//! Pure functions from engine state to what people see: narration lines, view models for the
//! cluster, producer and consumer panels, and the session that owns a run's timeline. No web
//! crates: everything here is tested natively.

pub mod assign_calc;
pub mod caption;
pub mod catalogue;
pub mod challenge;
pub mod compare;
pub mod console;
pub mod errors;
pub mod forms;
pub mod group;
pub mod highlight;
pub mod inspect;
pub mod monitor;
pub mod narrate;
pub mod narration;
pub mod node_actions;
pub mod offline;
pub mod recovery;
pub mod saved;
pub mod session;
pub mod share;
pub mod shortcuts;
pub mod spacetime;
pub mod stage;
pub mod summary;
pub mod txn_controls;
pub mod view;
pub mod why;
