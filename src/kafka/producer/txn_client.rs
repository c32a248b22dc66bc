//! The transactional producer's requests and their handlers (Kafka: `TransactionManager`'s
//! `TxnRequestHandler`s: `FindCoordinatorHandler`, `InitProducerIdHandler`,
//! `AddPartitionsToTxnHandler`, `AddOffsetsToTxnHandler`, `TxnOffsetCommitHandler`,
//! `EndTxnHandler`). One request is in flight at a time; the sender runs `run_txn` first, as
//! `Sender.maybeSendAndPollTransactionalRequest` does.

use super::client_sequences::{ClientSequences, ProducerIdAndEpoch};
use super::transactions::{ClientTxnState, TxnRequest};
use super::Producer;
use crate::kafka::errors::ErrorCode;
use crate::kafka::event::Event;
use crate::kafka::protocol::Message;
use crate::kafka::types::{NodeId, TopicPartition};
use crate::kafka::Cluster;
use crate::sim::Ctx;
use std::rc::Rc;

/// What a handler decides about its answered request.
enum Next {
    Done,
    /// Look the coordinator up again, then retry.
    Relookup,
    RetryLater,
    Abortable(ErrorCode),
    Fatal(ErrorCode),
}

impl Producer {
    /// Send the next transactional request if none is in flight (`nextRequest`).
    pub(crate) fn run_txn(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        self.queue_new_partitions();
        let in_flight_produces = !self.in_flight.is_empty() || !self.accumulator.is_empty();
        let Some(txn) = self.txn.as_mut() else {
            return;
        };
        if txn.in_flight.is_some() || !self.process.is_running() {
            return;
        }
        let Some(request) = txn.queue.front().cloned() else {
            return;
        };
        let ending = matches!(request, TxnRequest::EndTxn(_));
        if ending && (in_flight_produces || !txn.pending_partitions.is_empty()) {
            return;
        }
        let needs_coordinator = !matches!(
            request,
            TxnRequest::FindCoordinator
                | TxnRequest::FindGroupCoordinator { .. }
                | TxnRequest::TxnOffsetCommit { .. }
        );
        if needs_coordinator && txn.coordinator.is_none() {
            txn.queue.push_front(TxnRequest::FindCoordinator);
            return self.run_txn(ctx);
        }
        if let TxnRequest::TxnOffsetCommit { group, .. } = &request {
            if !txn.group_coordinators.contains_key(group) {
                let group = group.clone();
                txn.queue
                    .push_front(TxnRequest::FindGroupCoordinator { group });
                return self.run_txn(ctx);
            }
        }
        let (to, message) = match self.txn_message(&request) {
            Some(m) => m,
            None => return,
        };
        let timeout = self.config.request_timeout_ms;
        let correlation_id = self.net.send(ctx, self.node(), to, Some(timeout), message);
        if let Some(txn) = self.txn.as_mut() {
            txn.in_flight = Some((correlation_id, request));
        }
    }

    /// Partitions with records waiting that are not in the transaction yet
    /// (`maybeAddPartition`, sent by `addPartitionsToTransactionHandler`).
    fn queue_new_partitions(&mut self) {
        let Some(txn) = self.txn.as_mut() else {
            return;
        };
        if !matches!(
            txn.state,
            ClientTxnState::InTransaction | ClientTxnState::CommittingTransaction
        ) {
            return;
        }
        let new: Vec<TopicPartition> = self
            .accumulator
            .queues()
            .iter()
            .filter(|(tp, q)| {
                !q.is_empty()
                    && !txn.partitions.contains(tp)
                    && !txn.pending_partitions.contains(tp)
            })
            .map(|(tp, _)| *tp)
            .collect();
        if new.is_empty() {
            return;
        }
        txn.started = true;
        txn.pending_partitions.extend(new.iter().cloned());
        // Ahead of an EndTxn, behind nothing else.
        let at = txn
            .queue
            .iter()
            .position(|r| matches!(r, TxnRequest::EndTxn(_)))
            .unwrap_or(txn.queue.len());
        txn.queue.insert(at, TxnRequest::AddPartitions(new));
    }

    /// Where a request goes, and its wire message (`TxnRequestHandler.requestBuilder`).
    fn txn_message(
        &mut self,
        request: &TxnRequest,
    ) -> Option<(NodeId, impl FnOnce(u32) -> Message)> {
        let any_node = self.metadata.next_metadata_node().map(NodeId::Broker);
        let txn = self.txn.as_ref()?;
        let to = match request {
            TxnRequest::FindCoordinator | TxnRequest::FindGroupCoordinator { .. } => any_node,
            TxnRequest::TxnOffsetCommit { group, .. } => txn
                .group_coordinators
                .get(group)
                .copied()
                .map(NodeId::Broker),
            _ => txn.coordinator.map(NodeId::Broker),
        }?;
        let header = TxnHeader {
            transactional_id: Rc::from(txn.transactional_id.as_str()),
            producer_id: txn.producer_id,
            producer_epoch: txn.producer_epoch,
            timeout_ms: txn.timeout_ms,
        };
        let request = request.clone();
        Some((to, move |correlation_id| {
            header.message(request, correlation_id)
        }))
    }

    /// A response to the transactional request in flight; anything else is given back.
    pub(crate) fn on_txn_response(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        msg: Message,
    ) -> Option<Message> {
        let Some((expected, request)) = self.txn.as_ref().and_then(|t| t.in_flight.clone()) else {
            return Some(msg);
        };
        let correlation_id = match &msg {
            Message::FindCoordinatorResponse { correlation_id, .. }
            | Message::InitProducerIdResponse { correlation_id, .. }
            | Message::AddPartitionsToTxnResponse { correlation_id, .. }
            | Message::AddOffsetsToTxnResponse { correlation_id, .. }
            | Message::TxnOffsetCommitResponse { correlation_id, .. }
            | Message::EndTxnResponse { correlation_id, .. } => *correlation_id,
            _ => return Some(msg),
        };
        if correlation_id != expected {
            return Some(msg);
        }
        self.net.complete(ctx, self.node(), correlation_id)?;
        if let Some(txn) = self.txn.as_mut() {
            txn.in_flight = None;
        }
        let next = self.handle_txn_response(ctx, &request, msg);
        self.after_txn_response(ctx, request, next);
        None
    }

    fn handle_txn_response(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        request: &TxnRequest,
        msg: Message,
    ) -> Next {
        match (request, msg) {
            (
                TxnRequest::FindCoordinator | TxnRequest::FindGroupCoordinator { .. },
                Message::FindCoordinatorResponse {
                    error, coordinator, ..
                },
            ) => self.on_find_coordinator(request, error, coordinator),
            (
                TxnRequest::InitProducerId,
                Message::InitProducerIdResponse {
                    error,
                    producer_id,
                    producer_epoch,
                    ..
                },
            ) => self.on_init_producer_id(ctx, error, producer_id, producer_epoch),
            (
                TxnRequest::AddPartitions(ps),
                Message::AddPartitionsToTxnResponse { results, .. },
            ) => self.on_add_partitions(ps, &results),
            (
                TxnRequest::AddOffsets { group, offsets },
                Message::AddOffsetsToTxnResponse { error, .. },
            ) => self.on_add_offsets(group, offsets, error),
            (
                TxnRequest::TxnOffsetCommit { group, .. },
                Message::TxnOffsetCommitResponse { error, .. },
            ) => {
                let txn = self
                    .txn
                    .as_mut()
                    .expect("a transactional request was in flight");
                if matches!(
                    error,
                    ErrorCode::COORDINATOR_NOT_AVAILABLE
                        | ErrorCode::NOT_COORDINATOR
                        | ErrorCode::REQUEST_TIMED_OUT
                ) {
                    txn.group_coordinators.remove(group);
                    return Next::RetryLater;
                }
                classify(error)
            }
            (TxnRequest::EndTxn(_), Message::EndTxnResponse { error, .. }) => {
                self.on_end_txn(ctx, error)
            }
            _ => Next::RetryLater,
        }
    }

    /// `FindCoordinatorHandler.handleResponse`.
    fn on_find_coordinator(
        &mut self,
        request: &TxnRequest,
        error: ErrorCode,
        coordinator: Option<crate::kafka::BrokerId>,
    ) -> Next {
        let txn = self
            .txn
            .as_mut()
            .expect("a transactional request was in flight");
        match (error, coordinator, request) {
            (ErrorCode::NONE, Some(b), TxnRequest::FindGroupCoordinator { group }) => {
                txn.group_coordinators.insert(group.clone(), b);
                Next::Done
            }
            (ErrorCode::NONE, Some(b), _) => {
                txn.coordinator = Some(b);
                Next::Done
            }
            _ => Next::RetryLater,
        }
    }

    /// `InitProducerIdHandler.handleResponse`: the id and epoch for the transactions to come.
    fn on_init_producer_id(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        error: ErrorCode,
        producer_id: i64,
        producer_epoch: i16,
    ) -> Next {
        if error != ErrorCode::NONE {
            return classify(error);
        }
        let txn = self
            .txn
            .as_mut()
            .expect("a transactional request was in flight");
        txn.producer_id = producer_id;
        txn.producer_epoch = producer_epoch;
        let id = ProducerIdAndEpoch {
            producer_id,
            epoch: producer_epoch,
        };
        self.sequences = Some(ClientSequences::new(id));
        ctx.emit(Event::ProducerIdAssigned {
            producer: self.id,
            producer_id,
            epoch: producer_epoch,
        });
        self.txn_transition(ctx, ClientTxnState::Ready, ErrorCode::NONE);
        Next::Done
    }

    /// `AddPartitionsToTxnHandler.handleResponse`: the partitions may be sent to.
    fn on_add_partitions(
        &mut self,
        partitions: &[TopicPartition],
        results: &[(TopicPartition, ErrorCode)],
    ) -> Next {
        let txn = self
            .txn
            .as_mut()
            .expect("a transactional request was in flight");
        let error = results
            .iter()
            .map(|(_, e)| *e)
            .find(|e| e.is_error())
            .unwrap_or(ErrorCode::NONE);
        if error != ErrorCode::NONE {
            return classify(error);
        }
        for tp in partitions {
            txn.pending_partitions.remove(tp);
            txn.partitions.insert(*tp);
        }
        Next::Done
    }

    /// `AddOffsetsToTxnHandler.handleResponse`: next, the offsets go to the group coordinator.
    fn on_add_offsets(
        &mut self,
        group: &str,
        offsets: &[(TopicPartition, i64, i32)],
        error: ErrorCode,
    ) -> Next {
        if error != ErrorCode::NONE {
            return classify(error);
        }
        let txn = self
            .txn
            .as_mut()
            .expect("a transactional request was in flight");
        let commit = TxnRequest::TxnOffsetCommit {
            group: group.to_string(),
            offsets: offsets.to_vec(),
        };
        txn.queue.pop_front();
        txn.queue.push_front(commit);
        Next::Done
    }

    /// `EndTxnHandler.handleResponse`: the transaction is over.
    fn on_end_txn(&mut self, ctx: &mut Ctx<'_, Cluster>, error: ErrorCode) -> Next {
        if error != ErrorCode::NONE {
            return classify(error);
        }
        let txn = self
            .txn
            .as_mut()
            .expect("a transactional request was in flight");
        txn.partitions.clear();
        txn.pending_partitions.clear();
        txn.started = false;
        self.txn_transition(ctx, ClientTxnState::Ready, ErrorCode::NONE);
        Next::Done
    }

    fn after_txn_response(&mut self, ctx: &mut Ctx<'_, Cluster>, request: TxnRequest, next: Next) {
        let Some(txn) = self.txn.as_mut() else {
            return;
        };
        match next {
            Next::Done => {
                if txn.queue.front() == Some(&request) {
                    txn.queue.pop_front();
                }
            }
            Next::Relookup | Next::RetryLater => {
                if matches!(next, Next::Relookup) {
                    txn.coordinator = None;
                }
                // Kafka: `TxnRequestHandler.reenqueue`. An abort drops the queued requests of
                // the transaction, but an AddPartitionsToTxn already in flight keeps its
                // partitions pending, and EndTxn waits for them: it goes out again to settle.
                let dropped = txn.queue.front() != Some(&request);
                if dropped && matches!(request, TxnRequest::AddPartitions(_)) {
                    txn.queue.push_front(request);
                }
                self.txn_retry_later(ctx);
            }
            Next::Abortable(error) => {
                txn.queue.pop_front();
                if let TxnRequest::AddPartitions(ps) = &request {
                    for tp in ps {
                        txn.pending_partitions.remove(tp);
                    }
                }
                self.txn_abortable(ctx, error);
            }
            Next::Fatal(error) => self.txn_fatal(ctx, error),
        }
        self.run_sender(ctx);
    }

    /// A transactional request's connection closed: look the coordinator up again and retry.
    pub(crate) fn txn_request_lost(&mut self, ctx: &mut Ctx<'_, Cluster>, correlation_id: u32) {
        let Some(txn) = self.txn.as_mut() else {
            return;
        };
        if txn.in_flight.as_ref().map(|(c, _)| *c) != Some(correlation_id) {
            return;
        }
        txn.in_flight = None;
        txn.coordinator = None;
        txn.group_coordinators.clear();
        self.txn_retry_later(ctx);
    }
}

/// The handlers' error classification: coordinator moved, look it up again; loading or busy,
/// retry; a fenced epoch, fatal `PRODUCER_FENCED`; an invalid state, fatal; the rest,
/// abortable (Kafka makes some unexpected errors fatal; none of those can happen here).
fn classify(error: ErrorCode) -> Next {
    match error {
        ErrorCode::NONE => Next::Done,
        ErrorCode::NOT_COORDINATOR | ErrorCode::COORDINATOR_NOT_AVAILABLE => Next::Relookup,
        ErrorCode::COORDINATOR_LOAD_IN_PROGRESS
        | ErrorCode::CONCURRENT_TRANSACTIONS
        | ErrorCode::REQUEST_TIMED_OUT
        | ErrorCode::NETWORK_EXCEPTION => Next::RetryLater,
        ErrorCode::INVALID_PRODUCER_EPOCH | ErrorCode::PRODUCER_FENCED => {
            Next::Fatal(ErrorCode::PRODUCER_FENCED)
        }
        ErrorCode::INVALID_TXN_STATE => Next::Fatal(error),
        e => Next::Abortable(e),
    }
}

/// The fields every transactional request carries.
struct TxnHeader {
    transactional_id: Rc<str>,
    producer_id: i64,
    producer_epoch: i16,
    timeout_ms: i32,
}

impl TxnHeader {
    fn message(self, request: TxnRequest, correlation_id: u32) -> Message {
        let TxnHeader {
            transactional_id,
            producer_id,
            producer_epoch,
            timeout_ms,
        } = self;
        match request {
            TxnRequest::FindCoordinator => Message::FindTransactionCoordinator {
                correlation_id,
                transactional_id,
            },
            TxnRequest::FindGroupCoordinator { group } => Message::FindCoordinator {
                correlation_id,
                group_id: Rc::from(group.as_str()),
            },
            TxnRequest::InitProducerId => Message::InitTransactionalProducerId {
                correlation_id,
                transactional_id,
                transaction_timeout_ms: timeout_ms,
                producer_id: -1,
                producer_epoch: -1,
            },
            TxnRequest::AddPartitions(partitions) => Message::AddPartitionsToTxn {
                correlation_id,
                transactional_id,
                producer_id,
                producer_epoch,
                partitions,
            },
            TxnRequest::AddOffsets { group, .. } => Message::AddOffsetsToTxn {
                correlation_id,
                transactional_id,
                producer_id,
                producer_epoch,
                group_id: Rc::from(group.as_str()),
            },
            TxnRequest::TxnOffsetCommit { group, offsets } => Message::TxnOffsetCommit {
                correlation_id,
                transactional_id,
                group_id: Rc::from(group.as_str()),
                producer_id,
                producer_epoch,
                offsets,
            },
            TxnRequest::EndTxn(result) => Message::EndTxn {
                correlation_id,
                transactional_id,
                producer_id,
                producer_epoch,
                result,
            },
        }
    }
}
