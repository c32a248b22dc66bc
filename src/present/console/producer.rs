//! `kafka-console-producer.sh`: Kafka: `org.apache.kafka.tools.ConsoleProducer` (4.0) with its
//! `LineMessageReader`. The tool starts a real simulated producer (a recorded `AddProducer`, on
//! the stage like any other); every line typed while it runs is one `send()` (a recorded
//! `Produce`), split into key and value with `parse.key=true`. Ctrl-C or Ctrl-D ends it.

use super::address;
use super::opts::{arg, ArgType, Opt, Parsed};
use super::{ConsoleCommand, Failure, Foreground, Printer};
use crate::kafka::{Cluster, Command, NodeId};
use std::collections::BTreeMap;

pub const OPTS: &[Opt] = &[
    arg("bootstrap-server", "server to connect to", ArgType::Str, "REQUIRED: The server(s) to connect to. The broker list string in the form HOST1:PORT1,HOST2:PORT2."),
    arg("topic", "topic", ArgType::Str, "REQUIRED: The topic id to produce messages to."),
    arg("property", "prop", ArgType::Str, "A mechanism to pass user-defined properties in the form key=value to the message reader. This allows custom configuration for a user-defined message reader. Default properties include: parse.key=false parse.headers=false ignore.error=false key.separator=\\t headers.delimiter=\\t headers.separator=, headers.key.separator=: null.marker=   When set, any fields (key, value and headers) equal to this will be replaced by null"),
    arg("producer-property", "producer_prop", ArgType::Str, "A mechanism to pass user-defined properties in the form key=value to the producer."),
    arg("request-required-acks", "request required acks", ArgType::Str, "The required `acks` of the producer requests (default: -1)"),
];

/// How typed lines become records (`LineMessageReader.configure`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LineReader {
    pub topic: String,
    pub parse_key: bool,
    pub key_separator: String,
    /// Lines read so far (Kafka numbers them in its errors).
    pub line_number: u32,
}

pub(super) fn run(cluster: &Cluster, args: &[String], p: &mut Printer) {
    let Some(o) = p.client_options(
        OPTS,
        args,
        "This tool helps to read data from standard input and publish it to Kafka.",
    ) else {
        return;
    };
    let (Some(topic), Some(servers)) = (o.value("topic"), o.value("bootstrap-server")) else {
        return p.usage("Missing required argument \"[topic]\"", OPTS);
    };
    if let Err(cause) = address::resolve(cluster, servers, p) {
        p.err(format!("Exception in thread \"main\" org.apache.kafka.common.KafkaException: Failed to construct kafka producer\nCaused by: org.apache.kafka.common.config.ConfigException: {cause}"));
        return p.exit(1);
    }
    let Some(reader) = line_reader(topic, &o, p) else {
        return;
    };
    let Some(config) = producer_config(&o, p) else {
        return;
    };
    let id = cluster.producers.keys().max().copied().unwrap_or(0) + 1;
    p.outcome.command = Some(ConsoleCommand {
        command: Command::AddProducer { config },
        on_success: Vec::new(),
        failure: Failure::Client,
        settle_ms: 0,
        then: Vec::new(),
    });
    p.outcome.foreground = Some(Foreground::Producer {
        producer: id,
        reader,
    });
}

fn line_reader(topic: &str, o: &Parsed, p: &mut Printer) -> Option<LineReader> {
    let mut reader = LineReader {
        topic: topic.to_string(),
        parse_key: false,
        key_separator: "\t".to_string(),
        line_number: 0,
    };
    for prop in o.values("property") {
        let Some((k, v)) = prop.split_once('=') else {
            p.err(format!("Exception in thread \"main\" java.lang.IllegalArgumentException: Invalid command line properties: {prop}"));
            p.exit(1);
            return None;
        };
        match k.trim() {
            "parse.key" => reader.parse_key = v.trim().eq_ignore_ascii_case("true"),
            "key.separator" => reader.key_separator = v.to_string(),
            _ => {}
        }
    }
    if reader.key_separator.is_empty() {
        reader.key_separator = "\t".to_string();
    }
    Some(reader)
}

/// `ConsoleProducerOptions.producerProps`: the tool's defaults, `--request-required-acks`, then
/// `--producer-property` (which wins).
fn producer_config(o: &Parsed, p: &mut Printer) -> Option<BTreeMap<String, String>> {
    let mut config: BTreeMap<String, String> = crate::sim::sort::collect_map(
        [
            ("linger.ms", "1000"),
            ("retries", "3"),
            ("request.timeout.ms", "1500"),
            ("retry.backoff.ms", "100"),
            ("client.id", "console-producer"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let acks = o.value("request-required-acks").unwrap_or("-1");
    let mut overrides = BTreeMap::new();
    for prop in o.values("producer-property") {
        let Some((k, v)) = prop.split_once('=') else {
            p.err(format!("Exception in thread \"main\" java.lang.IllegalArgumentException: Invalid command line properties: {prop}"));
            p.exit(1);
            return None;
        };
        overrides.insert(k.trim().to_string(), v.trim().to_string());
    }
    // Kafka: `maybeMergeOptions`: a tool option given on the command line beats a
    // --producer-property; a tool default only fills a key the properties left unset.
    if o.has("request-required-acks") || !overrides.contains_key("acks") {
        overrides.insert("acks".to_string(), acks.to_string());
    }
    config.extend(overrides);
    Some(config)
}

/// Kafka: `LineMessageReader.readRecords`: one typed line as a `send()`, or the error that
/// ends the tool (a line without the key separator when keys are parsed).
pub fn line_to_command(
    producer: u32,
    reader: &mut LineReader,
    line: &str,
) -> Result<Command, String> {
    reader.line_number += 1;
    let (key, value) = if reader.parse_key {
        match line.split_once(reader.key_separator.as_str()) {
            Some((k, v)) => (Some(k.to_string()), v.to_string()),
            None => {
                return Err(format!(
                    "org.apache.kafka.common.KafkaException: No key separator found on line number {}: '{line}'",
                    reader.line_number
                ))
            }
        }
    } else {
        (None, line.to_string())
    };
    Ok(Command::Produce {
        producer: NodeId::Producer(producer),
        topic: reader.topic.clone(),
        key,
        value: Some(value),
        partition: None,
        timestamp: None,
        headers: Vec::new(),
    })
}
