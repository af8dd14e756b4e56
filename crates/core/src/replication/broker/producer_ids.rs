//! A broker's source of producer ids (KIP-730's `RPCProducerIdManager`): blocks of ids leased from the
//! controller with `AllocateProducerIds`, handed out one per non-transactional `InitProducerId`.
//!
//! Rules, as Kafka's: ids come from the current block; once 90% of it is used the next block is
//! fetched ahead; with no usable block (at start, after a restart, when exhausted before the next one
//! came) the broker asks the controller and answers `COORDINATOR_LOAD_IN_PROGRESS`, which producers
//! retry. A failed ask is repeated after a backoff, a lost one once its answer is overdue. Blocks never
//! overlap because the controller hands each out once; the broker keeps the end of the newest block it
//! accepted on disk, so a late or duplicated answer (which a TCP connection to Kafka's controller never
//! delivers to a restarted process, but the simulator's network may) cannot hand out ids twice.

use crate::error::ErrorCode;
use crate::replication::config::BrokerConfig;

/// Kafka's `ProducerIdManager.PID_PREFETCH_THRESHOLD`: the next block is fetched once this fraction
/// of the current one is used (in percent).
const PREFETCH_THRESHOLD_PERCENT: i64 = 90;

/// A block of ids `[next_id, end_id)` still to hand out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Block {
    start_id: i64,
    next_id: i64,
    end_id: i64,
}

impl Block {
    fn is_exhausted(&self) -> bool {
        self.next_id >= self.end_id
    }

    /// Whether 90% of the block is used, so the next one should be on its way.
    fn reached_prefetch_threshold(&self) -> bool {
        let len = self.end_id - self.start_id;
        (self.next_id - self.start_id).saturating_mul(100) >= len.saturating_mul(PREFETCH_THRESHOLD_PERCENT)
    }
}

/// An `AllocateProducerIds` sent and not answered yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Outstanding {
    lost_at_ms: u64,
    unanswered_in_row: u32,
}

/// The broker's producer id blocks (Kafka's `RPCProducerIdManager`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducerIdManager {
    current: Option<Block>,
    prefetched: Option<Block>,
    outstanding: Option<Outstanding>,
    /// After a refused ask, no new one before this time (Kafka's retry backoff).
    retry_at_ms: u64,
    /// End of the newest block accepted, by any incarnation (kept on disk).
    accepted_end_id: i64,
}

impl ProducerIdManager {
    /// A manager with no block; `accepted_end_id` is what the previous incarnation left on disk (0 for
    /// a new broker).
    pub fn new(accepted_end_id: i64) -> Self {
        ProducerIdManager {
            current: None,
            prefetched: None,
            outstanding: None,
            retry_at_ms: 0,
            accepted_end_id,
        }
    }

    /// End of the newest block accepted (what survives a crash).
    pub fn accepted_end_id(&self) -> i64 {
        self.accepted_end_id
    }

    /// Ids left in the current block.
    pub fn remaining_in_block(&self) -> i64 {
        self.current.map_or(0, |b| b.end_id - b.next_id)
    }

    /// The next producer id, or `COORDINATOR_LOAD_IN_PROGRESS` while no block is usable. Returns also
    /// whether an `AllocateProducerIds` must go to the controller now.
    pub fn generate(&mut self, now_ms: u64, config: &BrokerConfig) -> (Result<i64, ErrorCode>, bool) {
        if self.current.is_none_or(|b| b.is_exhausted()) {
            self.current = self.prefetched.take();
        }
        let result = match &mut self.current {
            Some(block) if !block.is_exhausted() => {
                let id = block.next_id;
                block.next_id += 1;
                Ok(id)
            }
            _ => Err(ErrorCode::CoordinatorLoadInProgress),
        };
        let wants_block = self.prefetched.is_none()
            && self.current.is_none_or(|b| b.is_exhausted() || b.reached_prefetch_threshold());
        let send = wants_block && self.start_ask(now_ms, config, 0);
        (result, send)
    }

    /// Marks an ask as sent, unless one is outstanding or the retry backoff is not over.
    fn start_ask(&mut self, now_ms: u64, config: &BrokerConfig, unanswered_in_row: u32) -> bool {
        if self.outstanding.is_some() || now_ms < self.retry_at_ms {
            return false;
        }
        let wait_ms = crate::replication::partition::overdue_after_ms(config, 0, unanswered_in_row);
        self.outstanding =
            Some(Outstanding { lost_at_ms: now_ms.saturating_add(wait_ms), unanswered_in_row });
        true
    }

    /// The controller's answer. A valid new block becomes the current one (or the next, if the current
    /// one still has ids); an error means asking again, at the next `InitProducerId`, once
    /// `replica.fetch.backoff.ms` passed (standing in for Kafka's retry backoff); a stale or duplicated
    /// block is ignored.
    pub fn on_response(
        &mut self,
        error: ErrorCode,
        producer_id_start: i64,
        producer_id_len: i32,
        now_ms: u64,
        config: &BrokerConfig,
    ) {
        if self.outstanding.is_none() {
            return;
        }
        if error != ErrorCode::None {
            self.outstanding = None;
            self.retry_at_ms = now_ms.saturating_add(config.replica_fetch_backoff_ms);
            return;
        }
        let Some(end_id) = producer_id_start.checked_add(i64::from(producer_id_len)) else { return };
        if producer_id_len <= 0 || producer_id_start < self.accepted_end_id {
            return; // an answer to an earlier ask, already used or given up on
        }
        self.outstanding = None;
        self.accepted_end_id = end_id;
        let block = Block { start_id: producer_id_start, next_id: producer_id_start, end_id };
        if self.current.is_none_or(|b| b.is_exhausted()) {
            self.current = Some(block);
        } else {
            self.prefetched = Some(block);
        }
    }

    /// When an unanswered ask counts as lost.
    pub fn next_tick_ms(&self) -> Option<u64> {
        self.outstanding.map(|o| o.lost_at_ms)
    }

    /// Time passed: an ask whose answer is overdue is sent again; returns whether to send.
    pub fn on_tick(&mut self, now_ms: u64, config: &BrokerConfig) -> bool {
        let Some(outstanding) = self.outstanding else { return false };
        if now_ms < outstanding.lost_at_ms {
            return false;
        }
        self.outstanding = None;
        self.start_ask(now_ms, config, outstanding.unanswered_in_row.saturating_add(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn config() -> BrokerConfig {
        BrokerConfig::default()
    }

    #[test]
    fn no_block_means_coordinator_load_in_progress_and_one_ask() {
        let mut ids = ProducerIdManager::new(0);
        assert_eq!(ids.generate(0, &config()), (Err(ErrorCode::CoordinatorLoadInProgress), true));
        assert_eq!(
            ids.generate(1, &config()),
            (Err(ErrorCode::CoordinatorLoadInProgress), false),
            "one ask at a time"
        );
        ids.on_response(ErrorCode::None, 1_000, 1_000, 2, &config());
        assert_eq!(ids.generate(3, &config()), (Ok(1_000), false));
        assert_eq!(ids.generate(3, &config()), (Ok(1_001), false));
    }

    #[test]
    fn the_next_block_is_fetched_at_90_percent_and_used_after_the_current_one() {
        let mut ids = ProducerIdManager::new(0);
        assert_eq!(ids.generate(0, &config()).0, Err(ErrorCode::CoordinatorLoadInProgress));
        ids.on_response(ErrorCode::None, 0, 10, 0, &config());
        let asks: Vec<bool> = (0..10).map(|_| ids.generate(0, &config()).1).collect();
        assert_eq!(asks.iter().filter(|&&a| a).count(), 1);
        assert!(asks[8], "asked when the 9th of 10 ids went out");
        ids.on_response(ErrorCode::None, 50, 10, 0, &config());
        assert_eq!(ids.generate(0, &config()).0, Ok(50), "the prefetched block follows the exhausted one");
    }

    #[test]
    fn duplicated_or_stale_blocks_are_ignored() {
        let mut ids = ProducerIdManager::new(0);
        assert_eq!(ids.generate(0, &config()).0, Err(ErrorCode::CoordinatorLoadInProgress));
        ids.on_response(ErrorCode::None, 0, 2, 0, &config());
        ids.on_response(ErrorCode::None, 0, 2, 0, &config()); // the network duplicated it
        assert_eq!(ids.generate(0, &config()).0, Ok(0));
        assert_eq!(ids.generate(0, &config()).0, Ok(1));
        // The manager asked for the next block at id 1; a copy of the first answer is not it.
        ids.on_response(ErrorCode::None, 0, 2, 0, &config());
        assert_eq!(ids.generate(0, &config()).0, Err(ErrorCode::CoordinatorLoadInProgress));
        // After a restart the disk remembers the end: the old block is refused there too.
        let mut restarted = ProducerIdManager::new(ids.accepted_end_id());
        assert_eq!(restarted.generate(0, &config()).0, Err(ErrorCode::CoordinatorLoadInProgress));
        restarted.on_response(ErrorCode::None, 0, 2, 0, &config());
        assert_eq!(restarted.generate(0, &config()).0, Err(ErrorCode::CoordinatorLoadInProgress));
    }

    #[test]
    fn a_lost_ask_is_sent_again_and_a_refused_one_after_a_backoff() {
        let mut ids = ProducerIdManager::new(0);
        assert!(ids.generate(0, &config()).1);
        let lost_at_ms = ids.next_tick_ms().unwrap();
        assert!(!ids.on_tick(lost_at_ms - 1, &config()));
        assert!(ids.on_tick(lost_at_ms, &config()), "sent again once overdue");
        ids.on_response(ErrorCode::InvalidRequest, -1, 0, lost_at_ms, &config());
        assert!(!ids.generate(lost_at_ms, &config()).1, "backing off");
        let later_ms = lost_at_ms + config().replica_fetch_backoff_ms;
        assert!(ids.generate(later_ms, &config()).1);
    }
}
