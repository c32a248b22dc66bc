//! The lesson catalogue: the built-in lessons organised as a course (Basics, Producers,
//! Replication and failures, Consumers and groups, Storage, Transactions, then sandboxes), each with its
//! one-line promise and how far this browser has come in it. Progress is kept by the UI in
//! local storage as a small JSON map from lesson id to the number of beats seen.

use crate::lesson::builtin;
use std::collections::BTreeMap;

/// The course's sections, in teaching order.
pub const SECTIONS: [&str; 6] = [
    "Basics",
    "Producers",
    "Replication and failures",
    "Consumers and groups",
    "Storage",
    "Transactions",
];

/// Lessons without a section are sandboxes: open clusters to explore.
pub const SANDBOX: &str = "Sandboxes";

/// The built-in challenges' section, last.
pub const CHALLENGES: &str = "Challenges";

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LessonCard {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub beats: u32,
    /// Beats seen in this browser (the highest reached).
    pub seen: u32,
    pub current: bool,
}

impl LessonCard {
    pub fn done(&self) -> bool {
        self.beats > 0 && self.seen >= self.beats
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Section {
    pub title: String,
    pub lessons: Vec<LessonCard>,
}

/// Beats seen per lesson, from the stored JSON (anything unreadable counts as no progress).
pub fn parse_progress(stored: Option<&str>) -> BTreeMap<String, u32> {
    stored
        .filter(|s| s.len() <= 64 * 1024)
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

/// `progress` with lesson `id` at least `seen` beats, as JSON to store.
pub fn record_progress(progress: &BTreeMap<String, u32>, id: &str, seen: u32) -> Option<String> {
    if progress.get(id).copied().unwrap_or(0) >= seen {
        return None;
    }
    let mut next = progress.clone();
    next.insert(id.to_string(), seen);
    serde_json::to_string(&next).ok()
}

pub fn catalogue(progress: &BTreeMap<String, u32>, current: &str) -> Vec<Section> {
    let lessons = builtin::all().into_iter().chain(builtin::challenges());
    let mut sections: Vec<Section> = SECTIONS
        .iter()
        .chain([&SANDBOX, &CHALLENGES])
        .map(|title| Section {
            title: title.to_string(),
            lessons: Vec::new(),
        })
        .collect();
    for lesson in lessons {
        let section = lesson.section.as_deref().unwrap_or(SANDBOX);
        let index = sections
            .iter()
            .position(|s| s.title == section)
            .unwrap_or(SECTIONS.len());
        sections[index].lessons.push(LessonCard {
            seen: progress.get(&lesson.id).copied().unwrap_or(0),
            current: lesson.id == current,
            beats: lesson.beats.len() as u32,
            id: lesson.id,
            title: lesson.title,
            summary: lesson.summary,
        });
    }
    sections.retain(|s| !s.lessons.is_empty());
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_lesson_is_in_the_catalogue_once() {
        let sections = catalogue(&BTreeMap::new(), "");
        let count: usize = sections.iter().map(|s| s.lessons.len()).sum();
        assert_eq!(count, builtin::BUILTIN.len() + builtin::CHALLENGES.len());
        let last = sections.last().unwrap();
        assert_eq!(last.title, CHALLENGES);
        assert_eq!(last.lessons.len(), builtin::CHALLENGES.len());
        assert_eq!(sections[0].title, "Basics");
    }

    /// A lesson whose section is misspelt would land among the sandboxes unnoticed.
    #[test]
    fn every_builtin_section_is_a_course_section() {
        for lesson in builtin::all() {
            if let Some(section) = &lesson.section {
                assert!(
                    SECTIONS.contains(&section.as_str()),
                    "{}: {section}",
                    lesson.id
                );
            }
        }
        let sections = catalogue(&BTreeMap::new(), "");
        let txn = sections.iter().find(|s| s.title == "Transactions").unwrap();
        let ids: Vec<&str> = txn.lessons.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "read-committed-vs-uncommitted",
                "hanging-transaction-holds-lso",
                "zombie-producer-fenced",
                "exactly-once-pipeline"
            ]
        );
    }

    #[test]
    fn progress_survives_bad_storage_and_only_grows() {
        assert!(parse_progress(Some("not json")).is_empty());
        let p = parse_progress(Some(r#"{"keys-pick-partitions": 2}"#));
        assert_eq!(record_progress(&p, "keys-pick-partitions", 1), None);
        let next = record_progress(&p, "keys-pick-partitions", 3).unwrap();
        assert_eq!(parse_progress(Some(&next))["keys-pick-partitions"], 3);
    }
}
