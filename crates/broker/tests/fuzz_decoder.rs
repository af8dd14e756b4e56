//! The request decoder and the batch rewriter over arbitrary bytes (proptest): they may refuse, they
//! never panic. Frames are also built with a valid header for every API and version the broker
//! answers, followed by garbage, so the body decoders are exercised, not only the header check.

use bytes::Bytes;
use proptest::prelude::*;
use samsa_broker::api::versions::SUPPORTED;
use samsa_broker::compression;
use samsa_broker::frame::decode_request;

/// As in the binary: bogus array counts reserve address space instead of aborting.
#[global_allocator]
static ALLOCATOR: samsa_broker::alloc_guard::GuardedAllocator = samsa_broker::alloc_guard::GuardedAllocator;

/// The 8-byte Metadata v0 request of kafka-protocol-rs PR 152: 54 million topics claimed.
#[test]
fn a_frame_claiming_millions_of_topics_is_refused_without_aborting() {
    let frame = Bytes::from_static(&[
        0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0xff, 0xff, 0x03, 0x3c, 0x0c, 0x00, 0xb6,
    ]);
    assert!(decode_request(frame).is_err());
    let mut huge = vec![0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0xff, 0xff];
    huge.extend_from_slice(&i32::MAX.to_be_bytes());
    assert!(decode_request(Bytes::from(huge)).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_frames_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_request(Bytes::from(bytes));
    }

    #[test]
    fn garbage_bodies_of_every_supported_request_never_panic(
        which in 0..SUPPORTED.len(),
        version_pick in any::<u16>(),
        client_id_len in 0i16..8,
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let (api_key, min, max) = SUPPORTED[which];
        let version = min + (version_pick % (max - min + 1) as u16) as i16;
        let mut frame = Vec::new();
        frame.extend_from_slice(&(api_key as i16).to_be_bytes());
        frame.extend_from_slice(&version.to_be_bytes());
        frame.extend_from_slice(&7i32.to_be_bytes());
        frame.extend_from_slice(&client_id_len.to_be_bytes());
        frame.extend(std::iter::repeat_n(b'c', client_id_len as usize));
        frame.extend_from_slice(&body);
        let _ = decode_request(Bytes::from(frame));
    }

    #[test]
    fn arbitrary_records_never_panic_the_rewriter(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = compression::accept(bytes, 1 << 16);
    }

    #[test]
    fn a_v2_header_with_any_codec_and_garbage_never_panics(
        codec in 0u8..8,
        records in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let mut batch = vec![0u8; 61];
        let length = (batch.len() + records.len() - 12) as i32;
        batch[8..12].copy_from_slice(&length.to_be_bytes());
        batch[16] = 2;
        batch[22] = codec;
        batch.extend_from_slice(&records);
        let _ = compression::accept(batch, 1 << 16);
    }
}
