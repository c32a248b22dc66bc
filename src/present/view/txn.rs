//! The producer panel's "Transactions" section: the badge and buttons of
//! `present::txn_controls`, plus what the two forms need: whether `sendOffsetsToTransaction`
//! is allowed now and the groups it may name, and which consumers could run an exactly-once
//! pipeline through this producer (and why the others cannot).

use crate::kafka::consumer::app::Handoff;
use crate::kafka::consumer::Consumer;
use crate::kafka::producer::transactions::TxnCall;
use crate::kafka::producer::Producer;
use crate::kafka::KafkaWorld;
use crate::present::txn_controls::{
    make_transactional, pipeline_of, txn_badge, txn_controls, TxnBadge, TxnControl,
};

/// A consumer the pipeline form may offer.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PipelineConsumer {
    pub label: String,
    /// Why it cannot run a pipeline; `None`: it can.
    pub unsuitable: Option<String>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TxnPanelView {
    pub badge: Option<TxnBadge>,
    /// "Make transactional" for a plain producer; the four calls for a transactional one.
    pub controls: Vec<TxnControl>,
    /// Why `sendOffsetsToTransaction` is refused now; `None`: allowed.
    pub offsets_disabled: Option<String>,
    /// Group ids known to the cluster, for the offsets form.
    pub groups: Vec<String>,
    /// The pipeline this producer already writes for ("c1 → ledger: 12 committed, 1
    /// aborted"), if any.
    pub pipeline: Option<String>,
    pub pipeline_consumers: Vec<PipelineConsumer>,
}

/// Why consumer `c` cannot run a pipeline (the rules `StartPipeline` checks), if it cannot.
fn unsuitable(world: &KafkaWorld, c: &Consumer) -> Option<String> {
    let why = if world.model().pipelines.contains_key(&c.id) {
        "it already runs a pipeline"
    } else if c.closed || !c.process.is_running() {
        "it is not running"
    } else if c.group_id().is_none() {
        "it has no group.id: its offsets must commit in the transaction"
    } else if c.config.enable_auto_commit {
        "enable.auto.commit is true: it would commit offsets outside the transaction"
    } else if c.app.spec.handoff == Handoff::Worker {
        "it hands records to a worker thread; the loop must process them itself"
    } else {
        return None;
    };
    Some(format!("c{} cannot: {why}.", c.id))
}

fn pipeline_text(world: &KafkaWorld, producer: u32) -> Option<String> {
    world
        .model()
        .pipelines
        .iter()
        .find(|(_, p)| p.producer == producer)
        .map(|(c, p)| {
            let plural = if p.committed_transactions == 1 {
                ""
            } else {
                "s"
            };
            format!(
                "c{c} → p{producer} → {}: {} transaction{plural} committed, {} aborted",
                p.output_topic, p.committed_transactions, p.aborted_transactions
            )
        })
}

pub fn txn_panel_view(world: &KafkaWorld, p: &Producer) -> TxnPanelView {
    let mut controls: Vec<TxnControl> = make_transactional(p).into_iter().collect();
    controls.extend(txn_controls(p, pipeline_of(world, p.id)));
    let offsets_disabled = match &p.txn {
        None => Some("Only a transactional producer can add offsets to a transaction.".into()),
        Some(txn) => txn.check(TxnCall::SendOffsetsToTransaction).err().map(|_| {
            format!(
                "Not now: offsets join an open transaction (state {}).",
                txn.state.name()
            )
        }),
    };
    let cluster = world.model();
    TxnPanelView {
        badge: txn_badge(p),
        controls,
        offsets_disabled,
        groups: cluster.group_ids(),
        pipeline: pipeline_text(world, p.id),
        pipeline_consumers: cluster
            .consumers
            .values()
            .map(|c| PipelineConsumer {
                label: format!("c{}", c.id),
                unsuitable: unsuitable(world, c),
            })
            .collect(),
    }
}
