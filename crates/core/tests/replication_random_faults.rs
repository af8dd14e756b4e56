//! Random crashes, restarts and network cuts on the in-test cluster, many seeds: with clean
//! elections and no power loss, Kafka promises that an `acks=all` write answered `NONE` is never lost,
//! and that once the faults stop the replicas converge to the same log. Invariants are checked after
//! every delivery (the harness does). A failure names its seed.

extern crate alloc;

mod replication_support;

use alloc::collections::BTreeMap;

use replication_support::*;
use samsa_core::node::NodeId;
use samsa_core::replication::messages::{Acks, Message};
use samsa_core::replication::BrokerConfig;
use samsa_core::ErrorCode;

/// A small deterministic generator (SplitMix64), so each seed replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One run; with `power_loss`, crashes may drop unflushed log tails, so only convergence is checked.
fn run(seed: u64, power_loss: bool) {
    let mut rng = Rng(seed);
    let mut cluster = Cluster::new(3, BrokerConfig::default());
    cluster.create_topic("t", 3, 3, topic_config(2, false));
    let mut sent: BTreeMap<u64, (i32, String)> = BTreeMap::new();
    for step in 0..400u64 {
        match rng.below(20) {
            0 if cluster.crashed.len() < 2 => {
                let id = 1 + rng.below(3) as i32;
                if cluster.brokers.contains_key(&id) {
                    cluster.crash(id, power_loss && rng.below(2) == 0);
                }
            }
            1 => {
                if let Some(&id) = cluster.crashed.keys().next() {
                    cluster.restart(id);
                }
            }
            2 => {
                let a = NodeId::Broker(1 + rng.below(3) as i32);
                let b = if rng.below(2) == 0 {
                    NodeId::Controller
                } else {
                    NodeId::Broker(1 + rng.below(3) as i32)
                };
                if a != b {
                    cluster.cut(a, b);
                }
            }
            3 => cluster.heal(),
            _ => {
                let partition = rng.below(3) as i32;
                let tp = Cluster::tp("t", partition);
                let to = 1 + rng.below(3) as i32;
                if cluster.brokers.contains_key(&to) {
                    let value = format!("s{seed}-{step}");
                    let id = cluster.produce(to, &tp, Acks::All, &[&value]);
                    sent.insert(id, (partition, value));
                }
            }
        }
        cluster.advance(rng.below(3_000));
    }
    // The faults stop: everyone back, network whole, time to settle.
    cluster.heal();
    while let Some(&id) = cluster.crashed.keys().next() {
        cluster.restart(id);
    }
    cluster.advance(120_000);

    let acked: Vec<(i32, String)> = cluster
        .client_inbox
        .iter()
        .filter_map(|m| match m {
            Message::ProduceResponse(r) if r.error == ErrorCode::None => sent.get(&r.correlation_id).cloned(),
            _ => None,
        })
        .collect();
    for partition in 0..3 {
        let tp = Cluster::tp("t", partition);
        let state = cluster.state(&tp);
        let leader = state.leader.unwrap_or_else(|| panic!("seed {seed}: {tp:?} offline at the end"));
        let values = cluster.values(leader, &tp);
        let must_survive = if power_loss { &[][..] } else { &acked[..] };
        for (_, value) in must_survive.iter().filter(|(p, _)| *p == partition) {
            assert!(values.contains(value), "seed {seed}: acknowledged {value} lost from {tp:?}");
        }
        for broker in 1..=3 {
            assert_eq!(
                cluster.values(broker, &tp),
                values,
                "seed {seed}: broker {broker} diverges on {tp:?}"
            );
        }
        let mut isr = state.isr.clone();
        isr.sort_unstable();
        assert_eq!(isr, [1, 2, 3], "seed {seed}: every replica back in the ISR of {tp:?}");
    }
}

#[test]
fn acknowledged_writes_survive_random_crashes_and_cuts_and_replicas_converge() {
    for seed in 0..40 {
        run(seed, false);
    }
}

/// A power loss can take acknowledged writes with it (Kafka does not fsync), but never leaves the
/// replicas disagreeing once they have caught up: truncation by leader epoch removes every lost tail.
#[test]
fn replicas_converge_after_random_power_losses() {
    for seed in 1_000..1_020 {
        run(seed, true);
    }
}
