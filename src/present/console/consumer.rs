//! `kafka-console-consumer.sh`: Kafka: `org.apache.kafka.tools.consumer.ConsoleConsumer` (4.0)
//! with `DefaultMessageFormatter`. The tool starts a real simulated consumer (a recorded
//! `AddConsumer`, on the stage like any other: it joins its group and commits); the session
//! prints the records its `poll()` returns, until `--max-messages` or Ctrl-C, then
//! `Processed a total of N messages`.

use super::address;
use super::opts::{arg, flag, ArgType, Opt, Parsed};
use super::{ConsoleCommand, Failure, Foreground, Printer};
use crate::kafka::command::SeekTarget;
use crate::kafka::record::Record;
use crate::kafka::{Cluster, Command, NodeId, TopicPartition};
use std::collections::BTreeMap;

pub const OPTS: &[Opt] = &[
    arg("bootstrap-server", "server to connect to", ArgType::Str, "REQUIRED: The server(s) to connect to."),
    arg("topic", "topic", ArgType::Str, "The topic to consume on."),
    arg("group", "consumer group id", ArgType::Str, "The consumer group id of the consumer."),
    flag("from-beginning", "If the consumer does not already have an established offset to consume from, start with the earliest message present in the log rather than the latest message."),
    arg("max-messages", "num_messages", ArgType::Int, "The maximum number of messages to consume before exiting. If not set, consumption is continual."),
    arg("property", "prop", ArgType::Str, "The properties to initialize the message formatter. Default properties include: print.timestamp=true|false print.key=true|false print.offset=true|false print.partition=true|false print.headers=true|false print.value=true|false key.separator=<key.separator> line.separator=<line.separator> headers.separator=<line.separator> null.literal=<null.literal>"),
    arg("consumer-property", "consumer_prop", ArgType::Str, "A mechanism to pass user-defined properties in the form key=value to the consumer."),
    arg("partition", "partition", ArgType::Int, "The partition to consume from. Consumption starts from the end of the partition unless '--offset' is specified."),
    // No `defaultsTo` here: the tool must tell a typed `--offset` from the default one.
    arg("offset", "consume offset", ArgType::Str, "The offset to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end (default: latest)"),
    arg("timeout-ms", "timeout_ms", ArgType::Long, "If specified, exit if no message is available for consumption for the specified interval."),
    arg("isolation-level", "", ArgType::Str, "Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted to read all messages. (default: read_uncommitted)"),
];

/// What `DefaultMessageFormatter` prints for each record.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct RecordFormat {
    pub timestamp: bool,
    pub key: bool,
    pub offset: bool,
    pub partition: bool,
    pub headers: bool,
    pub hide_value: bool,
    pub key_separator: String,
}

pub(super) fn run(cluster: &Cluster, args: &[String], p: &mut Printer) {
    let Some(o) = p.client_options(
        OPTS,
        args,
        "This tool helps to read data from Kafka topics and outputs it to standard output.",
    ) else {
        return;
    };
    let Some(topic) = o.value("topic") else {
        return p.usage("Exactly one of --include/--topic is required. ", OPTS);
    };
    let Some(start) = check_partition_args(&o, p) else {
        return;
    };
    if !o.has("bootstrap-server") {
        // Kafka: ConsoleConsumer.main logs what KafkaConsumer's constructor threw.
        p.err("ERROR Unknown error when running consumer:  (org.apache.kafka.tools.consumer.ConsoleConsumer)");
        p.err("org.apache.kafka.common.config.ConfigException: Missing required configuration \"bootstrap.servers\" which has no default value.");
        return p.exit(1);
    }
    if let Err(cause) =
        address::resolve(cluster, o.value("bootstrap-server").unwrap_or_default(), p)
    {
        p.err(format!("Exception in thread \"main\" org.apache.kafka.common.KafkaException: Failed to construct kafka consumer\nCaused by: org.apache.kafka.common.config.ConfigException: {cause}"));
        return p.exit(1);
    }
    let Some(format) = record_format(&o, p) else {
        return;
    };
    let Some(config) = consumer_config(&o, p) else {
        return;
    };
    let id = cluster.consumers.keys().max().copied().unwrap_or(0) + 1;
    // Kafka: ConsoleConsumerOptions: a random `console-consumer-NNNNN` group unless one is given.
    let group = o.value("group").map_or_else(
        || format!("console-consumer-{}", (id * 7919) % 100_000),
        str::to_string,
    );
    let (subscribe, assign, then) = subscription(topic, id, start);
    p.outcome.command = Some(ConsoleCommand {
        command: Command::AddConsumer {
            group: Some(group),
            subscribe,
            assign,
            config,
            app: None,
        },
        on_success: Vec::new(),
        failure: Failure::Client,
        settle_ms: 0,
        then,
    });
    p.outcome.foreground = Some(Foreground::Consumer {
        consumer: id,
        max_messages: o.int("max-messages").and_then(|n| u32::try_from(n).ok()),
        // Kafka: ConsoleConsumerOptions.parseTimeoutMs: a negative timeout waits forever.
        timeout_ms: o.long("timeout-ms").and_then(|t| u64::try_from(t).ok()),
        format,
    });
}

/// Kafka: `ConsoleConsumer.ConsumerWrapper`: `subscribe` to the topic, or `assign` the one
/// partition and `seek` (a command of its own, run after the consumer started).
fn subscription(
    topic: &str,
    id: u32,
    start: Option<(i32, SeekTarget)>,
) -> (Vec<String>, Vec<String>, Vec<Command>) {
    match start {
        None => (vec![topic.to_string()], Vec::new(), Vec::new()),
        Some((partition, to)) => {
            let tp = format!("{topic}-{partition}");
            let seek = Command::Seek {
                consumer: NodeId::Consumer(id),
                partition: tp.clone(),
                to,
            };
            (Vec::new(), vec![tp], vec![seek])
        }
    }
}

/// Kafka: `ConsoleConsumerOptions.checkRequiredArgs`, `checkConsumerGroup` and `parseOffset`:
/// `--partition` assigns that one partition and seeks (`ConsumerWrapper.seek`) to `--offset`
/// (`latest` unless `--from-beginning`). `Some(None)`: the tool subscribes instead; `None`: the
/// usage was printed.
#[allow(clippy::option_option)]
fn check_partition_args(o: &Parsed, p: &mut Printer) -> Option<Option<(i32, SeekTarget)>> {
    let Some(partition) = o.int("partition") else {
        if o.has("offset") {
            p.usage("The partition is required when offset is specified.", OPTS);
            return None;
        }
        return Some(None);
    };
    if o.has("from-beginning") && o.has("offset") {
        p.usage(
            "Options from-beginning and offset cannot be specified together.",
            OPTS,
        );
        return None;
    }
    let group_given = o.has("group")
        || o.values("consumer-property").iter().any(|v| {
            v.split_once('=')
                .is_some_and(|(k, _)| k.trim() == "group.id")
        });
    if group_given {
        p.usage(
            "Options group and partition cannot be specified together.",
            OPTS,
        );
        return None;
    }
    let to = match o.value("offset").map(str::to_ascii_lowercase).as_deref() {
        Some("earliest") => SeekTarget::Beginning,
        Some("latest") => SeekTarget::End,
        None if o.has("from-beginning") => SeekTarget::Beginning,
        None => SeekTarget::End,
        Some(_) => {
            let typed = o.value("offset").unwrap_or_default();
            match typed.parse::<i64>() {
                Ok(n) if n >= 0 => SeekTarget::Offset(n),
                _ => {
                    p.usage(&format!("The provided offset value '{typed}' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long."), OPTS);
                    return None;
                }
            }
        }
    };
    Some(Some((partition, to)))
}

/// `--property` for `DefaultMessageFormatter.configure`.
fn record_format(o: &Parsed, p: &mut Printer) -> Option<RecordFormat> {
    let mut f = RecordFormat {
        key_separator: "\t".to_string(),
        ..RecordFormat::default()
    };
    for prop in o.values("property") {
        let Some((k, v)) = prop.split_once('=') else {
            p.usage(&format!("Invalid property: {prop}"), OPTS);
            return None;
        };
        let on = v.trim().eq_ignore_ascii_case("true");
        match k.trim() {
            "print.timestamp" => f.timestamp = on,
            "print.key" => f.key = on,
            "print.offset" => f.offset = on,
            "print.partition" => f.partition = on,
            "print.headers" => f.headers = on,
            "print.value" => f.hide_value = !on,
            "key.separator" => f.key_separator = v.to_string(),
            _ => {}
        }
    }
    Some(f)
}

/// `--from-beginning`, `--consumer-property` and `--isolation-level` as consumer configs.
fn consumer_config(o: &Parsed, p: &mut Printer) -> Option<BTreeMap<String, String>> {
    let mut config = BTreeMap::new();
    let reset = if o.has("from-beginning") {
        "earliest"
    } else {
        "latest"
    };
    config.insert("auto.offset.reset".to_string(), reset.to_string());
    for prop in o.values("consumer-property") {
        let Some((k, v)) = prop.split_once('=') else {
            p.usage(&format!("Invalid consumer property: {prop}"), OPTS);
            return None;
        };
        config.insert(k.trim().to_string(), v.trim().to_string());
    }
    if let Some(level) = o.value("isolation-level") {
        config.insert("isolation.level".to_string(), level.to_string());
    }
    Some(config)
}

/// The lines `DefaultMessageFormatter.writeTo` prints for records a `poll()` returned.
pub fn format_records(
    cluster: &Cluster,
    polled: &[(TopicPartition, i64)],
    f: &RecordFormat,
) -> Vec<String> {
    let found = find_records(cluster, polled);
    polled
        .iter()
        .map(|(tp, offset)| match found.get(&(tp, *offset)) {
            Some(r) => format_record(tp, *offset, r, f),
            None => "null".to_string(),
        })
        .collect()
}

/// The key and value bytes of each polled record (`ConsumerPerformance` counts
/// `record.key().length + record.value().length`).
pub fn record_sizes(cluster: &Cluster, polled: &[(TopicPartition, i64)]) -> Vec<u64> {
    let found = find_records(cluster, polled);
    let len = |v: &Option<crate::kafka::record::Payload>| v.as_ref().map_or(0, |p| p.len() as u64);
    polled
        .iter()
        .map(|(tp, offset)| {
            found
                .get(&(tp, *offset))
                .map_or(0, |r| len(&r.key) + len(&r.value))
        })
        .collect()
}

/// The polled records as the partition's authoritative replica holds them.
fn find_records<'a>(
    cluster: &'a Cluster,
    polled: &'a [(TopicPartition, i64)],
) -> BTreeMap<(&'a TopicPartition, i64), &'a Record> {
    let mut by_partition: BTreeMap<&TopicPartition, Vec<i64>> = BTreeMap::new();
    for (tp, offset) in polled {
        by_partition.entry(tp).or_default().push(*offset);
    }
    let mut found: BTreeMap<(&TopicPartition, i64), &Record> = BTreeMap::new();
    for (tp, offsets) in &by_partition {
        let Some(broker) =
            crate::check::history::authoritative_replica(cluster.brokers.values(), tp)
        else {
            continue;
        };
        for (offset, _, record) in broker.replicas[*tp].log.records() {
            if offsets.contains(&offset) {
                found.insert((*tp, offset), record);
            }
        }
    }
    found
}

/// Kafka: `DefaultMessageFormatter.writeTo`: timestamp, partition, offset, headers, key, value.
fn format_record(tp: &TopicPartition, offset: i64, r: &Record, f: &RecordFormat) -> String {
    let mut line = String::new();
    let text = |v: &Option<crate::kafka::record::Payload>| {
        v.as_ref().map_or("null".to_string(), |p| p.to_string())
    };
    if f.timestamp {
        line.push_str(&format!("CreateTime:{}\t", r.timestamp_ms));
    }
    if f.partition {
        line.push_str(&format!("Partition:{}\t", tp.partition));
    }
    if f.offset {
        line.push_str(&format!("Offset:{offset}\t"));
    }
    if f.headers {
        let headers: Vec<String> = r
            .headers
            .iter()
            .map(|h| format!("{}:{}", h.key, h.value))
            .collect();
        line.push_str(&if headers.is_empty() {
            "NO_HEADERS".to_string()
        } else {
            headers.join(",")
        });
        line.push('\t');
    }
    if f.key {
        line.push_str(&text(&r.key));
        line.push_str(&f.key_separator);
    }
    if !f.hide_value {
        line.push_str(&text(&r.value));
    }
    line
}
