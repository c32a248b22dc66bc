//! Network commands: isolate a node, split the network, heal it, and shape single links.

use super::{CommandError, Limit};
use crate::kafka::event::{Event, NetworkChange};
use crate::kafka::types::NodeId;
use crate::kafka::{Cluster, Command};
use crate::sim::{Ctx, LinkConfig, NetOp, Ratio, SimDuration};

impl Cluster {
    pub(super) fn apply_network_command(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        command: Command,
    ) -> Result<(), CommandError> {
        for node in command.nodes() {
            self.known(node)?;
        }
        let change = match command {
            Command::Isolate { node } => {
                let peers = self.nodes().into_iter().filter(|n| *n != node).collect();
                ctx.net(NetOp::Isolate { node, peers });
                NetworkChange::Isolated { node }
            }
            Command::PartitionNetwork { groups } => {
                if groups.len() < 2 {
                    return Err(CommandError::TooFewGroups);
                }
                ctx.net(NetOp::Partition {
                    groups: groups.clone(),
                });
                NetworkChange::Split { groups }
            }
            Command::PartitionOneWay { from, to } => {
                ctx.net(NetOp::BlockOneWay {
                    from: from.clone(),
                    to: to.clone(),
                });
                NetworkChange::OneWay { from, to }
            }
            Command::Heal => {
                ctx.net(NetOp::Heal);
                NetworkChange::Healed
            }
            Command::SetLink {
                a,
                b,
                latency_ms,
                loss_percent,
                duplicate_percent,
            } => set_link(ctx, a, b, latency_ms, loss_percent, duplicate_percent)?,
            Command::ThrottleLink {
                from,
                to,
                bytes_per_second,
            } => {
                let config = LinkConfig {
                    bandwidth_bytes_per_sec: bytes_per_second,
                    ..ctx.network().link(&from, &to)
                };
                ctx.net(NetOp::SetLink { from, to, config });
                NetworkChange::Throttled {
                    from,
                    to,
                    bytes_per_second,
                }
            }
            Command::HoldLink { from, to } => {
                ctx.net(NetOp::Hold { from, to });
                NetworkChange::Held { from, to }
            }
            Command::ReleaseLink { from, to } => {
                ctx.net(NetOp::Release { from, to });
                NetworkChange::Released { from, to }
            }
            _ => unreachable!("apply_command routes only network commands here"),
        };
        ctx.emit(Event::NetworkChanged { change });
        Ok(())
    }
}

fn set_link(
    ctx: &mut Ctx<'_, Cluster>,
    a: NodeId,
    b: NodeId,
    latency_ms: (u64, u64),
    loss_percent: u32,
    duplicate_percent: u32,
) -> Result<NetworkChange, CommandError> {
    if latency_ms.0 > latency_ms.1 {
        return Err(CommandError::LatencyRange {
            min_ms: latency_ms.0,
            max_ms: latency_ms.1,
        });
    }
    Limit::LatencyMs.check(latency_ms.1)?;
    for percent in [loss_percent, duplicate_percent] {
        if percent > 100 {
            return Err(CommandError::NotAPercentage(percent));
        }
    }
    let config = LinkConfig {
        latency_min: SimDuration::from_ms(latency_ms.0),
        latency_max: SimDuration::from_ms(latency_ms.1),
        loss: Ratio::percent(loss_percent),
        duplication: Ratio::percent(duplicate_percent),
        ..ctx.network().default_link()
    };
    ctx.net(NetOp::SetLink {
        from: a,
        to: b,
        config,
    });
    ctx.net(NetOp::SetLink {
        from: b,
        to: a,
        config,
    });
    Ok(NetworkChange::LinkSet {
        a,
        b,
        latency_ms,
        loss_percent,
        duplicate_percent,
    })
}
