//! Sentences for the transaction events: the coordinator's transitions, its timeout aborts and
//! loads, and a transactional producer's state changes.

use super::sentences::Tone;
use crate::kafka::event::Event;
use crate::kafka::producer::transactions::ClientTxnState;
use crate::kafka::txn::TransactionState;

pub fn txn_sentence(event: &Event) -> Option<(Tone, String)> {
    use Tone::*;
    let s = match event {
        Event::TxnStateChanged { broker, transactional_id, state, producer_id, producer_epoch } => (
            match state {
                TransactionState::Ongoing | TransactionState::Empty => Routine,
                _ => Notable,
            },
            format!(
                "{broker}, transaction coordinator of \"{transactional_id}\", wrote {} to __transaction_state (producer id {producer_id}, epoch {producer_epoch}){}",
                state.name(),
                coordinator_meaning(*state)
            ),
        ),
        Event::TransactionTimedOut { broker, transactional_id, producer_epoch, .. } => (
            Alarm,
            format!("{broker}: the transaction of \"{transactional_id}\" stayed open longer than its transaction.timeout.ms. The coordinator aborts it and bumps the epoch to {producer_epoch}, fencing the producer."),
        ),
        Event::TransactionsLoaded { broker, partition, transactional_ids } => (
            Notable,
            format!(
                "{broker} now leads {partition} and becomes transaction coordinator for {}.",
                if transactional_ids.is_empty() {
                    "its transactional ids (none yet)".to_string()
                } else {
                    transactional_ids.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(", ")
                }
            ),
        ),
        Event::ProducerTxnStateChanged { producer, state, error } => (
            match state {
                ClientTxnState::FatalError | ClientTxnState::AbortableError => Alarm,
                _ => Notable,
            },
            producer_meaning(*producer, *state, *error),
        ),
        _ => return None,
    };
    Some(s)
}

fn coordinator_meaning(state: TransactionState) -> &'static str {
    match state {
        TransactionState::Empty => ": the producer may start transactions.",
        TransactionState::Ongoing => ": the transaction's partitions are recorded.",
        TransactionState::PrepareCommit => {
            ": the commit is decided; markers go to the partitions next."
        }
        TransactionState::PrepareAbort => {
            ": the abort is decided; markers go to the partitions next."
        }
        TransactionState::CompleteCommit => ": every partition has its COMMIT marker.",
        TransactionState::CompleteAbort => ": every partition has its ABORT marker.",
        _ => ".",
    }
}

fn producer_meaning(
    producer: u32,
    state: ClientTxnState,
    error: crate::kafka::errors::ErrorCode,
) -> String {
    match state {
        ClientTxnState::Initializing => format!("p{producer} calls initTransactions(): it asks the transaction coordinator for its producer id and epoch."),
        ClientTxnState::Ready => format!("p{producer} is ready: no transaction open."),
        ClientTxnState::InTransaction => format!("p{producer} calls beginTransaction()."),
        ClientTxnState::CommittingTransaction => format!("p{producer} calls commitTransaction(): it flushes its records, then asks the coordinator to commit."),
        ClientTxnState::AbortingTransaction => format!("p{producer} calls abortTransaction(): unsent records are dropped, then the coordinator aborts."),
        ClientTxnState::AbortableError => format!("p{producer}'s transaction failed ({error}, {}): the application must call abortTransaction().", error.exception_name()),
        ClientTxnState::FatalError => format!("p{producer} is fenced ({error}, {}): another producer with its transactional.id took over, or its transaction timed out. It can only be closed.", error.exception_name()),
        ClientTxnState::Uninitialized => format!("p{producer} has not called initTransactions() yet."),
    }
}
