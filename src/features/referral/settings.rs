//! `[referral]` settings: when a referral counts, what it earns, and how long a link shown in the group stays.

use crate::error::{Error, Result};
use crate::units::Dur;
use serde::Deserialize;

/// `[referral]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReferralSettings {
    /// How long an invited member must stay (after passing the entry gate) before the referral is valid.
    pub valid_after: Dur,
    /// Points the inviter receives once per valid referral; 0 disables rewards.
    pub reward: i64,
    /// How long an `/invite` link posted in the group (for members who have not started the bot) stays
    /// before the bot deletes it.
    pub group_link_lifetime: Dur,
    /// How many inviters `/rank invites` (and its alias `/invites top`) lists.
    pub top: usize,
}

impl Default for ReferralSettings {
    fn default() -> Self {
        Self {
            valid_after: Dur::secs(3 * 86_400),
            reward: 20,
            group_link_lifetime: Dur::secs(60),
            top: 10,
        }
    }
}

impl ReferralSettings {
    /// Checks the values, naming the first bad key.
    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, why: &str| Err(Error::Config(format!("`referral.{key}`: {why}")));
        if self.valid_after.get().as_secs() > 366 * 86_400 {
            return bad("valid_after", "must be at most 366d");
        }
        if !(0..=1_000_000_000).contains(&self.reward) {
            return bad("reward", "must be between 0 and 1000000000");
        }
        if self.group_link_lifetime.get().as_secs() < 5 {
            return bad("group_link_lifetime", "must be at least 5s");
        }
        if self.top == 0 || self.top > 50 {
            return bad("top", "must be between 1 and 50");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_name_their_key() {
        ReferralSettings::default().validate().unwrap();
        let negative = ReferralSettings {
            reward: -1,
            ..Default::default()
        };
        let err = negative.validate().unwrap_err().to_string();
        assert!(err.contains("referral.reward"), "{err}");
    }
}
