//! Durability under random faults (swarm style, see `check::swarm`), a bounded number of seeds
//! here; `kafka-classroom soak --seeds N` runs many more.

use kafka_classroom::check::swarm::{describe_commands, run_seed, Durability};

#[test]
fn acks_all_with_min_isr_2_loses_no_acknowledged_write() {
    for seed in 1..=16 {
        let r = run_seed(seed, Durability::Safe, 50);
        assert!(
            r.report.acknowledged > 1000,
            "seed={seed}: the workload ran ({} acks)",
            r.report.acknowledged
        );
        assert!(
            r.lost() == 0 && r.violation.is_none(),
            "seed={seed}: {} violation={:?}\ncommands:\n{}",
            r.report.summary(),
            r.violation,
            describe_commands(&r.commands)
        );
    }
}

#[test]
fn acks_1_loses_acknowledged_writes_under_the_same_faults() {
    let losing: Vec<u64> = (1..=24)
        .filter(|seed| run_seed(*seed, Durability::AcksOne, 200).lost() > 0)
        .collect();
    assert!(
        !losing.is_empty(),
        "acks=1 lost nothing in 24 seeds: the fault schedules are too gentle"
    );
}

/// Found by the invariant checker: a follower whose fetch diverged (it had records of an old
/// epoch) was counted as having them, and the new leader's high watermark passed records the
/// follower was about to truncate.
#[test]
fn regression_diverging_fetch_does_not_advance_the_high_watermark() {
    let r = run_seed(59, Durability::Safe, 1);
    assert!(r.violation.is_none(), "seed=59: {:?}", r.violation);
}
