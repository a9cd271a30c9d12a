//! The pure decisions of a claim: what a press on a Grab button leads to, and what a typed 口令 or 答题
//! answer leads to, before and after the group's claim rules are read. The flows in [`super::grab`] gather
//! these facts from SQL and the clock, and act on the step returned.

/// What is known about a pressed packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PressFacts {
    /// Whether the packet is claimed with the button (口令 and 答题 packets have none).
    pub by_button: bool,
    /// Whether the packet is still open (not exhausted, not expired by the ticker).
    pub open: bool,
    /// Whether only one named member may claim it (the rules do not apply: the sender chose them).
    pub exclusive: bool,
    pub expires_at: i64,
    /// Whether the member already claimed a share of it.
    pub already: bool,
    pub now: i64,
}

/// What a press on a Grab button leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Press {
    /// Answered as an unknown packet (a crafted press on a typed packet).
    Unknown,
    /// The claim rules are read first; a refusal is the answer, otherwise the share is grabbed.
    CheckRules,
    /// Straight to the grab, which answers claimed, already grabbed, finished, expired or not for you.
    Grab,
}

/// Decides a press on packet `packet` (`None`: no such packet in this group). The rules apply only to a
/// packet that can still be grabbed by this member: one past its expiry (even before the ticker swept it), or
/// already claimed by them, is answered by the grab itself.
pub fn press(packet: Option<&PressFacts>) -> Press {
    match packet {
        Some(p) if !p.by_button => Press::Unknown,
        Some(p) if p.open && p.now < p.expires_at && !p.already && !p.exclusive => {
            Press::CheckRules
        }
        _ => Press::Grab,
    }
}

/// What is known about a member's typed 口令 or reply to a 答题 packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptFacts {
    /// Whether the member already claimed a share of the packet.
    pub claimed: bool,
    /// Whether the packet is a 答题 packet (otherwise a 口令 packet).
    pub quiz: bool,
    /// Whether the text was right: the exact phrase, or the normalized answer.
    pub correct: bool,
    /// When the member last answered wrongly or was refused a claim of this packet.
    pub wrong_at: Option<i64>,
    /// Seconds a wrong answer or a refusal keeps the member waiting.
    pub cooldown: i64,
    pub now: i64,
}

/// What a typed attempt leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Nothing and no reply: a repeat after a claim, or a wrong 答题 answer during the member's cool-down.
    Ignore,
    /// A right 答题 answer during the member's cool-down: it does not count yet, and the member may be told
    /// how many seconds are `left` (once per cool-down).
    Cooling { left: i64 },
    /// A wrong answer: the cool-down starts and the member is told.
    Wrong,
    /// The claim rules are read; a refusal starts the cool-down and is told only when `tell` (one reply per
    /// member per cool-down, so repeating a phrase does not flood the group). Otherwise the share is grabbed.
    CheckRules { tell: bool },
}

/// Decides a typed attempt.
pub fn attempt(facts: &AttemptFacts) -> Attempt {
    if facts.claimed {
        return Attempt::Ignore;
    }
    let cooling = facts
        .wrong_at
        .is_some_and(|at| facts.now < at.saturating_add(facts.cooldown));
    if facts.quiz && cooling {
        if !facts.correct {
            return Attempt::Ignore;
        }
        let until = facts
            .wrong_at
            .unwrap_or_default()
            .saturating_add(facts.cooldown);
        return Attempt::Cooling {
            left: until - facts.now,
        };
    }
    if !facts.correct {
        return Attempt::Wrong;
    }
    Attempt::CheckRules { tell: !cooling }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_packet() -> PressFacts {
        PressFacts {
            by_button: true,
            open: true,
            exclusive: false,
            expires_at: 200,
            already: false,
            now: 100,
        }
    }

    #[test]
    fn presses_check_the_rules_only_while_a_share_can_be_grabbed() {
        assert_eq!(press(None), Press::Grab);
        assert_eq!(press(Some(&open_packet())), Press::CheckRules);
        let cases = [
            (
                PressFacts {
                    by_button: false,
                    ..open_packet()
                },
                Press::Unknown,
            ),
            (
                PressFacts {
                    by_button: false,
                    open: false,
                    ..open_packet()
                },
                Press::Unknown,
            ),
            (
                PressFacts {
                    open: false,
                    ..open_packet()
                },
                Press::Grab,
            ),
            (
                PressFacts {
                    now: 200,
                    ..open_packet()
                },
                Press::Grab,
            ),
            (
                PressFacts {
                    already: true,
                    ..open_packet()
                },
                Press::Grab,
            ),
            (
                PressFacts {
                    exclusive: true,
                    ..open_packet()
                },
                Press::Grab,
            ),
        ];
        for (facts, step) in cases {
            assert_eq!(press(Some(&facts)), step, "{facts:?}");
        }
    }

    fn right_answer() -> AttemptFacts {
        AttemptFacts {
            claimed: false,
            quiz: true,
            correct: true,
            wrong_at: None,
            cooldown: 60,
            now: 1000,
        }
    }

    #[test]
    fn attempts_respect_claims_and_the_cool_down() {
        assert_eq!(attempt(&right_answer()), Attempt::CheckRules { tell: true });
        let cooling = AttemptFacts {
            wrong_at: Some(950),
            ..right_answer()
        };
        let cases = [
            (
                AttemptFacts {
                    claimed: true,
                    ..right_answer()
                },
                Attempt::Ignore,
            ),
            (cooling, Attempt::Cooling { left: 10 }),
            (
                AttemptFacts {
                    now: 1009,
                    ..cooling
                },
                Attempt::Cooling { left: 1 },
            ),
            (
                AttemptFacts {
                    correct: false,
                    ..cooling
                },
                Attempt::Ignore,
            ),
            (
                AttemptFacts {
                    wrong_at: Some(940),
                    correct: false,
                    ..right_answer()
                },
                Attempt::Wrong,
            ),
            (
                AttemptFacts {
                    quiz: false,
                    ..cooling
                },
                Attempt::CheckRules { tell: false },
            ),
            (
                AttemptFacts {
                    wrong_at: Some(940),
                    ..right_answer()
                },
                Attempt::CheckRules { tell: true },
            ),
        ];
        for (facts, step) in cases {
            assert_eq!(attempt(&facts), step, "{facts:?}");
        }
    }
}
