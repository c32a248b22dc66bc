//! Batch compression, modelled by size ratio and CPU cost per codec rather than by running the
//! codecs (the simulator never needs the compressed bytes, only how many there are and how long
//! making them takes).
//!
//! Figures and their public sources:
//! - Ratios and speeds for lz4 1.9.3, snappy 1.1.9 and zstd -1 come from the benchmark table in
//!   the zstd README (github.com/facebook/zstd, Silesia corpus, single core): lz4 ratio 2.101 at
//!   740 MB/s, snappy 2.073 at 530 MB/s, zstd 2.887 at 530 MB/s (decompression 4500, 1660, 1700).
//! - gzip: Kafka's producer uses `java.util.zip` at the default level 6; lzbench (github.com/
//!   inikep/lzbench, Silesia) lists zlib -6 at ratio 3.11 and about 35 MB/s, 400 MB/s to inflate.
//! - Framing: gzip adds an 18-byte header and trailer, the lz4 frame 15 bytes, zstd about 13, and
//!   snappy's framing about 10 (per the formats' specifications).
//!
//! Real records (JSON, log lines) usually compress better than Silesia; the figures are therefore
//! conservative. A batch header (61 bytes) is never compressed.

use super::record::{Record, RECORD_BATCH_OVERHEAD};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Serialize, Deserialize,
)]
pub enum Compression {
    #[default]
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

impl Compression {
    pub fn parse(name: &str) -> Option<Compression> {
        Some(match name {
            "none" => Compression::None,
            "gzip" => Compression::Gzip,
            "snappy" => Compression::Snappy,
            "lz4" => Compression::Lz4,
            "zstd" => Compression::Zstd,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }

    /// Compression ratio in thousandths (2101 = 2.101x smaller).
    pub fn ratio_thousandths(self) -> u64 {
        match self {
            Compression::None => 1000,
            Compression::Gzip => 3110,
            Compression::Snappy => 2073,
            Compression::Lz4 => 2101,
            Compression::Zstd => 2887,
        }
    }

    /// Compression speed in bytes per simulated millisecond (MB/s * 1000).
    pub fn compress_bytes_per_ms(self) -> u64 {
        match self {
            Compression::None => 0,
            Compression::Gzip => 35_000,
            Compression::Snappy => 530_000,
            Compression::Lz4 => 740_000,
            Compression::Zstd => 530_000,
        }
    }

    /// Decompression speed in bytes per simulated millisecond.
    pub fn decompress_bytes_per_ms(self) -> u64 {
        match self {
            Compression::None => 0,
            Compression::Gzip => 400_000,
            Compression::Snappy => 1_660_000,
            Compression::Lz4 => 4_500_000,
            Compression::Zstd => 1_700_000,
        }
    }

    fn framing_bytes(self) -> u32 {
        match self {
            Compression::None => 0,
            Compression::Gzip => 18,
            Compression::Snappy => 10,
            Compression::Lz4 => 15,
            Compression::Zstd => 13,
        }
    }

    /// Bytes of a batch whose uncompressed encoding is `uncompressed_bytes`.
    pub fn compressed_size(self, uncompressed_bytes: u32, _records: &[Record]) -> u32 {
        if self == Compression::None {
            return uncompressed_bytes;
        }
        let body = uncompressed_bytes.saturating_sub(RECORD_BATCH_OVERHEAD) as u64;
        let compressed = (body * 1000).div_ceil(self.ratio_thousandths()) as u32;
        RECORD_BATCH_OVERHEAD + compressed + self.framing_bytes()
    }

    /// Microseconds of CPU to compress `bytes` (0 for none).
    pub fn compress_micros(self, bytes: u32) -> u64 {
        match self.compress_bytes_per_ms() {
            0 => 0,
            rate => (bytes as u64 * 1000).div_ceil(rate),
        }
    }

    pub fn decompress_micros(self, bytes: u32) -> u64 {
        match self.decompress_bytes_per_ms() {
            0 => 0,
            rate => (bytes as u64 * 1000).div_ceil(rate),
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_shrinks_a_16k_batch_about_threefold() {
        // body 16323 bytes / 3.110 = 5249 (rounded up), plus the 61-byte header and 18 bytes of framing
        assert_eq!(
            Compression::Gzip.compressed_size(16_384, &[]),
            61 + 5249 + 18
        );
        assert_eq!(Compression::None.compressed_size(16_384, &[]), 16_384);
    }

    #[test]
    fn gzip_costs_about_half_a_millisecond_per_16k() {
        assert_eq!(Compression::Gzip.compress_micros(16_384), 469);
        assert_eq!(Compression::None.compress_micros(16_384), 0);
    }
}
