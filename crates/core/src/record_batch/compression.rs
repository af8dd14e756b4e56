//! Compression codecs of the records section (attribute bits 0-2).

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
