//! `[redpacket]` settings: the limits of one packet, how long it stays open, and how often its message is
//! edited while members grab.

use crate::error::{Error, Result};
use crate::units::Dur;
use serde::Deserialize;

/// `[redpacket]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedpacketSettings {
    /// The most shares one packet may have.
    pub max_count: u32,
    /// The smallest share of a lucky or equal packet, in points (at least 1: nobody grabs an empty share).
    pub min_share: i64,
    /// The most points one packet may hold.
    pub max_total: i64,
    /// How long a packet stays open; what is left then goes back to the sender.
    pub expiry: Dur,
    /// The shortest time between two edits of one packet's message while it is being grabbed (the final
    /// edit, when the packet ends, is not held back). Edits share the group's 20 sends a minute, so the
    /// default lets one packet use at most 4 of them.
    pub edit_interval: Dur,
    /// Default eligibility rule: hours a member must have been in the group to claim (0 = off).
    pub min_member_hours: i64,
    /// Default eligibility rule: a member must have spoken in the group before claiming.
    pub require_spoken: bool,
    /// Default eligibility rule: the lowest level that may claim (0 or 1 = off).
    pub min_level: i64,
    /// Default eligibility rule: whether a sender may claim a share of their own packet.
    pub sender_may_claim: bool,
    /// Default eligibility rule: the most shares one member may claim per day (0 = no limit).
    pub max_claims_per_day: i64,
    /// Whether a member's phrase message is deleted after it claimed a share of a 口令 packet.
    pub delete_phrase: bool,
    /// How long a member waits after a wrong 答题 answer before answering again.
    pub quiz_cooldown: Dur,
    /// The shortest time between two edits of the one message that lists a 口令 or 答题 packet's claims.
    pub announce_interval: Dur,
    /// How long the best-luck member of a relay round has to send the next round, unless `/relay` names one.
    pub relay_deadline: Dur,
    /// Whether a missed relay deadline first reminds the member once (and waits one more deadline).
    pub relay_ping_once: bool,
}

impl Default for RedpacketSettings {
    fn default() -> Self {
        Self {
            max_count: 100,
            min_share: 1,
            max_total: 1_000_000,
            expiry: Dur::secs(24 * 3600),
            edit_interval: Dur::secs(15),
            min_member_hours: 0,
            require_spoken: false,
            min_level: 0,
            sender_may_claim: true,
            max_claims_per_day: 0,
            delete_phrase: true,
            quiz_cooldown: Dur::secs(30),
            announce_interval: Dur::secs(3),
            relay_deadline: Dur::secs(600),
            relay_ping_once: false,
        }
    }
}

impl RedpacketSettings {
    /// Checks the values, naming the first bad key.
    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, why: &str| Err(Error::Config(format!("`redpacket.{key}`: {why}")));
        if self.max_count == 0 || self.max_count > 1000 {
            return bad("max_count", "must be between 1 and 1000");
        }
        if self.min_share < 1 {
            return bad("min_share", "must be at least 1");
        }
        if self.max_total < self.min_share || self.max_total > 1_000_000_000_000 {
            return bad(
                "max_total",
                "must be at least min_share and at most 1000000000000",
            );
        }
        if self.expiry.get().as_secs() < 60 {
            return bad("expiry", "must be at least 1m");
        }
        if !(0..=100_000).contains(&self.min_member_hours) {
            return bad("min_member_hours", "must be between 0 and 100000");
        }
        if !(0..=1000).contains(&self.min_level) {
            return bad("min_level", "must be between 0 and 1000");
        }
        if !(0..=100_000).contains(&self.max_claims_per_day) {
            return bad("max_claims_per_day", "must be between 0 and 100000");
        }
        if self.relay_deadline.get().as_secs() < 10 {
            return bad("relay_deadline", "must be at least 10s");
        }
        if self.relay_deadline.get().as_secs() > 7 * 24 * 3600 {
            return bad("relay_deadline", "must be at most 7d");
        }
        Ok(())
    }

    /// The configured default eligibility rules (a group may override each with `/hongbao set`).
    pub fn default_rules(&self) -> super::eligibility::Rules {
        super::eligibility::Rules {
            min_member_hours: self.min_member_hours,
            require_spoken: self.require_spoken,
            min_level: self.min_level,
            sender_may_claim: self.sender_may_claim,
            max_claims_per_day: self.max_claims_per_day,
        }
    }

    /// The limits the split core checks.
    pub fn limits(&self) -> super::split::SplitLimits {
        super::split::SplitLimits {
            max_count: self.max_count,
            min_share: self.min_share,
            max_total: self.max_total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_named() {
        assert!(RedpacketSettings::default().validate().is_ok());
        let zero = RedpacketSettings {
            max_count: 0,
            ..Default::default()
        };
        assert!(zero
            .validate()
            .unwrap_err()
            .to_string()
            .contains("max_count"));
        let min = RedpacketSettings {
            min_share: 0,
            ..Default::default()
        };
        assert!(min
            .validate()
            .unwrap_err()
            .to_string()
            .contains("min_share"));
        let short = RedpacketSettings {
            expiry: Dur::secs(5),
            ..Default::default()
        };
        assert!(short.validate().unwrap_err().to_string().contains("expiry"));
        let hasty = RedpacketSettings {
            relay_deadline: Dur::secs(1),
            ..Default::default()
        };
        assert!(hasty
            .validate()
            .unwrap_err()
            .to_string()
            .contains("relay_deadline"));
    }
}
