//! `kafka-consumer-perf-test.sh`: Kafka: `org.apache.kafka.tools.ConsumerPerformance` and its
//! `ConsumerPerfOptions` (4.0, joptsimple). It starts a real simulated consumer (a recorded
//! `AddConsumer` in group `--group`, subscribed to `--topic`, from the earliest offset unless
//! `--from-latest`) that reads until `--messages` records or `--timeout` ms without one; the
//! session feeds its polls to `consumer_perf_stats` as the simulation runs and prints the
//! summary (or the `--show-detailed-stats` progress lines) on the simulated clock.

use super::consumer_perf_stats::{header, ConsumerPerfRun};
use super::opts::{arg, flag, ArgType, Opt, Parsed};
use super::{address, ConsoleCommand, Failure, Foreground, Printer};
use crate::kafka::{Command, KafkaWorld};
use std::collections::BTreeMap;

const TOOL: &str = "kafka-consumer-perf-test.sh";
/// The date format the tool prints with (the only `--date-format` simulated).
const DATE_FORMAT: &str = "yyyy-MM-dd HH:mm:ss:SSS";

pub const OPTS: &[Opt] = &[
    arg("bootstrap-server", "server to connect to", ArgType::Str, "REQUIRED: The server(s) to connect to."),
    arg("topic", "topic", ArgType::Str, "REQUIRED: The topic to consume from."),
    arg("group", "gid", ArgType::Str, "The group id to consume on."),
    Opt { default: Some("1048576"), ..arg("fetch-size", "size", ArgType::Int, "The amount of data to fetch in a single request.") },
    flag("from-latest", "If the consumer does not already have an established offset to consume from, start with the latest message present in the log rather than the earliest message."),
    Opt { default: Some("2097152"), ..arg("socket-buffer-size", "size", ArgType::Int, "The size of the tcp RECV size.") },
    arg("consumer.config", "config file", ArgType::Str, "Consumer config properties file."),
    flag("print-metrics", "Print out the metrics."),
    flag("show-detailed-stats", "If set, stats are reported for each reporting interval as configured by reporting-interval"),
    Opt { default: Some("10000"), optional: true, ..arg("timeout", "milliseconds", ArgType::Long, "The maximum allowed time in milliseconds between returned records.") },
    arg("messages", "count", ArgType::Long, "REQUIRED: The number of messages to send or consume"),
    Opt { default: Some("5000"), ..arg("reporting-interval", "interval_ms", ArgType::Long, "Interval in milliseconds at which to print progress info.") },
    Opt { default: Some(DATE_FORMAT), ..arg("date-format", "date format", ArgType::Str, "The date format to use for formatting the time field. See java.text.SimpleDateFormat for options.") },
    flag("hide-header", "If set, skips printing the header for the stats"),
];

pub(super) fn run(world: &KafkaWorld, args: &[String], p: &mut Printer) {
    let Some(o) = p.client_options(
        OPTS,
        args,
        "This tool is used to verify the consumer performance.",
    ) else {
        return;
    };
    // Kafka: CommandLineUtils.checkRequiredArgs(parser, options, topicOpt, numMessagesOpt).
    for required in ["topic", "messages"] {
        if !o.has(required) {
            return p.usage(&format!("Missing required argument \"[{required}]\""), OPTS);
        }
    }
    if let Some(refusal) = unsupported(&o) {
        p.err(refusal);
        return p.exit(1);
    }
    if !o.has("hide-header") {
        p.out(header(o.has("show-detailed-stats")));
    }
    let Some(config) = consumer_config(world, &o, p) else {
        return;
    };
    let interval = o.long("reporting-interval").unwrap_or(5_000);
    if interval <= 0 {
        // Kafka: reportingIntervalMs() throws as consume() starts.
        let text = "Reporting interval must be greater than 0.";
        return p.exception("java.lang.IllegalArgumentException", text);
    }
    let cluster = world.model();
    let consumer = cluster.consumers.keys().max().copied().unwrap_or(0) + 1;
    let messages = u64::try_from(o.long("messages").unwrap_or(0)).unwrap_or(0);
    // A negative timeout ends the loop at its first check, as `now - last > timeout` does.
    let timeout = u64::try_from(o.long("timeout").unwrap_or(10_000)).unwrap_or(0);
    let run = ConsumerPerfRun::new(
        consumer,
        messages,
        timeout,
        interval as u64,
        o.has("show-detailed-stats"),
    );
    p.outcome.command = Some(ConsoleCommand {
        command: Command::AddConsumer {
            group: Some(group_id(world, &o, consumer)),
            subscribe: vec![o.value("topic").unwrap_or_default().to_string()],
            assign: Vec::new(),
            config,
            app: None,
        },
        on_success: Vec::new(),
        failure: Failure::Client,
        settle_ms: 0,
        then: Vec::new(),
    });
    p.outcome.foreground = Some(Foreground::ConsumerPerf(run));
}

/// Options the classroom does not run: files, client metrics, other date formats.
fn unsupported(o: &Parsed) -> Option<String> {
    if o.has("consumer.config") {
        return Some(format!("{TOOL}: --consumer.config is not simulated: the classroom has no files (use --fetch-size, --group and --from-latest)"));
    }
    if o.has("print-metrics") {
        return Some(format!("{TOOL}: --print-metrics is not simulated: the consumer's metrics are in its panel on the stage"));
    }
    if o.value("date-format") != Some(DATE_FORMAT) {
        return Some(format!(
            "{TOOL}: --date-format is not simulated: dates print as {DATE_FORMAT}"
        ));
    }
    None
}

/// Kafka: `ConsumerPerfOptions.props`: the bootstrap servers, the group, the fetch size, where
/// to start (earliest unless `--from-latest`) and the client id.
fn consumer_config(
    world: &KafkaWorld,
    o: &Parsed,
    p: &mut Printer,
) -> Option<BTreeMap<String, String>> {
    let Some(servers) = o.value("bootstrap-server") else {
        // Kafka: `Properties.put` refuses the missing server with a NullPointerException.
        p.err("null");
        p.err("java.lang.NullPointerException");
        p.exit(1);
        return None;
    };
    if let Err(cause) = address::resolve(world.model(), servers, p) {
        p.err("Failed to construct kafka consumer");
        p.err(format!("org.apache.kafka.common.KafkaException: Failed to construct kafka consumer\nCaused by: org.apache.kafka.common.config.ConfigException: {cause}"));
        p.exit(1);
        return None;
    }
    let reset = if o.has("from-latest") {
        "latest"
    } else {
        "earliest"
    };
    let fetch = o.value("fetch-size").unwrap_or("1048576");
    let config = [
        ("auto.offset.reset", reset),
        ("max.partition.fetch.bytes", fetch),
        ("client.id", "perf-consumer-client"),
    ];
    Some(crate::sim::sort::collect_map(
        config
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    ))
}

/// `--group`, or Kafka's default `perf-consumer-` with `RND.nextInt(100_000)`: here a number
/// drawn from the run's seed and the consumer's number, so a replay names the same group.
fn group_id(world: &KafkaWorld, o: &Parsed, consumer: u32) -> String {
    if let Some(g) = o.value("group") {
        return g.to_string();
    }
    let mixed = world
        .seed()
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(u64::from(consumer).wrapping_mul(1_442_695_040_888_963_407));
    format!("perf-consumer-{}", (mixed >> 33) % 100_000)
}
