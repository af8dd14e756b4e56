//! Human-readable units for labels: durations and byte counts. Presentation only, no Kafka rules.

/// `90_500` → `"1 min 30.5 s"`; whole units are dropped when zero (`"2 min"`, `"45 s"`).
pub fn duration_ms(ms: u64) -> String {
    let minutes = ms / 60_000;
    let rest_ms = ms % 60_000;
    let seconds = if rest_ms % 1_000 == 0 {
        format!("{} s", rest_ms / 1_000)
    } else {
        format!("{}.{} s", rest_ms / 1_000, (rest_ms % 1_000) / 100)
    };
    match (minutes, rest_ms) {
        (0, _) => seconds,
        (_, 0) => format!("{minutes} min"),
        _ => format!("{minutes} min {seconds}"),
    }
}

/// `1536` → `"1.5 KiB"`; below 1 KiB the exact count (`"84 B"`).
pub fn bytes(size_bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = KIB * 1024;
    const GIB: u64 = MIB * 1024;
    let scaled = |unit: u64, name: &str| {
        let tenths = size_bytes.saturating_mul(10) / unit;
        if tenths % 10 == 0 {
            format!("{} {name}", tenths / 10)
        } else {
            format!("{}.{} {name}", tenths / 10, tenths % 10)
        }
    };
    match size_bytes {
        s if s >= GIB => scaled(GIB, "GiB"),
        s if s >= MIB => scaled(MIB, "MiB"),
        s if s >= KIB => scaled(KIB, "KiB"),
        s => format!("{s} B"),
    }
}

/// Virtual time with millisecond precision, as the time bar prints it: `12_345` → `"12.345 s"`.
pub fn seconds_ms(ms: u64) -> String {
    format!("{}.{:03} s", ms / 1_000, ms % 1_000)
}

#[cfg(test)]
mod tests {
    use super::{bytes, duration_ms, seconds_ms};

    #[test]
    fn virtual_time_keeps_milliseconds() {
        assert_eq!(seconds_ms(0), "0.000 s");
        assert_eq!(seconds_ms(12_345), "12.345 s");
        assert_eq!(seconds_ms(600_007), "600.007 s");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_ms(0), "0 s");
        assert_eq!(duration_ms(1_000), "1 s");
        assert_eq!(duration_ms(1_500), "1.5 s");
        assert_eq!(duration_ms(60_000), "1 min");
        assert_eq!(duration_ms(90_500), "1 min 30.5 s");
        assert_eq!(duration_ms(600_000), "10 min");
    }

    #[test]
    fn byte_counts_use_binary_units() {
        assert_eq!(bytes(84), "84 B");
        assert_eq!(bytes(1024), "1 KiB");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(1_048_588), "1 MiB");
        assert_eq!(bytes(1 << 30), "1 GiB");
    }
}
