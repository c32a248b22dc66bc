//! `kafka-configs.sh --describe`: the dynamic configs of a topic or broker with their synonyms,
//! as `DescribeConfigs` returns them (Kafka: `ConfigHelper.createTopicConfigEntry` /
//! `createBrokerConfigEntry`, printed by `ConfigCommand.describeResourceConfig`).

use super::configs::{
    answering_broker, broker_entity, command_failed, existing_topic, resource, Entity,
};
use super::opts::Parsed;
use super::Printer;
use crate::kafka::config::broker::TOPIC_SYNONYMS;
use crate::kafka::config::{BrokerConfig, BROKER_KEYS, TOPIC_KEYS};
use crate::kafka::metadata::{ConfigResource, MetadataImage};
use crate::kafka::{BrokerId, Cluster};

/// Where a value comes from (`ConfigEntry.ConfigSource`), in the order Kafka lists synonyms.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Source {
    DynamicTopic,
    DynamicBroker,
    DynamicDefaultBroker,
    StaticBroker,
    Default,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::DynamicTopic => "DYNAMIC_TOPIC_CONFIG",
            Source::DynamicBroker => "DYNAMIC_BROKER_CONFIG",
            Source::DynamicDefaultBroker => "DYNAMIC_DEFAULT_BROKER_CONFIG",
            Source::StaticBroker => "STATIC_BROKER_CONFIG",
            Source::Default => "DEFAULT_CONFIG",
        }
    }
}

type Synonym = (Source, String, String);

/// Kafka: `ConfigHelper.configSynonyms` for one broker key: the broker's own dynamic value, the
/// cluster-wide dynamic default, the static `server.properties` value, Kafka's default (under
/// the name Kafka defaults it by, e.g. `log.retention.hours=168`).
fn broker_synonyms(
    cluster: &Cluster,
    image: &MetadataImage,
    key: &str,
    broker: Option<BrokerId>,
) -> Vec<Synonym> {
    let mut out = Vec::new();
    let mut layer = |source: Source, name: String| {
        if let Some(v) = image.broker_configs.get(&name).and_then(|c| c.get(key)) {
            out.push((source, key.to_string(), v.clone()));
        }
    };
    if let Some(b) = broker {
        layer(Source::DynamicBroker, b.0.to_string());
    }
    layer(Source::DynamicDefaultBroker, String::new());
    let fixed = broker
        .and_then(|b| cluster.brokers.get(&b))
        .map(|b| &b.config);
    if let Some(config) = fixed.filter(|c| c.values.is_explicit(key)) {
        out.push((
            Source::StaticBroker,
            key.to_string(),
            config.values.get(key).to_string(),
        ));
    }
    let default = BROKER_KEYS
        .iter()
        .find(|k| k.name == key)
        .map_or("", |k| k.default);
    match key {
        "log.retention.ms" => {
            out.push((Source::Default, "log.retention.hours".into(), "168".into()))
        }
        "log.roll.ms" => out.push((Source::Default, "log.roll.hours".into(), "168".into())),
        // Kafka's `log.flush.interval.ms` has no default (null): never flush on a timer.
        "log.flush.interval.ms" => {}
        _ => out.push((Source::Default, key.to_string(), default.to_string())),
    }
    out
}

/// `  name=value sensitive=false synonyms={SOURCE:name=value, ...}` (`describeResourceConfig`).
fn entry_line(name: &str, value: &str, synonyms: &[Synonym]) -> String {
    let listed: Vec<String> = synonyms
        .iter()
        .map(|(s, k, v)| format!("{}:{k}={v}", s.name()))
        .collect();
    format!(
        "  {name}={value} sensitive=false synonyms={{{}}}",
        listed.join(", ")
    )
}

/// Kafka: `ConfigHelper.createTopicConfigEntry` for each config, filtered to the topic's
/// dynamic ones (all of them with `--all`), sorted by name.
fn topic_entries(
    cluster: &Cluster,
    image: &MetadataImage,
    topic: &str,
    answering: BrokerId,
    all: bool,
) -> Vec<String> {
    let Some(t) = image.topics.get(topic) else {
        return Vec::new();
    };
    let base = cluster
        .brokers
        .get(&answering)
        .map_or_else(BrokerConfig::defaults, |b| b.config.clone());
    let effective = image.effective_broker_config(&base, Some(answering));
    let mut keys: Vec<&str> = TOPIC_KEYS.iter().map(|k| k.name).collect();
    keys.sort_unstable();
    let mut lines = Vec::new();
    for key in keys {
        let explicit = t.config.is_explicit(key);
        if !all && !explicit {
            continue;
        }
        let broker_key = TOPIC_SYNONYMS
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(key, |(_, b)| *b);
        let mut synonyms = Vec::new();
        if explicit {
            synonyms.push((
                Source::DynamicTopic,
                key.to_string(),
                t.config.get(key).to_string(),
            ));
        }
        synonyms.extend(broker_synonyms(cluster, image, broker_key, Some(answering)));
        let value = if explicit {
            t.config.get(key)
        } else {
            effective.values.get(broker_key)
        };
        lines.push(entry_line(key, value, &synonyms));
    }
    lines
}

/// Kafka: `ConfigHelper.createBrokerConfigEntry`: one broker's configs (`Some`) or the
/// cluster-wide defaults (`None`, synonyms limited to the dynamic default), filtered to the
/// entity's own dynamic ones unless `--all`.
fn broker_entries(
    cluster: &Cluster,
    image: &MetadataImage,
    broker: Option<BrokerId>,
    all: bool,
) -> Vec<String> {
    let wanted = if broker.is_some() {
        Source::DynamicBroker
    } else {
        Source::DynamicDefaultBroker
    };
    let effective = broker
        .and_then(|b| cluster.brokers.get(&b))
        .map(|x| image.effective_broker_config(&x.config, broker));
    let mut keys: Vec<&str> = BROKER_KEYS
        .iter()
        .map(|k| k.name)
        .filter(|k| !k.starts_with("sim."))
        .collect();
    keys.sort_unstable();
    let mut lines = Vec::new();
    for key in keys {
        let mut synonyms = broker_synonyms(cluster, image, key, broker);
        if broker.is_none() {
            synonyms.retain(|s| s.0 == Source::DynamicDefaultBroker);
        }
        let source = synonyms.first().map_or(Source::Default, |s| s.0);
        if !all && source != wanted {
            continue;
        }
        let value = match effective.as_ref() {
            Some(config) => config.values.get(key).to_string(),
            None => synonyms.first().map_or_else(String::new, |s| s.2.clone()),
        };
        lines.push(entry_line(key, &value, &synonyms));
    }
    lines
}

/// Kafka: `ConfigCommand.describeResourceConfig`: a heading per entity, then its entries.
pub(super) fn describe(
    cluster: &Cluster,
    image: &MetadataImage,
    entity: &Entity,
    o: &Parsed,
    args: &[String],
    p: &mut Printer,
) -> Result<(), String> {
    let resource = resource(entity)?;
    let all = o.has("all");
    let answering = answering_broker(cluster, o);
    let names: Vec<String> = match (&entity.name, &resource) {
        (Some(n), _) => vec![n.clone()],
        (None, ConfigResource::Topic(_)) => image.topics.keys().cloned().collect(),
        (None, ConfigResource::Broker(_)) => {
            let mut ids: Vec<String> = image
                .brokers
                .values()
                .filter(|b| !b.fenced)
                .map(|b| b.id.0.to_string())
                .collect();
            ids.push(String::new());
            ids
        }
    };
    for name in names {
        if name.is_empty() {
            p.out(format!(
                "Default configs for {} in the cluster are:",
                entity.kind
            ));
        } else {
            let source = if all { "All" } else { "Dynamic" };
            p.out(format!(
                "{source} configs for {} {name} are:",
                entity.kind.trim_end_matches('s')
            ));
        }
        let lines = match &resource {
            ConfigResource::Topic(_) => {
                if let Err(e) = existing_topic(image, &name) {
                    command_failed(p, args, &e);
                    return Ok(());
                }
                topic_entries(cluster, image, &name, answering, all)
            }
            ConfigResource::Broker(_) => match broker_entity(cluster, &name) {
                Ok(b) => broker_entries(cluster, image, b, all),
                Err(e) => {
                    command_failed(p, args, &e);
                    return Ok(());
                }
            },
        };
        for l in lines {
            p.out(l);
        }
    }
    Ok(())
}
