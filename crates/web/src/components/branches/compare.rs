//! What differs between branches, for the side-by-side comparison: a count is highlighted when the
//! branches do not all agree on it.

use samsa_sim::live::protocol::{BranchCounts, BranchView};

/// The counts a branch card shows, in order: test id suffix, label, value.
pub fn counts(c: &BranchCounts) -> [(&'static str, &'static str, u64); 5] {
    [
        ("acked", "acked", c.acked),
        ("lost", "lost", c.lost),
        ("duplicated", "duplicated", c.duplicated),
        ("out-of-order", "out of order", c.out_of_order),
        ("failed", "failed", c.failed),
    ]
}

/// For each of [`counts`]' entries, whether the branches disagree on it.
pub fn differing(branches: &[BranchView]) -> [bool; 5] {
    let mut differs = [false; 5];
    let Some(first) = branches.first() else { return differs };
    let reference = counts(&first.checker);
    for branch in &branches[1..] {
        for (i, (_, _, value)) in counts(&branch.checker).iter().enumerate() {
            differs[i] |= *value != reference[i].2;
        }
    }
    differs
}

/// `forked from A at 12.345 s`, or `the original run`.
pub fn origin(branch: &BranchView, branches: &[BranchView]) -> String {
    match branch.forked_from {
        None => "the original run".to_owned(),
        Some((parent, t_ms)) => {
            let label = branches
                .iter()
                .find(|b| b.id == parent)
                .map_or_else(|| format!("#{parent}"), |b| b.label.clone());
            format!("forked from {label} at {}", super::super::format::seconds_ms(t_ms))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn branch(id: u32, label: &str, forked_from: Option<(u32, u64)>, acked: u64, lost: u64) -> BranchView {
        BranchView {
            id,
            label: label.into(),
            forked_from,
            furthest_ms: 10_000,
            actions: vec![],
            checker: BranchCounts { acked, lost, duplicated: 0, out_of_order: 0, failed: 3 },
        }
    }

    #[test]
    fn only_counts_that_differ_are_highlighted() {
        let branches = [branch(0, "A", None, 100, 0), branch(1, "B", Some((0, 4_200)), 90, 7)];
        assert_eq!(differing(&branches), [true, true, false, false, false]);
        assert_eq!(differing(&branches[..1]), [false; 5], "one branch has nothing to differ from");
        assert_eq!(differing(&[]), [false; 5]);
    }

    #[test]
    fn a_fork_names_its_parent_and_moment() {
        let branches = [branch(0, "A", None, 1, 0), branch(1, "B", Some((0, 4_200)), 1, 0)];
        assert_eq!(origin(&branches[0], &branches), "the original run");
        assert_eq!(origin(&branches[1], &branches), "forked from A at 4.200 s");
        let orphan = branch(2, "C", Some((9, 0)), 1, 0);
        assert_eq!(origin(&orphan, &branches), "forked from #9 at 0.000 s");
    }
}
