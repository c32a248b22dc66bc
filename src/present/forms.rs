//! The panels' forms: what a user typed (a draft, as raw text) turned into a command, or into a
//! message saying what is wrong. The components only collect drafts and show the result, so
//! every rule here (how headers are written, what a partition field accepts, the link latency
//! range) is tested natively.

use crate::kafka::assignor::AssignorName;
use crate::kafka::producer::{RecordHeader, SendMode};
use crate::kafka::{Command, NodeId};
use std::collections::BTreeMap;

/// Keys a producer's steady stream cycles through when the panel starts one.
pub const DEMO_KEYS: [&str; 4] = ["alice", "bob", "carol", "dave"];

/// `auto.offset.reset` values a new consumer may start with.
pub const OFFSET_RESETS: [&str; 3] = ["earliest", "latest", "none"];

/// Kafka's assignor names, for the consumer form's choices.
pub fn assignor_names() -> Vec<&'static str> {
    AssignorName::ALL.iter().map(|a| a.name()).collect()
}

/// The send form as typed.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct SendDraft {
    pub producer: u32,
    pub topic: String,
    pub key: String,
    pub value: String,
    /// Empty: the partitioner decides.
    pub partition: String,
    /// `a=1, b=2`.
    pub headers: String,
    /// Empty: the producer stamps the time of `send()`.
    pub timestamp: String,
}

/// `a=1, b=2` into headers; a clear message for anything else.
pub fn parse_headers(text: &str) -> Result<Vec<RecordHeader>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| match part.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok(RecordHeader {
                key: k.trim().to_string(),
                value: v.trim().to_string(),
            }),
            _ => Err(format!(
                "Headers are written key=value, separated by commas; \"{part}\" is not."
            )),
        })
        .collect()
}

/// `send()` from the form: an empty key is a null key.
pub fn send_command(d: &SendDraft) -> Result<Command, String> {
    let partition = match d.partition.trim() {
        "" => None,
        text => Some(
            text.parse::<i32>()
                .map_err(|_| format!("Partition must be a number or empty, not \"{text}\"."))?,
        ),
    };
    let timestamp = match d.timestamp.trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(t) if t >= 0 => Some(t),
            _ => {
                return Err(format!(
                    "Timestamp must be empty (the producer stamps it) or milliseconds since the epoch, not \"{text}\"."
                ))
            }
        },
    };
    Ok(Command::Produce {
        producer: NodeId::Producer(d.producer),
        topic: d.topic.clone(),
        key: Some(d.key.trim().to_string()).filter(|k| !k.is_empty()),
        value: Some(d.value.clone()),
        partition,
        timestamp,
        headers: parse_headers(&d.headers)?,
    })
}

/// A steady stream of records (0 stops it).
pub fn rate_command(producer: u32, topic: &str, rate: &str) -> Result<Command, String> {
    let records_per_second = rate
        .trim()
        .parse::<u32>()
        .map_err(|_| "The rate must be a whole number of records per second (0 stops).")?;
    Ok(Command::SetProduceRate {
        producer: NodeId::Producer(producer),
        topic: topic.to_string(),
        records_per_second,
        keys: DEMO_KEYS.iter().map(|k| k.to_string()).collect(),
        total: None,
        value_bytes: None,
    })
}

pub fn send_mode_command(producer: u32, mode: &str) -> Result<Command, String> {
    let mode = SendMode::parse(mode).ok_or_else(|| format!("Unknown send mode {mode}"))?;
    Ok(Command::SetSendMode {
        producer: NodeId::Producer(producer),
        mode,
    })
}

/// The add-consumer form as typed.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ConsumerDraft {
    pub group: String,
    pub topic: String,
    pub assignor: String,
    pub reset: String,
}

/// A consumer that subscribes to one topic in a group, with the chosen assignor and reset.
pub fn add_consumer_command(d: &ConsumerDraft) -> Result<Command, String> {
    let group = d.group.trim();
    if group.is_empty() {
        return Err("Give the consumer a group.id (or pick an existing group).".into());
    }
    if d.topic.is_empty() {
        return Err("There is no topic to subscribe to.".into());
    }
    let config = BTreeMap::from([
        (
            "partition.assignment.strategy".to_string(),
            d.assignor.clone(),
        ),
        ("auto.offset.reset".to_string(), d.reset.clone()),
    ]);
    Ok(Command::AddConsumer {
        group: Some(group.to_string()),
        subscribe: vec![d.topic.clone()],
        assign: Vec::new(),
        config,
        app: None,
    })
}

/// The link form as typed.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct LinkDraft {
    pub a: String,
    pub b: String,
    pub latency_ms: String,
    pub loss_percent: String,
}

/// Slow or lossy link between two nodes: latency from the typed value to a quarter more (a
/// little jitter), both ways.
pub fn link_command(d: &LinkDraft) -> Result<Command, String> {
    let wrong = || "Pick two different nodes, a latency in ms and a loss percentage (0-100).";
    let a = NodeId::parse(&d.a).map_err(|_| wrong())?;
    let b = NodeId::parse(&d.b).map_err(|_| wrong())?;
    let ms = d.latency_ms.trim().parse::<u64>().map_err(|_| wrong())?;
    let loss = d.loss_percent.trim().parse::<u32>().map_err(|_| wrong())?;
    if a == b || loss > 100 {
        return Err(wrong().into());
    }
    Ok(Command::SetLink {
        a,
        b,
        latency_ms: (ms, ms + ms / 4),
        loss_percent: loss,
        duplicate_percent: 0,
    })
}

/// `sendOffsetsToTransaction` from the producer panel: one partition's next offset for a group
/// (the offset the group's consumers should read next, as Kafka's `OffsetAndMetadata` holds).
pub fn send_offsets_command(
    producer: u32,
    group: &str,
    partition: &str,
    offset: &str,
) -> Result<Command, String> {
    let group = group.trim();
    if group.is_empty() {
        return Err("Name the consumer group whose offsets the transaction commits.".into());
    }
    let partition = partition.trim();
    crate::kafka::TopicPartition::parse(partition).map_err(|_| {
        format!("Write the partition as topic-number, like orders-0, not \"{partition}\".")
    })?;
    let offset = match offset.trim().parse::<i64>() {
        Ok(o) if o >= 0 => o,
        _ => {
            return Err(format!(
            "The offset is the next one the group should read: a whole number from 0, not \"{}\".",
            offset.trim()
        ))
        }
    };
    Ok(Command::SendOffsetsToTransaction {
        producer: NodeId::Producer(producer),
        group: group.to_string(),
        offsets: BTreeMap::from([(partition.to_string(), offset)]),
    })
}

/// `StartPipeline` from the producer panel: `consumer` (`c1`) polls, this producer writes to
/// `output_topic` in transactions.
pub fn pipeline_command(
    producer: u32,
    consumer: &str,
    output_topic: &str,
) -> Result<Command, String> {
    let consumer = match NodeId::parse(consumer.trim()) {
        Ok(node @ NodeId::Consumer(_)) => node,
        _ => return Err("Pick the consumer whose records the pipeline transforms.".into()),
    };
    if output_topic.trim().is_empty() {
        return Err("Pick the topic the pipeline writes to.".into());
    }
    Ok(Command::StartPipeline {
        consumer,
        producer: NodeId::Producer(producer),
        output_topic: output_topic.trim().to_string(),
    })
}

/// The CSS class that gives a consumer its colour, the same in every view.
pub fn member_class(consumer: u32) -> String {
    format!("m{}", consumer % 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_send_form_becomes_a_produce_or_a_message() {
        let mut d = SendDraft {
            producer: 1,
            topic: "orders".into(),
            key: " ".into(),
            value: "v".into(),
            headers: "trace=abc, source = web".into(),
            ..Default::default()
        };
        let Command::Produce { key, headers, .. } = send_command(&d).unwrap() else {
            panic!("a produce")
        };
        assert_eq!(key, None, "a blank key is a null key");
        assert_eq!(headers.len(), 2);
        d.partition = "x".into();
        assert!(send_command(&d).unwrap_err().contains("Partition"));
        d.partition = "2".into();
        d.timestamp = "-1".into();
        assert!(send_command(&d).unwrap_err().contains("Timestamp"));
        d.timestamp = String::new();
        d.headers = "novalue".into();
        assert!(send_command(&d).unwrap_err().contains("key=value"));
    }

    #[test]
    fn link_and_consumer_forms_check_what_was_typed() {
        let link = LinkDraft {
            a: "b1".into(),
            b: "b2".into(),
            latency_ms: "40".into(),
            loss_percent: "5".into(),
        };
        assert!(matches!(
            link_command(&link),
            Ok(Command::SetLink {
                latency_ms: (40, 50),
                loss_percent: 5,
                ..
            })
        ));
        assert!(link_command(&LinkDraft {
            b: "b1".into(),
            ..link.clone()
        })
        .is_err());
        assert!(link_command(&LinkDraft {
            loss_percent: "101".into(),
            ..link
        })
        .is_err());
        let consumer = ConsumerDraft {
            group: "  ".into(),
            topic: "orders".into(),
            assignor: "range".into(),
            reset: "earliest".into(),
        };
        assert!(add_consumer_command(&consumer).is_err());
        assert_eq!(assignor_names().len(), 4);
        assert!(rate_command(1, "orders", "fast").is_err());
        assert!(send_mode_command(1, "sync").is_ok());
    }

    #[test]
    fn transaction_forms_check_group_partition_offset_and_consumer() {
        let Command::SendOffsetsToTransaction { group, offsets, .. } =
            send_offsets_command(2, " ledger-app ", "payments-0", " 12 ").unwrap()
        else {
            panic!("a SendOffsetsToTransaction")
        };
        assert_eq!(group, "ledger-app");
        assert_eq!(offsets, BTreeMap::from([("payments-0".to_string(), 12)]));
        assert!(send_offsets_command(2, " ", "payments-0", "1")
            .unwrap_err()
            .contains("group"));
        assert!(send_offsets_command(2, "g", "payments", "1")
            .unwrap_err()
            .contains("orders-0"));
        assert!(send_offsets_command(2, "g", "payments-0", "-1")
            .unwrap_err()
            .contains("from 0"));
        assert!(matches!(
            pipeline_command(2, "c1", "ledger"),
            Ok(Command::StartPipeline {
                consumer: NodeId::Consumer(1),
                producer: NodeId::Producer(2),
                ..
            })
        ));
        assert!(pipeline_command(2, "p1", "ledger").is_err());
        assert!(pipeline_command(2, "c1", " ").is_err());
    }
}
