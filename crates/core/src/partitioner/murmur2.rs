//! Kafka's murmur2: the hash the Java producer uses to place keyed records.
//!
//! This is MurmurHash2 (Austin Appleby) exactly as `org.apache.kafka.common.utils.Utils.murmur2` computes it:
//! seed `0x9747b28c`, little-endian 4-byte words, the tail bytes folded in from the highest down, and the
//! result read as a Java `int`. Every client that wants to co-partition with Java producers (kafka-python,
//! librdkafka's `murmur2` partitioner, franz-go, …) reproduces this bit for bit; the golden vectors in
//! `tests/partitioner_vectors.rs` hold us to it.

/// Kafka's seed for `Utils.murmur2`.
const SEED: u32 = 0x9747_b28c;
/// MurmurHash2's multiplier ("generated offline", as Appleby puts it).
const M: u32 = 0x5bd1_e995;
/// MurmurHash2's shift.
const R: u32 = 24;

/// Kafka's `Utils.murmur2(data)`, as the Java `int` it returns.
///
/// Java works on `int` with wrapping arithmetic and `>>>` (logical shift); `u32` with `wrapping_mul` and
/// `>>` is the same bit pattern, reinterpreted as `i32` at the end.
pub fn murmur2(data: &[u8]) -> i32 {
    // Java's `data.length` is an `int`; a Kafka record key is at most `i32::MAX` bytes (its length is an
    // int32 varint on the wire), so truncating to 32 bits never changes a key Kafka could carry.
    let length = data.len() as u32;
    let mut h = SEED ^ length;

    let mut words = data.chunks_exact(4);
    for word in &mut words {
        let mut k = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }

    // Kafka's `switch (length % 4)` falls through from case 3 to case 1; the multiply happens once, and
    // only when there is a tail at all.
    let tail = words.remainder();
    if tail.len() == 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if let Some(&first) = tail.first() {
        h ^= u32::from(first);
        h = h.wrapping_mul(M);
    }

    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive(n)`: clears the sign bit (`n & 0x7fffffff`).
///
/// Not `abs`: `abs(i32::MIN)` overflows, and Kafka deliberately maps negative hashes this way so that
/// every client computing `toPositive(murmur2(key)) % numPartitions` agrees.
pub const fn to_positive(n: i32) -> i32 {
    n & 0x7fff_ffff
}

#[cfg(test)]
mod tests {
    use super::{murmur2, to_positive};

    #[test]
    fn to_positive_clears_only_the_sign_bit() {
        assert_eq!(to_positive(-1), i32::MAX);
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(7), 7);
        assert_eq!(to_positive(-973_932_308), 1_173_551_340);
    }

    #[test]
    fn every_tail_length_takes_its_own_path() {
        // One value per `length % 4` case: each must differ from the others and from the hash of the
        // same bytes with the tail dropped, or a tail byte was ignored.
        let data = b"abcdefg";
        let hashes: [i32; 4] =
            [murmur2(&data[..4]), murmur2(&data[..5]), murmur2(&data[..6]), murmur2(&data[..7])];
        for (i, a) in hashes.iter().enumerate() {
            for b in &hashes[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
