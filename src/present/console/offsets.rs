//! `kafka-get-offsets.sh`: Kafka: `org.apache.kafka.tools.GetOffsetShell` (4.0). One line
//! `topic:partition:offset` per partition, sorted by the partition's name, for `--time latest`
//! (the high watermark, as ListOffsets answers a read_uncommitted client), `earliest` (the log
//! start offset), `max-timestamp`, or a timestamp (the first offset at or after it).

use super::address;
use super::opts::{self, arg, flag, ArgType, Opt, Parsed};
use super::{regex, Printer};
use crate::kafka::{Cluster, TopicPartition};

pub const OPTS: &[Opt] = &[
    arg("bootstrap-server", "HOST1:PORT1,...,HOST3:PORT3", ArgType::Str, "REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2."),
    arg("topic-partitions", "topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3", ArgType::Str, "Comma separated list of topic-partition patterns to get the offsets for."),
    arg("topic", "topic", ArgType::Str, "The topic to get the offsets for. It also accepts a regular expression. If not present, all authorized topics are queried. Cannot be used if --topic-partitions is present."),
    arg("partitions", "partition ids", ArgType::Str, "Comma separated list of partition ids to get the offsets for. If not present, all partitions of the authorized topics are queried. Cannot be used if --topic-partitions is present."),
    Opt {
        name: "time",
        arg: Some(("<timestamp> / -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered", ArgType::Str)),
        default: Some("latest"),
        doc: "timestamp of the offsets before that. [Note: No offset is returned, if the timestamp greater than recently committed record timestamp is given.]",
        optional: false,
    },
    arg("command-config", "config file", ArgType::Str, "Property file containing configs to be passed to Admin Client."),
    flag("exclude-internal-topics", "By default, internal topics are included. If specified, internal topics are excluded."),
];

const USAGE: &str = "An interactive shell for getting topic-partition offsets.";

/// What `--time` asks for (`GetOffsetShell.parseOffsetSpec`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Spec {
    Latest,
    Earliest,
    MaxTimestamp,
    Timestamp(i64),
}

pub(super) fn run(cluster: &Cluster, args: &[String], p: &mut Printer) {
    if args.is_empty() {
        return p.usage(USAGE, OPTS);
    }
    let o = match opts::parse(OPTS, args) {
        Ok(o) => o,
        Err(e) => return terse(p, &e.message()),
    };
    if o.has("help") {
        return p.usage(USAGE, OPTS);
    }
    if o.has("version") {
        return p.out(super::KAFKA_VERSION);
    }
    let Some(servers) = o.value("bootstrap-server") else {
        return p.usage("Missing required argument \"[bootstrap-server]\"", OPTS);
    };
    if o.has("topic-partitions") && (o.has("topic") || o.has("partitions")) {
        return terse(
            p,
            "--topic-partitions cannot be used with --topic or --partitions",
        );
    }
    let spec = match parse_spec(o.value("time").unwrap_or("latest")) {
        Ok(s) => s,
        Err(text) => return terse(p, &text),
    };
    let filter = match o.value("topic-partitions") {
        Some(list) => match rule_list(list) {
            Ok(rules) => Filter::Rules(rules),
            Err(RuleError::Invalid(spec)) => {
                // Kafka wraps the TerseException in a RuntimeException: not terse any more.
                let message = format!(
                    "org.apache.kafka.tools.TerseException: Invalid rule specification: {spec}"
                );
                p.err(format!("Error occurred: {message}"));
                p.err(format!("java.lang.RuntimeException: {message}"));
                return p.exit(1);
            }
            Err(RuleError::Number(word)) => {
                let message = format!("For input string: \"{word}\"");
                p.err(format!("Error occurred: {message}"));
                p.err(format!("java.lang.NumberFormatException: {message}"));
                return p.exit(1);
            }
        },
        None => match partition_set(&o) {
            Ok(s) => Filter::TopicAndPartitions(o.value("topic").unwrap_or(".*").to_string(), s),
            Err(text) => return terse(p, &text),
        },
    };
    match address::resolve(cluster, servers, p) {
        Ok(s) if address::reachable(cluster, &s).is_some() => {}
        Ok(_) => return terse(p, "org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: listTopics"),
        Err(cause) => return terse(p, &format!("Failed to create new KafkaAdminClient (Caused by: ConfigException: {cause})")),
    }
    let matched = matching_partitions(cluster, &o, &filter);
    if matched.is_empty() {
        return terse(
            p,
            "Could not match any topic-partitions with the specified filters",
        );
    }
    for tp in matched {
        if let Some(offset) = offset_of(cluster, &tp, spec) {
            p.out(format!("{}:{}:{offset}", tp.topic, tp.partition));
        }
    }
}

/// `mainNoExit` catching a `TerseException`.
fn terse(p: &mut Printer, message: &str) {
    p.err(format!("Error occurred: {message}"));
    p.exit(1);
}

fn parse_spec(time: &str) -> Result<Spec, String> {
    Ok(match time {
        "latest" | "-1" => Spec::Latest,
        "earliest" | "-2" | "earliest-local" | "-4" => Spec::Earliest,
        "max-timestamp" | "-3" => Spec::MaxTimestamp,
        other => match other.parse::<i64>() {
            Ok(ts) if ts >= 0 => Spec::Timestamp(ts),
            _ => return Err(format!("Malformed time argument {other}. Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered, or a specified long format timestamp")),
        },
    })
}

fn partition_set(o: &Parsed) -> Result<Vec<i32>, String> {
    match o.value("partitions") {
        None | Some("") => Ok(Vec::new()),
        Some(list) => list.split(',').map(|x| x.parse::<i32>()).collect::<Result<_, _>>().map_err(|_| {
            format!("--partitions expects a comma separated list of numeric partition ids, but received: {list}")
        }),
    }
}

/// Which partitions the tool asks about: `--topic` with `--partitions`
/// (`TopicFilterAndPartitionFilter`), or `--topic-partitions` rules (`CompositeTopicPartitionFilter`).
enum Filter {
    TopicAndPartitions(String, Vec<i32>),
    Rules(Vec<Rule>),
}

/// One `--topic-partitions` rule: a topic regex and a partition, or a range `[from, to)`.
struct Rule {
    topic: String,
    partitions: Partitions,
}

enum Partitions {
    One(i32),
    Range(i32, i32),
}

enum RuleError {
    Invalid(String),
    Number(String),
}

impl Filter {
    fn allows(&self, tp: &TopicPartition) -> bool {
        let name = tp.topic.to_string();
        match self {
            Filter::TopicAndPartitions(pattern, set) => {
                regex::matches(pattern, &name) && (set.is_empty() || set.contains(&tp.partition))
            }
            Filter::Rules(rules) => rules.iter().any(|r| {
                regex::matches(&r.topic, &name)
                    && match r.partitions {
                        Partitions::One(p) => tp.partition == p,
                        // Kafka: PartitionRangeFilter: the upper bound is excluded.
                        Partitions::Range(from, to) => tp.partition >= from && tp.partition < to,
                    }
            }),
        }
    }
}

/// Kafka: `GetOffsetShell.createTopicPartitionFilterWithPatternList` and `parseRuleSpec`: each
/// comma-separated rule matches `([^:,]*)(?::(?:([0-9]*)|(?:([0-9]*)-([0-9]*))))?`.
fn rule_list(list: &str) -> Result<Vec<Rule>, RuleError> {
    let number = |w: &str| {
        w.parse::<i32>()
            .map_err(|_| RuleError::Number(w.to_string()))
    };
    let digits = |w: &str| w.chars().all(|c| c.is_ascii_digit());
    let specs: Vec<&str> = list.split(',').collect();
    // Java's `String.split` drops trailing empty strings.
    let kept = specs.len() - specs.iter().rev().take_while(|s| s.is_empty()).count();
    let mut rules = Vec::new();
    for spec in &specs[..kept] {
        let (topic, rest) = match spec.split_once(':') {
            Some((t, r)) => (t, Some(r)),
            None => (*spec, None),
        };
        let topic = if topic.is_empty() { ".*" } else { topic }.to_string();
        let partitions = match rest {
            None => Partitions::Range(0, i32::MAX),
            Some(r) if digits(r) && !r.is_empty() => Partitions::One(number(r)?),
            Some(r) if digits(r) => Partitions::Range(0, i32::MAX),
            Some(r) => match r.split_once('-') {
                Some((a, b)) if digits(a) && digits(b) => Partitions::Range(
                    if a.is_empty() { 0 } else { number(a)? },
                    if b.is_empty() { i32::MAX } else { number(b)? },
                ),
                _ => return Err(RuleError::Invalid(spec.to_string())),
            },
        };
        rules.push(Rule { topic, partitions });
    }
    Ok(rules)
}

/// The partitions the filters select, sorted as `TopicPartition.toString()` sorts.
fn matching_partitions(cluster: &Cluster, o: &Parsed, filter: &Filter) -> Vec<TopicPartition> {
    let Some(image) = cluster.active_controller().map(|c| &c.image) else {
        return Vec::new();
    };
    let exclude_internal = o.has("exclude-internal-topics");
    let mut found: Vec<TopicPartition> = image
        .topics
        .values()
        .filter(|t| !(exclude_internal && t.name.starts_with("__")))
        .flat_map(|t| (0..t.partitions.len() as i32).map(move |i| TopicPartition::new(&t.name, i)))
        .filter(|tp| filter.allows(tp))
        .collect();
    crate::sim::sort::sort_by_key(&mut found, |tp| tp.to_string());
    found
}

/// What ListOffsets answers for `tp`, from the partition's leader (`None`: UNKNOWN_OFFSET).
pub(super) fn offset_of(cluster: &Cluster, tp: &TopicPartition, spec: Spec) -> Option<i64> {
    let broker = crate::check::history::authoritative_replica(cluster.brokers.values(), tp)?;
    let replica = broker.replicas.get(tp)?;
    let visible = |offset: &i64| *offset < replica.high_watermark;
    match spec {
        Spec::Latest => Some(replica.high_watermark),
        Spec::Earliest => Some(replica.log.log_start_offset()),
        Spec::MaxTimestamp => replica
            .log
            .records()
            .filter(|(o, _, _)| visible(o))
            .max_by_key(|(o, _, r)| (r.timestamp_ms, -o))
            .map(|(o, _, _)| o),
        Spec::Timestamp(ts) => replica
            .log
            .records()
            .find(|(o, _, r)| visible(o) && r.timestamp_ms >= ts)
            .map(|(o, _, _)| o),
    }
}
