//! `[lottery]` settings: how big a lottery may be, how far ahead it may draw, how often the announcement's
//! participant count is edited, and when a draw counts as late.

use crate::units::Dur;
use serde::Deserialize;
use std::time::Duration;

/// `[lottery]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LotterySettings {
    /// The most members who may join one lottery.
    pub max_participants: u32,
    /// The most tier prizes of one lottery (summed over its tiers).
    pub max_prizes: u32,
    /// The most prize tiers of one lottery.
    pub max_tiers: u32,
    /// The largest points prize.
    pub max_points: i64,
    /// How far ahead a draw may be set.
    pub max_ahead: Dur,
    /// The shortest time between two edits of an announcement's participant count.
    pub count_edit_interval: Dur,
    /// A draw this long after its time (the bot was down) says it was late.
    pub late_after: Dur,
}

impl Default for LotterySettings {
    fn default() -> Self {
        Self {
            max_participants: 10_000,
            max_prizes: 100,
            max_tiers: 10,
            max_points: 1_000_000,
            max_ahead: Dur(Duration::from_secs(366 * 86_400)),
            count_edit_interval: Dur::secs(10),
            late_after: Dur::secs(60),
        }
    }
}

impl LotterySettings {
    /// Checks every value; the error names the key (as `lottery.<key>`) and says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let bad = |key: &str, why: &str| Err(format!("`lottery.{key}`: {why}"));
        if self.max_participants == 0 || self.max_participants > 200_000 {
            return bad("max_participants", "must be between 1 and 200000");
        }
        if self.max_prizes == 0 || self.max_prizes > 1_000 {
            return bad("max_prizes", "must be between 1 and 1000");
        }
        if self.max_tiers == 0 || self.max_tiers > 50 {
            return bad("max_tiers", "must be between 1 and 50");
        }
        if self.max_points <= 0 || self.max_points > 1_000_000_000 {
            return bad("max_points", "must be between 1 and 1000000000");
        }
        if self.max_ahead.get().is_zero() {
            return bad("max_ahead", "must be longer than zero");
        }
        if self.count_edit_interval.get() < Duration::from_secs(1) {
            return bad(
                "count_edit_interval",
                "must be at least 1s (edits count against Telegram's limits)",
            );
        }
        Ok(())
    }

    /// The parser's limits.
    pub fn limits(&self) -> super::parse::Limits {
        super::parse::Limits {
            max_prizes: self.max_prizes,
            max_tiers: self.max_tiers,
            max_points: self.max_points,
            max_participants: self.max_participants,
            max_ahead_secs: i64::try_from(self.max_ahead.get().as_secs()).unwrap_or(i64::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_name_their_key() {
        assert_eq!(LotterySettings::default().validate(), Ok(()));
        let prizes = LotterySettings {
            max_prizes: 0,
            ..Default::default()
        };
        assert!(prizes
            .validate()
            .unwrap_err()
            .contains("lottery.max_prizes"));
    }
}
