//! `kafka-producer-perf-test.sh`: Kafka: `org.apache.kafka.tools.ProducerPerformance` (4.0), an
//! argparse4j tool. It starts a producer with `--producer-props`, sends `--num-records` records
//! of `--record-size` bytes at `--throughput` records a second on the simulated clock, and
//! prints `Stats.printWindow`'s line every 5 s and `Stats.printTotal`'s at the end
//! (`perf_stats`); the session feeds it the acknowledgements as the simulation runs.

use super::argparse::{self, usage};
use super::{ConsoleCommand, Failure, Foreground, Printer};
use crate::kafka::{Cluster, Command, NodeId};
use std::collections::BTreeMap;

pub use super::perf_stats::{PerfRun, Stats};

const PROG: &str = "producer-performance";
/// Most records one run sends: the tuning lab's size. Not a Kafka limit: a class's page must
/// keep up with the simulation.
pub const MAX_RECORDS: i64 = 20_000;
/// Flags, for tab completion.
pub const WORDS: &[&str] = &[
    "--topic",
    "--num-records",
    "--record-size",
    "--payload-file",
    "--payload-monotonic",
    "--payload-delimiter",
    "--throughput",
    "--producer-props",
    "--producer.config",
    "--print-metrics",
    "--transactional-id",
    "--transaction-duration-ms",
    "--help",
];
/// Flags that take one value (`--producer-props` takes one or more).
const VALUED: &[&str] = &[
    "--topic",
    "--num-records",
    "--record-size",
    "--payload-file",
    "--payload-delimiter",
    "--throughput",
    "--producer.config",
    "--transactional-id",
    "--transaction-duration-ms",
];

fn usage_lines() -> Vec<String> {
    usage(
        PROG,
        &[
            "[-h]",
            "--topic TOPIC",
            "--num-records NUM-RECORDS",
            "[--payload-delimiter PAYLOAD-DELIMITER]",
            "--throughput THROUGHPUT",
            "[--producer-props PROP-NAME=PROP-VALUE [PROP-NAME=PROP-VALUE ...]]",
            "[--producer.config CONFIG-FILE]",
            "[--print-metrics]",
            "[--transactional-id TRANSACTIONAL-ID]",
            "[--transaction-duration-ms TRANSACTION-DURATION]",
            "(--record-size RECORD-SIZE",
            "|",
            "--payload-file PAYLOAD-FILE",
            "|",
            "--payload-monotonic)",
        ],
    )
}

/// What was typed: each flag's values.
type Values = BTreeMap<&'static str, Vec<String>>;

/// argparse4j's reading of the words (flags by exact name or unique prefix).
fn parse(args: &[String]) -> Result<Option<Values>, String> {
    let mut values = Values::new();
    let mut i = 0;
    while i < args.len() {
        let word = &args[i];
        let name = word.split_once('=').map_or(word.as_str(), |(n, _)| n);
        let matching: Vec<&'static str> = WORDS
            .iter()
            .copied()
            .filter(|f| *f == name || (name.len() > 2 && f.starts_with(name)))
            .collect();
        let flag = match (name, &matching[..]) {
            ("-h", _) => return Ok(None),
            (_, [f]) => *f,
            (_, many) if many.contains(&name) => name_of(name),
            (_, []) => return Err(format!("unrecognized arguments: '{word}'")),
            (_, many) => {
                return Err(format!(
                    "ambiguous option: {name} could match {}",
                    many.join(", ")
                ))
            }
        };
        i += 1;
        if flag == "--help" {
            return Ok(None);
        }
        let list = values.entry(flag).or_default();
        if let Some((_, v)) = word.split_once('=') {
            list.push(v.to_string());
        } else if flag == "--producer-props" {
            let start = i;
            while i < args.len() && !args[i].starts_with("--") {
                list.push(args[i].clone());
                i += 1;
            }
            if i == start {
                return Err(format!("argument {flag}: expected at least one argument"));
            }
        } else if VALUED.contains(&flag) {
            let Some(v) = args.get(i) else {
                return Err(format!("argument {flag}: expected one argument"));
            };
            list.clear();
            list.push(v.clone());
            i += 1;
        }
    }
    Ok(Some(values))
}

fn name_of(name: &str) -> &'static str {
    WORDS
        .iter()
        .copied()
        .find(|f| *f == name)
        .unwrap_or("--help")
}

/// `parseArgs`' checks after reading: the required options (argparse4j reports the last one
/// missing), the payload group, the values' types, then `ConfigPostProcessor`'s checks.
fn check(v: &Values) -> Result<(String, i64, i32, Throughput, Vec<String>), String> {
    let missing = ["--topic", "--num-records", "--throughput"]
        .into_iter()
        .rfind(|f| !v.contains_key(f));
    if let Some(flag) = missing {
        return Err(format!("argument {flag} is required"));
    }
    let payload: Vec<&str> = ["--record-size", "--payload-file", "--payload-monotonic"]
        .into_iter()
        .filter(|f| v.contains_key(f))
        .collect();
    match payload[..] {
        [] => {
            return Err(
                "one of the arguments --record-size --payload-file --payload-monotonic is required"
                    .into(),
            )
        }
        [a, b, ..] => return Err(format!("argument {b}: not allowed with argument {a}")),
        _ => {}
    }
    let one = |f: &str| v.get(f).and_then(|l| l.last()).cloned().unwrap_or_default();
    let convert =
        |f: &str, ty: &str| format!("argument {f}: could not convert '{}' to {ty}", one(f));
    let num: i64 = one("--num-records")
        .parse()
        .map_err(|_| convert("--num-records", "integer (64 bits)"))?;
    let throughput = parse_throughput(&one("--throughput"))
        .ok_or_else(|| convert("--throughput", " number (double precision)"))?;
    let size: i32 = match v.contains_key("--record-size") {
        true => one("--record-size")
            .parse()
            .map_err(|_| convert("--record-size", "integer (32 bits)"))?,
        false => 0,
    };
    if num <= 0 {
        return Err("--num-records should be greater than zero".into());
    }
    if v.contains_key("--record-size") && size <= 0 {
        return Err("--record-size should be greater than zero".into());
    }
    let props = v.get("--producer-props").cloned();
    if props.is_none() && !v.contains_key("--producer.config") {
        return Err("Either --producer-props or --producer.config must be specified.".into());
    }
    Ok((
        one("--topic"),
        num,
        size,
        throughput,
        props.unwrap_or_default(),
    ))
}

pub(super) fn run(cluster: &Cluster, args: &[String], p: &mut Printer) {
    let values = match parse(args) {
        // Kafka: with no arguments at all, the help screen and exit 0.
        Ok(None) => return help(p),
        _ if args.is_empty() => return help(p),
        Ok(Some(v)) => v,
        Err(message) => return argparse::error(p, PROG, &usage_lines(), &message),
    };
    let (topic, num, size, throughput, props) = match check(&values) {
        Ok(c) => c,
        Err(message) => return argparse::error(p, PROG, &usage_lines(), &message),
    };
    if let Some(refusal) = unsupported(&values) {
        p.err(refusal);
        return p.exit(1);
    }
    if num > MAX_RECORDS {
        p.err(format!("kafka-producer-perf-test.sh: --num-records {num} refused: the classroom runs at most {MAX_RECORDS} records at once, so the page keeps up with the simulation"));
        return p.exit(1);
    }
    let Some(config) = producer_config(cluster, &props, p) else {
        return;
    };
    let known = cluster
        .active_controller()
        .is_some_and(|c| c.image.topics.contains_key(&topic));
    if !known {
        // Kafka: every send() waits max.block.ms for the topic's metadata, then its callback
        // prints the TimeoutException (the classroom's brokers do not auto-create topics).
        p.err(format!("org.apache.kafka.common.errors.TimeoutException: Topic {topic} not present in metadata after 60000 ms."));
        return p.exit(1);
    }
    start(
        cluster,
        topic,
        num as u64,
        size as u32,
        throughput,
        config,
        p,
    );
}

/// Options the classroom does not run: reading files, transactions, client metrics.
fn unsupported(v: &Values) -> Option<String> {
    ["--payload-file", "--payload-monotonic", "--producer.config", "--transactional-id", "--transaction-duration-ms", "--print-metrics"]
        .into_iter()
        .find(|f| v.contains_key(f))
        .map(|f| format!("kafka-producer-perf-test.sh: {f} is not simulated: use --record-size and --producer-props"))
}

/// `readProps`: each `name=value` split on `=` (exactly two pieces). `bootstrap.servers` is
/// checked as the producer would resolve it, and the classroom's producer finds the brokers.
fn producer_config(
    cluster: &Cluster,
    props: &[String],
    p: &mut Printer,
) -> Option<BTreeMap<String, String>> {
    let mut config = BTreeMap::new();
    for prop in props {
        let pieces: Vec<&str> = prop.split('=').collect();
        let [k, v] = pieces[..] else {
            p.exception(
                "java.lang.IllegalArgumentException",
                &format!("Invalid property: {prop}"),
            );
            return None;
        };
        config.insert(k.to_string(), v.to_string());
    }
    let Some(servers) = config.remove("bootstrap.servers") else {
        let text = "Exception in thread \"main\" org.apache.kafka.common.config.ConfigException: Missing required configuration \"bootstrap.servers\" which has no default value.";
        p.err(text);
        p.exit(1);
        return None;
    };
    if let Err(cause) = super::address::resolve(cluster, &servers, p) {
        p.err(format!("Exception in thread \"main\" org.apache.kafka.common.KafkaException: Failed to construct kafka producer\nCaused by: org.apache.kafka.common.config.ConfigException: {cause}"));
        p.exit(1);
        return None;
    }
    config
        .entry("client.id".into())
        .or_insert_with(|| "perf-producer-client".into());
    Some(config)
}

/// The producer is created (`AddProducer`), then sends at the throughput (`SetProduceRate`
/// with a total; -1 or more than the engine's rate sends as fast as it can).
fn start(
    cluster: &Cluster,
    topic: String,
    num: u64,
    size: u32,
    throughput: Throughput,
    config: BTreeMap<String, String>,
    p: &mut Printer,
) {
    let producer = cluster.producers.keys().max().copied().unwrap_or(0) + 1;
    let limit = crate::kafka::commands::limits::MAX_RECORDS_PER_SECOND;
    let rate = match throughput {
        Throughput::PerSecond(r) if r < limit => r as u32,
        _ => 0,
    };
    let then = vec![Command::SetProduceRate {
        producer: NodeId::Producer(producer),
        topic,
        records_per_second: rate,
        keys: Vec::new(),
        total: Some(num),
        value_bytes: Some(size),
    }];
    p.outcome.command = Some(ConsoleCommand {
        command: Command::AddProducer { config },
        on_success: Vec::new(),
        failure: Failure::Client,
        settle_ms: 0,
        then,
    });
    p.outcome.foreground = Some(Foreground::PerfTest(PerfRun::new(producer, num, size)));
}

/// `--throughput` as the tool reads it (a Java double): records a second, rounded up, or no
/// throttling (zero or negative).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Throughput {
    Unthrottled,
    PerSecond(u64),
}

/// A decimal number (`-1`, `500`, `0.5`, `1e3`) as `Double.valueOf` reads it.
fn parse_throughput(text: &str) -> Option<Throughput> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (mantissa, exponent) = match digits.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (digits, 0),
    };
    let (int_part, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (int_part.is_empty() && frac.is_empty()) || !all_digits(int_part) || !all_digits(frac) {
        return None;
    }
    let whole: String = format!("{int_part}{frac}").chars().take(30).collect();
    let value: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let shift = exponent - frac.len().min(30) as i32;
    let per_second = if shift >= 0 {
        value.saturating_mul(10u128.saturating_pow(shift.min(38) as u32))
    } else {
        value.div_ceil(10u128.saturating_pow((-shift).min(38) as u32))
    };
    if negative || per_second == 0 {
        return Some(Throughput::Unthrottled);
    }
    Some(Throughput::PerSecond(
        u64::try_from(per_second).unwrap_or(u64::MAX),
    ))
}

/// argparse4j's help screen (on stdout, exit 0).
fn help(p: &mut Printer) {
    for l in usage_lines() {
        p.out(l);
    }
    p.out("");
    for l in argparse::paragraph("This tool is used to verify the producer performance. To enable transactions, you can specify a transaction id or set a transaction duration using --transaction-duration-ms. There are three ways to specify the transaction id: set transaction.id=<id> via --producer-props, set transaction.id=<id> in the config file via --producer.config, or use --transaction-id <id>.") {
        p.out(l);
    }
    p.out("");
    p.out("named arguments:");
    let entries: &[(&str, &str)] = &[
        ("-h, --help", "show this help message and exit"),
        ("--topic TOPIC", "produce messages to this topic"),
        ("--num-records NUM-RECORDS", "number of messages to produce"),
        ("--payload-delimiter PAYLOAD-DELIMITER", "provides delimiter to be used when --payload-file is provided. Defaults to new line. Note that this parameter will be ignored if --payload-file is not provided. (default: \\n)"),
        ("--throughput THROUGHPUT", "throttle maximum message throughput to *approximately* THROUGHPUT messages/sec. Set this to -1 to disable throttling."),
        ("--producer-props PROP-NAME=PROP-VALUE [PROP-NAME=PROP-VALUE ...]", "kafka producer related configuration properties like bootstrap.servers,client.id etc. These configs take precedence over those passed via --producer.config."),
        ("--producer.config CONFIG-FILE", "producer config properties file."),
        ("--print-metrics", "print out metrics at the end of the test. (default: false)"),
        ("--transactional-id TRANSACTIONAL-ID", "The transactional id to use. This config takes precedence over the transactional.id specified via --producer.config or --producer-props. Note that if the transactional id is not specified while --transaction-duration-ms is provided, the default value for the transactional id will be performance-producer- followed by a random uuid."),
        ("--transaction-duration-ms TRANSACTION-DURATION", "The max age of each transaction. The commitTransaction will be called after this time has elapsed. The value should be greater than 0. If the transactional id is specified via --producer-props, --producer.config, or --transactional-id but --transaction-duration-ms is not specified, the default value will be 3000."),
    ];
    for (title, text) in entries {
        for l in argparse::entry(title, text) {
            p.out(l);
        }
    }
    p.out("");
    p.out("  either --record-size or --payload-file must be specified but not both.");
    p.out("");
    let payload: &[(&str, &str)] = &[
        ("--record-size RECORD-SIZE", "message size in bytes. Note that you must provide exactly one of --record-size or --payload-file or --payload-monotonic."),
        ("--payload-file PAYLOAD-FILE", "file to read the message payloads from. This works only for UTF-8 encoded text files. Payloads will be read from this file and a payload will be randomly selected when sending messages. Note that you must provide exactly one of --record-size or --payload-file or --payload-monotonic."),
        ("--payload-monotonic", "payload is monotonically increasing integer. Note that you must provide exactly one of --record-size or --payload-file or --payload-monotonic. (default: false)"),
    ];
    for (title, text) in payload {
        for l in argparse::entry(title, text) {
            p.out(l);
        }
    }
}
