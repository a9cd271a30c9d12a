//! `[redpacket]` settings: the limits of one packet, how long it stays open, and how often its message is
//! edited while members grab.

use crate::config::Dur;
use crate::error::{Error, Result};
use serde::Deserialize;

/// `[redpacket]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedpacketSettings {
    /// The most shares one packet may have.
    pub max_count: u32,
    /// The smallest share of a lucky packet, in points (at least 1: nobody grabs an empty share).
    pub min_share: i64,
    /// The most points one packet may hold.
    pub max_total: i64,
    /// How long a packet stays open; what is left then goes back to the sender.
    pub expiry: Dur,
    /// The shortest time between two edits of one packet's message while it is being grabbed (the final
    /// edit, when the packet ends, is not held back).
    pub edit_interval: Dur,
}

impl Default for RedpacketSettings {
    fn default() -> Self {
        Self {
            max_count: 100,
            min_share: 1,
            max_total: 1_000_000,
            expiry: Dur::secs(24 * 3600),
            edit_interval: Dur::secs(5),
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
        Ok(())
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
    }
}
