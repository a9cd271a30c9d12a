//! The pure rules of referrals: what a join through a member's link starts as, when a pending referral
//! becomes valid or void, and the words of the periods members type. No I/O, no clock reads: every fact is
//! passed in.

/// Why a referral was voided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoidReason {
    /// The member joined through their own link.
    SelfInvite,
    /// The invitee had been in the group before (seen, joined or left earlier).
    Known,
    /// The invitee had invited the inviter: two accounts inviting each other.
    Ring,
    /// The invitee left (or was removed) before the referral became valid.
    Left,
    /// The invitee had not passed the entry gate when the waiting time was over.
    Unverified,
}

impl VoidReason {
    /// The word stored in `referrals.reason`.
    pub fn as_str(self) -> &'static str {
        match self {
            VoidReason::SelfInvite => "self",
            VoidReason::Known => "known",
            VoidReason::Ring => "ring",
            VoidReason::Left => "left",
            VoidReason::Unverified => "unverified",
        }
    }
}

/// What is known at the moment a member joins through another member's link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinFacts {
    /// The link's owner.
    pub inviter: i64,
    /// The member who joined.
    pub invitee: i64,
    /// Whether the group had seen the invitee before this join.
    pub known_before: bool,
    /// Whether the invitee brought the inviter into this group through a referral that was not voided.
    pub inviter_was_invited_by_invitee: bool,
}

/// The state a referral starts in: `None` when it is pending, or the reason it is void from the start.
pub fn at_join(facts: &JoinFacts) -> Option<VoidReason> {
    if facts.inviter == facts.invitee {
        Some(VoidReason::SelfInvite)
    } else if facts.inviter_was_invited_by_invitee {
        Some(VoidReason::Ring)
    } else if facts.known_before {
        Some(VoidReason::Known)
    } else {
        None
    }
}

/// What is known about a pending referral on a ticker pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingFacts {
    /// When the invitee joined, unix seconds.
    pub joined_at: i64,
    /// Whether the invitee left (or was removed) since the join.
    pub left_since_join: bool,
    /// Whether the invitee passed the entry gate.
    pub verified: bool,
    /// Now, unix seconds.
    pub now: i64,
    /// How long the invitee must stay, in seconds.
    pub valid_after: i64,
}

/// The outcome of looking at a pending referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Not decided yet.
    StillPending,
    /// The referral counts.
    Valid,
    /// The referral does not count.
    Void(VoidReason),
}

/// Decides a pending referral: void as soon as the invitee leaves; once the waiting time is over, valid if
/// the invitee passed the gate, otherwise void.
pub fn resolve(facts: &PendingFacts) -> Resolution {
    if facts.left_since_join {
        return Resolution::Void(VoidReason::Left);
    }
    if facts.now < facts.joined_at.saturating_add(facts.valid_after) {
        return Resolution::StillPending;
    }
    if facts.verified {
        Resolution::Valid
    } else {
        Resolution::Void(VoidReason::Unverified)
    }
}

/// The window of a leaderboard: the last 7 days, the last 30 days, or all time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Board {
    /// The last 7 days.
    Week,
    /// The last 30 days.
    Month,
    /// Since the beginning.
    All,
}

impl Board {
    /// Reads `week` / `month` / `all` (and 周 / 月 / 全部); empty means `all`.
    pub fn parse(word: &str) -> Option<Board> {
        match word.trim().to_lowercase().as_str() {
            "" | "all" | "全部" | "总" => Some(Board::All),
            "week" | "w" | "周" | "本周" => Some(Board::Week),
            "month" | "m" | "月" | "本月" => Some(Board::Month),
            _ => None,
        }
    }

    /// The earliest counted time for `now`, unix seconds.
    pub fn since(self, now: i64) -> i64 {
        match self {
            Board::Week => now - 7 * 86_400,
            Board::Month => now - 30 * 86_400,
            Board::All => i64::MIN,
        }
    }

    /// The word used in wording ids.
    pub fn word(self) -> &'static str {
        match self {
            Board::Week => "week",
            Board::Month => "month",
            Board::All => "all",
        }
    }
}

/// Reads the period of `/stats` and `/export`: `7d`, `30d` or `90d` (empty means 7 days). Returns days.
pub fn parse_stats_period(word: &str) -> Option<u32> {
    match word.trim().to_lowercase().as_str() {
        "" | "7d" | "7" | "week" => Some(7),
        "30d" | "30" | "month" => Some(30),
        "90d" | "90" => Some(90),
        _ => None,
    }
}

/// A channel link's name: 1 to 32 characters (Telegram's limit for link names), no line breaks.
pub fn valid_channel_name(name: &str) -> bool {
    let count = name.chars().count();
    (1..=32).contains(&count) && !name.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn join(inviter: i64, invitee: i64, known: bool, ring: bool) -> JoinFacts {
        JoinFacts {
            inviter,
            invitee,
            known_before: known,
            inviter_was_invited_by_invitee: ring,
        }
    }

    #[test]
    fn a_new_member_through_someone_elses_link_is_pending() {
        assert_eq!(at_join(&join(1, 2, false, false)), None);
    }

    #[test]
    fn self_invites_rings_and_known_members_are_void_at_join() {
        assert_eq!(
            at_join(&join(1, 1, false, false)),
            Some(VoidReason::SelfInvite)
        );
        assert_eq!(at_join(&join(1, 2, false, true)), Some(VoidReason::Ring));
        assert_eq!(at_join(&join(1, 2, true, false)), Some(VoidReason::Known));
        assert_eq!(
            at_join(&join(1, 1, true, true)),
            Some(VoidReason::SelfInvite)
        );
    }

    fn pending(left: bool, verified: bool, now: i64) -> PendingFacts {
        PendingFacts {
            joined_at: 1000,
            left_since_join: left,
            verified,
            now,
            valid_after: 100,
        }
    }

    #[test]
    fn a_pending_referral_waits_then_becomes_valid_or_void() {
        assert_eq!(
            resolve(&pending(false, true, 1099)),
            Resolution::StillPending
        );
        assert_eq!(resolve(&pending(false, true, 1100)), Resolution::Valid);
        assert_eq!(
            resolve(&pending(false, false, 1100)),
            Resolution::Void(VoidReason::Unverified)
        );
        assert_eq!(
            resolve(&pending(false, false, 1050)),
            Resolution::StillPending,
            "the gate may still be passed"
        );
        assert_eq!(
            resolve(&pending(true, true, 1050)),
            Resolution::Void(VoidReason::Left)
        );
    }

    proptest! {
        #[test]
        fn leaving_always_voids_and_nothing_is_valid_early(now in 0i64..5000, verified: bool) {
            prop_assert_eq!(resolve(&pending(true, verified, now)), Resolution::Void(VoidReason::Left));
            if now < 1100 {
                prop_assert_eq!(resolve(&pending(false, verified, now)), Resolution::StillPending);
            }
        }
    }

    #[test]
    fn periods_and_boards_parse_and_refuse_unknown_words() {
        assert_eq!(parse_stats_period(""), Some(7));
        assert_eq!(parse_stats_period("30D"), Some(30));
        assert_eq!(parse_stats_period("90d"), Some(90));
        assert_eq!(parse_stats_period("12d"), None);
        assert_eq!(Board::parse(""), Some(Board::All));
        assert_eq!(Board::parse("week"), Some(Board::Week));
        assert_eq!(Board::parse("月"), Some(Board::Month));
        assert_eq!(Board::parse("year"), None);
        assert_eq!(Board::Week.since(10 * 86_400), 3 * 86_400);
    }

    #[test]
    fn channel_names_are_short_single_lines() {
        assert!(valid_channel_name("海报"));
        assert!(!valid_channel_name(""));
        assert!(!valid_channel_name("a\nb"));
        assert!(!valid_channel_name(&"x".repeat(33)));
    }
}
