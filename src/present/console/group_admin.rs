//! `kafka-consumer-groups.sh --reset-offsets`, `--delete-offsets` and `--delete`: Kafka:
//! `ConsumerGroupCommand.ConsumerGroupService.resetOffsets`, `deleteOffsets`, `deleteGroups`.
//! The offsets are computed here from the cluster as it stands (ListOffsets, the coordinator's
//! committed offsets); `--execute` hands the session an admin commit that the group's
//! coordinator writes to `__consumer_offsets`, so a consumer joining later starts there.

use super::offsets::{offset_of, Spec};
use super::opts::Parsed;
use super::{out, ConsoleCommand, Failure, Line, Printer, ADMIN_SETTLE_MS};
use crate::kafka::group::classic::{ClassicGroup, GroupState};
use crate::kafka::{Cluster, Command, TopicPartition};
use std::collections::BTreeMap;

/// The reset scenarios (`allResetOffsetScenarioOpts`), in the order the checks name them.
pub(super) const SCENARIOS: &[&str] = &[
    "to-offset",
    "shift-by",
    "to-datetime",
    "by-duration",
    "to-earliest",
    "to-latest",
    "to-current",
    "from-file",
];

/// `ConsumerGroupCommand.printError`: an empty line, then `Error: ...`, on standard output.
pub(super) fn print_error(p: &mut Printer, message: &str) {
    p.out("");
    p.out(format!("Error: {message}"));
}

/// The group as its coordinator holds it, and its state name (`Dead` when there is none).
fn group_state<'a>(cluster: &'a Cluster, id: &str) -> (Option<&'a ClassicGroup>, GroupState) {
    match cluster.group_coordinator(id) {
        Some((_, g)) => (Some(g), g.state),
        None => (None, GroupState::Dead),
    }
}

/// Kafka: `parseTopicsWithPartitions` and `parseTopicPartitionsToReset`: `t:0,1` names
/// partitions, a bare `t` means all of the topic's partitions.
fn partitions_of(cluster: &Cluster, topics: &[String]) -> Result<Vec<TopicPartition>, String> {
    let image = cluster.active_controller().map(|c| &c.image);
    let failed = |why: &str| format!("Executing consumer group command failed due to {why}");
    let unknown = "java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition.";
    let mut out = Vec::new();
    for arg in topics {
        if let Some((topic, list)) = arg.split_once(':') {
            for n in list.split(',') {
                let Ok(n) = n.trim().parse::<i32>() else {
                    return Err(failed(&format!("For input string: \"{n}\"")));
                };
                let tp = TopicPartition::new(topic, n);
                if image.and_then(|i| i.partition(&tp)).is_none() {
                    return Err(failed(unknown));
                }
                out.push(tp);
            }
            continue;
        }
        let Some(count) = image.and_then(|i| i.partition_count(arg)) else {
            return Err(failed(unknown));
        };
        out.extend((0..count).map(|p| TopicPartition::new(arg.as_str(), p)));
    }
    Ok(out)
}

/// Kafka: `checkOffsetsRange`: a requested offset outside the log is moved to its end or its
/// start, with the tool's WARN.
fn in_range(cluster: &Cluster, tp: &TopicPartition, offset: i64, p: &mut Printer) -> i64 {
    let end = offset_of(cluster, tp, Spec::Latest).unwrap_or(0);
    let start = offset_of(cluster, tp, Spec::Earliest).unwrap_or(0);
    let (bound, which) = if offset > end {
        (end, "higher than latest")
    } else if offset < start {
        (start, "lower than earliest")
    } else {
        return offset;
    };
    p.err(format!("WARN New offset ({offset}) is {which} offset for topic partition {tp}. Value will be set to {bound} (org.apache.kafka.tools.consumer.group.ConsumerGroupCommand)"));
    bound
}

/// Kafka: `Utils.getDateTime` for `yyyy-MM-dd'T'HH:mm:ss.SSS` with an optional `Z` or
/// `±hh:mm` (the classroom's clock is UTC, starting at the epoch): epoch milliseconds.
fn parse_datetime(text: &str) -> Option<i64> {
    if !text.is_ascii() {
        return None;
    }
    let (body, offset_min) = match text.len() {
        23 => (text, 0),
        24 if text.ends_with('Z') => (&text[..23], 0),
        29 => {
            let (b, zone) = text.split_at(23);
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (h, m) = zone[1..].split_once(':')?;
            (
                b,
                sign * (h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?),
            )
        }
        _ => return None,
    };
    let b = body.as_bytes();
    let shape = [4, 7, 10, 13, 16, 19].map(|i| b.get(i).copied());
    if shape
        != [
            Some(b'-'),
            Some(b'-'),
            Some(b'T'),
            Some(b':'),
            Some(b':'),
            Some(b'.'),
        ]
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| body.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s, ms) = (num(11..13)?, num(14..16)?, num(17..19)?, num(20..23)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((mo + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some((((days * 24 + h) * 60 + mi - offset_min) * 60 + s) * 1000 + ms)
}

/// Java's `Duration.parse` for `PnDTnHnMnS` (whole units, seconds may have a fraction): ms.
fn parse_duration(text: &str) -> Option<i64> {
    let rest = text.strip_prefix('P').or_else(|| text.strip_prefix('p'))?;
    let (date, time) = match rest.split_once(['T', 't']) {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (rest, None),
    };
    let mut total: i64 = 0;
    let mut seen = !date.is_empty();
    if !date.is_empty() {
        let days = date.strip_suffix(['D', 'd'])?.parse::<i64>().ok()?;
        total = days.checked_mul(86_400_000)?;
    }
    let mut t = time.unwrap_or_default();
    for (unit, ms) in [('H', 3_600_000i64), ('M', 60_000), ('S', 1000)] {
        if let Some(i) = t.find([unit, unit.to_ascii_lowercase()]) {
            let n = &t[..i];
            let value = if unit == 'S' && n.contains('.') {
                let (w, f) = n.split_once('.')?;
                let frac = format!("{f:0<3}");
                w.parse::<i64>().ok()? * 1000 + frac.get(..3)?.parse::<i64>().ok()?
            } else {
                n.parse::<i64>().ok()?.checked_mul(ms)?
            };
            total = total.checked_add(value)?;
            t = &t[i + 1..];
            seen = true;
        }
    }
    (seen && t.is_empty()).then_some(total)
}

/// Why a reset stopped: `printUsageAndExit` with a message, or `printError`'s line.
pub(super) enum Stop {
    Usage(String),
    Error(String),
}

/// The committed offset of `tp`, if the group has one.
fn committed(group: Option<&ClassicGroup>, tp: &TopicPartition) -> Option<i64> {
    group.and_then(|g| g.offsets.get(tp)).map(|c| c.offset)
}

/// An offset from ListOffsets, or the usage the tool prints when there is none.
fn listed(cluster: &Cluster, tp: &TopicPartition, spec: Spec, what: &str) -> Result<i64, Stop> {
    offset_of(cluster, tp, spec).ok_or_else(|| {
        Stop::Usage(format!(
            "Error getting {what} offset of topic partition: {tp}"
        ))
    })
}

/// Kafka: `prepareOffsetsToReset`: the new offset of each partition for the scenario given.
fn new_offsets(
    cluster: &Cluster,
    group: Option<&ClassicGroup>,
    partitions: &[TopicPartition],
    o: &Parsed,
    now_ms: i64,
    p: &mut Printer,
) -> Result<BTreeMap<TopicPartition, i64>, Stop> {
    let mut out = BTreeMap::new();
    for tp in partitions {
        let offset = if let Some(n) = o.long("to-offset") {
            in_range(cluster, tp, n, p)
        } else if o.has("to-earliest") {
            listed(cluster, tp, Spec::Earliest, "starting")?
        } else if o.has("to-latest") {
            listed(cluster, tp, Spec::Latest, "ending")?
        } else if let Some(n) = o.long("shift-by") {
            let Some(current) = committed(group, tp) else {
                return Err(Stop::Usage(format!("Cannot shift offset for partition {tp} since there is no current committed offset")));
            };
            in_range(cluster, tp, current.saturating_add(n), p)
        } else if let Some(text) = o.value("to-datetime") {
            let ts = parse_datetime(text).ok_or_else(|| {
                Stop::Error(format!("Executing consumer group command failed due to java.text.ParseException: Unparseable date: \"{text}\""))
            })?;
            by_timestamp(cluster, tp, ts)?
        } else if let Some(text) = o.value("by-duration") {
            let ms = parse_duration(text).ok_or_else(|| {
                Stop::Error("Executing consumer group command failed due to Text cannot be parsed to a Duration".to_string())
            })?;
            by_timestamp(cluster, tp, now_ms.saturating_sub(ms))?
        } else if o.has("to-current") {
            match committed(group, tp) {
                Some(c) => c,
                None => listed(cluster, tp, Spec::Latest, "ending")?,
            }
        } else if o.has("from-file") {
            return Err(Stop::Error(
                "--from-file is not simulated yet (the console has no files)".to_string(),
            ));
        } else {
            let all: Vec<String> = SCENARIOS.iter().map(|s| format!("[{s}]")).collect();
            return Err(Stop::Usage(format!(
                "Option '[reset-offsets]' requires one of the following scenarios: {}",
                all.join(", ")
            )));
        };
        out.insert(*tp, offset);
    }
    Ok(out)
}

/// Kafka: `getLogTimestampOffsets`: the first offset at or after the time, else the log end.
fn by_timestamp(cluster: &Cluster, tp: &TopicPartition, ts: i64) -> Result<i64, Stop> {
    match offset_of(cluster, tp, Spec::Timestamp(ts)) {
        Some(o) => Ok(o),
        None => listed(
            cluster,
            tp,
            Spec::Latest,
            "offset by timestamp of topic partition",
        ),
    }
}

/// Kafka: `printOffsetsToReset`: `%n%-30s %-30s %-10s %-15s` per row, then a newline.
fn reset_table(rows: &[(String, TopicPartition, i64)], any: bool) -> Vec<Line> {
    let mut lines = vec![out(String::new())];
    if any {
        let row = |g: &str, t: &str, p: &str, o: &str| format!("{g:<30} {t:<30} {p:<10} {o:<15}");
        lines.push(out(row("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET")));
        for (g, tp, o) in rows {
            lines.push(out(row(
                g,
                &tp.topic,
                &tp.partition.to_string(),
                &o.to_string(),
            )));
        }
    }
    lines
}

/// The partitions a reset covers (`getPartitionsToReset`).
fn scope(
    cluster: &Cluster,
    group: Option<&ClassicGroup>,
    o: &Parsed,
) -> Result<Vec<TopicPartition>, Stop> {
    if o.has("all-topics") {
        Ok(group
            .map(|g| g.offsets.keys().cloned().collect())
            .unwrap_or_default())
    } else if o.has("topic") {
        partitions_of(cluster, o.values("topic")).map_err(Stop::Error)
    } else {
        Err(Stop::Usage(
            "One of the reset scopes should be defined: --all-topics, --topic.".to_string(),
        ))
    }
}

/// Kafka: `ConsumerGroupService.resetOffsets` then `printOffsetsToReset`. With `--execute`
/// the commit is the command the session runs; the table is printed once it is accepted.
pub(super) fn reset_offsets(
    cluster: &Cluster,
    o: &Parsed,
    now_ms: i64,
    p: &mut Printer,
) -> Result<(), Stop> {
    let ids: Vec<String> = if o.has("all-groups") {
        cluster.group_ids()
    } else {
        o.values("group").to_vec()
    };
    let execute = o.has("execute") && !o.has("dry-run");
    let (mut rows, mut commits) = (Vec::new(), Vec::new());
    for id in &ids {
        let (group, state) = group_state(cluster, id);
        if !matches!(state, GroupState::Empty | GroupState::Dead) {
            print_error(p, &format!("Assignments can only be reset if the group '{id}' is inactive, but the current state is {}.", state.name()));
            continue;
        }
        let partitions = scope(cluster, group, o)?;
        let offsets = new_offsets(cluster, group, &partitions, o, now_ms, p)?;
        rows.extend(offsets.iter().map(|(tp, n)| (id.clone(), *tp, *n)));
        commits.push((id.clone(), offsets));
    }
    let table = reset_table(&rows, !ids.is_empty());
    if !execute || commits.is_empty() {
        p.outcome.lines.extend(table);
        return Ok(());
    }
    if commits.len() > 1 {
        return Err(Stop::Error("resetting several groups in one --execute is not simulated yet: reset one --group at a time".to_string()));
    }
    let (group, offsets) = commits.remove(0);
    p.outcome.command = Some(ConsoleCommand {
        command: Command::CommitGroupOffsets {
            group,
            offsets: crate::sim::sort::collect_map(
                offsets.into_iter().map(|(tp, o)| (tp.to_string(), o)),
            ),
        },
        on_success: table,
        failure: Failure::GroupCommand,
        settle_ms: ADMIN_SETTLE_MS,
        then: Vec::new(),
    });
    Ok(())
}

/// Kafka: `ConsumerGroupService.deleteOffsets` (the `deleteOffsets()` printing): a non-empty
/// group keeps the offsets of topics its members subscribe to (GROUP_SUBSCRIBED_TO_TOPIC).
pub(super) fn delete_offsets(cluster: &Cluster, o: &Parsed, p: &mut Printer) {
    let id = o.value("group").unwrap_or_default().to_string();
    let topics = o.values("topic");
    let (group, state) = group_state(cluster, &id);
    let (mut results, deletable) = offset_deletions(cluster, group, state, topics);
    let mut lines = Printer::new();
    if group.is_none() {
        print_error(&mut lines, &format!("'{id}' does not exist."));
    } else if results.iter().any(|r| r.2.is_some()) {
        print_error(
            &mut lines,
            "Encounter some partition level error, see the follow-up details:",
        );
    } else {
        lines.out(format!(
            "Request succeed for deleting offsets with topic {} group {id}",
            topics.join(", ")
        ));
    }
    crate::sim::sort::sort_by_key(&mut results, |(t, part, _)| format!("{t}{part}"));
    let row = |t: &str, part: &str, s: &str| format!("{t:<30} {part:<15} {s:<15}");
    lines.out("");
    lines.out(row("TOPIC", "PARTITION", "STATUS"));
    for (t, part, e) in &results {
        let status = e
            .as_ref()
            .map_or("Successful".to_string(), |e| format!("Error: :{e}"));
        lines.out(row(t, part, &status));
    }
    if deletable.is_empty() {
        p.outcome.lines.extend(lines.outcome.lines);
        return;
    }
    p.outcome.command = Some(ConsoleCommand {
        command: Command::DeleteGroupOffsets {
            group: id,
            partitions: deletable,
        },
        on_success: lines.outcome.lines,
        failure: Failure::GroupCommand,
        settle_ms: ADMIN_SETTLE_MS,
        then: Vec::new(),
    });
}

/// Each partition's result (topic, partition, error) and the partitions that can go.
type Deletions = (Vec<(String, String, Option<String>)>, Vec<String>);

fn offset_deletions(
    cluster: &Cluster,
    group: Option<&ClassicGroup>,
    state: GroupState,
    topics: &[String],
) -> Deletions {
    let image = cluster.active_controller().map(|c| &c.image);
    let unknown = "org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition.";
    let mut results: Vec<(String, String, Option<String>)> = Vec::new();
    let mut deletable = Vec::new();
    let subscribed = |t: &str| {
        group.is_some_and(|g| {
            state != GroupState::Empty
                && g.members
                    .values()
                    .any(|m| m.subscription.iter().any(|s| s == t))
        })
    };
    for arg in topics {
        let Ok(parts) = partitions_of(cluster, std::slice::from_ref(arg)) else {
            results.push((arg.clone(), "Not Provided".into(), Some(unknown.into())));
            continue;
        };
        for tp in parts {
            let known = image.is_some_and(|i| i.partition(&tp).is_some());
            let error = if group.is_none() {
                Some("org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist.")
            } else if !known {
                Some(unknown)
            } else if subscribed(&tp.topic) {
                Some("org.apache.kafka.common.errors.GroupSubscribedToTopicException: Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it.")
            } else {
                deletable.push(tp.to_string());
                None
            };
            results.push((
                tp.topic.to_string(),
                tp.partition.to_string(),
                error.map(str::to_string),
            ));
        }
    }
    (results, deletable)
}

/// Kafka: `ConsumerGroupService.deleteGroups`: groups without members go; the others stay,
/// each with its reason.
pub(super) fn delete_groups(cluster: &Cluster, o: &Parsed, p: &mut Printer) {
    let (mut ok, mut failed) = (Vec::new(), Vec::new());
    for id in super::groups::selected_groups(cluster, o) {
        match group_state(cluster, &id) {
            (None, _) => {
                failed.push((id, "GroupIdNotFoundException: The group id does not exist."))
            }
            (Some(_), GroupState::Empty | GroupState::Dead) => ok.push(id),
            (Some(_), _) => failed.push((id, "GroupNotEmptyException: The group is not empty.")),
        }
    }
    let mut lines = Printer::new();
    if failed.is_empty() {
        lines.out(format!(
            "Deletion of requested consumer groups ('{}') was successful.",
            ok.join(", ")
        ));
    } else {
        print_error(&mut lines, "Deletion of some consumer groups failed:");
        for (g, e) in &failed {
            lines.out(format!("* Group '{g}' could not be deleted due to: java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.{e}"));
        }
        if !ok.is_empty() {
            lines.out("");
            lines.out(format!(
                "These consumer groups were deleted successfully: '{}', '",
                ok.join("'")
            ));
        }
    }
    if ok.is_empty() {
        p.outcome.lines.extend(lines.outcome.lines);
        return;
    }
    p.outcome.command = Some(ConsoleCommand {
        command: Command::DeleteGroups { groups: ok },
        on_success: lines.outcome.lines,
        failure: Failure::GroupCommand,
        settle_ms: ADMIN_SETTLE_MS,
        then: Vec::new(),
    });
}

/// Kafka: `ConsumerGroupCommandOptions.checkArgs` for `--reset-offsets`, `--delete` and
/// `--delete-offsets`: `Err` is the usage message.
pub(super) fn check_args(o: &Parsed, p: &mut Printer) -> Result<(), String> {
    let scope = "[all-groups], [group]";
    if o.has("delete") {
        if !o.has("group") && !o.has("all-groups") {
            return Err(format!(
                "Option [delete] takes one of these options: {scope}"
            ));
        }
        if o.has("topic") {
            return Err("The consumer does not support topic-specific offset deletion from a consumer group.".to_string());
        }
    }
    if o.has("delete-offsets") && (!o.has("group") || !o.has("topic")) {
        return Err(
            "Option [delete-offsets] takes the following options: [group], [topic]".to_string(),
        );
    }
    if !o.has("reset-offsets") {
        return Ok(());
    }
    if o.has("dry-run") && o.has("execute") {
        return Err(
            "Option [reset-offsets] only accepts one of [execute] and [dry-run]".to_string(),
        );
    }
    if !o.has("dry-run") && !o.has("execute") {
        p.err("WARN: No action will be performed as the --execute option is missing.In a future major release, the default behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.");
    }
    if !o.has("group") && !o.has("all-groups") {
        return Err(format!(
            "Option [reset-offsets] takes one of these options: {scope}"
        ));
    }
    for used in SCENARIOS {
        if let Some(other) = SCENARIOS
            .iter()
            .find(|s| *s != used && o.has(used) && o.has(s))
        {
            return Err(format!(
                "Option \"[{used}]\" can't be used with option \"[{other}]\""
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_and_durations_parse_as_java_does() {
        assert_eq!(parse_datetime("1970-01-01T00:00:05.000"), Some(5_000));
        assert_eq!(parse_datetime("1970-01-01T01:00:00.000+01:00"), Some(0));
        assert_eq!(
            parse_datetime("2024-02-29T12:00:00.250Z"),
            Some(1_709_208_000_250)
        );
        assert_eq!(parse_datetime("yesterday"), None);
        assert_eq!(parse_datetime("1970-01-01T00:00:05.00é"), None);
        assert_eq!(parse_duration("PT3S"), Some(3_000));
        assert_eq!(parse_duration("P1DT2H3M4.5S"), Some(93_784_500));
        assert_eq!(parse_duration("PT"), None);
        assert_eq!(parse_duration("3S"), None);
    }
}
