//! A transactional producer as people see and drive it: the badge (its `transactional.id`,
//! producer id and epoch, and the `TransactionManager` state in a word or two, with the
//! partitions of the open transaction), and the buttons for `initTransactions()`,
//! `beginTransaction()`, `commitTransaction()` and `abortTransaction()`, each enabled exactly
//! when the producer would accept the call (`TransactionManager::check`) and otherwise saying
//! why not. The node menu and the producer panel both draw these, so they always agree.

use crate::kafka::config::ConfigError;
use crate::kafka::errors::ErrorCode;
use crate::kafka::producer::transactions::{ClientTxnState, TransactionManager, TxnCall};
use crate::kafka::producer::Producer;
use crate::kafka::{Command, NodeId};

/// The `transactional.id` the "Make transactional" action gives producer `id`.
pub fn default_transactional_id(id: u32) -> String {
    format!("p{id}-txn")
}

/// The transaction state of one producer, compact enough for the stage's producer card.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TxnBadge {
    pub transactional_id: String,
    /// "Ready", "In transaction", "Fenced"...
    pub state: &'static str,
    /// The CSS class of the state's colour (`txn-ready`, `txn-open`, `txn-error`...).
    pub css: &'static str,
    /// "pid 1000 · epoch 2", or "no producer id yet".
    pub identity: String,
    /// The producer id and epoch apart ("pid 1000", "epoch 2"), so a narrow card can wrap
    /// between them; `None` before `initTransactions()` got them.
    pub id_epoch: Option<(String, String)>,
    /// Partitions in the open transaction (`orders-0`), those still being added last.
    pub partitions: Vec<String>,
    /// Everything above in sentences, for the tooltip.
    pub tooltip: String,
}

/// A state's short name and colour class.
fn state_word(txn: &TransactionManager) -> (&'static str, &'static str) {
    use ClientTxnState::*;
    match txn.state {
        Uninitialized => ("Not initialized", "txn-idle"),
        Initializing => ("Initializing", "txn-busy"),
        Ready => ("Ready", "txn-ready"),
        InTransaction => ("In transaction", "txn-open"),
        CommittingTransaction => ("Committing", "txn-busy"),
        AbortingTransaction => ("Aborting", "txn-busy"),
        AbortableError => ("Abortable error", "txn-error"),
        FatalError if fenced(txn.last_error) => ("Fenced", "txn-fatal"),
        FatalError => ("Fatal error", "txn-fatal"),
    }
}

/// The consumer whose pipeline writes through producer `id`, if any.
pub fn pipeline_of(world: &crate::kafka::KafkaWorld, id: u32) -> Option<u32> {
    world
        .model()
        .pipelines
        .iter()
        .find(|(_, p)| p.producer == id)
        .map(|(c, _)| *c)
}

/// The errors by which another producer (or the coordinator's timeout) fenced this one.
fn fenced(error: ErrorCode) -> bool {
    matches!(
        error,
        ErrorCode::PRODUCER_FENCED | ErrorCode::INVALID_PRODUCER_EPOCH
    )
}

/// What the state means, in a sentence, for the tooltip.
fn state_meaning(txn: &TransactionManager) -> String {
    use ClientTxnState::*;
    let error = txn.last_error;
    match txn.state {
        Uninitialized => "initTransactions() not called yet: it may not send.".into(),
        Initializing => "initTransactions() waits for the coordinator's producer id and epoch.".into(),
        Ready => "Ready: no transaction open; beginTransaction() starts one.".into(),
        InTransaction => "A transaction is open: what it sends stays invisible to read_committed readers until it commits.".into(),
        CommittingTransaction => "commitTransaction(): flushing, then the coordinator writes COMMIT markers.".into(),
        AbortingTransaction => "abortTransaction(): the coordinator writes ABORT markers.".into(),
        AbortableError => format!("The transaction failed ({error}, {}): it can only be aborted.", error.exception_name()),
        FatalError => format!("{error} ({}): a newer producer with this transactional.id took over, or the transaction timed out. It can only be closed.", error.exception_name()),
    }
}

fn partitions(txn: &TransactionManager) -> Vec<String> {
    let added = txn.partitions.iter().map(|tp| tp.to_string());
    let adding = txn
        .pending_partitions
        .iter()
        .filter(|tp| !txn.partitions.contains(*tp))
        .map(|tp| format!("{tp} (adding)"));
    added.chain(adding).collect()
}

/// The badge of a transactional producer; `None` without a `transactional.id`.
pub fn txn_badge(p: &Producer) -> Option<TxnBadge> {
    let txn = p.txn.as_ref()?;
    let (state, css) = state_word(txn);
    let id_epoch = (txn.producer_id >= 0).then(|| {
        (
            format!("pid {}", txn.producer_id),
            format!("epoch {}", txn.producer_epoch),
        )
    });
    let identity = match &id_epoch {
        Some((id, epoch)) => format!("{id} · {epoch}"),
        None => "no producer id yet".to_string(),
    };
    let partitions = partitions(txn);
    let in_txn = if partitions.is_empty() {
        match txn.state {
            ClientTxnState::InTransaction => " No partition in the transaction yet.".to_string(),
            _ => String::new(),
        }
    } else {
        format!(" In the transaction: {}.", partitions.join(", "))
    };
    let tooltip = format!(
        "transactional.id {} · {identity} · {}. {}{in_txn}",
        txn.transactional_id,
        txn.state.name(),
        state_meaning(txn),
    );
    Some(TxnBadge {
        transactional_id: txn.transactional_id.clone(),
        state,
        css,
        identity,
        id_epoch,
        partitions,
        tooltip,
    })
}

/// One of the transaction buttons.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TxnControl {
    /// A stable short name for element ids: `make`, `init`, `begin`, `commit`, `abort`.
    pub key: &'static str,
    pub label: &'static str,
    /// What the call does, for the tooltip of an enabled button.
    pub explain: &'static str,
    pub command: Command,
    /// Why the producer would refuse the call now; `None`: enabled.
    pub disabled: Option<String>,
    /// Aborting throws work away: drawn in the danger colour.
    pub danger: bool,
}

/// Why `call` is refused in the producer's state, in words a class understands.
fn refusal_reason(txn: &TransactionManager, call: TxnCall) -> String {
    use ClientTxnState::*;
    let state = txn.state;
    let why = match (call, state) {
        (_, FatalError) => "the producer is fenced or failed: it can only be closed",
        (TxnCall::InitTransactions, Initializing) => "initTransactions() is already under way",
        (TxnCall::InitTransactions, _) => {
            "initTransactions() is called once per producer; it already has its producer id"
        }
        (_, Uninitialized) => "call initTransactions() first",
        (_, Initializing) => "initTransactions() has not finished yet",
        (_, CommittingTransaction | AbortingTransaction) => "the last transaction is still ending",
        (_, AbortableError) => "the transaction failed: abort it first",
        (TxnCall::BeginTransaction, _) => "a transaction is already open: commit or abort it first",
        (_, Ready) => "no transaction is open: begin one first",
        _ => "the producer's state does not allow it",
    };
    format!("Not now: {why} (state {}).", state.name())
}

/// The four transaction buttons of a transactional producer (none otherwise). `pipeline`
/// names the consumer whose exactly-once loop drives the producer, if one does: the loop makes
/// these calls itself, and a hand in between would break its transactions.
pub fn txn_controls(p: &Producer, pipeline: Option<u32>) -> Vec<TxnControl> {
    let Some(txn) = p.txn.as_ref() else {
        return Vec::new();
    };
    let producer = p.node();
    let running = p.process.is_running();
    let control = |call: TxnCall, (key, label), explain, command, danger| TxnControl {
        key,
        label,
        explain,
        command,
        disabled: if !running {
            Some(format!("{producer} is not running."))
        } else if let Some(c) = pipeline {
            Some(format!(
                "c{c}'s exactly-once pipeline makes this call itself; crash {producer} or a broker to see it recover."
            ))
        } else {
            txn.check(call).err().map(|_| refusal_reason(txn, call))
        },
        danger,
    };
    vec![
        control(
            TxnCall::InitTransactions,
            ("init", "initTransactions()"),
            "initTransactions(): get a producer id and epoch for the transactional.id, fencing any older producer with it",
            Command::InitTransactions { producer },
            false,
        ),
        control(
            TxnCall::BeginTransaction,
            ("begin", "beginTransaction()"),
            "beginTransaction(): what it sends from now on is one transaction",
            Command::BeginTransaction { producer },
            false,
        ),
        control(
            TxnCall::CommitTransaction,
            ("commit", "commitTransaction()"),
            "commitTransaction(): flush, then the coordinator writes COMMIT markers and read_committed readers see the records",
            Command::CommitTransaction { producer },
            false,
        ),
        control(
            TxnCall::AbortTransaction,
            ("abort", "abortTransaction()"),
            "abortTransaction(): the coordinator writes ABORT markers; read_committed readers skip the records",
            Command::AbortTransaction { producer },
            true,
        ),
    ]
}

/// The producer's configs with `transactional.id` set, checked with Kafka's cross-field rules
/// as the config change will be (`ProducerConfig.postProcessAndValidateIdempotenceConfigs`).
fn transactional_config(p: &Producer, value: &str) -> Result<(), ConfigError> {
    use crate::kafka::config::{def, ProducerConfig, PRODUCER_KEYS};
    let values = def::with_value(PRODUCER_KEYS, &p.config.values, "transactional.id", value)?;
    ProducerConfig::from_values(values).map(|_| ())
}

/// "Make transactional" for a producer without a `transactional.id`: the config change, and
/// why it cannot happen now (a new `transactional.id` makes a new producer, so it waits for
/// the records in flight). `None` for a producer that is transactional already.
pub fn make_transactional(p: &Producer) -> Option<TxnControl> {
    if p.txn.is_some() {
        return None;
    }
    let value = default_transactional_id(p.id);
    let disabled = if !p.process.is_running() {
        Some(format!("{} is not running.", p.node()))
    } else if let Err(error) = transactional_config(p, &value) {
        Some(format!(
            "Kafka would refuse it: {error} A transactional producer is idempotent, which needs acks=all: set acks=all in its configs first."
        ))
    } else if !p.is_idle() {
        Some("Not now: it has records waiting or in flight; a new transactional.id makes a new producer, so flush() and wait first.".into())
    } else if p.workload.is_some() {
        Some("Not now: it produces a steady stream outside any transaction; stop that first (auto-produce rate 0).".into())
    } else {
        None
    };
    Some(TxnControl {
        key: "make",
        label: "Make transactional",
        explain: "Set transactional.id (a new KafkaProducer with it); then Init transactions",
        command: Command::SetConfig {
            node: NodeId::Producer(p.id),
            key: "transactional.id".into(),
            value,
        },
        disabled,
        danger: false,
    })
}
