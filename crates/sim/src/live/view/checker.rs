//! The checker panel: live counts and the violations so far, each with the moment it happened.

use crate::checker::{At, Violation, ViolationKind};
use crate::live::observe::describe::tp_name;
use crate::live::observe::Observers;
use crate::live::protocol::{CheckerView, ViolationView, MAX_VIEW_VIOLATIONS};

use super::counts::{lost_detail, CountsCache, LastCounts};

fn violation_view(violation: &Violation) -> ViolationView {
    let detail = match &violation.cause {
        Some(cause) => format!("{}; cause: {cause}", violation.detail),
        None => violation.detail.clone(),
    };
    ViolationView {
        kind: violation.kind.name().to_owned(),
        step: violation.at.step,
        t_ms: violation.at.t_ms,
        detail,
    }
}

/// The checker view and its counts, from the streaming checker and the live counts in `cache` (as
/// refreshed for this moment); `now` is when duplicates of records never acked are dated.
pub(crate) fn checker_view(observers: &Observers, cache: &CountsCache, now: At) -> (CheckerView, LastCounts) {
    let checker = observers.checker();
    let report = checker.report_so_far();
    let mut violations: Vec<ViolationView> = checker.violations_so_far().iter().map(violation_view).collect();
    // Producer order is confirmed only for records not lost (a lost record's offset is reused), as the
    // end-of-run checker decides it.
    let mut producer_order = 0;
    for (earlier, later, violation) in checker.producer_order_suspects() {
        if !cache.is_lost(earlier) && !cache.is_lost(later) {
            producer_order += 1;
            violations.push(violation_view(violation));
        }
    }
    for (tp, leader, record_id, lost) in cache.lost() {
        let ack = checker.ack_of(record_id);
        let at = ack.map_or(now, |(_, _, at)| at);
        violations.push(ViolationView {
            kind: ViolationKind::AckedWriteLost.name().to_owned(),
            step: at.step,
            t_ms: at.t_ms,
            detail: lost_detail(tp, leader, record_id, lost, ack.map(|(client, _, _)| client)),
        });
    }
    for (tp, duplicate) in cache.duplicates() {
        let at = checker.ack_of(duplicate.record_id).map_or(now, |(_, _, at)| at);
        violations.push(ViolationView {
            kind: ViolationKind::Duplicate.name().to_owned(),
            step: at.step,
            t_ms: at.t_ms,
            detail: format!(
                "record {} is in the committed log of {} twice (offsets {} and {})",
                duplicate.record_id,
                tp_name(tp),
                duplicate.first_offset,
                duplicate.offset
            ),
        });
    }
    // A stable sort: same-step violations keep the order above, so the list is the same every time.
    violations.sort_by_key(|v| (v.step, v.t_ms));
    violations.truncate(MAX_VIEW_VIOLATIONS);
    let counts = LastCounts {
        lost: cache.lost_count(),
        duplicated: cache.duplicated_count(),
        out_of_order: report.count_of(ViolationKind::ConsumerOrder) + producer_order,
    };
    let view = CheckerView {
        records_sent: report.records_sent,
        records_acked: checker.records_acked(),
        lost: counts.lost,
        duplicated: counts.duplicated,
        out_of_order: counts.out_of_order,
        reordered: cache.reordered_count(),
        acked_without_offset: report.records_acked_without_offset,
        records_consumed: report.records_consumed,
        violations,
    };
    (view, counts)
}
