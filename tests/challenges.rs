//! Challenges: every built-in challenge parses and sits in the catalogue; each can be won with a
//! known list of moves (the verdict says met) and is not met without them or with the wrong ones.

use kafka_classroom::kafka::{Command, NodeId};
use kafka_classroom::lesson::builtin;
use kafka_classroom::lesson::challenge::{judge, Judgement, Verdict};
use kafka_classroom::sim::SimTime;

fn n(name: &str) -> NodeId {
    NodeId::parse(name).expect("node name")
}

fn run(id: &str, moves: &[(u64, Command)]) -> Judgement {
    let lesson = builtin::load(id).expect("built-in challenge");
    let moves: Vec<(SimTime, Command)> = moves
        .iter()
        .map(|(ms, c)| (SimTime::from_ms(*ms), c.clone()))
        .collect();
    judge(&lesson, lesson.seed, &moves).expect("within budget")
}

fn met(j: &Judgement) -> bool {
    matches!(j.verdict, Verdict::Met { .. })
}

fn cut_followers_then_crash_leader() -> Vec<(u64, Command)> {
    vec![
        (
            3000,
            Command::PartitionOneWay {
                from: vec![n("b1")],
                to: vec![n("b2"), n("b3")],
            },
        ),
        (5000, Command::Crash { node: n("b1") }),
    ]
}

/// The winning moves of every challenge that can be won.
fn winning(id: &str) -> Vec<(u64, Command)> {
    let crash = |at: u64, node: &str| (at, Command::Crash { node: n(node) });
    match id {
        "challenge-lose-an-acked-write" => cut_followers_then_crash_leader(),
        "challenge-process-twice" => vec![crash(9500, "c1")],
        "challenge-offline-without-loss" => {
            vec![crash(3000, "b1"), crash(3000, "b2"), crash(3000, "b3")]
        }
        "challenge-block-the-producer" => vec![(3000, Command::Isolate { node: n("b1") })],
        "challenge-rebalance-storm" => vec![
            (8000, Command::CloseConsumer { consumer: n("c3") }),
            crash(12_000, "c2"),
            (
                25_000,
                Command::AddConsumer {
                    group: Some("dashboard".into()),
                    subscribe: vec!["events".into()],
                    assign: vec![],
                    config: Default::default(),
                    app: None,
                },
            ),
        ],
        "challenge-stall-the-high-watermark" => vec![(
            3000,
            Command::HoldLink {
                from: n("b1"),
                to: n("b2"),
            },
        )],
        _ => vec![],
    }
}

#[test]
fn there_are_at_least_six_challenges_and_all_parse() {
    let all = builtin::challenges();
    assert!(all.len() >= 6, "{} challenges", all.len());
    for lesson in &all {
        let c = lesson
            .challenge
            .as_ref()
            .expect("a challenge has a challenge");
        assert!(c.budget >= 1 && !c.goal.is_empty(), "{}", lesson.id);
        assert_eq!(
            lesson.section.as_deref(),
            Some("Challenges"),
            "{}",
            lesson.id
        );
    }
}

#[test]
fn every_challenge_is_met_by_its_winning_moves() {
    for (id, _) in builtin::CHALLENGES {
        let moves = winning(id);
        if moves.is_empty() {
            continue;
        }
        let j = run(id, &moves);
        assert!(met(&j), "{id}: {j:?}");
    }
}

#[test]
fn no_challenge_is_met_without_moves() {
    for (id, _) in builtin::CHALLENGES {
        let j = run(id, &[]);
        assert_eq!(j.verdict, Verdict::Pending, "{id}: {j:?}");
    }
}

#[test]
fn acks_1_loses_a_write_where_the_safe_settings_do_not() {
    let j = run(
        "challenge-lose-an-acked-write",
        &cut_followers_then_crash_leader(),
    );
    assert!(met(&j) && j.measure >= 1, "{j:?}");
    let safe = builtin::load("challenge-lose-a-write-safely").unwrap();
    assert!(safe.challenge.unwrap().impossible.is_some());
    let tries = [
        cut_followers_then_crash_leader(),
        vec![
            (3000, Command::PowerFail { node: n("b1") }),
            (3000, Command::PowerFail { node: n("b2") }),
        ],
        vec![
            (3000, Command::Crash { node: n("b1") }),
            (6000, Command::Crash { node: n("b2") }),
        ],
    ];
    for moves in tries {
        let j = run("challenge-lose-a-write-safely", &moves);
        assert_eq!((j.verdict, j.measure), (Verdict::Pending, 0), "{moves:?}");
    }
}

#[test]
fn offline_by_power_failure_loses_writes_and_fails() {
    let power = |node: &str| (3000, Command::PowerFail { node: n(node) });
    let j = run(
        "challenge-offline-without-loss",
        &[power("b1"), power("b2"), power("b3")],
    );
    assert!(matches!(j.verdict, Verdict::Failed { .. }), "{j:?}");
    assert!(j.measure >= 1, "{j:?}");
}

#[test]
fn a_paused_follower_is_fenced_before_the_high_watermark_stalls_ten_seconds() {
    let j = run(
        "challenge-stall-the-high-watermark",
        &[(
            3000,
            Command::Pause {
                node: n("b2"),
                ms: 20_000,
            },
        )],
    );
    assert_eq!(j.verdict, Verdict::Pending, "{j:?}");
    assert!(j.measure >= 5000 && j.measure < 10_000, "{j:?}");
}

#[test]
fn more_moves_than_the_budget_are_refused() {
    let lesson = builtin::load("challenge-block-the-producer").unwrap();
    let moves = vec![
        (SimTime::from_ms(1000), Command::Isolate { node: n("b1") }),
        (SimTime::from_ms(2000), Command::Heal),
    ];
    let e = judge(&lesson, lesson.seed, &moves).unwrap_err();
    assert!(e.contains("allows 1"), "{e}");
}

mod in_the_session {
    use super::n;
    use kafka_classroom::kafka::Command;
    use kafka_classroom::lesson::builtin;
    use kafka_classroom::present::challenge::{challenge_view, ChallengeState};
    use kafka_classroom::present::session::{Action, NoticeLevel, Session};
    use kafka_classroom::present::share::LessonRef;
    use kafka_classroom::sim::SimTime;

    fn session(id: &str) -> Session {
        let lesson = builtin::load(id).unwrap();
        let seed = lesson.seed;
        Session::new(lesson, LessonRef::Builtin(id.into()), seed)
    }

    fn step_to(s: &mut Session, ms: u64) {
        while s.world().now() < SimTime::from_ms(ms) && !s.is_finished() {
            s.apply(Action::Step);
        }
    }

    #[test]
    fn the_bar_counts_actions_and_says_at_which_step_the_goal_was_met() {
        let mut s = session("challenge-lose-an-acked-write");
        let v = challenge_view(&s).unwrap();
        assert_eq!((v.used, v.budget, v.state), (0, 3, ChallengeState::Open));
        step_to(&mut s, 3000);
        s.apply(Action::Command(Command::PartitionOneWay {
            from: vec![n("b1")],
            to: vec![n("b2"), n("b3")],
        }));
        step_to(&mut s, 5000);
        s.apply(Action::Command(Command::Crash { node: n("b1") }));
        assert_eq!(challenge_view(&s).unwrap().used, 2);
        s.apply(Action::RunToEnd);
        let v = challenge_view(&s).unwrap();
        assert_eq!(v.state, ChallengeState::Met, "{v:?}");
        let step = v.step.unwrap();
        assert!(
            v.status.starts_with(&format!("Goal met at step {step} (")),
            "{}",
            v.status
        );
        // Rewinding to before the deciding step takes the verdict back; replaying gives it again.
        s.apply(Action::SeekTo(step - 1));
        assert_eq!(challenge_view(&s).unwrap().state, ChallengeState::Open);
        s.apply(Action::SeekTo(step));
        assert_eq!(challenge_view(&s).unwrap().step, Some(step));
    }

    #[test]
    fn a_spent_budget_refuses_more_actions_and_explains_the_impossible() {
        let mut s = session("challenge-lose-a-write-safely");
        step_to(&mut s, 3000);
        s.apply(Action::Command(Command::Crash { node: n("b1") }));
        s.apply(Action::Command(Command::Crash { node: n("b2") }));
        s.apply(Action::Command(Command::Crash { node: n("b3") }));
        let notice = s.notice().unwrap();
        assert_eq!(notice.level, NoticeLevel::Error);
        assert!(notice.text.contains("budget is spent"), "{}", notice.text);
        assert_eq!(s.actions_used(), 2);
        s.apply(Action::RunToEnd);
        let v = challenge_view(&s).unwrap();
        assert_eq!(v.state, ChallengeState::Spent, "{v:?}");
        assert!(v.impossible.unwrap().contains("min.insync.replicas=2"));
    }

    #[test]
    fn a_spent_budget_refuses_console_commands_too() {
        let create = |t: &str| {
            format!("kafka-topics.sh --bootstrap-server localhost:9092 --create --topic {t} --partitions 1 --replication-factor 1")
        };
        let mut s = session("challenge-block-the-producer");
        step_to(&mut s, 1000);
        // One action: a topic made from the console spends the budget of 1.
        let made = s.console_input(&create("a"));
        assert!(
            made.iter().any(|l| l.text == "Created topic a."),
            "{made:?}"
        );
        assert_eq!(s.actions_used(), 1);
        let refused = s.console_input(&create("b"));
        let text: Vec<&str> = refused.iter().map(|l| l.text.as_str()).collect();
        assert!(
            text.iter()
                .any(|t| t.starts_with("The challenge's budget is spent: 1 action(s).")),
            "{text:?}"
        );
        assert_eq!(s.actions_used(), 1);
        // A tool that only reads still works, and b was not made.
        let listed = s.console_input("kafka-topics.sh --bootstrap-server localhost:9092 --list");
        let names: Vec<&str> = listed.iter().map(|l| l.text.as_str()).collect();
        assert!(names.contains(&"a") && !names.contains(&"b"), "{names:?}");
        // The console producer would start a client: refused as well.
        let producer = s.console_input(
            "kafka-console-producer.sh --bootstrap-server localhost:9092 --topic orders",
        );
        assert!(
            producer
                .iter()
                .any(|l| l.text.starts_with("The challenge's budget is spent")),
            "{producer:?}"
        );
        assert_eq!(s.actions_used(), 1);
    }
}

#[test]
fn the_producer_blocks_when_its_leader_is_cut_off() {
    let j = run(
        "challenge-block-the-producer",
        &[(3000, Command::Isolate { node: n("b1") })],
    );
    assert!(met(&j) && j.measure >= 1, "{j:?}");
}
