//! A run's branches kept in the browser's local storage, one entry per lesson, so a reload of
//! the page for the same lesson finds its branch tree, the branch on screen and the step again.
//! The entry is the run file "Export run" writes; reading it back is as strict as an import
//! (size-capped, validated), and an entry for another lesson, too large or damaged is set aside
//! with a message, never a panic.

use super::session::Session;
use super::share::{read_run_file, LessonRef, SharedRun};

/// What the local-storage keys of kept branches start with.
pub const KEY_PREFIX: &str = "kafka-classroom.branches.";
/// Entries larger than this are neither written nor read (local storage holds a few MB for the
/// whole site; a class's tree of branches is a few KB).
pub const MAX_SAVED: usize = 500_000;

/// The local-storage key of the branches kept for a lesson (a custom lesson by its own id).
pub fn storage_key(lesson: &LessonRef, lesson_id: &str) -> String {
    match lesson {
        LessonRef::Builtin(id) => format!("{KEY_PREFIX}{id}"),
        LessonRef::Custom(_) => format!("{KEY_PREFIX}custom.{lesson_id}"),
    }
}

/// What to do with the kept entry after a change to the run.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Save {
    /// Write this text under the lesson's key.
    Keep(String),
    /// The run has no branches (one line of time, however many commands): remove the entry,
    /// so opening the lesson again starts it afresh as before.
    Forget,
    /// The run is too large to keep; the entry is removed and this message says so.
    TooLarge(String),
}

/// What the browser should keep for `session`.
pub fn to_save(session: &Session) -> Save {
    if session.branch_count() <= 1 {
        return Save::Forget;
    }
    let text = session.export_run();
    if text.len() > MAX_SAVED {
        return Save::TooLarge(format!(
            "This run's branches are too large to keep in this browser ({} bytes; at most {MAX_SAVED}). Use Export run to keep them.",
            text.len()
        ));
    }
    Save::Keep(text)
}

/// A number that changes when what `to_save` would write changes in a way worth writing: the
/// tree, the branch on screen, its commands, and the step once the run stops playing.
pub fn save_signature(session: &Session) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for b in session.branches() {
        (b.index, &b.name, b.parent, b.fork, b.current).hash(&mut h);
    }
    let step = (!session.is_playing()).then(|| session.world().steps_taken());
    let commands = session
        .branch_commands(session.current_branch())
        .map_or(0, |c| c.len());
    (step, commands, session.lesson().id.as_str()).hash(&mut h);
    h.finish()
}

/// The run kept under `lesson`'s key, checked: not too large, a valid run file, and for this
/// very lesson.
pub fn read_saved(text: &str, lesson: &LessonRef) -> Result<SharedRun, String> {
    if text.len() > MAX_SAVED {
        return Err(format!(
            "the kept entry is too large ({} bytes; at most {MAX_SAVED})",
            text.len()
        ));
    }
    let run = read_run_file(text)?;
    if &run.lesson != lesson {
        return Err("the kept entry belongs to another lesson".into());
    }
    Ok(run)
}

/// The notice when kept branches could not be restored.
pub fn unreadable(e: &str) -> String {
    format!("The branches this browser kept for this lesson could not be restored: {e}. They were set aside and the lesson starts afresh.")
}

/// The notice after a restore.
pub const RESTORED: &str = "Restored the branches this browser kept for this lesson";
