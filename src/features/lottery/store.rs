//! The SQL of lotteries: definitions and prize tiers, entries, draws, wins and redemption codes.

use crate::error::Result;
use crate::facts::standing::Exclusion;
use sqlx::{FromRow, SqliteConnection};

/// A lottery as stored.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct Lottery {
    /// The id (shown as `L<id>`).
    pub id: i64,
    pub chat_id: i64,
    pub title: String,
    /// The admin who created it.
    pub creator: i64,
    /// When it was created, Unix seconds.
    pub created_at: i64,
    /// When the draw happens, Unix seconds, if the rule has a time.
    pub draw_at: Option<i64>,
    /// How many participants trigger the draw, if the rule has a threshold.
    pub threshold: Option<i64>,
    /// The word members may type to join.
    pub join_keyword: Option<String>,
    /// The lowest level (LV1 = 1) needed to join.
    pub min_level: Option<i64>,
    /// The days in the group needed to join.
    pub min_days: Option<i64>,
    /// Whether members must have spoken before.
    pub need_spoke: bool,
    /// The floor prize's name, if any.
    pub floor_name: Option<String>,
    /// The floor prize's points, when it is a points prize.
    pub floor_points: Option<i64>,
    /// The seed in hex (secret until drawn).
    pub seed: String,
    /// The published commitment.
    pub commitment: String,
    /// Whether it is open, drawn or cancelled.
    #[sqlx(try_from = "String")]
    pub status: Status,
    /// Whether the draw came late (the bot was down at draw time).
    pub late: bool,
    /// The participant-list hash, once drawn.
    pub list_hash: Option<String>,
    /// The announcement message, once sent.
    pub message_id: Option<i64>,
    /// The forum topic of the announcement.
    pub thread_id: Option<i64>,
    /// The participant count the announcement shows.
    pub shown_count: i64,
}

/// Where a lottery stands; stored as `open`, `drawn` or `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Members may join; the draw has not happened.
    Open,
    /// The draw happened and its winners are recorded.
    Drawn,
    /// An admin cancelled it before the draw.
    Cancelled,
}

impl TryFrom<String> for Status {
    type Error = String;

    fn try_from(word: String) -> std::result::Result<Self, String> {
        match word.as_str() {
            "open" => Ok(Status::Open),
            "drawn" => Ok(Status::Drawn),
            "cancelled" => Ok(Status::Cancelled),
            _ => Err(format!("unknown lottery status {word:?}")),
        }
    }
}

/// One prize tier as stored.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct PrizeRow {
    /// 1 for the top prize.
    pub tier: i64,
    /// The prize as written.
    pub name: String,
    /// Its points, for points prizes.
    pub points: Option<i64>,
    /// How many winners the tier has.
    pub count: i64,
}

/// One win as stored.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct Win {
    pub lottery_id: i64,
    pub chat_id: i64,
    pub user_id: i64,
    /// The tier (0 = the floor prize).
    pub tier: i64,
    /// The prize's name.
    pub prize: String,
    /// Points credited, for points prizes.
    pub points: Option<i64>,
    /// The redemption code, for other prizes.
    pub code: Option<String>,
    /// When the code was redeemed.
    pub redeemed_at: Option<i64>,
}

/// A lottery to create.
#[derive(Debug, Clone)]
pub struct NewLottery<'a> {
    pub chat_id: i64,
    pub title: &'a str,
    pub creator: i64,
    /// Unix seconds.
    pub now: i64,
    pub draw_at: Option<i64>,
    pub threshold: Option<i64>,
    pub join_keyword: Option<&'a str>,
    pub min_level: Option<i64>,
    pub min_days: Option<i64>,
    /// Whether members must have spoken.
    pub need_spoke: bool,
    /// The floor prize: name and points (for points prizes).
    pub floor: Option<(&'a str, Option<i64>)>,
    pub thread_id: Option<i64>,
    /// The tiers, top first: name, points, count.
    pub prizes: &'a [(String, Option<i64>, i64)],
}

const COLUMNS: &str = "id, chat_id, title, creator, created_at, draw_at, threshold, join_keyword, min_level, min_days,
    need_spoke, floor_name, floor_points, seed, commitment, status, late, list_hash, message_id, thread_id,
    shown_count";

/// Creates a lottery with its tiers (run it inside a transaction). `commit` receives the new id and returns
/// the seed (hex) and commitment to store, since the commitment covers the id.
pub async fn insert(
    conn: &mut SqliteConnection,
    new: &NewLottery<'_>,
    commit: impl FnOnce(i64) -> (String, String),
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO lotteries (chat_id, title, creator, created_at, draw_at, threshold, join_keyword,
             min_level, min_days, need_spoke, floor_name, floor_points, seed, commitment, thread_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', ?) RETURNING id",
    )
    .bind(new.chat_id)
    .bind(new.title)
    .bind(new.creator)
    .bind(new.now)
    .bind(new.draw_at)
    .bind(new.threshold)
    .bind(new.join_keyword)
    .bind(new.min_level)
    .bind(new.min_days)
    .bind(new.need_spoke)
    .bind(new.floor.map(|f| f.0))
    .bind(new.floor.and_then(|f| f.1))
    .bind(new.thread_id)
    .fetch_one(&mut *conn)
    .await?;
    let (seed, commitment) = commit(id);
    sqlx::query("UPDATE lotteries SET seed = ?, commitment = ? WHERE id = ?")
        .bind(seed)
        .bind(commitment)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for (index, (name, points, count)) in new.prizes.iter().enumerate() {
        sqlx::query(
            "INSERT INTO lottery_prizes (lottery_id, chat_id, tier, name, points, count)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(new.chat_id)
        .bind(index as i64 + 1)
        .bind(name)
        .bind(points)
        .bind(count)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// A lottery by id.
pub async fn get(conn: &mut SqliteConnection, id: i64) -> Result<Option<Lottery>> {
    let sql = format!("SELECT {COLUMNS} FROM lotteries WHERE id = ?");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// The open lottery of a group that members join by typing `keyword`, if any.
pub async fn open_by_keyword(
    conn: &mut SqliteConnection,
    chat_id: i64,
    keyword: &str,
) -> Result<Option<Lottery>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM lotteries
         WHERE chat_id = ? AND status = 'open' AND join_keyword = ? ORDER BY id LIMIT 1"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(chat_id)
        .bind(keyword)
        .fetch_optional(conn)
        .await?)
}

/// The join keywords of a group's open lotteries.
pub async fn open_keywords(conn: &mut SqliteConnection, chat_id: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT join_keyword FROM lotteries
         WHERE chat_id = ? AND status = 'open' AND join_keyword IS NOT NULL",
    )
    .bind(chat_id)
    .fetch_all(conn)
    .await?)
}

/// When a lottery's `threshold`-th member joined (the moment a threshold lottery fell due), if that many
/// joined.
pub async fn threshold_reached_at(
    conn: &mut SqliteConnection,
    id: i64,
    threshold: i64,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT joined_at FROM lottery_entries WHERE lottery_id = ?
         ORDER BY joined_at, user_id LIMIT 1 OFFSET ?",
    )
    .bind(id)
    .bind(threshold.saturating_sub(1).max(0))
    .fetch_optional(conn)
    .await?)
}

/// The open lotteries of a group, oldest first.
pub async fn open_in_chat(conn: &mut SqliteConnection, chat_id: i64) -> Result<Vec<Lottery>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM lotteries WHERE chat_id = ? AND status = 'open' ORDER BY id"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(chat_id)
        .fetch_all(conn)
        .await?)
}

/// The prize tiers of a lottery, top first.
pub async fn prizes(conn: &mut SqliteConnection, id: i64) -> Result<Vec<PrizeRow>> {
    Ok(sqlx::query_as(
        "SELECT tier, name, points, count FROM lottery_prizes WHERE lottery_id = ? ORDER BY tier",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// Adds a member to a lottery while it is still open; false when they were already in or it was drawn or
/// cancelled meanwhile (so no entry ever lands after the draw read the participant list).
pub async fn join(
    conn: &mut SqliteConnection,
    lottery: &Lottery,
    user_id: i64,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT OR IGNORE INTO lottery_entries (lottery_id, chat_id, user_id, joined_at)
         SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM lotteries WHERE id = ?1 AND status = 'open')",
    )
    .bind(lottery.id)
    .bind(lottery.chat_id)
    .bind(user_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many members joined a lottery.
pub async fn entry_count(conn: &mut SqliteConnection, id: i64) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM lottery_entries WHERE lottery_id = ?")
            .bind(id)
            .fetch_one(conn)
            .await?,
    )
}

/// Whether a member joined a lottery.
pub async fn has_joined(conn: &mut SqliteConnection, id: i64, user_id: i64) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM lottery_entries WHERE lottery_id = ? AND user_id = ?)",
    )
    .bind(id)
    .bind(user_id)
    .fetch_one(conn)
    .await?)
}

/// The participant ids of a lottery, ascending.
pub async fn participants(conn: &mut SqliteConnection, id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT user_id FROM lottery_entries WHERE lottery_id = ? ORDER BY user_id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// The participants a drawn lottery's draw was over: every entry but the excluded ones, ascending.
pub async fn drawn_participants(conn: &mut SqliteConnection, id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT user_id FROM lottery_entries WHERE lottery_id = ? AND excluded IS NULL ORDER BY user_id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// Records why an entry is left out of the draw.
pub async fn exclude(
    conn: &mut SqliteConnection,
    id: i64,
    user_id: i64,
    why: Exclusion,
) -> Result<()> {
    sqlx::query("UPDATE lottery_entries SET excluded = ? WHERE lottery_id = ? AND user_id = ?")
        .bind(why.name())
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The entries left out of a lottery's draw, with why, ascending by member.
pub async fn exclusions(conn: &mut SqliteConnection, id: i64) -> Result<Vec<(i64, Exclusion)>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT user_id, excluded FROM lottery_entries WHERE lottery_id = ? AND excluded IS NOT NULL
         ORDER BY user_id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(user, why)| Exclusion::parse(&why).map(|why| (user, why)))
        .collect())
}

/// The open lotteries that must be drawn at `now`: their time came, or their threshold was reached.
pub async fn due(conn: &mut SqliteConnection, now: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT l.id FROM lotteries l WHERE l.status = 'open' AND (
             (l.draw_at IS NOT NULL AND l.draw_at <= ?)
             OR (l.threshold IS NOT NULL
                 AND (SELECT COUNT(*) FROM lottery_entries e WHERE e.lottery_id = l.id) >= l.threshold))
         ORDER BY l.id",
    )
    .bind(now)
    .fetch_all(conn)
    .await?)
}

/// Open lotteries whose announcement shows an outdated count and was not edited since `edited_before`:
/// (lottery, current count).
pub async fn stale_counts(
    conn: &mut SqliteConnection,
    edited_before: i64,
) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT id, n FROM (
             SELECT l.id, l.shown_count, l.count_edited_at, l.message_id,
                    (SELECT COUNT(*) FROM lottery_entries e WHERE e.lottery_id = l.id) AS n
             FROM lotteries l WHERE l.status = 'open')
         WHERE message_id IS NOT NULL AND n <> shown_count AND count_edited_at <= ? ORDER BY id",
    )
    .bind(edited_before)
    .fetch_all(conn)
    .await?)
}

/// Records the announcement's message id.
pub async fn set_message(conn: &mut SqliteConnection, id: i64, message_id: i64) -> Result<()> {
    sqlx::query("UPDATE lotteries SET message_id = ? WHERE id = ?")
        .bind(message_id)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records that the announcement now shows `count` participants.
pub async fn set_shown_count(
    conn: &mut SqliteConnection,
    id: i64,
    count: i64,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE lotteries SET shown_count = ?, count_edited_at = ? WHERE id = ?")
        .bind(count)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks an open lottery drawn; false when it was no longer open (drawn or cancelled meanwhile).
pub async fn mark_drawn(
    conn: &mut SqliteConnection,
    id: i64,
    now: i64,
    late: bool,
    list_hash: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE lotteries SET status = 'drawn', closed_at = ?, late = ?, list_hash = ?
         WHERE id = ? AND status = 'open'",
    )
    .bind(now)
    .bind(late)
    .bind(list_hash)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Cancels an open lottery of a group; false when it was not open.
pub async fn cancel(conn: &mut SqliteConnection, id: i64, now: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE lotteries SET status = 'cancelled', closed_at = ? WHERE id = ? AND status = 'open'",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a win. A code collision (astronomically rare) is reported as `Ok(false)` so the caller can draw
/// another code.
pub async fn insert_win(conn: &mut SqliteConnection, win: &Win) -> Result<bool> {
    let result = sqlx::query(
        "INSERT INTO lottery_wins (lottery_id, chat_id, user_id, tier, prize, points, code)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(win.lottery_id)
    .bind(win.chat_id)
    .bind(win.user_id)
    .bind(win.tier)
    .bind(&win.prize)
    .bind(win.points)
    .bind(&win.code)
    .execute(conn)
    .await;
    match result {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(err))
            if err.is_unique_violation() && err.message().contains("code") =>
        {
            Ok(false)
        }
        Err(err) => Err(err.into()),
    }
}

const WIN_COLUMNS: &str = "lottery_id, chat_id, user_id, tier, prize, points, code, redeemed_at";

/// The wins of a lottery, by tier (the floor prize last).
pub async fn wins(conn: &mut SqliteConnection, id: i64) -> Result<Vec<Win>> {
    let sql = format!(
        "SELECT {WIN_COLUMNS} FROM lottery_wins WHERE lottery_id = ?
         ORDER BY CASE WHEN tier = 0 THEN 1 ELSE 0 END, tier, rowid"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(conn)
        .await?)
}

/// The win that carries a redemption code, in a group.
pub async fn win_by_code(
    conn: &mut SqliteConnection,
    chat_id: i64,
    code: &str,
) -> Result<Option<Win>> {
    let sql = format!("SELECT {WIN_COLUMNS} FROM lottery_wins WHERE chat_id = ? AND code = ?");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(chat_id)
        .bind(code)
        .fetch_optional(conn)
        .await?)
}

/// Marks a code redeemed; false when it was already used (or unknown).
pub async fn redeem(
    conn: &mut SqliteConnection,
    chat_id: i64,
    code: &str,
    by: i64,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE lottery_wins SET redeemed_at = ?, redeemed_by = ?
         WHERE chat_id = ? AND code = ? AND redeemed_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(chat_id)
    .bind(code)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An unredeemed code of a member, with its lottery's title.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct OwnedCode {
    /// The win that carries the code.
    #[sqlx(flatten)]
    pub win: Win,
    /// The lottery's title.
    pub title: String,
}

/// A member's codes not yet redeemed, with their lottery's title, newest first (at most 50).
pub async fn open_codes_of(conn: &mut SqliteConnection, user_id: i64) -> Result<Vec<OwnedCode>> {
    Ok(sqlx::query_as(
        "SELECT w.lottery_id, w.chat_id, w.user_id, w.tier, w.prize, w.points, w.code, w.redeemed_at,
                l.title
         FROM lottery_wins w JOIN lotteries l ON l.id = w.lottery_id
         WHERE w.user_id = ? AND w.code IS NOT NULL AND w.redeemed_at IS NULL
         ORDER BY w.lottery_id DESC LIMIT 50",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::SqlitePool;

    fn new_lottery<'a>(prizes: &'a [(String, Option<i64>, i64)]) -> NewLottery<'a> {
        NewLottery {
            chat_id: -1,
            title: "T",
            creator: 7,
            now: 1_000,
            draw_at: Some(2_000),
            threshold: Some(3),
            join_keyword: Some("go"),
            min_level: None,
            min_days: None,
            need_spoke: false,
            floor: Some(("贴纸", None)),
            thread_id: None,
            prizes,
        }
    }

    #[sqlx::test]
    async fn create_join_draw_and_redeem(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let prizes = vec![
            ("耳机".to_string(), None, 1),
            ("100 积分".to_string(), Some(100), 2),
        ];
        let id = insert(&mut conn, &new_lottery(&prizes), |id| {
            (format!("seed{id}"), format!("commit{id}"))
        })
        .await
        .unwrap();
        let lottery = get(&mut conn, id).await.unwrap().unwrap();
        assert_eq!(lottery.commitment, format!("commit{id}"));
        assert_eq!(prizes_of(&mut conn, id).await, vec![(1, 1), (2, 2)]);
        assert_eq!(
            open_by_keyword(&mut conn, -1, "go")
                .await
                .unwrap()
                .map(|l| l.id),
            Some(id)
        );

        assert!(due(&mut conn, 1_500).await.unwrap().is_empty());
        for user in [10, 11] {
            assert!(join(&mut conn, &lottery, user, 1_100).await.unwrap());
        }
        assert!(
            !join(&mut conn, &lottery, 10, 1_101).await.unwrap(),
            "one entry each"
        );
        assert!(due(&mut conn, 1_500).await.unwrap().is_empty());
        assert!(join(&mut conn, &lottery, 12, 1_102).await.unwrap());
        assert_eq!(
            due(&mut conn, 1_500).await.unwrap(),
            vec![id],
            "threshold reached"
        );
        assert_eq!(participants(&mut conn, id).await.unwrap(), vec![10, 11, 12]);
        assert_eq!(
            threshold_reached_at(&mut conn, id, 3).await.unwrap(),
            Some(1_102),
            "the third member joined at 1102"
        );
        assert_eq!(threshold_reached_at(&mut conn, id, 4).await.unwrap(), None);
        assert_eq!(
            open_keywords(&mut conn, -1).await.unwrap(),
            vec!["go".to_string()]
        );
        assert!(open_keywords(&mut conn, -2).await.unwrap().is_empty());

        set_message(&mut conn, id, 55).await.unwrap();
        assert_eq!(stale_counts(&mut conn, 1_500).await.unwrap(), vec![(id, 3)]);
        set_shown_count(&mut conn, id, 3, 1_500).await.unwrap();
        assert!(stale_counts(&mut conn, 1_600).await.unwrap().is_empty());

        assert!(mark_drawn(&mut conn, id, 1_600, false, "h").await.unwrap());
        assert!(
            open_keywords(&mut conn, -1).await.unwrap().is_empty(),
            "a drawn lottery's keyword is free"
        );
        assert!(
            !mark_drawn(&mut conn, id, 1_601, false, "h").await.unwrap(),
            "drawn once"
        );
        assert!(!cancel(&mut conn, id, 1_602).await.unwrap());
        assert!(
            !join(&mut conn, &lottery, 13, 1_603).await.unwrap(),
            "no entry after the draw"
        );
        assert_eq!(participants(&mut conn, id).await.unwrap(), vec![10, 11, 12]);
        let win = Win {
            lottery_id: id,
            chat_id: -1,
            user_id: 10,
            tier: 1,
            prize: "耳机".into(),
            points: None,
            code: Some("ABCDEFGH23".into()),
            redeemed_at: None,
        };
        assert!(insert_win(&mut conn, &win).await.unwrap());
        let clash = Win {
            user_id: 11,
            ..win.clone()
        };
        assert!(
            !insert_win(&mut conn, &clash).await.unwrap(),
            "codes are unique"
        );
        assert_eq!(wins(&mut conn, id).await.unwrap(), vec![win]);
        assert!(win_by_code(&mut conn, -2, "ABCDEFGH23")
            .await
            .unwrap()
            .is_none());
        assert!(redeem(&mut conn, -1, "ABCDEFGH23", 7, 1_700).await.unwrap());
        assert!(!redeem(&mut conn, -1, "ABCDEFGH23", 7, 1_701).await.unwrap());
        assert_eq!(
            win_by_code(&mut conn, -1, "ABCDEFGH23")
                .await
                .unwrap()
                .unwrap()
                .redeemed_at,
            Some(1_700)
        );
    }

    async fn prizes_of(conn: &mut SqliteConnection, id: i64) -> Vec<(i64, i64)> {
        prizes(conn, id)
            .await
            .unwrap()
            .into_iter()
            .map(|p| (p.tier, p.count))
            .collect()
    }

    #[sqlx::test]
    async fn the_schema_refuses_broken_rows(pool: SqlitePool) {
        let mut conn = pool.acquire().await.unwrap();
        let no_rule = sqlx::query(
            "INSERT INTO lotteries (chat_id, title, creator, created_at, seed, commitment)
             VALUES (-1, 'T', 1, 1, '', '')",
        )
        .execute(&mut *conn)
        .await;
        assert!(no_rule.is_err(), "a lottery needs a time or a threshold");
        let prizes = vec![("A".to_string(), None, 1)];
        let id = insert(&mut conn, &new_lottery(&prizes), |_| {
            (String::new(), String::new())
        })
        .await
        .unwrap();
        let zero = sqlx::query(
            "INSERT INTO lottery_prizes (lottery_id, chat_id, tier, name, count) VALUES (?, -1, 2, 'B', 0)",
        )
        .bind(id)
        .execute(&mut *conn)
        .await;
        assert!(zero.is_err(), "a tier has at least one prize");
    }
}
