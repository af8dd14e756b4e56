//! The scenario files of `scenarios/`, embedded in the page by `build.rs` (every `.toml` there, by
//! file stem), and the choice the URL makes with `?scenario=<name>&seed=<n>`.

include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));

/// The scenario the page starts with: the playground's lesson.
pub const DEFAULT_SCENARIO: &str = "playground";

/// An embedded scenario's text by name.
pub fn find(name: &str) -> Option<&'static str> {
    EMBEDDED_SCENARIOS.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// The default scenario's name and text (the first embedded one if `playground` is missing).
pub fn default_scenario() -> (&'static str, &'static str) {
    find(DEFAULT_SCENARIO)
        .map(|text| (DEFAULT_SCENARIO, text))
        .or_else(|| EMBEDDED_SCENARIOS.first().copied())
        .unwrap_or(("none", ""))
}

/// An embedded scenario's one-line summary: its file's first line when that is a `# ` comment (every
/// file in `scenarios/` opens with one), so the picker can say what a name means before it loads.
pub fn summary(name: &str) -> Option<&'static str> {
    find(name)?.lines().next()?.strip_prefix("# ").map(str::trim)
}

/// What the page loads first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Start {
    /// The scenario's name.
    pub name: &'static str,
    /// Its text.
    pub toml: &'static str,
    /// The seed, or `None` for the file's.
    pub seed: Option<u64>,
    /// What was wrong with the URL, to show beside the picker (the default still loads).
    pub error: Option<String>,
}

/// The start the URL's `scenario` and `seed` parameters ask for; an unknown name or a bad seed is
/// reported and the default is used instead.
pub fn resolve_start(scenario: Option<&str>, seed: Option<&str>) -> Start {
    let (default_name, default_toml) = default_scenario();
    let mut errors = Vec::new();
    let (name, toml) = match scenario.filter(|s| !s.is_empty()) {
        None => (default_name, default_toml),
        Some(wanted) => match EMBEDDED_SCENARIOS.iter().find(|(n, _)| *n == wanted) {
            Some(&(name, toml)) => (name, toml),
            None => {
                let known: Vec<&str> = EMBEDDED_SCENARIOS.iter().map(|(n, _)| *n).collect();
                errors.push(format!(
                    "scenario: no scenario named `{wanted}` (known: {}); loaded `{default_name}` instead",
                    known.join(", ")
                ));
                (default_name, default_toml)
            }
        },
    };
    let seed = match seed.filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => match parse_seed(text) {
            Ok(seed) => Some(seed),
            Err(e) => {
                errors.push(e);
                None
            }
        },
    };
    Start { name, toml, seed, error: (!errors.is_empty()).then(|| errors.join("; ")) }
}

/// A seed as typed: a non-negative integer that fits in 64 bits.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim().parse::<u64>().map_err(|_| format!("seed: `{text}` is not a number from 0 to {}", u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_scenarios_is_embedded_under_its_stem() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = EMBEDDED_SCENARIOS.iter().map(|(n, _)| *n).collect();
        assert_eq!(embedded, on_disk);
        assert!(EMBEDDED_SCENARIOS.iter().all(|(_, text)| !text.is_empty()));
    }

    #[test]
    fn every_embedded_scenario_has_a_summary_line_for_the_picker() {
        for (name, _) in EMBEDDED_SCENARIOS {
            let line = summary(name).unwrap_or_default();
            assert!(line.len() > 10, "scenarios/{name}.toml opens with a `# ` summary line: {line:?}");
        }
        assert_eq!(summary("no-such-scenario"), None);
    }

    #[test]
    fn the_url_picks_a_scenario_and_seed_and_reports_what_it_cannot_use() {
        let (first, _) = EMBEDDED_SCENARIOS[0];
        let chosen = resolve_start(Some(first), Some("42"));
        assert_eq!((chosen.name, chosen.seed, chosen.error), (first, Some(42), None));

        let plain = resolve_start(None, None);
        assert_eq!(plain.name, default_scenario().0);
        assert_eq!(plain.error, None);

        let unknown = resolve_start(Some("no-such-scenario"), Some("x1"));
        assert_eq!(unknown.name, default_scenario().0);
        assert_eq!(unknown.seed, None);
        let error = unknown.error.unwrap();
        assert!(error.contains("no scenario named `no-such-scenario`"), "{error}");
        assert!(error.contains("seed: `x1` is not a number"), "{error}");
    }
}
