//! Producer commands: `send()`, a workload, `flush()`, the send mode and config changes.

use super::{CommandError, Limit, NodeKind};
use crate::kafka::event::Event;
use crate::kafka::producer::{Producer, ProducerRecord, Workload};
use crate::kafka::types::{NodeId, Topic};
use crate::kafka::{Cluster, Command};
use crate::sim::Ctx;
use std::rc::Rc;

impl Cluster {
    pub(super) fn apply_producer_command(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        command: Command,
    ) -> Result<(), CommandError> {
        match command {
            Command::Produce {
                producer,
                topic,
                key,
                value,
                partition,
                timestamp,
                headers,
            } => {
                self.check_topic(&topic)?;
                self.check_txn_send(producer)?;
                let record = ProducerRecord {
                    topic: Topic::new(&topic),
                    partition,
                    timestamp,
                    key: key.map(Rc::from),
                    value: value.map(Rc::from),
                    headers,
                };
                self.running_producer(producer)?.send(ctx, record, None);
            }
            Command::ProduceMany { .. } => self.produce_many(ctx, command)?,
            Command::AddProducer { config } => self.add_producer(ctx, config)?,
            Command::SetProduceRate {
                producer,
                topic,
                records_per_second,
                keys,
                total,
                value_bytes,
            } => {
                self.check_topic(&topic)?;
                self.check_txn_send(producer)?;
                Limit::RecordsPerSecond.check(records_per_second.into())?;
                Limit::ValueBytes.check(value_bytes.unwrap_or(0).into())?;
                let workload = Workload {
                    topic: Topic::new(&topic),
                    records_per_second,
                    keys: keys.into_iter().map(Rc::from).collect(),
                    sent: 0,
                    total,
                    value_bytes,
                };
                self.running_producer(producer)?
                    .set_workload(ctx, Some(workload));
            }
            Command::SetConfig { node, key, value } => self.set_config(ctx, node, key, value)?,
            Command::Flush { producer } => self.running_producer(producer)?.flush(ctx),
            Command::SetSendMode { producer, mode } => {
                let p = self.running_producer(producer)?;
                p.set_send_mode(ctx, mode);
                ctx.emit(Event::SendModeChanged {
                    producer: p.id,
                    mode,
                });
            }
            _ => unreachable!("apply_command routes only producer commands here"),
        }
        Ok(())
    }

    fn produce_many(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        command: Command,
    ) -> Result<(), CommandError> {
        let Command::ProduceMany {
            producer,
            topic,
            count,
            keys,
            value_prefix,
        } = command
        else {
            unreachable!("called for produce_many only")
        };
        self.check_topic(&topic)?;
        self.check_txn_send(producer)?;
        Limit::RecordsAtOnce.check(count.into())?;
        let p = self.running_producer(producer)?;
        let topic = Topic::new(&topic);
        let keys: Vec<Rc<str>> = keys.into_iter().map(Rc::from).collect();
        for i in 0..count {
            let key = (!keys.is_empty()).then(|| keys[i as usize % keys.len()].clone());
            let record = ProducerRecord {
                topic,
                partition: None,
                timestamp: None,
                key,
                value: Some(Rc::from(format!("{value_prefix}{i}"))),
                headers: Vec::new(),
            };
            p.send(ctx, record, None);
        }
        Ok(())
    }

    fn set_config(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        node: NodeId,
        key: String,
        value: String,
    ) -> Result<(), CommandError> {
        match node {
            NodeId::Producer(_) => {
                if key == "transactional.id" && !value.is_empty() {
                    self.running_producer(node)?;
                    self.ensure_transaction_state_topic(ctx)?;
                }
                let p = self.running_producer(node)?;
                p.set_config(ctx, &key, &value)?;
                ctx.emit(Event::ClientConfigChanged { node, key, value });
                p.run_sender(ctx);
                Ok(())
            }
            NodeId::Consumer(_) => {
                self.known(node)?;
                Err(CommandError::ConsumerConfigIsFixed { node, key })
            }
            _ => {
                self.known(node)?;
                Err(CommandError::ServerConfigIsFixed(node))
            }
        }
    }

    /// A transactional producer sends only inside a transaction (`failIfNotReadyForSend`).
    fn check_txn_send(&mut self, node: NodeId) -> Result<(), CommandError> {
        self.running_producer(node)?
            .check_txn_send()
            .map_err(|refusal| CommandError::Transaction { node, refusal })
    }

    /// `__transaction_state` for the first transactional producer (Kafka creates it on the
    /// first FindCoordinator for a transactional id).
    pub(super) fn ensure_transaction_state_topic(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
    ) -> Result<(), CommandError> {
        use crate::kafka::txn::TRANSACTION_STATE_TOPIC;
        let exists = self
            .controllers
            .values()
            .any(|c| c.image.topics.contains_key(TRANSACTION_STATE_TOPIC))
            || self
                .spec
                .topics
                .iter()
                .any(|t| t.name == TRANSACTION_STATE_TOPIC)
            || self.transaction_state_topic_spec().is_some();
        if exists {
            return Ok(());
        }
        let brokers = self.spec.brokers;
        let t = crate::kafka::cluster::transaction_state_topic(&self.spec.broker_config, brokers);
        self.active_controller_or_err()?.create_topic(
            ctx,
            &t.name,
            t.partitions,
            t.replication_factor,
            t.config,
        )
    }

    pub(super) fn running_producer(&mut self, node: NodeId) -> Result<&mut Producer, CommandError> {
        let NodeId::Producer(id) = node else {
            return Err(CommandError::WrongKind {
                node,
                expected: NodeKind::Producer,
            });
        };
        let p = self
            .producers
            .get_mut(&id)
            .ok_or(CommandError::UnknownNode(node))?;
        if !p.process.is_running() {
            return Err(CommandError::NotRunning(node));
        }
        Ok(p)
    }
}

impl Cluster {
    /// A new producer with `config` over Kafka's defaults, bootstrapped from every broker
    /// (Kafka: `new KafkaProducer(props)`; validated like a lesson's producer).
    fn add_producer(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        config: std::collections::BTreeMap<String, String>,
    ) -> Result<(), CommandError> {
        use crate::kafka::config::{def, ProducerConfig, PRODUCER_KEYS};
        Limit::Producers.check(self.producers.len() as u64 + 1)?;
        let supplied = config
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
        let values = def::parse(PRODUCER_KEYS, &supplied)
            .map_err(|mut errors| CommandError::Config(errors.remove(0)))?;
        let config = ProducerConfig::from_values(values)?;
        if config.transactional_id.is_some() {
            self.ensure_transaction_state_topic(ctx)?;
        }
        let id = self.producers.keys().max().copied().unwrap_or(0) + 1;
        let bootstrap = self.brokers.keys().copied().collect();
        let mut producer = Producer::new(id, config, bootstrap);
        producer.costs = self.spec.costs;
        producer.start(ctx);
        ctx.emit(Event::ProcessStarted {
            node: NodeId::Producer(id),
        });
        self.producers.insert(id, producer);
        Ok(())
    }
}
