//! `[welcome]`: the defaults of the greeting, the entry gate and anti-raid. Groups change most of them with
//! commands; these are what a group starts with.

use crate::units::Dur;
use serde::Deserialize;

/// What happens to a member who fails the entry gate or lets it time out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailAction {
    /// Banned and unbanned at once: removed, but free to try again.
    Kick,
    /// Banned for good.
    Ban,
    /// Left in the group, still unable to send.
    Mute,
}

/// What happens to newcomers while raid mode is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RaidAction {
    /// Restricted silently; admins lift it when they see fit.
    Restrict,
    /// Removed (banned and unbanned).
    Kick,
}

/// What happens to a join request whose gate cannot be delivered in a private chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Undeliverable {
    /// Let them in.
    Approve,
    /// Turn them away.
    Decline,
}

/// `[welcome]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WelcomeSettings {
    /// How long joins are collected before one captcha message asks them, or one welcome names them,
    /// together.
    pub coalesce_window: Dur,
    /// The shortest time between two captcha messages, and between two welcomes, in one group; joins in
    /// between are asked (and greeted) together. A quarter of `limits.per_group` is used when that is
    /// longer.
    pub message_gap: Dur,
    /// How many members one welcome names before it says "and N more".
    pub names_per_welcome: usize,
    /// The gate a group starts with: `off`, `button`, `math` or `quiz`.
    pub captcha: String,
    /// How long a newcomer has to pass the gate (15 s – 10 min).
    pub captcha_timeout: Dur,
    /// What happens on a wrong answer or a timeout.
    pub fail_action: FailAction,
    /// Remove bots that a member who is not an admin added.
    pub remove_bots_added_by_members: bool,
    /// Delete Telegram's own "X joined" / "X left" notices.
    pub delete_service_messages: bool,
    /// Joins that switch raid mode on, within `raid_window`.
    pub raid_joins: u32,
    /// The window in which `raid_joins` joins count as a raid.
    pub raid_window: Dur,
    /// How long raid mode stays on once it switched on by itself.
    pub raid_duration: Dur,
    /// What raid mode does to newcomers.
    pub raid_action: RaidAction,
    /// What happens to a join request whose gate cannot be sent to the requester.
    pub request_undeliverable: Undeliverable,
    /// From this many members on, `/rules` in the group shows a button to read them in private.
    pub rules_private_from: u32,
}

impl Default for WelcomeSettings {
    fn default() -> Self {
        Self {
            coalesce_window: Dur::secs(3),
            message_gap: Dur::secs(12),
            names_per_welcome: 5,
            captcha: "button".into(),
            captcha_timeout: Dur::secs(120),
            fail_action: FailAction::Kick,
            remove_bots_added_by_members: true,
            delete_service_messages: false,
            raid_joins: 15,
            raid_window: Dur::secs(60),
            raid_duration: Dur::secs(600),
            raid_action: RaidAction::Restrict,
            request_undeliverable: Undeliverable::Decline,
            rules_private_from: 200,
        }
    }
}

impl WelcomeSettings {
    /// Checks the values; the error names the key.
    pub fn validate(&self) -> Result<(), String> {
        if super::gate::Mode::parse(&self.captcha).is_none() {
            return Err("`welcome.captcha`: must be off, button, math or quiz".into());
        }
        let timeout = self.captcha_timeout.get().as_secs();
        if !(super::gate::MIN_TIMEOUT..=super::gate::MAX_TIMEOUT).contains(&timeout) {
            return Err("`welcome.captcha_timeout`: must be between 15s and 10m".into());
        }
        if self.names_per_welcome == 0 {
            return Err("`welcome.names_per_welcome`: must be at least 1".into());
        }
        if self.raid_joins == 0 || self.raid_window.get().as_secs() == 0 {
            return Err(
                "`welcome.raid_joins` and `welcome.raid_window`: must be more than zero".into(),
            );
        }
        if self.raid_duration.get().as_secs() < 60 {
            return Err("`welcome.raid_duration`: must be at least 1m".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_name_their_key() {
        assert!(WelcomeSettings::default().validate().is_ok());
        let bad = WelcomeSettings {
            captcha: "riddle".into(),
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err().contains("welcome.captcha"));
        let bad = WelcomeSettings {
            captcha_timeout: Dur::secs(5),
            ..Default::default()
        };
        assert!(bad
            .validate()
            .unwrap_err()
            .contains("welcome.captcha_timeout"));
    }
}
