//! The review numbers (复盘) as pure computations: from the rows the store reads (activity per day and
//! member, joins and leaves, and a few counts) to the summary `/stats` prints, the daily series the chart
//! draws, and the CSV files `/export` sends. No I/O and no clock reads; percentages are kept as integers
//! (tenths of a percent) so nothing here depends on float rounding.
//!
//! Definitions (the README repeats them):
//! - the window is the last `days` local days of the group, today included; a local day starts at midnight
//!   in the group's time zone (`day = floor((unix + offset) / 86400)`);
//! - the **observed days** are the window's days from the day the bot came to the group on (the first sign
//!   of it there: its arrival, the first message or join it recorded); days before it have no numbers, so
//!   they are left out of the daily rows, the chart and the averages;
//! - a member is **active** on a day when they sent at least one message that day;
//! - **members at end** is the member count Telegram reports now; **members at start** is that count minus
//!   the joins plus the leaves seen in the window;
//! - **daily active** is the mean of the daily active counts over the observed days; **weekly active** is the
//!   number of distinct members active in the window's last 7 days;
//! - **7-day retention** looks at the cohort of *new* members (first join the group ever saw of them, not
//!   seen there before: the referral's "known" test) whose join fell between 7 days before the window's
//!   start and 7 days before now — the window shifted back a week, so every member of it has had a whole
//!   week — and counts each of them once; retained are those with no leave within 7 days of that join. The
//!   cohort starts no earlier than the bot came; a bot that came less than 7 days ago has no cohort yet;
//! - the **referral multiplier** (裂变倍增率) is valid referrals in the window divided by the members active
//!   in the window;
//! - the **sign-in rate** is the members who signed in during the window divided by the members active in
//!   it; **red-packet participation** and **lottery participation** likewise for members who grabbed at least
//!   one packet or joined at least one lottery.

use std::collections::{BTreeMap, HashMap, HashSet};

/// Seconds in a day.
const DAY: i64 = 86_400;

/// The days a summary covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The group's offset from UTC in seconds (positive east).
    pub offset: i64,
    /// The first local day index.
    pub first_day: i64,
    /// How many days, today included.
    pub days: i64,
}

impl Window {
    /// The window of `days` local days ending with the day of `now`.
    pub fn ending_at(now: i64, offset: i64, days: i64) -> Window {
        let today = (now + offset).div_euclid(DAY);
        Window {
            offset,
            first_day: today - days + 1,
            days,
        }
    }

    /// The local day of a unix time.
    pub fn day_of(&self, at: i64) -> i64 {
        (at + self.offset).div_euclid(DAY)
    }

    /// The unix time at which the window starts.
    pub fn start(&self) -> i64 {
        self.first_day * DAY - self.offset
    }

    /// The local day as `YYYY-MM-DD`.
    pub fn date(day: i64) -> String {
        chrono::DateTime::from_timestamp(day * DAY, 0)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    }
}

/// A join or leave inside the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberEvent {
    /// Unix seconds.
    pub at: i64,
    /// The member.
    pub user_id: i64,
    /// True for a join, false for a leave.
    pub join: bool,
}

/// Everything the summary is computed from.
#[derive(Debug, Clone, Default)]
pub struct StatsInput {
    /// Now, unix seconds.
    pub now: i64,
    /// The first sign of the bot in the group (its arrival, or the first message or join it recorded, when
    /// earlier), unix seconds; 0 when it has been there longer than anything asked about.
    pub present_since: i64,
    /// The member count Telegram reports now.
    pub members_now: i64,
    /// (local day, member, messages that day), one row per member active that day.
    pub activity: Vec<(i64, i64, i64)>,
    /// Joins and leaves from 7 days before the window's start until now (the earlier week is read for the
    /// retention cohort's leaves only).
    pub events: Vec<MemberEvent>,
    /// New members' first joins (member, unix seconds) from 7 days before the window's start until 7 days
    /// before now: the retention cohort.
    pub new_members: Vec<(i64, i64)>,
    /// Referrals that became valid in the window.
    pub valid_referrals: i64,
    /// Members who signed in at least once in the window.
    pub signed_in: i64,
    /// Members who grabbed at least one red packet in the window.
    pub packet_grabbers: i64,
    /// Red-packet grabs in the window.
    pub packet_grabs: i64,
    /// Members who joined at least one lottery in the window.
    pub lottery_entrants: i64,
    /// Lottery entries in the window.
    pub lottery_entries: i64,
}

/// One day of the series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayRow {
    /// Local day index.
    pub day: i64,
    /// Joins that day.
    pub joins: i64,
    /// Leaves that day.
    pub leaves: i64,
    /// Members active that day.
    pub active: i64,
    /// Messages that day.
    pub messages: i64,
}

/// The review numbers of a window.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    /// Members at the window's start.
    pub members_start: i64,
    /// Members now.
    pub members_end: i64,
    /// Joins in the window.
    pub joins: i64,
    /// Leaves in the window.
    pub leaves: i64,
    /// Joins minus leaves.
    pub net: i64,
    /// Mean daily active members over the observed days, in tenths.
    pub daily_active_tenths: i64,
    /// The window's days the bot was in the group for (today included), at least 1.
    pub observed_days: i64,
    /// Distinct members active in the window's last 7 days.
    pub weekly_active: i64,
    /// Distinct members active in the window.
    pub active: i64,
    /// Messages in the window.
    pub messages: i64,
    /// The retention cohort (new members who joined from 7 days before the window's start, or from the
    /// bot's arrival when later, until 7 days before now), and how many of them did not leave within 7 days.
    pub retention: (i64, i64),
    /// The unix times the retention cohort's joins are read between, or `None` when the bot came less
    /// than 7 days ago (no member it saw join has had a whole week yet).
    pub cohort_span: Option<(i64, i64)>,
    /// The most talkative members: (member, messages), most first, ties by lower id.
    pub top_talkers: Vec<(i64, i64)>,
    /// Valid referrals in the window.
    pub valid_referrals: i64,
    /// Valid referrals per active member, in hundredths.
    pub multiplier_hundredths: i64,
    /// Members who signed in, and the rate in tenths of a percent of active members.
    pub signed_in: (i64, i64),
    /// Members who grabbed a red packet, and the rate in tenths of a percent of active members.
    pub packet_grabbers: (i64, i64),
    /// Red-packet grabs.
    pub packet_grabs: i64,
    /// Members who joined a lottery, and the rate in tenths of a percent of active members.
    pub lottery_entrants: (i64, i64),
    /// Lottery entries.
    pub lottery_entries: i64,
    /// One row per observed day of the window.
    pub daily: Vec<DayRow>,
}

/// `part / whole` in tenths of a percent (0 when `whole` is 0).
pub fn per_mille(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        0
    } else {
        part * 1000 / whole
    }
}

/// Tenths (e.g. per mille as a percentage, or a mean in tenths) as text: `123` → `12.3`.
pub fn tenths(value: i64) -> String {
    format!("{}.{}", value / 10, (value % 10).abs())
}

/// Hundredths as text: `5` → `0.05`.
pub fn hundredths(value: i64) -> String {
    format!("{}.{:02}", value / 100, (value % 100).abs())
}

/// Computes the summary of `window` with `top` talkers.
pub fn summarize(window: &Window, input: &StatsInput, top: usize) -> Summary {
    let last_day = window.first_day + window.days - 1;
    let in_window = |day: i64| day >= window.first_day && day <= last_day;
    // Days before the bot came have no numbers: they get no row and do not count in the averages.
    let first_observed = window
        .day_of(input.present_since)
        .max(window.first_day)
        .min(last_day);
    let observed_days = (last_day - first_observed + 1).max(1);
    let mut daily: BTreeMap<i64, DayRow> = (first_observed..=last_day)
        .map(|day| {
            (
                day,
                DayRow {
                    day,
                    ..DayRow::default()
                },
            )
        })
        .collect();
    let mut active: HashSet<i64> = HashSet::new();
    let mut weekly: HashSet<i64> = HashSet::new();
    let mut talk: HashMap<i64, i64> = HashMap::new();
    for &(day, user, messages) in input.activity.iter().filter(|row| in_window(row.0)) {
        if let Some(row) = daily.get_mut(&day) {
            row.active += 1;
            row.messages += messages;
        }
        active.insert(user);
        if day > last_day - 7 {
            weekly.insert(user);
        }
        *talk.entry(user).or_default() += messages;
    }
    let start = window.start();
    let events: Vec<&MemberEvent> = input
        .events
        .iter()
        .filter(|e| e.at >= start && e.at <= input.now)
        .collect();
    for event in &events {
        if let Some(row) = daily.get_mut(&window.day_of(event.at)) {
            if event.join {
                row.joins += 1;
            } else {
                row.leaves += 1;
            }
        }
    }
    let joins = events.iter().filter(|e| e.join).count() as i64;
    let leaves = events.len() as i64 - joins;
    // 7-day retention: the cohort of new members a whole week old, each once; leaves may fall before the
    // window's start, so every event read counts here.
    let mut leaves_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for leave in input.events.iter().filter(|e| !e.join) {
        leaves_of.entry(leave.user_id).or_default().push(leave.at);
    }
    let mut counted: HashSet<i64> = HashSet::new();
    let mut cohort = 0;
    let mut stayed = 0;
    let cohort_span = Some((
        (start - 7 * DAY).max(input.present_since),
        input.now - 7 * DAY,
    ))
    .filter(|(from, to)| from <= to);
    for &(user, joined) in &input.new_members {
        let Some((from, to)) = cohort_span else {
            break;
        };
        if joined < from || joined > to || !counted.insert(user) {
            continue;
        }
        cohort += 1;
        let left = leaves_of.get(&user).is_some_and(|leaves| {
            leaves
                .iter()
                .any(|&at| at >= joined && at <= joined + 7 * DAY)
        });
        if !left {
            stayed += 1;
        }
    }
    let mut top_talkers: Vec<(i64, i64)> = talk.into_iter().collect();
    top_talkers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top_talkers.truncate(top);
    let daily: Vec<DayRow> = daily.into_values().collect();
    let active_days: i64 = daily.iter().map(|d| d.active).sum();
    let active_count = active.len() as i64;
    Summary {
        members_start: input.members_now - joins + leaves,
        members_end: input.members_now,
        joins,
        leaves,
        net: joins - leaves,
        daily_active_tenths: active_days * 10 / observed_days,
        observed_days,
        weekly_active: weekly.len() as i64,
        active: active_count,
        messages: daily.iter().map(|d| d.messages).sum(),
        retention: (cohort, stayed),
        cohort_span,
        top_talkers,
        valid_referrals: input.valid_referrals,
        multiplier_hundredths: if active_count > 0 {
            input.valid_referrals * 100 / active_count
        } else {
            0
        },
        signed_in: (input.signed_in, per_mille(input.signed_in, active_count)),
        packet_grabbers: (
            input.packet_grabbers,
            per_mille(input.packet_grabbers, active_count),
        ),
        packet_grabs: input.packet_grabs,
        lottery_entrants: (
            input.lottery_entrants,
            per_mille(input.lottery_entrants, active_count),
        ),
        lottery_entries: input.lottery_entries,
        daily,
    }
}

/// One member's line in the members CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    /// The user id.
    pub user_id: i64,
    /// Display name.
    pub name: String,
    /// @username without the @, or empty.
    pub username: String,
    /// When they joined (or were first seen), unix seconds.
    pub joined_at: i64,
    /// The bot link they came through (`invite:<member id>` or `channel:<name>`), or empty.
    pub source: String,
    /// Messages ever seen from them.
    pub messages: i64,
    /// Their points balance.
    pub points: i64,
    /// Their level as `/me` shows it, e.g. `LV2 冒泡` (from the points they earned in the group).
    pub level: String,
}

/// Quotes a CSV field when it holds a comma, quote or line break (RFC 4180). A leading `=`, `+`, `-`, `@`,
/// tab or carriage return gets a `'` in front so spreadsheets do not run member names as formulas.
pub fn csv_field(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// Formats a unix time as `YYYY-MM-DD HH:MM` in the group's offset.
fn local_time(at: i64, offset: i64) -> String {
    chrono::DateTime::from_timestamp(at + offset, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// The daily metrics CSV: a header and one line per day.
pub fn daily_csv(daily: &[DayRow], header: &str) -> String {
    let mut out = csv_start(header);
    for row in daily {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            Window::date(row.day),
            row.joins,
            row.leaves,
            row.joins - row.leaves,
            row.active,
            row.messages
        ));
    }
    out
}

/// The UTF-8 byte-order mark: with it, Excel and WPS on Chinese Windows read the file as UTF-8.
pub const BOM: char = '\u{feff}';

/// The start of a CSV file: the byte-order mark and the header line (its column names in the group's
/// language, each quoted when it needs it).
fn csv_start(header: &str) -> String {
    let names: Vec<String> = header
        .split(',')
        .map(|name| csv_field(name.trim()))
        .collect();
    format!("{BOM}{}\n", names.join(","))
}

/// The members CSV: a header and one line per member.
pub fn members_csv(rows: &[MemberRow], offset: i64, header: &str) -> String {
    let mut out = csv_start(header);
    for row in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            row.user_id,
            csv_field(&row.name),
            csv_field(&row.username),
            local_time(row.joined_at, offset),
            csv_field(&row.source),
            row.messages,
            row.points,
            csv_field(&row.level)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_006_400; // 2023-11-15 00:00 UTC, a day boundary (1_700_006_400 / 86400 = 19676)

    fn ev(at: i64, user_id: i64, join: bool) -> MemberEvent {
        MemberEvent { at, user_id, join }
    }

    #[test]
    fn the_window_covers_whole_local_days_ending_today() {
        let w = Window::ending_at(T0 + 3600, 8 * 3600, 7);
        assert_eq!(w.day_of(T0 + 3600), 19676);
        assert_eq!(w.first_day, 19670);
        assert_eq!(w.start(), 19670 * DAY - 8 * 3600);
        assert_eq!(Window::date(19676), "2023-11-15");
    }

    #[test]
    fn a_hand_computed_week() {
        // A UTC group, 7 days ending on day 19676 (days 19670..=19676), now = noon of the last day.
        let now = T0 + 12 * 3600;
        let w = Window::ending_at(now, 0, 7);
        let d0 = w.first_day;
        let input = StatsInput {
            now,
            present_since: 0,
            members_now: 50,
            activity: vec![
                (d0, 1, 10),
                (d0, 2, 3),
                (d0 + 1, 1, 4),
                (d0 + 6, 3, 7),
                (d0 - 1, 9, 100), // before the window: ignored
            ],
            events: vec![
                ev(w.start() + 10, 5, true), // day 0, 6.5 days before now: not in the cohort
                ev(w.start() - 10, 6, true), // before the window: ignored
                ev(w.start() + DAY + 5, 7, true), // day 1
                ev(w.start() + 2 * DAY, 7, false), // day 2: left within a week
                ev(w.start() + 3 * DAY, 8, false), // day 3
            ],
            valid_referrals: 1,
            signed_in: 2,
            packet_grabbers: 1,
            packet_grabs: 4,
            lottery_entrants: 3,
            lottery_entries: 5,
            new_members: vec![],
        };
        let s = summarize(&w, &input, 2);
        assert_eq!((s.joins, s.leaves, s.net), (2, 2, 0));
        assert_eq!((s.members_start, s.members_end), (50, 50));
        assert_eq!(s.active, 3);
        assert_eq!(s.weekly_active, 3);
        assert_eq!(s.messages, 24);
        assert_eq!(
            s.daily_active_tenths, 5,
            "(2 + 1 + 1) / 7 days = 0.57 → 0.5"
        );
        assert_eq!(s.retention, (0, 0), "no join is 7 days old yet");
        assert_eq!(s.top_talkers, vec![(1, 14), (3, 7)]);
        assert_eq!(s.multiplier_hundredths, 33);
        assert_eq!(s.signed_in, (2, 666));
        assert_eq!(s.packet_grabbers, (1, 333));
        assert_eq!((s.lottery_entrants, s.lottery_entries), ((3, 1000), 5));
        assert_eq!(s.daily.len(), 7);
        assert_eq!(
            s.daily[1],
            DayRow {
                day: d0 + 1,
                joins: 1,
                leaves: 0,
                active: 1,
                messages: 4
            }
        );
        assert_eq!(s.daily[2].leaves, 1);
    }

    #[test]
    fn retention_is_the_new_members_of_the_week_shifted_window_each_once() {
        // A UTC group; /stats 7d at noon of day 19676: the window is days 19670..=19676, starting at
        // T0 - 6 days; the cohort is new members who joined in [T0 - 13 days, now - 7 days].
        let now = T0 + 12 * 3600;
        let w = Window::ending_at(now, 0, 7);
        let start = w.start();
        assert_eq!(start, T0 - 6 * DAY);
        let input = StatsInput {
            now,
            members_now: 10,
            events: vec![
                ev(start - 8 * DAY, 5, true), // too early for the cohort
                ev(start - 7 * DAY, 8, true), // the cohort's first instant; stays
                ev(start - 6 * DAY, 1, true),
                ev(start - 5 * DAY, 2, true),
                ev(start - 4 * DAY, 1, false), // 2 days after joining: not retained
                ev(start - 4 * DAY, 3, true),
                ev(start - 3 * DAY, 7, true), // a known member's rejoin: not a new member
                ev(start - DAY, 4, true),     // stays
                ev(now - 7 * DAY, 9, true),   // the cohort's last instant; stays
                ev(start + DAY / 2, 6, true), // too recent for the cohort; a join of the window
                ev(start + DAY, 3, false),    // 5 days after joining: not retained
                ev(start + 2 * DAY, 3, true), // member 3 rejoins: still counted once
                ev(start + 3 * DAY, 2, false), // 8 days after joining: retained
            ],
            new_members: vec![
                (5, start - 8 * DAY),
                (8, start - 7 * DAY),
                (1, start - 6 * DAY),
                (2, start - 5 * DAY),
                (3, start - 4 * DAY),
                (3, start - 4 * DAY),
                (4, start - DAY),
                (9, now - 7 * DAY),
                (6, start + DAY / 2),
            ],
            ..StatsInput::default()
        };
        let s = summarize(&w, &input, 5);
        // Cohort [start - 7d, now - 7d]: members 8, 1, 2, 3, 4, 9 → 6 (5 too early, 6 too recent, 7 not
        // new, 3 once); retained: 8, 2, 4, 9 → 4.
        assert_eq!(s.retention, (6, 4));
        // Only the window's own events are its joins and leaves: joins 6 and 3, leaves 3 and 2.
        assert_eq!((s.joins, s.leaves, s.members_start), (2, 2, 10));
    }

    #[test]
    fn a_thirty_day_window_shifts_its_cohort_back_a_week_too() {
        let now = T0 + 20 * DAY;
        let w = Window::ending_at(now, 0, 30);
        let input = StatsInput {
            now,
            members_now: 10,
            events: vec![
                ev(T0, 1, true),
                ev(T0 + 3 * DAY, 1, false), // left within 7 days
                ev(T0, 2, true),
                ev(T0 + 8 * DAY, 2, false), // left after 7 days: retained
                ev(T0, 3, true),
                ev(now - DAY, 4, true), // too recent
            ],
            new_members: vec![(1, T0), (2, T0), (3, T0), (4, now - DAY)],
            ..StatsInput::default()
        };
        let s = summarize(&w, &input, 5);
        assert_eq!(s.retention, (3, 2));
        assert_eq!((s.joins, s.leaves, s.members_start), (4, 2, 8));
    }

    #[test]
    fn a_bot_that_came_two_days_ago_averages_over_its_two_days_and_has_no_cohort_yet() {
        // A UTC group, /stats 7d at noon of day 19676; the bot came at 09:00 the day before.
        let now = T0 + 12 * 3600;
        let w = Window::ending_at(now, 0, 7);
        let arrived = T0 - DAY + 9 * 3600;
        let input = StatsInput {
            now,
            present_since: arrived,
            members_now: 20,
            activity: vec![(19675, 1, 5), (19675, 2, 1), (19676, 1, 2)],
            events: vec![ev(arrived + 60, 3, true)],
            new_members: vec![(3, arrived + 60)],
            ..StatsInput::default()
        };
        let s = summarize(&w, &input, 5);
        assert_eq!(s.observed_days, 2);
        assert_eq!(
            s.daily.iter().map(|d| d.day).collect::<Vec<_>>(),
            vec![19675, 19676],
            "no rows for the days before the bot came"
        );
        assert_eq!(
            s.daily_active_tenths, 15,
            "(2 + 1) active over 2 days, not 7"
        );
        assert_eq!((s.joins, s.messages), (1, 8));
        assert_eq!(s.cohort_span, None, "nobody it saw join has had a week");
        assert_eq!(s.retention, (0, 0));
    }

    #[test]
    fn the_cohort_starts_when_the_bot_came() {
        // The bot came 10 days ago: the 7-day window's cohort runs from then (not 13 days ago) to 7 days ago.
        let now = T0 + 12 * 3600;
        let w = Window::ending_at(now, 0, 7);
        let arrived = now - 10 * DAY;
        let input = StatsInput {
            now,
            present_since: arrived,
            events: vec![ev(arrived + DAY, 4, true), ev(arrived + 2 * DAY, 4, false)],
            new_members: vec![(4, arrived + DAY), (5, arrived + 2 * DAY)],
            ..StatsInput::default()
        };
        let s = summarize(&w, &input, 5);
        assert_eq!(s.cohort_span, Some((arrived, now - 7 * DAY)));
        assert_eq!(s.retention, (2, 1), "4 left within a week, 5 stayed");
        assert_eq!(s.observed_days, 7, "the whole window");
    }

    #[test]
    fn empty_groups_do_not_divide_by_zero() {
        let s = summarize(&Window::ending_at(T0, 0, 7), &StatsInput::default(), 5);
        assert_eq!((s.multiplier_hundredths, s.signed_in.1), (0, 0));
        assert_eq!(tenths(666), "66.6");
        assert_eq!(hundredths(5), "0.05");
    }

    const DAILY: &str = "date,joins,leaves,net,active_members,messages";
    const MEMBERS: &str = "user_id,name,username,joined_at,source,messages,points,level";

    /// Splits a CSV text of unquoted fields into rows of fields (enough for the files below), after
    /// checking and dropping its byte-order mark.
    fn rows_of(csv: &str) -> Vec<Vec<&str>> {
        assert!(csv.ends_with('\n'), "every line ends with a line break");
        let csv = csv
            .strip_prefix(BOM)
            .expect("a CSV file starts with the byte-order mark");
        csv.lines().map(|line| line.split(',').collect()).collect()
    }

    #[test]
    fn csv_files_start_with_a_byte_order_mark_and_headers_in_the_given_words() {
        let daily = daily_csv(&[], "日期,入群,退群");
        assert_eq!(daily.as_bytes()[..3], [0xEF, 0xBB, 0xBF]);
        assert_eq!(daily, "\u{feff}日期,入群,退群\n");
        // A header word a spreadsheet would run is guarded like any field.
        assert_eq!(members_csv(&[], 0, "=名字, 积分"), "\u{feff}'=名字,积分\n");
    }

    #[test]
    fn csv_files_have_a_header_and_one_line_per_day_or_member() {
        let w = Window::ending_at(T0 + 3600, 0, 7);
        let summary = summarize(
            &w,
            &StatsInput {
                now: T0 + 3600,
                activity: vec![(w.first_day + 2, 1, 4), (w.first_day + 2, 2, 1)],
                events: vec![ev(w.start() + 2 * DAY, 2, true)],
                ..StatsInput::default()
            },
            5,
        );
        let daily = daily_csv(&summary.daily, DAILY);
        let rows = rows_of(&daily);
        assert_eq!(
            rows[0],
            vec![
                "date",
                "joins",
                "leaves",
                "net",
                "active_members",
                "messages"
            ]
        );
        assert_eq!(rows.len(), 1 + 7, "a header and the window's 7 days");
        assert!(rows.iter().all(|row| row.len() == 6));
        assert_eq!(rows[1][0], "2023-11-09");
        assert_eq!(rows[3], vec!["2023-11-11", "1", "0", "1", "2", "5"]);
        assert_eq!(rows[7][0], "2023-11-15");

        let members: Vec<MemberRow> = (1..=3)
            .map(|i| MemberRow {
                user_id: 100 + i,
                name: format!("M{i}"),
                username: if i == 2 {
                    "m_two".into()
                } else {
                    String::new()
                },
                joined_at: T0 + i * 60,
                source: if i == 3 {
                    "invite:101".into()
                } else {
                    String::new()
                },
                messages: i * 10,
                points: i * 7,
                level: "LV1 潜水".into(),
            })
            .collect();
        let text = members_csv(&members, 0, MEMBERS);
        assert_eq!(
            text,
            "\u{feff}user_id,name,username,joined_at,source,messages,points,level\n\
             101,M1,,2023-11-15 00:01,,10,7,LV1 潜水\n\
             102,M2,m_two,2023-11-15 00:02,,20,14,LV1 潜水\n\
             103,M3,,2023-11-15 00:03,invite:101,30,21,LV1 潜水\n"
        );
        let rows = rows_of(&text);
        assert_eq!(rows.len(), 1 + 3, "a header and one line per member");
        assert!(rows.iter().all(|row| row.len() == 8));
        assert_eq!(rows[0][7], "level");
        assert_eq!(
            members_csv(&[], 0, MEMBERS).lines().count(),
            1,
            "a header alone"
        );
    }

    #[test]
    fn fields_that_a_spreadsheet_would_run_are_guarded() {
        for (value, written) in [
            ("=SUM(A1)", "'=SUM(A1)"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@x", "'@x"),
            ("\t=cmd", "'\t=cmd"),
            ("\r=cmd", "\"'\r=cmd\""),
            ("Mia", "Mia"),
        ] {
            assert_eq!(csv_field(value), written, "{value:?}");
        }
    }

    #[test]
    fn csv_files_have_their_columns_and_quote_what_needs_it() {
        let daily = vec![
            DayRow {
                day: 19676,
                joins: 3,
                leaves: 1,
                active: 5,
                messages: 40,
            },
            DayRow {
                day: 19677,
                ..DayRow::default()
            },
        ];
        assert_eq!(
            daily_csv(&daily, DAILY),
            "\u{feff}date,joins,leaves,net,active_members,messages\n2023-11-15,3,1,2,5,40\n2023-11-16,0,0,0,0,0\n"
        );
        let members = vec![MemberRow {
            user_id: 7,
            name: "Li, \"Lei\"".into(),
            username: String::new(),
            joined_at: T0,
            source: "=cmd".into(),
            messages: 3,
            points: 20,
            level: "LV1 潜水".into(),
        }];
        assert_eq!(
            members_csv(&members, 8 * 3600, MEMBERS),
            "\u{feff}user_id,name,username,joined_at,source,messages,points,level\n7,\"Li, \"\"Lei\"\"\",,2023-11-15 08:00,'=cmd,3,20,LV1 潜水\n"
        );
    }
}
