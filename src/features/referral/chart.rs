//! The `/stats` chart: daily joins, leaves and active members as lines, drawn with plotters into memory and
//! encoded as PNG. Text uses fonts shipped in `config/fonts/` (embedded at build time), never the system's,
//! so the chart looks the same on every machine: DejaVu Sans for Latin labels, and for Chinese ones a small
//! subset of Noto Sans CJK SC that holds only the glyphs of the shipped Chinese chart wording, the digits and
//! the axes' signs (made by `config/fonts/make-chart-cjk.sh`, about 7 KB). The chart is drawn in the first
//! font that has every glyph of its labels; a caller checks [`font_covers`] and falls back to English
//! when an operator's own wording needs a glyph neither font has.

use super::stats::{DayRow, Window};
use ab_glyph::{Font, FontRef};
use plotters::prelude::*;
use std::sync::OnceLock;

/// The embedded Latin font (DejaVu Sans; its license is `config/fonts/DejaVuSans-LICENSE.txt`).
static LATIN_FONT: &[u8] = include_bytes!("../../../config/fonts/DejaVuSans.ttf");
/// The embedded Chinese font: the chart's glyphs of Noto Sans CJK SC (SIL Open Font License 1.1; its
/// license is `config/fonts/NotoSansCJK-LICENSE.txt`).
static CJK_FONT: &[u8] = include_bytes!("../../../config/fonts/NotoSansCJKsc-chart.otf");
/// The embedded fonts in the order they are tried, with the family names they are registered under.
const FONTS: [(&str, &[u8]); 2] = [("groupops-sans", LATIN_FONT), ("groupops-cjk", CJK_FONT)];
/// The signs the axes draw besides the labels: digits and the dash of the `MM-DD` dates.
const AXIS_SIGNS: &str = "0123456789-";
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
            for (family, bytes) in FONTS {
                plotters::style::register_font(family, FontStyle::Normal, bytes)
                    .map_err(|_| format!("the embedded chart font {family} is invalid"))?;
            }
            Ok(())
        })
        .clone()
}

/// Whether `font` has a glyph for every character of `text` (whitespace aside).
fn covers(font: &[u8], text: &str) -> bool {
    let Ok(font) = FontRef::try_from_slice(font) else {
        return false;
    };
    text.chars()
        .filter(|c| !c.is_whitespace())
        .all(|c| font.glyph_id(c).0 != 0)
}

/// The family of the first embedded font that draws every label and the axes' signs.
fn family_for(labels: &ChartLabels) -> Option<&'static str> {
    let text = format!(
        "{}{}{}{}{AXIS_SIGNS}",
        labels.title, labels.joins, labels.leaves, labels.active
    );
    FONTS
        .iter()
        .find(|(_, bytes)| covers(bytes, &text))
        .map(|(family, _)| *family)
}

/// Whether an embedded font can draw every label of the chart.
pub fn font_covers(labels: &ChartLabels) -> bool {
    family_for(labels).is_some()
}

/// Draws the series as a PNG image, in the first embedded font that has every glyph of the labels.
pub fn render(daily: &[DayRow], labels: &ChartLabels) -> Result<Vec<u8>, String> {
    register()?;
    let family = family_for(labels).ok_or("no embedded font draws the chart's labels")?;
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
            .caption(&labels.title, (family, 26))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(first..last, 0i64..top)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .label_style((family, 14))
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
            .label_font((family, 16))
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

    fn chinese() -> ChartLabels {
        ChartLabels {
            title: "近 7 天".into(),
            joins: "入群".into(),
            leaves: "退群".into(),
            active: "活跃成员".into(),
        }
    }

    #[test]
    fn english_labels_use_the_latin_font_and_chinese_ones_the_cjk_subset() {
        assert_eq!(family_for(&labels()), Some("groupops-sans"));
        assert_eq!(family_for(&chinese()), Some("groupops-cjk"));
        let mut foreign = chinese();
        foreign.active = "活躍メンバー".into();
        assert!(
            !font_covers(&foreign),
            "the subset holds only the shipped wording's glyphs"
        );
        assert!(render(&[], &foreign).is_err());
    }

    #[test]
    fn the_cjk_subset_draws_every_shipped_chinese_chart_label() {
        // The subset is made from the zh-CN wording: a changed word needs `config/fonts/make-chart-cjk.sh`.
        let i18n = crate::i18n::I18n::shipped();
        let zh = crate::i18n::Lang::Zh;
        for days in 1..=90 {
            let args = crate::fargs! {"days" => days};
            let labels = ChartLabels {
                title: i18n.ta(zh, "referral-chart-title", &args),
                joins: i18n.t(zh, "referral-chart-joins"),
                leaves: i18n.t(zh, "referral-chart-leaves"),
                active: i18n.t(zh, "referral-chart-active"),
            };
            let since = ChartLabels {
                title: i18n.ta(zh, "referral-chart-title-since", &args),
                ..labels.clone()
            };
            for labels in [labels, since] {
                assert_eq!(
                    family_for(&labels),
                    Some("groupops-cjk"),
                    "{labels:?}: run config/fonts/make-chart-cjk.sh"
                );
            }
        }
    }

    #[test]
    fn a_chinese_chart_is_drawn_with_chinese_glyphs() {
        let daily: Vec<DayRow> = (0..3)
            .map(|i| DayRow {
                day: 19_670 + i,
                joins: i,
                active: 2 * i,
                ..DayRow::default()
            })
            .collect();
        let png = render(&daily, &chinese()).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        assert_ne!(
            png,
            render(&daily, &labels()).unwrap(),
            "the words differ, so do the pictures"
        );
    }

    #[test]
    fn the_embedded_cjk_subset_stays_small() {
        assert!(
            CJK_FONT.len() < 32 * 1024,
            "{} bytes: the subset should hold only the chart's glyphs",
            CJK_FONT.len()
        );
    }
}
