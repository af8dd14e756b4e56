//! Topic names: Kafka's rules (`org.apache.kafka.common.internals.Topic`) and the metric-name caveat.
//!
//! A name is valid when it is not empty, not `.` or `..` (they would be directory names on the broker's
//! disk, where a partition lives in `<topic>-<partition>`), at most [`MAX_TOPIC_NAME_LENGTH`] characters
//! (a file name limit of 255 minus room for the partition suffix) and made only of ASCII alphanumerics,
//! `.`, `_` and `-`. A broker refuses anything else with `INVALID_TOPIC_EXCEPTION`.

use alloc::string::String;
use core::fmt;

use crate::error::ErrorCode;

/// Kafka's `Topic.MAX_NAME_LENGTH`.
pub const MAX_TOPIC_NAME_LENGTH: usize = 249;

/// Why a topic name is invalid. `Display` gives Kafka's `InvalidTopicException` message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TopicNameError {
    /// The name is the empty string.
    Empty,
    /// The name is `.`.
    Dot,
    /// The name is `..`.
    DotDot,
    /// The name is longer than [`MAX_TOPIC_NAME_LENGTH`].
    TooLong {
        /// The name as given.
        name: String,
        /// Its length as Java's `String.length()` counts it (UTF-16 units), which is what Kafka compares.
        length: usize,
    },
    /// The name has a character other than ASCII alphanumerics, `.`, `_` and `-`.
    InvalidCharacter {
        /// The name as given.
        name: String,
        /// The first offending character, so a UI can point at it.
        character: char,
    },
}

/// Checks `name` against Kafka's `Topic.validate`, in Kafka's order (so the same name gets the same
/// message as from a Java broker).
pub fn validate_topic_name(name: &str) -> Result<(), TopicNameError> {
    match name {
        "" => return Err(TopicNameError::Empty),
        "." => return Err(TopicNameError::Dot),
        ".." => return Err(TopicNameError::DotDot),
        _ => {}
    }
    // Java counts UTF-16 units. Any name with a non-ASCII character is invalid anyway, but which error a
    // long non-ASCII name gets depends on counting the way Kafka does.
    let length = name.encode_utf16().count();
    if length > MAX_TOPIC_NAME_LENGTH {
        return Err(TopicNameError::TooLong { name: String::from(name), length });
    }
    if let Some(character) = name.chars().find(|&c| !is_legal_char(c)) {
        return Err(TopicNameError::InvalidCharacter { name: String::from(name), character });
    }
    Ok(())
}

/// Kafka's `Topic.LEGAL_CHARS`: `[a-zA-Z0-9._-]`.
fn is_legal_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// Kafka's `Topic.hasCollisionChars`: the name has `.` or `_`.
///
/// Kafka's metric names replace `.` with `_`, so `a.b` and `a_b` would report into the same metrics;
/// `kafka-topics.sh` warns about such names and a broker refuses to create one that collides with an
/// existing topic (see [`topics_collide`]).
pub fn has_collision_chars(name: &str) -> bool {
    name.contains(['.', '_'])
}

/// Kafka's `Topic.hasCollision`: the names are equal once every `.` is read as `_`.
pub fn topics_collide(a: &str, b: &str) -> bool {
    let unify = |c: char| if c == '.' { '_' } else { c };
    a.len() == b.len() && a.chars().map(unify).eq(b.chars().map(unify))
}

impl TopicNameError {
    /// The Kafka error a broker answers with: `INVALID_TOPIC_EXCEPTION`.
    pub fn error_code(&self) -> ErrorCode {
        ErrorCode::InvalidTopicException
    }
}

impl fmt::Display for TopicNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Kafka: `logPrefix + " is invalid: " + reason` with logPrefix "Topic name".
        f.write_str("Topic name is invalid: ")?;
        match self {
            TopicNameError::Empty => f.write_str("the empty string is not allowed"),
            TopicNameError::Dot => f.write_str("'.' is not allowed"),
            TopicNameError::DotDot => f.write_str("'..' is not allowed"),
            TopicNameError::TooLong { name, .. } => {
                write!(
                    f,
                    "the length of '{name}' is longer than the max allowed length {MAX_TOPIC_NAME_LENGTH}"
                )
            }
            TopicNameError::InvalidCharacter { name, .. } => write!(
                f,
                "'{name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"
            ),
        }
    }
}

impl core::error::Error for TopicNameError {}

#[cfg(test)]
mod tests {
    use alloc::format;
    use alloc::string::{String, ToString};

    use super::*;

    #[test]
    fn valid_names() {
        let longest: String = "a".repeat(MAX_TOPIC_NAME_LENGTH);
        for name in
            ["orders", "Orders-2024", "a.b_c-d", "__consumer_offsets", "...", "-", "0", longest.as_str()]
        {
            assert_eq!(validate_topic_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn empty_and_dots() {
        assert_eq!(validate_topic_name(""), Err(TopicNameError::Empty));
        assert_eq!(validate_topic_name("."), Err(TopicNameError::Dot));
        assert_eq!(validate_topic_name(".."), Err(TopicNameError::DotDot));
        assert_eq!(
            TopicNameError::Empty.to_string(),
            "Topic name is invalid: the empty string is not allowed"
        );
        assert_eq!(TopicNameError::Dot.to_string(), "Topic name is invalid: '.' is not allowed");
        assert_eq!(TopicNameError::DotDot.to_string(), "Topic name is invalid: '..' is not allowed");
    }

    #[test]
    fn too_long() {
        let name = "x".repeat(MAX_TOPIC_NAME_LENGTH + 1);
        let err = validate_topic_name(&name).unwrap_err();
        assert_eq!(err, TopicNameError::TooLong { name: name.clone(), length: 250 });
        assert_eq!(
            err.to_string(),
            format!(
                "Topic name is invalid: the length of '{name}' is longer than the max allowed length 249"
            )
        );
        assert_eq!(err.error_code(), ErrorCode::InvalidTopicException);
    }

    #[test]
    fn length_counts_utf16_units_like_java() {
        // 125 two-byte characters: 250 bytes but 125 UTF-16 units, so Kafka reports the character.
        let name = "é".repeat(125);
        assert!(matches!(
            validate_topic_name(&name),
            Err(TopicNameError::InvalidCharacter { character: 'é', .. })
        ));
        // 125 astral characters are 250 UTF-16 units: too long before their characters are looked at.
        let name = "😀".repeat(125);
        assert!(matches!(validate_topic_name(&name), Err(TopicNameError::TooLong { length: 250, .. })));
    }

    #[test]
    fn invalid_characters() {
        for (name, bad) in
            [("my topic", ' '), ("a/b", '/'), ("tab\t", '\t'), ("ü", 'ü'), ("a:b", ':'), ("a+b", '+')]
        {
            let err = validate_topic_name(name).unwrap_err();
            assert_eq!(err, TopicNameError::InvalidCharacter { name: name.to_string(), character: bad });
            assert_eq!(err.error_code(), ErrorCode::InvalidTopicException);
        }
        assert_eq!(
            validate_topic_name("my topic").unwrap_err().to_string(),
            "Topic name is invalid: 'my topic' contains one or more characters other than ASCII alphanumerics, \
             '.', '_' and '-'"
        );
    }

    #[test]
    fn collision_chars() {
        assert!(has_collision_chars("a.b"));
        assert!(has_collision_chars("a_b"));
        assert!(!has_collision_chars("a-b"));
        assert!(topics_collide("metrics.raw", "metrics_raw"));
        assert!(topics_collide("a_b.c", "a.b_c"));
        assert!(!topics_collide("a.b", "a-b"));
        assert!(!topics_collide("a.b", "a.bc"));
    }
}
