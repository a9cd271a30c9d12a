//! `[schedule]` settings: how late a one-time post may still go out, and how many scheduled posts a group
//! may have.

use crate::units::Dur;
use serde::Deserialize;

/// `[schedule]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleSettings {
    /// A one-time post at most this late (the bot was down) is still sent, marked late; an older one is
    /// reported to the admins and not sent.
    pub grace: Dur,
    /// The most scheduled posts (active or paused) one group may have.
    pub max_per_group: u32,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        Self {
            grace: Dur::secs(15 * 60),
            max_per_group: 50,
        }
    }
}

impl ScheduleSettings {
    /// Checks every value; the error names the key (as `schedule.<key>`) and says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_per_group == 0 || self.max_per_group > 1_000 {
            return Err("`schedule.max_per_group`: must be between 1 and 1000".into());
        }
        if self.grace.get().as_secs() > 7 * 86_400 {
            return Err("`schedule.grace`: must be at most 7d".into());
        }
        Ok(())
    }

    /// The grace in seconds.
    pub fn grace_secs(&self) -> i64 {
        i64::try_from(self.grace.get().as_secs()).unwrap_or(i64::MAX)
    }
}
