//! The two cohort charts: vintage curves (each cohort's share 30+ days
//! past due by months on book) and the roll-rate matrix (where each
//! bucket's accounts were a month later).

use super::*;

pub(super) fn vintage<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: &Style,
    curves: &[VintageCurve],
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let colours = palette(style.theme);
    let text = |size: u32| ("sans-serif", size).into_font().color(&colours.text);
    let points = |c: &VintageCurve| -> Vec<(f64, f64)> {
        c.points
            .iter()
            .map(|p| (f64::from(p.months_on_book), percent(p.rate_bp())))
            .collect()
    };
    if curves.iter().all(|c| c.points.is_empty()) {
        return nothing(root, style);
    }
    let names: Vec<String> = curves
        .iter()
        .map(|c| month_label(c.cohort, style.lang))
        .collect();
    let legend: Vec<(&str, RGBColor, bool)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), series_colour(i), true))
        .collect();
    let (legend_area, plot) = root.split_vertically(legend_height(&legend, style.width));
    draw_legend(&legend_area, &legend, text(11), style.width)?;
    let last = curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.months_on_book))
        .max()
        .unwrap_or(0)
        .max(1);
    let top = nice_ceiling(
        curves
            .iter()
            .flat_map(points)
            .map(|(_, y)| y)
            .fold(0.0, f64::max),
    )
    .min(100.0);
    let mut cartesian = ChartBuilder::on(&plot)
        .margin(10)
        .margin_top(4)
        .x_label_area_size(32)
        .y_label_area_size(48)
        // Half a month of room after the last point, so that it never sits on the border.
        .build_cartesian_2d(0f64..f64::from(last) + 0.5, 0f64..top)?;
    cartesian
        .configure_mesh()
        .x_desc(if style.lang == Lang::Zh {
            "账龄 (月)"
        } else {
            "Months on book"
        })
        .y_desc(if style.lang == Lang::Zh {
            "逾期 30 天以上占比 (%)"
        } else {
            "30+ days past due (%)"
        })
        .x_labels(usize::try_from(last).unwrap_or(12).min(12) + 1)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.1}"))
        .label_style(text(11))
        .axis_desc_style(text(11))
        .light_line_style(TRANSPARENT)
        .bold_line_style(colours.grid)
        .axis_style(colours.grid)
        .draw()?;
    for (i, curve) in curves.iter().enumerate() {
        let colour = series_colour(i);
        let line = points(curve);
        cartesian.draw_series(LineSeries::new(line.clone(), colour.stroke_width(2)))?;
        cartesian.draw_series(line.iter().map(|&p| Circle::new(p, 2, colour.filled())))?;
    }
    let tips = (0..=last)
        .map(|mob| {
            let x = f64::from(mob);
            let mut text = if style.lang == Lang::Zh {
                format!("账龄 {mob} 个月")
            } else {
                format!("{mob} months on book")
            };
            for (curve, name) in curves.iter().zip(&names) {
                if let Some(p) = curve.points.iter().find(|p| p.months_on_book == mob) {
                    text.push_str(&format!(
                        "\n{name}: {:.2}% ({}/{})",
                        percent(p.rate_bp()),
                        p.dpd30,
                        p.accounts
                    ));
                }
            }
            Tip::between(
                cartesian.backend_coord(&((x - 0.5).max(0.0), top)),
                cartesian.backend_coord(&((x + 0.5).min(f64::from(last) + 0.5), 0.0)),
                text,
            )
        })
        .collect();
    root.present()?;
    Ok(tips)
}

pub(super) fn roll_rates<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: &Style,
    matrix: &RollMatrix,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let colours = palette(style.theme);
    let text = |size: u32| ("sans-serif", size).into_font().color(&colours.text);
    if matrix.counts.iter().flatten().all(|c| *c == 0) {
        return nothing(root, style);
    }
    let zh = style.lang == Lang::Zh;
    let title = if zh {
        format!("{} → 次月", month_label(matrix.from, style.lang))
    } else {
        format!("{} → next month", month_label(matrix.from, style.lang))
    };
    let (title_area, plot) = root.split_vertically(24);
    title_area.draw(&Text::new(
        title,
        (66, 12),
        text(12).pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;
    let mut cartesian = ChartBuilder::on(&plot)
        .margin(10)
        .margin_top(4)
        .x_label_area_size(30)
        .y_label_area_size(56)
        .build_cartesian_2d(-0.5f64..4.5f64, -0.5f64..4.5f64)?;
    let name = |v: &f64| {
        let i = v.round();
        DpdBucket::ALL
            .get(i as usize)
            .filter(|_| i >= 0.0 && (v - i).abs() < 1e-9)
            .map_or(String::new(), |b| b.as_str().to_owned())
    };
    // Rows (from) read top to bottom: M0 at the top.
    let flip = |v: &f64| name(&(4.0 - v));
    cartesian
        .configure_mesh()
        .disable_mesh()
        .x_labels(5)
        .y_labels(5)
        .x_label_formatter(&name)
        .y_label_formatter(&flip)
        .x_desc(if zh { "次月" } else { "To" })
        .y_desc(if zh { "当月" } else { "From" })
        .label_style(text(11))
        .axis_desc_style(text(11))
        .axis_style(colours.grid)
        .draw()?;
    let mut tips = Vec::new();
    for from in DpdBucket::ALL {
        let row: u64 = matrix.counts[from.index()].iter().sum();
        for to in DpdBucket::ALL {
            let share = f64::from(matrix.rate_bp(from, to)) / 10_000.0;
            let (x, y) = (to.index() as f64, 4.0 - from.index() as f64);
            tips.push(Tip::between(
                cartesian.backend_coord(&(x - 0.5, y + 0.5)),
                cartesian.backend_coord(&(x + 0.5, y - 0.5)),
                format!(
                    "{} → {}: {:.1}% ({}/{row})",
                    from.as_str(),
                    to.as_str(),
                    share * 100.0,
                    matrix.counts[from.index()][to.index()]
                ),
            ));
            // Darker is more: one hue, so that order reads without colour vision.
            let cell = blend(colours.background, BLUE_DARK, 0.08 + 0.92 * share);
            cartesian.draw_series([Rectangle::new(
                [(x - 0.48, y - 0.48), (x + 0.48, y + 0.48)],
                cell.filled(),
            )])?;
            let ink = if share > 0.5 { WHITE } else { colours.text };
            let words = format!("{:.1}%", share * 100.0);
            cartesian.draw_series([Text::new(
                words,
                (x, y),
                ("sans-serif", 11)
                    .into_font()
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            )])?;
        }
    }
    root.present()?;
    Ok(tips)
}

const BLUE_DARK: RGBColor = RGBColor(0, 84, 140);

fn blend(from: RGBColor, to: RGBColor, t: f64) -> RGBColor {
    let mix = |a: u8, b: u8| {
        (f64::from(a) + (f64::from(b) - f64::from(a)) * t.clamp(0.0, 1.0)).round() as u8
    };
    RGBColor(mix(from.0, to.0), mix(from.1, to.1), mix(from.2, to.2))
}
