//! Small pure rules of the economy's glue: gathering the sign-in replies of a wave into one message, the
//! words of `/rank`, the first day of a ranking period, the activity points owed for a day and the random
//! roll of a sign-in bonus.

use super::streak;
use chrono::Datelike;

/// The sign-in replies of one group while a wave is open.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Wave {
    open: bool,
    lines: Vec<String>,
}

/// What to do with one sign-in reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offer {
    /// No wave was open: send this line now (a wave opens; the caller closes it after its window).
    SendNow(String),
    /// A wave is open: the line was gathered (or was already there) and goes out when the wave closes.
    Gathered,
}

impl Wave {
    /// Offers a reply line to the group's wave.
    pub fn offer(&mut self, line: String) -> Offer {
        if !self.open {
            self.open = true;
            return Offer::SendNow(line);
        }
        if !self.lines.contains(&line) {
            self.lines.push(line);
        }
        Offer::Gathered
    }

    /// Closes the wave and returns the gathered lines, in arrival order, each once.
    pub fn close(&mut self) -> Vec<String> {
        self.open = false;
        std::mem::take(&mut self.lines)
    }
}

/// What `/rank` ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RankKind {
    /// Balances (all time) or points gained (in a period).
    Points,
    /// Sign-ins.
    Checkin,
    /// Messages.
    Messages,
}

impl RankKind {
    /// The word used in wording ids.
    pub fn word(self) -> &'static str {
        match self {
            RankKind::Points => "points",
            RankKind::Checkin => "checkin",
            RankKind::Messages => "messages",
        }
    }
}

/// Over which time `/rank` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Today (the group's sign-in day).
    Day,
    /// Since Monday of this week.
    Week,
    /// Since the first of this month.
    Month,
    /// Ever.
    All,
}

impl Period {
    /// The word used in wording ids.
    pub fn word(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
            Period::All => "all",
        }
    }
}

/// Reads `/rank [points|checkin|messages] [day|week|month|all]` in any order (Chinese words too);
/// defaults are points and all. `None` for a word that is neither.
pub fn parse_rank_args(args: &str) -> Option<(RankKind, Period)> {
    let (mut kind, mut period) = (None, None);
    for word in args.split_whitespace() {
        let word = word.to_lowercase();
        match word.as_str() {
            "points" | "积分" if kind.is_none() => kind = Some(RankKind::Points),
            "checkin" | "签到" if kind.is_none() => kind = Some(RankKind::Checkin),
            "messages" | "发言" if kind.is_none() => kind = Some(RankKind::Messages),
            "day" | "today" | "日" | "今日" if period.is_none() => period = Some(Period::Day),
            "week" | "周" | "本周" if period.is_none() => period = Some(Period::Week),
            "month" | "月" | "本月" if period.is_none() => period = Some(Period::Month),
            "all" | "总" | "全部" if period.is_none() => period = Some(Period::All),
            _ => return None,
        }
    }
    Some((
        kind.unwrap_or(RankKind::Points),
        period.unwrap_or(Period::All),
    ))
}

/// The first sign-in day of `period` when today is day `today`; `None` for all time. Weeks start on
/// Monday.
pub fn period_first_day(period: Period, today: i64) -> Option<i64> {
    let date = streak::date_of_day(today)?;
    match period {
        Period::Day => Some(today),
        Period::Week => Some(today - i64::from(date.weekday().num_days_from_monday())),
        Period::Month => Some(today - i64::from(date.day0())),
        Period::All => None,
    }
}

/// Activity points owed for a day with `long_messages` counted messages: `per_message` each, at most
/// `daily_cap`.
pub fn activity_owed(long_messages: i64, per_message: i64, daily_cap: i64) -> i64 {
    long_messages
        .max(0)
        .saturating_mul(per_message.max(0))
        .min(daily_cap.max(0))
}

/// The random roll of a member's sign-in bonus: a fixed mix of group, member and day, so a sign-in that
/// is retried after a crash rolls the same bonus and tests are deterministic.
pub fn checkin_roll(chat_id: i64, user_id: i64, day: i64) -> u64 {
    let mut x = (chat_id as u64)
        ^ (user_id as u64).rotate_left(21)
        ^ (day as u64).rotate_left(42)
        ^ 0x9E37_79B9_7F4A_7C15;
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn a_wave_sends_the_first_line_and_gathers_the_rest_once() {
        let mut wave = Wave::default();
        assert_eq!(wave.offer("a".into()), Offer::SendNow("a".into()));
        assert_eq!(wave.offer("b".into()), Offer::Gathered);
        assert_eq!(wave.offer("c".into()), Offer::Gathered);
        assert_eq!(wave.offer("b".into()), Offer::Gathered);
        assert_eq!(wave.close(), vec!["b".to_string(), "c".to_string()]);
        assert_eq!(wave.offer("d".into()), Offer::SendNow("d".into()));
        assert!(wave.close().is_empty());
    }

    #[test]
    fn rank_words_in_any_order_with_defaults() {
        assert_eq!(parse_rank_args(""), Some((RankKind::Points, Period::All)));
        assert_eq!(
            parse_rank_args("week checkin"),
            Some((RankKind::Checkin, Period::Week))
        );
        assert_eq!(
            parse_rank_args("发言 今日"),
            Some((RankKind::Messages, Period::Day))
        );
        assert_eq!(parse_rank_args("points points"), None);
        assert_eq!(parse_rank_args("yearly"), None);
    }

    #[test]
    fn periods_start_on_monday_and_the_first_of_the_month() {
        // 2025-03-13 is a Thursday.
        let today = streak::day_of_date(NaiveDate::from_ymd_opt(2025, 3, 13).unwrap());
        assert_eq!(period_first_day(Period::Day, today), Some(today));
        let monday = streak::day_of_date(NaiveDate::from_ymd_opt(2025, 3, 10).unwrap());
        assert_eq!(period_first_day(Period::Week, today), Some(monday));
        let first = streak::day_of_date(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap());
        assert_eq!(period_first_day(Period::Month, today), Some(first));
        assert_eq!(period_first_day(Period::All, today), None);
    }

    #[test]
    fn activity_points_stop_at_the_cap() {
        assert_eq!(activity_owed(3, 2, 50), 6);
        assert_eq!(activity_owed(100, 1, 50), 50);
        assert_eq!(activity_owed(i64::MAX, 5, 50), 50);
        assert_eq!(activity_owed(-4, 1, 50), 0);
        assert_eq!(activity_owed(10, 0, 50), 0);
    }

    #[test]
    fn the_sign_in_roll_is_fixed_per_member_and_day_and_varies_between_them() {
        assert_eq!(checkin_roll(-100, 7, 20_000), checkin_roll(-100, 7, 20_000));
        let rolls: std::collections::BTreeSet<u64> = (0..50)
            .map(|day| checkin_roll(-100, 7, 20_000 + day))
            .chain((0..50).map(|user| checkin_roll(-100, user, 20_000)))
            .collect();
        assert!(rolls.len() > 95, "rolls repeat too often: {}", rolls.len());
    }
}
