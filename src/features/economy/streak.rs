//! The pure rules of the daily sign-in (签到): how a streak continues or breaks, grace cards (补签卡), the
//! reward and the month calendar. No clock reads, no randomness of its own and no SQL: time and the random
//! roll are passed in. Which day an instant belongs to is [`crate::facts::day`]'s.

use super::settings::EconomySettings;
use crate::facts::day::day_of_date;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeSet;

/// What a sign-in attempt on one day does to a member's streak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreakOutcome {
    /// The streak after today's sign-in (or the current streak when already signed).
    pub streak: u32,
    /// Whether a grace card was spent to bridge one missed day.
    pub grace_card_used: bool,
    /// Whether the member already signed today (nothing changes then).
    pub already_signed: bool,
}

/// The streak after signing in on `today`, given the member's last sign-in day and streak and how many
/// grace cards they hold.
///
/// Signed yesterday: the streak continues. Missed exactly one day and holding a card: the card is spent and
/// the streak continues (the missed day itself does not count). Otherwise the streak starts again at 1. A
/// last day of today — or later, which only happens after the group moved its time zone or reset hour — means
/// already signed.
pub fn next_streak(
    last_day: Option<i64>,
    last_streak: u32,
    today: i64,
    grace_cards: u32,
) -> StreakOutcome {
    let fresh = StreakOutcome {
        streak: 1,
        grace_card_used: false,
        already_signed: false,
    };
    let Some(last) = last_day else {
        return fresh;
    };
    if last >= today {
        return StreakOutcome {
            streak: last_streak.max(1),
            grace_card_used: false,
            already_signed: true,
        };
    }
    match today - last {
        1 => StreakOutcome {
            streak: last_streak.saturating_add(1),
            ..fresh
        },
        2 if grace_cards > 0 => StreakOutcome {
            streak: last_streak.saturating_add(1),
            grace_card_used: true,
            already_signed: false,
        },
        _ => fresh,
    }
}

/// Whether a member may sign in at `now` after a sign-in at `last_at`, given when the day that sign-in
/// counted for ends as the group counted days then (`last_ends`, unknown for old sign-ins) and when the
/// current day starts as the group counts days now (`today_starts`). Both must have passed: the earlier
/// sign-in's day is over by the old count, and the earlier sign-in lies before today by the new count. So
/// moving the time zone or the reset hour can never make one real day hold two sign-ins.
pub fn may_sign_in_again(
    last_at: i64,
    last_ends: Option<i64>,
    now: i64,
    today_starts: i64,
) -> bool {
    last_at < today_starts && last_ends.is_none_or(|ends| now >= ends)
}

/// The streak a member holds on `today` before signing: what `/me` shows. A streak whose last day was
/// yesterday (or the day before, with a grace card in hand) is still alive; otherwise it is 0.
pub fn live_streak(last_day: Option<i64>, last_streak: u32, today: i64, grace_cards: u32) -> u32 {
    match last_day.map(|last| today - last) {
        Some(gap) if gap <= 1 => last_streak,
        Some(2) if grace_cards > 0 => last_streak,
        _ => 0,
    }
}

/// Grace cards after a sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraceUpdate {
    /// Cards held afterwards.
    pub cards: u32,
    /// Whether this sign-in earned a card.
    pub earned: bool,
}

/// Spends a card if the outcome used one, then earns one when the new streak is a multiple of `every`
/// (never holding more than `max`). `every = 0` turns earning off.
pub fn grace_after(cards: u32, outcome: &StreakOutcome, every: u32, max: u32) -> GraceUpdate {
    if outcome.already_signed {
        return GraceUpdate {
            cards,
            earned: false,
        };
    }
    let cards = if outcome.grace_card_used {
        cards.saturating_sub(1)
    } else {
        cards
    };
    let due = every > 0 && outcome.streak > 0 && outcome.streak.is_multiple_of(every);
    if due && cards < max {
        GraceUpdate {
            cards: cards + 1,
            earned: true,
        }
    } else {
        GraceUpdate {
            cards,
            earned: false,
        }
    }
}

/// The parts of a sign-in reward, in points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RewardBreakdown {
    /// What every sign-in pays.
    pub base: i64,
    /// `min(streak × step, cap)`.
    pub streak_bonus: i64,
    /// The random part, `0..=checkin_random_max`.
    pub random_bonus: i64,
    /// The sum of the three.
    pub total: i64,
}

/// The reward of a sign-in with the given streak. `random_bonus_roll` is a number from the caller's seeded
/// random generator; the bonus is `roll mod (checkin_random_max + 1)` (the bias of reducing a 64-bit number
/// this way is far below anything a member could notice).
pub fn reward(settings: &EconomySettings, streak: u32, random_bonus_roll: u64) -> RewardBreakdown {
    let base = settings.checkin_base.max(0);
    let streak_bonus = i64::from(streak)
        .saturating_mul(settings.checkin_step.max(0))
        .min(settings.checkin_cap.max(0));
    let random_bonus = match u64::try_from(settings.checkin_random_max) {
        Ok(max) if max > 0 => {
            let span = max.saturating_add(1);
            i64::try_from(random_bonus_roll % span).unwrap_or(0)
        }
        _ => 0,
    };
    let total = base
        .saturating_add(streak_bonus)
        .saturating_add(random_bonus);
    RewardBreakdown {
        base,
        streak_bonus,
        random_bonus,
        total,
    }
}

/// The next streak length (strictly above `streak`) that is a multiple of `every`, for "next milestone: 14
/// days". Returns 0 when `every` is 0 (no milestones).
pub fn next_milestone(streak: u32, every: u32) -> u32 {
    if every == 0 {
        return 0;
    }
    (streak / every).saturating_add(1).saturating_mul(every)
}

/// One day of a month calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarCell {
    /// Day of the month, 1–31.
    pub day_of_month: u32,
    /// The sign-in day index of that date.
    pub day: i64,
    /// Whether the member signed that day.
    pub signed: bool,
    /// Whether it is today.
    pub today: bool,
}

/// A month laid out in weeks from Monday to Sunday; `None` pads the first and last week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthGrid {
    /// The year.
    pub year: i32,
    /// The month, 1–12.
    pub month: u32,
    /// The weeks, each Monday first.
    pub weeks: Vec<[Option<CalendarCell>; 7]>,
}

/// Lays out `year`-`month` with the member's signed days marked. `signed` holds sign-in day indexes and
/// `today` is today's index (see [`day_index`]); a month's dates map to day indexes without a time zone
/// because a day index is its starting date. `None` for a month that does not exist.
pub fn month_grid(signed: &BTreeSet<i64>, year: i32, month: u32, today: i64) -> Option<MonthGrid> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let days_in_month = u32::try_from((next - first).num_days()).ok()?;
    let first_day = day_of_date(first);
    let lead = first.weekday().num_days_from_monday() as usize;
    let mut weeks = Vec::new();
    let mut week: [Option<CalendarCell>; 7] = [None; 7];
    let mut column = lead;
    for offset in 0..days_in_month {
        let day = first_day + i64::from(offset);
        week[column] = Some(CalendarCell {
            day_of_month: offset + 1,
            day,
            signed: signed.contains(&day),
            today: day == today,
        });
        column += 1;
        if column == 7 {
            weeks.push(week);
            week = [None; 7];
            column = 0;
        }
    }
    if column > 0 {
        weeks.push(week);
    }
    Some(MonthGrid { year, month, weeks })
}

impl MonthGrid {
    /// The grid as monospace text (for a `<pre>` block): a title line `2025-03`, a header of the seven
    /// weekday labels (Monday first, each two columns wide, such as `Mo` or `一`), then one line per week.
    /// Every day takes two columns under its weekday label and days are separated by one space, so each
    /// column lines up with its label. A signed day shows `✓` in place of its number, so no mark can be
    /// read as belonging to the neighbouring day; unsigned days, today included, show their number.
    pub fn render(&self, weekday_labels: &[&str; 7]) -> String {
        let mut out = format!("{:04}-{:02}\n", self.year, self.month);
        out.push_str(&weekday_labels.join(" "));
        for week in &self.weeks {
            out.push('\n');
            let cells: Vec<String> = week
                .iter()
                .map(|cell| match cell {
                    Some(cell) if cell.signed => " ✓".to_owned(),
                    Some(cell) => format!("{:>2}", cell.day_of_month),
                    None => "  ".to_owned(),
                })
                .collect();
            out.push_str(cells.join(" ").trim_end());
        }
        out
    }

    /// How many days of the month were signed.
    pub fn signed_count(&self) -> usize {
        self.weeks
            .iter()
            .flatten()
            .flatten()
            .filter(|cell| cell.signed)
            .count()
    }
}

/// Whether a group message is a sign-in as members type it: 签到 or 打卡, also with 今天/今日/每日 before it
/// and punctuation, emoji or spaces around it (`签到！`, `今天签到`, `签到 🎉`).
pub fn is_checkin_text(text: &str) -> bool {
    let word = text.trim_matches(|c: char| !c.is_alphanumeric());
    let word = ["今天", "今日", "每日"]
        .iter()
        .find_map(|prefix| word.strip_prefix(prefix))
        .unwrap_or(word);
    matches!(word, "签到" | "打卡")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_words_as_members_type_them() {
        for text in [
            "签到",
            "打卡",
            "签到！",
            "今天签到",
            "签到 🎉",
            " 每日打卡。",
            "今日签到~",
        ] {
            assert!(is_checkin_text(text), "{text:?}");
        }
        for text in ["签到了吗", "我签到", "签", "", "🎉", "/checkin"] {
            assert!(!is_checkin_text(text), "{text:?}");
        }
    }

    fn day_of(y: i32, m: u32, d: u32) -> i64 {
        day_of_date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    #[test]
    fn streak_continues_resets_and_uses_grace() {
        assert_eq!(
            next_streak(None, 0, 100, 0),
            StreakOutcome {
                streak: 1,
                grace_card_used: false,
                already_signed: false
            }
        );
        assert_eq!(next_streak(Some(99), 4, 100, 0).streak, 5);
        let same = next_streak(Some(100), 5, 100, 2);
        assert!(same.already_signed);
        assert_eq!(same.streak, 5);
        assert!(!same.grace_card_used);
        // A missed day without cards resets; with a card it continues and spends the card.
        assert_eq!(next_streak(Some(98), 4, 100, 0).streak, 1);
        let bridged = next_streak(Some(98), 4, 100, 1);
        assert_eq!(
            bridged,
            StreakOutcome {
                streak: 5,
                grace_card_used: true,
                already_signed: false
            }
        );
        // Two missed days are too many even with cards.
        assert_eq!(next_streak(Some(97), 4, 100, 3).streak, 1);
        // A day index behind the last one (settings moved) counts as already signed.
        assert!(next_streak(Some(101), 4, 100, 0).already_signed);
    }

    #[test]
    fn live_streak_for_me() {
        assert_eq!(live_streak(Some(100), 3, 100, 0), 3);
        assert_eq!(live_streak(Some(99), 3, 100, 0), 3);
        assert_eq!(live_streak(Some(98), 3, 100, 0), 0);
        assert_eq!(live_streak(Some(98), 3, 100, 1), 3);
        assert_eq!(live_streak(None, 0, 100, 1), 0);
    }

    #[test]
    fn grace_cards_are_earned_every_n_days_and_capped() {
        let on = |streak, used| StreakOutcome {
            streak,
            grace_card_used: used,
            already_signed: false,
        };
        assert_eq!(
            grace_after(0, &on(6, false), 7, 3),
            GraceUpdate {
                cards: 0,
                earned: false
            }
        );
        assert_eq!(
            grace_after(0, &on(7, false), 7, 3),
            GraceUpdate {
                cards: 1,
                earned: true
            }
        );
        assert_eq!(
            grace_after(1, &on(14, false), 7, 3),
            GraceUpdate {
                cards: 2,
                earned: true
            }
        );
        assert_eq!(
            grace_after(3, &on(21, false), 7, 3),
            GraceUpdate {
                cards: 3,
                earned: false
            }
        );
        // Spending and earning on the same day.
        assert_eq!(
            grace_after(3, &on(28, true), 7, 3),
            GraceUpdate {
                cards: 3,
                earned: true
            }
        );
        assert_eq!(
            grace_after(1, &on(5, true), 7, 3),
            GraceUpdate {
                cards: 0,
                earned: false
            }
        );
        // Off.
        assert_eq!(
            grace_after(0, &on(7, false), 0, 3),
            GraceUpdate {
                cards: 0,
                earned: false
            }
        );
        let already = StreakOutcome {
            streak: 7,
            grace_card_used: false,
            already_signed: true,
        };
        assert_eq!(
            grace_after(1, &already, 7, 3),
            GraceUpdate {
                cards: 1,
                earned: false
            }
        );
    }

    #[test]
    fn reward_is_capped_and_random_part_bounded() {
        let settings = EconomySettings {
            checkin_base: 10,
            checkin_step: 2,
            checkin_cap: 20,
            ..Default::default()
        };
        assert_eq!(
            reward(&settings, 1, 99),
            RewardBreakdown {
                base: 10,
                streak_bonus: 2,
                random_bonus: 0,
                total: 12
            }
        );
        assert_eq!(reward(&settings, 10, 0).streak_bonus, 20);
        assert_eq!(reward(&settings, 1000, 0).total, 30);
        assert_eq!(reward(&settings, u32::MAX, 0).total, 30);
        let random = EconomySettings {
            checkin_random_max: 5,
            ..settings
        };
        for roll in 0..50u64 {
            let r = reward(&random, 3, roll);
            assert!((0..=5).contains(&r.random_bonus));
            assert_eq!(r.total, r.base + r.streak_bonus + r.random_bonus);
        }
        assert_eq!(reward(&random, 3, 5).random_bonus, 5);
        assert_eq!(reward(&random, 3, 6).random_bonus, 0);
        assert_eq!(
            reward(&random, 3, u64::MAX).random_bonus,
            i64::try_from(u64::MAX % 6).unwrap()
        );
    }

    #[test]
    fn milestones() {
        assert_eq!(next_milestone(0, 7), 7);
        assert_eq!(next_milestone(6, 7), 7);
        assert_eq!(next_milestone(7, 7), 14);
        assert_eq!(next_milestone(5, 0), 0);
    }

    #[test]
    fn month_grid_lays_out_weeks_and_marks() {
        // March 2024 starts on a Friday and has 31 days.
        let signed: BTreeSet<i64> =
            [day_of(2024, 3, 1), day_of(2024, 3, 2), day_of(2024, 4, 1)].into();
        let grid = month_grid(&signed, 2024, 3, day_of(2024, 3, 3)).unwrap();
        assert_eq!(grid.weeks.len(), 5);
        assert_eq!(grid.weeks[0][4].unwrap().day_of_month, 1);
        assert!(grid.weeks[0][0].is_none());
        assert_eq!(grid.signed_count(), 2);
        let text = grid.render(&["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "2024-03");
        assert_eq!(lines[1], "Mo Tu We Th Fr Sa Su");
        // The 1st and 2nd are signed and replaced by ✓; the 3rd (today, unsigned) keeps its number.
        assert_eq!(lines[2], "             ✓  ✓  3");
        assert_eq!(lines[3], " 4  5  6  7  8  9 10");
        assert_eq!(lines[6], "25 26 27 28 29 30 31");
        // February of a leap year and December roll over correctly.
        let feb = month_grid(&BTreeSet::new(), 2024, 2, 0).unwrap();
        assert_eq!(feb.weeks.iter().flatten().flatten().count(), 29);
        let dec = month_grid(&BTreeSet::new(), 2023, 12, 0).unwrap();
        assert_eq!(dec.weeks.iter().flatten().flatten().count(), 31);
        assert!(month_grid(&BTreeSet::new(), 2024, 13, 0).is_none());
    }

    #[test]
    fn a_moved_day_boundary_never_allows_a_second_sign_in_early() {
        let hour = 3_600;
        // Signed at 10:00 of a day running 00:00–24:00.
        let (signed, ends) = (10 * hour, 24 * hour);
        // The reset hour moves to 11:00: by the new count a day starts at 11:00, but the old one has not
        // ended.
        assert!(!may_sign_in_again(signed, Some(ends), 11 * hour, 11 * hour));
        // The zone moves west so the sign-in falls in the day that, by the new count, is still today.
        assert!(!may_sign_in_again(signed, Some(ends), 25 * hour, 9 * hour));
        // After both boundaries: allowed.
        assert!(may_sign_in_again(signed, Some(ends), 24 * hour, 11 * hour));
        // An ordinary next day.
        assert!(may_sign_in_again(
            signed,
            Some(ends),
            24 * hour + 60,
            24 * hour
        ));
        // An old sign-in without a recorded end follows the current count alone.
        assert!(may_sign_in_again(signed, None, 11 * hour, 11 * hour));
        assert!(!may_sign_in_again(signed, None, 11 * hour, 9 * hour));
    }
}
