//! `kafka-leader-election.sh`: Kafka: `org.apache.kafka.tools.LeaderElectionCommand` (4.0).
//! The controller decides each partition's outcome from its image
//! (`Controller::election_outcomes`, ported from `ReplicationControlManager.electLeader`); the
//! elections run as a recorded `ElectLeaders` command, and the tool prints
//! `LeaderElectionCommand.electLeaders`'s lines for them (partitions sorted by name: Kafka
//! prints a `HashSet`'s order).

use super::address;
use super::opts::{self, arg, flag, ArgType, Opt};
use super::{ConsoleCommand, Failure, Printer};
use crate::kafka::controller::ElectionOutcome;
use crate::kafka::{Cluster, Command, TopicPartition};

pub const OPTS: &[Opt] = &[
    arg("bootstrap-server", "host:port", ArgType::Str, "A hostname and port for the broker to connect to, in the form host:port. Multiple comma separated URLs can be given. REQUIRED."),
    arg("admin.config", "config file", ArgType::Str, "Configuration properties files to pass to the admin client"),
    arg("path-to-json-file", "Path to JSON file", ArgType::Str, "The JSON file with the list  of partition for which leader elections should be performed. This is an example format. {\"partitions\": [{\"topic\": \"foo\", \"partition\": 1}, {\"topic\": \"foobar\", \"partition\": 2}] } Not allowed if --all-topic-partitions or --topic flags are specified."),
    arg("topic", "topic name", ArgType::Str, "Name of topic for which to perform an election. Not allowed if --path-to-json-file or --all-topic-partitions is specified."),
    arg("partition", "partition id", ArgType::Int, "Partition id for which to perform an election. REQUIRED if --topic is specified."),
    flag("all-topic-partitions", "Perform election on all of the eligible topic partitions based on the type of election (see the --election-type flag). Not allowed if --topic or --path-to-json-file is specified."),
    arg("election-type", "election type", ArgType::Str, "Type of election to attempt. Possible values are \"preferred\" for preferred leader election or \"unclean\" for unclean leader election. If preferred election is selection, the election is only performed if the current leader is not the preferred leader for the topic partition. If unclean election is selected, the election is only performed if there are no leader for the topic partition. REQUIRED."),
];

const ABOUT: &str = "This tool attempts to elect a new leader for a set of topic partitions. The type of elections supported are preferred replicas and unclean replicas.";
const FAILED: &str = "org.apache.kafka.server.common.AdminCommandFailedException";

pub(super) fn run(cluster: &Cluster, args: &[String], p: &mut Printer) {
    // Kafka: a parse error reaches mainNoExit, which prints the message and the stack trace.
    let Some(o) = p.admin_options(OPTS, args, ABOUT) else {
        return;
    };
    let Some(unclean) = validate(&o, p) else {
        return;
    };
    if o.has("path-to-json-file") {
        return p.exception(
            "java.nio.file.NoSuchFileException",
            o.value("path-to-json-file").unwrap_or_default(),
        );
    }
    match address::resolve(cluster, o.value("bootstrap-server").unwrap_or_default(), p) {
        Ok(s) if address::reachable(cluster, &s).is_some() => {}
        Ok(_) => {
            p.out("Timeout waiting for election results");
            return p.exception(FAILED, "Timeout waiting for election results");
        }
        Err(cause) => {
            return p.exception(
                "org.apache.kafka.common.KafkaException",
                &format!(
                    "Failed to create new KafkaAdminClient (Caused by: ConfigException: {cause})"
                ),
            )
        }
    }
    let partitions = o.value("topic").map(|t| {
        vec![TopicPartition::new(
            t,
            o.int("partition").unwrap_or_default(),
        )]
    });
    let Some(controller) = cluster.active_controller() else {
        p.out("Timeout waiting for election results");
        return p.exception(FAILED, "Timeout waiting for election results");
    };
    let outcomes = controller.election_outcomes(unclean, partitions.as_deref());
    report(&outcomes, unclean, partitions, p);
}

/// Kafka: `LeaderElectionCommandOptions.validate` (and the election type's `EnumConverter`):
/// `Some(unclean)`, or `None` once the error was printed.
fn validate(o: &opts::Parsed, p: &mut Printer) -> Option<bool> {
    let mut missing = Vec::new();
    if !o.has("bootstrap-server") {
        missing.push("bootstrap-server");
    }
    if !o.has("election-type") {
        missing.push("election-type");
    }
    if !missing.is_empty() {
        p.exception(
            FAILED,
            &format!("Missing required option(s): {}", missing.join(", ")),
        );
        return None;
    }
    let exclusive = ["topic", "all-topic-partitions", "path-to-json-file"];
    if exclusive.iter().filter(|x| o.has(x)).count() != 1 {
        p.exception(
            FAILED,
            &format!(
                "One and only one of the following options is required: {}",
                exclusive.join(", ")
            ),
        );
        return None;
    }
    if o.has("topic") && !o.has("partition") {
        p.exception(FAILED, "Missing required option(s): partition");
        return None;
    }
    if !o.has("topic") && o.has("partition") {
        p.exception(FAILED, "Option partition is only allowed if topic is used");
        return None;
    }
    let kind = o.value("election-type").unwrap_or_default();
    match kind.to_ascii_uppercase().as_str() {
        "PREFERRED" => Some(false),
        "UNCLEAN" => Some(true),
        _ => {
            let e = opts::OptError::Conversion {
                option: "election-type",
                value: kind.to_string(),
            };
            p.exception(e.class(), &e.message());
            None
        }
    }
}

/// Kafka: `LeaderElectionCommand.electLeaders`: the elected, the ones needing none, then each
/// failure and the exception that ends the tool.
fn report(
    outcomes: &[(TopicPartition, ElectionOutcome)],
    unclean: bool,
    partitions: Option<Vec<TopicPartition>>,
    p: &mut Printer,
) {
    let kind = if unclean { "UNCLEAN" } else { "PREFERRED" };
    let names = |want: fn(&ElectionOutcome) -> bool| -> Vec<String> {
        let mut v: Vec<String> = outcomes
            .iter()
            .filter(|(_, o)| want(o))
            .map(|(tp, _)| tp.to_string())
            .collect();
        crate::sim::sort::sort(&mut v);
        v
    };
    let elected = names(|o| *o == ElectionOutcome::Elected);
    let noop = names(|o| *o == ElectionOutcome::NotNeeded);
    let mut lines = Vec::new();
    if !elected.is_empty() {
        lines.push(format!(
            "Successfully completed leader election ({kind}) for partitions {}",
            elected.join(", ")
        ));
    }
    if !noop.is_empty() {
        lines.push(format!(
            "Valid replica already elected for partitions {}",
            noop.join(", ")
        ));
    }
    let failed: Vec<String> = outcomes
        .iter()
        .filter_map(|(tp, o)| {
            failure_text(tp, o).map(|e| {
                format!("Error completing leader election ({kind}) for partition: {tp}: {e}")
            })
        })
        .collect();
    lines.extend(failed.iter().cloned());
    if elected.is_empty() {
        for l in lines {
            p.out(l);
        }
        if !failed.is_empty() {
            p.exception(
                FAILED,
                &format!("{} replica(s) could not be elected", failed.len()),
            );
        }
    } else {
        elect(p, lines, failed.len() as u32, unclean, partitions);
    }
}

/// The elections run as a recorded command; the lines print once the controller took it.
fn elect(
    p: &mut Printer,
    lines: Vec<String>,
    failed: u32,
    unclean: bool,
    partitions: Option<Vec<TopicPartition>>,
) {
    let mut on_success: Vec<super::Line> = lines.into_iter().map(super::out).collect();
    if failed > 0 {
        // The elections that could run did; the tool still ends with the exception (the
        // session reports exit 0 for an accepted command, which Kafka would not).
        let mut tail = Printer::new();
        tail.exception(FAILED, &format!("{failed} replica(s) could not be elected"));
        on_success.extend(tail.outcome.lines);
    }
    p.outcome.command = Some(ConsoleCommand {
        command: Command::ElectLeaders {
            unclean,
            partitions: partitions.map(|v| v.iter().map(TopicPartition::to_string).collect()),
        },
        on_success,
        failure: Failure::Client,
        settle_ms: super::ADMIN_SETTLE_MS,
        then: Vec::new(),
    });
}

/// The exception Kafka prints for a failed partition (`Throwable.toString`; the unknown-topic
/// texts are `ReplicationControlManager.electLeader`'s).
fn failure_text(tp: &TopicPartition, o: &ElectionOutcome) -> Option<String> {
    let unknown = "org.apache.kafka.common.errors.UnknownTopicOrPartitionException";
    Some(match o {
        ElectionOutcome::Elected | ElectionOutcome::NotNeeded => return None,
        ElectionOutcome::UnknownTopic => format!("{unknown}: No such topic as {}", tp.topic),
        ElectionOutcome::UnknownPartition => format!("{unknown}: No such partition as {tp}"),
        ElectionOutcome::PreferredLeaderNotAvailable => "org.apache.kafka.common.errors.PreferredLeaderNotAvailableException: The preferred leader was not available.".to_string(),
        ElectionOutcome::EligibleLeadersNotAvailable => "org.apache.kafka.common.errors.EligibleLeadersNotAvailableException: Eligible topic partition leaders are not available.".to_string(),
    })
}
