//! `[moderation]` settings: who is exempt, who counts as a newcomer, the escalation ladder and its decay,
//! how explanations are paced, flood defaults, and limits on admin-supplied rules.

use super::rules::Action;
use crate::units::{Dur, Rate};
use serde::Deserialize;

/// `[moderation]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModerationSettings {
    /// Whether the rules engine checks messages at all.
    pub enabled: bool,
    /// Whether group admins are exempt from every rule.
    pub exempt_admins: bool,
    /// Whether approved members are exempt from every rule.
    pub exempt_approved: bool,
    /// A member whose join the bot saw is a newcomer for this long after joining…
    pub newcomer_period: Dur,
    /// …or until they have sent this many messages.
    pub newcomer_messages: i64,
    /// The default escalation ladder, one action per step (`warn`, `mute 1h`, `kick`, `ban`).
    pub ladder: Vec<String>,
    /// How long a violation counts on the ladder.
    pub violation_ttl: Dur,
    /// At most one explanation per member per this window.
    pub explain_window: Dur,
    /// How long an explanation stays before the bot deletes it.
    pub explain_ttl: Dur,
    /// At most this many explanations per group per minute; beyond it, actions happen silently.
    pub explain_per_minute: u32,
    /// Whether new groups start with the default ad pack on.
    pub default_pack: bool,
    /// The default flood limit: this many messages…
    pub flood_count: u32,
    /// …within this window.
    pub flood_window: Dur,
    /// What flood does by default.
    pub flood_action: String,
    /// The same text from one member in this many groups of this instance…
    pub cross_group_count: u32,
    /// …within this window counts as flood (0 groups turns it off).
    pub cross_group_window: Dur,
    /// Texts shorter than this (normalized characters) are not compared across groups.
    pub cross_group_min_chars: usize,
    /// The compiled size limit of one admin regex, in bytes.
    pub regex_size_limit: usize,
    /// The most keywords one group may have.
    pub max_keywords: usize,
    /// The most regexes one group may have.
    pub max_regexes: usize,
    /// How many members and texts the in-memory flood tracker remembers.
    pub tracker_capacity: usize,
    /// Whether the trained ad detector judges messages (as the `classifier` rule).
    pub classifier_enabled: bool,
    /// No longer used (the detector's thresholds decide); still accepted so existing settings files load.
    pub classifier_threshold: f64,
    /// Whether the detector acts only on newcomers' messages (the default keeps false positives low).
    pub classifier_newcomers_only: bool,
    /// After this many live warnings from `/warn`, the member is banned (0: never).
    pub warn_limit: i64,
    /// A member who is not an admin is told a command is not theirs once per this window; their repeats
    /// are ignored silently, so refusals never spend the group's send budget.
    pub refusal_window: Dur,
    /// At most this many moderation log lines go to one log channel per window; the lines beyond are
    /// folded into one summary line.
    pub log_mirror_rate: Rate,
    /// A member who is not an admin may send this many commands per window in a group; past it the bot
    /// ignores their commands silently and the repeats count toward flood.
    pub member_command_rate: Rate,
    /// An operator's ad-detector model file (empty: the model built into the binary). A missing or
    /// corrupt file is logged and the built-in model is used.
    pub detector_model: String,
    /// The detector's remove threshold for newcomers (0: the model's own).
    pub detector_remove_threshold: f64,
    /// The detector's suspicious threshold for newcomers (0: the model's own).
    pub detector_suspicious_threshold: f64,
    /// The detector's remove threshold for settled members (0: the model's own).
    pub detector_member_remove_threshold: f64,
    /// The detector's suspicious threshold for settled members (0: the model's own).
    pub detector_member_suspicious_threshold: f64,
    /// A fingerprint admins taught as spam reaches every group's similarity layer only when admins of
    /// at least this many distinct groups taught it.
    pub detector_agree_groups: u32,
    /// Groups (chat ids) whose admins' spam teaching reaches every group at once.
    pub detector_trusted_groups: Vec<i64>,
    /// The undo window of an automatic removal by the detector or the ad pack: when no admin undid it
    /// within this time, the group's own detector layer learns the message as spam (never the
    /// instance-wide layer).
    pub detector_learn_after: Dur,
}

impl Default for ModerationSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            exempt_admins: true,
            exempt_approved: true,
            newcomer_period: Dur::secs(24 * 3600),
            newcomer_messages: 3,
            ladder: vec![
                "warn".into(),
                "warn".into(),
                "mute 1h".into(),
                "mute 1d".into(),
                "ban".into(),
            ],
            violation_ttl: Dur::secs(7 * 86_400),
            explain_window: Dur::secs(600),
            explain_ttl: Dur::secs(120),
            explain_per_minute: 6,
            default_pack: true,
            flood_count: 6,
            flood_window: Dur::secs(10),
            flood_action: "mute 10m".into(),
            cross_group_count: 3,
            cross_group_window: Dur::secs(600),
            cross_group_min_chars: 12,
            regex_size_limit: 256 * 1024,
            max_keywords: 5_000,
            max_regexes: 50,
            tracker_capacity: 100_000,
            classifier_enabled: true,
            classifier_threshold: 0.9,
            classifier_newcomers_only: true,
            warn_limit: 3,
            refusal_window: Dur::secs(600),
            log_mirror_rate: Rate {
                count: 20,
                window: std::time::Duration::from_secs(60),
            },
            member_command_rate: Rate {
                count: 6,
                window: std::time::Duration::from_secs(60),
            },
            detector_model: String::new(),
            detector_remove_threshold: 0.0,
            detector_suspicious_threshold: 0.0,
            detector_member_remove_threshold: 0.0,
            detector_member_suspicious_threshold: 0.0,
            detector_agree_groups: 3,
            detector_trusted_groups: Vec::new(),
            detector_learn_after: Dur::secs(3600),
        }
    }
}

impl ModerationSettings {
    /// The ladder as actions (validated at start-up).
    pub fn ladder_actions(&self) -> Vec<Action> {
        self.ladder
            .iter()
            .filter_map(|s| Action::parse(s))
            .collect()
    }

    /// Checks the values; the error names the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.ladder.is_empty() {
            return Err("`moderation.ladder`: needs at least one step".into());
        }
        for step in &self.ladder {
            match Action::parse(step) {
                Some(Action::Escalate) | None => {
                    return Err(format!(
                        "`moderation.ladder`: `{step}` is not one of delete, warn, mute <duration>, kick, ban"
                    ))
                }
                Some(_) => {}
            }
        }
        if Action::parse(&self.flood_action).is_none() {
            return Err(format!(
                "`moderation.flood_action`: `{}` is not an action",
                self.flood_action
            ));
        }
        if self.flood_window.get().as_secs() == 0 || self.flood_window.get().as_secs() > 3600 {
            return Err("`moderation.flood_window`: must be between 1s and 1h".into());
        }
        if self.newcomer_messages < 0 {
            return Err("`moderation.newcomer_messages`: must not be negative".into());
        }
        if self.regex_size_limit < 1024 {
            return Err("`moderation.regex_size_limit`: must be at least 1024".into());
        }
        if !(self.classifier_threshold > 0.0 && self.classifier_threshold <= 1.0) {
            return Err("`moderation.classifier_threshold`: must be above 0 and at most 1".into());
        }
        for (key, value) in [
            ("detector_remove_threshold", self.detector_remove_threshold),
            (
                "detector_suspicious_threshold",
                self.detector_suspicious_threshold,
            ),
            (
                "detector_member_remove_threshold",
                self.detector_member_remove_threshold,
            ),
            (
                "detector_member_suspicious_threshold",
                self.detector_member_suspicious_threshold,
            ),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(format!(
                    "`moderation.{key}`: must be 0 (the model's own) or at most 1"
                ));
            }
        }
        if self.detector_agree_groups == 0 {
            return Err("`moderation.detector_agree_groups`: must be at least 1".into());
        }
        if self.detector_learn_after.get().is_zero() {
            return Err("`moderation.detector_learn_after`: must be longer than zero".into());
        }
        if self.warn_limit < 0 {
            return Err("`moderation.warn_limit`: must not be negative".into());
        }
        if self.violation_ttl.get().is_zero() {
            return Err("`moderation.violation_ttl`: must be longer than zero".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_ladders_are_named() {
        let settings = ModerationSettings::default();
        assert!(settings.validate().is_ok());
        assert_eq!(settings.ladder_actions().len(), 5);
        let bad = ModerationSettings {
            ladder: vec!["warn".into(), "explode".into()],
            ..ModerationSettings::default()
        };
        assert!(bad.validate().unwrap_err().contains("moderation.ladder"));
    }
}
