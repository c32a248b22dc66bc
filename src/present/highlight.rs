//! What deserves a teacher's attention in a step: faults, errors, lost data. The event log
//! colours these lines and the cluster view flashes the nodes involved.

use crate::kafka::event::Event;
use crate::kafka::KafkaStep;
use crate::kafka::NodeId;
use crate::sim::Cause;

pub fn is_alarming(event: &Event) -> bool {
    matches!(
        event,
        Event::ProduceFailed { .. }
            | Event::ProduceRejected { .. }
            | Event::RequestTimedOut { .. }
            | Event::ConnectionLost { .. }
            | Event::ProcessStopped { .. }
            | Event::RecordsLostOnPowerFailure { .. }
            | Event::FollowerTruncated { .. }
            | Event::BrokerFenced { .. }
            | Event::TruncationDetected { .. }
            | Event::SendTimedOut { .. }
            | Event::NetworkChanged { .. }
    ) || matches!(event, Event::LeaderElected { leader: None, .. })
        || matches!(
            event,
            Event::LeaderElected {
                kind: crate::kafka::event::ElectionKind::Unclean,
                ..
            }
        )
}

/// Nodes the step acted on, for a brief highlight.
pub fn touched_nodes(step: &KafkaStep) -> Vec<NodeId> {
    match &step.cause {
        Cause::Deliver { to, .. } => vec![*to],
        Cause::Timer { node, .. } => vec![*node],
        Cause::Command(c) => c.nodes(),
        Cause::Drop { from, to, .. } => vec![*from, *to],
    }
}
