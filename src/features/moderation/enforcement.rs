//! What the bot does about a message the rules remove, decided over plain data: which hit is explained,
//! the action after the ladder is resolved, the step a repeat would bring, and what Telegram is asked to
//! do to the author (a channel can only be banned). No Telegram calls, no SQL, no clock.

use super::rules::{ladder_step, Action, Hit, RuleKind, Verdict};

/// What is known when a removing verdict is acted on.
#[derive(Debug, Clone, Copy)]
pub struct ViolationFacts<'a> {
    /// The rules' verdict; at least one hit is not shadow.
    pub verdict: &'a Verdict,
    /// The group's escalation ladder.
    pub ladder: &'a [Action],
    /// How many of the author's violations still count on the ladder, before this one.
    pub live: usize,
    /// Whether the author was told of one of those violations (an explanation named it, or an admin gave
    /// it). Someone who heard nothing yet starts at the ladder's first step.
    pub heard: bool,
    /// Whether the author is a channel posting in the group.
    pub channel: bool,
}

/// The decision for one removed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enforcement<'a> {
    /// The hit that decides, and the one explained and logged.
    pub hit: &'a Hit,
    /// Its action, with `ladder` resolved to the author's step.
    pub action: Action,
    /// The action the author's next violation would bring.
    pub next: Action,
    /// What Telegram is asked to do to the author besides deleting the message.
    pub sanction: Sanction,
}

/// What Telegram is asked to do to a message's author (the message itself is deleted in every case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sanction {
    /// Nothing more: a delete, a warning, or a mute or warning for a channel (which cannot have either).
    None,
    /// Ban the channel from posting in the group.
    BanChannel,
    /// Take every right to send for this many seconds.
    Mute(u64),
    /// Ban, then lift the ban: the member is out but may come back.
    Kick,
    /// Ban for good.
    Ban,
}

impl Sanction {
    /// Whether carrying it out needs the bot's right to restrict members.
    pub fn restricts(self) -> bool {
        self != Sanction::None
    }
}

/// Decides what happens to a removed message's author; `None` when no hit acts (every hit is shadow).
/// The ladder only climbs on violations the author heard of: the first thing a member hears is never a
/// later step (a ban) reached by removals nobody explained to them.
pub fn plan(facts: ViolationFacts<'_>) -> Option<Enforcement<'_>> {
    let live = if facts.heard { facts.live } else { 0 };
    let step = ladder_step(facts.ladder, live);
    let (hit, action) = facts.verdict.decisive(step)?;
    Some(Enforcement {
        hit,
        action,
        next: ladder_step(facts.ladder, live + 1),
        sanction: sanction(facts.channel, action),
    })
}

/// What Telegram is asked to do for `action`: a channel cannot be muted or warned, and a kick of a
/// channel is a ban (it cannot "come back" on its own).
pub fn sanction(channel: bool, action: Action) -> Sanction {
    match action {
        Action::Kick | Action::Ban if channel => Sanction::BanChannel,
        _ if channel => Sanction::None,
        Action::Delete | Action::Warn | Action::Escalate => Sanction::None,
        Action::Mute(secs) => Sanction::Mute(secs),
        Action::Kick => Sanction::Kick,
        Action::Ban => Sanction::Ban,
    }
}

/// The wording id naming the rule in an explanation. A link lock applies to everyone, so a settled
/// member's link is explained as locked, not as "a newcomer's link".
pub fn rule_wording(kind: RuleKind, newcomer: bool) -> String {
    if kind == RuleKind::Link && !newcomer {
        "moderation-rule-link-locked".to_string()
    } else {
        format!("moderation-rule-{}", kind.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(kind: RuleKind, action: Action, shadow: bool) -> Hit {
        Hit {
            kind,
            rule: kind.name().to_string(),
            detail: String::new(),
            action,
            shadow,
        }
    }

    const LADDER: &[Action] = &[Action::Warn, Action::Mute(3600), Action::Ban];

    fn facts(verdict: &Verdict, live: usize, channel: bool) -> ViolationFacts<'_> {
        ViolationFacts {
            verdict,
            ladder: LADDER,
            live,
            heard: true,
            channel,
        }
    }

    #[test]
    fn the_ladder_climbs_with_live_violations_and_stays_on_its_last_step() {
        let verdict = Verdict {
            hits: vec![hit(RuleKind::Adpack, Action::Escalate, false)],
        };
        let first = plan(facts(&verdict, 0, false)).unwrap();
        assert_eq!(first.action, Action::Warn);
        assert_eq!(first.next, Action::Mute(3600));
        assert_eq!(first.sanction, Sanction::None);
        let second = plan(facts(&verdict, 1, false)).unwrap();
        assert_eq!(second.action, Action::Mute(3600));
        assert_eq!(second.sanction, Sanction::Mute(3600));
        let late = plan(facts(&verdict, 9, false)).unwrap();
        assert_eq!((late.action, late.next), (Action::Ban, Action::Ban));
        assert_eq!(late.sanction, Sanction::Ban);
    }

    #[test]
    fn a_member_who_heard_nothing_starts_at_the_first_step() {
        let verdict = Verdict {
            hits: vec![hit(RuleKind::Classifier, Action::Escalate, false)],
        };
        let unheard = plan(ViolationFacts {
            heard: false,
            ..facts(&verdict, 9, false)
        })
        .unwrap();
        assert_eq!(unheard.action, Action::Warn);
        assert_eq!(unheard.sanction, Sanction::None);
        assert_eq!(unheard.next, Action::Mute(3600));
        let heard = plan(facts(&verdict, 9, false)).unwrap();
        assert_eq!(heard.sanction, Sanction::Ban);
    }

    #[test]
    fn the_most_severe_hit_decides_and_shadow_hits_never_do() {
        let verdict = Verdict {
            hits: vec![
                hit(RuleKind::Keyword, Action::Delete, false),
                hit(RuleKind::Link, Action::Kick, false),
                hit(RuleKind::Invite, Action::Ban, true),
            ],
        };
        let decided = plan(facts(&verdict, 0, false)).unwrap();
        assert_eq!(decided.hit.kind, RuleKind::Link);
        assert_eq!(decided.sanction, Sanction::Kick);
        let only_shadow = Verdict {
            hits: vec![hit(RuleKind::Invite, Action::Ban, true)],
        };
        assert_eq!(plan(facts(&only_shadow, 0, false)), None);
    }

    #[test]
    fn a_channel_is_banned_or_left_alone() {
        assert_eq!(sanction(true, Action::Kick), Sanction::BanChannel);
        assert_eq!(sanction(true, Action::Ban), Sanction::BanChannel);
        assert_eq!(sanction(true, Action::Mute(60)), Sanction::None);
        assert_eq!(sanction(true, Action::Warn), Sanction::None);
        assert_eq!(sanction(false, Action::Warn), Sanction::None);
        assert_eq!(sanction(false, Action::Delete), Sanction::None);
        assert!(!sanction(true, Action::Mute(60)).restricts());
        assert!(sanction(false, Action::Mute(60)).restricts());
        let verdict = Verdict {
            hits: vec![hit(RuleKind::Forward, Action::Escalate, false)],
        };
        assert_eq!(
            plan(facts(&verdict, 1, true)).unwrap().sanction,
            Sanction::None,
            "a channel's mute step only removes the post"
        );
    }

    #[test]
    fn a_settled_members_link_is_explained_as_locked() {
        assert_eq!(
            rule_wording(RuleKind::Link, false),
            "moderation-rule-link-locked"
        );
        assert_eq!(rule_wording(RuleKind::Link, true), "moderation-rule-link");
        assert_eq!(
            rule_wording(RuleKind::Adpack, false),
            "moderation-rule-adpack"
        );
    }
}
