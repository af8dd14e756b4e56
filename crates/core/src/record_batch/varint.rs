//! Zig-zag varints.
