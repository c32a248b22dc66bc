//! What `kafka-metadata-quorum.sh describe` prints: Kafka:
//! `MetadataQuorumCommand.handleDescribeStatus` and `handleDescribeReplication`, from the
//! quorum leader's state as DescribeQuorum reports it.

use super::metadata_quorum::{CONTROLLER_ID_BASE, CONTROLLER_PORT, ZERO_UUID};
use super::Printer;
use crate::kafka::controller::raft::RaftRole;
use crate::kafka::controller::Controller;
use crate::kafka::Cluster;

/// One replica of the metadata log as DescribeQuorum reports it.
pub(super) struct ReplicaState {
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
pub(super) fn voter_states(leader: &Controller, now: i64) -> Vec<ReplicaState> {
    let leo = leader.raft.end_offset();
    let (ends, fetches) = match &leader.raft.role {
        RaftRole::Leader {
            end_offsets,
            last_fetch_ms,
        } => (end_offsets.clone(), last_fetch_ms.clone()),
        _ => Default::default(),
    };
    let mut voters: Vec<u32> = leader.raft.voters.clone();
    crate::sim::sort::sort_by_key(&mut voters, |v| (*v != leader.id, *v));
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
pub(super) fn status(
    cluster: &Cluster,
    leader: &Controller,
    voters: &[ReplicaState],
    p: &mut Printer,
) {
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
pub(super) fn replication(
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
