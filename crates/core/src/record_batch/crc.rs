//! CRC32C.
