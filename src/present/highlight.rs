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

/// The text of an alert for events a class should notice at once, naming the cause.
pub fn alert_text(event: &Event) -> Option<String> {
    use crate::kafka::event::ElectionKind;
    let narrated = || super::narrate::event_text(event);
    match event {
        Event::ProduceRejected {
            broker,
            partition,
            error,
            reason,
        } => Some(format!(
            "{broker} refused a write to {partition}: {error}. {}",
            super::narrate::reject_reason(reason, partition)
        )),
        Event::ProduceFailed {
            producer,
            partition,
            error,
            retrying: false,
            detail,
            ..
        } => Some(format!(
            "p{producer}: send to {partition} failed for good with {error} ({}){}",
            error.exception_name(),
            detail.as_ref().map_or(String::new(), |m| format!(". {m}"))
        )),
        Event::LeaderElected {
            partition,
            leader: None,
            ..
        } => Some(format!(
            "{partition} is offline: no in-sync replica is available to lead it"
        )),
        Event::LeaderElected {
            kind: ElectionKind::Unclean,
            ..
        } => Some(format!(
            "{}: records only the old ISR had are lost",
            narrated()
        )),
        Event::BrokerFenced { .. }
        | Event::ProcessStopped { .. }
        | Event::RecordsLostOnPowerFailure { .. } => Some(narrated()),
        Event::FollowerTruncated { .. }
        | Event::ControllerElected { .. }
        | Event::NetworkChanged { .. } => Some(narrated()),
        Event::ConsumerError { .. } | Event::SendRejected { .. } => Some(narrated()),
        _ => None,
    }
}
