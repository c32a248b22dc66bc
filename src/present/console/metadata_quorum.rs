//! `kafka-metadata-quorum.sh`: Kafka: `org.apache.kafka.tools.MetadataQuorumCommand` (4.0), an
//! argparse4j tool. `describe --status` and `describe --replication` answer from the active
//! controller's Raft state, as the quorum leader answers DescribeQuorum.
//!
//! The classroom's quorum is static (`controller.quorum.voters`, `kraft.version` 0), so voters
//! have no directory id. Controller `ctlN` is node `3000+N` (KRaft needs node ids apart from the
//! brokers') and listens on `ctlN:9093`; the brokers are the observers.

use super::argparse::{self, entry, usage};
use super::Printer;
use crate::kafka::controller::raft::RaftRole;
use crate::kafka::controller::Controller;
use crate::kafka::{Cluster, KafkaWorld};

const PROG: &str = "kafka-metadata-quorum";
const SUBCOMMANDS: &[&str] = &["describe", "add-controller", "remove-controller"];
const MAIN_FLAGS: &[&str] = &[
    "-h",
    "--help",
    "--bootstrap-server",
    "--bootstrap-controller",
    "--command-config",
];
const DESCRIBE_FLAGS: &[&str] = &[
    "-h",
    "--help",
    "--status",
    "--replication",
    "--human-readable",
];
/// What tab completion offers after the tool's name.
pub const WORDS: &[&str] = &[
    "--bootstrap-server",
    "--bootstrap-controller",
    "--command-config",
    "--help",
    "describe",
    "--status",
    "--replication",
    "--human-readable",
];
/// The node id of controller `ctlN`.
pub const CONTROLLER_ID_BASE: u32 = 3000;
const CONTROLLER_PORT: u32 = 9093;
const ZERO_UUID: &str = "AAAAAAAAAAAAAAAAAAAAAA";

/// What was typed, as the parser read it.
#[derive(Default)]
struct Args {
    server: Option<(&'static str, String)>,
    command: Option<&'static str>,
    status: bool,
    replication: bool,
    human_readable: bool,
}

/// A parse that stopped: help shown, or an error for the main parser or `describe`'s.
enum Stop {
    Help { describe: bool },
    Error { describe: bool, message: String },
}

fn main_usage() -> Vec<String> {
    usage(
        PROG,
        &[
            "[-h]",
            "[--command-config COMMAND_CONFIG]",
            "(--bootstrap-server BOOTSTRAP_SERVER",
            "|",
            "--bootstrap-controller BOOTSTRAP_CONTROLLER)",
            "{describe,add-controller,remove-controller}",
            "...",
        ],
    )
}

fn describe_usage() -> Vec<String> {
    usage(
        PROG,
        &[
            "(--bootstrap-server BOOTSTRAP_SERVER",
            "|",
            "--bootstrap-controller BOOTSTRAP_CONTROLLER)",
            "describe",
            "[-h]",
            "[--status]",
            "[--replication]",
            "[--human-readable]",
        ],
    )
}

/// argparse4j's `--help` screens (`defaultHelp(true)`: store-true flags show their default).
fn help(describe: bool) -> Vec<String> {
    let mut lines = if describe {
        describe_usage()
    } else {
        main_usage()
    };
    if describe {
        lines.push(String::new());
        lines.push("named arguments:".into());
        lines.extend(entry("-h, --help", "show this help message and exit"));
        lines.extend(["".into(), "Status:".into()]);
        lines.extend(entry("--status", "A short summary of the quorum status and the other provides detailed information about the status of replication. (default: false)"));
        lines.extend(["".into(), "Replication:".into()]);
        lines.extend(entry(
            "--replication",
            "Detailed information about the status of replication (default: false)",
        ));
        lines.extend(entry(
            "--human-readable",
            "Human-readable output (default: false)",
        ));
        return lines;
    }
    lines.extend([
        "".into(),
        "This tool describes kraft metadata quorum status.".into(),
    ]);
    lines.extend(["".into(), "positional arguments:".into()]);
    lines.push("  {describe,add-controller,remove-controller}".into());
    lines.extend(entry("  describe", "Describe the metadata quorum info"));
    lines.extend(entry(
        "  add-controller",
        "Add a controller to the KRaft controller cluster",
    ));
    lines.extend(entry(
        "  remove-controller",
        "Remove a controller from the KRaft controller cluster",
    ));
    lines.extend(["".into(), "named arguments:".into()]);
    lines.extend(entry("-h, --help", "show this help message and exit"));
    lines.extend(entry("--bootstrap-server BOOTSTRAP_SERVER", "A comma-separated list of host:port pairs to use for establishing the connection to the Kafka cluster."));
    lines.extend(entry("--bootstrap-controller BOOTSTRAP_CONTROLLER", "A comma-separated list of host:port pairs to use for establishing the connection to the Kafka controllers."));
    lines.extend(entry(
        "--command-config COMMAND_CONFIG",
        "Property file containing configs to be passed to Admin Client.",
    ));
    lines
}

/// argparse4j's option lookup: the exact flag, else the one flag it is a prefix of.
fn flag(word: &str, flags: &[&'static str], describe: bool) -> Result<&'static str, Stop> {
    let name = word.split_once('=').map_or(word, |(n, _)| n);
    if let Some(f) = flags.iter().find(|f| **f == name) {
        return Ok(f);
    }
    let matching: Vec<&'static str> = flags
        .iter()
        .copied()
        .filter(|f| f.starts_with("--") && name.len() > 2 && f.starts_with(name))
        .collect();
    match matching[..] {
        [one] => Ok(one),
        [] => Err(Stop::Error {
            describe,
            message: format!("unrecognized arguments: '{word}'"),
        }),
        _ => Err(Stop::Error {
            describe,
            message: format!(
                "ambiguous option: {name} could match {}",
                matching.join(", ")
            ),
        }),
    }
}

/// `parser.parseArgs`: the main options up to the subcommand, then the subcommand's.
fn parse(args: &[String]) -> Result<Args, Stop> {
    let mut a = Args::default();
    let mut words = args.iter();
    while let Some(word) = words.next() {
        if !word.starts_with('-') || word == "-" {
            let Some(sub) = SUBCOMMANDS.iter().find(|s| **s == word) else {
                let choices: Vec<String> = SUBCOMMANDS.iter().map(|s| format!("'{s}'")).collect();
                let message = format!(
                    "invalid choice: '{word}' (choose from {})",
                    choices.join(", ")
                );
                return Err(Stop::Error {
                    describe: false,
                    message,
                });
            };
            if a.server.is_none() {
                let message =
                    "one of the arguments --bootstrap-server --bootstrap-controller is required"
                        .to_string();
                return Err(Stop::Error {
                    describe: false,
                    message,
                });
            }
            a.command = Some(sub);
            return parse_subcommand(a, words.as_slice());
        }
        let name = flag(word, MAIN_FLAGS, false)?;
        if name == "-h" || name == "--help" {
            return Err(Stop::Help { describe: false });
        }
        let value = match word.split_once('=') {
            Some((_, v)) => v.to_string(),
            None => words.next().cloned().ok_or_else(|| Stop::Error {
                describe: false,
                message: format!("argument {name}: expected one argument"),
            })?,
        };
        match (name, &a.server) {
            ("--command-config", _) => {}
            (_, Some((other, _))) if *other != name => {
                let message = format!("argument {name}: not allowed with argument {other}");
                return Err(Stop::Error {
                    describe: false,
                    message,
                });
            }
            _ => a.server = Some((name, value)),
        }
    }
    Err(Stop::Error {
        describe: false,
        message: "too few arguments".into(),
    })
}

fn parse_subcommand(mut a: Args, rest: &[String]) -> Result<Args, Stop> {
    if a.command != Some("describe") {
        return Ok(a);
    }
    for word in rest {
        if !word.starts_with('-') {
            return Err(Stop::Error {
                describe: true,
                message: format!("unrecognized arguments: '{word}'"),
            });
        }
        match flag(word, DESCRIBE_FLAGS, true)? {
            "-h" | "--help" => return Err(Stop::Help { describe: true }),
            "--status" => a.status = true,
            "--replication" => a.replication = true,
            _ => a.human_readable = true,
        }
    }
    Ok(a)
}

pub(super) fn run(world: &KafkaWorld, args: &[String], p: &mut Printer) {
    let a = match parse(args) {
        Ok(a) => a,
        Err(Stop::Help { describe }) => {
            for l in help(describe) {
                p.out(l);
            }
            return;
        }
        Err(Stop::Error { describe, message }) => {
            let lines = if describe {
                describe_usage()
            } else {
                main_usage()
            };
            return argparse::error(p, PROG, &lines, &message);
        }
    };
    if a.command != Some("describe") {
        p.err(format!(
            "{} is not simulated: the classroom's controller quorum is fixed by the lesson",
            a.command.unwrap_or_default()
        ));
        return p.exit(1);
    }
    // Kafka: the checks of `execute`, each a TerseException (message on stderr, exit 1).
    let terse = match (a.status, a.replication, a.human_readable) {
        (true, true, _) => Some(
            "Only one of --status or --replication should be specified with describe sub-command",
        ),
        (false, false, _) => {
            Some("One of --status or --replication must be specified with describe sub-command")
        }
        (true, false, true) => {
            Some("The option --human-readable is only supported along with --replication")
        }
        _ => None,
    };
    if let Some(text) = terse {
        p.err(text);
        return p.exit(1);
    }
    let (flag, servers) = a.server.unwrap_or(("--bootstrap-server", String::new()));
    let call = if a.status {
        "describeCluster"
    } else {
        "describeMetadataQuorum"
    };
    let Some(leader) = connect(world.model(), flag, &servers, p) else {
        return timed_out(p, call);
    };
    let now = world.now().as_ms() as i64;
    let voters = voter_states(leader, now);
    if a.status {
        status(world.model(), leader, &voters, p);
    } else {
        replication(world.model(), leader, &voters, now, a.human_readable, p);
    }
}

/// The admin client's calls time out (`default.api.timeout.ms`): Kafka prints the
/// ExecutionException's message, then its stack trace's first line.
fn timed_out(p: &mut Printer, call: &str) {
    let message = format!("org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: {call}");
    p.exception("java.util.concurrent.ExecutionException", &message);
}

/// The quorum leader the tool reaches through a bootstrap broker or controller, if any.
fn connect<'a>(
    cluster: &'a Cluster,
    flag: &str,
    servers: &str,
    p: &mut Printer,
) -> Option<&'a Controller> {
    let leader = cluster.active_controller()?;
    if flag == "--bootstrap-controller" {
        let reached = servers.split(',').map(str::trim).any(|url| {
            let Some((host, port)) = url.rsplit_once(':') else {
                return false;
            };
            let id = host.strip_prefix("ctl").and_then(|n| n.parse::<u32>().ok());
            port == CONTROLLER_PORT.to_string()
                && id
                    .and_then(|id| cluster.controllers.values().find(|c| c.id == id))
                    .is_some_and(|c| c.process.is_running())
        });
        return reached.then_some(leader);
    }
    match super::address::resolve(cluster, servers, p) {
        Ok(s) if super::address::reachable(cluster, &s).is_some() => Some(leader),
        _ => None,
    }
}

/// One replica of the metadata log as DescribeQuorum reports it.
struct ReplicaState {
    id: u32,
    directory_id: Option<String>,
    log_end_offset: i64,
    last_fetch: Option<i64>,
    last_caught_up: Option<i64>,
    endpoint: Option<String>,
}

/// The voters, leader first then by id. The leader's own fetch and catch-up times are now;
/// a follower counts as caught up at its last fetch if it then had the leader's whole log
/// (the classroom keeps no older catch-up time: otherwise -1).
fn voter_states(leader: &Controller, now: i64) -> Vec<ReplicaState> {
    let leo = leader.raft.end_offset();
    let (ends, fetches) = match &leader.raft.role {
        RaftRole::Leader {
            end_offsets,
            last_fetch_ms,
        } => (end_offsets.clone(), last_fetch_ms.clone()),
        _ => Default::default(),
    };
    let mut voters: Vec<u32> = leader.raft.voters.clone();
    voters.sort_by_key(|v| (*v != leader.id, *v));
    voters
        .into_iter()
        .map(|v| {
            let (end, fetch) = if v == leader.id {
                (leo, Some(now))
            } else {
                // A new leader starts each follower at -1 (no fetch yet), its fetch clock at
                // the election (the check-quorum grace): no fetch to report then.
                let end = ends.get(&v).copied().unwrap_or(-1);
                (end, fetches.get(&v).copied().filter(|t| *t > 0 && end >= 0))
            };
            ReplicaState {
                id: CONTROLLER_ID_BASE + v,
                directory_id: None,
                log_end_offset: end,
                last_fetch: fetch,
                last_caught_up: fetch.filter(|_| end >= leo),
                endpoint: Some(format!("CONTROLLER://ctl{v}:{CONTROLLER_PORT}")),
            }
        })
        .collect()
}

/// The brokers the leader heard from, with their metadata offsets (observers fetch the log).
fn observer_states(cluster: &Cluster, leader: &Controller) -> Vec<ReplicaState> {
    let leo = leader.raft.end_offset();
    let heard = leader
        .active
        .as_ref()
        .map(|a| a.last_heartbeat_ms.clone())
        .unwrap_or_default();
    heard
        .into_iter()
        .filter_map(|(b, at)| {
            let broker = cluster.brokers.get(&b)?;
            let end = broker.metadata.offset + 1;
            Some(ReplicaState {
                id: b.0,
                directory_id: Some(super::topics_describe::topic_id(&format!("{b} log dir"))),
                log_end_offset: end,
                last_fetch: Some(at),
                last_caught_up: Some(at).filter(|_| end >= leo),
                endpoint: None,
            })
        })
        .collect()
}

/// Kafka: `MetadataQuorumCommand.Node.toString`.
fn node_json(r: &ReplicaState) -> String {
    let dir = r
        .directory_id
        .as_ref()
        .map_or("null".to_string(), |d| format!("\"{d}\""));
    match &r.endpoint {
        Some(e) => format!(
            "{{\"id\": {}, \"directoryId\": {dir}, \"endpoints\": [\"{e}\"]}}",
            r.id
        ),
        None => format!("{{\"id\": {}, \"directoryId\": {dir}}}", r.id),
    }
}

/// Kafka: `MetadataQuorumCommand.handleDescribeStatus`.
fn status(cluster: &Cluster, leader: &Controller, voters: &[ReplicaState], p: &mut Printer) {
    let lead = &voters[0];
    let Some(lagging) = voters.iter().min_by_key(|v| v.log_end_offset) else {
        return;
    };
    let lag_time = if lagging.id == lead.id || lagging.log_end_offset == lead.log_end_offset {
        0
    } else {
        match (lead.last_caught_up, lagging.last_caught_up) {
            (Some(a), Some(b)) => a - b,
            _ => -1,
        }
    };
    let list = |rs: &[ReplicaState]| {
        format!(
            "[{}]",
            rs.iter().map(node_json).collect::<Vec<_>>().join(", ")
        )
    };
    p.out(format!("ClusterId:              {}", cluster_id()));
    p.out(format!("LeaderId:               {}", lead.id));
    p.out(format!("LeaderEpoch:            {}", leader.raft.epoch));
    p.out(format!(
        "HighWatermark:          {}",
        leader.raft.high_watermark
    ));
    p.out(format!(
        "MaxFollowerLag:         {}",
        lead.log_end_offset - lagging.log_end_offset
    ));
    p.out(format!("MaxFollowerLagTimeMs:   {lag_time}"));
    p.out(format!("CurrentVoters:          {}", list(voters)));
    p.out(format!(
        "CurrentObservers:       {}",
        list(&observer_states(cluster, leader))
    ));
}

/// Kafka: `MetadataQuorumCommand.handleDescribeReplication` through `ToolsUtils.prettyPrintTable`.
fn replication(
    cluster: &Cluster,
    leader: &Controller,
    voters: &[ReplicaState],
    now: i64,
    human: bool,
    p: &mut Printer,
) {
    let leo = voters[0].log_end_offset;
    let time = |t: Option<i64>| match t {
        None => "-1".to_string(),
        Some(t) if human => format!("{} ms ago", now - t),
        Some(t) => t.to_string(),
    };
    let observers = observer_states(cluster, leader);
    let rows: Vec<Vec<String>> = voters
        .iter()
        .enumerate()
        .map(|(i, r)| (r, if i == 0 { "Leader" } else { "Follower" }))
        .chain(observers.iter().map(|r| (r, "Observer")))
        .map(|(r, role)| {
            vec![
                r.id.to_string(),
                r.directory_id
                    .clone()
                    .unwrap_or_else(|| ZERO_UUID.to_string()),
                r.log_end_offset.to_string(),
                (leo - r.log_end_offset).to_string(),
                time(r.last_fetch),
                time(r.last_caught_up),
                role.to_string(),
            ]
        })
        .collect();
    let headers = [
        "NodeId",
        "DirectoryId",
        "LogEndOffset",
        "Lag",
        "LastFetchTimestamp",
        "LastCaughtUpTimestamp",
        "Status",
    ];
    for line in pretty_table(&headers, &rows) {
        p.out(line);
    }
}

/// Kafka: `ToolsUtils.prettyPrintTable`: each cell padded to its column's width, then a tab.
pub(super) fn pretty_table(headers: &[&str], rows: &[Vec<String>]) -> Vec<String> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}\t"))
            .collect()
    };
    let mut out = vec![line(headers.to_vec())];
    out.extend(
        rows.iter()
            .map(|r| line(r.iter().map(String::as_str).collect())),
    );
    out
}

/// The cluster id (`meta.properties`): Kafka draws it at `kafka-storage.sh format`; the
/// classroom's is fixed.
fn cluster_id() -> String {
    super::topics_describe::topic_id("classroom cluster")
}
