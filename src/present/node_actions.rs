//! What a click on a node offers: for brokers and controllers the faults (crash, power failure,
//! controlled shutdown, a 5 s GC pause, isolation, restart when down); for producers and
//! consumers their application's actions and a way to their panel; for a transactional
//! producer its transaction calls (`present::txn_controls`), greyed out with the reason when the
//! producer would refuse them. Decided here so the menu is natively tested and the UI only
//! draws it.

use crate::kafka::{Command, KafkaWorld, NodeId};
use crate::present::txn_controls::{
    make_transactional, pipeline_of, txn_badge, txn_controls, TxnControl,
};

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NodeAction {
    pub label: String,
    /// What it does and why it matters, for the tooltip.
    pub explain: String,
    /// The command it sends; `None` opens `panel`.
    pub command: Option<Command>,
    pub panel: Option<&'static str>,
    pub danger: bool,
    /// Why it cannot be used now (the item is greyed out and says so); `None`: usable.
    pub disabled: Option<String>,
}

fn act(label: &str, explain: &str, command: Command, danger: bool) -> NodeAction {
    NodeAction {
        label: label.into(),
        explain: explain.into(),
        command: Some(command),
        panel: None,
        danger,
        disabled: None,
    }
}

fn open(label: &str, panel: &'static str) -> NodeAction {
    NodeAction {
        label: label.into(),
        explain: format!("Open the {panel} panel beside the stage"),
        command: None,
        panel: Some(panel),
        danger: false,
        disabled: None,
    }
}

/// A transaction button as a menu item.
fn txn_item(control: TxnControl) -> NodeAction {
    NodeAction {
        label: control.label.into(),
        explain: control.explain.into(),
        command: Some(control.command),
        panel: None,
        danger: control.danger,
        disabled: control.disabled,
    }
}

/// A producer's own items: flush, its transaction calls (or the way to become transactional),
/// and its panel.
fn producer_items(world: &KafkaWorld, id: u32, up: bool) -> Vec<NodeAction> {
    let mut out = Vec::new();
    let node = NodeId::Producer(id);
    if up {
        out.push(act(
            "flush()",
            "Every waiting batch leaves now",
            Command::Flush { producer: node },
            false,
        ));
        if let Some(p) = world.model().producers.get(&id) {
            out.extend(make_transactional(p).map(txn_item));
            out.extend(
                txn_controls(p, pipeline_of(world, id))
                    .into_iter()
                    .map(txn_item),
            );
        }
    }
    out.push(open("Producer panel…", "Producer"));
    out
}

/// The line under the menu's title: a transactional producer's state and open partitions.
pub fn node_note(world: &KafkaWorld, node: NodeId) -> Option<String> {
    let NodeId::Producer(id) = node else {
        return None;
    };
    let badge = txn_badge(world.model().producers.get(&id)?)?;
    let partitions = if badge.partitions.is_empty() {
        String::new()
    } else {
        format!(" · {}", badge.partitions.join(", "))
    };
    Some(format!(
        "{} · {}{partitions}",
        badge.transactional_id, badge.state
    ))
}

/// The process faults every node shares.
fn faults(node: NodeId, up: bool) -> Vec<NodeAction> {
    if !up {
        return vec![act(
            "Restart",
            "Start the process again",
            Command::Restart { node },
            false,
        )];
    }
    let shutdown = if matches!(node, NodeId::Broker(_)) {
        act(
            "Controlled shutdown",
            "Move its leaderships away first, then stop cleanly",
            Command::Shutdown { node },
            false,
        )
    } else {
        act("Stop", "Stop cleanly", Command::Shutdown { node }, false)
    };
    vec![
        act(
            "Crash",
            "kill -9: the process dies; the machine and its page cache survive",
            Command::Crash { node },
            true,
        ),
        act(
            "Power failure",
            "The machine loses power: data the OS had not flushed is lost",
            Command::PowerFail { node },
            true,
        ),
        shutdown,
        act(
            "Pause 5 s",
            "A long GC pause: the process freezes and wakes up with a stale view",
            Command::Pause { node, ms: 5000 },
            false,
        ),
        act(
            "Isolate",
            "Cut every network link to and from this node",
            Command::Isolate { node },
            true,
        ),
    ]
}

pub fn node_actions(world: &KafkaWorld, node: NodeId) -> Vec<NodeAction> {
    let cluster = world.model();
    let up = cluster.process(node).is_some_and(|p| p.is_running());
    let mut out = Vec::new();
    match node {
        NodeId::Producer(id) => out.extend(producer_items(world, id, up)),
        NodeId::Consumer(id) => {
            let closed = cluster.consumers.get(&id).is_some_and(|c| c.closed);
            if up && !closed {
                out.push(act(
                    "commitSync()",
                    "Commit the current positions now",
                    Command::CommitSync { consumer: node },
                    false,
                ));
                out.push(act(
                    "close()",
                    "Leave the group cleanly: its partitions move at once",
                    Command::CloseConsumer { consumer: node },
                    false,
                ));
            } else if up {
                out.push(act(
                    "Start polling",
                    "Start the consumer's poll loop again",
                    Command::StartConsumer { consumer: node },
                    false,
                ));
            }
            out.push(NodeAction {
                explain: "Why it gets no records now, in a sentence or two".into(),
                ..open("Why no records?", "Why?")
            });
            out.push(open("Consumer panel…", "Consumer"));
        }
        _ => {}
    }
    out.extend(faults(node, up));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::builtin;

    #[test]
    fn a_running_broker_offers_every_fault_and_a_crashed_one_only_restart() {
        let lesson = builtin::load("replication-playground").unwrap();
        let mut world = lesson.world(lesson.seed);
        let b2 = NodeId::broker(2);
        let labels: Vec<String> = node_actions(&world, b2)
            .into_iter()
            .map(|a| a.label)
            .collect();
        assert_eq!(
            labels,
            [
                "Crash",
                "Power failure",
                "Controlled shutdown",
                "Pause 5 s",
                "Isolate"
            ]
        );
        world.apply_command(Command::Crash { node: b2 }).unwrap();
        let labels: Vec<String> = node_actions(&world, b2)
            .into_iter()
            .map(|a| a.label)
            .collect();
        assert_eq!(labels, ["Restart"]);
    }
}
