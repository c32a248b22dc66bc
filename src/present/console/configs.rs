//! `kafka-configs.sh`: Kafka: `kafka.admin.ConfigCommand` (4.0) with `--bootstrap-server`, for
//! the entity types the model has: `topics` (`--entity-name` or `--topic`) and `brokers`
//! (`--entity-name N`, `--broker N`, `--entity-default`, `--broker-defaults`). `--describe`
//! prints the dynamic configs with their synonyms as `DescribeConfigs` returns them
//! (`ConfigHelper.createTopicConfigEntry` / `createBrokerConfigEntry`); `--alter` is an
//! `IncrementalAlterConfigs` the session runs through the active controller.

use super::address;
use super::configs_describe::describe;
use super::opts::{self, arg, flag, ArgType, Opt, Parsed};
use super::{ConsoleCommand, Failure, Printer};
use crate::kafka::metadata::{ConfigResource, MetadataImage};
use crate::kafka::{BrokerId, Cluster, Command};
use std::collections::BTreeMap;

pub const OPTS: &[Opt] = &[
    arg("bootstrap-server", "server to connect to", ArgType::Str, "The Kafka servers to connect to."),
    arg("bootstrap-controller", "controller to connect to", ArgType::Str, "The Kafka controllers to connect to."),
    arg("command-config", "command config property file", ArgType::Str, "Property file containing configs to be passed to Admin Client. This is used only with --bootstrap-server option for describing and altering broker configs."),
    flag("alter", "Alter the configuration for the entity."),
    flag("describe", "List configs for the given entity."),
    flag("all", "List all configs for the given entity, including static configs if available."),
    arg("entity-type", "", ArgType::Str, "Type of entity (topics/clients/users/brokers/broker-loggers/ips/client-metrics/groups)"),
    arg("entity-name", "", ArgType::Str, "Name of entity (topic name/client id/user principal name/broker id/ip/client metrics/group id)"),
    flag("entity-default", "Default entity name for clients/users/brokers/ips (applies to corresponding entity type)"),
    arg("add-config", "", ArgType::Str, "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'. The following is a list of valid configurations: For entity-type 'topics': cleanup.policy delete.retention.ms max.compaction.lag.ms max.message.bytes min.cleanable.dirty.ratio min.compaction.lag.ms min.insync.replicas retention.bytes retention.ms segment.bytes segment.ms unclean.leader.election.enable For entity-type 'brokers': log.cleaner.delete.retention.ms log.cleaner.max.compaction.lag.ms log.cleaner.min.cleanable.ratio log.cleaner.min.compaction.lag.ms log.cleanup.policy log.flush.interval.ms log.retention.bytes log.retention.ms log.roll.ms log.segment.bytes message.max.bytes min.insync.replicas unclean.leader.election.enable (the configs the classroom simulates)"),
    arg("add-config-file", "", ArgType::Str, "Path to a properties file with configs to add. See add-config for a list of valid configurations."),
    arg("delete-config", "", ArgType::Str, "config keys to remove 'k1,k2'"),
    flag("force", "Suppress console prompts"),
    arg("topic", "", ArgType::Str, "The topic's name."),
    arg("client", "", ArgType::Str, "The client's ID."),
    flag("client-defaults", "The config defaults for all clients."),
    arg("user", "", ArgType::Str, "The user's principal name."),
    flag("user-defaults", "The config defaults for all users."),
    arg("broker", "", ArgType::Str, "The broker's ID."),
    flag("broker-defaults", "The config defaults for all brokers."),
    arg("broker-logger", "", ArgType::Str, "The broker's ID for its logger config."),
    flag("ip-defaults", "The config defaults for all IPs."),
    arg("ip", "", ArgType::Str, "The IP address."),
    arg("group", "", ArgType::Str, "The group's ID."),
    arg("client-metrics", "", ArgType::Str, "The client metrics config resource name."),
];

/// `BrokerSupportedConfigTypes`, in Kafka's order.
const ENTITY_TYPES: &[&str] = &[
    "topics",
    "clients",
    "users",
    "brokers",
    "ips",
    "broker-loggers",
    "client-metrics",
    "groups",
];
/// The specific entity flags and the type each stands for (`entityFlags`, `entityDefaultsFlags`).
const ENTITY_FLAGS: &[(&str, &str)] = &[
    ("topic", "topics"),
    ("client", "clients"),
    ("user", "users"),
    ("broker", "brokers"),
    ("broker-logger", "broker-loggers"),
    ("ip", "ips"),
    ("client-metrics", "client-metrics"),
    ("group", "groups"),
];
const DEFAULT_FLAGS: &[(&str, &str)] = &[
    ("client-defaults", "clients"),
    ("user-defaults", "users"),
    ("broker-defaults", "brokers"),
    ("ip-defaults", "ips"),
];

/// The entity a line names: its type and name (`""` for the default entity).
pub(super) struct Entity {
    pub(super) kind: String,
    pub(super) name: Option<String>,
}

pub(super) fn run(cluster: &Cluster, args: &[String], p: &mut Printer) {
    let o = match opts::parse(OPTS, args) {
        Ok(o) => o,
        // Kafka: `main` catches the `OptionException` and prints its message.
        Err(e) => {
            p.err(e.message());
            return p.exit(1);
        }
    };
    if args.is_empty() || o.has("help") {
        return p.usage("This tool helps to manipulate and describe entity config for a topic, client, user, broker, ip, client-metrics or group", OPTS);
    }
    if o.has("version") {
        return p.out(super::KAFKA_VERSION);
    }
    let entity = match check_args(&o, p) {
        Ok(Some(e)) => e,
        Ok(None) => return,
        Err(message) => {
            p.err(message);
            return p.exit(1);
        }
    };
    let Some(image) = connect(cluster, &o, args, p) else {
        return;
    };
    let result = if o.has("alter") {
        alter(image, &entity, &o, args, p)
    } else {
        describe(cluster, image, &entity, &o, args, p)
    };
    if let Err(message) = result {
        p.err(message);
        p.exit(1);
    }
}

/// Kafka: `ConfigCommandOptions.checkArgs`. `Ok(None)` when it printed the usage; `Err` is an
/// `IllegalArgumentException`'s message.
fn check_args(o: &Parsed, p: &mut Printer) -> Result<Option<Entity>, String> {
    if ["alter", "describe"].iter().filter(|a| o.has(a)).count() != 1 {
        p.usage(
            "Command must include exactly one action: --describe, --alter",
            OPTS,
        );
        return Ok(None);
    }
    if let Some(bad) = ["alter", "add-config", "delete-config"]
        .iter()
        .find(|x| o.has("describe") && o.has(x))
    {
        p.usage(
            &format!("Option \"[describe]\" can't be used with option \"[{bad}]\""),
            OPTS,
        );
        return Ok(None);
    }
    let mut types: Vec<String> = o.values("entity-type").to_vec();
    let flags = ENTITY_FLAGS
        .iter()
        .chain(DEFAULT_FLAGS)
        .filter(|(f, _)| o.has(f));
    types.extend(flags.clone().map(|(_, t)| t.to_string()));
    let mut seen = Vec::new();
    let dup: Vec<&String> = types
        .iter()
        .filter(|t| {
            let d = seen.contains(t);
            seen.push(*t);
            d
        })
        .collect();
    if !dup.is_empty() {
        let dup: Vec<&str> = dup.iter().map(|s| s.as_str()).collect();
        return Err(format!(
            "Duplicate entity type(s) specified: {}",
            dup.join(",")
        ));
    }
    let connect = o.has("bootstrap-server") || o.has("bootstrap-controller");
    for t in &types {
        let (allowed, how): (&[&str], &str) = if connect {
            (ENTITY_TYPES, "--bootstrap-server or --bootstrap-controller")
        } else {
            (&["users", "brokers"], "--zookeeper")
        };
        if !allowed.contains(&t.as_str()) {
            return Err(format!(
                "Invalid entity type {t}, the entity type must be one of {} with a {how} argument",
                allowed.join(", ")
            ));
        }
    }
    let Some(kind) = types.first().cloned() else {
        return Err("At least one entity type must be specified".to_string());
    };
    if types.len() > 1 {
        return Err(
            "Only 'users' and 'clients' entity types may be specified together".to_string(),
        );
    }
    let generic = o.has("entity-name") || o.has("entity-type") || o.has("entity-default");
    if generic && flags.clone().next().is_some() {
        return Err("--entity-{type,name,default} should not be used in conjunction with specific entity flags".to_string());
    }
    let name = entity_name(o);
    check_entity(o, &kind, name.as_deref(), connect)?;
    Ok(Some(Entity { kind, name }))
}

/// Kafka: `ConfigCommandOptions.entityNames` for one entity: the name, `""` for a default.
fn entity_name(o: &Parsed) -> Option<String> {
    if let Some(n) = o.value("entity-name") {
        return Some(n.to_string());
    }
    if o.has("entity-default") || DEFAULT_FLAGS.iter().any(|(f, _)| o.has(f)) {
        return Some(String::new());
    }
    ENTITY_FLAGS
        .iter()
        .find_map(|(f, _)| o.value(f).map(str::to_string))
}

/// The rest of `checkArgs`: connection options, broker ids, what `--describe` and `--alter` need.
fn check_entity(o: &Parsed, kind: &str, name: Option<&str>, connect: bool) -> Result<(), String> {
    if !connect {
        return Err("One of the required --bootstrap-server, --boostrap-controller, or --zookeeper arguments must be specified".to_string());
    }
    if o.has("bootstrap-server") && o.has("bootstrap-controller") {
        return Err("Only one of --bootstrap-server, --boostrap-controller, and --zookeeper can be specified".to_string());
    }
    let has_name = name.is_some_and(|n| !n.is_empty());
    if has_name && kind == "brokers" {
        let id = name.unwrap_or_default();
        if opts::java_int(id).is_none() {
            return Err(format!(
                "The entity name for brokers must be a valid integer broker id, but it is: {id}"
            ));
        }
    }
    if o.has("describe")
        && o.has("entity-default")
        && !["users", "clients", "brokers", "ips"].contains(&kind)
    {
        return Err(format!(
            "--entity-default must not be specified with --describe of {kind}"
        ));
    }
    if o.has("alter") {
        if ["users", "clients", "brokers", "ips"].contains(&kind) {
            if name.is_none() {
                return Err("An entity-name or default entity must be specified with --alter of users, clients, brokers or ips".to_string());
            }
        } else if !has_name {
            return Err(format!(
                "An entity name must be specified with --alter of {kind}"
            ));
        }
        if o.has("add-config") && o.has("add-config-file") {
            return Err(
                "Only one of --add-config or --add-config-file must be specified".to_string(),
            );
        }
        if !o.has("add-config") && !o.has("add-config-file") && !o.has("delete-config") {
            return Err("At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter".to_string());
        }
    }
    Ok(())
}

/// `Admin.create`, then a live broker to ask: the metadata the tool reads.
fn connect<'a>(
    cluster: &'a Cluster,
    o: &Parsed,
    args: &[String],
    p: &mut Printer,
) -> Option<&'a MetadataImage> {
    if o.has("bootstrap-controller") {
        p.err("--bootstrap-controller is not simulated yet: use --bootstrap-server");
        p.exit(1);
        return None;
    }
    let servers = match address::resolve(
        cluster,
        o.value("bootstrap-server").unwrap_or_default(),
        p,
    ) {
        Ok(s) => s,
        Err(cause) => {
            command_failed(p, args, &format!("org.apache.kafka.common.KafkaException: Failed to create new KafkaAdminClient (caused by ConfigException: {cause})"));
            return None;
        }
    };
    let image = cluster.active_controller().map(|c| &c.image);
    match (address::reachable(cluster, &servers), image) {
        (Some(_), Some(image)) => Some(image),
        _ => {
            let call = if o.has("alter") {
                "incrementalAlterConfigs"
            } else {
                "describeConfigs"
            };
            command_failed(p, args, &format!("java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: {call}"));
            None
        }
    }
}

/// Kafka: `ConfigCommand.main`'s catch-all: the arguments, then the exception's first line.
pub(super) fn command_failed(p: &mut Printer, args: &[String], exception: &str) {
    p.err(format!(
        "Error while executing config command with args '{}'",
        args.join(" ")
    ));
    p.err(exception);
    p.exit(1);
}

/// The resource an entity stands for, once the model supports its type.
pub(super) fn resource(entity: &Entity) -> Result<ConfigResource, String> {
    let name = entity.name.clone().unwrap_or_default();
    match entity.kind.as_str() {
        "topics" => Ok(ConfigResource::Topic(name)),
        "brokers" => Ok(ConfigResource::Broker(name)),
        other => Err(format!("Entity type {other} is not simulated yet: the classroom has dynamic configs for topics and brokers")),
    }
}

/// The broker that answers a topic's `DescribeConfigs` (the first reachable bootstrap broker).
pub(super) fn answering_broker(cluster: &Cluster, o: &Parsed) -> BrokerId {
    let mut quiet = Printer::new();
    address::resolve(
        cluster,
        o.value("bootstrap-server").unwrap_or_default(),
        &mut quiet,
    )
    .ok()
    .and_then(|s| address::reachable(cluster, &s))
    .unwrap_or(BrokerId(1))
}

/// `Topic.validate`, then the topic's existence, as the exception the tool would print.
pub(super) fn existing_topic(image: &MetadataImage, topic: &str) -> Result<(), String> {
    super::topics::validate_topic_name(topic)
        .map_err(|m| format!("org.apache.kafka.common.errors.InvalidTopicException: {m}"))?;
    if image.topics.contains_key(topic) {
        Ok(())
    } else {
        Err("java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition.".to_string())
    }
}

/// A broker entity: `None` for the default, else a broker that answers requests (the admin
/// client sends a broker's `DescribeConfigs` to that broker, and waits for it otherwise).
pub(super) fn broker_entity(cluster: &Cluster, name: &str) -> Result<Option<BrokerId>, String> {
    if name.is_empty() {
        return Ok(None);
    }
    let id = name.parse::<u32>().ok().map(BrokerId);
    match id.filter(|b| cluster.brokers.get(b).is_some_and(|x| x.process.is_running())) {
        Some(b) => Ok(Some(b)),
        None => Err("java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: describeConfigs".to_string()),
    }
}

/// Kafka: `ConfigCommand.parseConfigsToBeAdded`: `k=v` pairs split on commas outside square
/// brackets, brackets removed from values, keys checked (`validatePropsKey`).
fn configs_to_add(o: &Parsed) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let Some(raw) = o.value("add-config") else {
        return Ok(out);
    };
    let mut pairs = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in raw.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth <= 0 => {
                pairs.push(&raw[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pairs.push(&raw[start..]);
    for pair in pairs {
        let parts: Vec<&str> = pair.split('=').collect();
        let [key, value] = parts[..] else {
            return Err("requirement failed: Invalid entity config: all configs to be added must be in the format \"key=val\".".to_string());
        };
        let key = key.trim();
        if !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(format!("Invalid character found for config key: {key}"));
        }
        out.insert(
            key.to_string(),
            value.replace(['[', ']'], "").trim().to_string(),
        );
    }
    Ok(out)
}

/// Kafka: `ConfigCommand.alterConfig` (topics: `alterResourceConfig`; brokers the same, for
/// the cluster default too): the deletes checked against the entity's dynamic configs, then
/// `IncrementalAlterConfigs` (SET, DELETE), which the session runs through the controller.
fn alter(
    image: &MetadataImage,
    entity: &Entity,
    o: &Parsed,
    args: &[String],
    p: &mut Printer,
) -> Result<(), String> {
    let resource = resource(entity)?;
    if o.has("add-config-file") {
        return Err(
            "--add-config-file is not simulated yet (the console has no files): use --add-config"
                .to_string(),
        );
    }
    let set = configs_to_add(o)?;
    let delete: Vec<String> = o
        .values("delete-config")
        .iter()
        .flat_map(|v| v.split(','))
        .map(|k| k.trim().to_string())
        .collect();
    let name = entity.name.clone().unwrap_or_default();
    let check = match &resource {
        ConfigResource::Topic(t) => existing_topic(image, t),
        ConfigResource::Broker(_) => Ok(()),
    };
    if let Err(e) = check {
        command_failed(p, args, &e);
        return Ok(());
    }
    let current = image.dynamic_configs(&resource);
    let invalid: Vec<&str> = delete
        .iter()
        .filter(|k| !current.contains_key(k.as_str()))
        .map(String::as_str)
        .collect();
    if !invalid.is_empty() {
        return Err(format!("Invalid config(s): {}", invalid.join(",")));
    }
    let done = if name.is_empty() {
        format!(
            "Completed updating default config for {} in the cluster.",
            entity.kind
        )
    } else {
        format!(
            "Completed updating config for {} {name}.",
            entity.kind.trim_end_matches('s')
        )
    };
    let topic = matches!(resource, ConfigResource::Topic(_));
    p.outcome.command = Some(ConsoleCommand {
        command: Command::AlterConfigs {
            resource,
            set,
            delete,
        },
        on_success: vec![super::out(done)],
        failure: Failure::Config {
            args: args.join(" "),
            topic,
        },
        settle_ms: super::ADMIN_SETTLE_MS,
        then: Vec::new(),
    });
    Ok(())
}

/// The exception `ConfigCommand.main` prints for a refused `IncrementalAlterConfigs`.
pub(super) fn error_text(e: &crate::kafka::commands::CommandError, topic: bool) -> String {
    use crate::kafka::commands::CommandError as E;
    use crate::kafka::config::ConfigProblem;
    let (class, message) = match e {
        E::Config(c) if matches!(c.problem, ConfigProblem::UnknownKey { .. }) && topic => {
            ("InvalidConfigurationException", format!("Unknown topic config name: {}", c.key))
        }
        // Kafka stores an unknown broker key unchecked; the classroom keeps only the ones it
        // simulates, and says so.
        E::Config(c) if matches!(c.problem, ConfigProblem::UnknownKey { .. }) => (
            "InvalidRequestException",
            format!("{} (the classroom simulates only the broker configs kafka-configs.sh --help lists)", c),
        ),
        E::Config(c) if topic => ("InvalidConfigurationException", c.to_string()),
        // Kafka: `ConfigAdminManager.validateBrokerConfigChange` wraps the ConfigException.
        E::Config(c) => ("InvalidRequestException", c.to_string()),
        E::ConfigsNotDynamic(_) | E::BadBrokerName(_) => ("InvalidRequestException", e.to_string()),
        E::UnknownTopic(_) => ("UnknownTopicOrPartitionException", "This server does not host this topic-partition.".to_string()),
        E::NoActiveController => ("TimeoutException", "Timed out waiting for a node assignment. Call: incrementalAlterConfigs".to_string()),
        other => ("KafkaException", other.to_string()),
    };
    format!("java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.{class}: {message}")
}
