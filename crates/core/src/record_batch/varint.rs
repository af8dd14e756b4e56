//! Zig-zag varints, as Kafka's `ByteUtils.writeVarint` / `readVarint` (and protobuf's `sint32`/`sint64`).
//!
//! A value is zig-zag mapped (`0, -1, 1, -2, …` → `0, 1, 2, 3, …`) so small negative numbers stay short,
//! then written 7 bits at a time, least significant group first, with the high bit of each byte saying
//! "more follows". A varint takes at most 5 bytes, a varlong at most 10.

use alloc::vec::Vec;
use core::fmt;

/// Longest encoding of an `i32` varint.
pub const MAX_VARINT_SIZE_BYTES: usize = 5;
/// Longest encoding of an `i64` varlong.
pub const MAX_VARLONG_SIZE_BYTES: usize = 10;

/// Why bytes do not hold a varint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VarintError {
    /// The input ended while the last byte read still had its continuation bit set.
    Truncated,
    /// More bytes than the type allows had their continuation bit set.
    TooLong {
        /// 5 for a varint, 10 for a varlong.
        max_size_bytes: usize,
    },
}

impl fmt::Display for VarintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VarintError::Truncated => write!(f, "the input ends inside the varint"),
            VarintError::TooLong { max_size_bytes } => {
                write!(f, "the varint is longer than {max_size_bytes} bytes")
            }
        }
    }
}

impl core::error::Error for VarintError {}

/// Zig-zag maps an `i32` to the `u32` that is written.
const fn zigzag32(value: i32) -> u32 {
    ((value << 1) ^ (value >> 31)) as u32
}

/// Zig-zag maps an `i64` to the `u64` that is written.
const fn zigzag64(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// Appends `value` as a zig-zag varint (1..=5 bytes).
pub fn encode_varint(value: i32, out: &mut Vec<u8>) {
    encode_unsigned(u64::from(zigzag32(value)), out);
}

/// Appends `value` as a zig-zag varlong (1..=10 bytes).
pub fn encode_varlong(value: i64, out: &mut Vec<u8>) {
    encode_unsigned(zigzag64(value), out);
}

fn encode_unsigned(mut bits: u64, out: &mut Vec<u8>) {
    while bits >= 0x80 {
        // Truncation to the low 7 bits is the point of the format.
        out.push((bits as u8 & 0x7f) | 0x80);
        bits >>= 7;
    }
    out.push(bits as u8);
}

/// The number of bytes [`encode_varint`] writes for `value`.
pub const fn varint_size(value: i32) -> usize {
    unsigned_size(zigzag32(value) as u64)
}

/// The number of bytes [`encode_varlong`] writes for `value`.
pub const fn varlong_size(value: i64) -> usize {
    unsigned_size(zigzag64(value))
}

const fn unsigned_size(bits: u64) -> usize {
    // One byte per started group of 7 significant bits; zero still takes one byte.
    let significant_bits = 64 - (bits | 1).leading_zeros() as usize;
    significant_bits.div_ceil(7)
}

/// Reads a zig-zag varint from the start of `bytes`; returns it and the number of bytes it used.
///
/// Like Kafka's `ByteUtils.readVarint`, a fifth byte's bits above the 32nd are dropped rather than
/// rejected; only a sixth byte is an error.
pub fn decode_varint(bytes: &[u8]) -> Result<(i32, usize), VarintError> {
    let (bits, used) = decode_unsigned(bytes, MAX_VARINT_SIZE_BYTES)?;
    // Dropping the high bits is Kafka's behaviour (see above).
    let bits = bits as u32;
    Ok((((bits >> 1) as i32) ^ -((bits & 1) as i32), used))
}

/// Reads a zig-zag varlong from the start of `bytes`; returns it and the number of bytes it used.
pub fn decode_varlong(bytes: &[u8]) -> Result<(i64, usize), VarintError> {
    let (bits, used) = decode_unsigned(bytes, MAX_VARLONG_SIZE_BYTES)?;
    Ok((((bits >> 1) as i64) ^ -((bits & 1) as i64), used))
}

fn decode_unsigned(bytes: &[u8], max_size_bytes: usize) -> Result<(u64, usize), VarintError> {
    let mut bits: u64 = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        if index == max_size_bytes {
            return Err(VarintError::TooLong { max_size_bytes });
        }
        // `index * 7` is at most 63, so the shift is in range; bits shifted past 64 are dropped.
        bits |= u64::from(byte & 0x7f) << (index * 7);
        if byte & 0x80 == 0 {
            return Ok((bits, index + 1));
        }
    }
    // Either empty input or every byte had the continuation bit. A run of `max_size_bytes` bytes all
    // continuing is over-long whether or not more input follows.
    if bytes.len() >= max_size_bytes {
        Err(VarintError::TooLong { max_size_bytes })
    } else {
        Err(VarintError::Truncated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn varint_bytes(value: i32) -> Vec<u8> {
        let mut out = Vec::new();
        encode_varint(value, &mut out);
        out
    }

    fn varlong_bytes(value: i64) -> Vec<u8> {
        let mut out = Vec::new();
        encode_varlong(value, &mut out);
        out
    }

    #[test]
    fn known_encodings_match_kafka() {
        // Values from Kafka's ByteUtilsTest.testVarintSerde / protobuf's sint32 examples.
        assert_eq!(varint_bytes(0), vec![0x00]);
        assert_eq!(varint_bytes(-1), vec![0x01]);
        assert_eq!(varint_bytes(1), vec![0x02]);
        assert_eq!(varint_bytes(63), vec![0x7e]);
        assert_eq!(varint_bytes(-64), vec![0x7f]);
        assert_eq!(varint_bytes(64), vec![0x80, 0x01]);
        assert_eq!(varint_bytes(-65), vec![0x81, 0x01]);
        assert_eq!(varint_bytes(i32::MAX), vec![0xfe, 0xff, 0xff, 0xff, 0x0f]);
        assert_eq!(varint_bytes(i32::MIN), vec![0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert_eq!(varlong_bytes(i64::MAX), vec![0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        assert_eq!(varlong_bytes(i64::MIN), vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    }

    #[test]
    fn varints_round_trip_at_edges() {
        let values =
            [0, 1, -1, 63, -64, 64, -65, 8191, -8192, 8192, i32::MAX, i32::MIN, i32::MAX - 1, i32::MIN + 1];
        for value in values {
            let bytes = varint_bytes(value);
            assert_eq!(bytes.len(), varint_size(value), "size of {value}");
            assert_eq!(decode_varint(&bytes), Ok((value, bytes.len())), "value {value}");
        }
    }

    #[test]
    fn varlongs_round_trip_at_edges() {
        let values = [
            0,
            1,
            -1,
            i64::from(i32::MAX) + 1,
            i64::from(i32::MIN) - 1,
            i64::MAX,
            i64::MIN,
            i64::MAX - 1,
            i64::MIN + 1,
            1 << 62,
            -(1 << 62),
        ];
        for value in values {
            let bytes = varlong_bytes(value);
            assert_eq!(bytes.len(), varlong_size(value), "size of {value}");
            assert_eq!(decode_varlong(&bytes), Ok((value, bytes.len())), "value {value}");
        }
        assert_eq!(varlong_size(i64::MIN), MAX_VARLONG_SIZE_BYTES);
        assert_eq!(varint_size(i32::MIN), MAX_VARINT_SIZE_BYTES);
    }

    #[test]
    fn decode_stops_at_first_byte_without_continuation() {
        assert_eq!(decode_varint(&[0x02, 0xff, 0xff]), Ok((1, 1)));
        assert_eq!(decode_varlong(&[0x80, 0x01, 0x00]), Ok((64, 2)));
    }

    #[test]
    fn empty_or_unfinished_input_is_truncated() {
        assert_eq!(decode_varint(&[]), Err(VarintError::Truncated));
        assert_eq!(decode_varint(&[0x80, 0x80]), Err(VarintError::Truncated));
        assert_eq!(decode_varlong(&[0xff; 9]), Err(VarintError::Truncated));
    }

    #[test]
    fn over_long_input_is_rejected() {
        let too_long = VarintError::TooLong { max_size_bytes: 5 };
        assert_eq!(decode_varint(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x00]), Err(too_long));
        assert_eq!(decode_varint(&[0x80; 5]), Err(too_long));
        let too_long = VarintError::TooLong { max_size_bytes: 10 };
        assert_eq!(decode_varlong(&[0x80; 11]), Err(too_long));
        assert_eq!(decode_varlong(&[0x80; 10]), Err(too_long));
    }

    #[test]
    fn fifth_byte_high_bits_are_dropped_as_kafka_does() {
        // 0x7f in the fifth byte sets bits 28..35; Kafka's int arithmetic keeps bits 28..31 only.
        assert_eq!(
            decode_varint(&[0xfe, 0xff, 0xff, 0xff, 0x7f]),
            decode_varint(&[0xfe, 0xff, 0xff, 0xff, 0x0f])
        );
    }
}
