//! The SQL of the welcome feature: per-group choices, pending gates, recent joins and the welcome queue.

use super::gate::{Mode, Prior};
use crate::error::Result;
use sqlx::error::BoxDynError;
use sqlx::sqlite::{SqliteTypeInfo, SqliteValueRef};
use sqlx::{AssertSqlSafe, Decode, FromRow, Sqlite, SqliteConnection, Type};

/// A check is stored by its name (`off`, `button`, `math`, `quiz`), and read back as a [`Mode`].
impl Type<Sqlite> for Mode {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
}

impl<'r> Decode<'r, Sqlite> for Mode {
    fn decode(value: SqliteValueRef<'r>) -> std::result::Result<Self, BoxDynError> {
        let name = <&str as Decode<Sqlite>>::decode(value)?;
        Mode::parse(name).ok_or_else(|| format!("not a check: {name:?}").into())
    }
}

/// A group's stored choices; `None` fields fall back to the `[welcome]` settings.
#[derive(Debug, Clone, Default, FromRow, PartialEq, Eq)]
pub struct GroupChoices {
    pub chat_id: i64,
    /// Whether newcomers are greeted.
    pub welcome_on: bool,
    /// The admin's welcome, or the shipped one.
    pub welcome_text: Option<String>,
    /// Whether leavers get a goodbye.
    pub goodbye_on: bool,
    /// The admin's goodbye, or the shipped one.
    pub goodbye_text: Option<String>,
    /// Whether a new welcome deletes the previous one.
    pub clean_welcome: bool,
    /// The group's check, when it chose one.
    pub captcha_mode: Option<Mode>,
    /// Seconds a newcomer has.
    pub captcha_timeout: Option<i64>,
    /// The owner's quiz question.
    pub quiz_question: Option<String>,
    /// The quiz answers, right one first, one per line.
    pub quiz_answers: Option<String>,
    /// The group's rules.
    pub rules: Option<String>,
    /// Joins that make a raid.
    pub raid_joins: Option<i64>,
    /// Seconds in which they must come.
    pub raid_window: Option<i64>,
    /// Raid mode is on until then (unix seconds).
    pub raid_until: i64,
    /// The last welcome posted.
    pub last_welcome_id: Option<i64>,
}

impl GroupChoices {
    /// The choices of a group that never changed anything.
    pub fn fresh(chat_id: i64) -> Self {
        Self {
            chat_id,
            welcome_on: true,
            clean_welcome: true,
            ..Default::default()
        }
    }
}

/// A group's choices (the fresh defaults when it never set any).
pub async fn choices(conn: &mut SqliteConnection, chat_id: i64) -> Result<GroupChoices> {
    let found = sqlx::query_as::<_, GroupChoices>(
        "SELECT chat_id, welcome_on, welcome_text, goodbye_on, goodbye_text, clean_welcome, captcha_mode,
                captcha_timeout, quiz_question, quiz_answers, rules, raid_joins, raid_window, raid_until,
                last_welcome_id
         FROM welcome_settings WHERE chat_id = ?",
    )
    .bind(chat_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.unwrap_or_else(|| GroupChoices::fresh(chat_id)))
}

/// A value for one stored choice.
#[derive(Debug, Clone)]
pub enum Choice {
    /// A number or a flag.
    Int(i64),
    /// A text, or NULL for "back to the default".
    Text(Option<String>),
    /// A check, stored by its name.
    Mode(Mode),
}

/// The columns a command may change, each named like its variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    WelcomeOn,
    WelcomeText,
    GoodbyeOn,
    GoodbyeText,
    CleanWelcome,
    CaptchaMode,
    CaptchaTimeout,
    QuizQuestion,
    QuizAnswers,
    Rules,
    RaidJoins,
    RaidWindow,
    RaidUntil,
}

impl Column {
    fn name(self) -> &'static str {
        match self {
            Column::WelcomeOn => "welcome_on",
            Column::WelcomeText => "welcome_text",
            Column::GoodbyeOn => "goodbye_on",
            Column::GoodbyeText => "goodbye_text",
            Column::CleanWelcome => "clean_welcome",
            Column::CaptchaMode => "captcha_mode",
            Column::CaptchaTimeout => "captcha_timeout",
            Column::QuizQuestion => "quiz_question",
            Column::QuizAnswers => "quiz_answers",
            Column::Rules => "rules",
            Column::RaidJoins => "raid_joins",
            Column::RaidWindow => "raid_window",
            Column::RaidUntil => "raid_until",
        }
    }
}

/// Stores one choice of a group.
pub async fn set(
    conn: &mut SqliteConnection,
    chat_id: i64,
    column: Column,
    value: Choice,
) -> Result<()> {
    sqlx::query("INSERT OR IGNORE INTO welcome_settings (chat_id) VALUES (?)")
        .bind(chat_id)
        .execute(&mut *conn)
        .await?;
    // The column name comes from the fixed list above, never from users; the value stays bound.
    let sql = format!(
        "UPDATE welcome_settings SET {} = ? WHERE chat_id = ?",
        column.name()
    );
    let query = sqlx::query(AssertSqlSafe(sql));
    let query = match value {
        Choice::Int(n) => query.bind(n),
        Choice::Text(text) => query.bind(text),
        Choice::Mode(mode) => query.bind(mode.name()),
    };
    query.bind(chat_id).execute(&mut *conn).await?;
    Ok(())
}

/// Remembers the newest welcome and returns the one before it (for clean mode).
pub async fn swap_last_welcome(
    conn: &mut SqliteConnection,
    chat_id: i64,
    message_id: i64,
) -> Result<Option<i64>> {
    let previous = choices(&mut *conn, chat_id).await?.last_welcome_id;
    sqlx::query("INSERT OR IGNORE INTO welcome_settings (chat_id) VALUES (?)")
        .bind(chat_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE welcome_settings SET last_welcome_id = ? WHERE chat_id = ?")
        .bind(message_id)
        .bind(chat_id)
        .execute(&mut *conn)
        .await?;
    Ok(previous)
}

/// Whether the group may be told again that the bot cannot gate there (at most once per `gap` seconds);
/// marks it told.
pub async fn may_warn(
    conn: &mut SqliteConnection,
    chat_id: i64,
    now: i64,
    gap: i64,
) -> Result<bool> {
    sqlx::query("INSERT OR IGNORE INTO welcome_settings (chat_id) VALUES (?)")
        .bind(chat_id)
        .execute(&mut *conn)
        .await?;
    let done = sqlx::query(
        "UPDATE welcome_settings SET warned_at = ?2 WHERE chat_id = ?1 AND (warned_at = 0 OR warned_at <= ?2 - ?3)",
    )
    .bind(chat_id)
    .bind(now)
    .bind(gap)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A pending entry gate.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct Gate {
    /// Its id (in the buttons' callback data).
    pub id: i64,
    pub chat_id: i64,
    pub user_id: i64,
    /// Their name as shown.
    pub user_name: String,
    /// How the member is checked.
    pub kind: Mode,
    /// A join request asked in a private chat.
    pub via_request: bool,
    /// Where the question was posted.
    pub message_chat: i64,
    /// The question's message, once sent.
    pub message_id: Option<i64>,
    /// Button labels, one per line.
    pub options: String,
    /// The right button.
    pub answer: i64,
    /// When it times out ([`UNASKED`] while its question waits to be sent).
    pub deadline: i64,
    /// The captcha message (batch) it was asked in, for group gates asked together.
    pub batch_id: Option<i64>,
}

/// The deadline of a group gate whose question has not been sent yet: it cannot time out before the
/// member saw the question.
pub const UNASKED: i64 = i64::MAX;

/// A gate to open.
#[derive(Debug, Clone)]
pub struct NewGate<'a> {
    pub chat_id: i64,
    pub user_id: i64,
    /// Their name as shown.
    pub user_name: &'a str,
    /// How the member is checked.
    pub kind: Mode,
    /// A join request asked in a private chat.
    pub via_request: bool,
    /// Where the question goes.
    pub message_chat: i64,
    /// Button labels.
    pub options: &'a [String],
    /// The right button.
    pub answer: usize,
    /// When it times out.
    pub deadline: i64,
    pub now: i64,
}

const GATE_COLUMNS: &str =
    "id, chat_id, user_id, user_name, kind, via_request, message_chat, message_id, options, answer, deadline, batch_id";

/// Opens a gate; `None` when this member already has one pending in this group.
pub async fn open_gate(conn: &mut SqliteConnection, gate: &NewGate<'_>) -> Result<Option<i64>> {
    let id = sqlx::query_scalar(
        "INSERT INTO welcome_gates
             (chat_id, user_id, user_name, kind, via_request, message_chat, options, answer, deadline, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (chat_id, user_id) DO NOTHING RETURNING id",
    )
    .bind(gate.chat_id)
    .bind(gate.user_id)
    .bind(gate.user_name)
    .bind(gate.kind.name())
    .bind(gate.via_request)
    .bind(gate.message_chat)
    .bind(gate.options.join("\n"))
    .bind(gate.answer as i64)
    .bind(gate.deadline)
    .bind(gate.now)
    .fetch_optional(conn)
    .await?;
    Ok(id)
}

/// Records the message that carries a gate's question.
pub async fn set_gate_message(conn: &mut SqliteConnection, id: i64, message_id: i64) -> Result<()> {
    sqlx::query("UPDATE welcome_gates SET message_id = ? WHERE id = ?")
        .bind(message_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A pending gate by id.
pub async fn gate(conn: &mut SqliteConnection, id: i64) -> Result<Option<Gate>> {
    let sql = format!("SELECT {GATE_COLUMNS} FROM welcome_gates WHERE id = ?");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// Closes a gate and returns it; `None` when someone (a press, the ticker) closed it first.
pub async fn close_gate(conn: &mut SqliteConnection, id: i64) -> Result<Option<Gate>> {
    let sql = format!("DELETE FROM welcome_gates WHERE id = ? RETURNING {GATE_COLUMNS}");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// A member's pending gate in a group, if any.
pub async fn gate_of(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
) -> Result<Option<Gate>> {
    let sql = format!("SELECT {GATE_COLUMNS} FROM welcome_gates WHERE chat_id = ? AND user_id = ?");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(chat_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?)
}

/// Closes a member's pending gate in a group, if any (an admin let them in meanwhile).
pub async fn close_gate_of(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
) -> Result<Option<Gate>> {
    let sql = format!(
        "DELETE FROM welcome_gates WHERE chat_id = ? AND user_id = ? RETURNING {GATE_COLUMNS}"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(chat_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?)
}

/// Closes and returns every gate whose deadline has passed.
pub async fn close_expired(conn: &mut SqliteConnection, now: i64) -> Result<Vec<Gate>> {
    let sql = format!("DELETE FROM welcome_gates WHERE deadline <= ? RETURNING {GATE_COLUMNS}");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(now)
        .fetch_all(conn)
        .await?)
}

/// A captcha message that asks several newcomers of one group the same question.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct Batch {
    /// Its id (in the buttons' callback data).
    pub id: i64,
    pub chat_id: i64,
    /// How the member is checked.
    pub kind: Mode,
    /// The question (empty for the button check).
    pub question: String,
    /// Button labels, one per line.
    pub options: String,
    /// The right button.
    pub answer: i64,
    /// Seconds each member has once the message is sent.
    pub timeout: i64,
    /// The message, once sent.
    pub message_id: Option<i64>,
    /// When the message was sent.
    pub sent_at: Option<i64>,
}

const BATCH_COLUMNS: &str =
    "id, chat_id, kind, question, options, answer, timeout, message_id, sent_at";

/// A batch to form from a group's gates that wait to be asked.
#[derive(Debug, Clone)]
pub struct NewBatch<'a> {
    pub chat_id: i64,
    /// How the member is checked.
    pub kind: Mode,
    /// The question (empty for the button check).
    pub question: &'a str,
    /// Button labels.
    pub options: &'a [String],
    /// The right button.
    pub answer: usize,
    /// Seconds each member has once the message is sent.
    pub timeout: i64,
    /// The most members one message asks.
    pub limit: usize,
    pub now: i64,
}

/// Claims a group's next slot for a message of one kind (`captcha` or `welcome`): `true` (and the slot
/// is taken) when the previous one was posted at least `gap` seconds before `now`.
pub async fn claim_slot(
    conn: &mut SqliteConnection,
    chat_id: i64,
    slot: Slot,
    now: i64,
    gap: i64,
) -> Result<bool> {
    sqlx::query("INSERT OR IGNORE INTO welcome_settings (chat_id) VALUES (?)")
        .bind(chat_id)
        .execute(&mut *conn)
        .await?;
    // The column name comes from the fixed list of slots, never from users; the values stay bound.
    let column = slot.column();
    let sql = format!(
        "UPDATE welcome_settings SET {column} = ?2 WHERE chat_id = ?1 AND ({column} = 0 OR {column} <= ?2 - ?3)"
    );
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(chat_id)
        .bind(now)
        .bind(gap)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The kinds of group message that keep a minimum gap between two of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A captcha message.
    Captcha,
    /// A welcome.
    Welcome,
}

impl Slot {
    fn column(self) -> &'static str {
        match self {
            Slot::Captcha => "last_captcha_at",
            Slot::Welcome => "last_welcome_at",
        }
    }
}

/// Groups with a gate waiting to be asked since `opened_before` or earlier.
pub async fn groups_with_unasked(
    conn: &mut SqliteConnection,
    opened_before: i64,
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT chat_id FROM welcome_gates
         WHERE batch_id IS NULL AND deadline = ? AND created_at <= ?",
    )
    .bind(UNASKED)
    .bind(opened_before)
    .fetch_all(conn)
    .await?)
}

/// Whether a group has a gate waiting to be asked since `opened_before` or earlier.
pub async fn has_unasked(
    conn: &mut SqliteConnection,
    chat_id: i64,
    opened_before: i64,
) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM welcome_gates
         WHERE chat_id = ? AND batch_id IS NULL AND deadline = ? AND created_at <= ? LIMIT 1",
    )
    .bind(chat_id)
    .bind(UNASKED)
    .bind(opened_before)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Puts the oldest gates of a group that wait to be asked (at most `limit`) into a new batch with the
/// batch's question, and returns it with its gates; `None` when no gate waits.
pub async fn form_batch(
    conn: &mut SqliteConnection,
    new: &NewBatch<'_>,
) -> Result<Option<(Batch, Vec<Gate>)>> {
    let waiting: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM welcome_gates WHERE chat_id = ? AND batch_id IS NULL AND deadline = ?
         ORDER BY created_at, id LIMIT ?",
    )
    .bind(new.chat_id)
    .bind(UNASKED)
    .bind(new.limit as i64)
    .fetch_all(&mut *conn)
    .await?;
    if waiting.is_empty() {
        return Ok(None);
    }
    let options = new.options.join("\n");
    let batch_id: i64 = sqlx::query_scalar(
        "INSERT INTO welcome_batches (chat_id, kind, question, options, answer, timeout, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(new.chat_id)
    .bind(new.kind.name())
    .bind(new.question)
    .bind(&options)
    .bind(new.answer as i64)
    .bind(new.timeout)
    .bind(new.now)
    .fetch_one(&mut *conn)
    .await?;
    for id in &waiting {
        sqlx::query(
            "UPDATE welcome_gates SET batch_id = ?, kind = ?, options = ?, answer = ? WHERE id = ?",
        )
        .bind(batch_id)
        .bind(new.kind.name())
        .bind(&options)
        .bind(new.answer as i64)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    let sql = format!(
        "SELECT {GATE_COLUMNS} FROM welcome_gates WHERE batch_id = ? ORDER BY created_at, id"
    );
    let gates = sqlx::query_as(AssertSqlSafe(sql))
        .bind(batch_id)
        .fetch_all(&mut *conn)
        .await?;
    let batch = batch(&mut *conn, batch_id)
        .await?
        .expect("the batch was just inserted");
    Ok(Some((batch, gates)))
}

/// A batch by id.
pub async fn batch(conn: &mut SqliteConnection, id: i64) -> Result<Option<Batch>> {
    let sql = format!("SELECT {BATCH_COLUMNS} FROM welcome_batches WHERE id = ?");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// Batches whose message was never confirmed sent (after a restart they are sent again).
pub async fn unsent_batches(conn: &mut SqliteConnection) -> Result<Vec<Batch>> {
    let sql =
        format!("SELECT {BATCH_COLUMNS} FROM welcome_batches WHERE sent_at IS NULL ORDER BY id");
    Ok(sqlx::query_as(AssertSqlSafe(sql)).fetch_all(conn).await?)
}

/// Records that a batch's message was sent at `sent_at`: its gates' time limits start now. Returns how
/// many of its gates are still open, or `None` when the batch was closed meanwhile (every member it
/// asked was resolved before the message went out).
pub async fn batch_sent(
    conn: &mut SqliteConnection,
    id: i64,
    message_id: i64,
    sent_at: i64,
) -> Result<Option<i64>> {
    let updated = sqlx::query(
        "UPDATE welcome_batches SET message_id = ?, sent_at = ? WHERE id = ? AND sent_at IS NULL",
    )
    .bind(message_id)
    .bind(sent_at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(None);
    }
    sqlx::query(
        "UPDATE welcome_gates SET message_id = ?1,
             deadline = ?2 + (SELECT timeout FROM welcome_batches WHERE id = ?3)
         WHERE batch_id = ?3 AND deadline = ?4",
    )
    .bind(message_id)
    .bind(sent_at)
    .bind(id)
    .bind(UNASKED)
    .execute(&mut *conn)
    .await?;
    Ok(Some(open_in_batch(conn, id).await?))
}

/// How many gates of a batch are still open.
pub async fn open_in_batch(conn: &mut SqliteConnection, id: i64) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM welcome_gates WHERE batch_id = ?")
            .bind(id)
            .fetch_one(conn)
            .await?,
    )
}

/// The open gate of a member in a batch.
pub async fn gate_in_batch(
    conn: &mut SqliteConnection,
    batch_id: i64,
    user_id: i64,
) -> Result<Option<Gate>> {
    let sql =
        format!("SELECT {GATE_COLUMNS} FROM welcome_gates WHERE batch_id = ? AND user_id = ?");
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(batch_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?)
}

/// The open gates of a batch, in the order their members came.
pub async fn gates_of_batch(conn: &mut SqliteConnection, batch_id: i64) -> Result<Vec<Gate>> {
    let sql = format!(
        "SELECT {GATE_COLUMNS} FROM welcome_gates WHERE batch_id = ? ORDER BY created_at, id"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(batch_id)
        .fetch_all(conn)
        .await?)
}

/// Forgets a batch whose members are all resolved.
pub async fn drop_batch(conn: &mut SqliteConnection, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM welcome_batches WHERE id = ?")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Closes every gate of a group that still waits to be asked (raid mode began) and returns them.
pub async fn take_unasked(conn: &mut SqliteConnection, chat_id: i64) -> Result<Vec<Gate>> {
    let sql = format!(
        "DELETE FROM welcome_gates WHERE chat_id = ? AND batch_id IS NULL AND deadline = ?
         RETURNING {GATE_COLUMNS}"
    );
    Ok(sqlx::query_as(AssertSqlSafe(sql))
        .bind(chat_id)
        .bind(UNASKED)
        .fetch_all(conn)
        .await?)
}

/// Remembers that a join requester passed the check in private.
pub async fn record_request_pass(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO welcome_request_passes (chat_id, user_id, passed_at) VALUES (?, ?, ?)
         ON CONFLICT (chat_id, user_id) DO UPDATE SET passed_at = excluded.passed_at",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether a member has a request pass in a group (of any age), without taking it.
pub async fn has_request_pass(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM welcome_request_passes WHERE chat_id = ? AND user_id = ?",
    )
    .bind(chat_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Takes the mark that a member passed their join request's check at `since` or later; `true` when
/// there was one (their join needs no second check).
pub async fn take_request_pass(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    since: i64,
) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "DELETE FROM welcome_request_passes WHERE chat_id = ? AND user_id = ? RETURNING passed_at",
    )
    .bind(chat_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some_and(|at| at >= since))
}

/// Forgets request passes older than `before` (the member never joined).
pub async fn prune_request_passes(conn: &mut SqliteConnection, before: i64) -> Result<()> {
    sqlx::query("DELETE FROM welcome_request_passes WHERE passed_at < ?")
        .bind(before)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a join with the update being handled; `false` when the same member's join was already
/// recorded within `dedupe` seconds by another update and they have not left since (the second copy of
/// one join: a `chat_member` update and a service message). The update that recorded the join, sent
/// again after a crash (see [`crate::storage::handled`]), records it again, so the newcomer is still
/// checked.
pub async fn record_join(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    now: i64,
    dedupe: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO welcome_joins (chat_id, user_id, at, update_id) VALUES (?1, ?2, ?3, ?5)
         ON CONFLICT (chat_id, user_id) DO UPDATE SET at = excluded.at, left = 0,
             update_id = excluded.update_id
         WHERE welcome_joins.left = 1 OR welcome_joins.at <= excluded.at - ?4
            OR welcome_joins.update_id = excluded.update_id",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(now)
    .bind(dedupe)
    .bind(crate::storage::handled::current())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that a member left, so that their next join counts as a new one.
pub async fn record_leave(conn: &mut SqliteConnection, chat_id: i64, user_id: i64) -> Result<()> {
    sqlx::query("UPDATE welcome_joins SET left = 1 WHERE chat_id = ? AND user_id = ?")
        .bind(chat_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The times of the joins recorded in a group since `since`.
pub async fn join_times(conn: &mut SqliteConnection, chat_id: i64, since: i64) -> Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT at FROM welcome_joins WHERE chat_id = ? AND at > ?")
            .bind(chat_id)
            .bind(since)
            .fetch_all(conn)
            .await?,
    )
}

/// Forgets joins older than `before`.
pub async fn prune_joins(conn: &mut SqliteConnection, before: i64) -> Result<()> {
    sqlx::query("DELETE FROM welcome_joins WHERE at < ?")
        .bind(before)
        .execute(conn)
        .await?;
    Ok(())
}

/// A member waiting for the next welcome.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct Queued {
    pub user_id: i64,
    pub first_name: String,
    pub full_name: String,
    /// @username without the @.
    pub username: Option<String>,
}

/// Puts a member in the queue of the group's next welcome.
pub async fn enqueue(
    conn: &mut SqliteConnection,
    chat_id: i64,
    member: &Queued,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT OR IGNORE INTO welcome_queue (chat_id, user_id, first_name, full_name, username, queued_at)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(chat_id)
    .bind(member.user_id)
    .bind(&member.first_name)
    .bind(&member.full_name)
    .bind(&member.username)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Groups whose oldest queued member waited since `queued_before` or earlier.
pub async fn due_queues(conn: &mut SqliteConnection, queued_before: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT chat_id FROM welcome_queue GROUP BY chat_id HAVING MIN(queued_at) <= ?",
    )
    .bind(queued_before)
    .fetch_all(conn)
    .await?)
}

/// Takes a group's whole queue, in the order they came.
pub async fn take_queue(conn: &mut SqliteConnection, chat_id: i64) -> Result<Vec<Queued>> {
    let mut taken: Vec<(i64, Queued)> = Vec::new();
    let rows: Vec<(i64, i64, String, String, Option<String>)> = sqlx::query_as(
        "DELETE FROM welcome_queue WHERE chat_id = ?
         RETURNING queued_at, user_id, first_name, full_name, username",
    )
    .bind(chat_id)
    .fetch_all(conn)
    .await?;
    for (at, user_id, first_name, full_name, username) in rows {
        taken.push((
            at,
            Queued {
                user_id,
                first_name,
                full_name,
                username,
            },
        ));
    }
    taken.sort_by_key(|(at, q)| (*at, q.user_id));
    Ok(taken.into_iter().map(|(_, q)| q).collect())
}

/// Drops a group's queue (raid mode: nobody is greeted).
pub async fn clear_queue(conn: &mut SqliteConnection, chat_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM welcome_queue WHERE chat_id = ?")
        .bind(chat_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Holds a member restricted during a raid until raid mode ends.
pub async fn hold(
    conn: &mut SqliteConnection,
    chat_id: i64,
    member: &Queued,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO welcome_held (chat_id, user_id, first_name, full_name, username, held_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (chat_id, user_id) DO UPDATE SET announced = 0, held_at = excluded.held_at",
    )
    .bind(chat_id)
    .bind(member.user_id)
    .bind(&member.first_name)
    .bind(&member.full_name)
    .bind(&member.username)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Groups whose raid mode is over at `now` and that hold members not yet told how to get out, with how
/// many; they are marked told.
pub async fn take_releases(conn: &mut SqliteConnection, now: i64) -> Result<Vec<(i64, i64)>> {
    let found: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT h.chat_id, COUNT(*) FROM welcome_held h
         LEFT JOIN welcome_settings s ON s.chat_id = h.chat_id
         WHERE h.announced = 0 AND COALESCE(s.raid_until, 0) <= ?
         GROUP BY h.chat_id",
    )
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    for (chat_id, _) in &found {
        sqlx::query("UPDATE welcome_held SET announced = 1 WHERE chat_id = ?")
            .bind(chat_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(found)
}

/// Up to `limit` members a group holds since a raid, in the order they came, and how many it holds.
pub async fn held_members(
    conn: &mut SqliteConnection,
    chat_id: i64,
    limit: usize,
) -> Result<(Vec<Queued>, i64)> {
    let shown = sqlx::query_as(
        "SELECT user_id, first_name, full_name, username FROM welcome_held WHERE chat_id = ?
         ORDER BY held_at, user_id LIMIT ?",
    )
    .bind(chat_id)
    .bind(limit as i64)
    .fetch_all(&mut *conn)
    .await?;
    let count = sqlx::query_scalar("SELECT COUNT(*) FROM welcome_held WHERE chat_id = ?")
        .bind(chat_id)
        .fetch_one(conn)
        .await?;
    Ok((shown, count))
}

/// Lets every member a group holds go (its raid is over and it has no entry check).
pub async fn release_all(conn: &mut SqliteConnection, chat_id: i64) -> Result<Vec<Queued>> {
    Ok(sqlx::query_as(
        "DELETE FROM welcome_held WHERE chat_id = ? RETURNING user_id, first_name, full_name, username",
    )
    .bind(chat_id)
    .fetch_all(conn)
    .await?)
}

/// Lets a held member go once their raid mode is over; `None` when they are not held or the raid is
/// still on.
pub async fn release(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
) -> Result<Option<Queued>> {
    Ok(sqlx::query_as(
        "DELETE FROM welcome_held WHERE chat_id = ? AND user_id = ? AND announced = 1
         RETURNING user_id, first_name, full_name, username",
    )
    .bind(chat_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?)
}

/// Whether a member is held since a raid that is over (the release message went out).
pub async fn is_released(conn: &mut SqliteConnection, chat_id: i64, user_id: i64) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM welcome_held WHERE chat_id = ? AND user_id = ? AND announced = 1",
    )
    .bind(chat_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Whether a member waits in a group: a pending check there, or held since a raid.
pub async fn is_waiting(conn: &mut SqliteConnection, chat_id: i64, user_id: i64) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM welcome_gates WHERE chat_id = ?1 AND user_id = ?2 AND via_request = 0
         UNION ALL SELECT 1 FROM welcome_held WHERE chat_id = ?1 AND user_id = ?2 LIMIT 1",
    )
    .bind(chat_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Forgets a held member who left.
pub async fn unhold(conn: &mut SqliteConnection, chat_id: i64, user_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM welcome_held WHERE chat_id = ? AND user_id = ?")
        .bind(chat_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Saves what a newcomer had before the gate restricts them (`None`: no restriction), unless something
/// is saved already: that is from before an earlier gate, and what Telegram shows now may be the gate's
/// own restriction.
pub async fn save_prior(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    prior: Option<Prior>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT OR IGNORE INTO welcome_prior_restrictions (chat_id, user_id, permissions, until, saved_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(prior.map(|p| i64::from(p.permissions)))
    .bind(prior.map_or(0, |p| p.until))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether what a newcomer had before the gate is saved.
pub async fn has_prior(conn: &mut SqliteConnection, chat_id: i64, user_id: i64) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT 1 FROM welcome_prior_restrictions WHERE chat_id = ? AND user_id = ?",
    )
    .bind(chat_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?
    .is_some())
}

/// Takes (and forgets) what a newcomer had before the gate: `None` when nothing is saved or they had no
/// restriction.
pub async fn take_prior(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
) -> Result<Option<Prior>> {
    let row: Option<(Option<i64>, i64)> = sqlx::query_as(
        "DELETE FROM welcome_prior_restrictions WHERE chat_id = ? AND user_id = ?
         RETURNING permissions, until",
    )
    .bind(chat_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(|(permissions, until)| {
        permissions.map(|bits| Prior {
            permissions: bits as u16,
            until,
        })
    }))
}

/// A join whose facts could not be read, to be handled again.
#[derive(Debug, Clone, FromRow)]
pub struct JoinRetry {
    pub chat_id: i64,
    pub user_id: i64,
    pub chat: String,
    pub member: String,
    pub adder: String,
    pub attempts: i64,
}

/// Keeps a join to handle again at `retry_at`; a join kept already counts one more attempt. Returns the
/// attempts so far.
#[allow(clippy::too_many_arguments)]
pub async fn keep_join_retry(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    chat: &str,
    member: &str,
    adder: &str,
    retry_at: impl Fn(i64) -> i64,
) -> Result<i64> {
    let attempts: i64 = sqlx::query_scalar(
        "SELECT COALESCE((SELECT attempts FROM welcome_join_retries WHERE chat_id = ? AND user_id = ?), 0) + 1",
    )
    .bind(chat_id)
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT OR REPLACE INTO welcome_join_retries (chat_id, user_id, chat, member, adder, attempts, retry_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(chat_id)
    .bind(user_id)
    .bind(chat)
    .bind(member)
    .bind(adder)
    .bind(attempts)
    .bind(retry_at(attempts))
    .execute(conn)
    .await?;
    Ok(attempts)
}

/// The kept joins due at `now`, oldest first.
pub async fn due_join_retries(conn: &mut SqliteConnection, now: i64) -> Result<Vec<JoinRetry>> {
    Ok(sqlx::query_as(
        "SELECT chat_id, user_id, chat, member, adder, attempts FROM welcome_join_retries
         WHERE retry_at <= ? ORDER BY retry_at LIMIT 100",
    )
    .bind(now)
    .fetch_all(conn)
    .await?)
}

/// Forgets a kept join (handled, or the member left).
pub async fn forget_join_retry(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
) -> Result<()> {
    sqlx::query("DELETE FROM welcome_join_retries WHERE chat_id = ? AND user_id = ?")
        .bind(chat_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    #[sqlx::test]
    async fn a_gate_opens_once_per_member_and_closes_once(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let options = vec!["1".to_string(), "2".to_string()];
        let new = NewGate {
            chat_id: -1,
            user_id: 7,
            user_name: "Ann",
            kind: Mode::Math,
            via_request: false,
            message_chat: -1,
            options: &options,
            answer: 1,
            deadline: 200,
            now: 80,
        };
        let id = open_gate(&mut conn, &new).await.unwrap().unwrap();
        assert_eq!(open_gate(&mut conn, &new).await.unwrap(), None);
        set_gate_message(&mut conn, id, 55).await.unwrap();
        let gate = gate(&mut conn, id).await.unwrap().unwrap();
        assert_eq!((gate.message_id, gate.answer), (Some(55), 1));
        assert!(close_expired(&mut conn, 199).await.unwrap().is_empty());
        assert_eq!(close_expired(&mut conn, 200).await.unwrap().len(), 1);
        assert_eq!(close_gate(&mut conn, id).await.unwrap(), None);
    }

    #[sqlx::test]
    async fn joins_dedupe_and_queue_drains_in_order(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        assert!(record_join(&mut conn, -1, 7, 100, 60).await.unwrap());
        assert!(!record_join(&mut conn, -1, 7, 101, 60).await.unwrap());
        assert!(record_join(&mut conn, -1, 7, 200, 60).await.unwrap());
        record_leave(&mut conn, -1, 7).await.unwrap();
        assert!(
            record_join(&mut conn, -1, 7, 200, 60).await.unwrap(),
            "a rejoin after leaving is a new join"
        );
        assert!(!record_join(&mut conn, -1, 7, 200, 60).await.unwrap());
        assert_eq!(join_times(&mut conn, -1, 150).await.unwrap(), vec![200]);
        // Update 31 records a join; its second copy (update 32) is passed over, but update 31 sent again
        // after a crash records it again.
        use crate::storage::handled::CURRENT_UPDATE;
        let join = async |conn: &mut SqliteConnection, update: i64| {
            CURRENT_UPDATE
                .scope(update, record_join(conn, -1, 8, 300, 60))
                .await
                .unwrap()
        };
        assert!(join(&mut conn, 31).await);
        assert!(!join(&mut conn, 32).await, "the other copy of the join");
        assert!(join(&mut conn, 31).await, "the same update sent again");
        assert!(!join(&mut conn, 32).await);
        for (i, at) in [(2, 10), (1, 11)] {
            let q = Queued {
                user_id: i,
                first_name: format!("u{i}"),
                full_name: format!("u{i}"),
                username: None,
            };
            enqueue(&mut conn, -1, &q, at).await.unwrap();
        }
        assert!(due_queues(&mut conn, 9).await.unwrap().is_empty());
        assert_eq!(due_queues(&mut conn, 10).await.unwrap(), vec![-1]);
        let taken = take_queue(&mut conn, -1).await.unwrap();
        assert_eq!(
            taken.iter().map(|q| q.user_id).collect::<Vec<_>>(),
            vec![2, 1]
        );
        assert!(take_queue(&mut conn, -1).await.unwrap().is_empty());
    }

    #[sqlx::test]
    async fn held_members_are_released_only_after_the_raid(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let member = Queued {
            user_id: 7,
            first_name: "Ann".into(),
            full_name: "Ann".into(),
            username: None,
        };
        set(&mut conn, -1, Column::RaidUntil, Choice::Int(100))
            .await
            .unwrap();
        hold(&mut conn, -1, &member, 50).await.unwrap();
        assert!(take_releases(&mut conn, 99).await.unwrap().is_empty());
        assert_eq!(
            release(&mut conn, -1, 7).await.unwrap(),
            None,
            "raid still on"
        );
        assert_eq!(take_releases(&mut conn, 100).await.unwrap(), vec![(-1, 1)]);
        assert!(
            take_releases(&mut conn, 101).await.unwrap().is_empty(),
            "told once"
        );
        assert_eq!(release(&mut conn, -1, 8).await.unwrap(), None);
        assert_eq!(release(&mut conn, -1, 7).await.unwrap(), Some(member));
        assert_eq!(release(&mut conn, -1, 7).await.unwrap(), None);
    }

    fn waiting_gate(user_id: i64, now: i64) -> NewGate<'static> {
        NewGate {
            chat_id: -1,
            user_id,
            user_name: "Ann",
            kind: Mode::Button,
            via_request: false,
            message_chat: -1,
            options: &[],
            answer: 0,
            deadline: UNASKED,
            now,
        }
    }

    #[sqlx::test]
    async fn waiting_gates_are_asked_together_and_time_out_only_once_sent(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        for user in [7, 8, 9] {
            open_gate(&mut conn, &waiting_gate(user, 100))
                .await
                .unwrap();
        }
        assert!(
            groups_with_unasked(&mut conn, 99).await.unwrap().is_empty(),
            "still collecting joins"
        );
        assert_eq!(groups_with_unasked(&mut conn, 100).await.unwrap(), vec![-1]);
        assert!(claim_slot(&mut conn, -1, Slot::Captcha, 100, 12)
            .await
            .unwrap());
        assert!(
            !claim_slot(&mut conn, -1, Slot::Captcha, 111, 12)
                .await
                .unwrap(),
            "the gap has not passed"
        );
        assert!(
            claim_slot(&mut conn, -1, Slot::Welcome, 111, 12)
                .await
                .unwrap(),
            "welcomes keep their own gap"
        );
        let options = vec!["1".to_string(), "2".to_string()];
        let new = NewBatch {
            chat_id: -1,
            kind: Mode::Math,
            question: "1 + 1 = ?",
            options: &options,
            answer: 1,
            timeout: 60,
            limit: 2,
            now: 100,
        };
        let (batch, gates) = form_batch(&mut conn, &new).await.unwrap().unwrap();
        assert_eq!(
            gates.iter().map(|g| g.user_id).collect::<Vec<_>>(),
            vec![7, 8]
        );
        assert!(gates.iter().all(|g| g.answer == 1 && g.kind == Mode::Math));
        assert!(
            has_unasked(&mut conn, -1, 100).await.unwrap(),
            "9 waits for the next one"
        );
        // Not sent yet: nobody times out, however late it is.
        assert!(close_expired(&mut conn, 10_000).await.unwrap().is_empty());
        assert_eq!(unsent_batches(&mut conn).await.unwrap().len(), 1);
        assert_eq!(
            batch_sent(&mut conn, batch.id, 55, 500).await.unwrap(),
            Some(2)
        );
        assert_eq!(
            batch_sent(&mut conn, batch.id, 55, 600).await.unwrap(),
            None
        );
        let ann = gate_in_batch(&mut conn, batch.id, 7)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((ann.deadline, ann.message_id), (560, Some(55)));
        assert!(gate_in_batch(&mut conn, batch.id, 9)
            .await
            .unwrap()
            .is_none());
        assert_eq!(close_expired(&mut conn, 560).await.unwrap().len(), 2);
        assert_eq!(open_in_batch(&mut conn, batch.id).await.unwrap(), 0);
        let held = take_unasked(&mut conn, -1).await.unwrap();
        assert_eq!(held.iter().map(|g| g.user_id).collect::<Vec<_>>(), vec![9]);
        assert!(form_batch(&mut conn, &new).await.unwrap().is_none());
    }

    #[sqlx::test]
    async fn a_request_pass_is_taken_once(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        record_request_pass(&mut conn, -1, 7, 100).await.unwrap();
        assert!(!take_request_pass(&mut conn, -1, 8, 0).await.unwrap());
        assert!(take_request_pass(&mut conn, -1, 7, 50).await.unwrap());
        assert!(!take_request_pass(&mut conn, -1, 7, 50).await.unwrap());
        record_request_pass(&mut conn, -1, 7, 100).await.unwrap();
        assert!(
            !take_request_pass(&mut conn, -1, 7, 150).await.unwrap(),
            "too old"
        );
    }

    #[sqlx::test]
    async fn choices_default_then_stick(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        assert_eq!(
            choices(&mut conn, -1).await.unwrap(),
            GroupChoices::fresh(-1)
        );
        set(&mut conn, -1, Column::CaptchaMode, Choice::Mode(Mode::Math))
            .await
            .unwrap();
        set(&mut conn, -1, Column::WelcomeOn, Choice::Int(0))
            .await
            .unwrap();
        let got = choices(&mut conn, -1).await.unwrap();
        assert_eq!(got.captcha_mode, Some(Mode::Math));
        assert!(!got.welcome_on && got.clean_welcome);
        assert_eq!(swap_last_welcome(&mut conn, -1, 5).await.unwrap(), None);
        assert_eq!(swap_last_welcome(&mut conn, -1, 6).await.unwrap(), Some(5));
        assert!(may_warn(&mut conn, -1, 1000, 3600).await.unwrap());
        assert!(!may_warn(&mut conn, -1, 1001, 3600).await.unwrap());
    }

    #[sqlx::test]
    async fn a_prior_restriction_is_saved_once_and_taken_once(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let muted = Prior {
            permissions: 0,
            until: 5_000,
        };
        save_prior(&mut conn, -1, 7, Some(muted), 100)
            .await
            .unwrap();
        // The gate's own restriction, seen on a rejoin, does not replace it.
        let gate = Prior {
            permissions: 0,
            until: 0,
        };
        save_prior(&mut conn, -1, 7, Some(gate), 200).await.unwrap();
        save_prior(&mut conn, -1, 8, None, 200).await.unwrap();
        assert!(has_prior(&mut conn, -1, 8).await.unwrap());
        assert_eq!(take_prior(&mut conn, -1, 7).await.unwrap(), Some(muted));
        assert_eq!(take_prior(&mut conn, -1, 7).await.unwrap(), None);
        assert_eq!(take_prior(&mut conn, -1, 8).await.unwrap(), None);
        assert!(!has_prior(&mut conn, -1, 8).await.unwrap());
    }

    #[sqlx::test]
    async fn a_kept_join_counts_its_attempts_until_forgotten(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let at = |attempts: i64| 100 * attempts;
        assert_eq!(
            keep_join_retry(&mut conn, -1, 7, "c", "m", "a", at)
                .await
                .unwrap(),
            1
        );
        assert!(due_join_retries(&mut conn, 99).await.unwrap().is_empty());
        assert_eq!(
            keep_join_retry(&mut conn, -1, 7, "c", "m", "a", at)
                .await
                .unwrap(),
            2
        );
        assert!(due_join_retries(&mut conn, 199).await.unwrap().is_empty());
        let due = due_join_retries(&mut conn, 200).await.unwrap();
        assert_eq!((due.len(), due[0].attempts), (1, 2));
        forget_join_retry(&mut conn, -1, 7).await.unwrap();
        assert!(due_join_retries(&mut conn, 1_000).await.unwrap().is_empty());
    }
}
