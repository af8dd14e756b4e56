//! The maths of a line chart: nice axis ends and ticks, and values to SVG coordinates. Pure, so it
//! is tested natively; the component only turns the results into elements.

/// The chart's drawing box in SVG user units (the `viewBox`), with room for the axis labels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    /// Total width.
    pub width: f64,
    /// Total height.
    pub height: f64,
    /// Room left of the plot (y labels).
    pub left: f64,
    /// Room right of the plot.
    pub right: f64,
    /// Room above the plot.
    pub top: f64,
    /// Room below the plot (x labels).
    pub bottom: f64,
}

/// The frame every chart uses.
pub const FRAME: Frame =
    Frame { width: 560.0, height: 200.0, left: 52.0, right: 12.0, top: 24.0, bottom: 34.0 };

impl Frame {
    /// The plot's bottom edge (y of the value 0).
    pub fn plot_bottom(&self) -> f64 {
        self.height - self.bottom
    }

    /// The plot's right edge.
    pub fn plot_right(&self) -> f64 {
        self.width - self.right
    }

    /// The y of `value` on an axis from 0 to `top` (values outside are clamped to the plot).
    pub fn y(&self, value: i64, top: i64) -> f64 {
        let fraction = value.clamp(0, top.max(1)) as f64 / top.max(1) as f64;
        self.plot_bottom() - fraction * (self.plot_bottom() - self.top)
    }

    /// The x of moment `t_ms` on an axis from `t0_ms` to `t1_ms`.
    pub fn x(&self, t_ms: f64, t0_ms: f64, t1_ms: f64) -> f64 {
        let span = (t1_ms - t0_ms).max(1.0);
        let fraction = ((t_ms - t0_ms) / span).clamp(0.0, 1.0);
        self.left + fraction * (self.plot_right() - self.left)
    }
}

/// The smallest 1, 2 or 5 × 10ⁿ at least `value` (at least 1), so axis labels are round numbers.
pub fn nice_ceiling(value: i64) -> i64 {
    let mut power = 1_i64;
    loop {
        for step in [1_i64, 2, 5] {
            let candidate = step.saturating_mul(power);
            if candidate >= value || candidate == i64::MAX {
                return candidate;
            }
        }
        power = power.saturating_mul(10);
    }
}

/// The y axis ticks from 0 to `top` (a [`nice_ceiling`]): four or five steps of a round size.
pub fn y_ticks(top: i64) -> Vec<i64> {
    let top = top.max(1);
    let leading_two = top / 10_i64.pow(top.ilog10()) == 2;
    let step = (top / if leading_two { 4 } else { 5 }).max(1);
    (0..=top / step).map(|i| i * step).collect()
}

/// Time axis ticks over `[t0_ms, t1_ms]`: about five, at multiples of a round number of
/// milliseconds, each with its x and a label in seconds.
pub fn time_ticks(frame: &Frame, t0_ms: u64, t1_ms: u64) -> Vec<(f64, String)> {
    let span_ms = t1_ms.saturating_sub(t0_ms).max(1);
    let step_ms =
        u64::try_from(nice_ceiling(i64::try_from(span_ms / 5).unwrap_or(i64::MAX))).unwrap_or(u64::MAX);
    let first = t0_ms.div_ceil(step_ms).saturating_mul(step_ms);
    (0..)
        .map(|i: u64| first.saturating_add(i.saturating_mul(step_ms)))
        .take_while(|&t| t <= t1_ms)
        .take(12)
        .map(|t| (frame.x(t as f64, t0_ms as f64, t1_ms as f64), seconds_label(t)))
        .collect()
}

/// `12_500` → `"12.5 s"`, `3_000` → `"3 s"`.
fn seconds_label(t_ms: u64) -> String {
    if t_ms % 1000 == 0 {
        format!("{} s", t_ms / 1000)
    } else if t_ms % 100 == 0 {
        format!("{}.{} s", t_ms / 1000, (t_ms % 1000) / 100)
    } else {
        format!("{}.{:03} s", t_ms / 1000, t_ms % 1000)
    }
}

/// An SVG `points` attribute for values one per bucket (bucket `i` drawn at its middle), on a y
/// axis from 0 to `top`.
pub fn polyline(
    frame: &Frame,
    values: &[i64],
    top: i64,
    start_ms: u64,
    bucket_ms: u64,
    buckets: usize,
) -> String {
    let t0 = start_ms as f64;
    let t1 = t0 + (buckets as f64) * bucket_ms as f64;
    let mut points = String::with_capacity(values.len() * 12);
    for (i, &v) in values.iter().enumerate() {
        let t = t0 + (i as f64 + 0.5) * bucket_ms as f64;
        if !points.is_empty() {
            points.push(' ');
        }
        points.push_str(&format!("{:.1},{:.1}", frame.x(t, t0, t1), frame.y(v, top)));
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_ends_are_round_numbers() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(1), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(11), 20);
        assert_eq!(nice_ceiling(999), 1000);
        assert_eq!(nice_ceiling(1001), 2000);
        assert_eq!(nice_ceiling(4_200), 5_000);
    }

    #[test]
    fn ticks_split_the_axis_evenly() {
        assert_eq!(y_ticks(1), [0, 1]);
        assert_eq!(y_ticks(2), [0, 1, 2]);
        assert_eq!(y_ticks(5), [0, 1, 2, 3, 4, 5]);
        assert_eq!(y_ticks(20), [0, 5, 10, 15, 20]);
        assert_eq!(y_ticks(1000), [0, 200, 400, 600, 800, 1000]);
    }

    #[test]
    fn values_map_into_the_plot() {
        let f = FRAME;
        assert_eq!(f.y(0, 10), f.plot_bottom());
        assert_eq!(f.y(10, 10), f.top);
        assert_eq!(f.y(50, 10), f.top, "clamped");
        assert_eq!(f.y(-3, 10), f.plot_bottom(), "clamped");
        assert_eq!(f.x(0.0, 0.0, 100.0), f.left);
        assert_eq!(f.x(100.0, 0.0, 100.0), f.plot_right());
    }

    #[test]
    fn a_line_has_one_point_per_bucket_at_the_bucket_middle() {
        let f = FRAME;
        let points = polyline(&f, &[0, 10], 10, 0, 1000, 2);
        let pairs: Vec<&str> = points.split(' ').collect();
        assert_eq!(pairs.len(), 2);
        let quarter = f.left + (f.plot_right() - f.left) / 4.0;
        assert_eq!(pairs[0], format!("{quarter:.1},{:.1}", f.plot_bottom()));
        assert!(pairs[1].ends_with(&format!(",{:.1}", f.top)));
    }

    #[test]
    fn time_ticks_land_on_round_seconds() {
        let ticks = time_ticks(&FRAME, 1_200, 11_200);
        let labels: Vec<&str> = ticks.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["2 s", "4 s", "6 s", "8 s", "10 s"]);
        assert!(ticks.windows(2).all(|w| w[0].0 < w[1].0));
        let short = time_ticks(&FRAME, 0, 500);
        assert_eq!(short.first().map(|(_, l)| l.as_str()), Some("0 s"));
        assert_eq!(short.get(1).map(|(_, l)| l.as_str()), Some("0.1 s"));
    }
}
