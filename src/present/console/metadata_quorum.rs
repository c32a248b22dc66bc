//! `kafka-metadata-quorum.sh`: Kafka: `org.apache.kafka.tools.MetadataQuorumCommand` (4.0), an
//! argparse4j tool. `describe --status` and `describe --replication` answer from the active
//! controller's Raft state, as the quorum leader answers DescribeQuorum.
//!
//! The classroom's quorum is static (`controller.quorum.voters`, `kraft.version` 0), so voters
//! have no directory id. Controller `ctlN` is node `3000+N` (KRaft needs node ids apart from the
//! brokers') and listens on `ctlN:9093`; the brokers are the observers.

use super::argparse::{self, entry, usage};
use super::quorum_report::{replication, status, voter_states};
use super::Printer;
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
pub(super) const CONTROLLER_PORT: u32 = 9093;
pub(super) const ZERO_UUID: &str = "AAAAAAAAAAAAAAAAAAAAAA";

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
