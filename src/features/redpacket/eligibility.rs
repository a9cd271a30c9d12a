//! Who may claim a share of a packet (gates against alternate accounts), and how typed answers are compared.
//!
//! Everything here is pure: the handler gathers the [`Facts`] about a member from the database and the
//! clock, and [`check`] names the first rule they miss.

/// A group's eligibility rules. A zero (or `false`) turns a rule off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Hours a member must have been in the group.
    pub min_member_hours: i64,
    /// Whether a member must have sent a message in the group before.
    pub require_spoken: bool,
    /// The lowest level (1 = the first level) a member must hold.
    pub min_level: i64,
    /// Whether the sender may claim a share of their own packet.
    pub sender_may_claim: bool,
    /// The most shares one member may claim per day in this group.
    pub max_claims_per_day: i64,
}

/// What is known about the member trying to claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// Whether they sent the packet.
    pub is_sender: bool,
    /// Since when they are in the group (joined, or first seen), unix seconds; `None` if never seen.
    pub member_since: Option<i64>,
    /// Messages seen from them in the group.
    pub messages: i64,
    /// Their level, 1-based.
    pub level: i64,
    /// Shares they claimed today in this group.
    pub claims_today: i64,
    pub now: i64,
}

/// The first rule a member misses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The packet's sender may not claim it.
    OwnPacket,
    /// In the group for less than `hours` hours.
    TooNew {
        /// The rule's hours.
        hours: i64,
    },
    /// Never spoke in the group.
    NeverSpoke,
    /// Below level `needed`.
    LevelTooLow {
        /// The rule's level.
        needed: i64,
        /// The member's level.
        have: i64,
    },
    /// Already claimed `max` shares today.
    DailyLimit {
        /// The rule's daily limit.
        max: i64,
    },
}

/// Checks the rules in a fixed order and names the first one missed.
pub fn check(rules: &Rules, facts: &Facts) -> Result<(), Refusal> {
    if facts.is_sender && !rules.sender_may_claim {
        return Err(Refusal::OwnPacket);
    }
    if rules.min_member_hours > 0 {
        let needed = rules.min_member_hours.saturating_mul(3600);
        let long_enough = facts
            .member_since
            .is_some_and(|since| facts.now.saturating_sub(since) >= needed);
        if !long_enough {
            return Err(Refusal::TooNew {
                hours: rules.min_member_hours,
            });
        }
    }
    if rules.require_spoken && facts.messages <= 0 {
        return Err(Refusal::NeverSpoke);
    }
    if rules.min_level > 1 && facts.level < rules.min_level {
        return Err(Refusal::LevelTooLow {
            needed: rules.min_level,
            have: facts.level,
        });
    }
    if rules.max_claims_per_day > 0 && facts.claims_today >= rules.max_claims_per_day {
        return Err(Refusal::DailyLimit {
            max: rules.max_claims_per_day,
        });
    }
    Ok(())
}

/// The rule keys `/hongbao set` accepts.
pub const RULE_KEYS: &[&str] = &[
    "min_member_hours",
    "require_spoken",
    "min_level",
    "sender_may_claim",
    "max_claims_per_day",
];

/// Reads a rule value as typed: numbers for the numeric rules, on/off (yes/no, 1/0, 开/关) for the switches.
/// Returns the stored integer, or `None` when the value does not fit the key.
pub fn parse_rule(key: &str, value: &str) -> Option<i64> {
    let value = value.trim().to_lowercase();
    match key {
        "require_spoken" | "sender_may_claim" => match value.as_str() {
            "on" | "yes" | "true" | "1" | "开" | "是" => Some(1),
            "off" | "no" | "false" | "0" | "关" | "否" => Some(0),
            _ => None,
        },
        "min_member_hours" | "max_claims_per_day" => value
            .parse::<i64>()
            .ok()
            .filter(|v| (0..=100_000).contains(v)),
        "min_level" => value.parse::<i64>().ok().filter(|v| (0..=1000).contains(v)),
        _ => None,
    }
}

/// A typed answer or 口令 made comparable: full-width forms become half-width, letters are case-folded
/// (phones capitalise the first letter), runs of white space become one space, and punctuation, emoji and
/// spaces at either end are dropped (`Open sesame！🎉` is `open sesame`).
pub fn normalize(text: &str) -> String {
    let folded: String = text
        .chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    let words = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    words
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_compare_as_typed_on_phones() {
        for typed in [
            "Open sesame",
            "open  sesame！",
            "ＯＰＥＮ ＳＥＳＡＭＥ",
            " open sesame 🎉",
            "open sesame。",
        ] {
            assert_eq!(normalize(typed), "open sesame", "{typed:?}");
        }
        assert_eq!(normalize("芝麻开门！"), "芝麻开门");
        assert_eq!(normalize("🎉🎉"), "");
        assert_eq!(normalize("3.14"), "3.14");
    }

    fn open() -> Rules {
        Rules {
            min_member_hours: 0,
            require_spoken: false,
            min_level: 0,
            sender_may_claim: true,
            max_claims_per_day: 0,
        }
    }

    fn newcomer() -> Facts {
        Facts {
            is_sender: false,
            member_since: None,
            messages: 0,
            level: 1,
            claims_today: 0,
            now: 10_000,
        }
    }

    #[test]
    fn no_rules_admit_everyone() {
        assert_eq!(check(&open(), &newcomer()), Ok(()));
        let sender = Facts {
            is_sender: true,
            ..newcomer()
        };
        assert_eq!(check(&open(), &sender), Ok(()));
    }

    #[test]
    fn each_rule_names_itself() {
        let rules = Rules {
            min_member_hours: 2,
            require_spoken: true,
            min_level: 3,
            sender_may_claim: false,
            max_claims_per_day: 2,
        };
        let good = Facts {
            is_sender: false,
            member_since: Some(10_000 - 7200),
            messages: 1,
            level: 3,
            claims_today: 1,
            now: 10_000,
        };
        assert_eq!(check(&rules, &good), Ok(()));
        let cases = [
            (
                Facts {
                    is_sender: true,
                    ..good
                },
                Refusal::OwnPacket,
            ),
            (
                Facts {
                    member_since: Some(10_000 - 7199),
                    ..good
                },
                Refusal::TooNew { hours: 2 },
            ),
            (
                Facts {
                    member_since: None,
                    ..good
                },
                Refusal::TooNew { hours: 2 },
            ),
            (
                Facts {
                    messages: 0,
                    ..good
                },
                Refusal::NeverSpoke,
            ),
            (
                Facts { level: 2, ..good },
                Refusal::LevelTooLow { needed: 3, have: 2 },
            ),
            (
                Facts {
                    claims_today: 2,
                    ..good
                },
                Refusal::DailyLimit { max: 2 },
            ),
        ];
        for (facts, refusal) in cases {
            assert_eq!(check(&rules, &facts), Err(refusal), "{facts:?}");
        }
    }

    #[test]
    fn rule_values_are_read_per_key() {
        assert_eq!(parse_rule("require_spoken", "ON"), Some(1));
        assert_eq!(parse_rule("sender_may_claim", "关"), Some(0));
        assert_eq!(parse_rule("min_level", "3"), Some(3));
        assert_eq!(parse_rule("min_level", "-1"), None);
        assert_eq!(parse_rule("min_member_hours", "x"), None);
        assert_eq!(parse_rule("require_spoken", "5"), None);
        assert_eq!(parse_rule("colour", "1"), None);
    }

    proptest::proptest! {
        #[test]
        fn normalizing_twice_changes_nothing(text in "\\PC{0,40}") {
            let once = normalize(&text);
            proptest::prop_assert_eq!(normalize(&once), once.clone());
            proptest::prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
        }
    }

    #[test]
    fn answers_are_compared_after_normalizing() {
        assert_eq!(normalize("  Ｈｅｌｌｏ　  World "), "hello world");
        assert_eq!(normalize("ＡＢＣ１２３"), "abc123");
        assert_eq!(normalize("北京"), "北京");
        assert_ne!(normalize("北京"), normalize("南京"));
    }
}
