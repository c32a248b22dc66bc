//! Tab completion for the console prompt: tool names for the first word, a tool's options after
//! `-`, and for the value of `--topic`, `--group` and `--bootstrap-server` the topics, groups
//! and broker addresses of the cluster. Like a shell, one candidate completes the word, several
//! complete their common prefix and are listed.

use super::{groups, tool_name, topics, BUILTINS, TOOLS};
use crate::kafka::KafkaWorld;

/// What Tab did to the line.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Completion {
    /// The line with its last word completed as far as it is unambiguous.
    pub line: String,
    /// Every candidate, when there is more than one.
    pub candidates: Vec<String>,
}

/// Complete the last word of `line`.
pub fn complete(world: &KafkaWorld, line: &str) -> Completion {
    let start = line.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let (head, word) = line.split_at(start);
    let words: Vec<&str> = head.split_whitespace().collect();
    let candidates = match words.first() {
        None => TOOLS
            .iter()
            .chain(BUILTINS)
            .map(|s| s.to_string())
            .collect(),
        Some(tool) => arguments(world, tool, words.last().copied(), word),
    };
    let mut matching: Vec<String> = candidates
        .into_iter()
        .filter(|c| c.starts_with(word))
        .collect();
    crate::sim::sort::sort(&mut matching);
    matching.dedup();
    let prefix = common_prefix(&matching);
    let completed = match matching.len() {
        0 => word.to_string(),
        1 => format!("{prefix} "),
        _ => prefix,
    };
    Completion {
        line: format!(
            "{head}{}",
            if completed.len() >= word.len() {
                &completed
            } else {
                word
            }
        ),
        candidates: if matching.len() > 1 {
            matching
        } else {
            Vec::new()
        },
    }
}

fn arguments(world: &KafkaWorld, tool: &str, previous: Option<&str>, word: &str) -> Vec<String> {
    let cluster = world.model();
    let options = match tool_name(tool) {
        Some("kafka-topics.sh") => topics::OPTS,
        Some("kafka-consumer-groups.sh") => groups::OPTS,
        Some("kafka-console-consumer.sh") => super::consumer::OPTS,
        Some("kafka-console-producer.sh") => super::producer::OPTS,
        Some("kafka-get-offsets.sh") => super::offsets::OPTS,
        Some("kafka-configs.sh") => super::configs::OPTS,
        Some("kafka-leader-election.sh") => super::leader_election::OPTS,
        Some("kafka-dump-log.sh") => super::dump_log::OPTS,
        Some("kafka-log-dirs.sh") => super::log_dirs::OPTS,
        Some("kafka-consumer-perf-test.sh") => super::consumer_perf::OPTS,
        Some("kafka-producer-perf-test.sh") => {
            return argparse_words(cluster, previous, super::perf_test::WORDS)
        }
        Some("kafka-metadata-quorum.sh") => {
            return argparse_words(cluster, previous, super::metadata_quorum::WORDS)
        }
        _ => return Vec::new(),
    };
    if word.starts_with('-') {
        return super::opts::names(options);
    }
    match previous {
        Some("--topic") => topic_names(cluster),
        Some("--group") => cluster.group_ids(),
        Some("--files") => super::dump_log::segment_paths(cluster),
        Some("--entity-type") => vec!["brokers".to_string(), "topics".to_string()],
        Some("--entity-name") => {
            let mut names = topic_names(cluster);
            names.extend(cluster.brokers.keys().map(|b| b.0.to_string()));
            names
        }
        Some("--election-type") => vec!["preferred".to_string(), "unclean".to_string()],
        Some("--offset") => vec!["earliest".to_string(), "latest".to_string()],
        Some("--broker" | "--broker-list") => {
            cluster.brokers.keys().map(|b| b.0.to_string()).collect()
        }
        Some("--topic-list") => topic_names(cluster),
        Some("--delete-config") => crate::kafka::config::TOPIC_KEYS
            .iter()
            .map(|k| k.name)
            .chain(crate::kafka::metadata::DYNAMIC_BROKER_KEYS.iter().copied())
            .map(str::to_string)
            .collect(),
        Some("--bootstrap-server") => bootstrap_servers(cluster),
        _ => Vec::new(),
    }
}

/// The words an argparse4j tool takes (flags and subcommands alike), or a bootstrap address.
fn argparse_words(
    cluster: &crate::kafka::Cluster,
    previous: Option<&str>,
    words: &[&str],
) -> Vec<String> {
    match previous {
        Some("--bootstrap-server") => bootstrap_servers(cluster),
        Some("--topic") => topic_names(cluster),
        Some("--producer-props") => bootstrap_servers(cluster)
            .into_iter()
            .map(|s| format!("bootstrap.servers={s}"))
            .collect(),
        Some("--bootstrap-controller") => cluster
            .controllers
            .values()
            .map(|c| format!("ctl{}:9093", c.id))
            .collect(),
        _ => words.iter().map(|w| w.to_string()).collect(),
    }
}

fn bootstrap_servers(cluster: &crate::kafka::Cluster) -> Vec<String> {
    cluster
        .brokers
        .keys()
        .map(|b| format!("b{}:{}", b.0, super::address::BROKER_PORT))
        .collect()
}

fn topic_names(cluster: &crate::kafka::Cluster) -> Vec<String> {
    cluster
        .active_controller()
        .map(|c| c.image.topics.keys().cloned().collect())
        .unwrap_or_default()
}

fn common_prefix(words: &[String]) -> String {
    let Some(first) = words.first() else {
        return String::new();
    };
    let mut len = first.len();
    for w in &words[1..] {
        len = first
            .char_indices()
            .zip(w.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(len);
    }
    first[..len].to_string()
}
