//! The one-line lottery definition an admin types, as a pure parser:
//!
//! `<title> | <prize> x<count>; <prize> x<count>; … | <draw rule> [| <options>]`
//!
//! Prizes come in tier order (the first is the top prize). A count is written `x5`, `x 5` or `×5` and defaults
//! to 1. A prize is points (`100 points`, `100 积分`, or with a label in front: `二等奖 100 积分`) or any text.
//! The draw rule is `at 2026-12-24 20:00` (in the
//! group's time zone), `in 30m`, `when 100` (once 100 members joined) or `when 100 at …` (whichever comes
//! first). Options are space-separated `key=value` pairs: `join=<keyword>`, `min_level=<n>`, `min_days=<n>`,
//! `spoke=yes` and `everyone=<prize>` (the floor prize; its value may hold spaces).
//!
//! The parser reads no clock: the caller passes the current time and the group's time zone. Every refusal is a
//! [`ParseError`] that names the part that is wrong, so the reply can point at it.

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// Words that start the subcommands of `/lottery`; a title may not start with one of them.
pub const SUBCOMMANDS: &[&str] = &["list", "cancel", "draw", "help"];

/// What a prize is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prize {
    /// Points credited to the winner from the group's mint when drawn.
    Points {
        /// How many.
        points: i64,
        /// The words written before the points (`二等奖` in `二等奖 100 积分`), if any.
        label: Option<String>,
    },
    /// Anything else (a thing, a coupon); the winner gets a redemption code.
    Item(String),
}

impl Prize {
    /// A points prize without a label.
    pub fn points_only(points: i64) -> Prize {
        Prize::Points {
            points,
            label: None,
        }
    }

    /// The points of a points prize, `None` for an item.
    pub fn points(&self) -> Option<i64> {
        match self {
            Prize::Points { points, .. } => Some(*points),
            Prize::Item(_) => None,
        }
    }
}

/// One prize tier: what it is and how many winners it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tier {
    /// The prize of every winner of the tier.
    pub prize: Prize,
    /// How many winners the tier has (at least 1).
    pub count: u32,
}

/// Who may join.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Eligibility {
    /// The lowest level (LV1 = 1) a member must hold.
    pub min_level: Option<u32>,
    /// How many days a member must have been in the group.
    pub min_days: Option<u32>,
    /// Whether a member must have spoken in the group before.
    pub spoke: bool,
}

/// A parsed lottery, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// The title shown on the announcement.
    pub title: String,
    /// The prize tiers, top prize first.
    pub tiers: Vec<Tier>,
    /// When to draw, as Unix seconds, if the rule has a time.
    pub draw_at: Option<i64>,
    /// How many participants trigger the draw, if the rule has a threshold.
    pub threshold: Option<u32>,
    /// A word members may type to join.
    pub join_keyword: Option<String>,
    /// Who may join.
    pub eligibility: Eligibility,
    /// The floor prize every participant without a tier prize gets.
    pub floor: Option<Prize>,
}

impl Spec {
    /// The number of tier prizes.
    pub fn prize_count(&self) -> u64 {
        self.tiers.iter().map(|t| u64::from(t.count)).sum()
    }
}

/// The limits a definition must stay within (from the `[lottery]` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most tier prizes (summed over tiers).
    pub max_prizes: u32,
    /// The most tiers.
    pub max_tiers: u32,
    /// The largest points prize.
    pub max_points: i64,
    /// The most participants a lottery takes (a threshold above it could never be reached).
    pub max_participants: u32,
    /// How far ahead a draw may be, in seconds.
    pub max_ahead_secs: i64,
}

/// Why a line was refused. Each variant names the part that is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Fewer than the three required parts (title, prizes, rule) or more than four.
    Shape,
    /// The title is empty.
    EmptyTitle,
    /// The title starts with a subcommand word.
    ReservedTitle(String),
    /// The title is longer than [`MAX_TITLE_CHARS`].
    TitleTooLong,
    /// A prize has no name.
    EmptyPrize,
    /// A prize's count is not a whole number above zero.
    BadCount(String),
    /// A points prize of zero, or above the limit.
    BadPoints(String),
    /// More tier prizes (or tiers) than allowed.
    TooManyPrizes(u32),
    /// The draw rule is not understood.
    BadRule(String),
    /// A date and time that does not exist or is not written `YYYY-MM-DD HH:MM`.
    BadTime(String),
    /// A draw time that is not in the future.
    PastTime(String),
    /// A draw time further ahead than allowed.
    TooFarAhead(String),
    /// A threshold of zero or above the participant limit.
    BadThreshold(String),
    /// More tier prizes than the threshold of participants.
    ThresholdBelowPrizes {
        /// The threshold.
        threshold: u32,
        /// The number of tier prizes.
        prizes: u64,
    },
    /// An option key we do not know.
    UnknownOption(String),
    /// A known option with a value we cannot use.
    BadOption(String),
}

/// Parses a definition line (everything after `/lottery `) at `now` (Unix seconds) in time zone `tz`.
pub fn parse(line: &str, now: i64, tz: Tz, limits: &Limits) -> Result<Spec, ParseError> {
    let parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
    if parts.len() < 3 || parts.len() > 4 {
        return Err(ParseError::Shape);
    }
    let title = parse_title(parts[0])?;
    let tiers = parse_prizes(parts[1], limits)?;
    let (draw_at, threshold) = parse_rule(parts[2], now, tz, limits)?;
    let prizes: u64 = tiers.iter().map(|t| u64::from(t.count)).sum();
    if let Some(threshold) = threshold {
        if prizes > u64::from(threshold) {
            return Err(ParseError::ThresholdBelowPrizes { threshold, prizes });
        }
    }
    let options = parse_options(parts.get(3).copied().unwrap_or(""), limits)?;
    Ok(Spec {
        title,
        tiers,
        draw_at,
        threshold,
        join_keyword: options.join_keyword,
        eligibility: options.eligibility,
        floor: options.floor,
    })
}

/// The first word of a line, when it is a subcommand (`list`, `cancel`, `draw`, `help`), lowercased.
pub fn subcommand(line: &str) -> Option<String> {
    let first = line.split_whitespace().next()?.to_lowercase();
    SUBCOMMANDS.contains(&first.as_str()).then_some(first)
}

/// The longest lottery title, in characters.
pub const MAX_TITLE_CHARS: usize = 64;

fn parse_title(text: &str) -> Result<String, ParseError> {
    if text.is_empty() {
        return Err(ParseError::EmptyTitle);
    }
    if text.chars().count() > MAX_TITLE_CHARS {
        return Err(ParseError::TitleTooLong);
    }
    if let Some(word) = subcommand(text) {
        return Err(ParseError::ReservedTitle(word));
    }
    Ok(text.to_string())
}

fn parse_prizes(text: &str, limits: &Limits) -> Result<Vec<Tier>, ParseError> {
    let mut tiers = Vec::new();
    let mut total: u64 = 0;
    for piece in text.split([';', '；']).map(str::trim) {
        if piece.is_empty() {
            // A trailing `;` is harmless; an empty prize list is caught below.
            continue;
        }
        let tier = parse_tier(piece, limits)?;
        total += u64::from(tier.count);
        tiers.push(tier);
    }
    if tiers.is_empty() {
        return Err(ParseError::EmptyPrize);
    }
    if total > u64::from(limits.max_prizes) || tiers.len() > limits.max_tiers as usize {
        return Err(ParseError::TooManyPrizes(limits.max_prizes));
    }
    Ok(tiers)
}

/// One prize with its optional count: `耳机 x1`, `100 points x 5`, `贴纸×5`, `Mug`.
fn parse_tier(text: &str, limits: &Limits) -> Result<Tier, ParseError> {
    let (name, count) = split_count(text)?;
    Ok(Tier {
        prize: parse_prize(name, limits)?,
        count,
    })
}

/// Splits a trailing count off a prize. The marker is `×` anywhere, or `x`/`X` at the start or after a space,
/// followed (after optional spaces) by a whole number that ends the text.
fn split_count(text: &str) -> Result<(&str, u32), ParseError> {
    for (at, marker) in text.char_indices().rev() {
        let starts_word = text[..at]
            .chars()
            .next_back()
            .is_none_or(char::is_whitespace);
        let is_marker = marker == '×' || (matches!(marker, 'x' | 'X') && starts_word);
        if !is_marker {
            continue;
        }
        let number = text[at + marker.len_utf8()..].trim();
        if !looks_numeric(number) {
            continue;
        }
        let count = match number.parse::<i64>() {
            Ok(n) if n >= 1 && n <= i64::from(u32::MAX) => n as u32,
            _ => return Err(ParseError::BadCount(text.trim().to_string())),
        };
        return Ok((text[..at].trim(), count));
    }
    Ok((text.trim(), 1))
}

/// A signed run of ASCII digits (so `x-1` is read as a bad count, not as part of the name).
fn looks_numeric(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The words that make a number a points prize.
const POINT_UNITS: &[&str] = &["points", "point", "pts", "积分", "分"];

/// A prize name: points when it ends with a number followed by `points`/`point`/`pts`/`积分`/`分`, either
/// alone (`100 积分`) or after a label (`二等奖 100 积分`, `二等奖100积分`: the label is kept for the name);
/// anything else is an item. A label must be set apart from the number by a space or end in a character
/// that is not an ASCII letter or digit, so `MP3 player` or `Top10 points` are not read as labels.
fn parse_prize(name: &str, limits: &Limits) -> Result<Prize, ParseError> {
    if name.is_empty() {
        return Err(ParseError::EmptyPrize);
    }
    let Some((label, number)) = split_points(name) else {
        return Ok(Prize::Item(name.to_string()));
    };
    match number.parse::<i64>() {
        Ok(points) if points >= 1 && points <= limits.max_points => Ok(Prize::Points {
            points,
            label: (!label.is_empty()).then(|| label.to_string()),
        }),
        _ => Err(ParseError::BadPoints(name.to_string())),
    }
}

/// Splits `<label> <number> <unit>` into the label (possibly empty) and the number (digits, perhaps with a
/// leading `-` so that negative points are refused rather than read as an item).
fn split_points(name: &str) -> Option<(&str, &str)> {
    let unit_len = POINT_UNITS.iter().find_map(|unit| {
        let cut = name.len().checked_sub(unit.len())?;
        (name.is_char_boundary(cut) && name[cut..].eq_ignore_ascii_case(unit)).then_some(unit.len())
    })?;
    let before = name[..name.len() - unit_len].trim_end();
    let digits_at = before.rfind(|c: char| !c.is_ascii_digit()).map_or(0, |at| {
        at + before[at..].chars().next().map_or(1, char::len_utf8)
    });
    if digits_at == before.len() {
        return None;
    }
    let number_at = match before[..digits_at].strip_suffix('-') {
        Some(rest) => rest.len(),
        None => digits_at,
    };
    let label = &before[..number_at];
    let set_apart = label.is_empty()
        || label.ends_with(char::is_whitespace)
        || label
            .chars()
            .next_back()
            .is_some_and(|c| !c.is_ascii_alphanumeric());
    set_apart.then(|| (label.trim(), &before[number_at..]))
}

/// The draw rule: a time, a threshold, or a threshold and a time.
fn parse_rule(
    text: &str,
    now: i64,
    tz: Tz,
    limits: &Limits,
) -> Result<(Option<i64>, Option<u32>), ParseError> {
    let bad = || ParseError::BadRule(text.to_string());
    let words: Vec<&str> = text.split_whitespace().collect();
    // Chinese rule words: `满 300` (when 300), `于 2026-12-24 20:00` or `开奖 …` (at …), and `30分钟后`
    // (in 30 minutes); the written forms are rewritten to the English keywords before parsing.
    let mut owned: Vec<String> = Vec::new();
    for word in &words {
        match *word {
            "满" => owned.push("when".into()),
            "于" | "开奖" => owned.push("at".into()),
            other => match other.strip_suffix('后') {
                Some(duration) if !duration.is_empty() && owned.is_empty() => {
                    owned.push("in".into());
                    owned.push(duration.to_string());
                }
                _ => owned.push(other.to_string()),
            },
        }
    }
    let words: Vec<&str> = owned.iter().map(String::as_str).collect();
    let (threshold, rest) = match words.as_slice() {
        [when, n, rest @ ..] if when.eq_ignore_ascii_case("when") => {
            let threshold = match n.parse::<i64>() {
                Ok(n) if n >= 1 && n <= i64::from(limits.max_participants) => n as u32,
                Ok(_) => return Err(ParseError::BadThreshold(n.to_string())),
                Err(_) => return Err(bad()),
            };
            (Some(threshold), rest)
        }
        _ => (None, words.as_slice()),
    };
    let draw_at = match rest {
        [] if threshold.is_some() => None,
        [at, date, time] if at.eq_ignore_ascii_case("at") => {
            let written = format!("{date} {time}");
            let naive = NaiveDateTime::parse_from_str(&written, "%Y-%m-%d %H:%M")
                .map_err(|_| ParseError::BadTime(written.clone()))?;
            let local = tz
                .from_local_datetime(&naive)
                .earliest()
                .ok_or_else(|| ParseError::BadTime(written.clone()))?;
            let at = local.timestamp();
            if at <= now {
                return Err(ParseError::PastTime(written));
            }
            Some(at)
        }
        [word, duration] if word.eq_ignore_ascii_case("in") && threshold.is_none() => {
            let secs = crate::args::parse_duration(duration)
                .map_err(|_| bad())?
                .as_secs();
            if secs == 0 {
                return Err(ParseError::PastTime(duration.to_string()));
            }
            Some(now.saturating_add(i64::try_from(secs).unwrap_or(i64::MAX)))
        }
        _ => return Err(bad()),
    };
    if let Some(at) = draw_at {
        if at - now > limits.max_ahead_secs {
            return Err(ParseError::TooFarAhead(text.to_string()));
        }
    }
    Ok((draw_at, threshold))
}

#[derive(Default)]
struct Options {
    join_keyword: Option<String>,
    eligibility: Eligibility,
    floor: Option<Prize>,
}

/// The `key=value` options. A word without `=` continues the previous value, so `everyone=100 points` and
/// `everyone=纪念 贴纸` work; only `everyone` accepts more than one word.
fn parse_options(text: &str, limits: &Limits) -> Result<Options, ParseError> {
    // Each option as (key in its English form, value, key as written).
    let mut pairs: Vec<(String, String, String)> = Vec::new();
    for word in text.split_whitespace() {
        match word.split_once(['=', '＝']) {
            Some((key, value)) => pairs.push((option_key(key), value.to_string(), key.to_string())),
            None => match pairs.last_mut() {
                Some((_, value, _)) => {
                    value.push(' ');
                    value.push_str(word);
                }
                None => return Err(ParseError::UnknownOption(word.to_string())),
            },
        }
    }
    let mut options = Options::default();
    for (key, value, written) in pairs {
        let bad = || ParseError::BadOption(format!("{written}={value}"));
        let single_word = !value.is_empty() && !value.contains(' ');
        let whole = || match value.parse::<u32>() {
            Ok(n) if single_word => Ok(n),
            _ => Err(bad()),
        };
        match key.as_str() {
            "join" if single_word && value.chars().count() <= 32 && !value.starts_with('/') => {
                options.join_keyword = Some(value.clone())
            }
            "min_level" if whole()? >= 1 => options.eligibility.min_level = Some(whole()?),
            "min_days" if whole()? >= 1 => options.eligibility.min_days = Some(whole()?),
            "spoke" => {
                options.eligibility.spoke = match value.to_lowercase().as_str() {
                    "yes" | "true" | "1" | "是" => true,
                    "no" | "false" | "0" | "否" => false,
                    _ => return Err(bad()),
                }
            }
            "everyone" => {
                let (name, count) = split_count(&value).map_err(|_| bad())?;
                if count != 1 || name != value.trim() {
                    return Err(bad());
                }
                options.floor = Some(parse_prize(name, limits).map_err(|_| bad())?);
            }
            "join" | "min_level" | "min_days" => return Err(bad()),
            _ => return Err(ParseError::UnknownOption(written)),
        }
    }
    Ok(options)
}

/// An option's key in its English form: the Chinese names (`口令`, `最低等级`, `入群天数`, `发过言`,
/// `人人有份`) are the same options.
fn option_key(key: &str) -> String {
    match key {
        "口令" | "参与词" => "join".into(),
        "最低等级" | "等级" => "min_level".into(),
        "入群天数" => "min_days".into(),
        "发过言" | "发言" => "spoke".into(),
        "人人有份" | "保底" => "everyone".into(),
        other => other.to_lowercase(),
    }
}

/// A redemption code from random bytes: ten characters from an alphabet without look-alikes (no 0/O, 1/I/L),
/// about 49 bits. Bytes that would bias the choice are skipped; `None` when `bytes` ran out first.
pub fn code_from_bytes(bytes: &[u8]) -> Option<String> {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    const LEN: usize = 10;
    // 248 = 8 × 31: bytes at or above it would make the first characters more likely.
    let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    let code: String = bytes
        .iter()
        .filter(|&&b| b < limit)
        .take(LEN)
        .map(|&b| ALPHABET[usize::from(b) % ALPHABET.len()] as char)
        .collect();
    (code.len() == LEN).then_some(code)
}

/// Normalizes a code as typed (`abcd-efgh 23` → `ABCDEFGH23`): case and separators do not matter.
pub fn normalize_code(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Splits a prize written with its own tier label (`一等奖 亚瑟士跑鞋`, `First prize Mug`) into the label
/// and the prize, so the label is not shown twice; `None` when the name has no such label.
pub fn split_label(name: &str) -> Option<(&str, &str)> {
    let name = name.trim();
    let (first, rest) = name.split_once(char::is_whitespace)?;
    let rest = rest.trim_start();
    if rest.is_empty() {
        return None;
    }
    if first.chars().count() >= 2 && first.ends_with('奖') {
        return Some((first, rest));
    }
    let (second, after) = rest.split_once(char::is_whitespace)?;
    let after = after.trim_start();
    if second.eq_ignore_ascii_case("prize") && !after.is_empty() {
        let label_len = name.len() - rest.len() + second.len();
        return Some((&name[..label_len], after));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000; // 2026-09-21 in UTC.

    fn limits() -> Limits {
        Limits {
            max_prizes: 100,
            max_tiers: 10,
            max_points: 1_000_000,
            max_participants: 10_000,
            max_ahead_secs: 366 * 86_400,
        }
    }

    fn shanghai() -> Tz {
        "Asia/Shanghai".parse().unwrap()
    }

    fn ok(line: &str) -> Spec {
        parse(line, NOW, shanghai(), &limits()).unwrap_or_else(|e| panic!("{line}: {e:?}"))
    }

    fn err(line: &str) -> ParseError {
        parse(line, NOW, shanghai(), &limits()).expect_err(line)
    }

    #[test]
    fn a_full_chinese_line() {
        let spec = ok("圣诞抽奖 | 一等奖 耳机 x1; 二等奖 100 积分 x 5; 三等奖 贴纸×20 | at 2026-12-24 20:00 | join=抽奖 min_level=2 min_days=7 spoke=yes everyone=10 积分");
        assert_eq!(spec.title, "圣诞抽奖");
        assert_eq!(
            spec.tiers,
            vec![
                Tier {
                    prize: Prize::Item("一等奖 耳机".into()),
                    count: 1
                },
                Tier {
                    prize: Prize::Points {
                        points: 100,
                        label: Some("二等奖".into())
                    },
                    count: 5
                },
                Tier {
                    prize: Prize::Item("三等奖 贴纸".into()),
                    count: 20
                },
            ]
        );
        // 20:00 in Shanghai is 12:00 UTC.
        let expected = chrono::NaiveDate::from_ymd_opt(2026, 12, 24)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp();
        assert_eq!(spec.draw_at, Some(expected));
        assert_eq!(spec.threshold, None);
        assert_eq!(spec.join_keyword.as_deref(), Some("抽奖"));
        assert_eq!(
            spec.eligibility,
            Eligibility {
                min_level: Some(2),
                min_days: Some(7),
                spoke: true
            }
        );
        assert_eq!(spec.floor, Some(Prize::points_only(10)));
        assert_eq!(spec.prize_count(), 26);
    }

    #[test]
    fn the_rule_and_options_may_be_written_in_chinese() {
        let english = ok("圣诞抽奖 | 耳机 ×1 | when 300 at 2026-12-24 20:00 | join=抽奖 min_level=2 min_days=7 spoke=yes everyone=10 积分");
        let chinese = ok("圣诞抽奖 | 耳机 ×1 | 满 300 于 2026-12-24 20:00 | 口令=抽奖 最低等级=2 入群天数＝7 发过言=是 人人有份=10 积分");
        assert_eq!(chinese, english);
        let soon = ok("抽奖 | 贴纸 ×5 | 30分钟后 | 口令=来了");
        assert_eq!(soon.draw_at, Some(NOW + 1_800));
        assert_eq!(soon.join_keyword.as_deref(), Some("来了"));
        assert_eq!(
            ok("抽奖 | 贴纸 ×5 | 开奖 2026-12-24 20:00").draw_at,
            english.draw_at
        );
        assert!(matches!(err("抽奖 | 贴纸 ×5 | 后"), ParseError::BadRule(_)));
    }

    #[test]
    fn english_names_points_and_count_spellings() {
        let spec =
            ok("Launch party | Headphones x5; 100 points x 2; 50 pts ×3; Xbox; Mug X4 | in 30m");
        let got: Vec<(Prize, u32)> = spec.tiers.into_iter().map(|t| (t.prize, t.count)).collect();
        assert_eq!(
            got,
            vec![
                (Prize::Item("Headphones".into()), 5),
                (Prize::points_only(100), 2),
                (Prize::points_only(50), 3),
                (Prize::Item("Xbox".into()), 1),
                (Prize::Item("Mug".into()), 4),
            ]
        );
        assert_eq!(spec.draw_at, Some(NOW + 1800));
        assert_eq!(spec.floor, None);
        assert_eq!(spec.join_keyword, None);
    }

    #[test]
    fn chinese_points_are_points() {
        let spec = ok("签到抽奖 | 500 积分 x1; 100积分 ×2 | in 45s");
        assert_eq!(spec.tiers[0].prize, Prize::points_only(500));
        assert_eq!(spec.tiers[1].prize, Prize::points_only(100));
        assert_eq!(spec.tiers[1].count, 2);
        assert_eq!(spec.draw_at, Some(NOW + 45));
    }

    #[test]
    fn a_label_before_the_points_is_kept_and_the_prize_is_points() {
        let spec = ok("T | 一等奖 耳机 x1; 二等奖 100 积分 x5; 三等奖50积分×3; Bonus 20 points; MP3 player; Top10 points; 5分钟 体验 | in 1h");
        let got: Vec<(Prize, u32)> = spec.tiers.into_iter().map(|t| (t.prize, t.count)).collect();
        let labelled = |label: &str, points| Prize::Points {
            points,
            label: Some(label.to_string()),
        };
        assert_eq!(
            got,
            vec![
                (Prize::Item("一等奖 耳机".into()), 1),
                (labelled("二等奖", 100), 5),
                (labelled("三等奖", 50), 3),
                (labelled("Bonus", 20), 1),
                (Prize::Item("MP3 player".into()), 1),
                (Prize::Item("Top10 points".into()), 1),
                (Prize::Item("5分钟 体验".into()), 1),
            ]
        );
        assert_eq!(
            err("T | 二等奖 0 积分 | in 1h"),
            ParseError::BadPoints("二等奖 0 积分".into())
        );
        assert_eq!(
            err("T | 二等奖 -5 积分 | in 1h"),
            ParseError::BadPoints("二等奖 -5 积分".into())
        );
        let floor = ok("T | A | in 1h | everyone=纪念 10 积分").floor;
        assert_eq!(floor, Some(labelled("纪念", 10)));
    }

    #[test]
    fn threshold_rules_with_and_without_a_time() {
        let spec = ok("T | A x2 | when 100");
        assert_eq!((spec.draw_at, spec.threshold), (None, Some(100)));
        let spec = ok("T | A x2 | WHEN 3 at 2026-12-24 20:00");
        assert_eq!(spec.threshold, Some(3));
        assert!(spec.draw_at.is_some());
    }

    #[test]
    fn full_width_bars_and_semicolons_are_accepted() {
        let spec = ok("抽奖｜耳机 x1；贴纸 x2｜in 1h");
        assert_eq!(spec.tiers.len(), 2);
    }

    #[test]
    fn bad_lines_name_the_wrong_part() {
        assert_eq!(err("just a title"), ParseError::Shape);
        let long = "长".repeat(MAX_TITLE_CHARS + 1);
        assert_eq!(
            err(&format!("{long} | A | in 1h")),
            ParseError::TitleTooLong
        );
        let fits = "长".repeat(MAX_TITLE_CHARS);
        assert_eq!(ok(&format!("{fits} | A | in 1h")).title, fits);
        assert_eq!(err("T | A | in 1h | join=a | extra"), ParseError::Shape);
        assert_eq!(err(" | A | in 1h"), ParseError::EmptyTitle);
        assert_eq!(
            err("list of prizes | A | in 1h"),
            ParseError::ReservedTitle("list".into())
        );
        assert_eq!(
            err("Draw night | A | in 1h"),
            ParseError::ReservedTitle("draw".into())
        );
        assert_eq!(err("T | A x0 | in 1h"), ParseError::BadCount("A x0".into()));
        assert_eq!(
            err("T | A x-3 | in 1h"),
            ParseError::BadCount("A x-3".into())
        );
        assert_eq!(err("T | x5 | in 1h"), ParseError::EmptyPrize);
        assert_eq!(err("T | ; | in 1h"), ParseError::EmptyPrize);
        assert_eq!(
            err("T | 0 points | in 1h"),
            ParseError::BadPoints("0 points".into())
        );
        assert_eq!(
            err("T | 2000000 积分 | in 1h"),
            ParseError::BadPoints("2000000 积分".into())
        );
        assert_eq!(err("T | A x101 | in 1h"), ParseError::TooManyPrizes(100));
        assert_eq!(
            err("T | A | tomorrow"),
            ParseError::BadRule("tomorrow".into())
        );
        assert_eq!(
            err("T | A | in soon"),
            ParseError::BadRule("in soon".into())
        );
        assert_eq!(err("T | A | in 0s"), ParseError::PastTime("0s".into()));
        assert_eq!(
            err("T | A | at 2020-01-01 10:00"),
            ParseError::PastTime("2020-01-01 10:00".into())
        );
        assert_eq!(
            err("T | A | at 2026-13-40 10:00"),
            ParseError::BadTime("2026-13-40 10:00".into())
        );
        assert_eq!(
            err("T | A | in 400d"),
            ParseError::TooFarAhead("in 400d".into())
        );
        assert_eq!(
            err("T | A x5 | when 3"),
            ParseError::ThresholdBelowPrizes {
                threshold: 3,
                prizes: 5
            }
        );
        assert_eq!(err("T | A | when 0"), ParseError::BadThreshold("0".into()));
        assert_eq!(
            err("T | A | when -4"),
            ParseError::BadThreshold("-4".into())
        );
        assert_eq!(
            err("T | A | when 20000"),
            ParseError::BadThreshold("20000".into())
        );
        assert_eq!(
            err("T | A | in 1h | colour=red"),
            ParseError::UnknownOption("colour".into())
        );
        assert_eq!(
            err("T | A | in 1h | hello"),
            ParseError::UnknownOption("hello".into())
        );
        assert_eq!(
            err("T | A | in 1h | min_level=0"),
            ParseError::BadOption("min_level=0".into())
        );
        assert_eq!(
            err("T | A | in 1h | min_days=many"),
            ParseError::BadOption("min_days=many".into())
        );
        assert_eq!(
            err("T | A | in 1h | spoke=maybe"),
            ParseError::BadOption("spoke=maybe".into())
        );
        assert_eq!(
            err("T | A | in 1h | join=two words"),
            ParseError::BadOption("join=two words".into())
        );
        assert_eq!(
            err("T | A | in 1h | everyone=贴纸 x3"),
            ParseError::BadOption("everyone=贴纸 x3".into())
        );
    }

    #[test]
    fn subcommands_are_recognized_only_as_first_word() {
        assert_eq!(subcommand("cancel L5").as_deref(), Some("cancel"));
        assert_eq!(subcommand("LIST").as_deref(), Some("list"));
        assert_eq!(subcommand("listening party | A | in 1h"), None);
        assert_eq!(subcommand(""), None);
    }

    #[test]
    fn codes_use_the_alphabet_and_skip_biasing_bytes() {
        let bytes: Vec<u8> = (0..=255).collect();
        let code = code_from_bytes(&bytes).unwrap();
        assert_eq!(code, "23456789AB");
        let high: Vec<u8> = vec![255, 250, 248, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        assert_eq!(code_from_bytes(&high).unwrap(), "23456789AB");
        assert_eq!(code_from_bytes(&[1, 2, 3]), None);
        assert_eq!(normalize_code(" abcd-efgh 23 "), "ABCDEFGH23");
    }

    #[test]
    fn a_prize_with_its_own_tier_label_is_split() {
        assert_eq!(
            split_label("一等奖 亚瑟士跑鞋"),
            Some(("一等奖", "亚瑟士跑鞋"))
        );
        assert_eq!(split_label("二等奖 100 积分"), Some(("二等奖", "100 积分")));
        assert_eq!(
            split_label("First prize  Running shoes"),
            Some(("First prize", "Running shoes"))
        );
        assert_eq!(split_label("亚瑟士跑鞋"), None);
        assert_eq!(split_label("一等奖"), None);
        assert_eq!(split_label("Mug"), None);
        assert_eq!(split_label("Big mug"), None);
    }
}
