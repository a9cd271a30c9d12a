//! Time zones as members write and read them: `/settz` takes an IANA name (`Asia/Shanghai`, in any
//! case), a city in Chinese or English (`北京`, `Tokyo`), a UTC offset (`UTC+8`, `GMT-5`) or a Chinese
//! zone word (`东八区`); zones are shown by the name people use (`北京时间` in Chinese).

use crate::i18n::Lang;
use chrono_tz::Tz;

/// The instant (Unix seconds) a local time in `tz` names: its first occurrence when it exists twice (the
/// hour clocks go back), and the first valid minute after it when it falls in a skipped hour (the hour
/// clocks go forward).
pub fn local_instant(tz: Tz, naive: chrono::NaiveDateTime) -> Option<i64> {
    use chrono::TimeZone;
    (0..=180).find_map(|minutes| {
        tz.from_local_datetime(&(naive + chrono::Duration::minutes(minutes)))
            .earliest()
            .map(|at| at.timestamp())
    })
}

/// Cities members name instead of a zone: Chinese name, English name, zone.
const CITIES: &[(&str, &str, Tz)] = &[
    ("北京", "beijing", Tz::Asia__Shanghai),
    ("上海", "shanghai", Tz::Asia__Shanghai),
    ("广州", "guangzhou", Tz::Asia__Shanghai),
    ("深圳", "shenzhen", Tz::Asia__Shanghai),
    ("成都", "chengdu", Tz::Asia__Shanghai),
    ("杭州", "hangzhou", Tz::Asia__Shanghai),
    ("中国", "china", Tz::Asia__Shanghai),
    ("香港", "hong kong", Tz::Asia__Hong_Kong),
    ("澳门", "macau", Tz::Asia__Macau),
    ("台北", "taipei", Tz::Asia__Taipei),
    ("东京", "tokyo", Tz::Asia__Tokyo),
    ("首尔", "seoul", Tz::Asia__Seoul),
    ("新加坡", "singapore", Tz::Asia__Singapore),
    ("吉隆坡", "kuala lumpur", Tz::Asia__Kuala_Lumpur),
    ("曼谷", "bangkok", Tz::Asia__Bangkok),
    ("迪拜", "dubai", Tz::Asia__Dubai),
    ("莫斯科", "moscow", Tz::Europe__Moscow),
    ("伦敦", "london", Tz::Europe__London),
    ("巴黎", "paris", Tz::Europe__Paris),
    ("柏林", "berlin", Tz::Europe__Berlin),
    ("纽约", "new york", Tz::America__New_York),
    ("洛杉矶", "los angeles", Tz::America__Los_Angeles),
    ("温哥华", "vancouver", Tz::America__Vancouver),
    ("多伦多", "toronto", Tz::America__Toronto),
    ("悉尼", "sydney", Tz::Australia__Sydney),
];

/// The digits of a Chinese zone word (`东八区`, `西五区`).
const CHINESE_NUMBERS: &[(&str, i32)] = &[
    ("一", 1),
    ("二", 2),
    ("三", 3),
    ("四", 4),
    ("五", 5),
    ("六", 6),
    ("七", 7),
    ("八", 8),
    ("九", 9),
    ("十", 10),
    ("十一", 11),
    ("十二", 12),
];

/// The zone a member means by `text`, or `None` when it is none of the forms this module reads.
pub fn resolve(text: &str) -> Option<Tz> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let lower = text.to_lowercase();
    if let Ok(zone) = text.parse::<Tz>() {
        return Some(zone);
    }
    if let Some(zone) = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|zone| zone.name().eq_ignore_ascii_case(text))
    {
        return Some(*zone);
    }
    let city = lower.trim_end_matches("时间").trim_end_matches("市");
    if let Some((_, _, zone)) = CITIES
        .iter()
        .find(|(zh, en, _)| *zh == city || *en == city || en.replace(' ', "") == city)
    {
        return Some(*zone);
    }
    offset_zone(&lower)
}

/// A fixed offset written `UTC+8`, `GMT-5`, `+8`, `东八区` or `西五区`, as its `Etc/GMT` zone (whose sign is
/// the other way round by POSIX convention).
fn offset_zone(text: &str) -> Option<Tz> {
    let hours = if let Some(word) = text.strip_suffix('区') {
        let (sign, number) = if let Some(n) = word.strip_prefix('东') {
            (1, n)
        } else {
            (-1, word.strip_prefix('西')?)
        };
        let (_, n) = CHINESE_NUMBERS.iter().find(|(w, _)| *w == number)?;
        sign * n
    } else {
        let rest = text
            .strip_prefix("utc")
            .or_else(|| text.strip_prefix("gmt"))
            .unwrap_or(text)
            .trim();
        if rest.is_empty() {
            return Some(Tz::UTC);
        }
        let (sign, digits) = if let Some(digits) = rest.strip_prefix('+') {
            (1, digits)
        } else {
            (-1, rest.strip_prefix('-')?)
        };
        sign * digits.trim().parse::<i32>().ok()?
    };
    if hours == 0 {
        return Some(Tz::UTC);
    }
    if !(-12..=14).contains(&hours) {
        return None;
    }
    format!("Etc/GMT{:+}", -hours).parse().ok()
}

/// How a zone is shown to a group: in Chinese, Asia/Shanghai is 北京时间 and a known city's zone its
/// Chinese name; a fixed offset is `UTC+8`; anything else its IANA name.
pub fn display(zone: Tz, lang: Lang) -> String {
    let name = zone.name();
    if let Some(offset) = name.strip_prefix("Etc/GMT") {
        let hours: i32 = offset.parse().unwrap_or(0);
        return format!("UTC{:+}", -hours);
    }
    if lang == Lang::Zh {
        if zone == Tz::Asia__Shanghai {
            return "北京时间".to_string();
        }
        if let Some((zh, _, _)) = CITIES.iter().find(|(_, _, z)| *z == zone) {
            return format!("{zh}时间");
        }
    }
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_read_the_way_members_write_them() {
        for text in [
            "北京",
            "上海",
            "Asia/Shanghai",
            "asia/shanghai",
            "Beijing",
            "北京时间",
        ] {
            assert_eq!(resolve(text), Some(Tz::Asia__Shanghai), "{text}");
        }
        assert_eq!(resolve("Tokyo"), Some(Tz::Asia__Tokyo));
        assert_eq!(resolve("New York"), Some(Tz::America__New_York));
        assert_eq!(resolve("UTC+8"), Some(Tz::Etc__GMTMinus8));
        assert_eq!(resolve("东八区"), Some(Tz::Etc__GMTMinus8));
        assert_eq!(resolve("西五区"), Some(Tz::Etc__GMTPlus5));
        assert_eq!(resolve("GMT-5"), Some(Tz::Etc__GMTPlus5));
        assert_eq!(resolve("UTC"), Some(Tz::UTC));
        assert_eq!(resolve("UTC+0"), Some(Tz::UTC));
        assert_eq!(resolve("UTC+15"), None);
        assert_eq!(resolve("火星"), None);
        assert_eq!(resolve(""), None);
    }

    #[test]
    fn zones_are_shown_by_the_name_people_use() {
        assert_eq!(display(Tz::Asia__Shanghai, Lang::Zh), "北京时间");
        assert_eq!(display(Tz::Asia__Shanghai, Lang::En), "Asia/Shanghai");
        assert_eq!(display(Tz::Asia__Tokyo, Lang::Zh), "东京时间");
        assert_eq!(display(Tz::Etc__GMTMinus8, Lang::Zh), "UTC+8");
        assert_eq!(display(Tz::Europe__Berlin, Lang::En), "Europe/Berlin");
    }
}
