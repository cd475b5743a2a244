//! Horizontal bar charts drawn as inline SVG, for report.html and
//! compare.html: the pages must open with no network and no script, and a
//! bar chart of a few dozen rows needs no plotting library (the Rust ones
//! either pull a font stack and a raster backend or draw no labels).
//!
//! Amounts are exact decimals; they become floating point only for the
//! geometry of a bar, and every printed figure is the exact one.

use rust_decimal::Decimal;
use std::fmt::Write;

/// One series of a chart: a value per row.
pub struct Series {
    pub name: String,
    pub color: &'static str,
    pub values: Vec<Decimal>,
}

/// A palette that stays readable in print and for common colour blindness.
pub const COLORS: [&str; 6] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1",
];

/// Text safe inside HTML or SVG.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

fn f(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(0.0)
}

const LABEL_W: f64 = 260.0;
const PLOT_W: f64 = 440.0;
const VALUE_W: f64 = 140.0;

/// A horizontal bar chart: one row per label; the series stacked in one
/// bar (`stacked`) or side by side. Negative values extend left of zero.
/// `fmt` prints the figure at the end of each row (the row's sum when
/// stacked, each value otherwise).
pub fn bars(
    id: &str,
    labels: &[String],
    series: &[Series],
    stacked: bool,
    fmt: &dyn Fn(Decimal) -> String,
) -> String {
    // The extent of the scale, zero always included.
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for r in 0..labels.len() {
        if stacked {
            let (mut neg, mut pos) = (0.0, 0.0);
            for s in series {
                let v = f(s.values.get(r).copied().unwrap_or_default());
                if v < 0.0 {
                    neg += v
                } else {
                    pos += v
                }
            }
            lo = lo.min(neg);
            hi = hi.max(pos);
        } else {
            for s in series {
                let v = f(s.values.get(r).copied().unwrap_or_default());
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    let span = if hi - lo > 0.0 { hi - lo } else { 1.0 };
    let x = |v: f64| LABEL_W + (v - lo) / span * PLOT_W;
    let bar_h = if stacked { 20.0 } else { 14.0 };
    let row_h = if stacked {
        28.0
    } else {
        bar_h * series.len() as f64 + 10.0
    };
    let legend_h = 24.0;
    let height = legend_h + row_h * labels.len().max(1) as f64 + 8.0;
    let width = LABEL_W + PLOT_W + VALUE_W;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" id="{id}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">"#
    );
    // Legend.
    let mut lx = LABEL_W;
    for se in series {
        let _ = write!(
            s,
            r#"<rect class="legend" x="{lx}" y="6" width="12" height="12" fill="{}"/><text x="{}" y="16" font-size="12">{}</text>"#,
            se.color,
            lx + 16.0,
            esc(&se.name)
        );
        lx += 28.0 + 13.0 * se.name.chars().count() as f64;
    }
    // The zero line.
    let _ = write!(
        s,
        r##"<line x1="{z}" y1="{legend_h}" x2="{z}" y2="{}" stroke="#888" stroke-width="1"/>"##,
        height - 4.0,
        z = x(0.0)
    );
    for (r, label) in labels.iter().enumerate() {
        let top = legend_h + row_h * r as f64;
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>"#,
            LABEL_W - 8.0,
            top + row_h / 2.0 + 4.0,
            esc(label)
        );
        let (mut neg, mut pos) = (0.0f64, 0.0f64);
        let mut sum = Decimal::ZERO;
        for (i, se) in series.iter().enumerate() {
            let d = se.values.get(r).copied().unwrap_or_default();
            let v = f(d);
            sum += d;
            let (x0, x1, y) = if stacked {
                let start = if v < 0.0 { neg } else { pos };
                let end = start + v;
                if v < 0.0 {
                    neg = end
                } else {
                    pos = end
                }
                (x(start.min(end)), x(start.max(end)), top + 4.0)
            } else {
                (x(v.min(0.0)), x(v.max(0.0)), top + 5.0 + bar_h * i as f64)
            };
            let _ = write!(
                s,
                r#"<rect class="bar" x="{x0:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {}</title></rect>"#,
                (x1 - x0).max(0.0),
                bar_h - 2.0,
                se.color,
                esc(&format!("{label} {}", se.name)),
                esc(&fmt(d))
            );
            if !stacked {
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" font-size="11">{}</text>"#,
                    x(hi) + 6.0,
                    y + bar_h - 4.0,
                    esc(&fmt(d))
                );
            }
        }
        if stacked {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" font-size="11">{}</text>"#,
                x(hi) + 6.0,
                top + row_h / 2.0 + 4.0,
                esc(&fmt(sum))
            );
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_has_one_bar_per_row_and_series_and_escapes_its_text() {
        let svg = bars(
            "c",
            &["a<b".to_string(), "c".to_string()],
            &[
                Series {
                    name: "x".into(),
                    color: COLORS[0],
                    values: vec![Decimal::new(150, 2), Decimal::new(-50, 2)],
                },
                Series {
                    name: "y".into(),
                    color: COLORS[1],
                    values: vec![Decimal::ONE, Decimal::ZERO],
                },
            ],
            true,
            &|d| crate::core::money::fmt2(d),
        );
        assert_eq!(svg.matches(r#"class="bar""#).count(), 4);
        assert!(svg.contains("a&lt;b") && !svg.contains("a<b"));
        assert!(svg.contains(">2.50<"), "the row's exact sum: {svg}");
    }
}
