//! `subscribe(Pattern)`: the subset of Java regular expressions topic patterns use in practice —
//! literal characters, `.` (any character), `\` escapes (`\.`), and `*` / `+` / `?` after any of
//! them — matched against the whole topic name, as Kafka's `Pattern.matcher(topic).matches()` does.
//! Anything else (classes, groups, alternation) is refused with a clear error rather than
//! misunderstood.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Most atoms a pattern may have (a bound on matching work).
const MAX_ATOMS: usize = 249;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Atom {
    Any,
    Char(char),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Repeat {
    One,
    ZeroOrMore,
    OneOrMore,
    ZeroOrOne,
}

/// A parsed topic pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicPattern {
    source: String,
    atoms: Vec<(Atom, Repeat)>,
}

impl TopicPattern {
    /// Parses `pattern`; the error says what is not supported.
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let mut atoms: Vec<(Atom, Repeat)> = Vec::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            let atom = match c {
                '.' => Atom::Any,
                '\\' => Atom::Char(chars.next().ok_or("the pattern ends with a lone backslash")?),
                '*' | '+' | '?' => {
                    let Some(last) = atoms.last_mut().filter(|(_, r)| *r == Repeat::One) else {
                        return Err(alloc::format!("'{c}' must follow a character or '.'"));
                    };
                    last.1 = match c {
                        '*' => Repeat::ZeroOrMore,
                        '+' => Repeat::OneOrMore,
                        _ => Repeat::ZeroOrOne,
                    };
                    continue;
                }
                '[' | ']' | '(' | ')' | '{' | '}' | '|' | '^' | '$' => {
                    return Err(alloc::format!(
                        "'{c}' is not supported (use literal characters, '.', '\\', '*', '+', '?')"
                    ))
                }
                other => Atom::Char(other),
            };
            atoms.push((atom, Repeat::One));
            if atoms.len() > MAX_ATOMS {
                return Err("the pattern is too long".to_string());
            }
        }
        Ok(TopicPattern { source: pattern.to_string(), atoms })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the whole of `topic` matches.
    pub fn matches(&self, topic: &str) -> bool {
        let chars: Vec<char> = topic.chars().collect();
        // Dynamic programming over (atom, position): O(atoms × length), no backtracking blow-up.
        let mut reachable = alloc::vec![false; chars.len() + 1];
        reachable[0] = true;
        for &(atom, repeat) in &self.atoms {
            let fits = |c: char| match atom {
                Atom::Any => true,
                Atom::Char(want) => c == want,
            };
            let mut next = alloc::vec![false; chars.len() + 1];
            for i in 0..=chars.len() {
                if !reachable[i] {
                    continue;
                }
                match repeat {
                    Repeat::One => {
                        if chars.get(i).is_some_and(|&c| fits(c)) {
                            next[i + 1] = true;
                        }
                    }
                    Repeat::ZeroOrOne => {
                        next[i] = true;
                        if chars.get(i).is_some_and(|&c| fits(c)) {
                            next[i + 1] = true;
                        }
                    }
                    Repeat::ZeroOrMore | Repeat::OneOrMore => {
                        if repeat == Repeat::ZeroOrMore {
                            next[i] = true;
                        }
                        let mut j = i;
                        while chars.get(j).is_some_and(|&c| fits(c)) {
                            j += 1;
                            next[j] = true;
                        }
                    }
                }
            }
            reachable = next;
        }
        reachable[chars.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_names() {
        let p = TopicPattern::parse("orders\\..*").unwrap();
        assert!(p.matches("orders.eu"));
        assert!(p.matches("orders."));
        assert!(!p.matches("orders"));
        assert!(!p.matches("xorders.eu"));
        let p = TopicPattern::parse("logs-.+-v?2").unwrap();
        assert!(p.matches("logs-app-2"));
        assert!(p.matches("logs-app-v2"));
        assert!(!p.matches("logs--2"));
        assert!(TopicPattern::parse("a|b").is_err());
        assert!(TopicPattern::parse("*a").is_err());
        assert!(TopicPattern::parse("a\\").is_err());
    }
}
