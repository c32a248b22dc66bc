//! The backlog of every cut or held link, kept like the unacknowledged bytes in a TCP send
//! buffer: a message sent into a cut or held link waits here, in send order, until the path is
//! back (then the world sends it again, ahead of anything newer) or its connection dies (either
//! end restarted or stopped, or TCP gave up retransmitting after `TCP_GIVE_UP`).

use super::network::Network;
use super::time::{SimDuration, SimTime};
use super::world::Model;
use std::collections::BTreeMap;

/// A directed link `(from, to)`.
pub type Link<M> = (<M as Model>::Addr, <M as Model>::Addr);

/// The connection a message was sent on: the epochs of its sender and receiver at send time.
pub type ConnectionEpochs = (Option<u64>, Option<u64>);

/// A message waiting on a cut or held link, like unacknowledged bytes in a TCP send buffer.
#[derive(Clone, PartialEq, Debug)]
pub struct HeldMessage<M: Model> {
    pub msg: M::Msg,
    pub sent_at: SimTime,
    pub(super) epochs: ConnectionEpochs,
}

/// How long TCP keeps retransmitting over a dead path before it gives up on the connection:
/// Linux's default `tcp_retries2` = 15 retransmissions, about 924.6 s with exponential backoff.
pub const TCP_GIVE_UP: SimDuration = SimDuration::from_ms(924_600);

impl<M: Model> HeldMessage<M> {
    /// Still worth sending: its connection (`epochs` now) is the one it was sent on and TCP
    /// has not given up on it.
    pub(super) fn alive(&self, epochs: ConnectionEpochs, now: SimTime) -> bool {
        self.epochs == epochs && now.since(self.sent_at) <= TCP_GIVE_UP
    }
}

/// Every link's backlog, oldest message first.
#[derive(Clone, PartialEq, Debug)]
pub struct Backlogs<M: Model> {
    held: BTreeMap<Link<M>, Vec<HeldMessage<M>>>,
}

impl<M: Model> Default for Backlogs<M> {
    fn default() -> Self {
        Backlogs {
            held: BTreeMap::new(),
        }
    }
}

impl<M: Model> Backlogs<M> {
    /// Messages waiting on held or cut links, oldest first on each link.
    pub fn iter(&self) -> impl Iterator<Item = (&Link<M>, &Vec<HeldMessage<M>>)> {
        self.held.iter()
    }

    /// Put a message in its link's backlog, keeping send order (a message that was on the wire
    /// when the link was cut goes before those sent after the cut).
    pub(super) fn hold(
        &mut self,
        from: M::Addr,
        to: M::Addr,
        msg: M::Msg,
        sent_at: SimTime,
        epochs: ConnectionEpochs,
    ) {
        let backlog = self.held.entry((from, to)).or_default();
        let at = backlog.partition_point(|h| h.sent_at <= sent_at);
        backlog.insert(
            at,
            HeldMessage {
                msg,
                sent_at,
                epochs,
            },
        );
    }

    /// Take the whole backlog of one link (its connection closed).
    pub(super) fn remove(&mut self, link: &Link<M>) -> Vec<HeldMessage<M>> {
        self.held.remove(link).unwrap_or_default()
    }

    /// Take the backlogs of every link that is neither cut nor held any more, in link order.
    pub(super) fn take_reopened(
        &mut self,
        network: &Network<M::Addr>,
    ) -> Vec<(Link<M>, Vec<HeldMessage<M>>)> {
        let reopened: Vec<Link<M>> = self
            .held
            .keys()
            .filter(|(f, t)| !network.is_blocked(f, t) && !network.is_held(f, t))
            .cloned()
            .collect();
        reopened
            .into_iter()
            .map(|link| {
                let backlog = self.remove(&link);
                (link, backlog)
            })
            .collect()
    }

    /// Take what TCP has given up on at the head of a backlog, so a link cut for hours holds
    /// at most `TCP_GIVE_UP` worth of messages.
    pub(super) fn take_expired(
        &mut self,
        from: &M::Addr,
        to: &M::Addr,
        now: SimTime,
    ) -> Vec<HeldMessage<M>> {
        let Some(backlog) = self.held.get_mut(&(from.clone(), to.clone())) else {
            return Vec::new();
        };
        let expired = backlog.partition_point(|h| now.since(h.sent_at) > TCP_GIVE_UP);
        backlog.drain(..expired).collect()
    }
}
