//! Shared parsing of command arguments: targets (a reply, `@username` or a numeric id), durations
//! (`45s`, `30m`, `2h`, `3d`, `1w`) and point amounts. Every feature parses these the same way, so members
//! learn one syntax. Parsing is pure: resolving a username to a member is the caller's job.

use std::time::Duration;
use thiserror::Error;

/// Why an argument was not understood. Each variant maps to one localized message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ArgError {
    /// The text is not a duration such as `30m`.
    #[error("not a duration: {0}")]
    BadDuration(String),
    /// The text is not a whole number.
    #[error("not a number: {0}")]
    NotANumber(String),
    /// The amount is zero or negative.
    #[error("amount must be positive")]
    NotPositive,
    /// The amount is above the configured maximum.
    #[error("amount above maximum {max}")]
    TooLarge {
        /// The largest amount allowed.
        max: i64,
    },
    /// No target was given: no reply, no `@username`, no id.
    #[error("no target")]
    NoTarget,
    /// A mute or ban length Telegram would read as "forever": under 30 seconds or over 366 days.
    #[error("a restriction must last 30s to 366d")]
    RestrictionRange,
}

/// The shortest mute or ban Telegram honours: an `until_date` closer than this means "forever".
pub const MIN_RESTRICTION: Duration = Duration::from_secs(30);
/// The longest mute or ban Telegram honours: an `until_date` further than this means "forever".
pub const MAX_RESTRICTION: Duration = Duration::from_secs(366 * 86_400);

/// Accepts a mute or ban length only when Telegram would honour it as written (30 s to 366 days); a
/// shorter or longer one would silently become a restriction forever, so it is refused.
pub fn check_restriction(duration: Duration) -> Result<Duration, ArgError> {
    if (MIN_RESTRICTION..=MAX_RESTRICTION).contains(&duration) {
        Ok(duration)
    } else {
        Err(ArgError::RestrictionRange)
    }
}

/// What a bare number means to [`parse_duration_in`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BareUnit {
    /// `90` is 90 seconds.
    Seconds,
    /// `30` is 30 minutes.
    Minutes,
}

impl BareUnit {
    fn secs(self) -> u64 {
        match self {
            BareUnit::Seconds => 1,
            BareUnit::Minutes => 60,
        }
    }
}

/// The words a duration's unit may be written in, and the seconds each stands for: the short English
/// letters, English words, and the Chinese units members type (`1天`, `30分钟`, `2小时`, `1周`).
const DURATION_UNITS: &[(&str, u64)] = &[
    ("s", 1),
    ("sec", 1),
    ("secs", 1),
    ("second", 1),
    ("seconds", 1),
    ("秒", 1),
    ("秒钟", 1),
    ("m", 60),
    ("min", 60),
    ("mins", 60),
    ("minute", 60),
    ("minutes", 60),
    ("分", 60),
    ("分钟", 60),
    ("h", 3_600),
    ("hr", 3_600),
    ("hrs", 3_600),
    ("hour", 3_600),
    ("hours", 3_600),
    ("时", 3_600),
    ("小时", 3_600),
    ("个小时", 3_600),
    ("個小時", 3_600),
    ("d", 86_400),
    ("day", 86_400),
    ("days", 86_400),
    ("天", 86_400),
    ("日", 86_400),
    ("w", 7 * 86_400),
    ("week", 7 * 86_400),
    ("weeks", 7 * 86_400),
    ("周", 7 * 86_400),
    ("星期", 7 * 86_400),
    ("个星期", 7 * 86_400),
    ("礼拜", 7 * 86_400),
];

/// Parses `45s`, `30m`, `2h`, `3d` or `1w` (a bare number means seconds), the same with English words
/// (`2 hours`) or Chinese units (`1天`, `30分钟`, `2小时`, `1周`), and full-width digits. Combined forms like
/// `1h30m` or `1小时30分钟` are accepted too. Callers that turn the result into a mute or ban check it with
/// [`check_restriction`], because Telegram reads restrictions under 30 s as forever.
pub fn parse_duration(text: &str) -> Result<Duration, ArgError> {
    parse_duration_in(text, BareUnit::Seconds)
}

/// Parses a duration as [`parse_duration`] does, except that a bare number is read in `bare` units
/// (`/antiraid on 30` means 30 minutes).
pub fn parse_duration_in(text: &str, bare: BareUnit) -> Result<Duration, ArgError> {
    let original = text.trim();
    let bad = || ArgError::BadDuration(original.to_string());
    let text = half_width_digits(original);
    let text = text.trim();
    if text.is_empty() {
        return Err(bad());
    }
    if let Ok(number) = text.parse::<u64>() {
        return number
            .checked_mul(bare.secs())
            .map(Duration::from_secs)
            .ok_or_else(bad);
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad());
        }
        let value: u64 = rest[..digits].parse().map_err(|_| bad())?;
        let after = rest[digits..].trim_start();
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c.is_whitespace())
            .unwrap_or(after.len());
        let unit = after[..unit_len].to_lowercase();
        let size = DURATION_UNITS
            .iter()
            .find(|(word, _)| *word == unit)
            .map(|(_, size)| *size)
            .ok_or_else(bad)?;
        total = value
            .checked_mul(size)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        rest = after[unit_len..].trim_start();
    }
    Ok(Duration::from_secs(total))
}

/// Whether a word looks like a duration a member meant to give (it starts with a digit, half- or
/// full-width), so that a word that cannot be read is refused rather than taken as the start of a reason.
pub fn looks_like_duration(word: &str) -> bool {
    word.trim()
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
}

/// Writes a duration back in the short form used by [`parse_duration`] (largest whole units first).
pub fn format_duration(duration: Duration) -> String {
    let mut secs = duration.as_secs();
    if secs == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= size {
            out.push_str(&format!("{}{}", secs / size, unit));
            secs %= size;
        }
    }
    out
}

/// A number as typed with full-width digits (１２３) and minus sign (－) made half-width.
fn half_width_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '－' => '-',
            _ => c,
        })
        .collect()
}

/// Parses a whole number of any sign (full-width digits accepted). A number with more digits than an `i64`
/// holds is still a number: it saturates at `i64::MIN` or `i64::MAX`, so callers report it as too large
/// rather than as not a number.
pub fn parse_integer(text: &str) -> Option<i64> {
    let normalized = half_width_digits(text);
    match normalized.parse::<i128>() {
        Ok(value) => Some(value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64),
        Err(_) => {
            let (negative, digits) = match normalized.strip_prefix('-') {
                Some(digits) => (true, digits),
                None => (false, normalized.strip_prefix('+').unwrap_or(&normalized)),
            };
            (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .then_some(if negative { i64::MIN } else { i64::MAX })
        }
    }
}

/// Splits off the first word of `text` (leading white space skipped); the rest starts at the next word.
pub fn first_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(at) => (&text[..at], text[at..].trim_start()),
        None => (text, ""),
    }
}

/// Parses a positive whole amount of points no larger than `max`. Full-width digits (１２３) are accepted.
pub fn parse_amount(text: &str, max: i64) -> Result<i64, ArgError> {
    let normalized = half_width_digits(text.trim());
    let value: i128 = match normalized.parse() {
        Ok(value) => value,
        Err(_) => {
            // More digits than any integer holds is still a whole number, just out of range.
            let digits = normalized.strip_prefix(['-', '+']).unwrap_or(&normalized);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ArgError::NotANumber(text.trim().to_string()));
            }
            if normalized.starts_with('-') {
                return Err(ArgError::NotPositive);
            }
            return Err(ArgError::TooLarge { max });
        }
    };
    if value <= 0 {
        return Err(ArgError::NotPositive);
    }
    if value > max as i128 {
        return Err(ArgError::TooLarge { max });
    }
    Ok(value as i64)
}

/// Who a command is about, as written. A reply target is decided by the caller (it has the message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec {
    /// `@name`, without the `@`, as typed.
    Username(String),
    /// A numeric Telegram user id.
    Id(i64),
}

/// Reads a target from the first word of `text` and returns it with the rest of the line.
/// Returns `None` when the first word is neither an `@username` nor a numeric id that looks like a user
/// id (ids below 1000 are taken as amounts, not users, so `/give 50` by reply keeps working).
pub fn split_target(text: &str) -> (Option<TargetSpec>, &str) {
    let text = text.trim_start();
    let (word, rest) = first_word(text);
    if let Some(name) = word.strip_prefix('@') {
        let valid = name.len() >= 3 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid {
            return (Some(TargetSpec::Username(name.to_string())), rest);
        }
        return (None, text);
    }
    match word.parse::<i64>() {
        Ok(id) if id >= 1000 => (Some(TargetSpec::Id(id)), rest),
        _ => (None, text),
    }
}

/// Splits a command's argument text into words, keeping `"quoted phrases"` (straight or curly quotes)
/// together.
pub fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for ch in text.chars() {
        match quote {
            Some(close) if ch == close => {
                words.push(std::mem::take(&mut current));
                quote = None;
            }
            Some(_) => current.push(ch),
            None if ch == '"' || ch == '“' => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
                quote = Some(if ch == '“' { '”' } else { '"' });
            }
            None if ch.is_whitespace() => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            None => current.push(ch),
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("45s"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("3d"), Ok(Duration::from_secs(259_200)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("3x").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("5m3").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
    }

    #[test]
    fn chinese_units_words_and_full_width_digits() {
        let secs = |text| parse_duration(text).map(|d| d.as_secs());
        assert_eq!(secs("1天"), Ok(86_400));
        assert_eq!(secs("30分钟"), Ok(1_800));
        assert_eq!(secs("2小时"), Ok(7_200));
        assert_eq!(secs("1周"), Ok(604_800));
        assert_eq!(secs("3天"), Ok(259_200));
        assert_eq!(secs("１天"), Ok(86_400), "full-width digits");
        assert_eq!(secs("1小时30分钟"), Ok(5_400));
        assert_eq!(secs("2 hours"), Ok(7_200));
        assert_eq!(secs("1h30m"), Ok(5_400));
        assert_eq!(secs("10 分钟"), Ok(600));
        assert!(parse_duration("1y").is_err(), "years are not a unit");
        assert!(parse_duration("1天半").is_err());
        assert!(parse_duration("天").is_err());
        assert!(parse_duration("30mm").is_err());
        assert!(looks_like_duration("1天") && looks_like_duration("１天"));
        assert!(!looks_like_duration("广告") && !looks_like_duration(""));
    }

    #[test]
    fn a_bare_number_is_read_in_the_unit_asked_for() {
        assert_eq!(
            parse_duration_in("30", BareUnit::Minutes),
            Ok(Duration::from_secs(1800))
        );
        assert_eq!(
            parse_duration_in("30", BareUnit::Seconds),
            parse_duration("30")
        );
        for text in ["45s", "30m", "2h", "1h30m", "3d"] {
            assert_eq!(
                parse_duration_in(text, BareUnit::Minutes),
                parse_duration(text),
                "{text} names its unit"
            );
        }
        assert!(parse_duration_in("", BareUnit::Minutes).is_err());
        assert!(parse_duration_in("30x", BareUnit::Minutes).is_err());
        assert!(parse_duration_in(&u64::MAX.to_string(), BareUnit::Minutes).is_err());
        assert_eq!(
            parse_duration_in(&u64::MAX.to_string(), BareUnit::Seconds),
            Ok(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn restrictions_must_be_honoured_by_telegram() {
        assert_eq!(
            check_restriction(Duration::from_secs(30)),
            Ok(Duration::from_secs(30))
        );
        assert_eq!(
            check_restriction(parse_duration("10").unwrap()),
            Err(ArgError::RestrictionRange),
            "a bare 10 is ten seconds, which Telegram would make forever"
        );
        assert_eq!(
            check_restriction(parse_duration("367d").unwrap()),
            Err(ArgError::RestrictionRange)
        );
        assert!(check_restriction(parse_duration("366d").unwrap()).is_ok());
    }

    #[test]
    fn integers_of_any_sign_and_length() {
        assert_eq!(parse_integer("123"), Some(123));
        assert_eq!(parse_integer("-7"), Some(-7));
        assert_eq!(parse_integer("１００"), Some(100));
        assert_eq!(parse_integer("－５"), Some(-5));
        assert_eq!(
            parse_integer("99999999999999999999999999999999999999999"),
            Some(i64::MAX)
        );
        assert_eq!(
            parse_integer("-99999999999999999999999999999999999999999"),
            Some(i64::MIN)
        );
        assert_eq!(parse_integer("12a"), None);
        assert_eq!(parse_integer("-"), None);
        assert_eq!(parse_integer(""), None);
    }

    #[test]
    fn the_first_word_is_split_off() {
        assert_eq!(first_word("  equal 100  5 wish"), ("equal", "100  5 wish"));
        assert_eq!(first_word("alone"), ("alone", ""));
        assert_eq!(first_word("   "), ("", ""));
    }

    #[test]
    fn formats_durations() {
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format_duration(Duration::from_secs(86_400)), "1d");
        assert_eq!(format_duration(Duration::ZERO), "0s");
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("100", 1000), Ok(100));
        assert_eq!(parse_amount("１２３", 1000), Ok(123));
        assert_eq!(parse_amount("0", 1000), Err(ArgError::NotPositive));
        assert_eq!(parse_amount("-5", 1000), Err(ArgError::NotPositive));
        assert_eq!(
            parse_amount("1001", 1000),
            Err(ArgError::TooLarge { max: 1000 })
        );
        assert!(matches!(
            parse_amount("abc", 1000),
            Err(ArgError::NotANumber(_))
        ));
        assert!(matches!(
            parse_amount("1.5", 1000),
            Err(ArgError::NotANumber(_))
        ));
        assert_eq!(
            parse_amount("99999999999999999999999", 1000),
            Err(ArgError::TooLarge { max: 1000 })
        );
        // Beyond what i128 holds: still a number, just too large (or not positive).
        let huge = "9".repeat(60);
        assert_eq!(
            parse_amount(&huge, 1000),
            Err(ArgError::TooLarge { max: 1000 })
        );
        assert_eq!(
            parse_amount(&format!("-{huge}"), 1000),
            Err(ArgError::NotPositive)
        );
        assert!(matches!(
            parse_amount("-", 1000),
            Err(ArgError::NotANumber(_))
        ));
    }

    #[test]
    fn targets() {
        assert_eq!(
            split_target("@alice 50 for help"),
            (Some(TargetSpec::Username("alice".into())), "50 for help")
        );
        assert_eq!(
            split_target("123456789 5"),
            (Some(TargetSpec::Id(123_456_789)), "5")
        );
        assert_eq!(split_target("50 thanks"), (None, "50 thanks"));
        assert_eq!(split_target("@a b"), (None, "@a b"));
        assert_eq!(split_target(""), (None, ""));
    }

    #[test]
    fn words_keep_quotes() {
        assert_eq!(
            split_words(r#"add "加 微信" mute 1h"#),
            vec!["add", "加 微信", "mute", "1h"]
        );
        assert_eq!(split_words("a  “b c”d"), vec!["a", "b c", "d"]);
    }

    proptest! {
        #[test]
        fn duration_round_trips(secs in 1u64..10_000_000) {
            let d = Duration::from_secs(secs);
            prop_assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }

        #[test]
        fn parsers_never_panic(s in "\\PC*") {
            let _ = parse_duration(&s);
            let _ = parse_duration_in(&s, BareUnit::Minutes);
            let _ = parse_amount(&s, 1_000_000);
            let _ = split_target(&s);
            let _ = split_words(&s);
        }
    }
}
