//! The SQL of scheduled posts: the schedules, their runs, and their pending run in the scheduler.

use super::when::{Plan, Rule};
use crate::error::Result;
use crate::scheduler::store as timers;
use sqlx::SqliteConnection;

/// The scheduler kind of a schedule's next run (payload: the schedule's id).
pub const POST_KIND: &str = "schedule.post";
/// The scheduler kind of removing a sent post (payload: the message id).
pub const DELETE_KIND: &str = "schedule.delete";

/// What a post is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentKind {
    /// Text with its formatting.
    Text,
    /// A photo with an optional caption.
    Photo,
    /// A video with an optional caption.
    Video,
    /// A file with an optional caption.
    Document,
    /// A GIF animation with an optional caption.
    Animation,
}

impl ContentKind {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            ContentKind::Text => "text",
            ContentKind::Photo => "photo",
            ContentKind::Video => "video",
            ContentKind::Document => "document",
            ContentKind::Animation => "animation",
        }
    }

    fn from_name(name: &str) -> ContentKind {
        match name {
            "photo" => ContentKind::Photo,
            "video" => ContentKind::Video,
            "document" => ContentKind::Document,
            "animation" => ContentKind::Animation,
            _ => ContentKind::Text,
        }
    }
}

/// What to post again: the text (or caption) with its formatting as JSON entities, the file id of a
/// media post, and its inline buttons as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    /// What it is.
    pub kind: ContentKind,
    /// The text or caption.
    pub body: String,
    /// Its formatting (Telegram's message entities, as JSON).
    pub entities: String,
    /// The file of a photo, video, document or animation.
    pub file_id: Option<String>,
    /// The inline keyboard (as JSON), if any.
    pub markup: Option<String>,
}

/// Whether a schedule still runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It runs at its next time.
    Active,
    /// An admin paused it.
    Paused,
    /// It ran its last time.
    Finished,
}

impl Status {
    fn from_name(name: &str) -> Status {
        match name {
            "paused" => Status::Paused,
            "finished" => Status::Finished,
            _ => Status::Active,
        }
    }
}

/// One scheduled post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Its id, shown as `#id`.
    pub id: i64,
    /// The group.
    pub chat_id: i64,
    /// The forum topic it posts in, if any.
    pub thread_id: Option<i64>,
    /// The admin who set it.
    pub created_by: i64,
    /// `<when>` and the options as the admin wrote them.
    pub written: String,
    /// When and how it runs.
    pub plan: Plan,
    /// When an `every` interval started counting.
    pub anchor_at: i64,
    /// How many times it ran.
    pub runs: i64,
    /// What it posts.
    pub content: Content,
    /// Whether it still runs.
    pub status: Status,
    /// Its pending run in the scheduler.
    pub timer_id: Option<i64>,
    /// The last post it sent (unpinned when the next is pinned).
    pub last_message_id: Option<i64>,
    /// When it runs next (from its pending run), if it does.
    pub next_at: Option<i64>,
}

type Row = (
    i64,
    i64,
    Option<i64>,
    i64,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    i64,
    Option<i64>,
    Option<i64>,
    (
        i64,
        bool,
        Option<i64>,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    ),
);

const COLUMNS: &str = "s.id, s.chat_id, s.thread_id, s.created_by, s.written, s.rule, s.cron, s.once_at,
    s.every_secs, s.anchor_at, s.until_at, s.max_runs, s.runs, s.pin, s.delete_after, s.content_kind,
    s.body, s.entities, s.file_id, s.markup, s.status, s.timer_id, s.last_message_id, t.due_at";

fn from_row(row: Row) -> Schedule {
    let (
        id,
        chat_id,
        thread_id,
        created_by,
        written,
        rule,
        cron,
        once_at,
        every,
        anchor_at,
        until,
        max,
    ) = (
        row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11,
    );
    let (runs, pin, delete_after, kind, body, entities, file_id, markup, status, timer, last, next) =
        row.12;
    let rule = match rule.as_str() {
        "once" => Rule::Once(once_at.unwrap_or_default()),
        "every" => Rule::Every(every.unwrap_or(3_600)),
        _ => Rule::Cron(cron.unwrap_or_default()),
    };
    Schedule {
        id,
        chat_id,
        thread_id,
        created_by,
        written,
        plan: Plan {
            rule,
            until,
            count: max,
            pin,
            delete_after,
        },
        anchor_at,
        runs,
        content: Content {
            kind: ContentKind::from_name(&kind),
            body,
            entities,
            file_id,
            markup,
        },
        status: Status::from_name(&status),
        timer_id: timer,
        last_message_id: last,
        next_at: next,
    }
}

/// Reads one row of the wide select (sqlx's tuples stop at 16 columns, so the tail is nested).
fn decode(row: &sqlx::sqlite::SqliteRow) -> std::result::Result<Row, sqlx::Error> {
    use sqlx::Row as _;
    Ok((
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
        row.try_get(4)?,
        row.try_get(5)?,
        row.try_get(6)?,
        row.try_get(7)?,
        row.try_get(8)?,
        row.try_get(9)?,
        row.try_get(10)?,
        row.try_get(11)?,
        (
            row.try_get(12)?,
            row.try_get(13)?,
            row.try_get(14)?,
            row.try_get(15)?,
            row.try_get(16)?,
            row.try_get(17)?,
            row.try_get(18)?,
            row.try_get(19)?,
            row.try_get(20)?,
            row.try_get(21)?,
            row.try_get(22)?,
            row.try_get(23)?,
        ),
    ))
}

/// One schedule by id.
pub async fn get(conn: &mut SqliteConnection, id: i64) -> Result<Option<Schedule>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM schedules s LEFT JOIN timers t ON t.id = s.timer_id WHERE s.id = ?"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(row) => Some(from_row(decode(&row)?)),
        None => None,
    })
}

/// A group's schedules that are active or paused, oldest first.
pub async fn list(conn: &mut SqliteConnection, chat_id: i64) -> Result<Vec<Schedule>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM schedules s LEFT JOIN timers t ON t.id = s.timer_id
         WHERE s.chat_id = ? AND s.status <> 'finished' ORDER BY s.id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(chat_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|row| Ok(from_row(decode(row)?))).collect()
}

/// How many schedules a group has that are active or paused.
pub async fn count_live(conn: &mut SqliteConnection, chat_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM schedules WHERE chat_id = ? AND status <> 'finished'",
    )
    .bind(chat_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// A schedule to store.
pub struct NewSchedule<'a> {
    /// The group.
    pub chat_id: i64,
    /// The forum topic, if any.
    pub thread_id: Option<i64>,
    /// The admin who set it.
    pub created_by: i64,
    /// What they wrote after the command.
    pub written: &'a str,
    /// When and how.
    pub plan: &'a Plan,
    /// What to post.
    pub content: &'a Content,
    /// Now (the anchor of an interval).
    pub now: i64,
    /// Its first run.
    pub first_at: i64,
}

/// Stores a schedule with its first run in the scheduler, inside the caller's transaction; returns its id.
pub async fn insert(conn: &mut SqliteConnection, new: NewSchedule<'_>) -> Result<i64> {
    let (rule, cron, once_at, every) = match &new.plan.rule {
        Rule::Once(at) => ("once", None, Some(*at), None),
        Rule::Cron(expression) => ("cron", Some(expression.clone()), None, None),
        Rule::Every(secs) => ("every", None, None, Some(*secs)),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO schedules (chat_id, thread_id, created_by, created_at, written, rule, cron, once_at,
             every_secs, anchor_at, until_at, max_runs, pin, delete_after, content_kind, body, entities,
             file_id, markup)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(new.chat_id)
    .bind(new.thread_id)
    .bind(new.created_by)
    .bind(new.now)
    .bind(new.written)
    .bind(rule)
    .bind(cron)
    .bind(once_at)
    .bind(every)
    .bind(new.now)
    .bind(new.plan.until)
    .bind(new.plan.count)
    .bind(new.plan.pin)
    .bind(new.plan.delete_after)
    .bind(new.content.kind.name())
    .bind(&new.content.body)
    .bind(&new.content.entities)
    .bind(&new.content.file_id)
    .bind(&new.content.markup)
    .fetch_one(&mut *conn)
    .await?;
    let timer = timers::add(
        conn,
        new.first_at,
        POST_KIND,
        new.chat_id,
        &id.to_string(),
        new.now,
    )
    .await?;
    set_timer(conn, id, Some(timer)).await?;
    Ok(id)
}

async fn set_timer(conn: &mut SqliteConnection, id: i64, timer: Option<i64>) -> Result<()> {
    sqlx::query("UPDATE schedules SET timer_id = ? WHERE id = ?")
        .bind(timer)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How a run ended, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Posted on time.
    Posted,
    /// Posted after its time.
    Late,
    /// Too late to post; reported to the admins.
    Missed,
    /// Posted by an admin's "run now".
    Manual,
}

impl Outcome {
    fn name(self) -> &'static str {
        match self {
            Outcome::Posted => "posted",
            Outcome::Late => "late",
            Outcome::Missed => "missed",
            Outcome::Manual => "manual",
        }
    }
}

/// Records that a schedule's run at `occurrence` happened; false when it was recorded before (it never
/// runs twice).
pub async fn record_run(
    conn: &mut SqliteConnection,
    schedule: &Schedule,
    occurrence: i64,
    now: i64,
    outcome: Outcome,
) -> Result<bool> {
    Ok(sqlx::query(
        "INSERT OR IGNORE INTO schedule_runs (schedule_id, chat_id, occurrence, ran_at, outcome)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(schedule.id)
    .bind(schedule.chat_id)
    .bind(occurrence)
    .bind(now)
    .bind(outcome.name())
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// After a planned run: one more run counted, and finished when there is no next one.
pub async fn ran(conn: &mut SqliteConnection, id: i64, more: bool) -> Result<()> {
    sqlx::query(
        "UPDATE schedules SET runs = runs + 1,
             status = CASE WHEN ? THEN status ELSE 'finished' END,
             timer_id = CASE WHEN ? THEN timer_id ELSE NULL END
         WHERE id = ?",
    )
    .bind(more)
    .bind(more)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Notes the message a run sent; returns the one the schedule sent before (to unpin).
pub async fn sent(
    conn: &mut SqliteConnection,
    id: i64,
    occurrence: i64,
    message_id: i64,
) -> Result<Option<i64>> {
    sqlx::query("UPDATE schedule_runs SET message_id = ? WHERE schedule_id = ? AND occurrence = ?")
        .bind(message_id)
        .bind(id)
        .bind(occurrence)
        .execute(&mut *conn)
        .await?;
    let previous: Option<Option<i64>> =
        sqlx::query_scalar("SELECT last_message_id FROM schedules WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    sqlx::query("UPDATE schedules SET last_message_id = ? WHERE id = ?")
        .bind(message_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(previous.flatten())
}

/// Pauses a schedule: its pending run goes. Returns whether it was active.
pub async fn pause(conn: &mut SqliteConnection, schedule: &Schedule) -> Result<bool> {
    if let Some(timer) = schedule.timer_id {
        timers::remove(conn, timer).await?;
    }
    Ok(sqlx::query(
        "UPDATE schedules SET status = 'paused', timer_id = NULL WHERE id = ? AND status = 'active'",
    )
    .bind(schedule.id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// Resumes a paused schedule with its next run at `next_at`. Returns whether it was paused.
pub async fn resume(
    conn: &mut SqliteConnection,
    schedule: &Schedule,
    next_at: i64,
    now: i64,
) -> Result<bool> {
    let resumed =
        sqlx::query("UPDATE schedules SET status = 'active' WHERE id = ? AND status = 'paused'")
            .bind(schedule.id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            == 1;
    if resumed {
        let timer = timers::add(
            conn,
            next_at,
            POST_KIND,
            schedule.chat_id,
            &schedule.id.to_string(),
            now,
        )
        .await?;
        set_timer(conn, schedule.id, Some(timer)).await?;
    }
    Ok(resumed)
}

/// Deletes a schedule, its runs and its pending run.
pub async fn delete(conn: &mut SqliteConnection, schedule: &Schedule) -> Result<()> {
    if let Some(timer) = schedule.timer_id {
        timers::remove(conn, timer).await?;
    }
    sqlx::query("DELETE FROM schedule_runs WHERE schedule_id = ?")
        .bind(schedule.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM schedules WHERE id = ?")
        .bind(schedule.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How many runs of a schedule were recorded with each outcome name (for tests and checks).
pub async fn runs(conn: &mut SqliteConnection, id: i64) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT occurrence, outcome FROM schedule_runs WHERE schedule_id = ? ORDER BY occurrence",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    fn content() -> Content {
        Content {
            kind: ContentKind::Text,
            body: "早安".into(),
            entities: "[]".into(),
            file_id: None,
            markup: None,
        }
    }

    async fn add(conn: &mut SqliteConnection, chat_id: i64) -> i64 {
        let plan = Plan {
            rule: Rule::Cron("0 8 * * *".into()),
            until: None,
            count: None,
            pin: true,
            delete_after: Some(60),
        };
        insert(
            conn,
            NewSchedule {
                chat_id,
                thread_id: None,
                created_by: 7,
                written: "every day 08:00 pin",
                plan: &plan,
                content: &content(),
                now: 10,
                first_at: 100,
            },
        )
        .await
        .unwrap()
    }

    #[sqlx::test]
    async fn a_schedule_keeps_its_plan_content_and_next_run(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let id = add(&mut conn, -5).await;
        let stored = get(&mut conn, id).await.unwrap().unwrap();
        assert_eq!(stored.plan.rule, Rule::Cron("0 8 * * *".into()));
        assert!(stored.plan.pin);
        assert_eq!(stored.content, content());
        assert_eq!(stored.next_at, Some(100));
        assert!(pause(&mut conn, &stored).await.unwrap());
        let paused = get(&mut conn, id).await.unwrap().unwrap();
        assert_eq!((paused.status, paused.next_at), (Status::Paused, None));
        assert!(resume(&mut conn, &paused, 200, 150).await.unwrap());
        assert_eq!(
            get(&mut conn, id).await.unwrap().unwrap().next_at,
            Some(200)
        );
        assert!(record_run(&mut conn, &stored, 100, 100, Outcome::Posted)
            .await
            .unwrap());
        assert!(!record_run(&mut conn, &stored, 100, 101, Outcome::Late)
            .await
            .unwrap());
        assert_eq!(sent(&mut conn, id, 100, 1_000).await.unwrap(), None);
        assert_eq!(sent(&mut conn, id, 100, 1_001).await.unwrap(), Some(1_000));
    }

    #[sqlx::test]
    async fn schedules_follow_the_supergroup_move_and_the_purge(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let id = add(&mut conn, -5).await;
        let stored = get(&mut conn, id).await.unwrap().unwrap();
        record_run(&mut conn, &stored, 100, 100, Outcome::Posted)
            .await
            .unwrap();
        crate::storage::move_chat(&mut conn, -5, -1_005)
            .await
            .unwrap();
        let moved = get(&mut conn, id).await.unwrap().unwrap();
        assert_eq!((moved.chat_id, moved.next_at), (-1_005, Some(100)));
        let timer_chat: i64 = sqlx::query_scalar("SELECT chat_id FROM timers")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(timer_chat, -1_005);
        crate::storage::privacy::purge_chat(&mut conn, -1_005)
            .await
            .unwrap();
        for table in ["schedules", "schedule_runs", "timers"] {
            let left: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                    .fetch_one(&mut *conn)
                    .await
                    .unwrap();
            assert_eq!(left, 0, "{table}");
        }
    }
}
