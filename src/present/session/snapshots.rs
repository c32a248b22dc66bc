//! Which snapshots the timeline keeps, so that seeking anywhere is a short replay and the
//! memory stays bounded however long the run.
//!
//! Two kinds are kept:
//! - a **dense window** behind the newest step: one snapshot every [`DENSE_EVERY`] steps, the
//!   newest [`DENSE_KEEP`] of them, so stepping back or scrubbing near "now" replays at most a
//!   few thousand steps;
//! - a **sparse ladder** over the whole run: one snapshot every `spacing` steps, where the
//!   spacing starts at [`DENSE_EVERY`] and doubles whenever more than [`SPARSE_MAX`] would be
//!   kept. Any step of the run is then at most `spacing` steps after a snapshot, and `spacing`
//!   stays below `2 × run length / SPARSE_MAX`.
//!
//! Snapshot 0 (the lesson's start) is always kept.

/// A snapshot is due every this many steps (the dense window's spacing).
pub const DENSE_EVERY: u64 = 2_000;
/// Dense snapshots kept behind the newest step.
pub const DENSE_KEEP: usize = 8;
/// Most snapshots in the sparse ladder.
pub const SPARSE_MAX: usize = 64;

/// The ladder's spacing for a run that has reached `horizon`: the smallest `DENSE_EVERY × 2^k`
/// that needs at most `SPARSE_MAX` snapshots.
pub fn spacing(horizon: u64) -> u64 {
    let mut spacing = DENSE_EVERY;
    while horizon / spacing > SPARSE_MAX as u64 {
        spacing *= 2;
    }
    spacing
}

/// Whether a snapshot at `step` is worth taking.
pub fn due(step: u64) -> bool {
    step % DENSE_EVERY == 0
}

/// Whether the snapshot at `step` stays, given the newest step taken (`head`) and the
/// furthest the run has reached (`horizon`).
pub fn keep(step: u64, head: u64, horizon: u64) -> bool {
    let dense_from = head.saturating_sub(DENSE_EVERY * DENSE_KEEP as u64);
    step == 0 || step >= dense_from || step % spacing(horizon) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The steps kept after a run of `len` steps with snapshots taken as they fell due.
    fn kept(len: u64) -> Vec<u64> {
        let mut out: Vec<u64> = Vec::new();
        for step in (0..=len).filter(|s| due(*s)) {
            out.push(step);
            out.retain(|s| keep(*s, step, step));
        }
        out
    }

    #[test]
    fn any_step_of_a_million_step_run_is_a_short_replay_away() {
        let len = 1_000_000;
        let snaps = kept(len);
        assert!(
            snaps.len() <= SPARSE_MAX + DENSE_KEEP + 2,
            "{}",
            snaps.len()
        );
        let widest = snaps.windows(2).map(|w| w[1] - w[0]).max().unwrap();
        assert!(widest <= 2 * len / SPARSE_MAX as u64, "gap {widest}");
        // Near the newest step, the gaps are the dense spacing.
        let near: Vec<u64> = snaps
            .iter()
            .copied()
            .filter(|s| *s >= len - 16_000)
            .collect();
        assert!(
            near.windows(2).all(|w| w[1] - w[0] == DENSE_EVERY),
            "{near:?}"
        );
        assert_eq!(snaps[0], 0);
    }

    #[test]
    fn a_short_run_keeps_every_snapshot() {
        let snaps = kept(60_000);
        assert_eq!(snaps, (0..=30).map(|i| i * DENSE_EVERY).collect::<Vec<_>>());
    }

    #[test]
    fn after_a_rewind_the_window_follows_the_head_and_the_ladder_stays() {
        let mut snaps = kept(400_000);
        let head = 150_000;
        snaps.retain(|s| *s <= head);
        // Playing on from the rewound head keeps what the ladder had below it.
        for step in (head + 1..=head + 10_000).filter(|s| due(*s)) {
            snaps.push(step);
            snaps.retain(|s| keep(*s, step, 400_000));
        }
        assert!(snaps.contains(&0));
        assert!(snaps.contains(&(head + 10_000)));
        let widest = snaps.windows(2).map(|w| w[1] - w[0]).max().unwrap();
        assert!(widest <= spacing(400_000), "gap {widest}");
    }
}
