//! The branching timeline: a change after a rewind starts a branch and keeps the old future;
//! switching branches lands on the same step of the other branch; links and run files carry the
//! whole tree and reopen it exactly (compared by the world's fingerprint, which covers every
//! step taken).

use kafka_classroom::kafka::{Command, NodeId};
use kafka_classroom::lesson::builtin;
use kafka_classroom::present::session::{Action, Session};
use kafka_classroom::present::share::{self, LessonRef};
use kafka_classroom::sim::Fingerprint;

const LESSON: &str = "replication-playground";

fn session() -> Session {
    let lesson = builtin::load(LESSON).unwrap();
    let seed = lesson.seed;
    let mut s = Session::new(lesson, LessonRef::Builtin(LESSON.into()), seed);
    // Beats would stop Play and wait for answers; the timeline is what is tested here.
    s.apply(Action::RunToEnd);
    s
}

fn crash(b: u32) -> Action {
    Action::Command(Command::Crash {
        node: NodeId::broker(b),
    })
}

fn steps(s: &mut Session, n: u32) {
    for _ in 0..n {
        s.apply(Action::Step);
    }
}

/// The fingerprint at `step` of a straight run with no commands.
fn straight(step: u64) -> Fingerprint {
    let lesson = builtin::load(LESSON).unwrap();
    let mut world = lesson.world(lesson.seed);
    while world.steps_taken() < step {
        world.step().unwrap();
    }
    world.fingerprint()
}

/// A run with two what-ifs: b1 crashes at step 1000, then (on that branch) b3 at step 1500.
/// (The lesson itself crashes b2 early on.)
fn two_forks() -> (Session, u64) {
    let mut s = session();
    let old_horizon = s.horizon();
    s.apply(Action::SeekTo(1_000));
    s.apply(crash(1));
    steps(&mut s, 800);
    s.apply(Action::SeekTo(1_500));
    s.apply(crash(3));
    steps(&mut s, 300);
    (s, old_horizon)
}

#[test]
fn rewinding_and_seeking_alone_start_no_branch() {
    let mut s = session();
    let horizon = s.horizon();
    s.apply(Action::SeekTo(700));
    s.apply(Action::SeekTo(horizon / 2));
    s.apply(Action::StepBack);
    assert_eq!(s.branch_count(), 1);
    assert_eq!(s.world().fingerprint(), straight(horizon / 2 - 1));
    assert!(s.fork_marks().is_empty());
}

#[test]
fn a_command_after_a_rewind_forks_and_keeps_the_old_future() {
    let mut s = session();
    let old_horizon = s.horizon();
    s.apply(Action::SeekTo(1_000));
    s.apply(crash(1));
    assert_eq!(s.branch_count(), 2);
    assert_eq!(s.current_branch(), 1);
    let list = s.branches();
    assert_eq!(list[0].name, "Original run");
    assert!(
        list[1].name.starts_with("crash b1 at "),
        "named by what changed: {}",
        list[1].name
    );
    assert_eq!(
        (list[1].parent, list[1].fork, list[1].depth),
        (Some(0), 1_000, 1)
    );
    assert_eq!(s.fork_marks(), vec![1_000]);
    // The old future is still there: back on the original, the far end is reachable again.
    s.apply(Action::SwitchBranch(0));
    assert_eq!(s.current_branch(), 0);
    assert_eq!(s.horizon(), old_horizon);
    s.apply(Action::SeekTo(old_horizon - 3));
    assert_eq!(s.world().fingerprint(), straight(old_horizon - 3));
    assert_eq!(
        s.fork_marks(),
        vec![1_000],
        "the fork shows on the parent too"
    );
}

#[test]
fn a_refused_command_after_a_rewind_starts_no_branch() {
    let mut s = session();
    let horizon = s.horizon();
    s.apply(Action::SeekTo(1_000));
    s.apply(Action::Command(Command::Restart {
        node: NodeId::broker(1),
    }));
    assert!(s.notice().is_some(), "the refusal is said");
    assert_eq!(s.branch_count(), 1);
    assert_eq!(s.horizon(), horizon, "the future is untouched");
}

#[test]
fn switching_branches_lands_on_the_same_step_of_the_other_branch() {
    let (mut s, _) = two_forks();
    assert_eq!(s.branch_count(), 3);
    assert_eq!(s.fork_marks(), vec![1_000, 1_500]);
    let depths: Vec<u32> = s.branches().iter().map(|b| b.depth).collect();
    assert_eq!(depths, vec![0, 1, 2]);
    s.apply(Action::SeekTo(1_700));
    let on_b3 = s.world().fingerprint();
    // Branch 1 (only b2 crashed) at 1700 is a different world; the original is a straight run.
    s.apply(Action::SwitchBranch(1));
    assert_eq!(s.world().steps_taken(), 1_700);
    let on_b2 = s.world().fingerprint();
    assert_ne!(on_b2, on_b3);
    s.apply(Action::SwitchBranch(0));
    assert_eq!(s.world().steps_taken(), 1_700);
    assert_eq!(s.world().fingerprint(), straight(1_700));
    // And back again: the same worlds as before.
    s.apply(Action::SwitchBranch(2));
    assert_eq!(s.world().fingerprint(), on_b3);
    s.apply(Action::SwitchBranch(1));
    assert_eq!(s.world().fingerprint(), on_b2);
    // Before the fork, all branches are one world.
    s.apply(Action::SeekTo(900));
    assert_eq!(s.world().fingerprint(), straight(900));
}

#[test]
fn switching_to_a_shorter_branch_stops_at_its_end() {
    let (mut s, old_horizon) = two_forks();
    s.apply(Action::SwitchBranch(0));
    s.apply(Action::SeekTo(old_horizon));
    s.apply(Action::SwitchBranch(2));
    assert_eq!(s.world().steps_taken(), s.horizon());
    assert!(s.horizon() < old_horizon);
}

#[test]
fn a_branch_can_be_renamed_but_not_to_nothing() {
    let (mut s, _) = two_forks();
    s.apply(Action::RenameBranch(1, "  What if b2 dies  ".into()));
    assert_eq!(s.branches()[1].name, "What if b2 dies");
    s.apply(Action::RenameBranch(1, "   ".into()));
    assert_eq!(s.branches()[1].name, "What if b2 dies");
    assert!(s.notice().is_some());
    s.apply(Action::RenameBranch(99, "nowhere".into()));
    assert_eq!(s.branch_count(), 3);
}

#[test]
fn a_link_carries_the_whole_tree_and_reopens_it_exactly() {
    let (mut s, old_horizon) = two_forks();
    s.apply(Action::RenameBranch(2, "both die".into()));
    s.apply(Action::SwitchBranch(1));
    s.apply(Action::SeekTo(1_650));
    let here = s.world().fingerprint();
    let link = s.share_fragment();
    let mut opened = Session::default_session();
    opened.apply(Action::LoadShared(link));
    assert_eq!(opened.world().steps_taken(), 1_650);
    assert_eq!(opened.world().fingerprint(), here);
    assert_eq!(opened.current_branch(), 1);
    assert_eq!(opened.branches(), s.branches());
    assert_eq!(opened.fork_marks(), s.fork_marks());
    // Every branch of the reopened tree is the same world as the original's.
    for b in [2, 0, 1] {
        s.apply(Action::SwitchBranch(b));
        opened.apply(Action::SwitchBranch(b));
        s.apply(Action::SeekTo(1_790));
        opened.apply(Action::SeekTo(1_790));
        assert_eq!(
            opened.world().fingerprint(),
            s.world().fingerprint(),
            "branch {b}"
        );
    }
    opened.apply(Action::SwitchBranch(0));
    opened.apply(Action::SeekTo(old_horizon));
    assert_eq!(opened.world().fingerprint(), straight(old_horizon));
}

#[test]
fn a_link_without_branches_is_encoded_as_before() {
    let mut s = session();
    s.apply(Action::SeekTo(40));
    let link = s.share_fragment();
    let run = share::decode(&link).unwrap();
    assert!(run.branches.is_empty());
    // The old format: exactly the four fields links have always had.
    let json = serde_json::to_value(&run).unwrap();
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["commands", "lesson", "seed", "step"]);
    // An old link (written before branches) opens as it did.
    let old = r#"{"lesson":{"builtin":"replication-playground"},"seed":7,"step":600,"commands":[{"after_step":300,"command":{"action":"crash","node":"b2"}}]}"#;
    use base64::Engine;
    let link = format!(
        "run={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(old)
    );
    let mut opened = Session::default_session();
    opened.apply(Action::LoadShared(link));
    assert_eq!(opened.world().steps_taken(), 600);
    assert_eq!(opened.branch_count(), 1);
    let lesson = builtin::load(LESSON).unwrap();
    let mut world = lesson.world(7);
    while world.steps_taken() < 300 {
        world.step().unwrap();
    }
    world
        .apply_command(Command::Crash {
            node: NodeId::broker(2),
        })
        .unwrap();
    while world.steps_taken() < 600 {
        world.step().unwrap();
    }
    assert_eq!(opened.world().fingerprint(), world.fingerprint());
}

#[test]
fn damaged_trees_are_refused_naming_the_field() {
    let (s, _) = two_forks();
    let run = share::decode(&s.share_fragment()).unwrap();
    let check = |edit: &dyn Fn(&mut share::SharedRun), want: &str| {
        let mut bad = run.clone();
        edit(&mut bad);
        let err = share::decode(&share::encode(&bad)).unwrap_err();
        assert!(err.contains(want), "{want} in {err}");
    };
    check(&|r| r.branches[2].parent = Some(2), "branches[2].parent");
    check(&|r| r.branches[1].parent = None, "branches[1].parent");
    check(
        &|r| r.branches[1].fork = r.branches[1].horizon + 1,
        "branches[1].horizon",
    );
    check(&|r| r.branches[2].name.clear(), "branches[2].name");
    check(
        &|r| r.branches[1].commands[0].after_step = 3,
        "branches[1].commands[0].after_step",
    );
    check(&|r| r.branch = 7, "branch: 7");
    check(&|r| r.step = r.branches[2].horizon + 1, "step");
    check(
        &|r| r.commands = r.branches[1].commands.clone(),
        "commands: a run with branches",
    );
    let mut s = Session::default_session();
    let before = s.world().fingerprint();
    s.apply(Action::LoadShared("run=eyJ4Ijox".into()));
    assert_eq!(
        s.world().fingerprint(),
        before,
        "a bad link changes nothing"
    );
}

#[test]
fn an_exported_run_imports_back_to_the_same_tree_and_step() {
    let (mut s, _) = two_forks();
    s.apply(Action::SeekTo(1_600));
    let file = s.export_run();
    assert!(file.contains("\"kafka_classroom_run\": 1"));
    let mut opened = Session::default_session();
    opened.apply(Action::ImportRun(file.clone()));
    assert_eq!(opened.world().steps_taken(), 1_600);
    assert_eq!(opened.world().fingerprint(), s.world().fingerprint());
    assert_eq!(opened.branches(), s.branches());
    assert_eq!(opened.seed(), s.seed());
    // A run without branches exports its whole future too.
    let mut plain = session();
    plain.apply(Action::SeekTo(10));
    let mut back = Session::default_session();
    back.apply(Action::ImportRun(plain.export_run()));
    assert_eq!(back.horizon(), plain.horizon());
    assert_eq!(back.world().fingerprint(), plain.world().fingerprint());
}

#[test]
fn bad_run_files_are_refused_naming_the_field_and_never_panic() {
    let (s, _) = two_forks();
    let file = s.export_run();
    let bad = |text: &str, want: &str| {
        let err = share::read_run_file(text).unwrap_err();
        assert!(err.contains(want), "{want} in {err}");
        let mut opened = Session::default_session();
        opened.apply(Action::ImportRun(text.into()));
        let notice = opened.notice().expect("the refusal is said");
        assert!(notice.text.contains(want), "{}", notice.text);
    };
    bad("", "not a Kafka Classroom run file");
    bad("{\"hello\": 1}", "hello");
    bad(
        &file.replace("\"fork\": 1500", "\"fork\": \"late\""),
        "run.branches[2].fork",
    );
    bad(
        &file.replace("\"kafka_classroom_run\": 1", "\"kafka_classroom_run\": 9"),
        "version 9",
    );
    bad(
        &file.replace("\"parent\": 1", "\"parent\": 5"),
        "run.branches[2].parent",
    );
    bad(&" ".repeat(share::MAX_RUN_FILE + 1), "too large");
    // Every prefix of a good file is an error, not a panic.
    for cut in (0..file.len()).step_by(97) {
        assert!(share::read_run_file(&file[..cut]).is_err());
    }
}

#[test]
fn a_branch_from_a_branch_forks_from_it_and_a_capped_tree_replaces_the_future() {
    let mut s = session();
    s.apply(Action::SeekTo(100));
    s.apply(crash(1));
    // Each what-if rewinds a little on the newest branch: a chain of branches, then the cap.
    for i in 0..kafka_classroom::present::session::MAX_BRANCHES as u64 + 2 {
        s.apply(Action::SeekTo(50 + i));
        s.apply(Action::Command(Command::SetConfig {
            node: NodeId::Producer(1),
            key: "linger.ms".into(),
            value: i.to_string(),
        }));
        if let Some(n) = s.notice() {
            assert!(
                n.text.contains("64 branches already"),
                "what-if {i}: {}",
                n.text
            );
        }
        steps(&mut s, 5);
    }
    let depth = s.branches().iter().map(|b| b.depth).max().unwrap();
    assert!(depth > 10, "branches of branches: depth {depth}");
    assert_eq!(
        s.branch_count(),
        kafka_classroom::present::session::MAX_BRANCHES
    );
    let link = s.share_fragment();
    let mut opened = Session::default_session();
    opened.apply(Action::LoadShared(link));
    assert_eq!(opened.world().fingerprint(), s.world().fingerprint());
    assert_eq!(opened.branches(), s.branches());
}
