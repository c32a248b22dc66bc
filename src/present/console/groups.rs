//! `kafka-consumer-groups.sh`: Kafka: `org.apache.kafka.tools.consumer.group.ConsumerGroupCommand`
//! (4.0). `--list` and `--describe` (offsets, `--members [--verbose]`, `--state`) for the
//! classic groups the brokers' coordinators hold, with the tool's column widths.

use super::address;
use super::opts::{self, arg, flag, ArgType, Opt, Parsed};
use super::{group_admin, Printer};
use crate::kafka::group::classic::{ClassicGroup, GroupState, Member};
use crate::kafka::{BrokerId, Cluster, KafkaWorld, NodeId, TopicPartition};
use crate::present::group::host_of;

pub const OPTS: &[Opt] = &[
    arg("bootstrap-server", "server to connect to", ArgType::Str, "REQUIRED: The server(s) to connect to."),
    arg("group", "consumer group", ArgType::Str, "The consumer group we wish to act on."),
    arg("topic", "topic", ArgType::Str, "The topic whose consumer group information should be deleted or topic whose should be included in the reset offset process. In `reset-offsets` case, partitions can be specified using this format: `topic1:0,1,2`, where 0,1,2 are the partition to be included in the process. Reset-offsets also supports multiple topic inputs."),
    flag("all-topics", "Consider all topics assigned to a group in the `reset-offsets` process."),
    flag("list", "List all consumer groups."),
    flag("describe", "Describe consumer group and list offset lag (number of messages not yet processed) related to given group."),
    flag("all-groups", "Apply to all consumer groups."),
    flag("delete", "Pass in groups to delete topic partition offsets and ownership information over the entire consumer group. For instance --group g1 --group g2"),
    arg("timeout", "timeout (ms)", ArgType::Long, "The timeout that can be set for some use cases. For example, it can be used when describing the group to specify the maximum amount of time in milliseconds to wait before the group stabilizes (when the group is just created, or is going through some changes)."),
    arg("command-config", "command config property file", ArgType::Str, "Property file containing configs to be passed to Admin Client and Consumer."),
    flag("reset-offsets", "Reset offsets of consumer group. Supports one consumer group at the time, and instances should be inactive"),
    flag("delete-offsets", "Delete offsets of consumer group. Supports one consumer group at the time, and multiple topics."),
    flag("dry-run", "Only show results without executing changes on Consumer Groups. Supported operations: reset-offsets."),
    flag("execute", "Execute operation. Supported operations: reset-offsets."),
    flag("members", "Describe members of the group. This option may be used with '--describe' and '--bootstrap-server' options only."),
    flag("verbose", "Provide additional information, if any, when describing the group. This option may be used with '--offsets'/'--members'/'--state' and '--bootstrap-server' options only."),
    flag("offsets", "Describe the group and list all topic partitions in the group along with their offset lag. This is the default sub-action of and may be used with '--describe' and '--bootstrap-server' options only."),
    flag("state", "When specified with '--describe', includes the state of the group. When specified with '--list', it displays the state of all groups. It can also be used to list groups with specific states. Example: --list --state stable,empty"),
    arg("to-offset", "offset", ArgType::Long, "Reset offsets to a specific offset."),
    arg("shift-by", "number-of-offsets", ArgType::Long, "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative."),
    arg("to-datetime", "datetime", ArgType::Str, "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'"),
    arg("by-duration", "duration", ArgType::Str, "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'"),
    flag("to-earliest", "Reset offsets to earliest offset."),
    flag("to-latest", "Reset offsets to latest offset."),
    flag("to-current", "Reset offsets to current offset."),
    arg("from-file", "path to CSV file", ArgType::Str, "Reset offsets to values defined in CSV file."),
];

const ACTIONS: &[&str] = &[
    "list",
    "describe",
    "delete",
    "reset-offsets",
    "delete-offsets",
];

/// What `-` stands for in the tool's tables (`MISSING_COLUMN_VALUE`).
const MISSING: &str = "-";

pub(super) fn run(world: &KafkaWorld, args: &[String], p: &mut Printer) {
    let cluster = world.model();
    let o = match opts::parse(OPTS, args) {
        Ok(o) => o,
        // The options are parsed outside `main`'s try: the JVM reports the exception.
        Err(e) => {
            p.err(format!(
                "Exception in thread \"main\" {}: {}",
                e.class(),
                e.message()
            ));
            return p.exit(1);
        }
    };
    if !check_args(args, &o, p) {
        return;
    }
    let servers = match address::resolve(
        cluster,
        o.value("bootstrap-server").unwrap_or_default(),
        p,
    ) {
        Ok(s) => s,
        Err(cause) => {
            p.err("Exception in thread \"main\" org.apache.kafka.common.KafkaException: Failed to create new KafkaAdminClient");
            p.err(format!(
                "Caused by: org.apache.kafka.common.config.ConfigException: {cause}"
            ));
            return p.exit(1);
        }
    };
    if address::reachable(cluster, &servers).is_none() {
        p.err("Error: Executing consumer group command failed due to org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: listGroups");
        return p.exit(1);
    }
    if o.has("list") {
        list(cluster, &o, p);
    } else if o.has("describe") {
        describe(cluster, &o, p);
    } else if o.has("reset-offsets") {
        let now_ms = world.now().as_ms() as i64;
        match group_admin::reset_offsets(cluster, &o, now_ms, p) {
            Ok(()) => {}
            Err(group_admin::Stop::Usage(message)) => p.usage(&message, OPTS),
            Err(group_admin::Stop::Error(message)) => group_admin::print_error(p, &message),
        }
    } else if o.has("delete-offsets") {
        group_admin::delete_offsets(cluster, &o, p);
    } else {
        group_admin::delete_groups(cluster, &o, p);
    }
}

/// Kafka: `ConsumerGroupCommandOptions.checkArgs` (the parts for the actions simulated here),
/// then `main`'s one-action rule.
fn check_args(args: &[String], o: &Parsed, p: &mut Printer) -> bool {
    if args.is_empty() || o.has("help") {
        p.usage("This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets.", OPTS);
        return false;
    }
    if o.has("version") {
        p.out(super::KAFKA_VERSION);
        return false;
    }
    if !o.has("bootstrap-server") {
        p.usage("Missing required argument \"[bootstrap-server]\"", OPTS);
        return false;
    }
    if o.has("describe") {
        if !o.has("group") && !o.has("all-groups") {
            p.usage(
                "Option [describe] takes one of these options: [all-groups], [group]",
                OPTS,
            );
            return false;
        }
        if ["members", "offsets", "state"]
            .iter()
            .filter(|x| o.has(x))
            .count()
            > 1
        {
            p.usage("Option [describe] takes at most one of these options: [members], [offsets], [state]", OPTS);
            return false;
        }
    }
    if o.has("group") && o.has("all-groups") {
        p.usage(
            "Option \"[group]\" can't be used with option \"[all-groups]\"",
            OPTS,
        );
        return false;
    }
    if ACTIONS.iter().filter(|a| o.has(a)).count() != 1 {
        p.usage("Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets", OPTS);
        return false;
    }
    if let Err(message) = group_admin::check_args(o, p) {
        p.usage(&message, OPTS);
        return false;
    }
    true
}

/// Kafka: `ConsumerGroupService.listGroups` (with `--state`: `printGroupInfo`).
fn list(cluster: &Cluster, o: &Parsed, p: &mut Printer) {
    // The coordinators' groups, and those of consumers still open (joining): a deleted group
    // whose consumers are closed is gone.
    let open = |id: &str| {
        cluster
            .consumers
            .values()
            .any(|c| !c.closed && c.group_id() == Some(id))
    };
    let ids: Vec<String> = cluster
        .group_ids()
        .into_iter()
        .filter(|id| cluster.group_coordinator(id).is_some() || open(id))
        .collect();
    if !o.has("state") {
        for id in ids {
            p.out(id);
        }
        return;
    }
    // `--state` takes an optional list (`withOptionalArg`): `--list --state stable,empty`.
    let wanted = match o.positional.first().map(|v| states_from_string(v)) {
        None => None,
        Some(Ok(states)) => Some(states),
        Some(Err(message)) => return p.usage(&message, OPTS),
    };
    let state_of = |id: &str| {
        cluster
            .group_coordinator(id)
            .map_or("Unknown", |(_, g)| g.state.name())
    };
    let ids: Vec<String> = ids
        .into_iter()
        .filter(|id| wanted.as_ref().is_none_or(|w| w.contains(&state_of(id))))
        .collect();
    let width = ids.iter().map(|g| g.len().max(15)).max().unwrap_or(15) + 10;
    p.out(format!("{:<width$} {:<20}", "GROUP", "STATE"));
    for id in ids {
        let state = state_of(&id);
        p.out(format!("{id:<width$} {state:<20}"));
    }
}

/// Kafka: `ConsumerGroupCommand.consumerGroupStatesFromString` (`ConsumerGroupState.parse`
/// ignores case).
fn states_from_string(input: &str) -> Result<Vec<&'static str>, String> {
    const STATES: &[&str] = &[
        "PreparingRebalance",
        "CompletingRebalance",
        "Stable",
        "Dead",
        "Empty",
        "Assigning",
        "Reconciling",
    ];
    input
        .split(',')
        .map(|s| {
            STATES
                .iter()
                .copied()
                .find(|k| k.eq_ignore_ascii_case(s.trim()))
                .ok_or_else(|| {
                    format!(
                        "Invalid state list '{input}'. Valid states are: UNKNOWN, {}",
                        STATES.join(", ")
                    )
                })
        })
        .collect()
}

/// The groups a command names (`--group`, repeatable) or every group (`--all-groups`), each
/// once, in name order.
pub(super) fn selected_groups(cluster: &Cluster, o: &Parsed) -> Vec<String> {
    let mut ids: Vec<String> = if o.has("all-groups") {
        cluster.group_ids()
    } else {
        o.values("group").to_vec()
    };
    crate::sim::sort::sort(&mut ids);
    ids.dedup();
    ids
}

/// Kafka: `ConsumerGroupService.describeGroups`: offsets (the default), members or state,
/// for each group in name order (a `TreeMap`).
fn describe(cluster: &Cluster, o: &Parsed, p: &mut Printer) {
    for id in selected_groups(cluster, o) {
        let group = cluster.group_coordinator(&id);
        if o.has("members") {
            members(group, &id, o.has("verbose"), p);
        } else if o.has("state") {
            state(group, &id, p);
        } else {
            offsets(cluster, group, &id, p);
        }
    }
}

/// Kafka: `shouldPrintMemberState`: the notes about Dead, Empty and rebalancing groups.
fn should_print(id: &str, group: Option<&ClassicGroup>, rows: usize, p: &mut Printer) -> bool {
    let state = group.map_or(GroupState::Dead, |g| g.state);
    match state {
        GroupState::Dead => {
            p.out("");
            p.out(format!("Error: Consumer group '{id}' does not exist."));
        }
        GroupState::Empty => {
            p.err("");
            p.err(format!("Consumer group '{id}' has no active members."));
        }
        GroupState::PreparingRebalance | GroupState::CompletingRebalance => {
            p.err("");
            p.err(format!("Warning: Consumer group '{id}' is rebalancing."));
        }
        GroupState::Stable => {}
    }
    state != GroupState::Dead && rows > 0
}

fn consumer_number(m: &Member) -> u32 {
    match m.client {
        NodeId::Consumer(c) => c,
        _ => 0,
    }
}

fn log_end_offset(cluster: &Cluster, tp: &TopicPartition) -> Option<i64> {
    crate::check::history::authoritative_replica(cluster.brokers.values(), tp)
        .map(|b| b.replicas[tp].high_watermark)
}

/// One row of the offsets table, as `PartitionAssignmentState` holds it.
struct OffsetRow {
    topic: String,
    partition: String,
    offset: String,
    log_end: String,
    lag: String,
    consumer_id: String,
    host: String,
    client_id: String,
}

fn offset_rows(cluster: &Cluster, g: &ClassicGroup) -> Vec<OffsetRow> {
    let mut members: Vec<&Member> = g
        .members
        .values()
        .filter(|m| !m.assignment.is_empty())
        .collect();
    // Kafka: members with the most partitions first (a stable sort).
    crate::sim::sort::sort_by_key(&mut members, |m| std::cmp::Reverse(m.assignment.len()));
    let mut owned: Vec<(TopicPartition, Option<&Member>)> = Vec::new();
    for m in members {
        let mut tps = m.assignment.clone();
        crate::sim::sort::sort_by(&mut tps, |a, b| {
            (a.partition, &a.topic).cmp(&(b.partition, &b.topic))
        });
        owned.extend(tps.into_iter().map(|tp| (tp, Some(m))));
    }
    let mut unassigned: Vec<TopicPartition> = g
        .offsets
        .keys()
        .filter(|tp| !owned.iter().any(|(o, _)| o == *tp))
        .cloned()
        .collect();
    crate::sim::sort::sort_by(&mut unassigned, |a, b| {
        (a.partition, &a.topic).cmp(&(b.partition, &b.topic))
    });
    owned.extend(unassigned.into_iter().map(|tp| (tp, None)));
    owned
        .into_iter()
        .map(|(tp, m)| {
            let offset = g.offsets.get(&tp).map(|o| o.offset);
            let end = log_end_offset(cluster, &tp);
            let lag = offset.filter(|o| *o != -1).and_then(|o| end.map(|e| e - o));
            let text = |v: Option<i64>| v.map_or(MISSING.to_string(), |x| x.to_string());
            OffsetRow {
                topic: tp.topic.to_string(),
                partition: tp.partition.to_string(),
                offset: text(offset),
                log_end: text(end),
                lag: text(lag),
                consumer_id: m.map_or(MISSING.into(), |m| m.member_id.to_string()),
                host: m.map_or(MISSING.into(), |m| host_of(consumer_number(m))),
                client_id: m.map_or(MISSING.into(), |m| m.client_id.to_string()),
            }
        })
        .collect()
}

/// Kafka: `printOffsets` with `printOffsetFormat`'s widths (at least 15 for the group, topic,
/// consumer id and host columns).
fn offsets(cluster: &Cluster, group: Option<(BrokerId, &ClassicGroup)>, id: &str, p: &mut Printer) {
    let g = group.map(|(_, g)| g);
    let rows = g.map(|g| offset_rows(cluster, g)).unwrap_or_default();
    if !should_print(id, g, rows.len(), p) {
        return;
    }
    let wg = id.len().max(15);
    let wt = rows
        .iter()
        .map(|r| r.topic.len())
        .max()
        .unwrap_or(0)
        .max(15);
    let wc = rows
        .iter()
        .map(|r| r.consumer_id.len())
        .max()
        .unwrap_or(0)
        .max(15);
    let wh = rows.iter().map(|r| r.host.len()).max().unwrap_or(0).max(15);
    let line = |c: [&str; 9]| {
        format!(
            "{:<wg$} {:<wt$} {:<10} {:<15} {:<15} {:<15} {:<wc$} {:<wh$} {}",
            c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]
        )
    };
    p.out("");
    p.out(line(crate::present::group::DESCRIBE_COLUMNS));
    for r in &rows {
        p.out(line([
            id,
            &r.topic,
            &r.partition,
            &r.offset,
            &r.log_end,
            &r.lag,
            &r.consumer_id,
            &r.host,
            &r.client_id,
        ]));
    }
}

/// Kafka: `printMembers` (the group instance id column only when some member has one).
fn members(group: Option<(BrokerId, &ClassicGroup)>, id: &str, verbose: bool, p: &mut Printer) {
    let g = group.map(|(_, g)| g);
    let list: Vec<&Member> = g.map(|g| g.members.values().collect()).unwrap_or_default();
    if !should_print(id, g, list.len(), p) {
        return;
    }
    let instance = |m: &Member| m.group_instance_id.as_deref().unwrap_or("").to_string();
    let with_instance = list.iter().any(|m| m.group_instance_id.is_some());
    let wg = id.len().max(15);
    let wc = list
        .iter()
        .map(|m| m.member_id.len())
        .max()
        .unwrap_or(0)
        .max(15);
    let wi = list
        .iter()
        .map(|m| instance(m).len())
        .max()
        .unwrap_or(0)
        .max(17);
    let wh = list
        .iter()
        .map(|m| host_of(consumer_number(m)).len())
        .max()
        .unwrap_or(0)
        .max(15);
    let wl = list
        .iter()
        .map(|m| m.client_id.len())
        .max()
        .unwrap_or(0)
        .max(15);
    let line = |c: [&str; 6]| {
        let mut s = format!("{:<wg$} {:<wc$} ", c[0], c[1]);
        if with_instance {
            s.push_str(&format!("{:<wi$} ", c[2]));
        }
        s + &format!("{:<wh$} {:<wl$} {:<15} ", c[3], c[4], c[5])
    };
    p.out("");
    let header = line([
        "GROUP",
        "CONSUMER-ID",
        "GROUP-INSTANCE-ID",
        "HOST",
        "CLIENT-ID",
        "#PARTITIONS",
    ]);
    p.out(if verbose {
        header + "ASSIGNMENT"
    } else {
        header
    });
    for m in list {
        let host = host_of(consumer_number(m));
        let count = m.assignment.len().to_string();
        let mut row = line([id, &m.member_id, &instance(m), &host, &m.client_id, &count]);
        if verbose {
            row.push_str(&assignment_text(&m.assignment));
        }
        p.out(row);
    }
}

/// `--verbose`'s ASSIGNMENT column: `topic(0,1), other(2)`, each topic's partitions sorted.
fn assignment_text(assignment: &[TopicPartition]) -> String {
    if assignment.is_empty() {
        return MISSING.to_string();
    }
    let mut by_topic: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for tp in assignment {
        by_topic
            .entry(tp.topic.to_string())
            .or_default()
            .push(tp.partition.to_string());
    }
    let mut parts: Vec<String> = by_topic
        .into_iter()
        .map(|(topic, mut ps)| {
            crate::sim::sort::sort(&mut ps);
            format!("{topic}({})", ps.join(","))
        })
        .collect();
    crate::sim::sort::sort(&mut parts);
    parts.join(", ")
}

/// Kafka: `printStates`: the coordinator as `host:port  (id)`.
fn state(group: Option<(BrokerId, &ClassicGroup)>, id: &str, p: &mut Printer) {
    let g = group.map(|(_, g)| g);
    if !should_print(id, g, 1, p) {
        return;
    }
    let Some((broker, g)) = group else { return };
    let coordinator = format!("b{}:{}  ({})", broker.0, address::BROKER_PORT, broker.0);
    let wc = coordinator.len().max(25);
    let strategy = g.protocol_name.as_deref().unwrap_or("");
    let line = |c: [&str; 5]| {
        format!(
            "{:<wc$} {:<25} {:<20} {:<15} {}",
            c[0], c[1], c[2], c[3], c[4]
        )
    };
    p.out("");
    p.out(line([
        "GROUP",
        "COORDINATOR (ID)",
        "ASSIGNMENT-STRATEGY",
        "STATE",
        "#MEMBERS",
    ]));
    p.out(line([
        id,
        &coordinator,
        strategy,
        g.state.name(),
        &g.members.len().to_string(),
    ]));
}
