//! The console: golden transcripts (`tests/console/*.txt`, each a lesson, then commands and
//! exactly what Kafka's tools print for them), console commands recorded and replayed like
//! clicks, rewinding the transcript, tab completion, and bad input that never panics.
//! Accept an intended change with `UPDATE_EXPECT=1 cargo test --test console` after reading
//! the diff.

use kafka_classroom::lesson::builtin;
use kafka_classroom::present::console::{self, complete::complete, Stream};
use kafka_classroom::present::session::{run_script, Action, Session};
use kafka_classroom::present::share::LessonRef;

fn session(id: &str) -> Session {
    let lesson = builtin::load(id).unwrap();
    let seed = lesson.seed;
    Session::new(lesson, LessonRef::Builtin(id.into()), seed)
}

/// A transcript file: `# lesson: ID` first, then `$ command` lines each followed by its output;
/// lines typed into a running console producer follow its `>` prompt.
fn replay_transcript(text: &str) -> String {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let id = header
        .strip_prefix("# lesson: ")
        .expect("a transcript starts with `# lesson: ID`");
    let script: String = lines
        .filter_map(|l| l.strip_prefix("$ ").or_else(|| l.strip_prefix('>')))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut s = session(id.trim());
    let mut out = vec![header.to_string()];
    out.extend(run_script(&mut s, &script).into_iter().map(|l| l.text));
    out.join("\n") + "\n"
}

#[test]
fn golden_transcripts_match() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/console");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "transcripts in {}", dir.display());
    for path in files {
        let expected = std::fs::read_to_string(&path).unwrap();
        let actual = replay_transcript(&expected);
        if std::env::var("UPDATE_EXPECT").is_ok() {
            std::fs::write(&path, &actual).unwrap();
        } else {
            assert_eq!(actual, expected, "{} differs", path.display());
        }
    }
}

#[test]
fn a_topic_created_at_the_console_is_recorded_and_replays_from_a_link() {
    let mut s = session("queue-vs-pub-sub");
    s.apply(Action::Console(
        "kafka-topics.sh --bootstrap-server b1:9092 --create --topic audit-log --partitions 2"
            .into(),
    ));
    assert_eq!(s.commands().len(), 1, "the create is a recorded command");
    s.apply(Action::Step);
    let fragment = s.share_fragment();
    let mut other = session("keys-pick-partitions");
    other.apply(Action::LoadShared(fragment));
    assert_eq!(other.world().fingerprint(), s.world().fingerprint());
    let topics = &other
        .world()
        .model()
        .active_controller()
        .unwrap()
        .image
        .topics;
    assert_eq!(topics["audit-log"].partitions.len(), 2);
}

#[test]
fn rewinding_hides_later_console_lines_and_typing_replaces_them() {
    let mut s = session("queue-vs-pub-sub");
    s.apply(Action::Console("sleep 1".into()));
    let after_sleep = s.world().steps_taken();
    assert!(after_sleep > 0, "sleep lets simulated time pass");
    s.apply(Action::Console(
        "kafka-topics.sh --bootstrap-server b1:9092 --create --topic t2".into(),
    ));
    assert_eq!(s.console_entries().count(), 2);
    s.apply(Action::SeekTo(after_sleep));
    assert_eq!(s.console_entries().count(), 1, "the create came later");
    s.apply(Action::Console(
        "kafka-topics.sh --bootstrap-server b1:9092 --list".into(),
    ));
    let last = s.console_entries().last().unwrap();
    assert!(
        !last.output.iter().any(|l| l.text == "t2"),
        "the rewound create never happened"
    );
    assert_eq!(s.console_entries().count(), 2);
}

#[test]
fn tab_completes_tools_options_and_topics() {
    let s = session("queue-vs-pub-sub");
    let w = s.world();
    assert_eq!(complete(w, "kafka-to").line, "kafka-topics.sh ");
    let c = complete(w, "kafka-");
    assert_eq!(c.line, "kafka-");
    assert!(c
        .candidates
        .contains(&"kafka-consumer-groups.sh".to_string()));
    assert_eq!(
        complete(w, "kafka-topics.sh --bootstr").line,
        "kafka-topics.sh --bootstrap-server "
    );
    assert_eq!(
        complete(w, "kafka-topics.sh --describe --topic or").line,
        "kafka-topics.sh --describe --topic orders "
    );
    let groups = complete(w, "kafka-consumer-groups.sh --describe --group ");
    assert_eq!(
        groups.candidates,
        vec!["audit".to_string(), "billing".to_string()]
    );
    // The segment files of the partitions' leaders, under the simulated log.dirs.
    assert_eq!(
        complete(
            w,
            "kafka-dump-log.sh --files /tmp/kraft-combined-logs/orders-1"
        )
        .line,
        "kafka-dump-log.sh --files /tmp/kraft-combined-logs/orders-1/00000000000000000000.log "
    );
    assert_eq!(
        complete(w, "kafka-consumer-p").line,
        "kafka-consumer-perf-test.sh "
    );
    assert_eq!(
        complete(w, "kafka-consumer-perf-test.sh --mess").line,
        "kafka-consumer-perf-test.sh --messages "
    );
    assert_eq!(
        complete(w, "kafka-consumer-perf-test.sh --topic or").line,
        "kafka-consumer-perf-test.sh --topic orders "
    );
}

#[test]
fn help_prints_the_option_table_for_every_tool() {
    let s = session("queue-vs-pub-sub");
    for tool in console::TOOLS {
        let o = console::run(s.world(), &format!("{tool} --help"));
        if ["kafka-metadata-quorum.sh", "kafka-producer-perf-test.sh"].contains(tool) {
            // argparse4j prints its help screen on stdout and the tool exits 0.
            assert_eq!(o.exit_code, 0);
            assert!(o.lines.iter().all(|l| l.stream == Stream::Out));
            assert!(o.lines.iter().any(|l| l.text.starts_with("usage: ")));
            continue;
        }
        assert_eq!(o.exit_code, 1, "{tool}: printUsageAndExit exits 1");
        // kafka-dump-log.sh reads a broker's files and connects to nothing.
        let first_option = match *tool {
            "kafka-dump-log.sh" => "--broker",
            _ => "--bootstrap-server",
        };
        assert!(o.lines.iter().all(|l| l.stream == Stream::Err));
        assert!(
            o.lines.iter().any(|l| l.text.starts_with(first_option)),
            "{tool}"
        );
    }
}

#[test]
fn bad_input_gets_an_error_and_never_panics() {
    let s = session("queue-vs-pub-sub");
    let w = s.world();
    let long = format!("kafka-topics.sh --topic {}", "x".repeat(100_000));
    let mut lines: Vec<String> = vec![
        long,
        "\"".into(),
        "kafka-topics.sh --bootstrap-server".into(),
        "kafka-topics.sh --bootstrap-server :99999999 --list".into(),
        "kafka-topics.sh --bootstrap-server b1:9092 --describe --topic '(['".into(),
        "kafka-topics.sh --bootstrap-server b1:9092 --create --topic '' ".into(),
        "kafka-topics.sh --bootstrap-server b1:9092 --create --topic é --partitions -1".into(),
        "kafka-consumer-groups.sh --bootstrap-server b1:9092 --describe".into(),
        "kafka-consumer-groups.sh --bootstrap-server=b9:1 --list".into(),
        "kafka-consumer-groups.sh --".into(),
        "\u{0}\u{7f}".into(),
    ];
    // Every pair of options of every tool, with and without a value.
    let words = [
        "--list",
        "--describe",
        "--create",
        "--alter",
        "--topic",
        "x",
        "--partitions",
        "0",
        "--group",
        "--members",
        "--state",
        "--config",
        "a=b=c",
        "--bootstrap-server",
        "b1:9092",
    ];
    for tool in console::TOOLS {
        for a in words {
            for b in words {
                lines.push(format!("{tool} --bootstrap-server b1:9092 {a} {b}"));
            }
        }
    }
    for line in &lines {
        let o = console::run(w, line);
        if o.command.is_none() && o.exit_code == 0 {
            continue;
        }
        assert!(o.exit_code != 0 || o.command.is_some(), "{line}");
    }
    let first = console::run(w, &lines[0]);
    assert_eq!(first.exit_code, 2);
    assert!(first.lines[0].text.contains("line of"), "{:?}", first.lines);
}

#[test]
fn a_console_consumer_prints_what_it_polls_until_ctrl_c_then_closes() {
    let mut s = session("queue-vs-pub-sub");
    s.apply(Action::Console(
        "kafka-console-consumer.sh --bootstrap-server b1:9092 --topic orders --from-beginning"
            .into(),
    ));
    assert!(
        s.console_running().is_some(),
        "the consumer holds the console"
    );
    let consumer = s.world().model().consumers.keys().max().copied().unwrap();
    for _ in 0..6000 {
        s.apply(Action::Step);
    }
    s.apply(Action::Console("typed while it runs".into()));
    s.apply(Action::ConsoleInterrupt);
    assert!(s.console_running().is_none());
    let entry = s.console_entries().last().unwrap().clone();
    let records: Vec<_> = entry
        .output
        .iter()
        .filter(|l| l.stream == Stream::Out && l.text.starts_with('m'))
        .collect();
    assert!(!records.is_empty(), "{:?}", entry.output);
    let last = entry.output.last().unwrap();
    assert_eq!(
        last.text,
        format!("Processed a total of {} messages", records.len())
    );
    assert_eq!(entry.exit_code, 130);
    assert!(entry.output.iter().any(|l| l.text == "typed while it runs"));
    let closed = s.commands().iter().any(|c| {
        c.command
            == kafka_classroom::kafka::Command::CloseConsumer {
                consumer: kafka_classroom::kafka::NodeId::Consumer(consumer),
            }
    });
    assert!(closed, "Ctrl-C closes the consumer as a recorded command");
}

#[test]
fn console_producer_lines_are_recorded_sends_that_replay_from_a_link() {
    let mut s = session("queue-vs-pub-sub");
    let script = "kafka-console-producer.sh --bootstrap-server b1:9092 --topic orders --property parse.key=true\nk\tv1\nk\tv2\n^D\nsleep 3\n";
    let printed = run_script(&mut s, script);
    assert!(printed.iter().any(|l| l.text == ">k\tv1"), "{printed:?}");
    use kafka_classroom::kafka::Command;
    let commands: Vec<&Command> = s.commands().iter().map(|c| &c.command).collect();
    assert!(matches!(commands[0], Command::AddProducer { .. }));
    let sends = commands
        .iter()
        .filter(|c| matches!(c, Command::Produce { key: Some(k), .. } if k == "k"))
        .count();
    assert_eq!(sends, 2);
    assert!(
        matches!(commands.last(), Some(Command::Flush { .. })),
        "^D flushes"
    );
    let fragment = s.share_fragment();
    let mut other = session("keys-pick-partitions");
    other.apply(Action::LoadShared(fragment));
    assert_eq!(other.world().fingerprint(), s.world().fingerprint());
}

#[test]
fn a_partition_consumer_assigns_seeks_and_gives_up_after_its_timeout() {
    use kafka_classroom::kafka::{command::SeekTarget, Command, NodeId};
    let mut s = session("queue-vs-pub-sub");
    s.apply(Action::Console("sleep 5".into()));
    s.apply(Action::Console(
        "kafka-console-consumer.sh --bootstrap-server b1:9092 --topic orders --partition 1 --offset 3 --timeout-ms 2000 --property print.offset=true".into(),
    ));
    let consumer = s.world().model().consumers.keys().max().copied().unwrap();
    let recorded: Vec<&Command> = s.commands().iter().map(|c| &c.command).collect();
    assert!(
        matches!(recorded[..], [Command::AddConsumer { ref assign, ref subscribe, .. }, Command::Seek { ref to, .. }]
            if assign == &["orders-1".to_string()] && subscribe.is_empty() && *to == SeekTarget::Offset(3)),
        "{recorded:?}"
    );
    let mut steps = 0;
    while s.console_running().is_some() && steps < 20_000 {
        s.apply(Action::Step);
        steps += 1;
    }
    assert!(s.console_running().is_none(), "--timeout-ms ends the tool");
    let entry = s.console_entries().last().unwrap().clone();
    let text: Vec<&str> = entry.output.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(text[0], "Offset:3\tm6", "{text:?}");
    let n = text.iter().filter(|t| t.starts_with("Offset:")).count();
    assert_eq!(
        text[text.len() - 2..],
        [
            "org.apache.kafka.common.errors.TimeoutException",
            &format!("Processed a total of {n} messages")
        ]
    );
    s.apply(Action::Step);
    let closed = s.commands().iter().any(|c| {
        c.command
            == Command::CloseConsumer {
                consumer: NodeId::Consumer(consumer),
            }
    });
    assert!(closed, "the timed-out consumer is closed");
}

#[test]
fn a_topic_placed_by_hand_keeps_its_replicas_and_replays_from_a_link() {
    let mut s = session("queue-vs-pub-sub");
    s.apply(Action::Console(
        "kafka-topics.sh --bootstrap-server b1:9092 --create --topic placed --replica-assignment 3:1,1:2".into(),
    ));
    s.apply(Action::Step);
    let image = &s.world().model().active_controller().unwrap().image;
    let replicas: Vec<Vec<u32>> = image.topics["placed"]
        .partitions
        .iter()
        .map(|r| r.replicas.iter().map(|b| b.0).collect())
        .collect();
    assert_eq!(replicas, vec![vec![3, 1], vec![1, 2]]);
    let leaders: Vec<u32> = image.topics["placed"]
        .partitions
        .iter()
        .map(|r| r.leader.unwrap().0)
        .collect();
    assert_eq!(leaders, vec![3, 1], "the first replica leads");
    let mut other = session("keys-pick-partitions");
    other.apply(Action::LoadShared(s.share_fragment()));
    assert_eq!(other.world().fingerprint(), s.world().fingerprint());
}

#[test]
fn a_preferred_election_at_the_console_moves_leadership_back_through_the_controller() {
    use kafka_classroom::kafka::{Command, NodeId};
    let mut s = session("queue-vs-pub-sub");
    let leader_of = |s: &Session, p: usize| {
        let image = &s.world().model().active_controller().unwrap().image;
        let reg = &image.topics["orders"].partitions[p];
        (reg.leader, reg.preferred_leader())
    };
    let (leader, preferred) = leader_of(&s, 0);
    assert_eq!(leader, preferred);
    let node = NodeId::Broker(leader.unwrap());
    s.apply(Action::Command(Command::Crash { node }));
    s.apply(Action::Console("sleep 20".into()));
    s.apply(Action::Command(Command::Restart { node }));
    s.apply(Action::Console("sleep 30".into()));
    assert_ne!(leader_of(&s, 0).0, preferred, "leadership moved away");
    s.apply(Action::Console(
        "kafka-leader-election.sh --bootstrap-server b1:9092 --election-type preferred --all-topic-partitions".into(),
    ));
    let entry = s.console_entries().last().unwrap().clone();
    assert!(
        entry.output[0]
            .text
            .starts_with("Successfully completed leader election (PREFERRED) for partitions "),
        "{:?}",
        entry.output
    );
    assert!(entry.output[0].text.contains("orders-0"));
    assert_eq!(
        leader_of(&s, 0).0,
        preferred,
        "the preferred replica leads again"
    );
    let again = console::run(
        s.world(),
        "kafka-leader-election.sh --bootstrap-server b1:9092 --election-type preferred --topic orders --partition 0",
    );
    assert_eq!(
        again.lines[0].text,
        "Valid replica already elected for partitions orders-0"
    );
    assert!(again.command.is_none());
}

#[test]
fn a_consumer_perf_test_reads_in_its_group_until_done_and_ctrl_c_kills_its_consumer() {
    let mut s = session("tuning-lab");
    run_script(&mut s, "kafka-producer-perf-test.sh --topic ingest --num-records 300 --record-size 100 --throughput -1 --producer-props bootstrap.servers=b1:9092\n");
    let out = run_script(
        &mut s,
        "kafka-consumer-perf-test.sh --bootstrap-server b1:9092 --topic ingest --messages 300 --group perf-a\n",
    );
    let summary = &out.last().unwrap().text;
    let fields: Vec<&str> = summary.split(", ").collect();
    assert_eq!(fields.len(), 10, "{summary}");
    assert!(fields[4].parse::<u64>().unwrap() >= 300, "{summary}");
    // The lesson's own records are in the topic too: at least 300 of 100 bytes were read.
    let mb: f64 = fields[2].parse().unwrap();
    assert!(mb >= 300.0 * 100.0 / 1048576.0, "{summary}");
    assert!(fields[0].starts_with("1970-01-01 00:00:"), "{summary}");
    assert!(s.console_running().is_none());
    let committed = s.world().model().group_ids();
    assert!(committed.contains(&"perf-a".to_string()), "{committed:?}");

    // Ctrl-C while it reads: nothing more is printed, and the consumer dies with the JVM.
    s.apply(Action::Console(
        "kafka-consumer-perf-test.sh --bootstrap-server b1:9092 --topic ingest --messages 100000"
            .into(),
    ));
    let consumer = s.world().model().consumers.keys().max().copied().unwrap();
    for _ in 0..200 {
        s.apply(Action::Step);
    }
    s.apply(Action::ConsoleInterrupt);
    let entry = s.console_entries().last().unwrap().clone();
    assert_eq!(entry.exit_code, 130);
    assert_eq!(entry.output.len(), 1, "only the header: {:?}", entry.output);
    let crashed = s.commands().iter().any(|c| {
        c.command
            == kafka_classroom::kafka::Command::Crash {
                node: kafka_classroom::kafka::NodeId::Consumer(consumer),
            }
    });
    assert!(
        crashed,
        "Ctrl-C kills the perf test's consumer as a recorded command"
    );
}
