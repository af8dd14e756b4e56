//! Throughput and consumer lag over time as small SVG line charts, drawn by hand (a charting crate
//! would cost more wasm than the whole chart code).

mod scale;

use samsa_sim::live::protocol::{ChartsView, Series};
use yew::prelude::*;

use scale::FRAME;

/// Props of [`Charts`].
#[derive(Properties, PartialEq)]
pub struct ChartsProps {
    /// The series to draw.
    pub charts: ChartsView,
}

/// The charts panel.
#[component]
pub fn Charts(props: &ChartsProps) -> Html {
    let c = &props.charts;
    html! {
        <section class="panel charts" data-testid="charts">
            <h2>{ "Charts" }</h2>
            <div class="chart-pair">
                <figure class="chart">
                    <figcaption>{ "Throughput" }<span class="muted">{ " (records/s)" }</span></figcaption>
                    { chart("chart-throughput", "records/s", &c.throughput, c, "No records yet.") }
                    { legend(&c.throughput) }
                </figure>
                <figure class="chart">
                    <figcaption>{ "Consumer lag per partition" }<span class="muted">{ " (records)" }</span></figcaption>
                    { chart("chart-lag", "records", &c.lag, c, "No consumers in this scenario.") }
                    { legend(&c.lag) }
                </figure>
                <figure class="chart" data-testid="produce-rate">
                    <figcaption>{ "Produce rate per partition" }<span class="muted">{ " (records/s appended by the leader)" }</span></figcaption>
                    { chart("chart-produce-rate", "records/s", &c.produce_rate, c, "Nothing appended yet.") }
                    { hottest(&c.produce_rate) }
                    { legend(&c.produce_rate) }
                </figure>
            </div>
        </section>
    }
}

/// One chart: axes with units and ticks, one line per series. `empty` is said when there is nothing
/// to draw yet.
fn chart(
    testid: &'static str,
    unit: &'static str,
    series: &[Series],
    c: &ChartsView,
    empty: &'static str,
) -> Html {
    let buckets = series.iter().map(|s| s.points.len()).max().unwrap_or(0);
    let max = series.iter().flat_map(|s| s.points.iter().copied()).max().unwrap_or(0);
    let top = scale::nice_ceiling(max);
    let t0_ms = c.start_ms;
    let t1_ms = c.start_ms.saturating_add(c.bucket_ms.saturating_mul(buckets as u64));
    let view_box = format!("0 0 {} {}", FRAME.width, FRAME.height);
    let (left, right, bottom) = (FRAME.left, FRAME.plot_right(), FRAME.plot_bottom());
    html! {
        <svg class="chart-svg" data-testid={testid} viewBox={view_box} role="img" aria-label={format!("{testid} in {unit}")}
            preserveAspectRatio="xMidYMid meet">
            { for scale::y_ticks(top).into_iter().map(|v| {
                let y = FRAME.y(v, top);
                html! {
                    <g key={v} class="tick">
                        <line class="grid" x1={left.to_string()} x2={right.to_string()} y1={y.to_string()} y2={y.to_string()} />
                        <text class="tick-label" x={(left - 6.0).to_string()} y={(y + 4.0).to_string()} text-anchor="end">{ v }</text>
                    </g>
                }
            }) }
            <text class="axis-unit" x="4" y="12">{ unit }</text>
            if buckets > 0 {
                { for scale::time_ticks(&FRAME, t0_ms, t1_ms).into_iter().map(|(x, label)| html! {
                    <text key={label.clone()} class="tick-label" x={format!("{x:.1}")} y={(bottom + 16.0).to_string()}
                        text-anchor="middle">{ label }</text>
                }) }
                { for series.iter().enumerate().map(|(i, s)| html! {
                    <polyline key={s.name.clone()} class={classes!("line", series_class(i, &s.name))}
                        points={scale::polyline(&FRAME, &s.points, top, t0_ms, c.bucket_ms, buckets)} />
                }) }
            } else {
                <text class="chart-empty" x={((left + right) / 2.0).to_string()} y={((FRAME.top + bottom) / 2.0).to_string()}
                    text-anchor="middle">{ empty }</text>
            }
            <line class="axis" x1={left.to_string()} x2={right.to_string()} y1={bottom.to_string()} y2={bottom.to_string()} />
            <line class="axis" x1={left.to_string()} x2={left.to_string()} y1={FRAME.top.to_string()} y2={bottom.to_string()} />
            <text class="axis-unit" x={right.to_string()} y={(FRAME.height - 2.0).to_string()} text-anchor="end">{ "time (s)" }</text>
        </svg>
    }
}

/// The colour class of a series: throughput's named series keep their colours, others cycle.
fn series_class(index: usize, name: &str) -> String {
    match name {
        "produced" | "acked" | "consumed" => format!("series-{name}"),
        _ => format!("series-{}", index % 12),
    }
}

/// The partition with the most records over the chart's window and its share of all of them, when
/// more than one partition has records (so a skewed key shows its hot partition by name).
fn hottest_share(series: &[Series]) -> Option<(&str, u64)> {
    let totals: Vec<(&str, i64)> =
        series.iter().map(|s| (s.name.as_str(), s.points.iter().map(|&v| v.max(0)).sum())).collect();
    let all: i64 = totals.iter().map(|(_, n)| n).sum();
    let (name, most) = totals.iter().copied().max_by_key(|&(_, n)| n)?;
    (series.len() > 1 && all > 0).then(|| (name, u64::try_from(most * 100 / all).unwrap_or(0)))
}

fn hottest(series: &[Series]) -> Html {
    match hottest_share(series) {
        Some((name, percent)) => html! {
            <p class="chart-note small" data-testid="hot-partition" data-partition={name.to_owned()}
                data-percent={percent.to_string()}>
                { format!("hottest: {name}, {percent}% of the records appended in this window") }
            </p>
        },
        None => html! {},
    }
}

fn legend(series: &[Series]) -> Html {
    if series.is_empty() {
        return html! {};
    }
    html! {
        <ul class="chart-legend">
            { for series.iter().enumerate().map(|(i, s)| html! {
                <li key={s.name.clone()}>
                    <span class={classes!("swatch", series_class(i, &s.name))}></span>
                    { &s.name }
                    <span class="muted mono">{ s.points.last().map(|v| format!(" {v}")).unwrap_or_default() }</span>
                </li>
            }) }
        </ul>
    }
}

#[cfg(test)]
mod tests {
    use super::{hottest_share, Series};

    fn series(name: &str, points: &[i64]) -> Series {
        Series { name: name.to_owned(), points: points.to_vec() }
    }

    #[test]
    fn the_hottest_partition_is_named_with_its_share() {
        let skewed = [series("orders-0", &[8, 8]), series("orders-1", &[1, 1]), series("orders-2", &[1, 1])];
        assert_eq!(hottest_share(&skewed), Some(("orders-0", 80)));
        assert_eq!(hottest_share(&[series("orders-0", &[5])]), None, "one partition is not a skew");
        assert_eq!(hottest_share(&[series("a", &[0]), series("b", &[0])]), None, "nothing appended");
        assert_eq!(hottest_share(&[]), None);
    }
}
