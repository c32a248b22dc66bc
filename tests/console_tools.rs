//! The console's cluster-inspection tools against the model they read:
//! `kafka-metadata-quorum.sh` reports the quorum leader's Raft state, `kafka-log-dirs.sh` the
//! brokers' real log sizes, and both complete with Tab.

use kafka_classroom::lesson::builtin;
use kafka_classroom::present::console::{self, complete::complete, Stream};
use kafka_classroom::present::session::{Action, Session};
use kafka_classroom::present::share::LessonRef;

fn session(id: &str) -> Session {
    let lesson = builtin::load(id).unwrap();
    let seed = lesson.seed;
    Session::new(lesson, LessonRef::Builtin(id.into()), seed)
}

fn out(s: &Session, line: &str) -> Vec<String> {
    let o = console::run(s.world(), line);
    assert_eq!(o.exit_code, 0, "{line}: {:?}", o.lines);
    o.lines
        .into_iter()
        .filter(|l| l.stream == Stream::Out)
        .map(|l| l.text)
        .collect()
}

#[test]
fn quorum_status_names_the_raft_leader_epoch_and_high_watermark() {
    let mut s = session("controller-quorum");
    s.apply(Action::Console("sleep 5".into()));
    let leader = s
        .world()
        .model()
        .active_controller()
        .expect("a leader by 5 s");
    let lines = out(
        &s,
        "kafka-metadata-quorum.sh --bootstrap-server b2:9092 describe --status",
    );
    let field = |name: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .map(|v| v.trim().to_string())
            .unwrap()
    };
    assert_eq!(field("LeaderId"), (3000 + leader.id).to_string());
    assert_eq!(field("LeaderEpoch"), leader.raft.epoch.to_string());
    assert_eq!(
        field("HighWatermark"),
        leader.raft.high_watermark.to_string()
    );
    // ctl1 crashed at 1 s and never fetched from this leader: it lags the whole log.
    assert_eq!(
        field("MaxFollowerLag"),
        (leader.raft.end_offset() + 1).to_string()
    );
    let rows = out(
        &s,
        "kafka-metadata-quorum.sh --bootstrap-server b2:9092 describe --replication",
    );
    assert!(rows[0].starts_with("NodeId\tDirectoryId"));
    assert!(rows[1].starts_with(&format!("{}", 3000 + leader.id)));
    assert!(rows[1].trim_end().ends_with("Leader"));
    assert_eq!(rows.iter().filter(|r| r.contains("Follower")).count(), 2);
    assert_eq!(rows.iter().filter(|r| r.contains("Observer")).count(), 3);
}

#[test]
fn log_dirs_reports_each_replica_log_size() {
    let mut s = session("replication-playground");
    s.apply(Action::Console("sleep 3".into()));
    let lines = out(
        &s,
        "kafka-log-dirs.sh --bootstrap-server b1:9092 --describe --broker-list 2 --topic-list orders",
    );
    assert_eq!(
        lines[1],
        "Received log directory information from brokers 2"
    );
    let json: serde_json::Value = serde_json::from_str(&lines[2]).unwrap();
    let partitions = json["brokers"][0]["logDirs"][0]["partitions"]
        .as_array()
        .unwrap();
    assert_eq!(partitions.len(), 3);
    let b2 = &s.world().model().brokers[&kafka_classroom::kafka::BrokerId(2)];
    for p in partitions {
        let name = p["partition"].as_str().unwrap();
        let replica = b2
            .replicas
            .iter()
            .find(|(tp, _)| tp.to_string() == name)
            .unwrap()
            .1;
        assert_eq!(p["size"].as_u64(), Some(replica.log.size_bytes()), "{name}");
        assert!(replica.log.size_bytes() > 0, "records were produced");
    }
}

#[test]
fn tab_completes_the_new_tools_and_their_words() {
    let s = session("controller-quorum");
    let w = s.world();
    assert_eq!(complete(w, "kafka-meta").line, "kafka-metadata-quorum.sh ");
    assert_eq!(complete(w, "kafka-log-").line, "kafka-log-dirs.sh ");
    assert_eq!(
        complete(
            w,
            "kafka-metadata-quorum.sh --bootstrap-server b1:9092 desc"
        )
        .line,
        "kafka-metadata-quorum.sh --bootstrap-server b1:9092 describe "
    );
    assert_eq!(
        complete(w, "kafka-metadata-quorum.sh --bootstrap-controller ctl").candidates,
        vec!["ctl1:9093", "ctl2:9093", "ctl3:9093"]
    );
    assert_eq!(
        complete(w, "kafka-log-dirs.sh --bootstrap-server b1:9092 --desc").line,
        "kafka-log-dirs.sh --bootstrap-server b1:9092 --describe "
    );
}

#[test]
fn the_perf_test_reports_every_acknowledged_record_on_the_simulated_clock() {
    let mut s = session("tuning-lab");
    let printed = kafka_classroom::present::session::run_script(
        &mut s,
        "kafka-producer-perf-test.sh --topic ingest --num-records 1500 --record-size 100 --throughput 100 --producer-props bootstrap.servers=b1:9092 acks=all\n",
    );
    let text: Vec<&str> = printed.iter().map(|l| l.text.as_str()).collect();
    // 1500 records at 100 a second: about 15 s, so two window lines, then the total.
    let windows = text
        .iter()
        .filter(|l| l.ends_with("ms max latency."))
        .count();
    assert_eq!(windows, 2, "{text:?}");
    let total = text.last().unwrap();
    assert!(total.starts_with("1500 records sent, "), "{total}");
    assert!(total.ends_with("th."), "{total}");
    let rate: f64 = total
        .split(", ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (95.0..=101.0).contains(&rate),
        "throttled near 100/s: {rate}"
    );
    assert!(s.console_running().is_none(), "the tool ended");
    let s_elapsed = s.world().now().as_ms();
    assert!(s_elapsed >= 15_000, "simulated time passed: {s_elapsed}");
}

#[test]
fn the_perf_test_refuses_more_records_than_the_page_can_follow() {
    let s = session("tuning-lab");
    let o = console::run(
        s.world(),
        "kafka-producer-perf-test.sh --topic ingest --num-records 1000000 --record-size 100 --throughput -1 --producer-props bootstrap.servers=b1:9092",
    );
    assert_eq!(o.exit_code, 1);
    assert!(o.command.is_none(), "nothing starts");
    assert!(o.lines[0].text.contains("at most 20000 records"));
}

#[test]
fn ctrl_c_stops_a_perf_test_and_its_producer() {
    let mut s = session("tuning-lab");
    s.apply(Action::Console(
        "kafka-producer-perf-test.sh --topic ingest --num-records 5000 --record-size 100 --throughput 100 --producer-props bootstrap.servers=b1:9092".into(),
    ));
    assert!(s.console_running().is_some());
    s.apply(Action::Step);
    s.apply(Action::ConsoleInterrupt);
    assert!(s.console_running().is_none());
}
