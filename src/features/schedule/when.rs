//! When a scheduled post runs, as a pure core: reading `<when>` and the options an admin types, the next
//! occurrence in the group's time zone, and what to do with a run the bot missed.
//!
//! `<when>` is one of:
//! - one time: `at 2026-12-24 20:00` / `于 2026-12-24 20:00`, or `in 2h` / `2小时后`;
//! - recurring: `every day 08:00` / `每天 08:00`, `every weekday 08:00` / `工作日 08:00`,
//!   `every mon,wed,fri 20:30` / `每周一,三,五 20:30`, `every month 1 09:00` / `每月1号 09:00`,
//!   `every 2h` / `每2小时` (from the moment it is set), or a five-field cron expression, optionally
//!   after `cron` (`0 8 * * 1-5`).
//!
//! Every form except `every <duration>` becomes a cron expression read in the group's time zone, so
//! daylight saving time is handled once, by the `croner` crate: a time in a skipped hour runs at the first
//! valid instant after it, and a time that exists twice runs once, at its first occurrence. A one-time
//! `at` in a skipped hour runs at the first valid minute after it too.
//!
//! Nothing here reads the clock: the caller passes `now` and the zone.

use chrono::{NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds};
use croner::Cron;

pub use crate::facts::zones::local_instant;

/// The shortest interval of `every <duration>`, in seconds.
pub const MIN_INTERVAL_SECS: i64 = 60;
/// The longest `delete=`, in seconds: Telegram lets a bot delete messages younger than 48 hours.
pub const MAX_DELETE_SECS: i64 = 48 * 3_600 - 60;

/// When a post runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// Once, at this instant (Unix seconds).
    Once(i64),
    /// At every match of this five-field cron expression in the group's time zone.
    Cron(String),
    /// Every this many seconds, counted from the anchor (the moment it was set).
    Every(i64),
}

/// A parsed `/schedule` line: when, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// When it runs.
    pub rule: Rule,
    /// No run after this instant.
    pub until: Option<i64>,
    /// At most this many runs.
    pub count: Option<i64>,
    /// Pin each post (and unpin the previous one).
    pub pin: bool,
    /// Delete each post this many seconds after it was sent.
    pub delete_after: Option<i64>,
}

/// Why a line was refused; each names the part that is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhenError {
    /// No `<when>` at all.
    Missing,
    /// Not any form we read.
    Unknown(String),
    /// A date or time that is not `YYYY-MM-DD HH:MM` / `HH:MM`, or does not exist.
    BadTime(String),
    /// A one-time post in the past (or `until` before the first run).
    Past(String),
    /// A cron expression that does not parse, or never matches.
    BadCron(String),
    /// An interval of zero.
    ZeroInterval(String),
    /// An interval shorter than a minute.
    ShortInterval(String),
    /// Day names we do not read.
    BadDays(String),
    /// A day of the month outside 1–31.
    BadDayOfMonth(String),
    /// An option we do not know, or a value we cannot use.
    BadOption(String),
    /// A `delete=` of zero or longer than Telegram allows.
    BadDelete(String),
}

/// Reads the arguments of `/schedule` (everything after the command) at `now` in zone `tz`.
pub fn parse(args: &str, now: i64, tz: Tz) -> Result<Plan, WhenError> {
    let text = normalize(args);
    let mut when_words = Vec::new();
    let mut options = Vec::new();
    for word in text.split_whitespace() {
        let lower = word.to_lowercase();
        if lower == "pin" || lower == "置顶" || word.contains('=') {
            options.push(word.to_string());
        } else {
            when_words.push(word.to_string());
        }
    }
    if when_words.is_empty() {
        return Err(WhenError::Missing);
    }
    let rule = parse_when(&when_words.join(" "), now, tz)?;
    let mut plan = Plan {
        rule,
        until: None,
        count: None,
        pin: false,
        delete_after: None,
    };
    for option in options {
        let lower = option.to_lowercase();
        let (key, value) = lower.split_once('=').unwrap_or((lower.as_str(), ""));
        let bad = || WhenError::BadOption(option.clone());
        match key {
            "pin" | "置顶" if value.is_empty() => plan.pin = true,
            "until" | "直到" => plan.until = Some(parse_until(value, tz).ok_or_else(bad)?),
            "count" | "次数" => match value.parse::<i64>() {
                Ok(n) if n >= 1 => plan.count = Some(n),
                _ => return Err(bad()),
            },
            "delete" | "删除" => {
                let secs = crate::args::parse_duration(value)
                    .map_err(|_| WhenError::BadDelete(option.clone()))?
                    .as_secs();
                let secs = i64::try_from(secs).unwrap_or(i64::MAX);
                if secs == 0 || secs > MAX_DELETE_SECS {
                    return Err(WhenError::BadDelete(option.clone()));
                }
                plan.delete_after = Some(secs);
            }
            _ => return Err(bad()),
        }
    }
    let first = next_after(&plan.rule, now, now - 1, tz)
        .ok_or_else(|| WhenError::BadCron(when_words.join(" ")))?;
    if let Some(until) = plan.until {
        if until < first {
            return Err(WhenError::Past(format!("until={}", local_text(tz, until))));
        }
    }
    Ok(plan)
}

/// Full-width digits and punctuation as their ASCII forms, and the Chinese list marks as commas.
fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '：' => ':',
            '，' | '、' => ',',
            '＝' => '=',
            '　' => ' ',
            other => other,
        })
        .collect()
}

/// Reads `<when>`.
pub fn parse_when(text: &str, now: i64, tz: Tz) -> Result<Rule, WhenError> {
    let text = normalize(text.trim());
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let unknown = || WhenError::Unknown(text.clone());
    match words.as_slice() {
        [] => Err(WhenError::Missing),
        ["at" | "于" | "在", date, time] => once_at(date, time, now, tz),
        ["in", duration] => after(duration, now),
        ["cron", fields @ ..] => cron_rule(&fields.join(" ")),
        ["every" | "每", "day" | "天", time] => daily(time, "*"),
        ["every", "weekday" | "workday", time] => daily(time, "1-5"),
        ["every", "month", day, time] => monthly(day, time),
        ["every", duration] => interval(duration),
        ["every", days, time] => daily(time, &english_days(days)?),
        fields if fields.len() == 5 && fields.iter().all(|f| is_cron_field(f)) => {
            cron_rule(&fields.join(" "))
        }
        _ => chinese(&lower, now, tz).unwrap_or_else(|| Err(unknown())),
    }
}

/// The Chinese forms: `每天 08:00`, `工作日 08:00`, `每周一,三,五 20:30`, `每月1号 09:00`, `每2小时`,
/// `2小时后`, `于2026-12-24 20:00`. `None` when the text is none of them.
fn chinese(text: &str, now: i64, tz: Tz) -> Option<Result<Rule, WhenError>> {
    let compact: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(rest) = compact.strip_prefix("每天") {
        return Some(daily(rest.trim(), "*"));
    }
    for prefix in ["每个工作日", "工作日"] {
        if let Some(rest) = compact.strip_prefix(prefix) {
            return Some(daily(rest.trim(), "1-5"));
        }
    }
    if let Some(rest) = compact
        .strip_prefix("每周")
        .or_else(|| compact.strip_prefix("每星期"))
    {
        let (days, time) = split_days_and_time(rest);
        return Some(chinese_days(days).and_then(|days| daily(time, &days)));
    }
    if let Some(rest) = compact.strip_prefix("每月") {
        let rest = rest.trim();
        let end = rest.find(['号', '日'])?;
        let day = &rest[..end];
        let time = rest[end..].trim_start_matches(['号', '日']).trim();
        return Some(monthly(day.trim(), time));
    }
    if let Some(rest) = compact.strip_prefix('每') {
        return Some(interval(rest.trim()));
    }
    if let Some(rest) = compact.strip_suffix('后') {
        return Some(after(rest.trim().trim_end_matches('之'), now));
    }
    if let Some(rest) = compact.strip_prefix('于') {
        let mut parts = rest.split_whitespace();
        if let (Some(date), Some(time), None) = (parts.next(), parts.next(), parts.next()) {
            return Some(once_at(date, time, now, tz));
        }
    }
    None
}

/// Splits `一,三,五 20:30` (or `一三五20:30`) into the day part and the time part.
fn split_days_and_time(text: &str) -> (&str, &str) {
    let at = text
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(text.len());
    (text[..at].trim(), text[at..].trim())
}

fn once_at(date: &str, time: &str, now: i64, tz: Tz) -> Result<Rule, WhenError> {
    let written = format!("{date} {time}");
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map_err(|_| WhenError::BadTime(written.clone()))?;
    let (hour, minute) = clock_time(time).ok_or_else(|| WhenError::BadTime(written.clone()))?;
    let naive = date
        .and_hms_opt(hour, minute, 0)
        .ok_or_else(|| WhenError::BadTime(written.clone()))?;
    let at = local_instant(tz, naive).ok_or_else(|| WhenError::BadTime(written.clone()))?;
    if at <= now {
        return Err(WhenError::Past(written));
    }
    Ok(Rule::Once(at))
}

fn after(duration: &str, now: i64) -> Result<Rule, WhenError> {
    let secs = duration_secs(duration)?;
    Ok(Rule::Once(now.saturating_add(secs)))
}

fn interval(duration: &str) -> Result<Rule, WhenError> {
    let secs = duration_secs(duration)?;
    if secs < MIN_INTERVAL_SECS {
        return Err(WhenError::ShortInterval(duration.to_string()));
    }
    Ok(Rule::Every(secs))
}

/// A duration in seconds; zero is [`WhenError::ZeroInterval`].
fn duration_secs(duration: &str) -> Result<i64, WhenError> {
    let secs = crate::args::parse_duration(duration)
        .map_err(|_| WhenError::Unknown(duration.to_string()))?
        .as_secs();
    if secs == 0 {
        return Err(WhenError::ZeroInterval(duration.to_string()));
    }
    Ok(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// `HH:MM`, `H:MM`, `20点`, `8点30`, `8点半`.
fn clock_time(text: &str) -> Option<(u32, u32)> {
    let text = text.trim().trim_end_matches('分');
    let (hour, minute) = if let Some((h, m)) = text.split_once(':') {
        (h, m)
    } else if let Some((h, m)) = text.split_once('点') {
        (h, if m == "半" { "30" } else { m })
    } else {
        return None;
    };
    let hour: u32 = hour.trim().parse().ok()?;
    let minute: u32 = if minute.trim().is_empty() {
        0
    } else {
        minute.trim().parse().ok()?
    };
    (hour < 24 && minute < 60).then_some((hour, minute))
}

fn daily(time: &str, days: &str) -> Result<Rule, WhenError> {
    let (hour, minute) = clock_time(time).ok_or_else(|| WhenError::BadTime(time.to_string()))?;
    cron_rule(&format!("{minute} {hour} * * {days}"))
}

fn monthly(day: &str, time: &str) -> Result<Rule, WhenError> {
    let day_number: u32 = day
        .parse()
        .map_err(|_| WhenError::BadDayOfMonth(day.to_string()))?;
    if !(1..=31).contains(&day_number) {
        return Err(WhenError::BadDayOfMonth(day.to_string()));
    }
    let (hour, minute) = clock_time(time).ok_or_else(|| WhenError::BadTime(time.to_string()))?;
    cron_rule(&format!("{minute} {hour} {day_number} * *"))
}

/// English day names (`mon,wed,fri`, `monday`, `sat-sun`… as cron reads them) as cron's numbers.
fn english_days(text: &str) -> Result<String, WhenError> {
    const DAYS: [(&str, u8); 7] = [
        ("sun", 0),
        ("mon", 1),
        ("tue", 2),
        ("wed", 3),
        ("thu", 4),
        ("fri", 5),
        ("sat", 6),
    ];
    let mut numbers = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let number = DAYS
            .iter()
            .find(|(short, _)| name.len() >= 3 && full_day_name(short).starts_with(name))
            .map(|(_, n)| *n)
            .ok_or_else(|| WhenError::BadDays(text.to_string()))?;
        numbers.push(number);
    }
    days_list(numbers, text)
}

fn full_day_name(short: &str) -> &'static str {
    match short {
        "sun" => "sunday",
        "mon" => "monday",
        "tue" => "tuesday",
        "wed" => "wednesday",
        "thu" => "thursday",
        "fri" => "friday",
        _ => "saturday",
    }
}

/// Chinese day names (`一,三,五`, `一三五`, `六日`) as cron's numbers.
fn chinese_days(text: &str) -> Result<String, WhenError> {
    let mut numbers = Vec::new();
    for c in text.chars().filter(|c| !matches!(c, ',' | ' ' | '周')) {
        let number = match c {
            '一' => 1,
            '二' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '日' | '天' => 0,
            _ => return Err(WhenError::BadDays(text.to_string())),
        };
        numbers.push(number);
    }
    days_list(numbers, text)
}

fn days_list(mut numbers: Vec<u8>, written: &str) -> Result<String, WhenError> {
    numbers.sort_unstable();
    numbers.dedup();
    if numbers.is_empty() {
        return Err(WhenError::BadDays(written.to_string()));
    }
    Ok(numbers
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(","))
}

fn is_cron_field(field: &str) -> bool {
    !field.is_empty()
        && field
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | '/' | ',' | '-' | '?' | '#'))
}

/// The croner reading of a five-field expression (minutes, hours, day of month, month, day of week).
pub fn cron(expression: &str) -> Option<Cron> {
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .build()
        .parse(expression)
        .ok()
}

fn cron_rule(expression: &str) -> Result<Rule, WhenError> {
    let expression = expression.trim().to_string();
    let Some(parsed) = cron(&expression) else {
        return Err(WhenError::BadCron(expression));
    };
    // An expression that never matches (30 February) is as good as malformed.
    let start = chrono::DateTime::from_timestamp(0, 0).expect("the epoch is a valid time");
    let start = start.with_timezone(&Tz::UTC) + chrono::Duration::days(365 * 56);
    match parsed.find_next_occurrence(&start, false) {
        Ok(next) if (next - start).num_days() <= 8 * 366 => Ok(Rule::Cron(expression)),
        _ => Err(WhenError::BadCron(expression)),
    }
}

/// The first run of `rule` strictly after `after` (Unix seconds) in zone `tz`; `anchor` is when an
/// interval started counting.
pub fn next_after(rule: &Rule, anchor: i64, after: i64, tz: Tz) -> Option<i64> {
    match rule {
        Rule::Once(at) => (*at > after).then_some(*at),
        Rule::Every(every) => {
            let every = (*every).max(1);
            if after < anchor {
                return Some(anchor + every);
            }
            let passed = (after - anchor) / every;
            Some(anchor + (passed + 1) * every)
        }
        Rule::Cron(expression) => {
            let cron = cron(expression)?;
            let start = tz.timestamp_opt(after, 0).single()?;
            cron.find_next_occurrence(&start, false)
                .ok()
                .map(|at| at.timestamp())
        }
    }
}

/// The latest run of `rule` at or before `now` and at or after `due` (the run that fell due); `due` when
/// there is none later.
pub fn latest_missed(rule: &Rule, anchor: i64, due: i64, now: i64, tz: Tz) -> i64 {
    let mut latest = due;
    // Each step moves strictly forward; a bound keeps a pathological expression from looping long.
    for _ in 0..100_000 {
        match next_after(rule, anchor, latest, tz) {
            Some(next) if next <= now => latest = next,
            _ => break,
        }
    }
    latest
}

/// What to do with a run that fell due at `due` and is handled at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fire {
    /// Post it, as the run at `occurrence`; `late` when it goes out after its time (the bot was down).
    Post {
        /// The run's planned instant.
        occurrence: i64,
        /// Whether it is late.
        late: bool,
    },
    /// A one-time post too late to send: tell the admins instead.
    Report {
        /// The run's planned instant.
        occurrence: i64,
    },
}

/// A post counts as late when it goes out this many seconds after its time.
pub const LATE_AFTER_SECS: i64 = 60;

/// The missed-run rules: a one-time post at most `grace` late is posted and marked late, an older one is
/// reported and not posted; a recurring post runs its latest missed occurrence, once. Returns what to do
/// now and when the next run is (`None` when the schedule is over: past `until`, or `count` reached with
/// this run, where `runs` is how many ran before).
pub fn fire(
    plan: &Plan,
    anchor: i64,
    runs: i64,
    due: i64,
    now: i64,
    grace: i64,
    tz: Tz,
) -> (Fire, Option<i64>) {
    let late = |occurrence: i64| now - occurrence >= LATE_AFTER_SECS;
    match &plan.rule {
        Rule::Once(_) => {
            let action = if now - due > grace {
                Fire::Report { occurrence: due }
            } else {
                Fire::Post {
                    occurrence: due,
                    late: late(due),
                }
            };
            (action, None)
        }
        rule => {
            let occurrence = latest_missed(rule, anchor, due, now, tz);
            let next = next_after(rule, anchor, occurrence.max(now), tz)
                .filter(|next| plan.until.is_none_or(|until| *next <= until))
                .filter(|_| plan.count.is_none_or(|count| runs + 1 < count));
            (
                Fire::Post {
                    occurrence,
                    late: late(occurrence),
                },
                next,
            )
        }
    }
}

/// `until=` as written: `2027-01-31` (the end of that day) or `2027-01-31T20:00`.
fn parse_until(value: &str, tz: Tz) -> Option<i64> {
    let naive = if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        date.and_time(NaiveTime::from_hms_opt(23, 59, 59)?)
    } else {
        let (date, time) = value.split_once(['t', '_'])?;
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
        let (hour, minute) = clock_time(time)?;
        date.and_hms_opt(hour, minute, 0)?
    };
    local_instant(tz, naive)
}

/// An instant as the group reads it: `2026-12-24 20:00` in its zone.
pub fn local_text(tz: Tz, at: i64) -> String {
    tz.timestamp_opt(at, 0).single().map_or_else(
        || at.to_string(),
        |t| t.format("%Y-%m-%d %H:%M").to_string(),
    )
}

#[cfg(test)]
mod tests;
