//! Kafka's key hashing: `Utils.murmur2` and `Utils.toPositive`, bit for bit
//! (checked against values computed with Kafka's own code). A keyed record goes to
//! `toPositive(murmur2(serialized key)) % number of partitions`, counting every partition of the
//! topic, including those without a leader.

const SEED: u32 = 0x9747_b28c;
const M: u32 = 0x5bd1_e995;
const R: u32 = 24;

/// MurmurHash2 as Kafka implements it, returned as Java's signed 32-bit int.
pub fn murmur2(data: &[u8]) -> i32 {
    let length = data.len() as u32;
    let mut h: u32 = SEED ^ length;
    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = blocks.remainder();
    if tail.len() >= 3 {
        h ^= (tail[2] as u32) << 16;
    }
    if tail.len() >= 2 {
        h ^= (tail[1] as u32) << 8;
    }
    if !tail.is_empty() {
        h ^= tail[0] as u32;
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// `Utils.toPositive`: clears the sign bit. Not `abs()`: -1 maps to 2147483647.
pub fn to_positive(x: i32) -> i32 {
    x & 0x7fff_ffff
}

/// `BuiltInPartitioner.partitionForKey`.
pub fn partition_for_key(serialized_key: &[u8], num_partitions: i32) -> i32 {
    assert!(num_partitions > 0, "a topic has at least one partition");
    to_positive(murmur2(serialized_key)) % num_partitions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_positive_clears_the_sign_bit() {
        assert_eq!(to_positive(-1), 2_147_483_647);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(5), 5);
    }

    #[test]
    fn empty_key_is_a_real_key() {
        assert_eq!(murmur2(b""), 275_646_681);
    }
}
