use super::*;
use chrono::{Datelike, Timelike};
use proptest::prelude::*;

const BERLIN: Tz = Tz::Europe__Berlin;
const SHANGHAI: Tz = Tz::Asia__Shanghai;

/// Unix seconds of a local time in `tz` (its first occurrence).
fn local(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    tz.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .earliest()
        .expect("a valid local time")
        .timestamp()
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    local(Tz::UTC, y, mo, d, h, mi)
}

/// 2026-12-05 12:00 UTC, the "now" of these tests.
fn now() -> i64 {
    utc(2026, 12, 5, 12, 0)
}

fn rule(text: &str, tz: Tz) -> Rule {
    parse_when(text, now(), tz).unwrap_or_else(|err| panic!("{text}: {err:?}"))
}

#[test]
fn english_and_chinese_forms_read_the_same() {
    let pairs = [
        ("every day 08:00", "每天 08:00", "0 8 * * *"),
        (
            "every mon,wed,fri 20:30",
            "每周一,三,五 20:30",
            "30 20 * * 1,3,5",
        ),
        ("every month 1 09:00", "每月1号 09:00", "0 9 1 * *"),
        ("every weekday 8:00", "工作日 8:00", "0 8 * * 1-5"),
        ("every saturday,sun 10:00", "每周六日 10点", "0 10 * * 0,6"),
    ];
    for (english, chinese, cron) in pairs {
        assert_eq!(
            rule(english, SHANGHAI),
            Rule::Cron(cron.into()),
            "{english}"
        );
        assert_eq!(
            rule(chinese, SHANGHAI),
            Rule::Cron(cron.into()),
            "{chinese}"
        );
    }
    assert_eq!(
        rule("每周一、三、五 20：30", SHANGHAI),
        Rule::Cron("30 20 * * 1,3,5".into())
    );
    assert_eq!(
        rule("每月15日 8点半", SHANGHAI),
        Rule::Cron("30 8 15 * *".into())
    );
    assert_eq!(rule("in 2h", SHANGHAI), Rule::Once(now() + 7_200));
    assert_eq!(rule("2小时后", SHANGHAI), Rule::Once(now() + 7_200));
    assert_eq!(rule("30分钟后", SHANGHAI), Rule::Once(now() + 1_800));
    let christmas = local(SHANGHAI, 2026, 12, 24, 20, 0);
    assert_eq!(rule("at 2026-12-24 20:00", SHANGHAI), Rule::Once(christmas));
    assert_eq!(rule("于 2026-12-24 20:00", SHANGHAI), Rule::Once(christmas));
    assert_eq!(rule("every 2h", SHANGHAI), Rule::Every(7_200));
    assert_eq!(rule("每2小时", SHANGHAI), Rule::Every(7_200));
    assert_eq!(
        rule("0 8 * * 1-5", SHANGHAI),
        Rule::Cron("0 8 * * 1-5".into())
    );
    assert_eq!(
        rule("cron */30 9-17 * * *", SHANGHAI),
        Rule::Cron("*/30 9-17 * * *".into())
    );
}

#[test]
fn bad_when_is_refused_with_the_part_that_is_wrong() {
    let err = |text: &str| parse_when(text, now(), SHANGHAI).unwrap_err();
    assert_eq!(
        err("at 2026-12-01 08:00"),
        WhenError::Past("2026-12-01 08:00".into())
    );
    assert_eq!(
        err("at 2026-13-01 08:00"),
        WhenError::BadTime("2026-13-01 08:00".into())
    );
    assert_eq!(err("in 0m"), WhenError::ZeroInterval("0m".into()));
    assert_eq!(err("0分钟后"), WhenError::ZeroInterval("0分钟".into()));
    assert_eq!(err("every 0m"), WhenError::ZeroInterval("0m".into()));
    assert_eq!(err("every 30s"), WhenError::ShortInterval("30s".into()));
    assert_eq!(
        err("cron 61 * * * *"),
        WhenError::BadCron("61 * * * *".into())
    );
    assert_eq!(
        err("cron 0 8 30 2 *"),
        WhenError::BadCron("0 8 30 2 *".into())
    );
    assert_eq!(err("every day 25:00"), WhenError::BadTime("25:00".into()));
    assert_eq!(
        err("every month 32 09:00"),
        WhenError::BadDayOfMonth("32".into())
    );
    assert_eq!(
        err("every funday 09:00"),
        WhenError::BadDays("funday".into())
    );
    assert_eq!(err("每周八 09:00"), WhenError::BadDays("八".into()));
    assert_eq!(
        err("tomorrow-ish"),
        WhenError::Unknown("tomorrow-ish".into())
    );
}

#[test]
fn options_are_read_and_bad_ones_refused() {
    let plan = parse(
        "every day 08:00 pin delete=2h count=3 until=2027-01-31",
        now(),
        SHANGHAI,
    )
    .unwrap();
    assert!(plan.pin);
    assert_eq!(plan.delete_after, Some(7_200));
    assert_eq!(plan.count, Some(3));
    assert_eq!(plan.until, Some(local(SHANGHAI, 2027, 1, 31, 23, 59) + 59));
    let err = |text: &str| parse(text, now(), SHANGHAI).unwrap_err();
    assert_eq!(
        err("every day 08:00 delete=48h"),
        WhenError::BadDelete("delete=48h".into())
    );
    assert_eq!(
        err("every day 08:00 delete=0m"),
        WhenError::BadDelete("delete=0m".into())
    );
    assert_eq!(
        err("every day 08:00 count=0"),
        WhenError::BadOption("count=0".into())
    );
    assert_eq!(
        err("every day 08:00 colour=red"),
        WhenError::BadOption("colour=red".into())
    );
    assert_eq!(
        err("every day 08:00 until=2026-12-01"),
        WhenError::Past("until=2026-12-01 23:59".into())
    );
    assert_eq!(err("pin"), WhenError::Missing);
}

#[test]
fn a_daily_time_in_berlins_skipped_hour_runs_at_the_first_valid_instant_after_it() {
    // 2027-03-28: clocks jump from 02:00 CET to 03:00 CEST.
    let daily = rule("every day 02:30", BERLIN);
    let before = local(BERLIN, 2027, 3, 27, 2, 30);
    let on_the_day = next_after(&daily, 0, before, BERLIN).unwrap();
    assert_eq!(on_the_day, utc(2027, 3, 28, 1, 0), "03:00 CEST");
    let after = next_after(&daily, 0, on_the_day, BERLIN).unwrap();
    assert_eq!(after, utc(2027, 3, 29, 0, 30), "02:30 CEST the next day");
}

#[test]
fn a_daily_time_in_berlins_doubled_hour_runs_once_at_its_first_occurrence() {
    // 2027-10-31: clocks go back from 03:00 CEST to 02:00 CET, so 02:30 happens twice.
    let daily = rule("every day 02:30", BERLIN);
    let first = next_after(&daily, 0, local(BERLIN, 2027, 10, 30, 12, 0), BERLIN).unwrap();
    assert_eq!(first, utc(2027, 10, 31, 0, 30), "02:30 CEST, the first one");
    let next = next_after(&daily, 0, first, BERLIN).unwrap();
    assert_eq!(
        next,
        utc(2027, 11, 1, 1, 30),
        "02:30 CET the next day, not 02:30 CET today"
    );
}

#[test]
fn a_one_time_post_in_a_skipped_hour_runs_at_the_first_valid_minute_after_it() {
    let at = parse_when("at 2027-03-28 02:30", now(), BERLIN).unwrap();
    assert_eq!(at, Rule::Once(utc(2027, 3, 28, 1, 0)));
    let doubled = parse_when("at 2027-10-31 02:30", now(), BERLIN).unwrap();
    assert_eq!(doubled, Rule::Once(utc(2027, 10, 31, 0, 30)));
}

#[test]
fn weekly_and_monthly_posts_keep_their_local_time_across_the_change() {
    let weekly = rule("every sun 08:00", BERLIN);
    let before = next_after(&weekly, 0, local(BERLIN, 2027, 3, 20, 0, 0), BERLIN).unwrap();
    let after = next_after(&weekly, 0, before, BERLIN).unwrap();
    assert_eq!(before, utc(2027, 3, 21, 7, 0));
    assert_eq!(after, utc(2027, 3, 28, 6, 0));
    let shanghai = rule("每月1号 09:00", SHANGHAI);
    assert_eq!(
        next_after(&shanghai, 0, now(), SHANGHAI),
        Some(utc(2027, 1, 1, 1, 0))
    );
}

#[test]
fn intervals_count_from_their_anchor() {
    let every = Rule::Every(3_600);
    assert_eq!(next_after(&every, 1_000, 999, SHANGHAI), Some(4_600));
    assert_eq!(next_after(&every, 1_000, 4_600, SHANGHAI), Some(8_200));
    assert_eq!(
        latest_missed(&every, 1_000, 4_600, 20_000, SHANGHAI),
        19_000
    );
}

fn plan(rule: Rule) -> Plan {
    Plan {
        rule,
        until: None,
        count: None,
        pin: false,
        delete_after: None,
    }
}

#[test]
fn a_one_time_post_within_the_grace_is_sent_late_and_an_older_one_reported() {
    let due = now();
    let once = plan(Rule::Once(due));
    assert_eq!(
        fire(&once, 0, 0, due, due + 5, 900, SHANGHAI),
        (
            Fire::Post {
                occurrence: due,
                late: false
            },
            None
        )
    );
    assert_eq!(
        fire(&once, 0, 0, due, due + 900, 900, SHANGHAI),
        (
            Fire::Post {
                occurrence: due,
                late: true
            },
            None
        )
    );
    assert_eq!(
        fire(&once, 0, 0, due, due + 901, 900, SHANGHAI),
        (Fire::Report { occurrence: due }, None)
    );
}

#[test]
fn a_recurring_post_runs_its_latest_missed_occurrence_once() {
    let daily = plan(rule("every day 08:00", SHANGHAI));
    let due = local(SHANGHAI, 2026, 12, 6, 8, 0);
    // Down for three days: the third day's run, once, and the next is tomorrow's.
    let now = local(SHANGHAI, 2026, 12, 8, 9, 0);
    let (action, next) = fire(&daily, 0, 0, due, now, 900, SHANGHAI);
    let latest = local(SHANGHAI, 2026, 12, 8, 8, 0);
    assert_eq!(
        action,
        Fire::Post {
            occurrence: latest,
            late: true
        }
    );
    assert_eq!(next, Some(local(SHANGHAI, 2026, 12, 9, 8, 0)));
}

#[test]
fn count_and_until_end_a_schedule() {
    let mut daily = plan(rule("every day 08:00", SHANGHAI));
    daily.count = Some(2);
    let due = local(SHANGHAI, 2026, 12, 6, 8, 0);
    assert!(fire(&daily, 0, 0, due, due, 900, SHANGHAI).1.is_some());
    assert_eq!(fire(&daily, 0, 1, due, due, 900, SHANGHAI).1, None);
    daily.count = None;
    daily.until = Some(due + 3_600);
    assert_eq!(fire(&daily, 0, 0, due, due, 900, SHANGHAI).1, None);
}

proptest! {
    /// Over a whole year in Berlin, a daily post at any minute runs exactly once per calendar day, at its
    /// wall time (or, on the day the hour is skipped, at the first instant after the gap).
    #[test]
    fn a_daily_post_runs_once_a_day_at_its_wall_time(hour in 0u32..24, minute in 0u32..60) {
        let daily = Rule::Cron(format!("{minute} {hour} * * *"));
        let mut at = local(BERLIN, 2027, 1, 1, 0, 0) - 1;
        let mut days = std::collections::BTreeSet::new();
        for _ in 0..365 {
            let next = next_after(&daily, 0, at, BERLIN).unwrap();
            prop_assert!(next > at);
            let wall = BERLIN.timestamp_opt(next, 0).unwrap();
            let skipped = wall.month() == 3 && wall.day() == 28 && hour == 2;
            if skipped {
                prop_assert_eq!((wall.hour(), wall.minute()), (3, 0));
            } else {
                prop_assert_eq!((wall.hour(), wall.minute()), (hour, minute));
            }
            prop_assert!(days.insert(wall.ordinal()), "two runs on day {}", wall.ordinal());
            at = next;
        }
    }

    /// The next run is always after the instant asked about, and nothing lies between.
    #[test]
    fn the_next_run_is_the_first_after(after in 1_700_000_000i64..1_900_000_000, days in 1u8..127) {
        let weekly = Rule::Cron(format!("15 9 * * {}", english_days_of_mask(days)));
        let next = next_after(&weekly, 0, after, SHANGHAI).unwrap();
        prop_assert!(next > after);
        prop_assert!(next - after <= 7 * 86_400);
        let before = latest_missed(&weekly, 0, after, next - 1, SHANGHAI);
        prop_assert_eq!(before, after);
    }
}

fn english_days_of_mask(mask: u8) -> String {
    (0..7)
        .filter(|d| mask & (1 << d) != 0)
        .map(|d: u8| d.to_string())
        .collect::<Vec<_>>()
        .join(",")
}
