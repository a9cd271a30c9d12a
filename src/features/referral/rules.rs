//! The pure rules of referrals: what a join through a member's link starts as, when a pending referral
//! becomes valid or void, how a ring undoes the referral in the other direction, the periods of the
//! leaderboard, and the words of the periods members type. No I/O, no clock reads: every fact is
//! passed in.

/// Where a referral stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralStatus {
    /// Waiting for the invitee's waiting time to pass.
    Pending,
    /// Counted, and its reward paid.
    Valid,
    /// Not counted; `referrals.reason` says why.
    Void,
}

impl ReferralStatus {
    /// The word stored in `referrals.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralStatus::Pending => "pending",
            ReferralStatus::Valid => "valid",
            ReferralStatus::Void => "void",
        }
    }
}

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

/// What a ring found at a join does to the referral that went the other way (the new invitee had invited
/// the new inviter earlier).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingUndo {
    /// The earlier referral is still pending: it is voided too, nothing was paid.
    VoidPending,
    /// The earlier referral was valid and paid: it is voided and `take_back` points return from the
    /// inviter's wallet to the mint (the reward, or what is left of it when the inviter spent points since).
    VoidValid {
        /// Points to move back to the mint (0 when the wallet is empty).
        take_back: i64,
    },
}

/// Decides how an earlier referral in the other direction of a ring is undone: `status` is its state,
/// `reward` what it paid, `balance` the inviter's wallet now. `None` for a referral that is already void.
pub fn undo_ring(status: ReferralStatus, reward: i64, balance: i64) -> Option<RingUndo> {
    match status {
        ReferralStatus::Pending => Some(RingUndo::VoidPending),
        ReferralStatus::Valid => Some(RingUndo::VoidValid {
            take_back: reward.max(0).min(balance.max(0)),
        }),
        ReferralStatus::Void => None,
    }
}

/// The window of a leaderboard: this calendar week, this calendar month, or all time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Board {
    /// Since Monday of this week.
    Week,
    /// Since the first of this month.
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

    /// The earliest counted time for `now`, unix seconds. Periods are those of the economy's `/rank`: the
    /// group's day starts at `reset_hour` in its time zone `tz` (the sign-in day), a week starts on the
    /// Monday of the current day and a month on its first.
    pub fn since(self, now: i64, tz: chrono_tz::Tz, reset_hour: u8) -> i64 {
        use chrono::{Datelike, Duration, TimeZone};
        let Some(utc) = chrono::DateTime::from_timestamp(now, 0) else {
            return i64::MIN;
        };
        let reset = Duration::hours(i64::from(reset_hour.min(23)));
        let today = (utc.with_timezone(&tz).naive_local() - reset).date();
        let first = match self {
            Board::Week => {
                today - Duration::days(i64::from(today.weekday().num_days_from_monday()))
            }
            Board::Month => today.with_day(1).unwrap_or(today),
            Board::All => return i64::MIN,
        };
        let start = first.and_hms_opt(0, 0, 0).unwrap_or_default() + reset;
        // A day start inside a daylight-saving gap begins at the first instant that exists.
        match tz.from_local_datetime(&start) {
            chrono::LocalResult::Single(at) | chrono::LocalResult::Ambiguous(at, _) => {
                at.timestamp()
            }
            chrono::LocalResult::None => tz
                .from_local_datetime(&(start + Duration::hours(1)))
                .earliest()
                .map_or(now, |at| at.timestamp()),
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

/// Reads the arguments of `/rank` when they ask for the invite leaderboard: `invites` (or 邀请) first,
/// then an optional period. `None` when the `/rank` is about something else (the economy's points,
/// sign-ins or messages); `Some(None)` when the period is not understood.
pub fn parse_rank_invites(args: &str) -> Option<Option<Board>> {
    let mut words = args.split_whitespace();
    let first = words.next()?.to_lowercase();
    if !matches!(first.as_str(), "invites" | "invite" | "邀请") {
        return None;
    }
    let rest: Vec<&str> = words.collect();
    Some(Board::parse(&rest.join(" ")))
}

/// What `/invites` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitesAsk {
    /// The sender's own counts (no arguments).
    Own,
    /// The leaderboard of a period (`top`, `rank` or 排行, then the period).
    Top(Board),
}

/// Reads the arguments of `/invites`; `None` when they are not understood.
pub fn parse_invites(args: &str) -> Option<InvitesAsk> {
    let mut words = args.split_whitespace();
    match words.next() {
        None => Some(InvitesAsk::Own),
        Some("top" | "rank" | "排行") => {
            let rest: Vec<&str> = words.collect();
            Board::parse(&rest.join(" ")).map(InvitesAsk::Top)
        }
        Some(_) => None,
    }
}

/// What `/channel` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelAsk<'a> {
    /// A new channel link with this name (`new`, `add` or 新建, then the name; the name is checked later).
    New(&'a str),
    /// The funnel of every channel link (`list` or 列表, alone).
    List,
}

/// Reads the arguments of `/channel`; `None` when they are not understood.
pub fn parse_channel(args: &str) -> Option<ChannelAsk<'_>> {
    let args = args.trim();
    let (word, rest) = match args.split_once(char::is_whitespace) {
        Some((word, rest)) => (word, rest.trim()),
        None => (args, ""),
    };
    match word {
        "new" | "add" | "新建" => Some(ChannelAsk::New(rest)),
        "list" | "列表" if rest.is_empty() => Some(ChannelAsk::List),
        _ => None,
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
    }

    fn at(tz: chrono_tz::Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        use chrono::TimeZone;
        tz.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap().timestamp()
    }

    #[test]
    fn boards_are_calendar_weeks_and_months_in_the_group_zone() {
        let shanghai: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
        // 2025-03-13 is a Thursday.
        let now = at(shanghai, 2025, 3, 13, 15, 30);
        assert_eq!(
            Board::Week.since(now, shanghai, 0),
            at(shanghai, 2025, 3, 10, 0, 0)
        );
        assert_eq!(
            Board::Month.since(now, shanghai, 0),
            at(shanghai, 2025, 3, 1, 0, 0)
        );
        assert_eq!(Board::All.since(now, shanghai, 0), i64::MIN);
        // With the sign-in day starting at 04:00, Monday 03:00 still belongs to the week before.
        let monday_night = at(shanghai, 2025, 3, 17, 3, 0);
        assert_eq!(
            Board::Week.since(monday_night, shanghai, 4),
            at(shanghai, 2025, 3, 10, 4, 0)
        );
        assert_eq!(
            Board::Week.since(monday_night + 3600, shanghai, 4),
            at(shanghai, 2025, 3, 17, 4, 0)
        );
        // The first of the month before the reset hour belongs to the month before.
        let first_early = at(shanghai, 2025, 4, 1, 2, 0);
        assert_eq!(
            Board::Month.since(first_early, shanghai, 4),
            at(shanghai, 2025, 3, 1, 4, 0)
        );
        // The same instant is a different day in New York.
        let new_york: chrono_tz::Tz = "America/New_York".parse().unwrap();
        let sunday_evening_ny = at(new_york, 2025, 3, 16, 20, 0);
        assert_eq!(
            Board::Week.since(sunday_evening_ny, new_york, 0),
            at(new_york, 2025, 3, 10, 0, 0)
        );
        assert_eq!(
            Board::Week.since(sunday_evening_ny, shanghai, 0),
            at(shanghai, 2025, 3, 17, 0, 0),
            "already Monday in Shanghai"
        );
    }

    #[test]
    fn rank_invites_takes_only_its_own_word() {
        assert_eq!(parse_rank_invites("invites"), Some(Some(Board::All)));
        assert_eq!(parse_rank_invites("Invites week"), Some(Some(Board::Week)));
        assert_eq!(parse_rank_invites("邀请 本月"), Some(Some(Board::Month)));
        assert_eq!(parse_rank_invites("invites year"), Some(None));
        assert_eq!(parse_rank_invites(""), None);
        assert_eq!(parse_rank_invites("points week"), None);
        assert_eq!(parse_rank_invites("week invites"), None);
    }

    #[test]
    fn a_ring_voids_the_other_direction_and_takes_back_what_is_there() {
        assert_eq!(
            undo_ring(ReferralStatus::Pending, 0, 100),
            Some(RingUndo::VoidPending)
        );
        assert_eq!(
            undo_ring(ReferralStatus::Valid, 20, 100),
            Some(RingUndo::VoidValid { take_back: 20 })
        );
        assert_eq!(
            undo_ring(ReferralStatus::Valid, 20, 7),
            Some(RingUndo::VoidValid { take_back: 7 }),
            "a wallet never goes below zero"
        );
        assert_eq!(
            undo_ring(ReferralStatus::Valid, 0, 50),
            Some(RingUndo::VoidValid { take_back: 0 }),
            "rewards were off"
        );
        assert_eq!(undo_ring(ReferralStatus::Void, 20, 100), None);
    }

    #[test]
    fn invites_asks_for_own_counts_or_a_board() {
        assert_eq!(parse_invites(""), Some(InvitesAsk::Own));
        assert_eq!(parse_invites("  "), Some(InvitesAsk::Own));
        assert_eq!(
            parse_invites("top"),
            Some(InvitesAsk::Top(Board::parse("").unwrap()))
        );
        assert_eq!(
            parse_invites("排行 month"),
            Some(InvitesAsk::Top(Board::parse("month").unwrap()))
        );
        assert_eq!(parse_invites("top year"), None);
        assert_eq!(parse_invites("mine"), None);
    }

    #[test]
    fn channel_asks_for_a_new_link_or_the_list() {
        assert_eq!(parse_channel("new 海报 A"), Some(ChannelAsk::New("海报 A")));
        assert_eq!(
            parse_channel("add  poster "),
            Some(ChannelAsk::New("poster"))
        );
        assert_eq!(parse_channel("new"), Some(ChannelAsk::New("")));
        assert_eq!(parse_channel("list"), Some(ChannelAsk::List));
        assert_eq!(parse_channel("列表"), Some(ChannelAsk::List));
        assert_eq!(parse_channel("list all"), None);
        assert_eq!(parse_channel(""), None);
        assert_eq!(parse_channel("delete poster"), None);
    }

    #[test]
    fn channel_names_are_short_single_lines() {
        assert!(valid_channel_name("海报"));
        assert!(!valid_channel_name(""));
        assert!(!valid_channel_name("a\nb"));
        assert!(!valid_channel_name(&"x".repeat(33)));
    }
}
