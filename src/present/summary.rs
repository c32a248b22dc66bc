//! The end-of-run summary `kafka-classroom run` prints: where every partition's log stands on
//! every replica, and what each client did.

use crate::kafka::broker::replica::Role;
use crate::kafka::KafkaWorld;

pub fn run_summary(world: &KafkaWorld) -> Vec<String> {
    let cluster = world.model();
    let mut lines = vec![format!(
        "summary: {} steps, simulated time {} ms, seed {}, fingerprint {}",
        world.steps_taken(),
        world.now().as_ms(),
        world.seed(),
        world.fingerprint()
    )];
    for (id, broker) in &cluster.brokers {
        for (tp, replica) in &broker.replicas {
            if tp.topic.starts_with("__") {
                // The group coordinator's records: summarised by the group lines below.
                continue;
            }
            let role = match &replica.role {
                Role::Leader(s) => format!(
                    "leader e{} ISR {}",
                    replica.leader_epoch,
                    super::narrate::brokers(&s.isr)
                ),
                Role::Follower { .. } => format!("follower e{}", replica.leader_epoch),
                Role::Stopped => "stopped".to_string(),
            };
            let values: Vec<String> = replica
                .log
                .batches()
                .flat_map(|b| {
                    // A transaction marker is named, not shown as its binary value.
                    let marker = b.control.map(|kind| kind.name());
                    b.offsets_and_records()
                        .map(|(o, r)| match marker {
                            Some(kind) => format!("{o}:<{kind}>"),
                            None => format!("{o}:{}", r.value_text()),
                        })
                        .collect::<Vec<_>>()
                })
                .collect();
            let shown = if values.len() > 12 {
                format!(
                    "{} … {}",
                    values[..6].join(" "),
                    values[values.len() - 3..].join(" ")
                )
            } else {
                values.join(" ")
            };
            lines.push(format!(
                "  {id} {tp:<14} {role:<22} LEO {:>4} HW {:>4}  [{shown}]",
                replica.log_end_offset(),
                replica.high_watermark
            ));
        }
    }
    for (id, p) in &cluster.producers {
        let s = &p.stats;
        lines.push(format!(
            "  p{id}: {} sent, {} acknowledged, {} failed, {} requests, {} retries",
            s.records_sent, s.records_acked, s.records_failed, s.requests_sent, s.retries
        ));
    }
    for (id, c) in &cluster.consumers {
        let positions: Vec<String> = c
            .positions
            .iter()
            .map(|(tp, s)| {
                format!(
                    "{tp}@{}",
                    s.position.map_or("-".to_string(), |p| p.to_string())
                )
            })
            .collect();
        lines.push(format!(
            "  c{id}: {} records polled, {} processed, positions {}",
            c.stats.records_polled,
            c.stats.records_processed,
            positions.join(" ")
        ));
    }
    for view in super::group::group_views(world) {
        lines.push(format!(
            "  group {}: {} generation {} protocol {} leader {} coordinator {}",
            view.group,
            view.state,
            view.generation,
            view.protocol,
            view.leader.as_deref().unwrap_or("-"),
            view.coordinator.as_deref().unwrap_or("-")
        ));
        for line in super::group::describe_text(&view).lines() {
            lines.push(format!("    {line}"));
        }
    }
    lines
}
