//! What a producer has done so far, as counters (Kafka's producer metrics, by their names where Kafka
//! has one): the playground's producer panel and the simulator's run summary read them.

/// Running totals of one producer. Every counter only grows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProducerStats {
    /// Records `send` accepted (Kafka's `record-send-total` counts these once sent).
    pub records_accepted: u64,
    /// Batches put in produce requests, retries included (Kafka's `batch-size-*` are per batch).
    pub batches_sent: u64,
    /// Produce requests sent (Kafka's `request-total` for produce).
    pub requests_sent: u64,
    /// Batches sent again after a retriable error (Kafka's `record-retry-total` counts records).
    pub batches_retried: u64,
    /// Records acknowledged (with an offset, or `-1` for acks=0).
    pub records_acked: u64,
    /// Records that failed for good (Kafka's `record-error-total`).
    pub records_failed: u64,
    /// Encoded bytes of every batch sent, retries included (Kafka's `outgoing-byte-total`, roughly).
    pub bytes_sent: u64,
    /// Sum over acknowledged records of ack time minus `send` time, in ms (for the mean latency).
    pub ack_latency_total_ms: u64,
}

impl ProducerStats {
    /// Mean records per batch sent, or 0 before the first batch.
    pub fn records_per_batch(&self) -> f64 {
        if self.batches_sent == 0 {
            0.0
        } else {
            self.records_accepted as f64 / self.batches_sent as f64
        }
    }

    /// Mean ms from `send` to acknowledgement, or 0 before the first ack.
    pub fn mean_ack_latency_ms(&self) -> f64 {
        if self.records_acked == 0 {
            0.0
        } else {
            self.ack_latency_total_ms as f64 / self.records_acked as f64
        }
    }
}
