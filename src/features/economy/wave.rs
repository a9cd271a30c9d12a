//! Small pure rules of the economy's glue: gathering the sign-in replies of a wave into one message and how
//! long a wave gathers, the words of `/rank`, the first day of a ranking period, the activity points paid
//! for new messages and the random roll of a sign-in bonus.

use chrono::Datelike;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

/// A wave sends at most two messages (the first reply, then the gathered rest) per this many of the group's
/// per-send intervals, so sign-in waves use at most half of the group's send budget and other features
/// keep the other half.
pub const WAVE_WINDOW_SENDS: u32 = 4;

/// How long a sign-in wave gathers replies when the group may get one send per `per_send`:
/// [`WAVE_WINDOW_SENDS`] intervals, and at least `minimum` (the setting `economy.min_wave_window`).
pub fn wave_window(per_send: Duration, minimum: Duration) -> Duration {
    (per_send * WAVE_WINDOW_SENDS).max(minimum)
}

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
    let date = crate::facts::day::date_of_day(today)?;
    match period {
        Period::Day => Some(today),
        Period::Week => Some(today - i64::from(date.weekday().num_days_from_monday())),
        Period::Month => Some(today - i64::from(date.day0())),
        Period::All => None,
    }
}

/// Activity points owed for `long_messages` counted messages: `per_message` each, at most `room`.
pub fn activity_owed(long_messages: i64, per_message: i64, room: i64) -> i64 {
    long_messages
        .max(0)
        .saturating_mul(per_message.max(0))
        .min(room.max(0))
}

/// Activity points for a member's new long messages of one day, as (minute, messages) in minute order:
/// `per_message` each, in that order, until `room` (what the daily cap leaves) is used up. Returns
/// (minute, points) for the minutes that get anything.
pub fn allot_activity(new: &[(i64, i64)], per_message: i64, room: i64) -> Vec<(i64, i64)> {
    let mut room = room.max(0);
    let mut paid = Vec::new();
    for &(minute, messages) in new {
        let points = activity_owed(messages, per_message, room);
        if points > 0 {
            paid.push((minute, points));
            room -= points;
        }
    }
    paid
}

/// The random roll of a member's sign-in bonus: HMAC-SHA-256 of group, member and day under the
/// deployment's secret, so a sign-in retried after a crash rolls the same bonus and tests that fix the
/// secret are deterministic, while members, who do not know the secret, cannot predict it.
pub fn checkin_roll(secret: &[u8; 32], chat_id: i64, user_id: i64, day: i64) -> u64 {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(format!("groupops-checkin|{chat_id}|{user_id}|{day}").as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut word = [0u8; 8];
    word.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(word)
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
        let today = crate::facts::day::day_of_date(NaiveDate::from_ymd_opt(2025, 3, 13).unwrap());
        assert_eq!(period_first_day(Period::Day, today), Some(today));
        let monday = crate::facts::day::day_of_date(NaiveDate::from_ymd_opt(2025, 3, 10).unwrap());
        assert_eq!(period_first_day(Period::Week, today), Some(monday));
        let first = crate::facts::day::day_of_date(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap());
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
    fn activity_is_allotted_in_minute_order_until_the_cap_is_used() {
        assert_eq!(
            allot_activity(&[(10, 2), (11, 1), (12, 4)], 1, 50),
            vec![(10, 2), (11, 1), (12, 4)]
        );
        assert_eq!(
            allot_activity(&[(10, 2), (11, 1), (12, 4)], 2, 7),
            vec![(10, 4), (11, 2), (12, 1)]
        );
        assert_eq!(allot_activity(&[(10, 2)], 1, 0), vec![]);
        assert_eq!(allot_activity(&[(10, 2)], 1, -3), vec![]);
        assert_eq!(allot_activity(&[(10, i64::MAX)], 5, 50), vec![(10, 50)]);
    }

    #[test]
    fn sign_in_waves_leave_half_the_group_budget_to_others() {
        // Telegram's 20 sends a minute: one send per 3 s, so a wave gathers for 12 s and sends at most two
        // messages in that time, 10 a minute.
        let per_send = Duration::from_secs(60) / 20;
        let minimum = Duration::from_secs(2);
        let window = wave_window(per_send, minimum);
        assert_eq!(window, Duration::from_secs(12));
        let wave_sends_per_minute = 2.0 * 60.0 / window.as_secs_f64();
        assert!(wave_sends_per_minute <= 20.0 / 2.0);
        // A generous limit gathers for the minimum, whatever the minimum is set to.
        assert_eq!(wave_window(Duration::from_millis(1), minimum), minimum);
        assert_eq!(
            wave_window(Duration::from_millis(1), Duration::from_millis(150)),
            Duration::from_millis(150)
        );
        // The minimum never shortens the window the group's budget asks for.
        assert_eq!(
            wave_window(per_send, Duration::from_millis(150)),
            Duration::from_secs(12)
        );
    }

    #[test]
    fn the_sign_in_roll_is_fixed_per_member_and_day_and_keyed_by_the_secret() {
        let secret = [7u8; 32];
        assert_eq!(
            checkin_roll(&secret, -100, 7, 20_000),
            checkin_roll(&secret, -100, 7, 20_000)
        );
        let rolls: std::collections::BTreeSet<u64> = (0..50)
            .map(|day| checkin_roll(&secret, -100, 7, 20_000 + day))
            .chain((0..50).map(|user| checkin_roll(&secret, -100, user, 20_000)))
            .collect();
        assert!(rolls.len() > 95, "rolls repeat too often: {}", rolls.len());
        // Another deployment's secret gives other rolls for the same member and day.
        let other = [8u8; 32];
        let differ = (0..50)
            .filter(|day| {
                checkin_roll(&secret, -100, 7, 20_000 + day)
                    != checkin_roll(&other, -100, 7, 20_000 + day)
            })
            .count();
        assert!(differ > 45, "{differ}");
    }
}
