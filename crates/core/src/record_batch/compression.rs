//! Compression codecs of the records section (attribute bits 0-2).
//!
//! Kafka compresses the records section of a batch as one block; the 61-byte header stays plain so a
//! broker can read offsets and patch it without decompressing. Only lz4 is built in (with the `lz4`
//! feature), in the LZ4 *frame* format that Kafka's `Lz4BlockOutputStream` writes: independent 64 KB
//! blocks, no block or content checksum (the batch CRC covers the bytes), and the header checksum
//! computed correctly, which Kafka does for every message format from v1 on (KAFKA-3160).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::decode::DecodeError;

/// Kafka's `compression.type` codec ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Compression {
    /// 0: uncompressed.
    #[default]
    None,
    /// 1: gzip.
    Gzip,
    /// 2: snappy (xerial framing).
    Snappy,
    /// 3: lz4 (LZ4 frame format).
    Lz4,
    /// 4: zstd.
    Zstd,
}

impl Compression {
    /// Every codec, in id order.
    pub const ALL: [Compression; 5] =
        [Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd];

    /// The codec for attribute bits 0-2; ids 5-7 are not codecs (Kafka: "Unknown compression type id").
    pub fn from_id(id: u8) -> Result<Compression, DecodeError> {
        match id {
            0 => Ok(Compression::None),
            1 => Ok(Compression::Gzip),
            2 => Ok(Compression::Snappy),
            3 => Ok(Compression::Lz4),
            4 => Ok(Compression::Zstd),
            _ => Err(DecodeError::UnknownCompression { id }),
        }
    }

    /// The id stored in attribute bits 0-2.
    pub fn id(self) -> u8 {
        match self {
            Compression::None => 0,
            Compression::Gzip => 1,
            Compression::Snappy => 2,
            Compression::Lz4 => 3,
            Compression::Zstd => 4,
        }
    }

    /// Kafka's `compression.type` name: `none`, `gzip`, `snappy`, `lz4`, `zstd`.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }

    /// Whether this build can compress and decompress the codec.
    pub fn is_supported(self) -> bool {
        match self {
            Compression::None => true,
            Compression::Lz4 => cfg!(feature = "lz4"),
            Compression::Gzip | Compression::Snappy | Compression::Zstd => false,
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Largest records section [`decompress`] produces when the caller gives no limit: a compressed batch
/// can expand ~250×, so without a cap a 1 MB batch could demand a quarter of a gigabyte.
pub const DEFAULT_MAX_DECOMPRESSED_SIZE_BYTES: usize = 64 * 1024 * 1024;

/// Why a records section cannot be compressed or decompressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompressionError {
    /// The codec is not built in: gzip, snappy and zstd always; lz4 without the `lz4` feature.
    Unsupported(Compression),
    /// The compressed bytes are not valid for the codec; the text is the codec's complaint.
    Corrupt(Compression, String),
    /// Decompressing would produce more than the limit.
    TooLarge {
        /// The codec.
        codec: Compression,
        /// The limit that was hit.
        limit_bytes: usize,
    },
}

impl fmt::Display for CompressionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompressionError::Unsupported(codec) => {
                write!(f, "compression type {codec} is not supported by this build")
            }
            CompressionError::Corrupt(codec, detail) => {
                write!(f, "the {codec} compressed records are corrupt: {detail}")
            }
            CompressionError::TooLarge { codec, limit_bytes } => {
                write!(f, "the {codec} compressed records decompress to more than {limit_bytes} bytes")
            }
        }
    }
}

impl core::error::Error for CompressionError {}

/// Appends `input` compressed with `codec` to `out`. `Compression::None` copies it.
pub fn compress(codec: Compression, input: &[u8], out: &mut Vec<u8>) -> Result<(), CompressionError> {
    match codec {
        Compression::None => {
            out.extend_from_slice(input);
            Ok(())
        }
        #[cfg(feature = "lz4")]
        Compression::Lz4 => lz4::compress(input, out),
        other => Err(CompressionError::Unsupported(other)),
    }
}

/// Decompresses `input`, refusing to produce more than `max_output_bytes`.
pub fn decompress(
    codec: Compression,
    input: &[u8],
    max_output_bytes: usize,
) -> Result<Vec<u8>, CompressionError> {
    match codec {
        Compression::None => {
            if input.len() > max_output_bytes {
                return Err(CompressionError::TooLarge { codec, limit_bytes: max_output_bytes });
            }
            Ok(input.to_vec())
        }
        #[cfg(feature = "lz4")]
        Compression::Lz4 => lz4::decompress(input, max_output_bytes),
        other => Err(CompressionError::Unsupported(other)),
    }
}

#[cfg(feature = "lz4")]
mod lz4 {
    use super::{Compression, CompressionError};
    use alloc::string::ToString;
    use alloc::vec::Vec;
    use lz4_flex::frame::{BlockMode, BlockSize, FrameDecoder, FrameEncoder, FrameInfo};
    use std::io::{Read, Write};

    /// LZ4 frame magic number, little-endian on the wire (lz4 frame format spec, "Magic Number").
    const FRAME_MAGIC: [u8; 4] = [0x04, 0x22, 0x4d, 0x18];

    fn corrupt(error: impl ToString) -> CompressionError {
        CompressionError::Corrupt(Compression::Lz4, error.to_string())
    }

    pub(super) fn compress(input: &[u8], out: &mut Vec<u8>) -> Result<(), CompressionError> {
        // Kafka's Lz4BlockOutputStream defaults: 64 KB independent blocks, no checksums, no content size.
        let info = FrameInfo::new()
            .block_size(BlockSize::Max64KB)
            .block_mode(BlockMode::Independent)
            .block_checksums(false)
            .content_checksum(false);
        let mut encoder = FrameEncoder::with_frame_info(info, out);
        encoder.write_all(input).map_err(corrupt)?;
        encoder.finish().map_err(corrupt)?;
        Ok(())
    }

    pub(super) fn decompress(input: &[u8], max_output_bytes: usize) -> Result<Vec<u8>, CompressionError> {
        // lz4_flex also reads the legacy frame format, which Kafka never writes or reads; refuse it here.
        if !input.starts_with(&FRAME_MAGIC) {
            return Err(corrupt("missing LZ4 frame magic number"));
        }
        let limit = u64::try_from(max_output_bytes).unwrap_or(u64::MAX);
        let mut output = Vec::new();
        // Reading one byte past the limit tells "exactly at the limit" from "over it"; `Vec` grows
        // only as data actually arrives, so the limit bounds the allocation.
        FrameDecoder::new(input).take(limit.saturating_add(1)).read_to_end(&mut output).map_err(corrupt)?;
        if output.len() > max_output_bytes {
            return Err(CompressionError::TooLarge {
                codec: Compression::Lz4,
                limit_bytes: max_output_bytes,
            });
        }
        Ok(output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_round_trip() {
        for (index, codec) in Compression::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(codec.id()), index);
            assert_eq!(Compression::from_id(codec.id()), Ok(codec));
        }
        let names: Vec<&str> = Compression::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names, ["none", "gzip", "snappy", "lz4", "zstd"]);
    }

    #[test]
    fn ids_above_four_are_unknown() {
        for id in 5..=7 {
            assert_eq!(Compression::from_id(id), Err(DecodeError::UnknownCompression { id }));
        }
    }

    #[test]
    fn unsupported_codecs_say_so() {
        for codec in [Compression::Gzip, Compression::Snappy, Compression::Zstd] {
            assert!(!codec.is_supported());
            let mut out = Vec::new();
            assert_eq!(compress(codec, b"abc", &mut out), Err(CompressionError::Unsupported(codec)));
            assert_eq!(decompress(codec, b"abc", 100), Err(CompressionError::Unsupported(codec)));
        }
    }

    #[test]
    fn none_respects_the_limit() {
        assert_eq!(decompress(Compression::None, b"abcd", 4), Ok(b"abcd".to_vec()));
        assert!(matches!(
            decompress(Compression::None, b"abcd", 3),
            Err(CompressionError::TooLarge { limit_bytes: 3, .. })
        ));
    }

    #[cfg(feature = "lz4")]
    #[test]
    fn lz4_round_trips_and_writes_kafkas_frame_header() {
        let input: Vec<u8> = (0..200_000u32).map(|i| (i % 97) as u8).collect();
        let mut compressed = Vec::new();
        compress(Compression::Lz4, &input, &mut compressed).unwrap();
        assert!(compressed.len() < input.len() / 10);
        // Magic, then FLG = version 01, block independence, nothing else; BD = 64 KB blocks (4 << 4).
        assert_eq!(compressed[..6], [0x04, 0x22, 0x4d, 0x18, 0x60, 0x40]);
        assert_eq!(decompress(Compression::Lz4, &compressed, input.len()), Ok(input.clone()));
        assert!(matches!(
            decompress(Compression::Lz4, &compressed, input.len() - 1),
            Err(CompressionError::TooLarge { .. })
        ));
    }

    #[cfg(feature = "lz4")]
    #[test]
    fn lz4_rejects_garbage() {
        for input in [&b""[..], b"\x04\x22\x4d", b"\x04\x22\x4d\x18\xff\xff\xff", b"not lz4 at all"] {
            assert!(matches!(
                decompress(Compression::Lz4, input, 1000),
                Err(CompressionError::Corrupt(Compression::Lz4, _))
            ));
        }
    }

    #[cfg(not(feature = "lz4"))]
    #[test]
    fn lz4_is_unsupported_without_the_lz4_feature() {
        let mut out = Vec::new();
        assert_eq!(
            compress(Compression::Lz4, b"abc", &mut out),
            Err(CompressionError::Unsupported(Compression::Lz4))
        );
    }
}
