//! `[economy]` settings: limits of the ledger commands, the sign-in day and reward, grace cards, activity
//! points and how long sign-in replies are gathered. Every amount is a whole number of points. They live
//! in [`crate::config::Config`]'s `economy` field and are checked by [`EconomySettings::validate`] when
//! the configuration is loaded.

use crate::units::Dur;
use chrono_tz::Tz;
use serde::Deserialize;

/// The largest value any single reward setting may take, so that sums of them can never overflow.
const SETTING_MAX: i64 = 1_000_000_000;

/// `[economy]`
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EconomySettings {
    /// The largest amount one `/give`, `/take` or `/transfer` may move.
    pub max_amount: i64,
    /// Whether members may send points to each other with `/transfer`.
    pub transfer_enabled: bool,
    /// The most points one member may send with `/transfer` per local day; 0 means no daily limit.
    pub transfer_daily_limit: i64,
    /// The default time zone of a group's day (an IANA name such as `Asia/Shanghai`).
    pub timezone: String,
    /// The default hour (0–23, local time) at which a new sign-in day starts.
    pub reset_hour: u8,
    /// Points every sign-in pays.
    pub checkin_base: i64,
    /// Extra points per day of streak.
    pub checkin_step: i64,
    /// The most extra points a streak can add.
    pub checkin_cap: i64,
    /// The largest random bonus of a sign-in (0 turns the random bonus off).
    pub checkin_random_max: i64,
    /// One grace card (补签卡) is earned for every this many consecutive days (0 turns grace cards off).
    pub grace_every: u32,
    /// The most grace cards a member can hold.
    pub grace_max: u32,
    /// Points one counted message earns.
    pub activity_points_per_message: i64,
    /// The most activity points a member can earn per local day.
    pub activity_daily_cap: i64,
    /// Messages shorter than this many characters earn nothing.
    pub activity_min_chars: u32,
    /// How often earned activity points are credited: each member active since the last run gets one
    /// ledger entry per day, however many messages they sent.
    pub activity_interval: Dur,
    /// The shortest time a sign-in wave gathers the replies after its first one (longer when the group's
    /// send limit asks for it, see [`super::wave::wave_window`]).
    pub min_wave_window: Dur,
}

impl Default for EconomySettings {
    fn default() -> Self {
        Self {
            max_amount: 1_000_000,
            transfer_enabled: false,
            transfer_daily_limit: 10_000,
            timezone: "Asia/Shanghai".to_owned(),
            reset_hour: 0,
            checkin_base: 10,
            checkin_step: 2,
            checkin_cap: 20,
            checkin_random_max: 0,
            grace_every: 7,
            grace_max: 3,
            activity_points_per_message: 1,
            activity_daily_cap: 50,
            activity_min_chars: 5,
            activity_interval: Dur::secs(60),
            min_wave_window: Dur::secs(2),
        }
    }
}

impl EconomySettings {
    /// Checks every value; the error names the key (as `economy.<key>`) and says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let bad = |key: &str, why: &str| Err(format!("`economy.{key}`: {why}"));
        if self.max_amount <= 0 || self.max_amount > SETTING_MAX {
            return bad("max_amount", "must be between 1 and 1000000000");
        }
        if self.transfer_daily_limit < 0 {
            return bad(
                "transfer_daily_limit",
                "must not be negative (0 means no limit)",
            );
        }
        if self.timezone.parse::<Tz>().is_err() {
            return bad(
                "timezone",
                "is not a known time zone; write an IANA name like Asia/Shanghai or UTC",
            );
        }
        if self.reset_hour > 23 {
            return bad("reset_hour", "must be an hour between 0 and 23");
        }
        let amounts = [
            ("checkin_base", self.checkin_base),
            ("checkin_step", self.checkin_step),
            ("checkin_cap", self.checkin_cap),
            ("checkin_random_max", self.checkin_random_max),
            (
                "activity_points_per_message",
                self.activity_points_per_message,
            ),
            ("activity_daily_cap", self.activity_daily_cap),
        ];
        for (key, value) in amounts {
            if !(0..=SETTING_MAX).contains(&value) {
                return bad(key, "must be between 0 and 1000000000");
            }
        }
        let wave = self.min_wave_window.get();
        if wave.is_zero() || wave > std::time::Duration::from_secs(60) {
            return bad("min_wave_window", "must be longer than zero and at most 1m");
        }
        if self.grace_every > 0 && self.grace_max == 0 {
            return bad("grace_max", "must be at least 1 while grace_every is on (set grace_every = 0 to turn grace cards off)");
        }
        Ok(())
    }

    /// The configured default time zone. Falls back to UTC only if [`validate`](Self::validate) was skipped.
    pub fn tz(&self) -> Tz {
        self.timezone.parse().unwrap_or(Tz::UTC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let settings = EconomySettings::default();
        assert_eq!(settings.validate(), Ok(()));
        assert_eq!(settings.tz(), chrono_tz::Asia::Shanghai);
        assert!(!settings.transfer_enabled);
        assert_eq!(settings.max_amount, 1_000_000);
    }

    #[test]
    fn errors_name_the_key() {
        let settings = EconomySettings {
            timezone: "Mars/Olympus".into(),
            ..Default::default()
        };
        assert!(settings
            .validate()
            .unwrap_err()
            .contains("economy.timezone"));
        let settings = EconomySettings {
            reset_hour: 24,
            ..Default::default()
        };
        assert!(settings
            .validate()
            .unwrap_err()
            .contains("economy.reset_hour"));
        let settings = EconomySettings {
            checkin_cap: -1,
            ..Default::default()
        };
        assert!(settings
            .validate()
            .unwrap_err()
            .contains("economy.checkin_cap"));
        let settings = EconomySettings {
            max_amount: 0,
            ..Default::default()
        };
        assert!(settings
            .validate()
            .unwrap_err()
            .contains("economy.max_amount"));
        for wave in [Dur::millis(0), Dur::secs(61)] {
            let settings = EconomySettings {
                min_wave_window: wave,
                ..Default::default()
            };
            assert!(settings
                .validate()
                .unwrap_err()
                .contains("economy.min_wave_window"));
        }
        let settings = EconomySettings {
            min_wave_window: Dur::millis(150),
            ..Default::default()
        };
        assert_eq!(settings.validate(), Ok(()));
    }

    #[test]
    fn parses_from_toml_and_rejects_unknown_keys() {
        let settings: EconomySettings =
            toml::from_str("timezone = \"UTC\"\nreset_hour = 5").unwrap();
        assert_eq!(settings.reset_hour, 5);
        assert_eq!(
            settings.checkin_base,
            EconomySettings::default().checkin_base
        );
        assert!(toml::from_str::<EconomySettings>("no_such_key = 1").is_err());
    }
}
