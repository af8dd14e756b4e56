//! Ack latency as a bounded histogram: the run summary's mean and p99 without keeping one number per
//! record (a long run acknowledges millions).
//!
//! Buckets are log-linear, as HdrHistogram's: values below `EXACT_BELOW_MS` have a bucket each, and
//! every power of two above is split into `SUB_BUCKETS` equal buckets, so a percentile is off by at
//! most 1/16 of its value. The mean is exact (a running sum).

use serde::Serialize;

/// Sub-buckets per power of two (and the count of exact buckets at the bottom).
const SUB_BUCKETS: u64 = 16;
/// Values below this have a bucket of their own.
const EXACT_BELOW_MS: u64 = SUB_BUCKETS;
/// Powers of two covered above the exact buckets: up to 2^48 ms (almost 9,000 years), far past any
/// run; larger values land in the last bucket.
const OCTAVES: u64 = 44;
/// Total buckets.
const BUCKETS: usize = (EXACT_BELOW_MS + OCTAVES * SUB_BUCKETS) as usize;

/// A histogram of milliseconds (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LatencyHistogram {
    /// Count per bucket; allocated on the first value so an unused histogram costs nothing.
    #[serde(skip)]
    buckets: Vec<u64>,
    /// Values recorded.
    pub count: u64,
    /// Their sum, for the exact mean.
    pub total_ms: u64,
    /// The largest value recorded.
    pub max_ms: u64,
}

/// The bucket holding `value_ms`.
fn bucket_of(value_ms: u64) -> usize {
    if value_ms < EXACT_BELOW_MS {
        return value_ms as usize;
    }
    // value = 2^octave_bit * (1 + fraction): the octave above the exact range, then the top 4 bits
    // after the leading one choose the sub-bucket.
    let octave_bit = u64::from(63 - value_ms.leading_zeros());
    let octave = octave_bit - SUB_BUCKETS.trailing_zeros() as u64;
    let sub = (value_ms >> (octave_bit - 4)) & (SUB_BUCKETS - 1);
    let index = EXACT_BELOW_MS + octave * SUB_BUCKETS + sub;
    (index as usize).min(BUCKETS - 1)
}

/// The largest value bucket `index` holds.
fn bucket_high_ms(index: usize) -> u64 {
    let index = index as u64;
    if index < EXACT_BELOW_MS {
        return index;
    }
    let octave = (index - EXACT_BELOW_MS) / SUB_BUCKETS;
    let sub = (index - EXACT_BELOW_MS) % SUB_BUCKETS;
    let octave_bit = octave + SUB_BUCKETS.trailing_zeros() as u64;
    let width = 1_u64 << (octave_bit - 4);
    (1_u64 << octave_bit) + (sub + 1) * width - 1
}

impl LatencyHistogram {
    /// Adds one value.
    pub fn record(&mut self, value_ms: u64) {
        if self.buckets.is_empty() {
            self.buckets = vec![0; BUCKETS];
        }
        if let Some(count) = self.buckets.get_mut(bucket_of(value_ms)) {
            *count += 1;
        }
        self.count += 1;
        self.total_ms = self.total_ms.saturating_add(value_ms);
        self.max_ms = self.max_ms.max(value_ms);
    }

    /// The exact mean, or 0 without values.
    pub fn mean_ms(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.total_ms as f64 / self.count as f64
        }
    }

    /// The value at or below which `percent`% of the values fall, as the upper edge of its bucket (so
    /// never below the true percentile, and never above the largest value); 0 without values.
    pub fn percentile_ms(&self, percent: u64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        // The rank of the value asked for, 1-based, rounded up (nearest-rank method).
        let rank = (u128::from(self.count) * u128::from(percent.min(100))).div_ceil(100).max(1);
        let mut seen: u128 = 0;
        for (index, &count) in self.buckets.iter().enumerate() {
            seen += u128::from(count);
            if seen >= rank {
                return bucket_high_ms(index).min(self.max_ms);
            }
        }
        self.max_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_every_value_in_order_within_a_sixteenth() {
        let mut previous = 0;
        for value in (0..5_000).chain([u64::from(u32::MAX), 1 << 47]) {
            let index = bucket_of(value);
            assert!(index >= previous, "{value}");
            previous = index;
            let high = bucket_high_ms(index);
            assert!(high >= value, "{value} above its bucket's edge {high}");
            assert!(high - value <= value / 16, "{value}: edge {high} too far");
        }
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1, "huge values land in the last bucket");
    }

    #[test]
    fn mean_is_exact_and_p99_finds_the_slow_tail() {
        let mut histogram = LatencyHistogram::default();
        assert_eq!((histogram.mean_ms(), histogram.percentile_ms(99)), (0.0, 0));
        for _ in 0..980 {
            histogram.record(3);
        }
        for _ in 0..20 {
            histogram.record(1_000);
        }
        assert_eq!(histogram.count, 1_000);
        assert!((histogram.mean_ms() - 22.94).abs() < 1e-9, "{}", histogram.mean_ms());
        assert_eq!(histogram.percentile_ms(50), 3);
        assert_eq!(histogram.percentile_ms(98), 3);
        let p99 = histogram.percentile_ms(99);
        assert!((1_000..=1_000 + 1_000 / 16).contains(&p99) && p99 <= histogram.max_ms, "{p99}");
        assert_eq!(histogram.percentile_ms(100), 1_000);
    }
}
