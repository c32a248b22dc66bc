//! `kafka-topics.sh`: Kafka: `org.apache.kafka.tools.TopicCommand` (4.0). Its options and their
//! checks (`TopicCommandOptions.checkArgs`), `--list`, `--describe` with the partition filters,
//! `--create` and `--alter --partitions`, answered from the active controller's metadata image.

use super::address::{self, Server};
use super::opts::{self, arg, flag, ArgType, Opt, Parsed};
use super::{regex, ConsoleCommand, Failure, Printer};
use crate::kafka::commands::CommandError;
use crate::kafka::config::ConfigProblem;
use crate::kafka::metadata::MetadataImage;
use crate::kafka::{Cluster, Command};
use std::collections::BTreeMap;

const ALTER_NOTE: &str = " (To alter topic configurations, the kafka-configs tool can be used.)";

pub const OPTS: &[Opt] = &[
    arg("bootstrap-server", "server to connect to", ArgType::Str, "REQUIRED: The Kafka server to connect to."),
    arg("command-config", "command config property file", ArgType::Str, "Property file containing configs to be passed to Admin Client."),
    flag("list", "List all available topics."),
    flag("create", "Create a new topic."),
    flag("delete", "Delete a topic."),
    flag("alter", "Alter the number of partitions and replica assignment. (To alter topic configurations, the kafka-configs tool can be used.)"),
    flag("describe", "List details for the given topics."),
    arg("topic", "topic", ArgType::Str, "The topic to create, alter, describe or delete. It also accepts a regular expression, except for --create option. Put topic name in double quotes and use the '\\' prefix to escape regular expression symbols; e.g. \"test\\.topic\"."),
    arg("topic-id", "topic-id", ArgType::Str, "The topic-id to describe."),
    arg("config", "name=value", ArgType::Str, "A topic configuration override for the topic being created. See the Kafka documentation for full details on the topic configs. It is supported only in combination with --create. (To alter topic configurations, the kafka-configs tool can be used.)"),
    arg("delete-config", "name", ArgType::Str, "This option is no longer supported and has been deprecated since 4.0"),
    arg("partitions", "# of partitions", ArgType::Int, "The number of partitions for the topic being created or altered. If not supplied with --create, the topic uses the cluster default. (WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected)."),
    arg("replication-factor", "replication factor", ArgType::Int, "The replication factor for each partition in the topic being created. If not supplied, the topic uses the cluster default."),
    arg("replica-assignment", "broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , broker_id_for_part2_replica1 : broker_id_for_part2_replica2 , ...", ArgType::Str, "A list of manual partition-to-broker assignments for the topic being created or altered."),
    flag("under-replicated-partitions", "If set when describing topics, only show under-replicated partitions."),
    flag("unavailable-partitions", "If set when describing topics, only show partitions whose leader is not available."),
    flag("under-min-isr-partitions", "If set when describing topics, only show partitions whose isr count is less than the configured minimum."),
    flag("at-min-isr-partitions", "If set when describing topics, only show partitions whose isr count is equal to the configured minimum."),
    flag("topics-with-overrides", "If set when describing topics, only show topics that have overridden configs."),
    flag("if-exists", "If set when altering or deleting or describing topics, the action will only execute if the topic exists."),
    flag("if-not-exists", "If set when creating topics, the action will only execute if the topic does not already exist."),
    flag("exclude-internal", "Exclude internal topics when listing or describing topics. By default, the internal topics are included."),
    arg("partition-size-limit-per-response", "maximum number of partitions per response", ArgType::Int, "The maximum partition size to be included in one DescribeTopicPartitions response."),
];

/// The actions, in the order the checks name them.
const ACTIONS: &[&str] = &["alter", "create", "describe", "list", "delete"];
pub(super) const REPORTS: &[&str] = &[
    "under-replicated-partitions",
    "under-min-isr-partitions",
    "at-min-isr-partitions",
    "unavailable-partitions",
];

pub(super) fn run(cluster: &Cluster, args: &[String], p: &mut Printer) {
    let o = match opts::parse(OPTS, args) {
        Ok(o) => o,
        Err(e) => return p.exception(e.class(), &e.message()),
    };
    if !check_args(args, &o, p) {
        return;
    }
    let Some(image) = connect(cluster, &o, p) else {
        return;
    };
    let result = if o.has("create") {
        create(image, &o, p)
    } else if o.has("alter") {
        alter(image, &o, p)
    } else if o.has("list") {
        list(image, &o, p)
    } else if o.has("describe") {
        super::topics_describe::describe(cluster, image, &o, p)
    } else {
        delete(image, &o, p)
    };
    if let Err(text) = result {
        p.out(format!("Error while executing topic command : {text}"));
        p.exit(1);
    }
}

/// Kafka: `TopicCommandOptions.checkArgs`. `false` when it printed usage and exited.
fn check_args(args: &[String], o: &Parsed, p: &mut Printer) -> bool {
    if args.is_empty() {
        p.usage("Create, delete, describe, or change a topic.", OPTS);
        return false;
    }
    if o.has("help") {
        p.usage(
            "This tool helps to create, delete, describe, or change a topic.",
            OPTS,
        );
        return false;
    }
    if o.has("version") {
        p.out(super::KAFKA_VERSION);
        return false;
    }
    if ACTIONS.iter().filter(|a| o.has(a)).count() != 1 {
        p.usage("Command must include exactly one action: --list, --describe, --create, --alter or --delete", OPTS);
        return false;
    }
    if o.has("delete-config") {
        p.err("delete-config option is no longer supported and deprecated since version 4.0. The config will be fully removed in future releases.");
    }
    check_required_args(o, p) && check_invalid_args(o, p)
}

/// Kafka: `TopicCommandOptions.checkRequiredArgs`.
fn check_required_args(o: &Parsed, p: &mut Printer) -> bool {
    if !o.has("bootstrap-server") {
        p.exception(
            "java.lang.IllegalArgumentException",
            "--bootstrap-server must be specified",
        );
        return false;
    }
    if o.has("describe") && o.has("if-exists") {
        if !o.has("topic") && !o.has("topic-id") {
            p.usage(
                "--topic or --topic-id is required to describe a topic",
                OPTS,
            );
            return false;
        }
        if o.has("topic") && o.has("topic-id") {
            p.out("Only topic id will be used when both --topic and --topic-id are specified and topicId is not Uuid.ZERO_UUID");
        }
    }
    if !o.has("list") && !o.has("describe") && !o.has("topic") {
        p.usage("Missing required argument \"[topic]\"", OPTS);
        return false;
    }
    if o.has("alter") {
        if o.has("config") {
            p.usage(&format!("Option combination \"[bootstrap-server, config]\" can't be used with option \"[alter]\"{ALTER_NOTE}"), OPTS);
            return false;
        }
        if !o.has("partitions") {
            p.usage("Missing required argument \"[partitions]\"", OPTS);
            return false;
        }
    }
    true
}

/// Kafka: `TopicCommandOptions.checkInvalidArgs`: each option and the options it excludes.
fn check_invalid_args(o: &Parsed, p: &mut Printer) -> bool {
    let all_but = |keep: &[&str]| -> Vec<&'static str> {
        ACTIONS
            .iter()
            .copied()
            .filter(|a| !keep.contains(a))
            .collect()
    };
    let mut rules: Vec<(&str, Vec<&str>)> = vec![
        ("config", all_but(&["alter", "create"])),
        ("partitions", all_but(&["alter", "create"])),
        ("replication-factor", all_but(&["create"])),
        ("replica-assignment", all_but(&["alter", "create"])),
    ];
    if o.has("create") {
        rules.push((
            "replica-assignment",
            vec!["partitions", "replication-factor"],
        ));
    }
    for report in REPORTS {
        let mut excluded = all_but(&["describe"]);
        excluded.push("topics-with-overrides");
        rules.push((report, excluded));
    }
    let mut overrides = all_but(&["describe"]);
    overrides.extend(REPORTS);
    rules.push(("topics-with-overrides", overrides));
    rules.push(("if-exists", all_but(&["alter", "delete", "describe"])));
    rules.push(("if-not-exists", all_but(&["create"])));
    rules.push(("exclude-internal", all_but(&["list", "describe"])));
    for (used, excluded) in rules {
        if let Some(bad) = excluded.iter().find(|x| o.has(used) && o.has(x)) {
            p.usage(
                &format!("Option \"[{used}]\" can't be used with option \"[{bad}]\""),
                OPTS,
            );
            return false;
        }
    }
    true
}

/// `Admin.create` with the bootstrap servers, then a request to a live broker: the metadata
/// the tool will read, or the failure printed.
fn connect<'a>(cluster: &'a Cluster, o: &Parsed, p: &mut Printer) -> Option<&'a MetadataImage> {
    let value = o.value("bootstrap-server").unwrap_or_default();
    let servers: Vec<Server> = match address::resolve(cluster, value, p) {
        Ok(s) => s,
        Err(cause) => {
            // Kafka: KafkaAdminClient.createInternal wraps the ConfigException.
            p.err("Failed to create new KafkaAdminClient");
            p.err("org.apache.kafka.common.KafkaException: Failed to create new KafkaAdminClient");
            p.err(format!(
                "Caused by: org.apache.kafka.common.config.ConfigException: {cause}"
            ));
            p.exit(1);
            return None;
        }
    };
    let image = cluster.active_controller().map(|c| &c.image);
    match (address::reachable(cluster, &servers), image) {
        (Some(_), Some(image)) => Some(image),
        _ => {
            // Kafka: the admin client retries until default.api.timeout.ms (60 s), then fails
            // every call still waiting for a broker.
            let call = if o.has("create") {
                "createTopics"
            } else {
                "listTopics"
            };
            p.out(format!("Error while executing topic command : Timed out waiting for a node assignment. Call: {call}"));
            p.exit(1);
            None
        }
    }
}

/// Kafka: `Topic.isInternal`.
fn is_internal(topic: &str) -> bool {
    topic == "__consumer_offsets"
        || topic == "__transaction_state"
        || topic == "__share_group_state"
}

/// Kafka: `TopicService.getTopics` and `doGetTopics`: sorted names, filtered by the include
/// list (`IncludeList`: commas mean `|`, surrounding quotes dropped).
pub(super) fn get_topics(image: &MetadataImage, o: &Parsed) -> Vec<String> {
    let exclude_internal = o.has("exclude-internal");
    let include = o.value("topic").map(|raw| {
        let raw = raw.trim().replace(',', "|");
        raw.trim_start_matches(['"', '\''])
            .trim_end_matches(['"', '\''])
            .to_string()
    });
    image
        .topics
        .keys()
        .filter(|t| !(exclude_internal && is_internal(t)))
        .filter(|t| include.as_deref().is_none_or(|re| regex::matches(re, t)))
        .cloned()
        .collect()
}

/// Kafka: `TopicCommand.ensureTopicExists` (its message formats the `Optional`, as 4.0 does).
pub(super) fn ensure_topic_exists(found: &[String], o: &Parsed) -> Result<(), String> {
    match o.value("topic") {
        Some(t) if !t.is_empty() && !o.has("if-exists") && found.is_empty() => {
            Err(format!("Topic 'Optional[{t}]' does not exist as expected"))
        }
        _ => Ok(()),
    }
}

/// Kafka: `TopicService.listTopics`: one name per line (an empty line when there are none).
fn list(image: &MetadataImage, o: &Parsed, p: &mut Printer) -> Result<(), String> {
    p.out(get_topics(image, o).join("\n"));
    Ok(())
}

/// Kafka: `TopicService.createTopic`: client-side checks, then CreateTopics. The command runs
/// in the session; `Created topic X.` is printed once the controller accepted it.
fn create(image: &MetadataImage, o: &Parsed, p: &mut Printer) -> Result<(), String> {
    let name = o.value("topic").unwrap_or_default().to_string();
    let config = parse_topic_configs(o.values("config"))?;
    if name.contains('.') || name.contains('_') {
        p.out("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.");
    }
    // Kafka: TopicCommandOptions.replicaAssignment: an empty value counts as absent.
    let assignment = match o.value("replica-assignment").filter(|v| !v.is_empty()) {
        Some(v) => Some(parse_replica_assignment(v)?),
        None => None,
    };
    let replication_factor = o.int("replication-factor");
    if replication_factor.is_some_and(|rf| !(1..=i32::from(i16::MAX)).contains(&rf)) {
        return Err("The replication factor must be between 1 and 32767 inclusive".to_string());
    }
    let partitions = o.int("partitions");
    if partitions.is_some_and(|n| n < 1) {
        return Err("The partitions must be greater than 0".to_string());
    }
    validate_topic_name(&name)?;
    if image.topics.contains_key(&name) {
        return if o.has("if-not-exists") {
            Ok(())
        } else {
            Err(format!("Topic '{name}' already exists."))
        };
    }
    // The cluster defaults (`num.partitions`, `default.replication.factor`) are 1 in 4.0.
    let replication_factor = replication_factor.unwrap_or(1) as u32;
    let command = match assignment {
        Some(assignment) => Command::CreateTopicWithAssignment {
            topic: name.clone(),
            assignment,
            config,
        },
        None => Command::CreateTopic {
            topic: name.clone(),
            partitions: partitions.unwrap_or(1),
            replication_factor,
            config,
        },
    };
    p.outcome.command = Some(ConsoleCommand {
        command,
        on_success: vec![super::out(format!("Created topic {name}."))],
        failure: Failure::Topic {
            topic: name,
            replication_factor,
        },
        settle_ms: 0,
        then: Vec::new(),
    });
    Ok(())
}

/// Kafka: `TopicCommand.parseReplicaAssignment`: partitions split on `,`, brokers on `:`, each
/// parsed as `Integer.parseInt` does, no broker twice, every partition as many replicas as the
/// first.
pub(super) fn parse_replica_assignment(value: &str) -> Result<Vec<Vec<u32>>, String> {
    let mut assignment: Vec<Vec<u32>> = Vec::new();
    // Java's `String.split` drops trailing empty strings.
    let partitions: Vec<&str> = value.split(',').collect();
    let kept = partitions.len() - partitions.iter().rev().take_while(|p| p.is_empty()).count();
    for (i, partition) in partitions[..kept.max(1)].iter().enumerate() {
        let mut brokers = Vec::new();
        let words: Vec<&str> = partition.split(':').collect();
        let kept = words.len() - words.iter().rev().take_while(|w| w.is_empty()).count();
        for word in &words[..kept.max(1)] {
            let word = word.trim();
            let broker: i32 = word
                .parse()
                .map_err(|_| format!("For input string: \"{word}\""))?;
            brokers.push(broker);
        }
        let mut seen = std::collections::BTreeSet::new();
        let duplicates: std::collections::BTreeSet<i32> =
            crate::sim::sort::collect_set(brokers.iter().copied().filter(|b| !seen.insert(*b)));
        if !duplicates.is_empty() {
            let list: Vec<String> = duplicates.iter().map(i32::to_string).collect();
            return Err(format!(
                "Partition replica lists may not contain duplicate entries: {}",
                list.join(",")
            ));
        }
        if assignment
            .first()
            .is_some_and(|first| first.len() != brokers.len())
        {
            let shown: Vec<String> = brokers.iter().map(i32::to_string).collect();
            return Err(format!(
                "Partition {i} has different replication factor: [{}]",
                shown.join(", ")
            ));
        }
        // A negative id names no registered broker: the controller would say so.
        let mut ids = Vec::new();
        for b in brokers {
            ids.push(u32::try_from(b).map_err(|_| {
                format!("The manual partition assignment includes broker {b}, but no such broker is registered.")
            })?);
        }
        assignment.push(ids);
    }
    Ok(assignment)
}

/// Kafka: `TopicCommand.parseTopicConfigsToBeAdded` (`key=val` pairs split on `=`).
fn parse_topic_configs(values: &[String]) -> Result<BTreeMap<String, String>, String> {
    let mut config = BTreeMap::new();
    for v in values {
        let parts: Vec<&str> = v.split('=').map(str::trim).collect();
        let [key, value] = parts[..] else {
            return Err("requirement failed: Invalid topic config: all configs to be added must be in the format \"key=val\".".to_string());
        };
        config.insert(key.to_string(), value.to_string());
    }
    Ok(config)
}

/// Kafka: `Topic.validate` (the controller's `InvalidTopicException`).
pub(super) fn validate_topic_name(name: &str) -> Result<(), String> {
    let reason = if name.is_empty() {
        "the empty string is not allowed".to_string()
    } else if name == "." || name == ".." {
        format!("'{name}' is not allowed")
    } else if name.len() > 249 {
        format!("the length of '{name}' is longer than the max allowed length 249")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        format!("'{name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'")
    } else {
        return Ok(());
    };
    Err(format!("Topic name is invalid: {reason}"))
}

/// Kafka: `TopicService.alterTopic`: CreatePartitions up to `--partitions`, silent on success.
fn alter(image: &MetadataImage, o: &Parsed, p: &mut Printer) -> Result<(), String> {
    let topics = get_topics(image, o);
    ensure_topic_exists(&topics, o)?;
    let assignment = match o.value("replica-assignment").filter(|v| !v.is_empty()) {
        Some(v) => Some(parse_replica_assignment(v)?),
        None => None,
    };
    let partitions = o.int("partitions").unwrap_or_default();
    // One command per run: an include list matching several topics alters the first.
    if let Some(topic) = topics.into_iter().next() {
        let existing = &image.topics[&topic].partitions;
        let replication_factor = existing.first().map_or(1, |r| r.replicas.len() as u32);
        // Kafka: `topicNewPartitions`: the assignment's entries past the existing partitions.
        let command = match assignment {
            Some(assignment) => Command::AddPartitionsWithAssignment {
                topic: topic.clone(),
                partitions,
                assignment: assignment.into_iter().skip(existing.len()).collect(),
            },
            None => Command::AddPartitions {
                topic: topic.clone(),
                partitions,
            },
        };
        p.outcome.command = Some(ConsoleCommand {
            command,
            on_success: Vec::new(),
            failure: Failure::Topic {
                topic,
                replication_factor,
            },
            settle_ms: 0,
            then: Vec::new(),
        });
    }
    Ok(())
}

/// Kafka: `TopicService.deleteTopic`: every topic the include list matches, in one
/// DeleteTopics call; silent on success.
fn delete(image: &MetadataImage, o: &Parsed, p: &mut Printer) -> Result<(), String> {
    let topics = get_topics(image, o);
    ensure_topic_exists(&topics, o)?;
    let Some(first) = topics.first().cloned() else {
        return Ok(());
    };
    let replication_factor = image.topics[&first]
        .partitions
        .first()
        .map_or(1, |r| r.replicas.len() as u32);
    p.outcome.command = Some(ConsoleCommand {
        command: Command::DeleteTopics { topics },
        on_success: Vec::new(),
        failure: Failure::Topic {
            topic: first,
            replication_factor,
        },
        settle_ms: 0,
        then: Vec::new(),
    });
    Ok(())
}

/// What the tool prints for a refused admin call (`printException`: the cause's message).
pub(super) fn error_text(e: &CommandError, topic: &str, replication_factor: u32) -> String {
    match e {
        CommandError::TopicExists(t) => format!("Topic '{t}' already exists."),
        CommandError::UnknownTopic(_) => "This server does not host this topic-partition.".to_string(),
        CommandError::Placement(p) => {
            format!("Unable to replicate the partition {replication_factor} time(s): {}", p.message())
        }
        CommandError::Config(c) if matches!(c.problem, ConfigProblem::UnknownKey { .. }) => {
            format!("Unknown topic config name: {}", c.key)
        }
        CommandError::InvalidPartitions { requested, current: Some(current) } if requested == current => {
            format!("Topic already has {current} partition(s).")
        }
        CommandError::InvalidPartitions { requested, current: Some(current) } => format!(
            "The topic {topic} currently has {current} partition(s); {requested} would not be an increase."
        ),
        CommandError::NoActiveController => "Timed out waiting for a node assignment. Call: createTopics".to_string(),
        other => other.to_string(),
    }
}
