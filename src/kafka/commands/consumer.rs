//! Consumer commands: add, close and start consumers, `commitSync()`, `seek()` and the
//! application's processing time.

use super::{CommandError, GroupIdProblem, Limit, NodeKind};
use crate::kafka::consumer::{AppSpec, Consumer, Subscription};
use crate::kafka::event::Event;
use crate::kafka::spec::{ConsumerMode, ConsumerSpec};
use crate::kafka::types::{BrokerId, NodeId, TopicPartition};
use crate::kafka::{Cluster, Command};
use crate::sim::Ctx;
use std::collections::BTreeMap;

impl Cluster {
    pub(super) fn apply_consumer_command(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        command: Command,
    ) -> Result<(), CommandError> {
        match command {
            Command::AddConsumer {
                group,
                subscribe,
                assign,
                config,
                app,
            } => self.add_consumer(ctx, group, subscribe, assign, config, app)?,
            Command::CloseConsumer { consumer } => {
                let c = self.consumer_mut(consumer)?;
                if c.closed {
                    return Err(CommandError::AlreadyClosed(consumer));
                }
                c.close(ctx);
            }
            Command::StartConsumer { consumer } => {
                let c = self.consumer_mut(consumer)?;
                if !c.closed {
                    return Err(CommandError::AlreadyRunning(consumer));
                }
                c.start(ctx);
            }
            Command::CommitSync { consumer } => {
                let c = self.running_consumer(consumer)?;
                if c.group.is_none() {
                    return Err(CommandError::InvalidGroupId(
                        GroupIdProblem::CommitWithoutGroup,
                    ));
                }
                c.commit_now(ctx);
            }
            Command::Seek {
                consumer,
                partition,
                to,
            } => {
                let tp = TopicPartition::parse(&partition)?;
                self.running_consumer(consumer)?.seek(ctx, &tp, to)?;
            }
            Command::SetProcessingTime {
                consumer,
                ms_per_record,
            } => {
                Limit::ProcessingMs.check(ms_per_record)?;
                self.consumer_mut(consumer)?
                    .app
                    .spec
                    .processing_ms_per_record = ms_per_record;
            }
            _ => unreachable!("apply_command routes only consumer commands here"),
        }
        Ok(())
    }

    fn consumer_mut(&mut self, node: NodeId) -> Result<&mut Consumer, CommandError> {
        let NodeId::Consumer(id) = node else {
            return Err(CommandError::WrongKind {
                node,
                expected: NodeKind::Consumer,
            });
        };
        self.consumers
            .get_mut(&id)
            .ok_or(CommandError::UnknownNode(node))
    }

    fn running_consumer(&mut self, node: NodeId) -> Result<&mut Consumer, CommandError> {
        let c = self.consumer_mut(node)?;
        if !c.process.is_running() || c.closed {
            return Err(CommandError::NotRunning(node));
        }
        Ok(c)
    }

    fn add_consumer(
        &mut self,
        ctx: &mut Ctx<'_, Cluster>,
        group: Option<String>,
        subscribe: Vec<String>,
        assign: Vec<String>,
        config: BTreeMap<String, String>,
        app: Option<AppSpec>,
    ) -> Result<(), CommandError> {
        Limit::Consumers.check(self.consumers.len() as u64 + 1)?;
        let config = consumer_config(group, config)?;
        let mode = self.consumer_mode(&config, subscribe, assign)?;
        if config.group_id.is_some() {
            self.ensure_offsets_topic(ctx)?;
        }
        let id = self.consumers.keys().max().copied().unwrap_or(0) + 1;
        let subscription = match &mode {
            ConsumerMode::Assign(p) => Subscription::Assign(p.clone()),
            ConsumerMode::Subscribe(t) => Subscription::Subscribe(t.clone()),
        };
        let bootstrap: Vec<BrokerId> = self.brokers.keys().copied().collect();
        let app = app.unwrap_or_default();
        let mut consumer = Consumer::new(id, config.clone(), bootstrap, subscription, app);
        self.spec.consumers.push(ConsumerSpec {
            config,
            mode,
            app,
            start_at_ms: None,
        });
        consumer.start(ctx);
        ctx.emit(Event::ProcessStarted {
            node: NodeId::Consumer(id),
        });
        self.consumers.insert(id, consumer);
        Ok(())
    }

    fn consumer_mode(
        &self,
        config: &crate::kafka::config::ConsumerConfig,
        subscribe: Vec<String>,
        assign: Vec<String>,
    ) -> Result<ConsumerMode, CommandError> {
        match (subscribe.is_empty(), assign.is_empty()) {
            (false, true) => {
                if config.group_id.is_none() {
                    return Err(CommandError::InvalidGroupId(
                        GroupIdProblem::SubscribeWithoutGroup,
                    ));
                }
                for t in &subscribe {
                    self.check_topic(t)?;
                }
                Ok(ConsumerMode::Subscribe(subscribe))
            }
            (true, false) => {
                let mut partitions = Vec::new();
                for a in &assign {
                    let tp = TopicPartition::parse(a)?;
                    self.check_topic(&tp.topic)?;
                    partitions.push(tp);
                }
                Ok(ConsumerMode::Assign(partitions))
            }
            (false, false) => Err(CommandError::SubscribeAndAssign),
            (true, true) => Err(CommandError::NothingToConsume),
        }
    }

    /// The first group member makes the cluster create `__consumer_offsets` (Kafka does it on
    /// the first FindCoordinator).
    fn ensure_offsets_topic(&mut self, ctx: &mut Ctx<'_, Cluster>) -> Result<(), CommandError> {
        use crate::kafka::group::OFFSETS_TOPIC;
        let exists = self
            .controllers
            .values()
            .any(|c| c.image.topics.contains_key(OFFSETS_TOPIC))
            || self.spec.topics.iter().any(|t| t.name == OFFSETS_TOPIC)
            || self.offsets_topic_spec().is_some();
        if exists {
            return Ok(());
        }
        let t = crate::kafka::cluster::offsets_topic(&self.spec.broker_config, self.spec.brokers);
        self.active_controller_or_err()?.create_topic(
            ctx,
            &t.name,
            t.partitions,
            t.replication_factor,
            t.config,
        )
    }
}

/// The consumer's config from the form's `group.id` and overrides, validated by Kafka's rules.
fn consumer_config(
    group: Option<String>,
    config: BTreeMap<String, String>,
) -> Result<crate::kafka::config::ConsumerConfig, CommandError> {
    use crate::kafka::config::{def, ConsumerConfig, CONSUMER_KEYS};
    let mut supplied: BTreeMap<String, serde_json::Value> = config
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    if let Some(g) = &group {
        if g.trim().is_empty() {
            return Err(CommandError::InvalidGroupId(GroupIdProblem::Empty));
        }
        supplied.insert("group.id".into(), serde_json::Value::String(g.clone()));
    }
    let values = def::parse(CONSUMER_KEYS, &supplied)
        .map_err(|errors| CommandError::Config(errors.into_iter().next().expect("non-empty")))?;
    Ok(ConsumerConfig::from_values(values)?)
}
