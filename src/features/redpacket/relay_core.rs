//! The pure parts of a relay (红包接龙): who is asked to send the next round, what happens when the deadline
//! passes, and the per-member sums of `/relay stats`.

use super::split;
use std::collections::BTreeMap;

/// What the ticker does with a running relay whose round's packet has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundEnd {
    /// Ask the member of this claim (the round's best luck) to send the next round.
    Ask(usize),
    /// End the relay: the round expired before every share was claimed.
    End,
}

/// The decision at the end of a round: only a packet whose every share was claimed has a best luck to ask.
/// `claims` are `(claim order, amount)` pairs, as [`split::best_luck`] reads them.
pub fn round_end(exhausted: bool, claims: &[(u32, i64)]) -> RoundEnd {
    match exhausted.then(|| split::best_luck(claims)).flatten() {
        Some(best) => RoundEnd::Ask(best),
        None => RoundEnd::End,
    }
}

/// What the ticker does with a relay whose ask has reached its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overdue {
    /// Remind the member once and wait one more deadline.
    Ping,
    /// End the relay.
    End,
}

/// The deadline decision: ping once when the setting allows it and no ping was sent yet, else end.
pub fn overdue(ping_once: bool, already_pinged: bool) -> Overdue {
    if ping_once && !already_pinged {
        Overdue::Ping
    } else {
        Overdue::End
    }
}

/// One member's line of `/relay stats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSums {
    pub user_id: i64,
    /// Points that went out of their packets to members.
    pub sent: i64,
    /// Points they grabbed from the relay's packets.
    pub received: i64,
}

impl MemberSums {
    /// `received - sent`.
    pub fn net(&self) -> i64 {
        self.received - self.sent
    }
}

/// Sums a relay's claims per member. Each claim is (packet sender, claimer, amount); what a sender "sent" is
/// what members actually grabbed from their packets, so the nets over all members add up to zero. Members are
/// ordered by net, highest first, then by id.
pub fn sums(claims: &[(i64, i64, i64)]) -> Vec<MemberSums> {
    let mut by_member: BTreeMap<i64, MemberSums> = BTreeMap::new();
    for &(sender, claimer, amount) in claims {
        by_member
            .entry(sender)
            .or_insert(MemberSums {
                user_id: sender,
                sent: 0,
                received: 0,
            })
            .sent += amount;
        by_member
            .entry(claimer)
            .or_insert(MemberSums {
                user_id: claimer,
                sent: 0,
                received: 0,
            })
            .received += amount;
    }
    let mut lines: Vec<MemberSums> = by_member.into_values().collect();
    lines.sort_by(|a, b| b.net().cmp(&a.net()).then(a.user_id.cmp(&b.user_id)));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_a_claimed_out_round_asks_its_best_luck() {
        assert_eq!(round_end(true, &[(0, 5), (1, 9), (2, 3)]), RoundEnd::Ask(1));
        assert_eq!(round_end(false, &[(0, 5), (1, 9)]), RoundEnd::End);
        assert_eq!(round_end(true, &[]), RoundEnd::End);
    }

    #[test]
    fn deadline_pings_once_only_when_allowed() {
        assert_eq!(overdue(false, false), Overdue::End);
        assert_eq!(overdue(true, false), Overdue::Ping);
        assert_eq!(overdue(true, true), Overdue::End);
    }

    #[test]
    fn sums_follow_the_claims() {
        let lines = sums(&[(1, 2, 30), (1, 3, 70), (2, 1, 60), (2, 3, 40)]);
        let of = |id: i64| lines.iter().find(|l| l.user_id == id).unwrap().clone();
        assert_eq!((of(1).sent, of(1).received, of(1).net()), (100, 60, -40));
        assert_eq!((of(2).sent, of(2).received, of(2).net()), (100, 30, -70));
        assert_eq!((of(3).sent, of(3).received, of(3).net()), (0, 110, 110));
        assert_eq!(lines[0].user_id, 3);
    }

    proptest! {
        #[test]
        fn nets_always_add_up_to_zero(claims in proptest::collection::vec((0i64..5, 0i64..8, 1i64..1000), 0..50)) {
            let lines = sums(&claims);
            prop_assert_eq!(lines.iter().map(MemberSums::net).sum::<i64>(), 0);
            let total: i64 = claims.iter().map(|c| c.2).sum();
            prop_assert_eq!(lines.iter().map(|l| l.sent).sum::<i64>(), total);
        }
    }
}
