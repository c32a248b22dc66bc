//! `kafka-log-dirs.sh --describe`: Kafka: `org.apache.kafka.tools.LogDirsCommand` (4.0). Each
//! queried broker's one log directory with the size of every replica it hosts, printed as
//! Jackson writes Kafka's `HashMap`s: keys and partitions in Java's hash order.

use super::dump_log::LOG_DIR;
use super::opts::{self, arg, flag, ArgType, Opt};
use super::{address, Printer};
use crate::kafka::{Cluster, TopicPartition};

pub const OPTS: &[Opt] = &[
    arg("bootstrap-server", "The server(s) to use for bootstrapping", ArgType::Str, "REQUIRED: the server(s) to use for bootstrapping"),
    arg("command-config", "Admin client property file", ArgType::Str, "Property file containing configs to be passed to Admin Client."),
    flag("describe", "Describe the specified log directories on the specified brokers."),
    Opt {
        name: "topic-list",
        arg: Some(("Topic list", ArgType::Str)),
        default: Some(""),
        doc: "The list of topics to be queried in the form \"topic1,topic2,topic3\". All topics will be queried if no topic list is specified",
        optional: false,
    },
    Opt {
        name: "broker-list",
        arg: Some(("Broker list", ArgType::Str)),
        default: Some(""),
        doc: "The list of brokers to be queried in the form \"0,1,2\". All brokers in the cluster will be queried if no broker list is specified",
        optional: false,
    },
];

const ABOUT: &str = "This tool helps to query log directory usage on the specified brokers.";

/// Kafka: `LogDirsCommand.execute` (options checked by `LogDirsCommandOptions`).
pub(super) fn run(cluster: &Cluster, args: &[String], p: &mut Printer) {
    // Kafka: a parse error reaches mainNoExit, which prints the message and the stack trace.
    let Some(o) = p.admin_options(OPTS, args, ABOUT) else {
        return;
    };
    for required in ["bootstrap-server", "describe"] {
        if !o.has(required) {
            return p.usage(&format!("Missing required argument \"[{required}]\""), OPTS);
        }
    }
    let split = |name: &str| -> Vec<String> {
        let value = o.value(name).unwrap_or_default();
        value
            .split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect()
    };
    let topics = split("topic-list");
    let mut asked = Vec::new();
    for word in split("broker-list") {
        match opts::java_int(&word) {
            Some(b) => asked.push(b),
            None => {
                return p.exception(
                    "java.lang.NumberFormatException",
                    &format!("For input string: \"{word}\""),
                );
            }
        }
    }
    asked.sort_unstable();
    asked.dedup();
    let servers = o.value("bootstrap-server").unwrap_or_default();
    match address::resolve(cluster, servers, p) {
        Ok(s) if address::reachable(cluster, &s).is_some() => {}
        Ok(_) => return timed_out(p, "describeCluster"),
        Err(cause) => {
            let text = format!(
                "Failed to create new KafkaAdminClient (Caused by: ConfigException: {cause})"
            );
            return p.exception("org.apache.kafka.common.KafkaException", &text);
        }
    }
    describe(cluster, &asked, &topics, p);
}

/// The admin client gave up on a call (`default.api.timeout.ms`).
fn timed_out(p: &mut Printer, call: &str) {
    let message = format!("org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: {call}");
    p.exception("java.util.concurrent.ExecutionException", &message);
}

/// The brokers DescribeCluster lists (the unfenced ones), checked against `--broker-list`,
/// then DescribeLogDirs to each.
fn describe(cluster: &Cluster, asked: &[i32], topics: &[String], p: &mut Printer) {
    let image = cluster.active_controller().map(|c| &c.image);
    let live: Vec<i32> = image
        .map(|i| {
            i.brokers
                .values()
                .filter(|b| !b.fenced)
                .map(|b| b.id.0 as i32)
                .collect()
        })
        .unwrap_or_default();
    let join = |ids: &[i32]| ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
    let missing: Vec<i32> = asked
        .iter()
        .copied()
        .filter(|b| !live.contains(b))
        .collect();
    if !missing.is_empty() {
        p.err(format!(
            "ERROR: The given brokers do not exist from --broker-list: {}. Current existent brokers: {}",
            join(&missing),
            join(&live)
        ));
        return p.exit(1);
    }
    let queried: Vec<i32> = if asked.is_empty() {
        live
    } else {
        asked.to_vec()
    };
    p.out("Querying brokers for log directories information");
    let mut entries = Vec::new();
    for id in &queried {
        let broker = u32::try_from(*id)
            .ok()
            .and_then(|b| cluster.brokers.get(&crate::kafka::BrokerId(b)));
        match broker.filter(|b| b.process.is_running()) {
            Some(b) => entries.push(broker_json(*id, b, topics)),
            None => return timed_out(p, "describeLogDirs"),
        }
    }
    p.out(format!(
        "Received log directory information from brokers {}",
        join(&queried)
    ));
    p.out(format!(
        "{{\"brokers\":[{}],\"version\":1}}",
        entries.join(",")
    ));
}

/// One broker's entry: `{"broker":1,"logDirs":[{"partitions":[...],"error":null,"logDir":...}]}`.
fn broker_json(id: i32, broker: &crate::kafka::broker::Broker, topics: &[String]) -> String {
    let replicas: Vec<(&TopicPartition, String)> = broker
        .replicas
        .iter()
        .filter(|(tp, _)| topics.is_empty() || topics.iter().any(|t| *t == *tp.topic))
        .map(|(tp, r)| {
            // Kafka: ReplicaManager.getLogEndOffsetLag (the high watermark past the log end).
            let lag = (r.high_watermark - r.log_end_offset()).max(0);
            let size = r.log.size_bytes();
            let json = format!(
                "{{\"partition\":\"{tp}\",\"size\":{size},\"offsetLag\":{lag},\"isFuture\":false}}"
            );
            (tp, json)
        })
        .collect();
    let partitions: Vec<String> = java_hash_order(replicas)
        .into_iter()
        .map(|(_, j)| j)
        .collect();
    format!(
        "{{\"broker\":{id},\"logDirs\":[{{\"partitions\":[{}],\"error\":null,\"logDir\":\"{LOG_DIR}\"}}]}}",
        partitions.join(",")
    )
}

/// Java's `String.hashCode`.
fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

/// The order a `HashMap<TopicPartition, _>` of these entries iterates in: by bucket
/// (`TopicPartition.hashCode` spread by `HashMap.hash`, in a table sized for the entries),
/// entries of one bucket in the order given.
fn java_hash_order<T>(entries: Vec<(&TopicPartition, T)>) -> Vec<(&TopicPartition, T)> {
    let mut capacity: u32 = 16;
    while entries.len() as u64 * 4 > u64::from(capacity) * 3 {
        capacity *= 2;
    }
    let bucket = |tp: &TopicPartition| {
        let h = 31i32
            .wrapping_mul(31i32.wrapping_add(tp.partition))
            .wrapping_add(java_string_hash(&tp.topic)) as u32;
        (h ^ (h >> 16)) & (capacity - 1)
    };
    let mut keyed: Vec<(u32, usize, (&TopicPartition, T))> = entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| (bucket(e.0), i, e))
        .collect();
    crate::sim::sort::sort_by_key(&mut keyed, |(b, i, _)| (*b, *i));
    keyed.into_iter().map(|(_, _, e)| e).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_hashes_match_known_values() {
        assert_eq!(java_string_hash("orders"), -1_008_770_331);
        assert_eq!(java_string_hash(""), 0);
    }
}
