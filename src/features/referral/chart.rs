//! The `/stats` chart: daily joins, leaves and active members as lines, drawn with plotters into memory and
//! encoded as PNG. Text uses the DejaVu Sans font shipped in `config/fonts/` (embedded at build time), never
//! the system's fonts, so the chart looks the same on every machine. The font has no Chinese glyphs: labels a
//! caller passes are checked with [`font_covers`] and the caller falls back to English.

use super::stats::{DayRow, Window};
use ab_glyph::{Font, FontRef};
use plotters::prelude::*;
use std::sync::OnceLock;

/// The embedded font (DejaVu Sans; its license is `config/fonts/DejaVuSans-LICENSE.txt`).
static FONT: &[u8] = include_bytes!("../../../config/fonts/DejaVuSans.ttf");
/// The family name the font is registered under.
const FAMILY: &str = "groupops-sans";
/// One line of the chart: its legend, its colour and how to read its value from a day.
type Series<'a> = (&'a str, RGBColor, fn(&DayRow) -> i64);
/// Chart size in pixels.
const SIZE: (u32, u32) = (960, 540);

/// The words drawn on the chart.
#[derive(Debug, Clone)]
pub struct ChartLabels {
    /// The title.
    pub title: String,
    /// The joins series.
    pub joins: String,
    /// The leaves series.
    pub leaves: String,
    /// The active members series.
    pub active: String,
}

fn register() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font(FAMILY, FontStyle::Normal, FONT)
                .map_err(|_| "the embedded chart font is invalid".to_string())
        })
        .clone()
}

/// Whether the embedded font has a glyph for every character of `text` (whitespace aside).
pub fn font_covers(text: &str) -> bool {
    let Ok(font) = FontRef::try_from_slice(FONT) else {
        return false;
    };
    text.chars()
        .filter(|c| !c.is_whitespace())
        .all(|c| font.glyph_id(c).0 != 0)
}

/// Draws the series as a PNG image.
pub fn render(daily: &[DayRow], labels: &ChartLabels) -> Result<Vec<u8>, String> {
    register()?;
    let (width, height) = SIZE;
    let mut pixels = vec![0u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let first = daily.first().map_or(0, |d| d.day);
        let last = daily.last().map_or(1, |d| d.day.max(first + 1));
        let top = daily
            .iter()
            .map(|d| d.joins.max(d.leaves).max(d.active))
            .max()
            .unwrap_or(0)
            .max(1);
        let top = top + top / 10 + 1;
        let mut chart = ChartBuilder::on(&root)
            .caption(&labels.title, (FAMILY, 26))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(first..last, 0i64..top)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .label_style((FAMILY, 14))
            .x_labels(daily.len().clamp(2, 10))
            .x_label_formatter(&|day| Window::date(*day)[5..].to_string())
            .draw()
            .map_err(|e| e.to_string())?;
        let series: [Series; 3] = [
            (&labels.joins, RGBColor(46, 139, 87), |d| d.joins),
            (&labels.leaves, RGBColor(205, 92, 92), |d| d.leaves),
            (&labels.active, RGBColor(65, 105, 225), |d| d.active),
        ];
        for (name, color, value) in series {
            chart
                .draw_series(LineSeries::new(
                    daily.iter().map(|d| (d.day, value(d))),
                    color.stroke_width(3),
                ))
                .map_err(|e| e.to_string())?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .label_font((FAMILY, 16))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    let mut png_bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png_bytes, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| e.to_string())?;
    }
    Ok(png_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> ChartLabels {
        ChartLabels {
            title: "Last 7 days".into(),
            joins: "Joins".into(),
            leaves: "Leaves".into(),
            active: "Active members".into(),
        }
    }

    #[test]
    fn renders_a_png() {
        let daily: Vec<DayRow> = (0..7)
            .map(|i| DayRow {
                day: 19_670 + i,
                joins: i,
                leaves: 7 - i,
                active: 3 * i,
                messages: 10,
            })
            .collect();
        let png = render(&daily, &labels()).unwrap();
        assert!(png.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]));
        assert!(png.len() > 2000, "a real picture, not an empty frame");
    }

    #[test]
    fn renders_an_empty_window() {
        let png = render(&[], &labels()).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
    }

    #[test]
    fn the_font_covers_english_but_not_chinese() {
        assert!(font_covers("Active members"));
        assert!(!font_covers("活跃成员"));
    }
}
