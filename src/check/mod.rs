//! Invariants checked after every step in tests, and history checkers (lost, duplicated and
//! reordered records). Filled in with replication.
