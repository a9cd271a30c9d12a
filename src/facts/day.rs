//! Which local day an instant belongs to in a group: its time zone and the hour its day starts (the
//! sign-in reset hour). Pure functions, shared by every feature that counts by the group's day.
//!
//! The day index of an instant is `floor((unix_ts + utc_offset − reset_hour·3600) / 86400)`, with the UTC
//! offset the group's time zone has at that instant (so zones with daylight saving time work). A day
//! therefore runs from `reset_hour` local time to `reset_hour` the next local day, and its index equals the
//! number of days from 1970-01-01 to the local calendar date on which it starts ([`date_of_day`]).

use chrono::{DateTime, NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;

const DAY: i64 = 86_400;

/// The UTC offset, in seconds, of `tz` at the instant `unix_ts`.
fn offset_at(unix_ts: i64, tz: Tz) -> i64 {
    match DateTime::from_timestamp(unix_ts, 0) {
        Some(utc) => i64::from(
            tz.offset_from_utc_datetime(&utc.naive_utc())
                .fix()
                .local_minus_utc(),
        ),
        None => 0,
    }
}

/// The sign-in day that the instant `unix_ts` belongs to in a group with time zone `tz` whose day starts at
/// `reset_hour` local time.
pub fn day_index(unix_ts: i64, tz: Tz, reset_hour: u8) -> i64 {
    (unix_ts + offset_at(unix_ts, tz) - i64::from(reset_hour) * 3600).div_euclid(DAY)
}

/// The first instant (unix seconds) of sign-in day `day`: the smallest `t` with `day_index(t) >= day`.
/// Used for "since the start of today" sums such as the `/transfer` daily limit.
pub fn day_start(day: i64, tz: Tz, reset_hour: u8) -> i64 {
    let nominal = day * DAY + i64::from(reset_hour) * 3600;
    // Every real UTC offset lies within ±26 hours, so the answer is inside (lo, hi].
    let (mut lo, mut hi) = (nominal - 2 * DAY, nominal + DAY);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if day_index(mid, tz, reset_hour) >= day {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// The local calendar date on which sign-in day `day` starts.
pub fn date_of_day(day: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::TimeDelta::try_days(day)?)
}

/// The sign-in day that starts on the local calendar date `date`.
pub fn day_of_date(date: NaiveDate) -> i64 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("1970-01-01 is a date");
    (date - epoch).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America::New_York, Asia::Shanghai, Australia::Sydney, Europe::Berlin, UTC};

    fn ts(y: i32, m: u32, d: u32, h: u32, min: u32, tz: Tz) -> i64 {
        tz.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap()
            .timestamp()
    }

    fn day_of(y: i32, m: u32, d: u32) -> i64 {
        day_of_date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    #[test]
    fn day_index_in_shanghai_and_utc() {
        // 2024-03-10 23:59 and 2024-03-11 00:00 in Shanghai are different days.
        let before = ts(2024, 3, 10, 23, 59, Shanghai);
        let after = ts(2024, 3, 11, 0, 0, Shanghai);
        assert_eq!(day_index(before, Shanghai, 0), day_of(2024, 3, 10));
        assert_eq!(day_index(after, Shanghai, 0), day_of(2024, 3, 11));
        // The same instant is still 2024-03-10 in UTC (16:00).
        assert_eq!(day_index(after, UTC, 0), day_of(2024, 3, 10));
        assert_eq!(day_index(0, UTC, 0), 0);
        assert_eq!(day_index(-1, UTC, 0), -1);
    }

    #[test]
    fn reset_hour_moves_the_boundary() {
        let four_59 = ts(2024, 5, 2, 4, 59, Shanghai);
        let five = ts(2024, 5, 2, 5, 0, Shanghai);
        assert_eq!(day_index(four_59, Shanghai, 5), day_of(2024, 5, 1));
        assert_eq!(day_index(five, Shanghai, 5), day_of(2024, 5, 2));
        assert_eq!(day_index(four_59, Shanghai, 0), day_of(2024, 5, 2));
        assert_eq!(day_start(day_of(2024, 5, 2), Shanghai, 5), five);
        assert_eq!(
            day_start(day_of(2024, 5, 2), Shanghai, 0),
            ts(2024, 5, 2, 0, 0, Shanghai)
        );
    }

    #[test]
    fn month_and_year_ends() {
        assert_eq!(
            day_index(ts(2024, 2, 29, 23, 0, Shanghai), Shanghai, 0),
            day_of(2024, 2, 29)
        );
        assert_eq!(
            day_index(ts(2024, 3, 1, 0, 30, Shanghai), Shanghai, 0),
            day_of(2024, 3, 1)
        );
        assert_eq!(
            day_of(2024, 3, 1) - day_of(2024, 2, 28),
            2,
            "leap day in between"
        );
        assert_eq!(
            day_index(ts(2024, 12, 31, 23, 59, Shanghai), Shanghai, 0) + 1,
            day_of(2025, 1, 1)
        );
        // With a reset hour, 2025-01-01 03:00 still belongs to the last day of 2024.
        assert_eq!(
            day_index(ts(2025, 1, 1, 3, 0, Shanghai), Shanghai, 4),
            day_of(2024, 12, 31)
        );
    }

    #[test]
    fn new_york_across_daylight_saving_changes() {
        // Spring forward: 2024-03-10 02:00 EST becomes 03:00 EDT. The day still changes at local midnight.
        let sat_late = ts(2024, 3, 9, 23, 59, New_York);
        let sun_early = ts(2024, 3, 10, 0, 1, New_York);
        let sun_late = ts(2024, 3, 10, 23, 59, New_York);
        let mon_early = ts(2024, 3, 11, 0, 0, New_York);
        assert_eq!(day_index(sat_late, New_York, 0), day_of(2024, 3, 9));
        assert_eq!(day_index(sun_early, New_York, 0), day_of(2024, 3, 10));
        assert_eq!(day_index(sun_late, New_York, 0), day_of(2024, 3, 10));
        assert_eq!(day_index(mon_early, New_York, 0), day_of(2024, 3, 11));
        // That Sunday lasted 23 hours.
        assert_eq!(
            day_start(day_of(2024, 3, 11), New_York, 0)
                - day_start(day_of(2024, 3, 10), New_York, 0),
            23 * 3600
        );
        // Fall back: 2024-11-03 lasted 25 hours.
        assert_eq!(
            day_start(day_of(2024, 11, 4), New_York, 0)
                - day_start(day_of(2024, 11, 3), New_York, 0),
            25 * 3600
        );
        assert_eq!(
            day_index(ts(2024, 11, 3, 23, 59, New_York), New_York, 0),
            day_of(2024, 11, 3)
        );
        // A reset hour inside the spring-forward gap: the day starts at the first instant after the gap.
        let start = day_start(day_of(2024, 3, 10), New_York, 2);
        assert_eq!(start, ts(2024, 3, 10, 3, 0, New_York));
        assert_eq!(day_index(start - 1, New_York, 2), day_of(2024, 3, 9));
    }

    #[test]
    fn day_start_is_the_first_second_of_the_day() {
        for tz in [Shanghai, UTC, New_York] {
            for reset in [0u8, 5, 23] {
                for day in [
                    day_of(2024, 1, 1),
                    day_of(2024, 3, 10),
                    day_of(2024, 11, 3),
                    day_of(2025, 6, 30),
                ] {
                    let start = day_start(day, tz, reset);
                    assert_eq!(day_index(start, tz, reset), day, "{tz} {reset}");
                    assert_eq!(day_index(start - 1, tz, reset), day - 1, "{tz} {reset}");
                }
            }
        }
    }

    proptest::proptest! {
        /// Sign-in days around the months where daylight saving time starts or ends (March, April, October,
        /// November) in zones that change their clocks, and in two that do not: every day starts after the
        /// one before it, 23 to 25 hours later, and its first second is the first second of that day.
        #[test]
        fn days_stay_whole_across_daylight_saving_changes(
            tz in proptest::sample::select(vec![Berlin, New_York, Sydney, Shanghai, UTC]),
            reset_hour in 0u8..24,
            year in 1990i32..2040,
            month in proptest::sample::select(vec![3u32, 4, 10, 11]),
            day_of_month in 0i64..31,
        ) {
            let day = day_of(year, month, 1) + day_of_month;
            let start = day_start(day, tz, reset_hour);
            let next = day_start(day + 1, tz, reset_hour);
            proptest::prop_assert!(next > start);
            proptest::prop_assert_eq!(day_index(start, tz, reset_hour), day);
            proptest::prop_assert_eq!(day_index(start - 1, tz, reset_hour), day - 1);
            proptest::prop_assert_eq!(day_index(next - 1, tz, reset_hour), day);
            proptest::prop_assert!(
                (23 * 3600..=25 * 3600).contains(&(next - start)),
                "{tz} day {day} lasts {} s", next - start
            );
        }
    }
}
