//! A segment's batches, stored in shared chunks so that copying a log is cheap.
//!
//! The browser keeps snapshots of the whole world for rewinding, and a long run holds hundreds
//! of thousands of batches. Batches are stored in chunks of [`CHUNK`]; every chunk but the last
//! is full and never changes again, so a copy of the log shares them (a reference count each)
//! and only the last chunk is copied, when one side appends to it. Reads and order are those of
//! a plain vector; so is the hash (the world's fingerprint covers logs).

use super::RecordBatch;
use std::rc::Rc;

/// Batches per chunk.
const CHUNK: usize = 64;

#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct Batches {
    /// Full chunks, then at most one partly filled chunk; never an empty chunk.
    chunks: Vec<Rc<Vec<RecordBatch>>>,
}

impl Batches {
    pub fn new() -> Batches {
        Batches::default()
    }

    pub fn len(&self) -> usize {
        match self.chunks.last() {
            Some(last) => (self.chunks.len() - 1) * CHUNK + last.len(),
            None => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    pub fn push(&mut self, batch: RecordBatch) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => Rc::make_mut(last).push(batch),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(batch);
                self.chunks.push(Rc::new(chunk));
            }
        }
    }

    pub fn first(&self) -> Option<&RecordBatch> {
        self.chunks.first().and_then(|c| c.first())
    }

    pub fn last(&self) -> Option<&RecordBatch> {
        self.chunks.last().and_then(|c| c.last())
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &RecordBatch> + Clone {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// The batches from index `from` on.
    pub fn iter_from(&self, from: usize) -> impl Iterator<Item = &RecordBatch> {
        let chunk = from / CHUNK;
        self.chunks
            .iter()
            .skip(chunk)
            .enumerate()
            .flat_map(move |(i, c)| c.iter().skip(if i == 0 { from % CHUNK } else { 0 }))
    }

    /// The index of the first batch for which `pred` is false (batches are ordered so that
    /// `pred` holds for a prefix), like `slice::partition_point`.
    pub fn partition_point(&self, mut pred: impl FnMut(&RecordBatch) -> bool) -> usize {
        let full = self
            .chunks
            .partition_point(|c| c.last().is_some_and(&mut pred));
        match self.chunks.get(full) {
            Some(chunk) => full * CHUNK + chunk.partition_point(pred),
            None => self.len(),
        }
    }

    /// Keep the batches for which `keep` holds, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&RecordBatch) -> bool) {
        if self.iter().all(&mut keep) {
            return;
        }
        let kept: Vec<RecordBatch> = self.iter().filter(|b| keep(b)).cloned().collect();
        *self = kept.into_iter().collect();
    }
}

impl FromIterator<RecordBatch> for Batches {
    fn from_iter<I: IntoIterator<Item = RecordBatch>>(iter: I) -> Batches {
        let mut out = Batches::new();
        for batch in iter {
            out.push(batch);
        }
        out
    }
}

/// As a `Vec<RecordBatch>` hashes: the length, then each batch.
impl std::hash::Hash for Batches {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        for batch in self.iter() {
            batch.hash(state);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::compression::Compression;
    use crate::kafka::record::{Payload, ProducerIdentity, Record, RecordId};
    use std::hash::{Hash, Hasher};

    fn batch(offset: i64) -> RecordBatch {
        let record = Record {
            id: RecordId {
                producer: 1,
                serial: offset as u32,
            },
            offset_delta: 0,
            timestamp_ms: 0,
            key: None,
            value: Some(Payload::text("v")),
            headers: vec![],
        };
        RecordBatch::new(vec![record], ProducerIdentity::NONE, Compression::None).stamped(offset, 0)
    }

    fn plain(n: i64) -> Vec<RecordBatch> {
        (0..n).map(batch).collect()
    }

    #[test]
    fn reads_like_a_vector_across_chunk_boundaries() {
        for n in [0, 1, 63, 64, 65, 200] {
            let v = plain(n);
            let b: Batches = v.iter().cloned().collect();
            assert_eq!(b.len(), v.len());
            assert_eq!(b.iter().cloned().collect::<Vec<_>>(), v);
            assert_eq!(b.first(), v.first());
            assert_eq!(b.last(), v.last());
            for at in [0, 1, 63, 64, 65, 130, 199, 200, 500] {
                let want = v.partition_point(|x| x.base_offset < at);
                assert_eq!(
                    b.partition_point(|x| x.base_offset < at),
                    want,
                    "n={n} at={at}"
                );
                let from: Vec<_> = b.iter_from(want).cloned().collect();
                assert_eq!(from, v[want.min(v.len())..].to_vec(), "n={n} from={want}");
            }
        }
    }

    #[test]
    fn hashes_like_a_vector() {
        let v = plain(130);
        let b: Batches = v.iter().cloned().collect();
        let (mut h1, mut h2) = (
            std::collections::hash_map::DefaultHasher::new(),
            std::collections::hash_map::DefaultHasher::new(),
        );
        v.hash(&mut h1);
        b.hash(&mut h2);
        assert_eq!(h1.finish(), h2.finish());
    }

    #[test]
    fn a_copy_shares_full_chunks_and_appends_apart() {
        let mut a: Batches = plain(130).into_iter().collect();
        let copy = a.clone();
        assert!(Rc::ptr_eq(&a.chunks[0], &copy.chunks[0]));
        a.push(batch(130));
        assert_eq!(copy.len(), 130);
        assert_eq!(a.len(), 131);
        assert!(
            Rc::ptr_eq(&a.chunks[1], &copy.chunks[1]),
            "full chunks stay shared"
        );
        a.retain(|b| b.base_offset < 70);
        assert_eq!(a.len(), 70);
        assert_eq!(copy.len(), 130, "the copy keeps its batches");
    }
}
