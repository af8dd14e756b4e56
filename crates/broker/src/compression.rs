//! Batches compressed with gzip, snappy or zstd are rewritten uncompressed before samsa-core sees them
//! (samsa-core itself reads none and lz4). The batch keeps everything else — base offset, producer id,
//! epoch and sequence, transactional and control flags, timestamps — only the compression bits of its
//! attributes, its length and its CRC change, as a Kafka broker rewrites a batch whose codec differs
//! from the topic's `compression.type`. Decompression is bounded (a small batch cannot inflate past the
//! limit), and a batch that does not decompress is `CORRUPT_MESSAGE`.

use std::io::Read;

/// The record batch v2 header size: up to and including the record count.
const HEADER_BYTES: usize = 61;
/// Where the CRC-covered part starts (the attributes).
const CRC_FROM: usize = 21;
/// Offsets of fields in the header.
const LENGTH_AT: usize = 8;
const MAGIC_AT: usize = 16;
const CRC_AT: usize = 17;
const ATTRIBUTES_AT: usize = 21;
/// Kafka's codec bits in the attributes.
const CODEC_MASK: u16 = 0x07;
/// The xerial snappy framing Java clients write (`SnappyOutputStream`).
const XERIAL_MAGIC: &[u8] = &[0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];

/// Why a produce's records are refused.
#[derive(Debug, PartialEq, Eq)]
pub struct Corrupt(pub String);

/// `records` with every gzip/snappy/zstd batch rewritten uncompressed; other batches unchanged.
/// `max_bytes` bounds each batch's decompressed records.
pub fn accept(records: Vec<u8>, max_bytes: usize) -> Result<Vec<u8>, Corrupt> {
    if !needs_rewrite(&records) {
        return Ok(records);
    }
    let mut out = Vec::with_capacity(records.len() * 2);
    let mut rest = records.as_slice();
    while !rest.is_empty() {
        let (batch, tail) = split_batch(rest)?;
        rest = tail;
        out.extend_from_slice(&rewrite(batch, max_bytes)?);
    }
    Ok(out)
}

/// Whether any batch uses a codec samsa-core does not read.
fn needs_rewrite(records: &[u8]) -> bool {
    let mut rest = records;
    while let Ok((batch, tail)) = split_batch(rest) {
        if matches!(codec(batch), 1 | 2 | 4) {
            return true;
        }
        if tail.is_empty() {
            break;
        }
        rest = tail;
    }
    false
}

fn read_u16(bytes: &[u8], at: usize) -> u16 {
    bytes.get(at..at + 2).map_or(0, |b| u16::from_be_bytes([b[0], b[1]]))
}

fn codec(batch: &[u8]) -> u16 {
    read_u16(batch, ATTRIBUTES_AT) & CODEC_MASK
}

/// The first batch of `bytes` and what follows it.
fn split_batch(bytes: &[u8]) -> Result<(&[u8], &[u8]), Corrupt> {
    let length = bytes
        .get(LENGTH_AT..LENGTH_AT + 4)
        .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| Corrupt("a batch shorter than its header".into()))?;
    let total = usize::try_from(length)
        .ok()
        .and_then(|l| l.checked_add(12))
        .ok_or_else(|| Corrupt(format!("batch length {length}")))?;
    if total < HEADER_BYTES || total > bytes.len() {
        return Err(Corrupt(format!("batch length {length} does not fit the {} bytes sent", bytes.len())));
    }
    if bytes.get(MAGIC_AT) != Some(&2) {
        return Err(Corrupt("only record batch format v2 (magic 2) is accepted".into()));
    }
    Ok(bytes.split_at(total))
}

fn rewrite(batch: &[u8], max_bytes: usize) -> Result<Vec<u8>, Corrupt> {
    let codec = codec(batch);
    if !matches!(codec, 1 | 2 | 4) {
        return Ok(batch.to_vec());
    }
    let compressed = batch.get(HEADER_BYTES..).unwrap_or_default();
    let records = match codec {
        1 => bounded(flate2::read::GzDecoder::new(compressed), max_bytes, "gzip")?,
        2 => snappy(compressed, max_bytes)?,
        _ => bounded(
            zstd::stream::read::Decoder::new(compressed).map_err(|e| Corrupt(format!("zstd: {e}")))?,
            max_bytes,
            "zstd",
        )?,
    };
    let mut out = batch.get(..HEADER_BYTES).unwrap_or_default().to_vec();
    out.extend_from_slice(&records);
    let length = i32::try_from(out.len() - 12).map_err(|_| Corrupt("batch over 2 GiB".into()))?;
    out[LENGTH_AT..LENGTH_AT + 4].copy_from_slice(&length.to_be_bytes());
    let attributes = read_u16(&out, ATTRIBUTES_AT) & !CODEC_MASK;
    out[ATTRIBUTES_AT..ATTRIBUTES_AT + 2].copy_from_slice(&attributes.to_be_bytes());
    let crc = crc32c::crc32c(&out[CRC_FROM..]);
    out[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
    Ok(out)
}

/// Reads `reader` to its end, refusing more than `max_bytes`.
fn bounded(reader: impl Read, max_bytes: usize, codec: &str) -> Result<Vec<u8>, Corrupt> {
    let mut out = Vec::new();
    let limit = u64::try_from(max_bytes).unwrap_or(u64::MAX).saturating_add(1);
    reader.take(limit).read_to_end(&mut out).map_err(|e| Corrupt(format!("{codec}: {e}")))?;
    if out.len() > max_bytes {
        return Err(Corrupt(format!("{codec} records inflate past {max_bytes} bytes")));
    }
    Ok(out)
}

/// Raw snappy, or the xerial framing (a header, then length-prefixed raw blocks).
fn snappy(compressed: &[u8], max_bytes: usize) -> Result<Vec<u8>, Corrupt> {
    let raw = |block: &[u8]| -> Result<Vec<u8>, Corrupt> {
        let size = snap::raw::decompress_len(block).map_err(|e| Corrupt(format!("snappy: {e}")))?;
        if size > max_bytes {
            return Err(Corrupt(format!("snappy records inflate past {max_bytes} bytes")));
        }
        snap::raw::Decoder::new().decompress_vec(block).map_err(|e| Corrupt(format!("snappy: {e}")))
    };
    if !compressed.starts_with(XERIAL_MAGIC) {
        return raw(compressed);
    }
    let mut out = Vec::new();
    let mut rest = compressed.get(16..).unwrap_or_default();
    while !rest.is_empty() {
        let size = rest.get(..4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
        let block = size
            .and_then(|n| rest.get(4..4 + n))
            .ok_or_else(|| Corrupt("snappy: a cut xerial block".into()))?;
        out.extend_from_slice(&raw(block)?);
        if out.len() > max_bytes {
            return Err(Corrupt(format!("snappy records inflate past {max_bytes} bytes")));
        }
        rest = rest.get(4 + block.len()..).unwrap_or_default();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use samsa_core::record_batch::{Compression, NewRecord, RecordBatch};

    use super::*;

    fn plain_batch() -> Vec<u8> {
        let records: Vec<NewRecord> = (0..20u8)
            .map(|i| NewRecord { key: Some(vec![b'k', i]), value: Some(vec![i; 40]), ..NewRecord::default() })
            .collect();
        RecordBatch::from_new_records(records, Compression::None).unwrap().encode().unwrap()
    }

    /// The same batch with its records compressed by `compress` and the codec bits set to `codec`.
    fn compressed(codec: u16, compress: impl Fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
        let plain = plain_batch();
        let mut out = plain[..HEADER_BYTES].to_vec();
        out.extend_from_slice(&compress(&plain[HEADER_BYTES..]));
        let length = (out.len() - 12) as i32;
        out[LENGTH_AT..LENGTH_AT + 4].copy_from_slice(&length.to_be_bytes());
        let attributes = read_u16(&out, ATTRIBUTES_AT) | codec;
        out[ATTRIBUTES_AT..ATTRIBUTES_AT + 2].copy_from_slice(&attributes.to_be_bytes());
        let crc = crc32c::crc32c(&out[CRC_FROM..]);
        out[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
        out
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn gzip_snappy_and_zstd_batches_become_the_plain_batch() {
        let plain = plain_batch();
        let xerial = |bytes: &[u8]| {
            let block = snap::raw::Encoder::new().compress_vec(bytes).unwrap();
            let mut out = XERIAL_MAGIC.to_vec();
            out.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1]);
            out.extend_from_slice(&(block.len() as u32).to_be_bytes());
            out.extend_from_slice(&block);
            out
        };
        let batches = [
            compressed(1, gzip),
            compressed(2, |b| snap::raw::Encoder::new().compress_vec(b).unwrap()),
            compressed(2, xerial),
            compressed(4, |b| zstd::stream::encode_all(b, 3).unwrap()),
        ];
        for batch in batches {
            let rewritten = accept(batch.clone(), 1 << 20).unwrap();
            assert_eq!(rewritten, plain, "codec {}", codec(&batch));
            let (decoded, _) = RecordBatch::decode(&rewritten).unwrap();
            assert_eq!(decoded.records.len(), 20);
        }
        // Two batches in one produce: each is rewritten.
        let two = [compressed(1, gzip), plain.clone()].concat();
        assert_eq!(accept(two, 1 << 20).unwrap(), [plain.clone(), plain.clone()].concat());
        // Uncompressed and lz4 batches pass untouched.
        assert_eq!(accept(plain.clone(), 1 << 20).unwrap(), plain);
    }

    #[test]
    fn bombs_and_garbage_are_corrupt_messages_not_panics() {
        let bomb = compressed(1, |_| gzip(&vec![0u8; 10_000]));
        assert!(accept(bomb, 1_000).unwrap_err().0.contains("inflate past"));
        // A batch cut short is not ours to read: it goes on unchanged and samsa-core refuses it
        // (CORRUPT_MESSAGE) with the reason.
        let mut cut = compressed(4, |b| zstd::stream::encode_all(b, 3).unwrap());
        cut.truncate(cut.len() - 5);
        assert_eq!(accept(cut.clone(), 1 << 20), Ok(cut.clone()));
        assert!(RecordBatch::decode(&cut).is_err());
        let mut garbage = compressed(1, gzip);
        let end = garbage.len();
        garbage[end - 8..].copy_from_slice(&[0xff; 8]);
        assert!(accept(garbage, 1 << 20).is_err());
    }
}
