//! Placeholder leader-epoch cache; replaced by the vector-tested port of Kafka's
//! `LeaderEpochFileCache`.

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct EpochEntry {
    pub epoch: i32,
    pub start_offset: i64,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct LeaderEpochCache {
    entries: Vec<EpochEntry>,
}

impl LeaderEpochCache {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn entries(&self) -> &[EpochEntry] {
        &self.entries
    }
    pub fn latest_epoch(&self) -> Option<i32> {
        self.entries.last().map(|e| e.epoch)
    }
    pub fn assign(&mut self, epoch: i32, start_offset: i64) {
        if self.latest_epoch().is_some_and(|e| e >= epoch) {
            return;
        }
        self.entries.push(EpochEntry {
            epoch,
            start_offset,
        });
    }
    pub fn end_offset_for(&self, requested_epoch: i32, log_end_offset: i64) -> (i32, i64) {
        match self
            .entries
            .iter()
            .rposition(|e| e.epoch <= requested_epoch)
        {
            None => (-1, -1),
            Some(i) if i + 1 == self.entries.len() => (self.entries[i].epoch, log_end_offset),
            Some(i) => (self.entries[i].epoch, self.entries[i + 1].start_offset),
        }
    }
    pub fn truncate_from_end(&mut self, end_offset: i64) {
        self.entries.retain(|e| e.start_offset < end_offset);
    }
    pub fn truncate_from_start(&mut self, start_offset: i64) {
        let _ = start_offset;
    }
}
