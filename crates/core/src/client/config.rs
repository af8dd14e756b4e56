//! The error producer and consumer configs return: [`crate::config::ConfigError`], under the name the
//! clients have always used. Their parsers (Kafka's `ConfigDef` types) are in [`crate::config`] too,
//! shared with the topic configs, so a client and a topic word the same mistake the same way.

pub use crate::config::ConfigError as ClientConfigError;
