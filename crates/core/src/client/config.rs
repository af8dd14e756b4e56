//! What producer and consumer configs share: the error type and Kafka's `ConfigDef` parsers.
//!
//! Errors read like Kafka's `ConfigException` ("Invalid value x for configuration acks: String must be
//! one of: all, -1, 0, 1"), so the playground shows the sentence a Java client would throw.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use core::fmt;

use crate::error::ErrorCode;

/// A client config that could not be set, worded as Kafka's `ConfigException`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClientConfigError {
    /// The name is known, the value is not valid for it.
    InvalidValue {
        /// Kafka's config name, e.g. `acks`.
        name: String,
        /// The rejected value as given.
        value: String,
        /// Kafka's reason, e.g. `Not a number of type INT` or `Value must be at least 1`.
        reason: String,
    },
    /// No config of this client has this name.
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

impl ClientConfigError {
    /// `INVALID_CONFIG`.
    pub fn error_code(&self) -> ErrorCode {
        ErrorCode::InvalidConfig
    }

    pub(crate) fn invalid(name: &str, value: &str, reason: impl Into<String>) -> Self {
        ClientConfigError::InvalidValue {
            name: name.to_owned(),
            value: value.to_owned(),
            reason: reason.into(),
        }
    }
}

impl core::error::Error for ClientConfigError {}

impl fmt::Display for ClientConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientConfigError::InvalidValue { name, value, reason } => {
                write!(f, "Invalid value {value} for configuration {name}: {reason}")
            }
            // Kafka only logs this ("was supplied but isn't a known config"); a typo silently ignored is
            // worse in a playground, so it is an error here.
            ClientConfigError::UnknownName { name } => {
                write!(f, "The configuration '{name}' was supplied but isn't a known config.")
            }
            ClientConfigError::Inconsistent { reason } => f.write_str(reason),
        }
    }
}

/// Kafka's `INT` with `Range.atLeast(min)` (`min >= 0`), as `u32`.
pub(crate) fn parse_int_at_least(name: &str, value: &str, min: u32) -> Result<u32, ClientConfigError> {
    let parsed: i32 = value
        .trim()
        .parse()
        .map_err(|_| ClientConfigError::invalid(name, value, "Not a number of type INT"))?;
    u32::try_from(parsed)
        .ok()
        .filter(|&v| v >= min)
        .ok_or_else(|| ClientConfigError::invalid(name, value, format!("Value must be at least {min}")))
}

/// Kafka's `LONG` with `Range.atLeast(0)`, as `u64`.
pub(crate) fn parse_long_non_negative(name: &str, value: &str) -> Result<u64, ClientConfigError> {
    let parsed: i64 = value
        .trim()
        .parse()
        .map_err(|_| ClientConfigError::invalid(name, value, "Not a number of type LONG"))?;
    u64::try_from(parsed).map_err(|_| ClientConfigError::invalid(name, value, "Value must be at least 0"))
}

/// Kafka's `STRING` with `ValidString.in(allowed)`: the index of the allowed value given.
pub(crate) fn parse_one_of(name: &str, value: &str, allowed: &[&str]) -> Result<usize, ClientConfigError> {
    let trimmed = value.trim();
    allowed.iter().position(|a| *a == trimmed).ok_or_else(|| {
        ClientConfigError::invalid(name, value, format!("String must be one of: {}", allowed.join(", ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn messages_read_like_kafka() {
        let e = parse_int_at_least("max.in.flight.requests.per.connection", "0", 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid value 0 for configuration max.in.flight.requests.per.connection: Value must be at least 1"
        );
        let e = parse_int_at_least("retries", "x", 0).unwrap_err();
        assert_eq!(e.to_string(), "Invalid value x for configuration retries: Not a number of type INT");
        let e = parse_int_at_least("retries", "3000000000", 0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid value 3000000000 for configuration retries: Not a number of type INT"
        );
        let e = parse_long_non_negative("retry.backoff.ms", "-5").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid value -5 for configuration retry.backoff.ms: Value must be at least 0"
        );
        assert_eq!(parse_one_of("acks", " all ", &["all", "-1", "0", "1"]), Ok(0));
        assert_eq!(parse_long_non_negative("x", " 7 "), Ok(7));
    }
}
