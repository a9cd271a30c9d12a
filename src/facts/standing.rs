//! A member's standing in a group as the games read it: whether they are banned, gone, muted, or had a
//! message removed as an ad, so a draw leaves them out. The moderation log and the member records answer
//! it; [`exclusion`] is the pure rule over what they hold.

use sqlx::SqliteConnection;

/// Why a member is left out of a draw, in order of precedence (the first that applies is recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exclusion {
    /// Banned from the group (and not unbanned since).
    Banned,
    /// Left the group, or was removed from it.
    Left,
    /// Muted right now.
    Muted,
    /// A message of theirs was removed as an ad while the game was open.
    Ad,
}

impl Exclusion {
    /// The name stored with a draw's entries and used in wording ids.
    pub fn name(self) -> &'static str {
        match self {
            Exclusion::Banned => "banned",
            Exclusion::Left => "left",
            Exclusion::Muted => "muted",
            Exclusion::Ad => "ad",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Exclusion> {
        [
            Exclusion::Banned,
            Exclusion::Left,
            Exclusion::Muted,
            Exclusion::Ad,
        ]
        .into_iter()
        .find(|e| e.name() == text)
    }
}

/// The rules whose removals count as ads: the ad pack, the ad detector and an admin's `/spam`.
const AD_RULES: &[&str] = &["adpack", "classifier", "spam"];

/// One entry of the moderation log about a member, as [`exclusion`] reads it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LogFact {
    /// The rule (`adpack`, `manual`, `spam`…).
    pub rule: String,
    /// What was done (`ban`, `mute 1h`, `unmute`, `undo`…).
    pub action: String,
    pub at: i64,
    /// Whether an admin undid it as a false positive.
    pub undone: bool,
    /// Whether Telegram refused to carry it out.
    pub failed: bool,
}

/// Whether a member is left out at `now`: `left` says the member records show them gone; `log` is their
/// moderation log in time order; `since` is when the game opened (ads removed before it do not count).
/// A ban or mute counts until a later unban or unmute (a mute also until its length runs out); undone and
/// failed entries count for nothing.
pub fn exclusion(left: bool, log: &[LogFact], since: i64, now: i64) -> Option<Exclusion> {
    let mut banned = false;
    let mut muted_until: Option<i64> = None;
    let mut ad = false;
    for fact in log.iter().filter(|f| !f.undone && !f.failed) {
        let mut words = fact.action.split_whitespace();
        match words.next().unwrap_or_default() {
            "ban" => banned = true,
            "unban" => banned = false,
            "mute" => {
                let length = words
                    .next()
                    .and_then(|w| crate::args::parse_duration(w).ok())
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(3_600);
                muted_until = Some(fact.at.saturating_add(length));
            }
            "unmute" => muted_until = None,
            _ => {}
        }
        if AD_RULES.contains(&fact.rule.as_str()) && fact.at >= since {
            ad = true;
        }
    }
    if banned {
        Some(Exclusion::Banned)
    } else if left {
        Some(Exclusion::Left)
    } else if muted_until.is_some_and(|until| until > now) {
        Some(Exclusion::Muted)
    } else if ad {
        Some(Exclusion::Ad)
    } else {
        None
    }
}

/// The members of `users` a game opened at `since` leaves out of its draw at `now`, with why.
pub async fn exclusions(
    conn: &mut SqliteConnection,
    chat_id: i64,
    users: &[i64],
    since: i64,
    now: i64,
) -> crate::Result<Vec<(i64, Exclusion)>> {
    let mut out = Vec::new();
    for &user_id in users {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM members WHERE chat_id = ? AND user_id = ?")
                .bind(chat_id)
                .bind(user_id)
                .fetch_optional(&mut *conn)
                .await?;
        let log: Vec<LogFact> = sqlx::query_as(
            "SELECT rule, action, at, undone_by IS NOT NULL AS undone, COALESCE(outcome = 'failed', 0) AS failed
             FROM moderation_violations WHERE chat_id = ? AND user_id = ? AND is_channel = 0
             AND shadow = 0 ORDER BY at, id",
        )
        .bind(chat_id)
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?;
        if let Some(why) = exclusion(status.as_deref() == Some("left"), &log, since, now) {
            out.push((user_id, why));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(rule: &str, action: &str, at: i64) -> LogFact {
        LogFact {
            rule: rule.to_string(),
            action: action.to_string(),
            at,
            undone: false,
            failed: false,
        }
    }

    #[test]
    fn bans_and_mutes_last_until_lifted_and_mutes_until_they_run_out() {
        assert_eq!(
            exclusion(false, &[fact("manual", "ban", 10)], 0, 100),
            Some(Exclusion::Banned)
        );
        assert_eq!(
            exclusion(
                false,
                &[fact("manual", "ban", 10), fact("manual", "unban", 20)],
                0,
                100
            ),
            None
        );
        let muted = [fact("manual", "mute 1h", 10)];
        assert_eq!(exclusion(false, &muted, 0, 100), Some(Exclusion::Muted));
        assert_eq!(exclusion(false, &muted, 0, 3_610), None);
        let lifted = [fact("manual", "mute 1h", 10), fact("manual", "unmute", 20)];
        assert_eq!(exclusion(false, &lifted, 0, 100), None);
    }

    #[test]
    fn ads_count_only_while_the_game_is_open_and_undone_or_failed_entries_never() {
        let ad = [fact("adpack", "warn", 50)];
        assert_eq!(exclusion(false, &ad, 40, 100), Some(Exclusion::Ad));
        assert_eq!(exclusion(false, &ad, 60, 100), None);
        let classifier = [fact("classifier", "warn", 50)];
        assert_eq!(exclusion(false, &classifier, 0, 100), Some(Exclusion::Ad));
        let keyword = [fact("keyword", "delete", 50)];
        assert_eq!(exclusion(false, &keyword, 0, 100), None);
        let mut undone = fact("adpack", "ban", 50);
        undone.undone = true;
        assert_eq!(exclusion(false, &[undone], 0, 100), None);
        let mut failed = fact("manual", "ban", 50);
        failed.failed = true;
        assert_eq!(exclusion(false, &[failed], 0, 100), None);
    }

    #[test]
    fn the_strongest_reason_is_the_one_given() {
        let log = [fact("adpack", "mute 1h", 50)];
        assert_eq!(exclusion(false, &log, 0, 100), Some(Exclusion::Muted));
        assert_eq!(exclusion(true, &log, 0, 100), Some(Exclusion::Left));
        assert_eq!(exclusion(false, &[], 0, 100), None);
        for why in [
            Exclusion::Banned,
            Exclusion::Left,
            Exclusion::Muted,
            Exclusion::Ad,
        ] {
            assert_eq!(Exclusion::parse(why.name()), Some(why));
        }
    }
}
