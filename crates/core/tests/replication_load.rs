//! The load the simulator runs (3 brokers × 12 partitions × RF 3, 1,000 acks=all writes a second), on
//! the in-test cluster: every write is acknowledged and every replica ends identical. Its speed is measured
//! by the simulator's benchmark (`cargo bench -p samsa-sim --bench sim`), not here.

extern crate alloc;

mod replication_support;

use replication_support::*;
use samsa_core::replication::messages::{Acks, Message};
use samsa_core::replication::BrokerConfig;
use samsa_core::ErrorCode;

#[test]
fn twelve_partitions_at_a_thousand_writes_a_second_all_commit_and_agree() {
    let mut cluster = Cluster::new(3, BrokerConfig::default());
    cluster.create_topic("load", 12, 3, topic_config(2, false));
    cluster.check_every_step = false;
    let simulated_ms = 10_000u64;
    let mut ids = Vec::new();
    for ms in 0..simulated_ms {
        let tp = Cluster::tp("load", (ms % 12) as i32);
        let leader = cluster.state(&tp).leader.unwrap();
        ids.push(cluster.produce(leader, &tp, Acks::All, &["value-of-some-forty-bytes-for-the-record"]));
        cluster.advance(1);
    }
    cluster.advance(1_000);
    let answers: alloc::collections::BTreeMap<u64, ErrorCode> = cluster
        .client_inbox
        .iter()
        .filter_map(|m| match m {
            Message::ProduceResponse(r) => Some((r.correlation_id, r.error)),
            _ => None,
        })
        .collect();
    for id in ids {
        assert_eq!(answers.get(&id), Some(&ErrorCode::None), "write {id}");
    }
    for partition in 0..12 {
        let tp = Cluster::tp("load", partition);
        let leader_values = cluster.values(1, &tp);
        assert_eq!(
            leader_values.len(),
            (simulated_ms / 12) as usize + usize::from(partition < (simulated_ms % 12) as i32)
        );
        for broker in [2, 3] {
            assert_eq!(cluster.values(broker, &tp), leader_values);
        }
    }
}
