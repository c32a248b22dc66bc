//! Applying user commands to the cluster. Each command is validated before anything changes, so
//! a refused command leaves the model untouched (the world relies on it) and its message is what
//! the UI shows.

use super::event::{Event, ProcessFault};
use super::producer::{ProducerRecord, Workload};
use super::protocol::Message;
use super::types::{BrokerId, NodeId};
use super::{Cluster, Command};
use crate::sim::{Ctx, LinkConfig, NetOp, Ratio, SimDuration, SimTime};
use std::rc::Rc;

pub fn apply(
    cluster: &mut Cluster,
    ctx: &mut Ctx<'_, Cluster>,
    command: Command,
) -> Result<(), String> {
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
            check_topic(cluster, &topic)?;
            let record = ProducerRecord {
                topic,
                partition,
                timestamp,
                key,
                value,
                headers,
            };
            running_producer(cluster, producer)?.send(ctx, record, None);
        }
        Command::ProduceMany {
            producer,
            topic,
            count,
            keys,
            value_prefix,
        } => {
            check_topic(cluster, &topic)?;
            if count > 100_000 {
                return Err(format!("{count} records at once is more than this simulator animates (at most 100000); use set_produce_rate with a total"));
            }
            let p = running_producer(cluster, producer)?;
            for i in 0..count {
                let key = (!keys.is_empty()).then(|| keys[i as usize % keys.len()].clone());
                let record = ProducerRecord {
                    topic: topic.clone(),
                    key,
                    value: Some(format!("{value_prefix}{i}")),
                    ..Default::default()
                };
                p.send(ctx, record, None);
            }
        }
        Command::SetProduceRate {
            producer,
            topic,
            records_per_second,
            keys,
            total,
            value_bytes,
        } => {
            check_topic(cluster, &topic)?;
            if records_per_second > 100_000 {
                return Err(format!("{records_per_second} records/s is more than this simulator animates (at most 100000)"));
            }
            if value_bytes.is_some_and(|b| b > 10 * 1024 * 1024) {
                return Err("value_bytes is at most 10485760".into());
            }
            let p = running_producer(cluster, producer)?;
            let workload = Workload {
                topic,
                records_per_second,
                keys,
                sent: 0,
                total,
                value_bytes,
            };
            p.set_workload(ctx, Some(workload));
        }
        Command::SetConfig {
            node: NodeId::Producer(id),
            key,
            value,
        } => {
            let p = running_producer(cluster, NodeId::Producer(id))?;
            p.set_config(ctx, &key, &value)?;
            let text = format!("p{id}: {key}={value} (applies to new batches)");
            ctx.emit(Event::Notice {
                text: Rc::from(text.as_str()),
            });
            p.run_sender(ctx);
        }
        Command::SetConfig { node, key, .. } => {
            known(cluster, node)?;
            return Err(match node {
                NodeId::Consumer(_) => format!(
                    "{node}: {key} cannot change while the consumer runs (a KafkaConsumer reads its config once); close it and add a consumer with the new value"
                ),
                _ => format!("{node}: configs of brokers and controllers are fixed by the lesson"),
            });
        }
        Command::Flush { producer } => running_producer(cluster, producer)?.flush(ctx),
        Command::SetSendMode { producer, mode } => {
            running_producer(cluster, producer)?.set_send_mode(ctx, mode);
            ctx.emit(Event::Notice {
                text: Rc::from(
                    format!("{producer}: the application now sends {}", mode.describe()).as_str(),
                ),
            });
        }
        Command::Crash { node } => stop(cluster, ctx, node, ProcessFault::Crash)?,
        Command::PowerFail { node } => stop(cluster, ctx, node, ProcessFault::PowerFailure)?,
        Command::Shutdown {
            node: NodeId::Broker(b),
        } => {
            let broker = cluster
                .brokers
                .get_mut(&b)
                .ok_or_else(|| format!("there is no broker {b}"))?;
            if !broker.process.is_running() {
                return Err(format!("{b} is not running"));
            }
            broker.begin_controlled_shutdown(ctx)?;
            let text = format!("{b} begins a controlled shutdown: it asks the controller to move its leaderships first");
            ctx.emit(Event::Notice {
                text: Rc::from(text.as_str()),
            });
        }
        Command::Shutdown { node } => stop(cluster, ctx, node, ProcessFault::GracefulShutdown)?,
        Command::ElectPreferredLeaders => {
            let controller = cluster
                .active_controller_mut()
                .ok_or("there is no active controller to run the election")?;
            let moved = controller.elect_preferred_leaders(ctx);
            let text = format!("preferred leader election: {moved} partition(s) moved back to their preferred leader");
            ctx.emit(Event::Notice {
                text: Rc::from(text.as_str()),
            });
        }
        Command::CreateTopic {
            topic,
            partitions,
            replication_factor,
        } => {
            if !(1..=64).contains(&partitions) {
                return Err(format!(
                    "INVALID_PARTITIONS: partitions must be between 1 and 64, got {partitions}"
                ));
            }
            let config = crate::kafka::config::def::parse(
                crate::kafka::config::TOPIC_KEYS,
                &Default::default(),
            )
            .expect("defaults parse");
            let controller = cluster
                .active_controller_mut()
                .ok_or("there is no active controller to create the topic")?;
            controller.create_topic(ctx, &topic, partitions, replication_factor, config)?;
        }
        Command::AddPartitions { topic, partitions } => {
            if partitions > 64 {
                return Err(format!(
                    "INVALID_PARTITIONS: at most 64 partitions, got {partitions}"
                ));
            }
            let controller = cluster
                .active_controller_mut()
                .ok_or("there is no active controller to add partitions")?;
            controller.add_partitions(ctx, &topic, partitions)?;
        }
        Command::Restart { node } => restart(cluster, ctx, node)?,
        Command::Pause { node, ms } => pause(cluster, ctx, node, ms)?,
        Command::Isolate { node } => {
            known(cluster, node)?;
            let peers = cluster.nodes().into_iter().filter(|n| *n != node).collect();
            network(
                ctx,
                NetOp::Isolate { node, peers },
                format!("{node} isolated from every other node"),
            );
        }
        Command::PartitionNetwork { groups } => {
            for n in groups.iter().flatten() {
                known(cluster, *n)?;
            }
            if groups.len() < 2 {
                return Err("a network partition needs at least two groups".into());
            }
            let text = groups
                .iter()
                .map(|g| format!("{{{}}}", names(g)))
                .collect::<Vec<_>>()
                .join(" | ");
            network(
                ctx,
                NetOp::Partition { groups },
                format!("network split into {text}"),
            );
        }
        Command::PartitionOneWay { from, to } => {
            for n in from.iter().chain(&to) {
                known(cluster, *n)?;
            }
            let text = format!(
                "messages from {{{}}} to {{{}}} are dropped (one way)",
                names(&from),
                names(&to)
            );
            network(ctx, NetOp::BlockOneWay { from, to }, text);
        }
        Command::Heal => network(
            ctx,
            NetOp::Heal,
            "network healed: every link works again".into(),
        ),
        Command::SetLink {
            a,
            b,
            latency_ms,
            loss_percent,
            duplicate_percent,
        } => {
            known(cluster, a)?;
            known(cluster, b)?;
            if latency_ms.0 > latency_ms.1 || latency_ms.1 > 60_000 {
                return Err(format!(
                    "latency range {}..{} ms must be increasing and at most 60000",
                    latency_ms.0, latency_ms.1
                ));
            }
            if loss_percent > 100 || duplicate_percent > 100 {
                return Err("loss and duplication are percentages between 0 and 100".into());
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
            let text = format!(
                "link {a}<->{b}: {}-{} ms, {loss_percent}% loss, {duplicate_percent}% duplicated",
                latency_ms.0, latency_ms.1
            );
            network(
                ctx,
                NetOp::SetLink {
                    from: b,
                    to: a,
                    config,
                },
                text,
            );
        }
        Command::ThrottleLink {
            from,
            to,
            bytes_per_second,
        } => {
            known(cluster, from)?;
            known(cluster, to)?;
            let config = LinkConfig {
                bandwidth_bytes_per_sec: bytes_per_second,
                ..ctx.network().link(&from, &to)
            };
            network(
                ctx,
                NetOp::SetLink { from, to, config },
                format!("link {from}->{to} throttled to {bytes_per_second} bytes/s"),
            );
        }
        Command::HoldLink { from, to } => {
            known(cluster, from)?;
            known(cluster, to)?;
            network(
                ctx,
                NetOp::Hold { from, to },
                format!("messages {from}->{to} are held"),
            );
        }
        Command::ReleaseLink { from, to } => {
            network(
                ctx,
                NetOp::Release { from, to },
                format!("held messages {from}->{to} released"),
            );
        }
        Command::AddConsumer {
            group,
            subscribe,
            assign,
            config,
            app,
        } => add_consumer(cluster, ctx, group, subscribe, assign, config, app)?,
        Command::CloseConsumer { consumer } => {
            let c = consumer_mut(cluster, consumer)?;
            if c.closed {
                return Err(format!("{consumer} is already closed"));
            }
            c.close(ctx);
        }
        Command::StartConsumer { consumer } => {
            let c = consumer_mut(cluster, consumer)?;
            if !c.closed {
                return Err(format!("{consumer} is already running"));
            }
            c.start(ctx);
        }
        Command::CommitSync { consumer } => {
            let c = running_consumer(cluster, consumer)?;
            if c.group.is_none() {
                return Err(format!(
                    "{consumer} has no group.id: InvalidGroupIdException (a commit needs a group)"
                ));
            }
            c.commit_now(ctx);
        }
        Command::Seek {
            consumer,
            partition,
            to,
        } => {
            let tp = super::types::TopicPartition::parse(&partition)?;
            running_consumer(cluster, consumer)?.seek(ctx, &tp, to)?;
        }
        Command::SetProcessingTime {
            consumer,
            ms_per_record,
        } => {
            if ms_per_record > 600_000 {
                return Err(format!(
                    "processing time is at most 600000 ms per record, got {ms_per_record}"
                ));
            }
            consumer_mut(cluster, consumer)?
                .app
                .spec
                .processing_ms_per_record = ms_per_record;
        }
    }
    Ok(())
}

fn consumer_mut(
    cluster: &mut Cluster,
    node: NodeId,
) -> Result<&mut super::consumer::Consumer, String> {
    let NodeId::Consumer(id) = node else {
        return Err(format!("{node} is not a consumer"));
    };
    cluster
        .consumers
        .get_mut(&id)
        .ok_or_else(|| format!("there is no consumer {node}"))
}

fn running_consumer(
    cluster: &mut Cluster,
    node: NodeId,
) -> Result<&mut super::consumer::Consumer, String> {
    let c = consumer_mut(cluster, node)?;
    if !c.process.is_running() || c.closed {
        return Err(format!("{node} is not running"));
    }
    Ok(c)
}

/// Most consumers a class can add (each is a node on screen).
const MAX_CONSUMERS: usize = 12;

fn add_consumer(
    cluster: &mut Cluster,
    ctx: &mut Ctx<'_, Cluster>,
    group: Option<String>,
    subscribe: Vec<String>,
    assign: Vec<String>,
    config: std::collections::BTreeMap<String, String>,
    app: Option<super::consumer::AppSpec>,
) -> Result<(), String> {
    use super::consumer::{Consumer, Subscription};
    use super::spec::{ConsumerMode, ConsumerSpec};
    if cluster.consumers.len() >= MAX_CONSUMERS {
        return Err(format!(
            "at most {MAX_CONSUMERS} consumers fit on the screen"
        ));
    }
    let mut supplied: std::collections::BTreeMap<String, serde_json::Value> = config
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    if let Some(g) = &group {
        if g.trim().is_empty() {
            return Err("InvalidGroupIdException: group.id is empty".into());
        }
        supplied.insert("group.id".into(), serde_json::Value::String(g.clone()));
    }
    let values =
        super::config::def::parse(super::config::CONSUMER_KEYS, &supplied).map_err(|e| {
            e.iter()
                .map(|e| format!("{}: {}", e.key, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        })?;
    let config = super::config::ConsumerConfig::from_values(values)
        .map_err(|e| format!("ConfigException: {e}"))?;
    let mode = match (subscribe.is_empty(), assign.is_empty()) {
        (false, true) => {
            if config.group_id.is_none() {
                return Err("InvalidGroupIdException: subscribe needs a group.id".into());
            }
            for t in &subscribe {
                check_topic(cluster, t)?;
            }
            ConsumerMode::Subscribe(subscribe)
        }
        (true, false) => {
            let mut partitions = Vec::new();
            for a in &assign {
                let tp = super::types::TopicPartition::parse(a)?;
                check_topic(cluster, &tp.topic)?;
                partitions.push(tp);
            }
            ConsumerMode::Assign(partitions)
        }
        (false, false) => {
            return Err("IllegalStateException: subscribe and assign are mutually exclusive".into())
        }
        (true, true) => return Err("name topics to subscribe to or partitions to assign".into()),
    };
    // The first group member makes the cluster create __consumer_offsets (Kafka does it on
    // the first FindCoordinator).
    if config.group_id.is_some() {
        let exists = cluster
            .controllers
            .values()
            .any(|c| c.image.topics.contains_key(super::group::OFFSETS_TOPIC))
            || cluster
                .spec
                .topics
                .iter()
                .any(|t| t.name == super::group::OFFSETS_TOPIC)
            || cluster.offsets_topic_spec().is_some();
        if !exists {
            let t =
                super::cluster::offsets_topic(&cluster.spec.broker_config, cluster.spec.brokers);
            let controller = cluster
                .active_controller_mut()
                .ok_or("there is no active controller to create __consumer_offsets")?;
            controller.create_topic(ctx, &t.name, t.partitions, t.replication_factor, t.config)?;
        }
    }
    let id = cluster.consumers.keys().max().copied().unwrap_or(0) + 1;
    let subscription = match &mode {
        ConsumerMode::Assign(p) => Subscription::Assign(p.clone()),
        ConsumerMode::Subscribe(t) => Subscription::Subscribe(t.clone()),
    };
    let bootstrap: Vec<BrokerId> = cluster.brokers.keys().copied().collect();
    let app = app.unwrap_or_default();
    let mut consumer = Consumer::new(id, config.clone(), bootstrap, subscription, app);
    cluster.spec.consumers.push(ConsumerSpec {
        config,
        mode,
        app,
        start_at_ms: None,
    });
    consumer.start(ctx);
    ctx.emit(Event::ProcessStarted {
        node: NodeId::Consumer(id),
    });
    cluster.consumers.insert(id, consumer);
    Ok(())
}

fn names(nodes: &[NodeId]) -> String {
    nodes
        .iter()
        .map(NodeId::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn network(ctx: &mut Ctx<'_, Cluster>, op: NetOp<NodeId>, description: String) {
    ctx.net(op);
    ctx.emit(Event::NetworkChanged {
        description: Rc::from(description.as_str()),
    });
}

fn known(cluster: &Cluster, node: NodeId) -> Result<(), String> {
    if cluster.nodes().contains(&node) {
        Ok(())
    } else {
        Err(format!("there is no node {node}"))
    }
}

fn check_topic(cluster: &Cluster, topic: &str) -> Result<(), String> {
    let created_later = cluster
        .controllers
        .values()
        .any(|c| c.image.topics.contains_key(topic));
    if cluster.spec.topics.iter().any(|t| t.name == topic) || created_later {
        Ok(())
    } else {
        Err(format!(
            "UNKNOWN_TOPIC_OR_PARTITION: there is no topic \"{topic}\""
        ))
    }
}

fn running_producer(
    cluster: &mut Cluster,
    node: NodeId,
) -> Result<&mut super::producer::Producer, String> {
    let NodeId::Producer(id) = node else {
        return Err(format!("{node} is not a producer"));
    };
    let p = cluster
        .producers
        .get_mut(&id)
        .ok_or_else(|| format!("there is no producer {node}"))?;
    if !p.process.is_running() {
        return Err(format!("{node} is not running"));
    }
    Ok(p)
}

fn stop(
    cluster: &mut Cluster,
    ctx: &mut Ctx<'_, Cluster>,
    node: NodeId,
    fault: ProcessFault,
) -> Result<(), String> {
    known(cluster, node)?;
    let process = cluster
        .process_mut(node)
        .ok_or_else(|| format!("{node} cannot be stopped"))?;
    process
        .stop(fault)
        .map_err(|e| format!("cannot stop {node}: {e}"))?;
    ctx.cancel_all_timers(node);
    ctx.emit(Event::ProcessStopped { node, fault });
    match node {
        NodeId::Broker(b) => {
            cluster
                .brokers
                .get_mut(&b)
                .expect("known broker")
                .stop(ctx, fault);
            if fault != ProcessFault::PowerFailure {
                reset_connections_to(cluster, ctx, b);
            }
        }
        NodeId::Producer(p) => {
            let lost = cluster
                .producers
                .get_mut(&p)
                .expect("known producer")
                .crash(ctx);
            if lost > 0 {
                let text = format!("{node} lost {lost} record(s) that were still in its memory");
                ctx.emit(Event::Notice {
                    text: Rc::from(text.as_str()),
                });
            }
        }
        NodeId::Controller(c) => cluster
            .controllers
            .get_mut(&c)
            .expect("known controller")
            .stop(ctx),
        NodeId::Consumer(c) => cluster
            .consumers
            .get_mut(&c)
            .expect("known consumer")
            .crash(ctx),
    }
    Ok(())
}

/// The host of a crashed broker is still up: its TCP stack resets every open connection, so
/// peers with requests in flight learn of it at once instead of waiting for a timeout.
pub(super) fn reset_connections_to(
    cluster: &Cluster,
    ctx: &mut Ctx<'_, Cluster>,
    broker: BrokerId,
) {
    let me = NodeId::Broker(broker);
    for (id, p) in &cluster.producers {
        if p.has_in_flight_to(broker) {
            ctx.send(me, NodeId::Producer(*id), Message::ConnectionReset);
        }
    }
    for (id, c) in &cluster.consumers {
        if c.has_in_flight_to(broker) {
            ctx.send(me, NodeId::Consumer(*id), Message::ConnectionReset);
        }
    }
    for (id, b) in &cluster.brokers {
        if *id != broker && b.process.is_running() && b.net.has_in_flight_to(me) {
            ctx.send(me, NodeId::Broker(*id), Message::ConnectionReset);
        }
    }
}

fn restart(cluster: &mut Cluster, ctx: &mut Ctx<'_, Cluster>, node: NodeId) -> Result<(), String> {
    known(cluster, node)?;
    let process = cluster
        .process_mut(node)
        .ok_or_else(|| format!("{node} cannot be restarted"))?;
    process
        .start()
        .map_err(|e| format!("cannot restart {node}: {e}"))?;
    ctx.emit(Event::ProcessStarted { node });
    match node {
        NodeId::Broker(b) => cluster
            .brokers
            .get_mut(&b)
            .expect("known broker")
            .restart(ctx),
        NodeId::Producer(p) => cluster
            .producers
            .get_mut(&p)
            .expect("known producer")
            .start(ctx),
        NodeId::Consumer(c) => cluster
            .consumers
            .get_mut(&c)
            .expect("known consumer")
            .start(ctx),
        NodeId::Controller(c) => cluster
            .controllers
            .get_mut(&c)
            .expect("known controller")
            .restart(ctx),
    }
    Ok(())
}

fn pause(
    cluster: &mut Cluster,
    ctx: &mut Ctx<'_, Cluster>,
    node: NodeId,
    ms: u64,
) -> Result<(), String> {
    known(cluster, node)?;
    if ms == 0 || ms > 600_000 {
        return Err(format!("a pause lasts between 1 and 600000 ms, got {ms}"));
    }
    let until: SimTime = ctx.now.plus(SimDuration::from_ms(ms));
    let process = cluster
        .process_mut(node)
        .ok_or_else(|| format!("{node} cannot be paused"))?;
    process
        .pause(ctx.now, until)
        .map_err(|e| format!("cannot pause {node}: {e}"))?;
    ctx.emit(Event::ProcessPaused {
        node,
        until_ms: until.as_ms(),
    });
    ctx.set_timer_at(node, crate::kafka::timer::Timer::PauseEnds, until);
    Ok(())
}
