//! CRC32C (Castagnoli), the checksum of a v2 batch (KIP-98 replaced v0/v1's CRC32 with it because CPUs
//! compute it in hardware).
//!
//! With `std` the `crc32c` crate uses the CPU's instruction (SSE 4.2 / ARMv8 CRC) when present; without it
//! the table-driven `crc` crate computes the same function (`CRC_32_ISCSI` is CRC32C's catalogue name).

/// CRC32C of `bytes`.
#[cfg(feature = "std")]
pub fn crc32c(bytes: &[u8]) -> u32 {
    ::crc32c::crc32c(bytes)
}

/// CRC32C of `bytes`.
#[cfg(not(feature = "std"))]
pub fn crc32c(bytes: &[u8]) -> u32 {
    const CASTAGNOLI: ::crc::Crc<u32> = ::crc::Crc::<u32>::new(&::crc::CRC_32_ISCSI);
    CASTAGNOLI.checksum(bytes)
}

#[cfg(test)]
mod tests {
    use super::crc32c;

    #[test]
    fn matches_the_catalogue_check_value() {
        // Every CRC catalogue's check value: CRC of the ASCII digits "123456789".
        assert_eq!(crc32c(b"123456789"), 0xe306_9283);
    }

    #[test]
    fn matches_rfc_3720_vectors() {
        // RFC 3720 (iSCSI) appendix B.4: 32 bytes of zeros, of 0xff, and ascending 0..=31.
        assert_eq!(crc32c(&[0u8; 32]), 0x8a91_36aa);
        assert_eq!(crc32c(&[0xffu8; 32]), 0x62a8_ab43);
        let ascending: [u8; 32] = core::array::from_fn(|i| i as u8);
        assert_eq!(crc32c(&ascending), 0x46dd_794e);
    }

    #[test]
    fn empty_input_is_zero() {
        assert_eq!(crc32c(&[]), 0);
    }

    #[cfg(feature = "std")]
    #[test]
    fn hardware_and_table_implementations_agree() {
        const CASTAGNOLI: ::crc::Crc<u32> = ::crc::Crc::<u32>::new(&::crc::CRC_32_ISCSI);
        let bytes: [u8; 1000] = core::array::from_fn(|i| (i * 31 % 251) as u8);
        for len in [0, 1, 7, 8, 63, 64, 65, 1000] {
            assert_eq!(crc32c(&bytes[..len]), CASTAGNOLI.checksum(&bytes[..len]), "len {len}");
        }
    }
}
