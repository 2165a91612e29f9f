//! The statistics' bar charts, drawn as inline SVG by `plotters`.

use std::collections::BTreeMap;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::NO_MONTH;

/// The months from the first to the last, none missing, then [`NO_MONTH`].
pub(super) fn month_axis(by_month: &BTreeMap<String, usize>) -> Vec<(String, usize)> {
    let parse = |m: &str| -> Option<(i32, u32)> {
        let (y, mo) = m.split_once('-')?;
        Some((y.parse().ok()?, mo.parse().ok()?))
    };
    let dated: Vec<(i32, u32)> = by_month.keys().filter_map(|m| parse(m)).collect();
    let mut out = Vec::new();
    let span = |(y0, m0): (i32, u32), (y1, m1): (i32, u32)| {
        (i64::from(y1) - i64::from(y0)) * 12 + i64::from(m1) - i64::from(m0)
    };
    match (dated.first(), dated.last()) {
        // Up to twenty years: every month, the empty ones too.
        (Some(&first), Some(&last)) if span(first, last) <= 240 => {
            let (mut y, mut m) = first;
            while (y, m) <= last {
                let key = format!("{y:04}-{m:02}");
                let n = by_month.get(&key).copied().unwrap_or(0);
                out.push((key, n));
                (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            }
        }
        _ => out.extend(
            by_month
                .iter()
                .filter(|(k, _)| parse(k).is_some())
                .map(|(k, v)| (k.clone(), *v)),
        ),
    }
    if let Some(&n) = by_month.get(NO_MONTH) {
        out.push((NO_MONTH.to_string(), n));
    }
    out
}

pub(super) const ERROR_COLOR: RGBColor = RGBColor(0xc0, 0x39, 0x2b);
pub(super) const MONTH_COLOR: RGBColor = RGBColor(0x1f, 0x5f, 0x99);

/// Which way a bar chart's bars run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Bars {
    /// Upwards, labels under the bars (months).
    Vertical,
    /// Rightwards, labels before the bars, the first bar on top (rules).
    Horizontal,
}

/// A bar chart as SVG, drawn by `plotters`; "" when it cannot be drawn.
pub(super) fn bar_chart(bars: &[(String, usize)], color: RGBColor, dir: Bars) -> String {
    let mut svg = String::new();
    let size = match dir {
        Bars::Vertical => ((bars.len() as u32 * 46 + 90).clamp(560, 1600), 340),
        Bars::Horizontal => (560, (bars.len() as u32 * 26 + 70).clamp(160, 4000)),
    };
    if draw_bars(&mut svg, bars, color, dir, size).is_err() {
        return String::new();
    }
    // The page scales the chart to its column.
    svg.replacen(
        &format!("width=\"{}\" height=\"{}\"", size.0, size.1),
        "preserveAspectRatio=\"xMinYMin meet\"",
        1,
    )
}

fn draw_bars(
    svg: &mut String,
    bars: &[(String, usize)],
    color: RGBColor,
    dir: Bars,
    size: (u32, u32),
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    let n = bars.len().max(1);
    let max = bars.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let top = max + max / 8 + 1;
    // The first bar on top: horizontal bars count up from the bottom.
    let slot = |i: usize| match dir {
        Bars::Vertical => i,
        Bars::Horizontal => n - 1 - i.min(n - 1),
    };
    let labels: Vec<String> = bars.iter().map(|(l, _)| l.clone()).collect();
    let label_at = |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(i) if *i < n => labels.get(slot(*i)).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    let ink = RGBColor(0x33, 0x33, 0x33);
    let every = n.div_ceil(24).max(1);
    let (long, short) = match dir {
        Bars::Vertical => (40, 44),
        Bars::Horizontal => (96, 30),
    };
    // A segmented range has a segment for its end too: stop one short.
    let segments = 0..n.saturating_sub(1).max(1);
    let mut builder = ChartBuilder::on(&root);
    builder
        .margin(12)
        .margin_right(28)
        .x_label_area_size(if dir == Bars::Vertical { long } else { short })
        .y_label_area_size(if dir == Bars::Vertical { short } else { long });
    let value_label = |i: usize, v: usize| {
        Text::new(
            format!("{v}"),
            (SegmentValue::CenterOf(slot(i)), v),
            ("sans-serif", 13)
                .into_font()
                .color(&ink)
                .pos(Pos::new(HPos::Center, VPos::Bottom)),
        )
    };
    match dir {
        Bars::Vertical => {
            let mut chart = builder.build_cartesian_2d(segments.into_segmented(), 0..top)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(n / every + 1)
                .x_label_formatter(&label_at)
                .x_label_style(("sans-serif", 13).into_font().color(&ink))
                .y_label_style(("sans-serif", 13).into_font().color(&ink))
                .y_labels(6)
                .light_line_style(RGBColor(0xee, 0xee, 0xee))
                .axis_style(RGBColor(0x99, 0x99, 0x99))
                .draw()?;
            // One series per bar: a histogram keeps its bars in a hash map
            // and would draw them in a different order on every run.
            for (i, (_, v)) in bars.iter().enumerate() {
                chart.draw_series(
                    Histogram::vertical(&chart)
                        .style(color.filled())
                        .margin(8)
                        .data([(slot(i), *v)]),
                )?;
            }
            chart.draw_series(
                bars.iter()
                    .enumerate()
                    .filter(|(_, (_, v))| *v > 0)
                    .map(|(i, (_, v))| value_label(i, *v)),
            )?;
        }
        Bars::Horizontal => {
            let mut chart = builder.build_cartesian_2d(0..top, segments.into_segmented())?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(n)
                .y_label_formatter(&label_at)
                .y_label_style(("sans-serif", 13).into_font().color(&ink))
                .x_label_style(("sans-serif", 13).into_font().color(&ink))
                .x_labels(6)
                .light_line_style(RGBColor(0xee, 0xee, 0xee))
                .axis_style(RGBColor(0x99, 0x99, 0x99))
                .draw()?;
            for (i, (_, v)) in bars.iter().enumerate() {
                chart.draw_series(
                    Histogram::horizontal(&chart)
                        .style(color.filled())
                        .margin(4)
                        .data([(slot(i), *v)]),
                )?;
            }
            chart.draw_series(bars.iter().enumerate().filter(|(_, (_, v))| *v > 0).map(
                |(i, (_, v))| {
                    Text::new(
                        format!(" {v}"),
                        (*v, SegmentValue::CenterOf(slot(i))),
                        ("sans-serif", 13)
                            .into_font()
                            .color(&ink)
                            .pos(Pos::new(HPos::Left, VPos::Center)),
                    )
                },
            ))?;
        }
    }
    root.present()?;
    Ok(())
}
