//! Checks: the replication invariants, run after every step in tests (`invariants`), and a
//! history checker in Jepsen's vocabulary that follows every record from `send()` to the final
//! logs (`history`): lost writes, duplicates, inconsistent offsets and per-key reordering.

pub mod causes;
pub mod exactly_once;
pub mod fates;
pub mod history;
pub mod invariants;
pub mod offsets_loss;
pub mod read_committed;
pub mod swarm;
pub mod txn_swarm;

pub use history::{History, HistoryReport};
pub use invariants::{InvariantChecker, Violation};
