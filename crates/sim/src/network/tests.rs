use samsa_core::node::NodeId;
use samsa_core::replication::messages::Message;

use super::{Network, NetworkConfig, NetworkError, SendOutcome};
use crate::rng::SimRng;
use crate::trace::DropReason;

const A: NodeId = NodeId::Broker(1);
const B: NodeId = NodeId::Broker(2);
const C: NodeId = NodeId::Controller;

fn msg(n: u64) -> Message {
    Message::MetadataRequest { correlation_id: n }
}

fn net(config: NetworkConfig) -> Network {
    Network::new(config, SimRng::new(42)).unwrap()
}

/// Delivers everything due up to `until_ms`; returns (delivered correlation ids, lost-in-flight count).
fn drain(network: &mut Network, until_ms: u64) -> (Vec<u64>, usize) {
    let mut delivered = Vec::new();
    let mut lost = 0;
    while let Some(result) = network.poll_due(until_ms) {
        match result {
            Ok(m) => match m.message {
                Message::MetadataRequest { correlation_id } => delivered.push(correlation_id),
                other => panic!("unexpected {other:?}"),
            },
            Err(_) => lost += 1,
        }
    }
    (delivered, lost)
}

#[test]
fn latency_stays_in_range_and_delivery_waits_for_it() {
    let mut network = net(NetworkConfig { latency_min_ms: 3, latency_max_ms: 7, ..NetworkConfig::default() });
    let mut seen = std::collections::BTreeSet::new();
    // One message per link, so no message waits for an earlier one on its link.
    for n in 0..200 {
        match network.send(100, A, NodeId::Client(n as u32), msg(n)) {
            SendOutcome::Queued { deliver_at_ms, duplicate: None, .. } => {
                assert!((103..=107).contains(&deliver_at_ms));
                seen.insert(deliver_at_ms);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(seen.len(), 5, "every latency in 3..=7 ms drawn");
    assert_eq!(drain(&mut network, 102).0.len(), 0, "nothing arrives before the minimum latency");
    assert_eq!(drain(&mut network, 107).0.len(), 200);
}

#[test]
fn same_time_messages_leave_in_send_order() {
    let mut network = net(NetworkConfig { latency_min_ms: 2, latency_max_ms: 2, ..NetworkConfig::default() });
    for n in 0..50 {
        network.send(0, A, B, msg(n));
    }
    assert_eq!(drain(&mut network, 2).0, (0..50).collect::<Vec<_>>());
}

#[test]
fn jitter_reorders_messages_across_links_but_never_on_one_link() {
    let mut network =
        net(NetworkConfig { latency_min_ms: 1, latency_max_ms: 50, ..NetworkConfig::default() });
    for n in 0..50 {
        network.send(n, A, B, msg(n));
        network.send(n, C, B, msg(100 + n));
    }
    let (order, _) = drain(&mut network, 1_000);
    assert_eq!(order.len(), 100);
    let from_a: Vec<u64> = order.iter().copied().filter(|&n| n < 100).collect();
    let from_c: Vec<u64> = order.iter().copied().filter(|&n| n >= 100).collect();
    assert_eq!(from_a, (0..50).collect::<Vec<_>>(), "one direction of a link is a TCP connection: in order");
    assert_eq!(from_c, (100..150).collect::<Vec<_>>());
    let interleaved: Vec<u64> = (0..50).flat_map(|n| [n, 100 + n]).collect();
    assert_ne!(order, interleaved, "messages on different links overtake each other");
}

#[test]
fn reorder_rate_lets_later_messages_pass_a_held_one_on_the_same_link() {
    let config = NetworkConfig {
        latency_min_ms: 1,
        latency_max_ms: 1,
        reorder_rate: 0.3,
        reorder_delay_max_ms: 50,
        ..NetworkConfig::default()
    };
    let mut network = net(config);
    for n in 0..50 {
        network.send(n, A, B, msg(n));
    }
    let (order, _) = drain(&mut network, 1_000);
    assert_eq!(order.len(), 50);
    assert_ne!(order, (0..50).collect::<Vec<_>>(), "held messages are overtaken");
}

#[test]
fn cut_drops_both_directions_and_heal_restores() {
    let mut network = net(NetworkConfig::default());
    network.cut(A, B);
    assert_eq!(network.send(0, A, B, msg(1)), SendOutcome::Dropped { id: 1, reason: DropReason::LinkCut });
    assert!(matches!(
        network.send(0, B, A, msg(2)),
        SendOutcome::Dropped { reason: DropReason::LinkCut, .. }
    ));
    assert!(matches!(network.send(0, A, C, msg(3)), SendOutcome::Queued { .. }), "other links unaffected");
    network.heal(B, A);
    assert!(matches!(network.send(0, A, B, msg(4)), SendOutcome::Queued { .. }));
    assert_eq!(drain(&mut network, 100).0, vec![3, 4]);
}

#[test]
fn cut_loses_messages_already_in_flight() {
    let mut network = net(NetworkConfig::default());
    network.send(0, A, B, msg(1));
    network.cut(A, B);
    assert_eq!(drain(&mut network, 100), (vec![], 1));
}

#[test]
fn isolate_cuts_every_link_until_heal_all() {
    let mut network = net(NetworkConfig::default());
    network.isolate(A);
    assert!(network.is_cut(A, B) && network.is_cut(C, A) && !network.is_cut(B, C));
    network.heal(A, B);
    assert!(network.is_cut(A, B), "healing one link does not end an isolation");
    network.cut(B, C);
    network.heal_all();
    assert!(!network.is_partitioned());
    assert!(!network.is_cut(A, B) && !network.is_cut(B, C));
}

#[test]
fn duplicates_appear_at_the_configured_rate() {
    let mut network = net(NetworkConfig { duplicate_rate: 0.5, ..NetworkConfig::default() });
    let mut copies = 0;
    for n in 0..1_000 {
        if let SendOutcome::Queued { duplicate: Some(_), .. } = network.send(0, A, B, msg(n)) {
            copies += 1;
        }
    }
    assert!((400..600).contains(&copies), "{copies} duplicates of 1000 at rate 0.5");
    let (delivered, _) = drain(&mut network, 100);
    assert_eq!(delivered.len(), 1_000 + copies);
}

#[test]
fn drop_rate_loses_messages() {
    let mut network = net(NetworkConfig::default());
    network.set_drop_rate(1.0).unwrap();
    assert!(matches!(network.send(0, A, B, msg(1)), SendOutcome::Dropped { reason: DropReason::Random, .. }));
    network.set_drop_rate(0.0).unwrap();
    assert!(matches!(network.send(0, A, B, msg(2)), SendOutcome::Queued { .. }));
}

#[test]
fn full_queue_is_a_named_drop() {
    let mut network = net(NetworkConfig { max_in_flight_messages: 2, ..NetworkConfig::default() });
    network.send(0, A, B, msg(1));
    network.send(0, A, B, msg(2));
    assert!(matches!(
        network.send(0, A, B, msg(3)),
        SendOutcome::Dropped { reason: DropReason::QueueFull, .. }
    ));
    assert_eq!(network.in_flight(), 2);
}

#[test]
fn bad_settings_are_refused_with_their_name() {
    let mut network = net(NetworkConfig::default());
    assert_eq!(network.set_latency(9, 3), Err(NetworkError::LatencyRange { min_ms: 9, max_ms: 3 }));
    let err = network.set_drop_rate(1.5).unwrap_err();
    assert_eq!(err.to_string(), "drop_rate must be between 0 and 1, got 1.5");
    assert!(network.set_duplicate_rate(f64::NAN).is_err());
    assert!(Network::new(NetworkConfig { reorder_rate: -0.1, ..NetworkConfig::default() }, SimRng::new(1))
        .is_err());
}

#[test]
fn per_link_latency_overrides_the_default() {
    let mut network = net(NetworkConfig::default());
    network.set_link_latency(B, A, 100, 100).unwrap();
    assert!(matches!(network.send(0, A, B, msg(1)), SendOutcome::Queued { deliver_at_ms: 100, .. }));
    network.set_latency(1, 1).unwrap();
    // The other direction: on A → B the second message would wait for the first (TCP order).
    assert!(matches!(network.send(0, B, A, msg(2)), SendOutcome::Queued { deliver_at_ms: 1, .. }));
    assert!(matches!(network.send(0, A, B, msg(3)), SendOutcome::Queued { deliver_at_ms: 100, .. }));
}
