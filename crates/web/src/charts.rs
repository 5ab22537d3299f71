//! Charts as SVG, drawn on the server: a title and a text alternative on each, no inline style
//! (the content security policy forbids it; colours and dashes come from the style sheet by
//! class), and always next to a table of the same numbers on the page.

use std::fmt::Write as _;

use pillar_readiness::portfolio::{format_value as fmt_num, Series};

use crate::pages::esc;

/// A horizontal bar chart of one value column of `series`.
pub fn bar_chart(series: &Series, column: usize, title: &str) -> String {
    let max = series
        .rows
        .iter()
        .map(|(_, v)| v.get(column).copied().unwrap_or(0.0))
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let row_h = 22;
    // Room for the longest category name, at about 7.2 px a character at 12 px (Korean
    // characters count double).
    let longest = series
        .rows
        .iter()
        .map(|(k, _)| {
            k.chars()
                .map(|c| if c.is_ascii() { 1 } else { 2 })
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0);
    let label_w = (longest as f64 * 7.2 + 12.0).clamp(60.0, 380.0);
    let bar_w = 360.0;
    let h = row_h * series.rows.len().max(1) + 8;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {} {h}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
        label_w + 420.0,
        esc(title),
        esc(title)
    );
    for (i, (k, vals)) in series.rows.iter().enumerate() {
        let v = vals
            .get(column)
            .copied()
            .filter(|v| v.is_finite())
            .unwrap_or(0.0);
        let y = i * row_h + 4;
        let w = (v / max * bar_w).max(0.0);
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"end\" class=\"axis\">{}</text><rect x=\"{label_w:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" class=\"bar\"/><text x=\"{:.1}\" y=\"{}\" class=\"value\">{}</text>",
            label_w - 6.0,
            y + 15,
            esc(k),
            row_h - 6,
            label_w + w + 4.0,
            y + 15,
            fmt_num(v)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A line of a [`line_chart`]: its name and its points (x, y); a point whose y is not a number
/// breaks the line (no value there, which is not a value of 0).
pub struct Line<'a> {
    /// Shown in the legend.
    pub name: &'a str,
    /// (x, y) in data units.
    pub points: Vec<(f64, f64)>,
}

/// The axes of a [`line_chart`].
pub struct Axes {
    /// The x range shown.
    pub x: (f64, f64),
    /// Labelled x positions.
    pub x_ticks: Vec<(f64, String)>,
    /// The y range shown; every whole number in it is a labelled grid line.
    pub y: (f64, f64),
    /// Hold each value until the next point (a level that stays until reassessed) rather than
    /// joining points by straight lines.
    pub steps: bool,
}

/// A line chart with a legend below it; each line has its own colour and dash pattern (classes
/// `s0` … `s7`), so lines differ by more than colour.
pub fn line_chart(title: &str, axes: &Axes, lines: &[Line<'_>]) -> String {
    let (left, right, top, plot_h) = (34.0, 630.0, 10.0, 200.0);
    let legend_top = top + plot_h + 30.0;
    let h = legend_top + 18.0 * lines.len() as f64 + 4.0;
    let span_x = (axes.x.1 - axes.x.0).max(1e-9);
    let span_y = (axes.y.1 - axes.y.0).max(1e-9);
    let px = |x: f64| left + (x - axes.x.0) / span_x * (right - left);
    let py = |y: f64| top + plot_h - (y - axes.y.0) / span_y * plot_h;
    let mut svg = format!(
        "<svg class=\"chart lines\" viewBox=\"0 0 640 {h:.0}\" role=\"img\" aria-label=\"{0}\"><title>{0}</title>",
        esc(title)
    );
    let mut y = axes.y.0.ceil();
    while y <= axes.y.1 {
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{right}\" y1=\"{0:.1}\" y2=\"{0:.1}\" class=\"grid\"/><text x=\"{1}\" y=\"{2:.1}\" text-anchor=\"end\" class=\"axis\">{3}</text>",
            py(y),
            left - 6.0,
            py(y) + 4.0,
            y
        );
        y += 1.0;
    }
    for (x, label) in &axes.x_ticks {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"axis\">{}</text>",
            px(*x),
            top + plot_h + 18.0,
            esc(label)
        );
    }
    for (i, line) in lines.iter().enumerate() {
        let class = format!("s{}", i % 8);
        // Runs of defined points, each drawn as one path.
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for &(x, y) in &line.points {
            if y.is_finite() {
                runs.last_mut().expect("one run at least").push((x, y));
            } else if !runs.last().expect("one run at least").is_empty() {
                runs.push(Vec::new());
            }
        }
        for run in runs.iter().filter(|r| !r.is_empty()) {
            let mut d = String::new();
            for (k, &(x, y)) in run.iter().enumerate() {
                if k == 0 {
                    let _ = write!(d, "M{:.1} {:.1}", px(x), py(y));
                } else {
                    if axes.steps {
                        let _ = write!(d, " H{:.1}", px(x));
                    }
                    let _ = write!(d, " L{:.1} {:.1}", px(x), py(y));
                }
            }
            if axes.steps {
                // The last level holds to the end of the axis.
                let _ = write!(d, " H{right:.1}");
            }
            let _ = write!(svg, "<path d=\"{d}\" class=\"line {class}\"/>");
            for &(x, y) in run {
                let _ = write!(
                    svg,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" class=\"dot {class}\"><title>{} · {}</title></circle>",
                    px(x),
                    py(y),
                    esc(line.name),
                    fmt_num(y)
                );
            }
        }
        let ly = legend_top + 18.0 * i as f64;
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{ly:.1}\" y2=\"{ly:.1}\" class=\"line {class}\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\">{}</text>",
            left + 28.0,
            left + 36.0,
            ly + 4.0,
            esc(line.name)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_value_breaks_the_line_instead_of_drawing_zero() {
        let axes = Axes {
            x: (2020.0, 2023.0),
            x_ticks: vec![(2020.0, "2020".into()), (2023.0, "2023".into())],
            y: (1.0, 9.0),
            steps: false,
        };
        let svg = line_chart(
            "t",
            &axes,
            &[
                Line {
                    name: "a",
                    points: vec![(2020.0, f64::NAN), (2021.0, 3.0), (2022.0, 4.0)],
                },
                Line {
                    name: "never assessed",
                    points: vec![(2020.0, f64::NAN), (2021.0, f64::NAN)],
                },
            ],
        );
        // One path for the line with values, none for the line without; both in the legend.
        assert_eq!(svg.matches("<path").count(), 1);
        assert_eq!(svg.matches("class=\"dot").count(), 2);
        assert!(svg.contains(">never assessed</text>"));
        // Nine grid lines, 1 to 9.
        assert_eq!(svg.matches("class=\"grid\"").count(), 9);
        assert!(svg.contains(">9</text>") && !svg.contains(">0</text>"));
    }

    #[test]
    fn steps_hold_a_level_until_the_next_point() {
        let axes = Axes {
            x: (0.0, 10.0),
            x_ticks: vec![],
            y: (1.0, 9.0),
            steps: true,
        };
        let svg = line_chart(
            "t",
            &axes,
            &[Line {
                name: "p",
                points: vec![(0.0, 2.0), (5.0, 4.0)],
            }],
        );
        let d = svg.split("d=\"").nth(1).unwrap().split('"').next().unwrap();
        assert!(
            d.starts_with("M34.0 ") && d.contains(" H332.0 L332.0 ") && d.ends_with("H630.0"),
            "{d}"
        );
    }
}
