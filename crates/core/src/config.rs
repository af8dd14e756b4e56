//! What every config set shares (topic, producer, consumer, and the simulator's broker configs): the
//! error and Kafka's `ConfigDef` parsers for `INT`, `LONG`, `BOOLEAN`, `STRING` with `ValidString.in`
//! and `LIST` with `ValidList.in`.
//!
//! Errors read like Kafka's `ConfigException` ("Invalid value x for configuration acks: String must be
//! one of: all, -1, 0, 1"), so the playground and scenario files show the sentence Kafka would.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::error::ErrorCode;

/// A config that could not be set, worded as Kafka words it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ConfigError {
    /// The name is known, the value is not valid for it (Kafka's `ConfigException(name, value, message)`).
    InvalidValue {
        /// Kafka's config name, e.g. `segment.bytes` or `acks`.
        name: String,
        /// The rejected value as given.
        value: String,
        /// Kafka's reason, e.g. `Not a number of type INT` or `Value must be at least 14`.
        reason: String,
    },
    /// No topic config has this name: the broker's answer to `AlterConfigs` / `CreateTopics`
    /// (`LogConfig.validateNames`).
    UnknownTopicConfig {
        /// The name given.
        name: String,
    },
    /// A client (or broker) config set holds a name its `ConfigDef` does not know.
    UnknownName {
        /// The name given.
        name: String,
    },
    /// Two settings contradict each other (Kafka checks these when the client is built).
    Inconsistent {
        /// Kafka's message.
        reason: String,
    },
}

impl ConfigError {
    /// `INVALID_CONFIG`, as Kafka's `AlterConfigs` / `CreateTopics` answer.
    pub fn error_code(&self) -> ErrorCode {
        ErrorCode::InvalidConfig
    }

    /// An [`ConfigError::InvalidValue`] for `value` of `name`.
    pub(crate) fn invalid(name: &str, value: &str, reason: impl Into<String>) -> Self {
        ConfigError::InvalidValue { name: name.to_owned(), value: value.to_owned(), reason: reason.into() }
    }
}

impl core::error::Error for ConfigError {}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::InvalidValue { name, value, reason } => {
                write!(f, "Invalid value {value} for configuration {name}: {reason}")
            }
            ConfigError::UnknownTopicConfig { name } => write!(f, "Unknown topic config name: {name}"),
            // Kafka's `AbstractConfig.logUnused` only logs this; a typo silently ignored is worse in a
            // playground or a scenario file, so it is an error here.
            ConfigError::UnknownName { name } => {
                write!(f, "The configuration '{name}' was supplied but isn't a known config.")
            }
            ConfigError::Inconsistent { reason } => f.write_str(reason),
        }
    }
}

/// Kafka's `INT`: trimmed, a 32-bit signed integer.
pub fn parse_int(name: &str, value: &str) -> Result<i32, ConfigError> {
    value.trim().parse().map_err(|_| ConfigError::invalid(name, value, "Not a number of type INT"))
}

/// Kafka's `LONG`: trimmed, a 64-bit signed integer.
pub fn parse_long(name: &str, value: &str) -> Result<i64, ConfigError> {
    value.trim().parse().map_err(|_| ConfigError::invalid(name, value, "Not a number of type LONG"))
}

/// Kafka's `Range.atLeast(min)` validator on an already parsed `value`.
pub fn at_least(name: &str, value: &str, parsed: i64, min: i64) -> Result<(), ConfigError> {
    if parsed < min {
        return Err(ConfigError::invalid(name, value, format!("Value must be at least {min}")));
    }
    Ok(())
}

/// Kafka's `INT` with `Range.atLeast(min)`; `min >= 0`, so the result is a `u32`.
pub fn parse_int_at_least(name: &str, value: &str, min: u32) -> Result<u32, ConfigError> {
    unsigned_at_least(name, value, parse_int(name, value)?.into(), min)
}

/// Kafka's `LONG` with `Range.atLeast(min)`; `min >= 0`, so the result is a `u64`.
pub fn parse_long_at_least(name: &str, value: &str, min: u64) -> Result<u64, ConfigError> {
    unsigned_at_least(name, value, parse_long(name, value)?, min)
}

/// `Range.atLeast(min)` for an unsigned `min`, giving `parsed` as `min`'s type.
fn unsigned_at_least<T>(name: &str, value: &str, parsed: i64, min: T) -> Result<T, ConfigError>
where
    T: TryFrom<i64> + PartialOrd + fmt::Display,
{
    // Converting before comparing rejects negatives with the same atLeast message, without an unwrap.
    T::try_from(parsed)
        .ok()
        .filter(|v| *v >= min)
        .ok_or_else(|| ConfigError::invalid(name, value, format!("Value must be at least {min}")))
}

/// Kafka's `BOOLEAN`: trimmed `true` or `false`, ignoring case.
pub fn parse_bool(name: &str, value: &str) -> Result<bool, ConfigError> {
    let trimmed = value.trim();
    if trimmed.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if trimmed.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(ConfigError::invalid(name, value, "Expected value to be either true or false"))
    }
}

/// Kafka's `STRING` with `ValidString.in(allowed)`: the index in `allowed` of the trimmed value.
pub fn parse_one_of(name: &str, value: &str, allowed: &[&str]) -> Result<usize, ConfigError> {
    let trimmed = value.trim();
    allowed.iter().position(|a| *a == trimmed).ok_or_else(|| not_one_of(name, value, allowed))
}

/// Kafka's `LIST` with `ValidList.in(allowed)`: the list splits on commas with surrounding whitespace
/// and every element must be allowed; the result holds each element's index in `allowed`, in order.
/// The error names the first element refused, not the whole list, as Kafka's does.
pub fn parse_list_in(name: &str, value: &str, allowed: &[&str]) -> Result<Vec<usize>, ConfigError> {
    value
        .trim()
        .split(',')
        .map(str::trim)
        .map(|item| allowed.iter().position(|a| *a == item).ok_or_else(|| not_one_of(name, item, allowed)))
        .collect()
}

fn not_one_of(name: &str, value: &str, allowed: &[&str]) -> ConfigError {
    ConfigError::invalid(name, value, format!("String must be one of: {}", allowed.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn message<T: fmt::Debug>(result: Result<T, ConfigError>) -> String {
        result.unwrap_err().to_string()
    }

    #[test]
    fn numbers_read_like_kafka() {
        assert_eq!(parse_int("x", " -3 "), Ok(-3));
        assert_eq!(parse_long("x", "9000000000"), Ok(9_000_000_000));
        assert_eq!(parse_int_at_least("x", " 7 ", 7), Ok(7));
        assert_eq!(parse_long_at_least("x", " 7 ", 0), Ok(7));
        assert_eq!(at_least("retention.ms", "-1", -1, -1), Ok(()));
        let cases = [
            (
                message(parse_int_at_least("max.in.flight.requests.per.connection", "0", 1)),
                "Invalid value 0 for configuration max.in.flight.requests.per.connection: Value must be at least 1",
            ),
            (
                message(parse_int_at_least("retries", "x", 0)),
                "Invalid value x for configuration retries: Not a number of type INT",
            ),
            (
                message(parse_int_at_least("retries", "3000000000", 0)),
                "Invalid value 3000000000 for configuration retries: Not a number of type INT",
            ),
            (
                message(parse_long_at_least("retry.backoff.ms", "-5", 0)),
                "Invalid value -5 for configuration retry.backoff.ms: Value must be at least 0",
            ),
            (
                message(parse_long("retention.bytes", "1.5")),
                "Invalid value 1.5 for configuration retention.bytes: Not a number of type LONG",
            ),
            (
                message(at_least("retention.ms", "-2", -2, -1)),
                "Invalid value -2 for configuration retention.ms: Value must be at least -1",
            ),
        ];
        for (actual, expected) in cases {
            assert_eq!(actual, expected);
        }
    }

    #[test]
    fn booleans_ignore_case_and_whitespace() {
        assert_eq!(parse_bool("x", " TRUE "), Ok(true));
        assert_eq!(parse_bool("x", "False"), Ok(false));
        assert_eq!(
            message(parse_bool("unclean.leader.election.enable", "yes")),
            "Invalid value yes for configuration unclean.leader.election.enable: Expected value to be \
             either true or false"
        );
    }

    #[test]
    fn strings_and_lists_name_the_allowed_values() {
        assert_eq!(parse_one_of("acks", " all ", &["all", "-1", "0", "1"]), Ok(0));
        assert_eq!(
            message(parse_one_of("acks", "2", &["all", "-1", "0", "1"])),
            "Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1"
        );
        let policies = &["compact", "delete"];
        assert_eq!(parse_list_in("cleanup.policy", " delete , compact ", policies), Ok(vec![1, 0]));
        assert_eq!(
            message(parse_list_in("cleanup.policy", "compact,remove", policies)),
            "Invalid value remove for configuration cleanup.policy: String must be one of: compact, delete"
        );
    }

    #[test]
    fn names_and_inconsistencies_read_like_kafka() {
        let unknown_topic = ConfigError::UnknownTopicConfig { name: "foo".into() };
        assert_eq!(unknown_topic.to_string(), "Unknown topic config name: foo");
        let unknown = ConfigError::UnknownName { name: "linger.msec".into() };
        assert_eq!(
            unknown.to_string(),
            "The configuration 'linger.msec' was supplied but isn't a known config."
        );
        let inconsistent = ConfigError::Inconsistent { reason: "a < b".into() };
        assert_eq!(inconsistent.to_string(), "a < b");
        assert_eq!(inconsistent.error_code(), ErrorCode::InvalidConfig);
    }
}
