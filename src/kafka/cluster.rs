//! The whole simulated Kafka deployment as one `sim::Model`: controllers, brokers, producers and
//! consumers, addressed by `NodeId`. It routes each message and timer to its node, handles
//! processes that are down (a crashed process's host resets connections; a powered-off one is
//! silent), and boots a warm cluster at time zero.

use super::broker::Broker;
use super::consumer::{Consumer, Subscription};
use super::controller::Controller;
use super::event::Event;
use super::group::OFFSETS_TOPIC;
use super::metadata::{MetadataRecord, PartitionRegistration};
use super::placement::{self, UsableBroker};
use super::producer::Producer;
use super::protocol::Message;
use super::spec::{ClusterSpec, ConsumerMode};
use super::timer::Timer;
use super::types::{BrokerId, NodeId};
use super::Command;
use crate::sim::{Ctx, Model, SimDuration, SimTime};
use std::collections::BTreeMap;

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Cluster {
    pub spec: ClusterSpec,
    pub controllers: BTreeMap<u32, Controller>,
    pub brokers: BTreeMap<BrokerId, Broker>,
    pub producers: BTreeMap<u32, Producer>,
    pub consumers: BTreeMap<u32, Consumer>,
    /// Consume-transform-produce pipelines, by consumer id.
    pub pipelines: BTreeMap<u32, super::pipeline::Pipeline>,
}

impl Cluster {
    pub fn new(spec: ClusterSpec) -> Result<Cluster, super::spec::SpecError> {
        use crate::sim::sort::collect_map;
        spec.check()?;
        let bootstrap: Vec<BrokerId> = (1..=spec.brokers).map(BrokerId).collect();
        // Built through sim::sort::collect_map: `collect` would compile a stable sort of these
        // large values for each map into the page, for maps whose keys arrive in order anyway.
        let brokers = collect_map(bootstrap.iter().map(|b| {
            let mut broker = Broker::new(*b, spec.broker_config.clone());
            broker.costs = spec.costs;
            (*b, broker)
        }));
        let voters: Vec<u32> = (1..=spec.controllers).collect();
        let controllers = collect_map(voters.iter().map(|c| {
            (
                *c,
                Controller::new(*c, voters.clone(), spec.broker_config.clone()),
            )
        }));
        let producers = collect_map(spec.producers.iter().enumerate().map(|(i, p)| {
            let id = i as u32 + 1;
            let mut producer = Producer::new(
                id,
                p.config.clone(),
                bootstrap_of(&p.config.bootstrap_servers, &bootstrap),
            );
            producer.send_mode = p.send_mode;
            producer.custom_partitioner = p.partitioner.clone();
            producer.costs = spec.costs;
            (id, producer)
        }));
        let consumers = collect_map(spec.consumers.iter().enumerate().map(|(i, c)| {
            let subscription = match &c.mode {
                ConsumerMode::Assign(partitions) => Subscription::Assign(partitions.clone()),
                ConsumerMode::Subscribe(topics) => Subscription::Subscribe(topics.clone()),
            };
            let id = i as u32 + 1;
            (
                id,
                Consumer::new(id, c.config.clone(), bootstrap.clone(), subscription, c.app),
            )
        }));
        Ok(Cluster {
            spec,
            controllers,
            brokers,
            producers,
            consumers,
            pipelines: BTreeMap::new(),
        })
    }

    /// Bring the cluster up at time zero already running: a controller quorum with ctl1 active,
    /// brokers registered and unfenced, topics created and replicas in sync, so a lesson starts
    /// with a healthy cluster rather than a boot sequence.
    pub fn boot(&mut self, ctx: &mut Ctx<'_, Cluster>) {
        if let Some(link) = self.spec.client_link {
            for client in self.nodes().into_iter().filter(|n| n.is_client()) {
                for broker in self.brokers.keys() {
                    let broker = NodeId::Broker(*broker);
                    ctx.net(crate::sim::NetOp::SetLink {
                        from: client,
                        to: broker,
                        config: link,
                    });
                    ctx.net(crate::sim::NetOp::SetLink {
                        from: broker,
                        to: client,
                        config: link,
                    });
                }
            }
        }
        let records = self.initial_metadata(ctx);
        let log: Vec<(i32, MetadataRecord)> = records.iter().map(|(_, r)| (1, r.clone())).collect();
        for controller in self.controllers.values_mut() {
            controller.boot(ctx, log.clone(), 1, 1);
        }
        let voters = self.spec.controllers;
        for broker in self.brokers.values_mut() {
            broker.broker_epoch = records
                .iter()
                .find(|(_, r)| matches!(r, MetadataRecord::RegisterBroker { broker: b, .. } if *b == broker.id))
                .map_or(-1, |(o, _)| *o);
            broker.controller = 1;
            broker.controller_voters = voters;
            broker.apply_metadata(ctx, &records);
            broker.start(ctx);
        }
        for p in self.producers.values_mut() {
            p.start(ctx);
        }
        for (i, c) in self.consumers.values_mut().enumerate() {
            match self.spec.consumers.get(i).and_then(|s| s.start_at_ms) {
                Some(at) if at > 0 => {
                    c.closed = true;
                    ctx.set_timer(c.node(), Timer::ConsumerStart, SimDuration::from_ms(at));
                }
                _ => c.start(ctx),
            }
        }
    }

    /// `__consumer_offsets`, when some consumer has a `group.id` and the lesson did not define
    /// it: `offsets.topic.num.partitions` partitions, replication factor
    /// `offsets.topic.replication.factor` capped at the broker count, compacted (Kafka creates
    /// it on the first FindCoordinator; here it exists from the start).
    pub fn offsets_topic_spec(&self) -> Option<super::spec::TopicSpec> {
        let wanted = self
            .spec
            .consumers
            .iter()
            .any(|c| c.config.group_id.is_some());
        let defined = self.spec.topics.iter().any(|t| t.name == OFFSETS_TOPIC);
        (wanted && !defined).then(|| offsets_topic(&self.spec.broker_config, self.spec.brokers))
    }

    /// `__transaction_state`, when some producer has a `transactional.id` and the lesson did
    /// not define it (Kafka creates it on the first FindCoordinator for a transactional id;
    /// here it exists from the start).
    pub fn transaction_state_topic_spec(&self) -> Option<super::spec::TopicSpec> {
        use crate::kafka::txn::TRANSACTION_STATE_TOPIC;
        let wanted = self
            .spec
            .producers
            .iter()
            .any(|p| p.config.transactional_id.is_some());
        let defined = self
            .spec
            .topics
            .iter()
            .any(|t| t.name == TRANSACTION_STATE_TOPIC);
        (wanted && !defined)
            .then(|| transaction_state_topic(&self.spec.broker_config, self.spec.brokers))
    }

    fn initial_metadata(&self, ctx: &mut Ctx<'_, Cluster>) -> Vec<(i64, MetadataRecord)> {
        let mut records = vec![MetadataRecord::LeaderChange {
            controller: 1,
            epoch: 1,
        }];
        for b in self.brokers.keys() {
            let epoch = records.len() as i64;
            records.push(MetadataRecord::RegisterBroker { broker: *b, epoch });
            records.push(MetadataRecord::UnfenceBroker { broker: *b, epoch });
        }
        let usable: Vec<UsableBroker> = self
            .brokers
            .keys()
            .map(|b| UsableBroker {
                id: b.0 as i32,
                fenced: false,
            })
            .collect();
        let offsets = self.offsets_topic_spec();
        let txn_state = self.transaction_state_topic_spec();
        for topic in self
            .spec
            .topics
            .iter()
            .chain(offsets.iter())
            .chain(txn_state.iter())
        {
            let placement: Vec<Vec<i32>> = match &topic.replica_assignment {
                Some(assignment) => assignment
                    .iter()
                    .map(|r| r.iter().map(|b| *b as i32).collect())
                    .collect(),
                None => placement::place(
                    ctx.prng,
                    &usable,
                    0,
                    topic.partitions,
                    topic.replication_factor as i16,
                )
                .expect("ClusterSpec::check verified the replication factor"),
            };
            let partitions = placement
                .into_iter()
                .map(|replicas| {
                    PartitionRegistration::new(
                        replicas.into_iter().map(|b| BrokerId(b as u32)).collect(),
                    )
                })
                .collect();
            records.push(MetadataRecord::Topic {
                name: topic.name.clone(),
                config: topic.config.clone(),
                partitions,
            });
        }
        records
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i as i64, r))
            .collect()
    }

    /// The controller that currently acts as the active one, if any.
    pub fn active_controller(&self) -> Option<&Controller> {
        self.controllers
            .values()
            .find(|c| c.process.is_running() && c.is_active())
    }

    pub(crate) fn active_controller_mut(&mut self) -> Option<&mut Controller> {
        self.controllers
            .values_mut()
            .find(|c| c.process.is_running() && c.is_active())
    }

    pub fn broker(&self, id: BrokerId) -> Option<&Broker> {
        self.brokers.get(&id)
    }

    /// Every node, in display order.
    pub fn nodes(&self) -> Vec<NodeId> {
        let mut nodes: Vec<NodeId> = self
            .controllers
            .keys()
            .map(|c| NodeId::Controller(*c))
            .collect();
        nodes.extend(self.brokers.keys().map(|b| NodeId::Broker(*b)));
        nodes.extend(self.producers.keys().map(|p| NodeId::Producer(*p)));
        nodes.extend(self.consumers.keys().map(|c| NodeId::Consumer(*c)));
        nodes
    }

    pub fn process(&self, node: NodeId) -> Option<&super::process::Process> {
        match node {
            NodeId::Broker(b) => self.brokers.get(&b).map(|x| &x.process),
            NodeId::Producer(p) => self.producers.get(&p).map(|x| &x.process),
            NodeId::Consumer(c) => self.consumers.get(&c).map(|x| &x.process),
            NodeId::Controller(c) => self.controllers.get(&c).map(|x| &x.process),
        }
    }

    pub(crate) fn process_mut(&mut self, node: NodeId) -> Option<&mut super::process::Process> {
        match node {
            NodeId::Broker(b) => self.brokers.get_mut(&b).map(|x| &mut x.process),
            NodeId::Producer(p) => self.producers.get_mut(&p).map(|x| &mut x.process),
            NodeId::Consumer(c) => self.consumers.get_mut(&c).map(|x| &mut x.process),
            NodeId::Controller(c) => self.controllers.get_mut(&c).map(|x| &mut x.process),
        }
    }

    /// A broker may stop itself (the end of a controlled shutdown): its host then closes the
    /// connections peers have open to it.
    fn after_handler(&mut self, ctx: &mut Ctx<'_, Cluster>, node: NodeId) {
        if let NodeId::Broker(b) = node {
            if !self.is_running(node) {
                self.reset_connections_to(ctx, b);
            }
        }
        if !self.pipelines.is_empty() && matches!(node, NodeId::Producer(_) | NodeId::Consumer(_)) {
            self.run_pipelines(ctx);
        }
    }

    fn is_running(&self, node: NodeId) -> bool {
        self.process(node).is_some_and(|p| p.is_running())
    }
}

fn bootstrap_of(servers: &[String], all: &[BrokerId]) -> Vec<BrokerId> {
    let chosen: Vec<BrokerId> = servers
        .iter()
        .filter_map(|s| {
            NodeId::parse(s.split(':').next().unwrap_or(s))
                .ok()
                .and_then(NodeId::as_broker)
        })
        .filter(|b| all.contains(b))
        .collect();
    if chosen.is_empty() {
        all.to_vec()
    } else {
        chosen
    }
}

impl Model for Cluster {
    type Addr = NodeId;
    type Msg = Message;
    type Timer = Timer;
    type Event = Event;
    type Command = Command;
    type CommandError = super::commands::CommandError;

    fn wire_size(msg: &Message) -> u32 {
        msg.wire_size()
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeId, to: NodeId, msg: Message) {
        if !self.is_running(to) {
            // The process is gone but its host is up: the OS answers requests with a TCP reset.
            if msg.is_request() {
                ctx.send(to, from, Message::ConnectionReset);
            }
            return;
        }
        match to {
            NodeId::Broker(b) => self
                .brokers
                .get_mut(&b)
                .expect("running broker")
                .on_message(ctx, from, msg),
            NodeId::Producer(p) => self
                .producers
                .get_mut(&p)
                .expect("running producer")
                .on_message(ctx, from, msg),
            NodeId::Consumer(c) => self
                .consumers
                .get_mut(&c)
                .expect("running consumer")
                .on_message(ctx, from, msg),
            NodeId::Controller(c) => self
                .controllers
                .get_mut(&c)
                .expect("running controller")
                .on_message(ctx, from, msg),
        }
        self.after_handler(ctx, to);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, node: NodeId, timer: Timer) {
        if !self.is_running(node) {
            return;
        }
        if timer == Timer::PauseEnds {
            ctx.emit(Event::ProcessResumed { node });
            return;
        }
        match node {
            NodeId::Broker(b) => self
                .brokers
                .get_mut(&b)
                .expect("running broker")
                .on_timer(ctx, timer),
            NodeId::Producer(p) => self
                .producers
                .get_mut(&p)
                .expect("running producer")
                .on_timer(ctx, timer),
            NodeId::Consumer(c) => self
                .consumers
                .get_mut(&c)
                .expect("running consumer")
                .on_timer(ctx, timer),
            NodeId::Controller(c) => self
                .controllers
                .get_mut(&c)
                .expect("running controller")
                .on_timer(ctx, timer),
        }
        self.after_handler(ctx, node);
    }

    fn on_command(
        &mut self,
        ctx: &mut Ctx<'_, Self>,
        command: Command,
    ) -> Result<(), super::commands::CommandError> {
        self.apply_command(ctx, command)?;
        if !self.pipelines.is_empty() {
            self.run_pipelines(ctx);
        }
        Ok(())
    }

    fn host_up(&self, addr: &NodeId) -> bool {
        self.process(*addr).is_none_or(|p| p.host_up())
    }

    fn paused_until(&self, addr: &NodeId) -> Option<SimTime> {
        self.process(*addr).and_then(|p| p.paused_until())
    }

    /// A running process's connections belong to its incarnation: a restart opens new ones,
    /// and a stopped process has none.
    fn connection_epoch(&self, addr: &NodeId) -> Option<u64> {
        self.process(*addr)
            .filter(|p| p.is_running())
            .map(|p| u64::from(p.incarnation))
    }
}

/// The `__consumer_offsets` topic a cluster of `brokers` brokers creates.
pub fn offsets_topic(config: &super::config::BrokerConfig, brokers: u32) -> super::spec::TopicSpec {
    let mut supplied = std::collections::BTreeMap::new();
    supplied.insert(
        "cleanup.policy".to_string(),
        serde_json::Value::String("compact".to_string()),
    );
    let config_values = super::config::def::parse(super::config::TOPIC_KEYS, &supplied)
        .expect("cleanup.policy=compact is a valid topic config");
    let rf = config
        .int("offsets.topic.replication.factor")
        .clamp(1, i64::from(brokers.max(1))) as u32;
    super::spec::TopicSpec {
        name: OFFSETS_TOPIC.to_string(),
        partitions: config.int("offsets.topic.num.partitions").clamp(1, 1000) as i32,
        replication_factor: rf,
        config: config_values,
        replica_assignment: None,
    }
}

/// The `__transaction_state` topic a cluster of `brokers` brokers creates
/// (`TransactionStateManager.transactionTopicConfigs`): `transaction.state.log.num.partitions`
/// partitions, replication factor `transaction.state.log.replication.factor` capped at the
/// broker count, compacted, `min.insync.replicas` = `transaction.state.log.min.isr`.
pub fn transaction_state_topic(
    config: &super::config::BrokerConfig,
    brokers: u32,
) -> super::spec::TopicSpec {
    let mut supplied = std::collections::BTreeMap::new();
    supplied.insert(
        "cleanup.policy".to_string(),
        serde_json::Value::String("compact".to_string()),
    );
    let min_isr = config.int("transaction.state.log.min.isr").max(1);
    supplied.insert(
        "min.insync.replicas".to_string(),
        serde_json::Value::String(min_isr.to_string()),
    );
    let config_values = super::config::def::parse(super::config::TOPIC_KEYS, &supplied)
        .expect("cleanup.policy=compact and a positive min.insync.replicas are valid");
    let rf = config
        .int("transaction.state.log.replication.factor")
        .clamp(1, i64::from(brokers.max(1))) as u32;
    super::spec::TopicSpec {
        name: crate::kafka::txn::TRANSACTION_STATE_TOPIC.to_string(),
        partitions: config
            .int("transaction.state.log.num.partitions")
            .clamp(1, 1000) as i32,
        replication_factor: rf,
        config: config_values,
        replica_assignment: None,
    }
}
