//! Checks a client config edit on the page before it is sent, with samsa-core's own parsers (the
//! same `ProducerConfig::set` / `validate` and `ConsumerConfig::set` the scenario loader and the
//! worker call), so a bad value shows Kafka's `ConfigException` text at once and is never sent.

use samsa_core::client::{ConsumerConfig, ProducerConfig};
use samsa_sim::live::protocol::ConfigEntry;

/// Which kind of client a config belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientKind {
    /// A producer.
    Producer,
    /// A consumer.
    Consumer,
}

impl ClientKind {
    /// Whether samsa-core's config of this kind knows `name` (only those are editable).
    pub fn knows(self, name: &str) -> bool {
        match self {
            ClientKind::Producer => ProducerConfig::NAMES.contains(&name),
            ClientKind::Consumer => ConsumerConfig::NAMES.contains(&name),
        }
    }
}

/// Whether `name = value` is accepted on top of the client's `current` configs: the value must
/// parse, and for a producer the whole set must still pass `KafkaProducer`'s cross-config checks
/// (e.g. `delivery.timeout.ms` ≥ `request.timeout.ms`, KIP-91). The error is Kafka's wording.
pub fn check(kind: ClientKind, current: &[ConfigEntry], name: &str, value: &str) -> Result<(), String> {
    match kind {
        ClientKind::Producer => {
            let mut config = ProducerConfig::default();
            // The current values came from the worker, which built the client from them; names the
            // core does not know (read-only extras in the view) are skipped, not errors. So is
            // `enable.idempotence`: the view shows the value the producer runs with, which cannot tell
            // Kafka's default (quietly off on a conflict) from a `true` the user set (an error on a
            // conflict, KAFKA-13673); replaying it as set would refuse e.g. `acks=1` on a default
            // producer. The worker, which knows, still refuses a conflict with an explicit `true`.
            let replayed = |e: &&ConfigEntry| kind.knows(&e.name) && e.name != "enable.idempotence";
            for entry in current.iter().filter(replayed) {
                let _ = config.set(&entry.name, &entry.value);
            }
            config.set(name, value).map_err(|e| e.to_string())?;
            config.validate().map_err(|e| e.to_string())
        }
        ClientKind::Consumer => {
            let mut config = ConsumerConfig::default();
            config.set(name, value).map_err(|e| e.to_string())
        }
    }
}

/// A produce rate as typed: a whole number of records per second (`0` stops the workload).
pub fn parse_rate(text: &str) -> Result<u32, String> {
    text.trim().parse::<u32>().map_err(|_| {
        format!("Invalid rate {text:?}: a whole number of records per second, 0 to {}", u32::MAX)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, value: &str) -> ConfigEntry {
        ConfigEntry { name: name.into(), value: value.into() }
    }

    #[test]
    fn a_bad_value_gets_kafkas_config_exception_text() {
        let err = check(ClientKind::Producer, &[], "acks", "2").unwrap_err();
        assert!(err.starts_with("Invalid value 2 for configuration acks"), "{err}");
        let err = check(ClientKind::Consumer, &[], "fetch.max.wait.ms", "soon").unwrap_err();
        assert!(err.contains("configuration fetch.max.wait.ms"), "{err}");
        assert!(check(ClientKind::Producer, &[], "acks", "1").is_ok());
        assert!(check(ClientKind::Consumer, &[], "auto.offset.reset", "none").is_ok());
    }

    #[test]
    fn producer_cross_config_rules_see_the_current_values() {
        let current = [
            entry("acks", "all"),
            entry("request.timeout.ms", "30000"),
            entry("delivery.timeout.ms", "120000"),
        ];
        assert!(check(ClientKind::Producer, &current, "delivery.timeout.ms", "40000").is_ok());
        let err = check(ClientKind::Producer, &current, "delivery.timeout.ms", "1000").unwrap_err();
        assert!(err.contains("delivery.timeout.ms should be equal to or larger than"), "{err}");
    }

    #[test]
    fn idempotence_conflicts_show_kafkas_sentence_only_when_idempotence_is_asked_for() {
        // As the view shows a default producer: idempotence on (Kafka's default), acks=all.
        let current =
            [entry("acks", "all"), entry("retries", "2147483647"), entry("enable.idempotence", "true")];
        assert!(
            check(ClientKind::Producer, &current, "acks", "1").is_ok(),
            "the default quietly turns idempotence off for acks=1"
        );
        let with_acks_1 =
            [entry("acks", "1"), entry("retries", "2147483647"), entry("enable.idempotence", "false")];
        let err = check(ClientKind::Producer, &with_acks_1, "enable.idempotence", "true").unwrap_err();
        assert!(err.contains("Must set acks to all in order to use the idempotent producer"), "{err}");
        let err = check(ClientKind::Producer, &current, "max.in.flight.requests.per.connection", "6");
        assert!(err.is_ok(), "a conflicting in-flight turns the default off: {err:?}");
        let err = check(ClientKind::Producer, &[], "enable.idempotence", "maybe").unwrap_err();
        assert!(err.contains("enable.idempotence"), "{err}");
        for (name, value) in [("linger.ms", "10"), ("batch.size", "32768"), ("compression.type", "zstd")] {
            assert!(check(ClientKind::Producer, &current, name, value).is_ok(), "{name}={value}");
        }
        let err = check(ClientKind::Producer, &current, "compression.type", "brotli").unwrap_err();
        assert!(err.contains("compression.type"), "{err}");
    }

    #[test]
    fn unknown_names_are_refused_but_not_editable_anyway() {
        assert!(!ClientKind::Producer.knows("enable.idempotence.typo"));
        assert!(ClientKind::Consumer.knows("auto.offset.reset"));
        let err = check(ClientKind::Producer, &[], "acks.typo", "1").unwrap_err();
        assert!(err.contains("isn't a known config"), "{err}");
    }

    #[test]
    fn rates_are_whole_non_negative_numbers() {
        assert_eq!(parse_rate(" 250 "), Ok(250));
        assert_eq!(parse_rate("0"), Ok(0));
        assert!(parse_rate("-1").is_err());
        assert!(parse_rate("1.5").is_err());
        assert!(parse_rate("").is_err());
    }
}
