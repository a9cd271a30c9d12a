//! The SQL of moderation: each group's rules, approved members, violations (the ladder's memory, with undo
//! for false positives) and the explanations waiting to be deleted.

use super::rules::{Action, Entry, GroupRules, Lock, Mode, RuleKind};
use super::settings::ModerationSettings;
use crate::error::Result;
use sqlx::{FromRow, SqliteConnection};

/// The kind of a group's own filter, as stored in `moderation_filters.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    /// A phrase matched in the normalized text.
    Keyword,
    /// A regular expression.
    Regex,
}

impl FilterKind {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            FilterKind::Keyword => "keyword",
            FilterKind::Regex => "regex",
        }
    }

    /// The kind of a stored name (the table allows only the two).
    fn parse(text: &str) -> Result<FilterKind> {
        match text {
            "keyword" => Ok(FilterKind::Keyword),
            "regex" => Ok(FilterKind::Regex),
            other => Err(decode_error("moderation_filters.kind", other)),
        }
    }
}

/// Whether Telegram carried out a log entry's action, as stored in `moderation_violations.outcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, or not refused yet.
    Done,
    /// Telegram refused it, or the bot lacked the right.
    Failed,
}

impl Outcome {
    /// The stored name, also the end of its wording id.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Failed => "failed",
        }
    }
}

impl TryFrom<String> for Outcome {
    type Error = crate::error::Error;

    fn try_from(text: String) -> Result<Outcome> {
        match text.as_str() {
            "done" => Ok(Outcome::Done),
            "failed" => Ok(Outcome::Failed),
            other => Err(decode_error("moderation_violations.outcome", other)),
        }
    }
}

/// Where a report stands, as stored in `moderation_reports.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportStatus {
    /// No admin decided yet.
    Open,
    /// An admin deleted the message.
    Deleted,
    /// An admin deleted the message and banned its author.
    Banned,
    /// An admin found nothing wrong.
    Dismissed,
}

impl ReportStatus {
    /// The stored name, also the end of the wording id of a decided report.
    pub fn name(self) -> &'static str {
        match self {
            ReportStatus::Open => "open",
            ReportStatus::Deleted => "deleted",
            ReportStatus::Banned => "banned",
            ReportStatus::Dismissed => "dismissed",
        }
    }
}

impl TryFrom<String> for ReportStatus {
    type Error = crate::error::Error;

    fn try_from(text: String) -> Result<ReportStatus> {
        match text.as_str() {
            "open" => Ok(ReportStatus::Open),
            "deleted" => Ok(ReportStatus::Deleted),
            "banned" => Ok(ReportStatus::Banned),
            "dismissed" => Ok(ReportStatus::Dismissed),
            other => Err(decode_error("moderation_reports.status", other)),
        }
    }
}

/// A stored value outside what its column allows, reported as a value the database handed back that could
/// not be decoded.
fn decode_error(column: &str, value: &str) -> crate::error::Error {
    sqlx::Error::Decode(format!("{column}: unknown value {value:?}").into()).into()
}

/// Makes sure a group has its rules row (created with the configured defaults).
async fn ensure_group(
    conn: &mut SqliteConnection,
    chat_id: i64,
    settings: &ModerationSettings,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO moderation_groups (chat_id, default_pack, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (chat_id) DO NOTHING",
    )
    .bind(chat_id)
    .bind(settings.default_pack)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Everything moderation keeps about one group, gathered by [`load_rules`] in one statement: the group's
/// row (as a JSON object, absent when the group never changed a rule) and its filters, allowed domains,
/// locks and per-rule modes (as JSON arrays).
#[derive(FromRow)]
struct StoredRules {
    group_row: Option<String>,
    filters: String,
    domains: String,
    locks: String,
    modes: String,
}

/// The `moderation_groups` row inside [`StoredRules`].
#[derive(serde::Deserialize)]
struct GroupRow {
    default_pack: bool,
    flood_count: Option<i64>,
    flood_seconds: Option<i64>,
    flood_action: Option<String>,
    ladder: Option<String>,
}

/// Reads one of [`StoredRules`]' JSON columns. SQLite wrote the JSON, so a failure is reported as a value
/// the database handed back that could not be decoded.
fn from_json<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|err| {
        sqlx::Error::Decode(format!("moderation rules, {column}: {err}").into()).into()
    })
}

/// A group's rules as stored, with the configured defaults where the group chose nothing, and the group's
/// own ladder if it chose one (`warn,warn,mute 1h,…`). One statement reads it all: a group's rules are
/// loaded when its first message after a start arrives, so a restart with thousands of busy groups costs
/// one round trip per group, not six.
pub async fn load_rules(
    conn: &mut SqliteConnection,
    chat_id: i64,
    settings: &ModerationSettings,
) -> Result<(GroupRules, Option<Vec<Action>>)> {
    let stored: StoredRules = sqlx::query_as(
        "SELECT
           (SELECT json_object('default_pack', json(CASE WHEN default_pack THEN 'true' ELSE 'false' END),
                               'flood_count', flood_count, 'flood_seconds', flood_seconds,
                               'flood_action', flood_action, 'ladder', ladder)
              FROM moderation_groups WHERE chat_id = ?1) AS group_row,
           (SELECT json_group_array(json_array(kind, pattern, action))
              FROM (SELECT kind, pattern, action FROM moderation_filters WHERE chat_id = ?1 ORDER BY id))
              AS filters,
           (SELECT json_group_array(domain)
              FROM (SELECT domain FROM moderation_domains WHERE chat_id = ?1 ORDER BY domain)) AS domains,
           (SELECT json_group_array(lock) FROM moderation_locks WHERE chat_id = ?1) AS locks,
           (SELECT json_group_array(json_array(rule, mode, action))
              FROM moderation_modes WHERE chat_id = ?1) AS modes",
    )
    .bind(chat_id)
    .fetch_one(&mut *conn)
    .await?;
    let group: Option<GroupRow> = stored
        .group_row
        .as_deref()
        .map(|text| from_json("group row", text))
        .transpose()?;
    let mut rules = GroupRules {
        default_pack: group
            .as_ref()
            .map_or(settings.default_pack, |g| g.default_pack),
        ..GroupRules::default()
    };
    let count = group
        .as_ref()
        .and_then(|g| g.flood_count)
        .unwrap_or(i64::from(settings.flood_count));
    let seconds = group
        .as_ref()
        .and_then(|g| g.flood_seconds)
        .unwrap_or(settings.flood_window.get().as_secs() as i64);
    if count > 0 && seconds > 0 {
        rules.flood = Some((count as u32, seconds as u32));
    }
    let flood_action = group
        .as_ref()
        .and_then(|g| g.flood_action.as_deref())
        .and_then(Action::parse)
        .or_else(|| Action::parse(&settings.flood_action));
    if let Some(action) = flood_action {
        rules.actions.push((RuleKind::Flood, action));
    }
    let filters: Vec<(String, String, Option<String>)> = from_json("filters", &stored.filters)?;
    for (kind, pattern, action) in filters {
        let entry = Entry {
            pattern,
            action: action.as_deref().and_then(Action::parse),
        };
        if FilterKind::parse(&kind)? == FilterKind::Regex {
            rules.regexes.push(entry);
        } else {
            rules.keywords.push(entry);
        }
    }
    rules.allow_domains = from_json("domains", &stored.domains)?;
    let lock_names: Vec<String> = from_json("locks", &stored.locks)?;
    rules.locks = lock_names.iter().filter_map(|n| Lock::parse(n)).collect();
    rules.locks.sort();
    let modes: Vec<(String, String, Option<String>)> = from_json("modes", &stored.modes)?;
    for (rule, mode, action) in modes {
        let Some(kind) = RuleKind::parse(&rule) else {
            continue;
        };
        if let Some(mode) = Mode::parse(&mode) {
            rules.modes.push((kind, mode));
        }
        if let Some(action) = action.as_deref().and_then(Action::parse) {
            rules.actions.push((kind, action));
        }
    }
    let ladder = group.and_then(|g| g.ladder).map(|text| {
        text.split(',')
            .filter_map(|step| Action::parse(step.trim()))
            .collect()
    });
    Ok((rules, ladder))
}

/// Adds a keyword or regex; `false` when the group already has it.
#[allow(clippy::too_many_arguments)]
pub async fn add_filter(
    conn: &mut SqliteConnection,
    chat_id: i64,
    kind: FilterKind,
    pattern: &str,
    action: Option<Action>,
    by: i64,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO moderation_filters (chat_id, kind, pattern, action, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, kind, pattern) DO NOTHING",
    )
    .bind(chat_id)
    .bind(kind.name())
    .bind(pattern)
    .bind(action.map(|a| a.to_string()))
    .bind(by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a keyword or regex; `false` when the group had none like it.
pub async fn del_filter(
    conn: &mut SqliteConnection,
    chat_id: i64,
    kind: FilterKind,
    pattern: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "DELETE FROM moderation_filters WHERE chat_id = ? AND kind = ? AND pattern = ?",
    )
    .bind(chat_id)
    .bind(kind.name())
    .bind(pattern)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A group's keywords and regexes: (kind, pattern, action).
pub async fn list_filters(
    conn: &mut SqliteConnection,
    chat_id: i64,
) -> Result<Vec<(FilterKind, String, Option<String>)>> {
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT kind, pattern, action FROM moderation_filters WHERE chat_id = ? ORDER BY kind, id",
    )
    .bind(chat_id)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(kind, pattern, action)| Ok((FilterKind::parse(&kind)?, pattern, action)))
        .collect()
}

/// How many filters of one kind a group has.
pub async fn count_filters(
    conn: &mut SqliteConnection,
    chat_id: i64,
    kind: FilterKind,
) -> Result<i64> {
    Ok(
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM moderation_filters WHERE chat_id = ? AND kind = ?",
        )
        .bind(chat_id)
        .bind(kind.name())
        .fetch_one(conn)
        .await?,
    )
}

/// Allows a domain; `false` when it already was.
pub async fn add_domain(
    conn: &mut SqliteConnection,
    chat_id: i64,
    domain: &str,
    by: i64,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO moderation_domains (chat_id, domain, added_by, added_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (chat_id, domain) DO NOTHING",
    )
    .bind(chat_id)
    .bind(domain)
    .bind(by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stops allowing a domain; `false` when it was not allowed.
pub async fn del_domain(conn: &mut SqliteConnection, chat_id: i64, domain: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM moderation_domains WHERE chat_id = ? AND domain = ?")
        .bind(chat_id)
        .bind(domain)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// A group's allowed domains, sorted.
pub async fn list_domains(conn: &mut SqliteConnection, chat_id: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT domain FROM moderation_domains WHERE chat_id = ? ORDER BY domain",
    )
    .bind(chat_id)
    .fetch_all(conn)
    .await?)
}

/// Locks or unlocks a content type; `false` when nothing changed.
pub async fn set_lock(
    conn: &mut SqliteConnection,
    chat_id: i64,
    lock: Lock,
    locked: bool,
) -> Result<bool> {
    let done = if locked {
        sqlx::query(
            "INSERT INTO moderation_locks (chat_id, lock) VALUES (?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(chat_id)
        .bind(lock.name())
        .execute(conn)
        .await?
    } else {
        sqlx::query("DELETE FROM moderation_locks WHERE chat_id = ? AND lock = ?")
            .bind(chat_id)
            .bind(lock.name())
            .execute(conn)
            .await?
    };
    Ok(done.rows_affected() > 0)
}

/// A group's locks, in display order.
pub async fn list_locks(conn: &mut SqliteConnection, chat_id: i64) -> Result<Vec<Lock>> {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT lock FROM moderation_locks WHERE chat_id = ?")
            .bind(chat_id)
            .fetch_all(conn)
            .await?;
    let mut locks: Vec<Lock> = names.iter().filter_map(|n| Lock::parse(n)).collect();
    locks.sort();
    Ok(locks)
}

/// Sets a group's flood limit (a count of 0 turns it off).
pub async fn set_flood(
    conn: &mut SqliteConnection,
    chat_id: i64,
    settings: &ModerationSettings,
    limit: (u32, u32),
    action: Option<Action>,
    now: i64,
) -> Result<()> {
    ensure_group(conn, chat_id, settings, now).await?;
    sqlx::query(
        "UPDATE moderation_groups SET flood_count = ?, flood_seconds = ?,
             flood_action = COALESCE(?, flood_action), updated_at = ? WHERE chat_id = ?",
    )
    .bind(i64::from(limit.0))
    .bind(i64::from(limit.1))
    .bind(action.map(|a| a.to_string()))
    .bind(now)
    .bind(chat_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Turns the shipped ad pack on or off in a group.
pub async fn set_default_pack(
    conn: &mut SqliteConnection,
    chat_id: i64,
    settings: &ModerationSettings,
    on: bool,
    now: i64,
) -> Result<()> {
    ensure_group(conn, chat_id, settings, now).await?;
    sqlx::query("UPDATE moderation_groups SET default_pack = ?, updated_at = ? WHERE chat_id = ?")
        .bind(on)
        .bind(now)
        .bind(chat_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets a group's own ladder (`None`: back to the configured one).
pub async fn set_ladder(
    conn: &mut SqliteConnection,
    chat_id: i64,
    settings: &ModerationSettings,
    ladder: Option<&[Action]>,
    now: i64,
) -> Result<()> {
    ensure_group(conn, chat_id, settings, now).await?;
    let text = ladder.map(|steps| {
        steps
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(",")
    });
    sqlx::query("UPDATE moderation_groups SET ladder = ?, updated_at = ? WHERE chat_id = ?")
        .bind(text)
        .bind(now)
        .bind(chat_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets a rule's mode (and optionally its action) in a group.
pub async fn set_mode(
    conn: &mut SqliteConnection,
    chat_id: i64,
    rule: RuleKind,
    mode: Mode,
    action: Option<Action>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO moderation_modes (chat_id, rule, mode, action) VALUES (?, ?, ?, ?)
         ON CONFLICT (chat_id, rule) DO UPDATE SET mode = excluded.mode,
             action = COALESCE(excluded.action, moderation_modes.action)",
    )
    .bind(chat_id)
    .bind(rule.name())
    .bind(mode.name())
    .bind(action.map(|a| a.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether a member is approved (exempt) in a group.
pub async fn is_approved(conn: &mut SqliteConnection, chat_id: i64, user_id: i64) -> Result<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM moderation_approved WHERE chat_id = ? AND user_id = ?")
            .bind(chat_id)
            .bind(user_id)
            .fetch_optional(conn)
            .await?;
    Ok(found.is_some())
}

/// Approves a member (exempt from every rule); `false` when they were approved already.
pub async fn approve(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    by: i64,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO moderation_approved (chat_id, user_id, approved_by, approved_at) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many of a member's violations still count on the ladder at `now` (unexpired, not undone, not
/// shadow).
pub async fn live_violations(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    now: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM moderation_violations WHERE chat_id = ? AND user_id = ? AND expires_at > ?
         AND shadow = 0 AND undone_by IS NULL",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// A violation about to be recorded.
#[derive(Debug, Clone)]
pub struct NewViolation<'a> {
    pub chat_id: i64,
    pub user_id: i64,
    pub rule: &'a str,
    /// What matched.
    pub detail: &'a str,
    pub action: Action,
    /// Whether it was only recorded.
    pub shadow: bool,
    pub excerpt: &'a str,
    pub at: i64,
    /// Until when it counts on the ladder.
    pub expires_at: i64,
}

/// Records a violation; returns its id.
pub async fn record_violation(conn: &mut SqliteConnection, v: &NewViolation<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO moderation_violations (chat_id, user_id, rule, detail, action, shadow, excerpt, at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(v.chat_id)
    .bind(v.user_id)
    .bind(v.rule)
    .bind(v.detail)
    .bind(v.action.to_string())
    .bind(v.shadow)
    .bind(v.excerpt)
    .bind(v.at)
    .bind(v.expires_at)
    .fetch_one(conn)
    .await?)
}

/// A recorded violation.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct Violation {
    pub id: i64,
    pub chat_id: i64,
    pub user_id: i64,
    pub rule: String,
    /// What matched.
    pub detail: String,
    /// What was done (`mute 1h`…).
    pub action: String,
    /// When the member appealed, if they did.
    pub appealed_at: Option<i64>,
    /// The admin who undid it, if one did.
    pub undone_by: Option<i64>,
    pub excerpt: String,
    /// The admin who acted, `None` for automatic actions.
    pub actor_id: Option<i64>,
    /// Whether the target is a channel.
    pub is_channel: bool,
}

/// A violation by id.
pub async fn get_violation(conn: &mut SqliteConnection, id: i64) -> Result<Option<Violation>> {
    Ok(sqlx::query_as(
        "SELECT id, chat_id, user_id, rule, detail, action, appealed_at, undone_by, excerpt, actor_id,
         is_channel FROM moderation_violations WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// Marks a violation appealed; `false` when it already was.
pub async fn mark_appealed(conn: &mut SqliteConnection, id: i64, now: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE moderation_violations SET appealed_at = ? WHERE id = ? AND appealed_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Undoes a violation (a false positive): it stops counting on the ladder. `false` when it already was.
pub async fn undo_violation(
    conn: &mut SqliteConnection,
    id: i64,
    by: i64,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE moderation_violations SET undone_by = ?, undone_at = ? WHERE id = ? AND undone_by IS NULL",
    )
    .bind(by)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the bot explained something to this member since `since`.
pub async fn explained_since(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    since: i64,
) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM moderation_explanations WHERE chat_id = ? AND user_id = ? AND posted_at > ? LIMIT 1",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(since)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Records an explanation about to be posted; returns its id.
pub async fn add_explanation(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    violation_id: i64,
    now: i64,
    delete_at: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO moderation_explanations (chat_id, user_id, violation_id, posted_at, delete_at)
         VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(violation_id)
    .bind(now)
    .bind(delete_at)
    .fetch_one(conn)
    .await?)
}

/// Remembers the message id of a posted explanation (so the ticker can delete it).
pub async fn set_explanation_message(
    conn: &mut SqliteConnection,
    id: i64,
    message_id: i32,
) -> Result<()> {
    sqlx::query("UPDATE moderation_explanations SET message_id = ? WHERE id = ?")
        .bind(message_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Explanations due for deletion at `now`: (id, chat, message id).
pub async fn due_explanations(
    conn: &mut SqliteConnection,
    now: i64,
) -> Result<Vec<(i64, i64, i32)>> {
    Ok(sqlx::query_as(
        "SELECT id, chat_id, message_id FROM moderation_explanations
         WHERE deleted = 0 AND delete_at <= ? AND message_id IS NOT NULL ORDER BY delete_at LIMIT 100",
    )
    .bind(now)
    .fetch_all(conn)
    .await?)
}

/// Marks an explanation deleted.
pub async fn mark_explanation_deleted(conn: &mut SqliteConnection, id: i64) -> Result<()> {
    sqlx::query("UPDATE moderation_explanations SET deleted = 1 WHERE id = ?")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Withdraws a member's approval; `false` when they were not approved.
pub async fn unapprove(conn: &mut SqliteConnection, chat_id: i64, user_id: i64) -> Result<bool> {
    let done = sqlx::query("DELETE FROM moderation_approved WHERE chat_id = ? AND user_id = ?")
        .bind(chat_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// One entry of the moderation log about to be recorded: any action, automatic or manual.
#[derive(Debug, Clone)]
pub struct LogEntry<'a> {
    pub chat_id: i64,
    /// The member (or channel) acted on.
    pub user_id: i64,
    /// Whether `user_id` is a channel that posted in the group.
    pub is_channel: bool,
    /// The rule id for automatic actions, `manual` for admin commands.
    pub rule: &'a str,
    /// What matched, or the admin's reason.
    pub detail: &'a str,
    /// What was done (`ban`, `mute 1h`, `unban`, `undo`…).
    pub action: &'a str,
    /// The start of the message concerned.
    pub excerpt: &'a str,
    /// The admin who acted; `None` for the bot's own decisions.
    pub actor_id: Option<i64>,
    /// The action this entry reverses (undo, unban, unmute, unwarn).
    pub reverses_id: Option<i64>,
    pub at: i64,
    /// Until when it counts on the ladder (`at` for entries that never count).
    pub expires_at: i64,
}

/// Records a log entry; returns its id.
pub async fn record_action(conn: &mut SqliteConnection, e: &LogEntry<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO moderation_violations (chat_id, user_id, is_channel, rule, detail, action, excerpt,
         actor_id, reverses_id, at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(e.chat_id)
    .bind(e.user_id)
    .bind(e.is_channel)
    .bind(e.rule)
    .bind(e.detail)
    .bind(e.action)
    .bind(e.excerpt)
    .bind(e.actor_id)
    .bind(e.reverses_id)
    .bind(e.at)
    .bind(e.expires_at)
    .fetch_one(conn)
    .await?)
}

/// Marks an entry's outcome as failed (Telegram refused to carry it out).
pub async fn mark_failed(conn: &mut SqliteConnection, id: i64) -> Result<()> {
    sqlx::query("UPDATE moderation_violations SET outcome = ? WHERE id = ?")
        .bind(Outcome::Failed.name())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// What an automatic removal asked of Telegram, read again when its message comes back after a crash:
/// `(user or channel, whether a channel, action, when)`, only while the entry stands (not undone, not
/// reversed, not refused).
pub async fn standing_removal(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Option<(i64, bool, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT v.user_id, v.is_channel, v.action, v.at FROM moderation_violations v
         WHERE v.id = ? AND v.actor_id IS NULL AND v.undone_by IS NULL AND v.outcome = ?
         AND NOT EXISTS (SELECT 1 FROM moderation_violations r WHERE r.reverses_id = v.id)",
    )
    .bind(id)
    .bind(Outcome::Done.name())
    .fetch_optional(conn)
    .await?)
}

/// A log entry as `/modlog` and the reversing commands read it.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct LogRow {
    pub id: i64,
    /// The member or channel.
    pub user_id: i64,
    /// The rule id or `manual`.
    pub rule: String,
    /// What matched, or the reason.
    pub detail: String,
    pub action: String,
    pub excerpt: String,
    /// The admin, `None` for automatic actions.
    pub actor_id: Option<i64>,
    /// Whether Telegram carried it out.
    #[sqlx(try_from = "String")]
    pub outcome: Outcome,
    /// The entry it reverses.
    pub reverses_id: Option<i64>,
    /// Who undid it, if someone did.
    pub undone_by: Option<i64>,
    pub at: i64,
}

const LOG_COLUMNS: &str =
    "id, user_id, rule, detail, action, excerpt, actor_id, outcome, reverses_id, undone_by, at";

/// The latest `limit` log entries of a group, newest first (shadow-only records excluded).
pub async fn recent_log(
    conn: &mut SqliteConnection,
    chat_id: i64,
    limit: i64,
) -> Result<Vec<LogRow>> {
    let sql = format!(
        "SELECT {LOG_COLUMNS} FROM moderation_violations WHERE chat_id = ? AND shadow = 0
         ORDER BY at DESC, id DESC LIMIT ?"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(chat_id)
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// The latest entry against a member whose action starts with `action` (`ban`, `mute`, `warn`…), that is
/// not a reversal and has not been undone.
pub async fn latest_reversible(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    action: &str,
) -> Result<Option<LogRow>> {
    let sql = format!(
        "SELECT {LOG_COLUMNS} FROM moderation_violations WHERE chat_id = ? AND user_id = ? AND shadow = 0
         AND reverses_id IS NULL AND undone_by IS NULL AND (action = ? OR action LIKE ? || ' %')
         ORDER BY at DESC, id DESC LIMIT 1"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(chat_id)
        .bind(user_id)
        .bind(action)
        .bind(action)
        .fetch_optional(conn)
        .await?)
}

/// One log entry by id.
pub async fn log_row(conn: &mut SqliteConnection, id: i64) -> Result<Option<LogRow>> {
    let sql = format!("SELECT {LOG_COLUMNS} FROM moderation_violations WHERE id = ?");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// The latest entry that still counts on a member's ladder (their newest live warning), if any.
pub async fn latest_live(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    now: i64,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM moderation_violations WHERE chat_id = ? AND user_id = ? AND expires_at > ?
         AND shadow = 0 AND undone_by IS NULL ORDER BY at DESC, id DESC LIMIT 1",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

/// Per automatic rule since `since`: (rule, hits, hits an admin undid), most hits first.
pub async fn rule_stats(
    conn: &mut SqliteConnection,
    chat_id: i64,
    since: i64,
) -> Result<Vec<(String, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT rule, COUNT(*), COUNT(undone_by) FROM moderation_violations
         WHERE chat_id = ? AND at >= ? AND actor_id IS NULL AND reverses_id IS NULL AND shadow = 0
         GROUP BY rule ORDER BY COUNT(*) DESC, rule",
    )
    .bind(chat_id)
    .bind(since)
    .fetch_all(conn)
    .await?)
}

/// Records a report; returns its id, or `None` when this message was reported already.
#[allow(clippy::too_many_arguments)]
pub async fn add_report(
    conn: &mut SqliteConnection,
    chat_id: i64,
    message_id: i32,
    reported_user_id: i64,
    reporter_id: i64,
    excerpt: &str,
    now: i64,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "INSERT INTO moderation_reports (chat_id, message_id, reported_user_id, reporter_id, excerpt, at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO NOTHING RETURNING id",
    )
    .bind(chat_id)
    .bind(message_id)
    .bind(reported_user_id)
    .bind(reporter_id)
    .bind(excerpt)
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

/// A stored report.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct Report {
    pub id: i64,
    pub chat_id: i64,
    /// The reported message.
    pub message_id: i64,
    /// Its author.
    pub reported_user_id: i64,
    /// The start of its text.
    pub excerpt: String,
    /// Where it stands.
    #[sqlx(try_from = "String")]
    pub status: ReportStatus,
}

/// A report by id.
pub async fn get_report(conn: &mut SqliteConnection, id: i64) -> Result<Option<Report>> {
    Ok(sqlx::query_as(
        "SELECT id, chat_id, message_id, reported_user_id, excerpt, status FROM moderation_reports WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// Decides an open report; `false` when it was decided already.
pub async fn decide_report(
    conn: &mut SqliteConnection,
    id: i64,
    status: ReportStatus,
    by: i64,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE moderation_reports SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'open'",
    )
    .bind(status.name())
    .bind(by)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The channel a group's actions are mirrored into.
pub async fn log_channel(conn: &mut SqliteConnection, chat_id: i64) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT channel_id FROM moderation_log_channels WHERE chat_id = ?")
            .bind(chat_id)
            .fetch_optional(conn)
            .await?,
    )
}

/// Sets (or with `None` clears) a group's log channel.
pub async fn set_log_channel(
    conn: &mut SqliteConnection,
    chat_id: i64,
    channel_id: Option<i64>,
    by: i64,
    now: i64,
) -> Result<()> {
    match channel_id {
        Some(channel_id) => {
            sqlx::query(
                "INSERT INTO moderation_log_channels (chat_id, channel_id, set_by, set_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (chat_id) DO UPDATE SET channel_id = excluded.channel_id,
                 set_by = excluded.set_by, set_at = excluded.set_at",
            )
            .bind(chat_id)
            .bind(channel_id)
            .bind(by)
            .bind(now)
            .execute(conn)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM moderation_log_channels WHERE chat_id = ?")
                .bind(chat_id)
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// Whether moderators taught a fingerprint as spam or as not spam.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerLabel {
    /// Confirmed spam (`/spam`, a confirmed report).
    Spam,
    /// Not spam (an admin undid an automatic removal or unbanned its author).
    NotSpam,
}

impl LayerLabel {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            LayerLabel::Spam => "spam",
            LayerLabel::NotSpam => "not_spam",
        }
    }

    fn parse(name: &str) -> Option<LayerLabel> {
        match name {
            "spam" => Some(LayerLabel::Spam),
            "not_spam" => Some(LayerLabel::NotSpam),
            _ => None,
        }
    }
}

/// One fingerprint moderators taught the detector in a group.
#[derive(Debug, Clone, Copy)]
pub struct Taught<'a> {
    /// The group.
    pub chat_id: i64,
    /// The fingerprint of the message's folded text.
    pub fingerprint: u64,
    /// Spam or not spam.
    pub label: LayerLabel,
    /// Where the teaching came from (`spam_command`, `report`, `undo`, `unban`, `not_spam_button`).
    pub source: &'a str,
    /// The admin who taught it.
    pub by: Option<i64>,
    /// When.
    pub at: i64,
    /// The start of the message's text, quoted when a near-duplicate is explained.
    pub excerpt: &'a str,
}

/// Where the bot's own removals nobody undid are taught from: such rows stay in their group's layer and
/// never count towards the instance-wide layer.
pub const AUTO_SOURCE: &str = "auto";

/// Stores a fingerprint moderators taught the detector in a group.
pub async fn add_taught(conn: &mut SqliteConnection, taught: &Taught<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO moderation_detector_layers
         (chat_id, fingerprint, label, source, taught_by, at, excerpt)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(taught.chat_id)
    .bind(taught.fingerprint as i64)
    .bind(taught.label.name())
    .bind(taught.source)
    .bind(taught.by)
    .bind(taught.at)
    .bind(taught.excerpt)
    .execute(conn)
    .await?;
    Ok(())
}

/// The fingerprints taught in a group, oldest first, at most the latest `limit`.
pub async fn group_taught(
    conn: &mut SqliteConnection,
    chat_id: i64,
    limit: usize,
) -> Result<Vec<(LayerLabel, u64)>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT label, fingerprint FROM (
             SELECT id, label, fingerprint FROM moderation_detector_layers
             WHERE chat_id = ? ORDER BY id DESC LIMIT ?
         ) ORDER BY id",
    )
    .bind(chat_id)
    .bind(limit as i64)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(label, fp)| Some((LayerLabel::parse(&label)?, fp as u64)))
        .collect())
}

/// The spam fingerprints that belong in the instance-wide layer: those whose latest teaching by admins
/// is spam in at least `agree` distinct groups, or in one of the `trusted` groups. What the bot learned
/// from its own removals ([`AUTO_SOURCE`]) never counts. With `only` set, just that fingerprint is
/// considered.
pub async fn instance_taught(
    conn: &mut SqliteConnection,
    agree: u32,
    trusted: &[i64],
    only: Option<u64>,
) -> Result<Vec<u64>> {
    let trusted = serde_json::to_string(trusted).unwrap_or_else(|_| "[]".into());
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT fingerprint FROM moderation_detector_layers l
         WHERE label = 'spam' AND source <> 'auto'
           AND (?3 IS NULL OR fingerprint = ?3)
           AND id = (SELECT MAX(id) FROM moderation_detector_layers m
                     WHERE m.chat_id = l.chat_id AND m.fingerprint = l.fingerprint
                       AND m.source <> 'auto')
         GROUP BY fingerprint
         HAVING COUNT(DISTINCT chat_id) >= ?1
             OR SUM(chat_id IN (SELECT value FROM json_each(?2))) > 0
         ORDER BY MAX(id)",
    )
    .bind(i64::from(agree))
    .bind(trusted)
    .bind(only.map(|fp| fp as i64))
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(fp,)| fp as u64).collect())
}

/// The excerpt of the latest message a group's admins taught as spam under a fingerprint, when they did.
pub async fn taught_excerpt(
    conn: &mut SqliteConnection,
    chat_id: i64,
    fingerprint: u64,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT excerpt FROM moderation_detector_layers
         WHERE fingerprint = ? AND chat_id = ? AND label = 'spam' AND excerpt <> ''
         ORDER BY id DESC LIMIT 1",
    )
    .bind(fingerprint as i64)
    .bind(chat_id)
    .fetch_optional(conn)
    .await?)
}

/// A group's own detector thresholds for newcomers, `(remove, suspicious)`, when its admins set them.
pub async fn group_thresholds(
    conn: &mut SqliteConnection,
    chat_id: i64,
) -> Result<Option<(f64, f64)>> {
    Ok(sqlx::query_as(
        "SELECT remove, suspicious FROM moderation_detector_thresholds WHERE chat_id = ?",
    )
    .bind(chat_id)
    .fetch_optional(conn)
    .await?)
}

/// Sets a group's detector thresholds `(remove, suspicious)`, or drops them (`None`: the instance's).
pub async fn set_group_thresholds(
    conn: &mut SqliteConnection,
    chat_id: i64,
    thresholds: Option<(f64, f64)>,
    by: i64,
    at: i64,
) -> Result<()> {
    match thresholds {
        Some((remove, suspicious)) => {
            sqlx::query(
                "INSERT INTO moderation_detector_thresholds (chat_id, remove, suspicious, set_by, at)
                 VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (chat_id) DO UPDATE SET remove = excluded.remove,
                   suspicious = excluded.suspicious, set_by = excluded.set_by, at = excluded.at",
            )
            .bind(chat_id)
            .bind(remove)
            .bind(suspicious)
            .bind(by)
            .bind(at)
            .execute(conn)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM moderation_detector_thresholds WHERE chat_id = ?")
                .bind(chat_id)
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// An admin's answer to a suspicious message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuspiciousDecision {
    /// The message was deleted (and taught as spam).
    Delete,
    /// The message was deleted and its author banned.
    Ban,
    /// The message is not spam (and taught so).
    NotSpam,
}

impl SuspiciousDecision {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            SuspiciousDecision::Delete => "delete",
            SuspiciousDecision::Ban => "ban",
            SuspiciousDecision::NotSpam => "not_spam",
        }
    }

    fn parse(name: &str) -> Option<SuspiciousDecision> {
        match name {
            "delete" => Some(SuspiciousDecision::Delete),
            "ban" => Some(SuspiciousDecision::Ban),
            "not_spam" => Some(SuspiciousDecision::NotSpam),
            _ => None,
        }
    }
}

/// A message the detector found suspicious, to be flagged.
#[derive(Debug, Clone, Copy)]
pub struct NewSuspicious<'a> {
    pub chat_id: i64,
    pub message_id: i32,
    /// The author (a channel's id when `is_channel`).
    pub user_id: i64,
    pub is_channel: bool,
    /// The author's name as the notice shows it.
    pub name: &'a str,
    pub excerpt: &'a str,
    /// The detector's spam probability.
    pub probability: f64,
    /// What decided the score, as [`super::detection::encode`] wrote it.
    pub detail: &'a str,
    pub at: i64,
}

/// A flagged message with its notice and the admins' answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Suspicious {
    pub id: i64,
    pub chat_id: i64,
    pub message_id: i32,
    pub user_id: i64,
    pub is_channel: bool,
    pub name: String,
    pub excerpt: String,
    pub probability: f64,
    pub detail: String,
    /// The notice that asked about it, once one was posted.
    pub notice_id: Option<i64>,
    /// The answer and the admin who gave it.
    pub decision: Option<(SuspiciousDecision, i64)>,
}

type SuspiciousRow = (
    i64,
    i64,
    i32,
    i64,
    bool,
    String,
    String,
    f64,
    String,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

fn suspicious_of(row: SuspiciousRow) -> Suspicious {
    let (id, chat_id, message_id, user_id, is_channel, name, excerpt, probability, detail) = (
        row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8,
    );
    let decision = row
        .10
        .as_deref()
        .and_then(SuspiciousDecision::parse)
        .zip(row.11);
    Suspicious {
        id,
        chat_id,
        message_id,
        user_id,
        is_channel,
        name,
        excerpt,
        probability,
        detail,
        notice_id: row.9,
        decision,
    }
}

/// Flags a suspicious message; `None` when it was flagged already (an edit, a second look).
pub async fn add_suspicious(
    conn: &mut SqliteConnection,
    s: &NewSuspicious<'_>,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "INSERT INTO moderation_suspicious
         (chat_id, message_id, user_id, is_channel, name, excerpt, probability, detail, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (chat_id, message_id) DO NOTHING RETURNING id",
    )
    .bind(s.chat_id)
    .bind(s.message_id)
    .bind(s.user_id)
    .bind(s.is_channel)
    .bind(s.name)
    .bind(s.excerpt)
    .bind(s.probability)
    .bind(s.detail)
    .bind(s.at)
    .fetch_optional(conn)
    .await?)
}

/// Whether a suspicious-message notice was posted for a group after `since`.
pub async fn noticed_since(conn: &mut SqliteConnection, chat_id: i64, since: i64) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT 1 FROM moderation_suspicious_notices WHERE chat_id = ? AND at > ? LIMIT 1",
    )
    .bind(chat_id)
    .bind(since)
    .fetch_optional(conn)
    .await?
    .is_some())
}

/// Opens a notice in `posted_in` for every flagged message of a group that no notice asked about yet,
/// and returns its id with those messages (oldest first); `None` when none is waiting.
pub async fn open_notice(
    conn: &mut SqliteConnection,
    chat_id: i64,
    posted_in: i64,
    at: i64,
) -> Result<Option<(i64, Vec<Suspicious>)>> {
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM moderation_suspicious WHERE notice_id IS NULL AND chat_id = ?",
    )
    .bind(chat_id)
    .fetch_one(&mut *conn)
    .await?;
    if waiting == 0 {
        return Ok(None);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO moderation_suspicious_notices (chat_id, posted_in, at) VALUES (?, ?, ?)
         RETURNING id",
    )
    .bind(chat_id)
    .bind(posted_in)
    .bind(at)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE moderation_suspicious SET notice_id = ? WHERE notice_id IS NULL AND chat_id = ?",
    )
    .bind(id)
    .bind(chat_id)
    .execute(&mut *conn)
    .await?;
    Ok(Some((id, notice_items(conn, id).await?)))
}

/// The flagged messages a notice asked about, oldest first.
pub async fn notice_items(conn: &mut SqliteConnection, notice_id: i64) -> Result<Vec<Suspicious>> {
    let rows: Vec<SuspiciousRow> = sqlx::query_as(
        "SELECT id, chat_id, message_id, user_id, is_channel, name, excerpt, probability, detail,
                notice_id, decision, decided_by
         FROM moderation_suspicious WHERE notice_id = ? ORDER BY id",
    )
    .bind(notice_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(suspicious_of).collect())
}

/// A flagged message by id.
pub async fn get_suspicious(conn: &mut SqliteConnection, id: i64) -> Result<Option<Suspicious>> {
    let row: Option<SuspiciousRow> = sqlx::query_as(
        "SELECT id, chat_id, message_id, user_id, is_channel, name, excerpt, probability, detail,
                notice_id, decision, decided_by
         FROM moderation_suspicious WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(suspicious_of))
}

/// Where a notice was posted, `(posted_in, message id once sent)`.
pub async fn notice_place(
    conn: &mut SqliteConnection,
    notice_id: i64,
) -> Result<Option<(i64, Option<i32>)>> {
    Ok(sqlx::query_as(
        "SELECT posted_in, message_id FROM moderation_suspicious_notices WHERE id = ?",
    )
    .bind(notice_id)
    .fetch_optional(conn)
    .await?)
}

/// Stores the message id of a posted notice.
pub async fn set_notice_message(
    conn: &mut SqliteConnection,
    notice_id: i64,
    message_id: i32,
) -> Result<()> {
    sqlx::query("UPDATE moderation_suspicious_notices SET message_id = ? WHERE id = ?")
        .bind(message_id)
        .bind(notice_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records the first answer to a flagged message; `false` when it was answered already.
pub async fn decide_suspicious(
    conn: &mut SqliteConnection,
    id: i64,
    decision: SuspiciousDecision,
    by: i64,
    at: i64,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE moderation_suspicious SET decision = ?, decided_by = ?, decided_at = ?
         WHERE id = ? AND decision IS NULL",
    )
    .bind(decision.name())
    .bind(by)
    .bind(at)
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The groups with flagged messages waiting for a notice whose last notice is not after `since`.
pub async fn groups_waiting_for_notice(
    conn: &mut SqliteConnection,
    since: i64,
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT s.chat_id FROM moderation_suspicious s
         WHERE s.notice_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM moderation_suspicious_notices n
                           WHERE n.chat_id = s.chat_id AND n.at > ?)
         ORDER BY s.chat_id",
    )
    .bind(since)
    .fetch_all(conn)
    .await?)
}

/// Schedules an automatic removal to be learned by its group's layer at `due_at`, unless undone by then.
pub async fn schedule_learning(
    conn: &mut SqliteConnection,
    violation_id: i64,
    chat_id: i64,
    due_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT OR IGNORE INTO moderation_detector_learn (violation_id, chat_id, due_at)
         VALUES (?, ?, ?)",
    )
    .bind(violation_id)
    .bind(chat_id)
    .bind(due_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// An automatic removal whose undo window has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueLearning {
    pub violation_id: i64,
    pub chat_id: i64,
    /// The removed message's excerpt.
    pub excerpt: String,
    /// Whether an admin undid the removal (with the undo button, or by reversing it with a command).
    pub undone: bool,
}

/// At most `limit` removals whose undo window ended at `now` or before, oldest first.
pub async fn due_learning(
    conn: &mut SqliteConnection,
    now: i64,
    limit: i64,
) -> Result<Vec<DueLearning>> {
    let rows: Vec<(i64, i64, Option<String>, Option<i64>)> = sqlx::query_as(
        "SELECT l.violation_id, l.chat_id, v.excerpt,
                COALESCE(v.undone_by, (SELECT MIN(r.id) FROM moderation_violations r
                                       WHERE r.reverses_id = l.violation_id))
         FROM moderation_detector_learn l
         LEFT JOIN moderation_violations v ON v.id = l.violation_id
         WHERE l.due_at <= ? ORDER BY l.due_at, l.violation_id LIMIT ?",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(violation_id, chat_id, excerpt, undone_by)| DueLearning {
            violation_id,
            chat_id,
            undone: undone_by.is_some() || excerpt.is_none(),
            excerpt: excerpt.unwrap_or_default(),
        })
        .collect())
}

/// Drops a handled learning row.
pub async fn drop_learning(conn: &mut SqliteConnection, violation_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM moderation_detector_learn WHERE violation_id = ?")
        .bind(violation_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A member's live warnings counted apart: those admins gave with `/warn` (which the warning limit counts)
/// and the automatic removals (which only climb the escalation ladder).
pub async fn live_warnings_apart(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    now: i64,
) -> Result<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT COALESCE(SUM(actor_id IS NOT NULL AND action = 'warn'), 0),
                COALESCE(SUM(actor_id IS NULL), 0)
         FROM moderation_violations WHERE chat_id = ? AND user_id = ? AND expires_at > ?
         AND shadow = 0 AND undone_by IS NULL",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// Whether a member was told about one of their live violations: an explanation (posted, or folded into
/// another member's) names it, or an admin gave it by command, which the group saw.
pub async fn heard_of_live_violation(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    now: i64,
) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM moderation_violations v WHERE v.chat_id = ? AND v.user_id = ? AND v.expires_at > ?
         AND v.shadow = 0 AND v.undone_by IS NULL
         AND (v.actor_id IS NOT NULL
              OR EXISTS (SELECT 1 FROM moderation_explanations e WHERE e.violation_id = v.id))
         LIMIT 1",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Marks an automatic removal as owed an explanation: the next explanation in the group names it.
pub async fn mark_owed(conn: &mut SqliteConnection, violation_id: i64) -> Result<()> {
    sqlx::query("UPDATE moderation_violations SET owed = 1 WHERE id = ?")
        .bind(violation_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A removal that waited for an explanation: the member, the rule and what was done.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct Owed {
    pub id: i64,
    pub user_id: i64,
    pub is_channel: bool,
    pub rule: String,
    pub action: String,
}

/// Takes up to `limit` of a group's owed removals since `since` (oldest first, undone ones left out), and
/// records each as explained by the explanation about to be posted (so each is named once, and its member
/// counts as told). Older owed removals are let go.
pub async fn take_owed(
    conn: &mut SqliteConnection,
    chat_id: i64,
    since: i64,
    now: i64,
    limit: i64,
) -> Result<Vec<Owed>> {
    let owed: Vec<Owed> = sqlx::query_as(
        "SELECT id, user_id, is_channel, rule, action FROM moderation_violations
         WHERE chat_id = ? AND owed = 1 AND at > ? AND undone_by IS NULL ORDER BY at, id LIMIT ?",
    )
    .bind(chat_id)
    .bind(since)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE moderation_violations SET owed = 0 WHERE chat_id = ? AND owed = 1 AND at <= ?",
    )
    .bind(chat_id)
    .bind(since)
    .execute(&mut *conn)
    .await?;
    for row in &owed {
        sqlx::query("UPDATE moderation_violations SET owed = 0 WHERE id = ?")
            .bind(row.id)
            .execute(&mut *conn)
            .await?;
        // The folded explanation has no message of its own: the posted one is deleted by its own row.
        sqlx::query(
            "INSERT INTO moderation_explanations (chat_id, user_id, violation_id, posted_at, delete_at, deleted)
             VALUES (?, ?, ?, ?, ?, 1)",
        )
        .bind(chat_id)
        .bind(row.user_id)
        .bind(row.id)
        .bind(now)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(owed)
}

/// A group's night mode, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NightMode {
    /// The group.
    pub chat_id: i64,
    /// The nightly window.
    pub window: super::night::Window,
    /// What the night closes.
    pub mode: super::night::Mode,
    /// Whether the night is on now.
    pub active: bool,
    /// The chat's default permissions from before the night (JSON), while it is on.
    pub saved_permissions: Option<String>,
    /// Whether night mode turned the link lock on itself (and so turns it off at the end).
    pub locked_links: bool,
    /// The next switch in the scheduler.
    pub timer_id: Option<i64>,
}

/// A group's night mode, if it has one.
pub async fn night_mode(conn: &mut SqliteConnection, chat_id: i64) -> Result<Option<NightMode>> {
    type NightRow = (
        i64,
        i64,
        i64,
        String,
        bool,
        Option<String>,
        bool,
        Option<i64>,
    );
    let row: Option<NightRow> = sqlx::query_as(
        "SELECT chat_id, starts_at_minute, ends_at_minute, mode, active, saved_permissions,
                locked_links, timer_id
         FROM night_modes WHERE chat_id = ?",
    )
    .bind(chat_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(
        |(chat_id, start, end, mode, active, saved_permissions, locked_links, timer_id)| {
            NightMode {
                chat_id,
                window: super::night::Window {
                    start: u16::try_from(start).unwrap_or(0),
                    end: u16::try_from(end).unwrap_or(0),
                },
                mode: super::night::Mode::parse(&mode).unwrap_or(super::night::Mode::Mute),
                active,
                saved_permissions,
                locked_links,
                timer_id,
            }
        },
    ))
}

/// Sets a group's night window and mode, with its next switch in the scheduler at `switch_at`, replacing an
/// earlier setting's switch; a night that is on stays on with what it saved. Runs in the caller's transaction.
pub async fn set_night_mode(
    conn: &mut SqliteConnection,
    chat_id: i64,
    window: super::night::Window,
    mode: super::night::Mode,
    set_by: i64,
    switch_at: i64,
    now: i64,
) -> Result<()> {
    if let Some(old) = night_mode(conn, chat_id).await?.and_then(|n| n.timer_id) {
        crate::scheduler::store::remove(conn, old).await?;
    }
    let timer = crate::scheduler::store::add(conn, switch_at, NIGHT_KIND, chat_id, "", now).await?;
    sqlx::query(
        "INSERT INTO night_modes (chat_id, starts_at_minute, ends_at_minute, mode, set_by, timer_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (chat_id) DO UPDATE SET starts_at_minute = ?2, ends_at_minute = ?3, mode = ?4,
             set_by = ?5, timer_id = ?6",
    )
    .bind(chat_id)
    .bind(i64::from(window.start))
    .bind(i64::from(window.end))
    .bind(mode.name())
    .bind(set_by)
    .bind(timer)
    .execute(conn)
    .await?;
    Ok(())
}

/// The scheduler kind of a night's switches (start or end).
pub const NIGHT_KIND: &str = "night.switch";

/// Marks the night on with the permissions it saved, and whether it turned the link lock on (which it
/// then does in the same transaction).
pub async fn night_started(
    conn: &mut SqliteConnection,
    chat_id: i64,
    saved_permissions: &str,
    lock_links: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE night_modes SET active = 1, saved_permissions = ?, locked_links = ? WHERE chat_id = ?",
    )
    .bind(saved_permissions)
    .bind(lock_links)
    .bind(chat_id)
    .execute(&mut *conn)
    .await?;
    if lock_links {
        set_lock(conn, chat_id, Lock::Link, true).await?;
    }
    Ok(())
}

/// Marks the night over, turning the link lock off again when the night turned it on.
pub async fn night_ended(conn: &mut SqliteConnection, night: &NightMode) -> Result<()> {
    sqlx::query(
        "UPDATE night_modes SET active = 0, saved_permissions = NULL, locked_links = 0
         WHERE chat_id = ?",
    )
    .bind(night.chat_id)
    .execute(&mut *conn)
    .await?;
    if night.locked_links {
        set_lock(conn, night.chat_id, Lock::Link, false).await?;
    }
    Ok(())
}

/// Removes a group's night mode and its next switch (the caller ends a night that is on first).
pub async fn remove_night_mode(conn: &mut SqliteConnection, night: &NightMode) -> Result<()> {
    if let Some(timer) = night.timer_id {
        crate::scheduler::store::remove(conn, timer).await?;
    }
    sqlx::query("DELETE FROM night_modes WHERE chat_id = ?")
        .bind(night.chat_id)
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    #[sqlx::test]
    async fn rules_round_trip_with_defaults(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let settings = ModerationSettings::default();
        let (empty, no_ladder) = load_rules(&mut conn, -1, &settings).await.unwrap();
        assert_eq!(no_ladder, None);
        assert!(empty.default_pack);
        assert_eq!(empty.flood, Some((6, 10)));
        assert!(add_filter(
            &mut conn,
            -1,
            FilterKind::Keyword,
            "加微信",
            Some(Action::Ban),
            9,
            100
        )
        .await
        .unwrap());
        assert!(
            !add_filter(&mut conn, -1, FilterKind::Keyword, "加微信", None, 9, 100)
                .await
                .unwrap()
        );
        add_filter(&mut conn, -1, FilterKind::Regex, "a+b", None, 9, 100)
            .await
            .unwrap();
        // Quotes, backslashes and line breaks come back as they went in.
        add_filter(
            &mut conn,
            -1,
            FilterKind::Regex,
            "\"q\"\\d+\n",
            None,
            9,
            100,
        )
        .await
        .unwrap();
        set_ladder(
            &mut conn,
            -1,
            &settings,
            Some(&[Action::Warn, Action::Ban]),
            100,
        )
        .await
        .unwrap();
        add_domain(&mut conn, -1, "github.com", 9, 100)
            .await
            .unwrap();
        set_lock(&mut conn, -1, Lock::Sticker, true).await.unwrap();
        set_flood(&mut conn, -1, &settings, (3, 5), Some(Action::Kick), 100)
            .await
            .unwrap();
        set_mode(&mut conn, -1, RuleKind::Adpack, Mode::Shadow, None)
            .await
            .unwrap();
        let (rules, ladder) = load_rules(&mut conn, -1, &settings).await.unwrap();
        assert_eq!(ladder, Some(vec![Action::Warn, Action::Ban]));
        assert!(rules.default_pack);
        assert_eq!(rules.keywords[0].action, Some(Action::Ban));
        assert_eq!(rules.regexes[0].pattern, "a+b");
        assert_eq!(rules.regexes[1].pattern, "\"q\"\\d+\n");
        assert_eq!(rules.allow_domains, vec!["github.com"]);
        assert_eq!(rules.locks, vec![Lock::Sticker]);
        assert_eq!(rules.flood, Some((3, 5)));
        assert!(rules.actions.contains(&(RuleKind::Flood, Action::Kick)));
        assert_eq!(rules.modes, vec![(RuleKind::Adpack, Mode::Shadow)]);
        assert!(del_filter(&mut conn, -1, FilterKind::Keyword, "加微信")
            .await
            .unwrap());
        assert!(!del_filter(&mut conn, -1, FilterKind::Keyword, "加微信")
            .await
            .unwrap());
        sqlx::query("UPDATE moderation_groups SET default_pack = 0 WHERE chat_id = -1")
            .execute(&mut *conn)
            .await
            .unwrap();
        assert!(
            !load_rules(&mut conn, -1, &settings)
                .await
                .unwrap()
                .0
                .default_pack
        );
        let (other, _) = load_rules(&mut conn, -2, &settings).await.unwrap();
        assert!(other.keywords.is_empty() && other.locks.is_empty());
    }

    #[sqlx::test]
    async fn violations_decay_and_undo_stops_them_counting(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let violation = |at: i64| NewViolation {
            chat_id: -1,
            user_id: 5,
            rule: "keyword",
            detail: "刷单",
            action: Action::Warn,
            shadow: false,
            excerpt: "",
            at,
            expires_at: at + 100,
        };
        let first = record_violation(&mut conn, &violation(0)).await.unwrap();
        record_violation(&mut conn, &violation(50)).await.unwrap();
        assert_eq!(live_violations(&mut conn, -1, 5, 60).await.unwrap(), 2);
        assert_eq!(live_violations(&mut conn, -1, 5, 120).await.unwrap(), 1);
        assert!(undo_violation(&mut conn, first, 9, 60).await.unwrap());
        assert!(!undo_violation(&mut conn, first, 9, 61).await.unwrap());
        assert_eq!(live_violations(&mut conn, -1, 5, 60).await.unwrap(), 1);
        assert!(mark_appealed(&mut conn, first, 70).await.unwrap());
        assert!(!mark_appealed(&mut conn, first, 71).await.unwrap());
        let explanation = add_explanation(&mut conn, -1, 5, first, 10, 20)
            .await
            .unwrap();
        assert!(explained_since(&mut conn, -1, 5, 5).await.unwrap());
        assert!(
            due_explanations(&mut conn, 30).await.unwrap().is_empty(),
            "no message id yet"
        );
        set_explanation_message(&mut conn, explanation, 77)
            .await
            .unwrap();
        assert_eq!(due_explanations(&mut conn, 19).await.unwrap(), vec![]);
        assert_eq!(
            due_explanations(&mut conn, 20).await.unwrap(),
            vec![(explanation, -1, 77)]
        );
        mark_explanation_deleted(&mut conn, explanation)
            .await
            .unwrap();
        assert!(due_explanations(&mut conn, 30).await.unwrap().is_empty());
    }

    fn logged<'a>(rule: &'a str, action: &'a str, actor: Option<i64>, at: i64) -> LogEntry<'a> {
        LogEntry {
            chat_id: -1,
            user_id: 7,
            is_channel: false,
            rule,
            detail: "",
            action,
            excerpt: "buy now",
            actor_id: actor,
            reverses_id: None,
            at,
            expires_at: at,
        }
    }

    #[sqlx::test]
    async fn the_log_links_reversals_and_counts_hits_and_undos_per_rule(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let auto_ban = record_action(&mut conn, &logged("adpack", "ban", None, 100))
            .await
            .unwrap();
        record_action(&mut conn, &logged("adpack", "warn", None, 110))
            .await
            .unwrap();
        record_action(&mut conn, &logged("link", "mute 1h", None, 120))
            .await
            .unwrap();
        record_action(&mut conn, &logged("manual", "ban 2h", Some(9), 130))
            .await
            .unwrap();
        record_action(&mut conn, &logged("link", "warn", None, 5))
            .await
            .unwrap();
        // The newest ban (a manual `ban 2h`) is the one /unban reverses first.
        let latest = latest_reversible(&mut conn, -1, 7, "ban")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(latest.action, "ban 2h");
        assert!(latest_reversible(&mut conn, -1, 7, "kick")
            .await
            .unwrap()
            .is_none());
        undo_violation(&mut conn, latest.id, 9, 140).await.unwrap();
        assert_eq!(
            latest_reversible(&mut conn, -1, 7, "ban")
                .await
                .unwrap()
                .unwrap()
                .id,
            auto_ban
        );
        undo_violation(&mut conn, auto_ban, 9, 150).await.unwrap();
        let mut reversal = logged("adpack", "unban", Some(9), 150);
        reversal.reverses_id = Some(auto_ban);
        let reversal_id = record_action(&mut conn, &reversal).await.unwrap();
        assert_eq!(
            log_row(&mut conn, reversal_id)
                .await
                .unwrap()
                .unwrap()
                .reverses_id,
            Some(auto_ban)
        );
        mark_failed(&mut conn, reversal_id).await.unwrap();
        let rows = recent_log(&mut conn, -1, 2).await.unwrap();
        assert_eq!(rows[0].id, reversal_id);
        assert_eq!(rows[0].outcome, Outcome::Failed);
        // Automatic entries only, since `since`; reversals and admins' actions are not hits.
        let stats = rule_stats(&mut conn, -1, 50).await.unwrap();
        assert_eq!(
            stats,
            vec![("adpack".to_string(), 2, 1), ("link".to_string(), 1, 0)]
        );
    }

    #[sqlx::test]
    async fn a_message_is_reported_once_and_decided_once(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let id = add_report(&mut conn, -1, 42, 7, 8, "ad", 100)
            .await
            .unwrap()
            .unwrap();
        assert!(add_report(&mut conn, -1, 42, 7, 9, "ad", 101)
            .await
            .unwrap()
            .is_none());
        assert!(decide_report(&mut conn, id, ReportStatus::Banned, 1, 102)
            .await
            .unwrap());
        assert!(
            !decide_report(&mut conn, id, ReportStatus::Dismissed, 1, 103)
                .await
                .unwrap()
        );
        assert_eq!(
            get_report(&mut conn, id).await.unwrap().unwrap().status,
            ReportStatus::Banned
        );
        set_log_channel(&mut conn, -1, Some(-1_009), 1, 100)
            .await
            .unwrap();
        assert_eq!(log_channel(&mut conn, -1).await.unwrap(), Some(-1_009));
        set_log_channel(&mut conn, -1, None, 1, 101).await.unwrap();
        assert_eq!(log_channel(&mut conn, -1).await.unwrap(), None);
    }

    #[sqlx::test]
    async fn taught_fingerprints_stay_in_their_group_until_groups_agree(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let teach = |chat_id: i64, fingerprint: u64, label: LayerLabel, at: i64| Taught {
            chat_id,
            fingerprint,
            label,
            source: "spam_command",
            by: Some(1),
            at,
            excerpt: "",
        };
        let high = u64::MAX - 7;
        for (i, t) in [
            teach(-1, 10, LayerLabel::Spam, 100),
            teach(-1, high, LayerLabel::Spam, 101),
            teach(-2, 10, LayerLabel::Spam, 102),
            teach(-1, 20, LayerLabel::NotSpam, 103),
        ]
        .iter()
        .enumerate()
        {
            add_taught(&mut conn, t)
                .await
                .unwrap_or_else(|e| panic!("{i}: {e}"));
        }
        assert_eq!(
            group_taught(&mut conn, -1, 10).await.unwrap(),
            vec![
                (LayerLabel::Spam, 10),
                (LayerLabel::Spam, high),
                (LayerLabel::NotSpam, 20)
            ],
            "oldest first, and the whole u64 range survives"
        );
        assert_eq!(
            group_taught(&mut conn, -1, 1).await.unwrap(),
            vec![(LayerLabel::NotSpam, 20)],
            "only the latest rows"
        );
        assert!(group_taught(&mut conn, -3, 10).await.unwrap().is_empty());
        // Two groups agree on 10: enough for two, not for three.
        assert_eq!(
            instance_taught(&mut conn, 2, &[], None).await.unwrap(),
            vec![10]
        );
        assert!(instance_taught(&mut conn, 3, &[], None)
            .await
            .unwrap()
            .is_empty());
        // A trusted group's spam reaches the instance at once.
        assert_eq!(
            instance_taught(&mut conn, 3, &[-1], None).await.unwrap(),
            vec![high, 10],
            "in the order they were last taught"
        );
        assert_eq!(
            instance_taught(&mut conn, 3, &[-1], Some(high))
                .await
                .unwrap(),
            vec![high]
        );
        // A group that changed its mind no longer counts towards agreement.
        add_taught(&mut conn, &teach(-2, 10, LayerLabel::NotSpam, 104))
            .await
            .unwrap();
        assert!(instance_taught(&mut conn, 2, &[], None)
            .await
            .unwrap()
            .is_empty());
        // What the bot learned from its own removals stays in its group, even a trusted one.
        for chat_id in [-1, -2, -3] {
            add_taught(
                &mut conn,
                &Taught {
                    source: AUTO_SOURCE,
                    by: None,
                    ..teach(chat_id, 30, LayerLabel::Spam, 105)
                },
            )
            .await
            .unwrap();
        }
        assert_eq!(
            group_taught(&mut conn, -3, 10).await.unwrap(),
            vec![(LayerLabel::Spam, 30)]
        );
        assert!(instance_taught(&mut conn, 1, &[-1], Some(30))
            .await
            .unwrap()
            .is_empty());
    }

    #[sqlx::test]
    async fn flags_notices_thresholds_and_learning_follow_a_supergroup_upgrade(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        set_group_thresholds(&mut conn, -1, Some((0.9, 0.5)), 1, 100)
            .await
            .unwrap();
        let flag = |message_id: i32| NewSuspicious {
            chat_id: -1,
            message_id,
            user_id: 7,
            is_channel: false,
            name: "Nia",
            excerpt: "hello",
            probability: 0.6,
            detail: "{}",
            at: 100,
        };
        let first = add_suspicious(&mut conn, &flag(5)).await.unwrap();
        assert!(first.is_some());
        assert_eq!(
            add_suspicious(&mut conn, &flag(5)).await.unwrap(),
            None,
            "a message is flagged once"
        );
        let (notice, items) = open_notice(&mut conn, -1, -1, 100).await.unwrap().unwrap();
        assert_eq!(items.len(), 1);
        assert!(open_notice(&mut conn, -1, -1, 100).await.unwrap().is_none());
        add_suspicious(&mut conn, &flag(6)).await.unwrap();
        let violation = record_action(&mut conn, &logged("classifier", "warn", None, 100))
            .await
            .unwrap();
        schedule_learning(&mut conn, violation, -1, 200)
            .await
            .unwrap();
        crate::storage::move_chat(&mut conn, -1, -1001)
            .await
            .unwrap();
        assert_eq!(group_thresholds(&mut conn, -1).await.unwrap(), None);
        assert_eq!(
            group_thresholds(&mut conn, -1001).await.unwrap(),
            Some((0.9, 0.5))
        );
        assert_eq!(
            notice_items(&mut conn, notice).await.unwrap()[0].chat_id,
            -1001
        );
        assert_eq!(
            groups_waiting_for_notice(&mut conn, 50).await.unwrap(),
            Vec::<i64>::new(),
            "the notice posted at 100 moved with the group"
        );
        assert_eq!(
            groups_waiting_for_notice(&mut conn, 100).await.unwrap(),
            vec![-1001]
        );
        let due = due_learning(&mut conn, 200, 10).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!((due[0].chat_id, due[0].undone), (-1001, false));
        assert!(due_learning(&mut conn, 199, 10).await.unwrap().is_empty());
    }

    #[sqlx::test]
    async fn night_mode_follows_the_supergroup_move_and_the_purge(pool: SqlitePool) {
        use crate::features::moderation::night::{Mode, Window};
        let mut conn = pool.acquire().await.unwrap();
        let window = Window {
            start: 22 * 60,
            end: 7 * 60,
        };
        set_night_mode(&mut conn, -5, window, Mode::Media, 7, 100, 10)
            .await
            .unwrap();
        night_started(&mut conn, -5, "{}", true).await.unwrap();
        crate::storage::move_chat(&mut conn, -5, -1_005)
            .await
            .unwrap();
        assert_eq!(night_mode(&mut conn, -5).await.unwrap(), None);
        let moved = night_mode(&mut conn, -1_005).await.unwrap().unwrap();
        assert!(moved.active && moved.locked_links);
        assert_eq!(
            list_locks(&mut conn, -1_005).await.unwrap(),
            vec![Lock::Link]
        );
        crate::storage::privacy::purge_chat(&mut conn, -1_005)
            .await
            .unwrap();
        assert_eq!(night_mode(&mut conn, -1_005).await.unwrap(), None);
        let timers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM timers")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(timers, 0);
    }
}
