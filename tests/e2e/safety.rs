//! What the bot survives: updates sent again after a restart, a SIGKILL of the real binary in the middle
//! of a batch of `/give`, a sign-in wave, a lottery's joins or a referral settlement, a Bot API that
//! answers 500/502, drops connections or asks for an hour's pause (also on sends and moderation deletes),
//! a database locked by another process or out of space, and updates that cannot be read. Each test says
//! what must hold afterwards; the README's "What survives what" table is filled from them.

use crate::support::fake_api::{bot_admin_member, Failure, FakeApi};
use crate::support::harness::{TestBot, WAIT};
use crate::support::members::owner_without_language;
use crate::support::redpackets::{announcement, answers};
use crate::support::updates::*;
use groupops::features::economy::ledger::{self, Account};
use serde_json::{json, Value};
use sqlx::{Connection, SqlitePool};
use std::sync::atomic::Ordering;
use std::time::Duration;

const GROUP: i64 = -100_2020;
const OWNER: i64 = 20_001;
const ALICE: i64 = 20_002;

fn owner() -> Value {
    owner_without_language(OWNER)
}

fn alice() -> Value {
    user_with(ALICE, "Alice", Some("alice"), None)
}

fn set_admins(api: &FakeApi) {
    api.set_admins(GROUP, vec![member(owner(), "creator"), bot_admin_member()]);
}

/// The update `value` with the id `id`, as Telegram would send it again.
fn with_id(mut value: Value, id: i64) -> Value {
    value["update_id"] = json!(id);
    value
}

/// The admin gifts in the group: how many journal rows and how many points.
async fn gifts(pool: &SqlitePool) -> (i64, i64) {
    sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM economy_journal
         WHERE chat_id = ? AND reason = 'admin_give'",
    )
    .bind(GROUP)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn balance(pool: &SqlitePool, account: Account) -> i64 {
    let mut conn = pool.acquire().await.unwrap();
    ledger::balance(&mut conn, GROUP, account).await.unwrap()
}

/// The group's balances sum to zero and every account agrees with its journal.
async fn ledger_is_exact(pool: &SqlitePool) {
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(ledger::economy_sum(&mut conn, GROUP).await.unwrap(), 0);
    assert!(ledger::audit(&mut conn, GROUP).await.unwrap().is_empty());
}

/// Starts a bot that knows @alice in the group and sees the owner as its creator.
async fn bot_with_alice(overrides: &[(&str, &str)]) -> TestBot {
    let bot = TestBot::start_with(overrides).await;
    set_admins(&bot.api);
    bot.push(group_message(GROUP, alice(), "hello everyone"));
    bot.settle().await;
    bot
}

/// Waits until some handler has failed; returns the failures (and forgets them).
async fn wait_for_failure(bot: &TestBot) -> Vec<String> {
    wait_for_failure_where(bot, |_| true).await
}

/// Waits until the handler of update `id` has failed; returns every failure seen meanwhile (the ticker's
/// own failures included) and forgets them.
async fn wait_for_failure_of(bot: &TestBot, id: i64) -> Vec<String> {
    let prefix = format!("update {id} ");
    wait_for_failure_where(bot, |failure| failure.starts_with(&prefix)).await
}

async fn wait_for_failure_where(bot: &TestBot, wanted: impl Fn(&str) -> bool) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut seen = Vec::new();
    loop {
        seen.extend(bot.take_errors());
        if seen.iter().any(|failure| wanted(failure)) {
            return seen;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no handler failed as expected: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn commands_and_a_press_sent_again_after_a_restart_change_nothing() {
    let bot = bot_with_alice(&[]).await;
    let pool = bot.ctx.storage.write.clone();
    let give = with_id(group_message(GROUP, owner(), "/give @alice 50"), 5_000);
    bot.push(give.clone());
    bot.wait_texts(GROUP, 1).await;
    assert_eq!(balance(&pool, Account::Wallet(ALICE)).await, 50);
    // Alice sends a red packet of her points, and the owner grabs a share with a press.
    bot.push(with_id(
        group_message(GROUP, alice(), "/hongbao 20 2"),
        5_001,
    ));
    let message_id = announcement(&pool, 1).await;
    let press = with_id(callback(GROUP, owner(), message_id, "rp:1"), 5_002);
    bot.push(press.clone());
    bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
    let lottery = with_id(
        group_message(GROUP, owner(), "/lottery Mine | Car x1 | in 1h"),
        5_003,
    );
    bot.push(lottery.clone());
    bot.settle().await;
    let owner_before = balance(&pool, Account::Wallet(OWNER)).await;
    assert!(owner_before > 0, "the press paid a share");
    let recorded: Vec<(i64, String)> =
        sqlx::query_as("SELECT update_id, kind FROM handled_updates ORDER BY update_id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        recorded.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        vec![5_000, 5_001, 5_002, 5_003],
        "each update with effects is recorded: {recorded:?}"
    );

    // A new Bot API serves both again from offset 0, as Telegram does after a crash.
    let api = FakeApi::start().await;
    set_admins(&api);
    let bot = bot.restart_on(api).await;
    let pool = bot.ctx.storage.write.clone();
    bot.push(give);
    bot.push(press);
    bot.push(lottery);
    bot.settle().await;
    let lotteries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lotteries")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(lotteries, 1, "the lottery is not created twice");
    assert_eq!(balance(&pool, Account::Wallet(ALICE)).await, 50 - 20);
    assert_eq!(balance(&pool, Account::Wallet(OWNER)).await, owner_before);
    assert_eq!(gifts(&pool).await, (1, 50));
    assert_eq!(bot.stats().replayed.load(Ordering::SeqCst), 3);
    assert!(bot.texts_to(GROUP).is_empty(), "nothing is answered again");
    assert!(
        answers(&bot.api).is_empty(),
        "the press is not answered again"
    );
    // The same words in a new update are a new command.
    bot.push(with_id(
        group_message(GROUP, owner(), "/give @alice 50"),
        6_000,
    ));
    bot.wait_texts(GROUP, 1).await;
    assert_eq!(gifts(&pool).await, (2, 100));
    ledger_is_exact(&pool).await;
    bot.stop().await;
}

fn spawn_binary(api: &FakeApi, database_url: &str, dir: &std::path::Path) -> tokio::process::Child {
    spawn_binary_with(api, database_url, dir, &[])
}

/// Like [`spawn_binary`], with more settings from the environment.
fn spawn_binary_with(
    api: &FakeApi,
    database_url: &str,
    dir: &std::path::Path,
    settings: &[(&str, &str)],
) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_groupops"))
        .envs(settings.iter().copied())
        .current_dir(dir)
        .env("GROUPOPS_TOKEN", "123456:TEST-TOKEN")
        .env("GROUPOPS_API_URL", api.url())
        .env("GROUPOPS_DATABASE_URL", database_url)
        .env("GROUPOPS_TELEGRAM__POLL_TIMEOUT", "1s")
        .env("GROUPOPS_TELEGRAM__POLL_RETRY", "50ms")
        .env("GROUPOPS_TELEGRAM__REGISTER_COMMANDS", "false")
        .env("GROUPOPS_LIMITS__PER_GROUP", "1000/1s")
        .env("GROUPOPS_LIMITS__PER_CHAT", "1000/1s")
        .env("GROUPOPS_ACTIVITY__FLUSH_INTERVAL", "20ms")
        .env("GROUPOPS_ECONOMY__ACTIVITY_POINTS_PER_MESSAGE", "0")
        .env("RUST_LOG", "error")
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// Waits until `ready` holds on the database, checking that the bot is still running.
async fn wait_db(
    child: &mut tokio::process::Child,
    pool: &SqlitePool,
    what: &str,
    ready: impl AsyncFn(&SqlitePool) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !ready(pool).await {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the bot exited early ({status}) waiting for {what}");
        }
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn fifty_gives_in_one_answer_are_paid_once_each_across_a_sigkill() {
    let api = FakeApi::start().await;
    set_admins(&api);
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/groupops.db?mode=rwc", dir.path().display());
    let mut child = spawn_binary(&api, &database_url, dir.path());
    api.push_update(group_message(GROUP, alice(), "hello everyone"));
    let pool = loop {
        if let Ok(pool) = SqlitePool::connect(&database_url).await {
            break pool;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    wait_db(&mut child, &pool, "@alice is known", async |pool| {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users WHERE username = 'alice'")
            .fetch_one(pool)
            .await
            .is_ok_and(|n| n == 1)
    })
    .await;
    // Fifty gifts reach the bot in one getUpdates answer; it is killed once five were answered.
    let first = 1_000;
    let batch = (0..50)
        .map(|n| {
            let update = with_id(group_message(GROUP, owner(), "/give @alice 1"), first + n);
            (first + n, update.to_string())
        })
        .collect();
    api.push_raw_batch(batch);
    api.wait_until(WAIT, |calls| {
        calls
            .iter()
            .filter(|c| c.method == "sendMessage" && c.params["chat_id"] == GROUP)
            .count()
            >= 5
    })
    .await;
    child.start_kill().expect("SIGKILL sent");
    let _ = child.wait().await;
    let (paid_at_kill, _) = gifts(&pool).await;
    let confirmed = api.served_offset();
    eprintln!("killed with {paid_at_kill} of 50 gifts paid; offset confirmed: {confirmed}");
    assert!(paid_at_kill >= 5);
    assert!(
        confirmed <= first + paid_at_kill,
        "the confirmed offset {confirmed} passed an unpaid gift (paid {paid_at_kill} from {first})"
    );
    ledger_is_exact(&pool).await;

    pool.close().await;
    let mut child = spawn_binary(&api, &database_url, dir.path());
    let pool = SqlitePool::connect(&database_url).await.unwrap();
    wait_db(
        &mut child,
        &pool,
        "every gift paid and confirmed",
        async |pool| gifts(pool).await.0 == 50 && api.pending_updates() == 0,
    )
    .await;
    assert_eq!(gifts(&pool).await, (50, 50), "nothing paid twice or lost");
    assert_eq!(balance(&pool, Account::Wallet(ALICE)).await, 50);
    ledger_is_exact(&pool).await;
    let replies = api
        .calls("sendMessage")
        .iter()
        .filter(|c| c.params["chat_id"] == GROUP)
        .count();
    assert!(
        replies <= 50,
        "no gift was answered twice: {replies} replies"
    );
    let pid = child.id().expect("running").to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let status = tokio::time::timeout(WAIT, child.wait()).await;
    assert!(matches!(status, Ok(Ok(s)) if s.success()), "{status:?}");
}

/// Rows in the durable queue.
async fn queued(pool: &SqlitePool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM queued_updates")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_handler_held_by_a_slow_answer_lets_polling_fetch_on_and_a_sigkill_loses_nothing() {
    let api = FakeApi::start().await;
    set_admins(&api);
    // Every admin check waits for a getChatAdministrators answer the test holds back, so the group's
    // first /give blocks its shard, and every later update of the group waits behind it.
    api.hold("getChatAdministrators");
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/groupops.db?mode=rwc", dir.path().display());
    let settings = [("GROUPOPS_TELEGRAM__DURABLE_QUEUE_AFTER", "200ms")];
    let mut child = spawn_binary_with(&api, &database_url, dir.path(), &settings);
    api.push_update(group_message(GROUP, alice(), "hello everyone"));
    let pool = loop {
        if let Ok(pool) = SqlitePool::connect(&database_url).await {
            break pool;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    wait_db(&mut child, &pool, "@alice is known", async |pool| {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users WHERE username = 'alice'")
            .fetch_one(pool)
            .await
            .is_ok_and(|n| n == 1)
    })
    .await;
    // 300 gifts arrive while the group's handler waits: three full getUpdates answers and more.
    let first = 1_000;
    for n in 0..300 {
        api.push_update(with_id(
            group_message(GROUP, owner(), "/give @alice 1"),
            first + n,
        ));
    }
    wait_db(
        &mut child,
        &pool,
        "all 300 fetched and confirmed while the handler is held",
        async |pool| api.served_offset() >= first + 300 && queued(pool).await >= 300,
    )
    .await;
    assert!(api.held("getChatAdministrators") >= 1, "a handler is held");
    assert_eq!(gifts(&pool).await.0, 0, "nothing was handled yet");
    assert_eq!(
        api.pending_updates(),
        0,
        "Telegram holds nothing unconfirmed"
    );
    // Released, the group's updates are handled in order from memory; the bot is killed on the way.
    api.release("getChatAdministrators");
    wait_db(&mut child, &pool, "some gifts paid", async |pool| {
        gifts(pool).await.0 >= 30
    })
    .await;
    child.start_kill().expect("SIGKILL sent");
    let _ = child.wait().await;
    let (paid_at_kill, _) = gifts(&pool).await;
    let left = queued(&pool).await;
    eprintln!("killed with {paid_at_kill} of 300 gifts paid, {left} updates still queued");
    ledger_is_exact(&pool).await;

    // After a restart the queue is handled first: every gift paid exactly once, the queue empties.
    pool.close().await;
    let mut child = spawn_binary_with(&api, &database_url, dir.path(), &settings);
    let pool = SqlitePool::connect(&database_url).await.unwrap();
    wait_db(
        &mut child,
        &pool,
        "every gift paid and the queue empty",
        async |pool| gifts(pool).await.0 == 300 && queued(pool).await == 0,
    )
    .await;
    // A moment more: nothing is paid twice late.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(gifts(&pool).await, (300, 300), "nothing paid twice or lost");
    assert_eq!(balance(&pool, Account::Wallet(ALICE)).await, 300);
    ledger_is_exact(&pool).await;
    let replies = api
        .calls("sendMessage")
        .iter()
        .filter(|c| c.params["chat_id"] == GROUP)
        .count();
    assert!(
        replies <= 300,
        "no gift was answered twice: {replies} replies"
    );
    let pid = child.id().expect("running").to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let status = tokio::time::timeout(WAIT, child.wait()).await;
    assert!(matches!(status, Ok(Ok(s)) if s.success()), "{status:?}");
    assert_eq!(queued(&pool).await, 0);
}

#[tokio::test]
async fn polling_recovers_from_server_errors_resets_a_hang_and_an_hour_long_429() {
    // The hour Telegram asks for is shortened to the longest wait the settings obey.
    // A request that never answers is given up a moment after the 1 s long poll.
    let bot = bot_with_alice(&[
        ("GROUPOPS_LIMITS__MAX_RETRY_AFTER", "200ms"),
        ("GROUPOPS_TELEGRAM__POLL_GRACE", "300ms"),
    ])
    .await;
    let pool = bot.ctx.storage.write.clone();
    bot.api.fail_next("getUpdates", 1, Failure::Status(500));
    bot.api.fail_next("getUpdates", 1, Failure::Status(502));
    bot.api.fail_next("getUpdates", 2, Failure::Reset);
    bot.api.fail_next("getUpdates", 1, Failure::Hang);
    bot.api
        .fail_next("getUpdates", 1, Failure::RetryAfter(3_600));
    bot.api.fail_next("getUpdates", 1, Failure::Status(502));
    let started = tokio::time::Instant::now();
    for _ in 0..5 {
        bot.push(group_message(GROUP, owner(), "/give @alice 1"));
    }
    bot.wait_texts(GROUP, 5).await;
    bot.settle().await;
    let took = started.elapsed();
    assert_eq!(bot.api.count("getUpdates").1, 7, "every fault was served");
    assert!(took < WAIT, "polling recovered in {took:?}");
    assert_eq!(gifts(&pool).await, (5, 5), "nothing lost or paid twice");
    assert_eq!(bot.texts_to(GROUP).len(), 5, "each answered once");
    ledger_is_exact(&pool).await;
    bot.stop().await;
}

#[tokio::test]
async fn unreadable_and_odd_updates_are_counted_and_skipped_without_a_crash() {
    let bot = bot_with_alice(&[]).await;
    let pool = bot.ctx.storage.write.clone();
    let odd = [
        // Right-to-left override, zero-width joiners, stacked combining marks, an emoji sequence, NUL.
        "\u{202E}evil\u{202C} \u{200D}\u{200B}a\u{0301}\u{0301}\u{0301}\u{0301} 👩‍👩‍👧‍👦 \u{0000}",
        "ｇｉｖｅ　全角　\u{FEFF}\u{FFFD}\u{10FFFF}",
    ];
    let huge = "长".repeat(100_000);
    for text in odd.iter().copied().chain([huge.as_str()]) {
        bot.push(group_message(
            GROUP,
            user_with(20_009, text, Some("odd"), None),
            text,
        ));
    }
    let id = bot.push(group_message(GROUP, alice(), "ok")) + 1;
    let unreadable = [
        format!(r#"{{"update_id": {id}, "message": {{"nonsense": true}}}}"#),
        format!(
            r#"{{"update_id": {}, "a_kind_from_the_future": {{"x": 1}}}}"#,
            id + 1
        ),
        format!(
            r#"{{"update_id": {}, "message": {{"message_id": 1, "date": 0, "chat": {{"id": {GROUP}, "type": "supergroup", "title": "G"}}, "text": "\ud800"}}}}"#,
            id + 2
        ),
        // Without an id at all: passed once a later update's id moves the offset past them.
        r#""just a string""#.to_string(),
        "[1, 2, 3]".to_string(),
    ];
    for raw in unreadable {
        bot.api.push_raw_update(raw);
    }
    bot.push(with_id(
        group_message(GROUP, owner(), "/give @alice 2 \u{202E}謝謝\u{0000}"),
        id + 10,
    ));
    bot.wait_texts(GROUP, 1).await;
    bot.settle().await;
    assert_eq!(gifts(&pool).await, (1, 2));
    let skipped = bot.stats().skipped.load(Ordering::SeqCst);
    assert!(skipped >= 5, "each unreadable update is counted: {skipped}");
    assert_eq!(
        bot.api.pending_updates(),
        0,
        "the offset passed all of them"
    );
    ledger_is_exact(&pool).await;
    // `stop` fails the test if any handler failed or panicked.
    bot.stop().await;
}

#[tokio::test]
async fn a_database_locked_past_the_busy_timeout_fails_cleanly_and_recovers() {
    let bot = bot_with_alice(&[("GROUPOPS_STORAGE__BUSY_TIMEOUT", "100ms")]).await;
    let pool = bot.ctx.storage.write.clone();
    // Another process takes the write lock and keeps it.
    let url = format!("sqlite://{}", bot.database_path().display());
    let mut other = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    let locked = bot.push(group_message(GROUP, owner(), "/give @alice 3"));
    let failures = wait_for_failure_of(&bot, locked).await;
    let prefix = format!("update {locked} ");
    assert!(
        failures
            .iter()
            .any(|f| f.starts_with(&prefix) && (f.contains("locked") || f.contains("busy"))),
        "{failures:?}"
    );
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    drop(other);
    assert_eq!(gifts(&pool).await, (0, 0), "nothing half-written");
    let recorded: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM handled_updates WHERE update_id = ?")
            .bind(locked)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(recorded, 0);
    // Once the lock is gone, the member repeats the command and it is paid.
    bot.push(group_message(GROUP, owner(), "/give @alice 3"));
    bot.wait_texts(GROUP, 1).await;
    // Ticker passes that met the lock failed as well; they were retried on the next pass.
    let _ = bot.take_errors();
    assert_eq!(gifts(&pool).await, (1, 3));
    ledger_is_exact(&pool).await;
    bot.stop().await;
}

#[tokio::test]
async fn a_full_disk_fails_handlers_cleanly_and_space_coming_back_recovers() {
    let bot = bot_with_alice(&[]).await;
    let pool = bot.ctx.storage.write.clone();
    // The writer is one connection: capping its database at the pages it has now is a full disk.
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "PRAGMA max_page_count = {pages}"
    )))
    .execute(&pool)
    .await
    .unwrap();
    let note = "满".repeat(300);
    for _ in 0..30 {
        bot.push(group_message(
            GROUP,
            owner(),
            &format!("/give @alice 1 {note}"),
        ));
    }
    let failures = wait_for_failure(&bot).await;
    assert!(failures.iter().any(|f| f.contains("full")), "{failures:?}");
    bot.settle().await;
    let _ = bot.take_errors();
    let (paid, points) = gifts(&pool).await;
    assert!(paid < 30, "the disk filled up: {paid} paid");
    assert_eq!(paid, points);
    assert_eq!(balance(&pool, Account::Wallet(ALICE)).await, points);
    ledger_is_exact(&pool).await;
    // Space comes back.
    sqlx::query("PRAGMA max_page_count = 1073741823")
        .execute(&pool)
        .await
        .unwrap();
    bot.push(group_message(GROUP, owner(), "/give @alice 1 back"));
    let texts = bot.wait_texts(GROUP, paid as usize + 1).await;
    assert!(texts.last().unwrap().contains("back"), "{texts:?}");
    assert_eq!(gifts(&pool).await, (paid + 1, points + 1));
    ledger_is_exact(&pool).await;
    bot.stop().await;
}

#[tokio::test]
async fn a_sign_in_wave_cut_by_a_sigkill_pays_every_member_once() {
    let api = FakeApi::start().await;
    set_admins(&api);
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/groupops.db?mode=rwc", dir.path().display());
    let mut child = spawn_binary(&api, &database_url, dir.path());
    let pool = loop {
        if let Ok(pool) = SqlitePool::connect(&database_url).await {
            break pool;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // Two hundred members sign in at once, in two getUpdates answers; the bot is killed once ten did.
    let members = 200;
    let batch = (0..members)
        .map(|n| {
            let update = with_id(
                group_message(GROUP, user(30_000 + n, "S"), "/checkin"),
                2_000 + n,
            );
            (2_000 + n, update.to_string())
        })
        .collect();
    let signed = async |pool: &SqlitePool| -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM checkins WHERE chat_id = ?")
            .bind(GROUP)
            .fetch_one(pool)
            .await
            .unwrap_or(0)
    };
    wait_db(&mut child, &pool, "the schema", async |pool| {
        sqlx::query("SELECT 1 FROM handled_updates")
            .fetch_all(pool)
            .await
            .is_ok()
    })
    .await;
    api.push_raw_batch(batch);
    wait_db(&mut child, &pool, "ten sign-ins", async |pool| {
        signed(pool).await >= 10
    })
    .await;
    child.start_kill().expect("SIGKILL sent");
    let _ = child.wait().await;
    let at_kill = signed(&pool).await;
    eprintln!("killed with {at_kill} of {members} sign-ins done");
    pool.close().await;

    let mut child = spawn_binary(&api, &database_url, dir.path());
    let pool = SqlitePool::connect(&database_url).await.unwrap();
    wait_db(&mut child, &pool, "every sign-in done", async |pool| {
        signed(pool).await == members && api.pending_updates() == 0
    })
    .await;
    let (rows, people, paid): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT user_id), COALESCE(SUM(reward), 0) FROM checkins WHERE chat_id = ?",
    )
    .bind(GROUP)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((rows, people), (members, members), "one sign-in each");
    let journal: (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM economy_journal WHERE chat_id = ? AND reason = 'checkin'",
    )
    .bind(GROUP)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(journal, (members, paid), "each reward paid once");
    ledger_is_exact(&pool).await;
    let pid = child.id().expect("running").to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let _ = tokio::time::timeout(WAIT, child.wait()).await;
}

#[tokio::test]
async fn a_lottery_cut_by_a_sigkill_while_members_join_draws_once_after_the_restart() {
    let api = FakeApi::start().await;
    set_admins(&api);
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/groupops.db?mode=rwc", dir.path().display());
    let mut child = spawn_binary(&api, &database_url, dir.path());
    let pool = loop {
        if let Ok(pool) = SqlitePool::connect(&database_url).await {
            break pool;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let members = 300;
    api.push_update(group_message(
        GROUP,
        owner(),
        &format!("/lottery Storm | 10 points x3 | when {members}"),
    ));
    let entries = async |pool: &SqlitePool| -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM lottery_entries WHERE lottery_id = 1")
            .fetch_one(pool)
            .await
            .unwrap_or(0)
    };
    wait_db(&mut child, &pool, "the lottery", async |pool| {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM lotteries")
            .fetch_one(pool)
            .await
            .is_ok_and(|n| n == 1)
    })
    .await;
    // Every member presses the join button in one burst; the bot is killed once thirty have joined.
    let batch = (0..members)
        .map(|n| {
            let update = with_id(
                callback(GROUP, user(40_000 + n, "L"), 1000, "lt:1"),
                3_000 + n,
            );
            (3_000 + n, update.to_string())
        })
        .collect();
    api.push_raw_batch(batch);
    wait_db(&mut child, &pool, "thirty entries", async |pool| {
        entries(pool).await >= 30
    })
    .await;
    child.start_kill().expect("SIGKILL sent");
    let _ = child.wait().await;
    let at_kill = entries(&pool).await;
    eprintln!("killed with {at_kill} of {members} entries");
    let status: String = sqlx::query_scalar("SELECT status FROM lotteries WHERE id = 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "open", "the kill landed before the draw");
    pool.close().await;

    let mut child = spawn_binary(&api, &database_url, dir.path());
    let pool = SqlitePool::connect(&database_url).await.unwrap();
    wait_db(
        &mut child,
        &pool,
        "the draw after every entry",
        async |pool| {
            let drawn =
                sqlx::query_scalar::<_, String>("SELECT status FROM lotteries WHERE id = 1")
                    .fetch_one(pool)
                    .await
                    .is_ok_and(|s| s == "drawn");
            drawn && api.pending_updates() == 0
        },
    )
    .await;
    let (rows, people): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT user_id) FROM lottery_entries WHERE lottery_id = 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (rows, people),
        (members, members),
        "every press joined once"
    );
    let prizes: (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM economy_journal WHERE chat_id = ? AND reason = 'lottery'",
    )
    .bind(GROUP)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(prizes, (3, 30), "three prizes paid once each");
    ledger_is_exact(&pool).await;
    let pid = child.id().expect("running").to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let _ = tokio::time::timeout(WAIT, child.wait()).await;
}

#[tokio::test]
async fn an_update_still_in_flight_is_neither_confirmed_nor_handled_twice() {
    let bot = bot_with_alice(&[]).await;
    let pool = bot.ctx.storage.write.clone();
    // The test holds the bot's one writer connection, so the gift's handler waits for it.
    let writer = pool.acquire().await.unwrap();
    let id = bot.push(group_message(GROUP, owner(), "/give @alice 1"));
    // Meanwhile polling asks again and again from the update still in flight and gets it back each time.
    let polls = bot.api.polls();
    let deadline = tokio::time::Instant::now() + WAIT;
    while bot.api.polls() < polls + 5 {
        assert!(tokio::time::Instant::now() < deadline, "polling stopped");
        tokio::task::yield_now().await;
    }
    assert!(
        bot.api.served_offset() <= id,
        "the offset passed the update in flight"
    );
    drop(writer);
    bot.wait_texts(GROUP, 1).await;
    bot.settle().await;
    assert_eq!(gifts(&pool).await, (1, 1), "handled once");
    assert_eq!(bot.texts_to(GROUP).len(), 1, "answered once");
    assert!(bot.api.served_offset() > id, "confirmed once handled");
    bot.stop().await;
}

/// Seeds `count` referrals that are due (verified members who joined long ago and stayed), spread over
/// ten inviters, into the migrated database at `database_url`.
async fn seed_due_referrals(database_url: &str, count: i64) {
    let mut conn = sqlx::SqliteConnection::connect(database_url).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    for inviter in 0..10 {
        sqlx::query(
            "INSERT INTO referral_links (id, chat_id, url, kind, owner_id, name, created_at)
             VALUES (?, ?, ?, 'member', ?, ?, 1000)",
        )
        .bind(inviter + 1)
        .bind(GROUP)
        .bind(format!("https://t.me/+seed{inviter}"))
        .bind(50_000 + inviter)
        .bind(format!("ref:{}", 50_000 + inviter))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    for n in 0..count {
        let invitee = 60_000 + n;
        sqlx::query(
            "INSERT INTO members (chat_id, user_id, first_seen, last_seen, joined_at, seen_join, status, verified_at)
             VALUES (?, ?, 2000, 2000, 2000, 1, 'member', 2001)",
        )
        .bind(GROUP)
        .bind(invitee)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO referrals (chat_id, link_id, inviter_id, invitee_id, joined_at, status)
             VALUES (?, ?, ?, ?, 2000, 'pending')",
        )
        .bind(GROUP)
        .bind(n % 10 + 1)
        .bind(50_000 + n % 10)
        .bind(invitee)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_referral_settlement_cut_by_a_sigkill_pays_every_inviter_once() {
    let api = FakeApi::start().await;
    set_admins(&api);
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/groupops.db?mode=rwc", dir.path().display());
    let migrated = tokio::process::Command::new(env!("CARGO_BIN_EXE_groupops"))
        .arg("migrate")
        .current_dir(dir.path())
        .env("GROUPOPS_DATABASE_URL", &database_url)
        .env("RUST_LOG", "error")
        .status()
        .await
        .unwrap();
    assert!(migrated.success());
    // Thousands of referrals became due while the bot was down; the first pass after the start settles
    // them one short transaction each, and the bot is killed in the middle of that pass.
    let total = 4_000;
    seed_due_referrals(&database_url, total).await;
    let pool = SqlitePool::connect(&database_url).await.unwrap();
    let settled = async |pool: &SqlitePool| -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM referrals WHERE status = 'valid'")
            .fetch_one(pool)
            .await
            .unwrap_or(0)
    };
    let mut child = spawn_binary(&api, &database_url, dir.path());
    wait_db(&mut child, &pool, "fifty settlements", async |pool| {
        settled(pool).await >= 50
    })
    .await;
    child.start_kill().expect("SIGKILL sent");
    let _ = child.wait().await;
    let at_kill = settled(&pool).await;
    eprintln!("killed with {at_kill} of {total} referrals settled");
    assert!(at_kill < total, "the kill landed before the pass ended");
    ledger_is_exact(&pool).await;
    pool.close().await;

    let mut child = spawn_binary(&api, &database_url, dir.path());
    let pool = SqlitePool::connect(&database_url).await.unwrap();
    wait_db(&mut child, &pool, "every referral settled", async |pool| {
        settled(pool).await == total
    })
    .await;
    let (rows, references, paid): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT reference), COALESCE(SUM(amount), 0) FROM economy_journal
         WHERE chat_id = ? AND reason = 'referral'",
    )
    .bind(GROUP)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (rows, references, paid),
        (total, total, total * 20),
        "each reward paid once, none lost"
    );
    let recorded: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(reward), 0) FROM referrals WHERE chat_id = ? AND status = 'valid'",
    )
    .bind(GROUP)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        recorded,
        total * 20,
        "each referral records the reward it paid"
    );
    for inviter in 0..10 {
        assert_eq!(
            balance(&pool, Account::Wallet(50_000 + inviter)).await,
            total / 10 * 20
        );
    }
    ledger_is_exact(&pool).await;
    let pid = child.id().expect("running").to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let _ = tokio::time::timeout(WAIT, child.wait()).await;
}

/// The bot's sends to the group, failed ones included.
fn sends_to_group(api: &FakeApi) -> usize {
    api.calls("sendMessage")
        .iter()
        .filter(|c| c.params["chat_id"] == GROUP)
        .count()
}

#[tokio::test]
async fn a_packet_announcement_answered_with_a_server_error_is_not_repeated_and_its_escrow_not_lost(
) {
    let bot = bot_with_alice(&[]).await;
    let pool = bot.ctx.storage.write.clone();
    bot.push(group_message(GROUP, owner(), "/give @alice 50"));
    bot.wait_texts(GROUP, 1).await;
    // The announcement of Alice's red packet meets a 502: it is not sent twice, and the escrow is not lost.
    bot.api.clear_calls();
    bot.api.fail_next("sendMessage", 1, Failure::Status(502));
    bot.push(group_message(GROUP, alice(), "/hongbao 20 2"));
    bot.api.wait_for("sendMessage", 1, WAIT).await;
    bot.settle().await;
    assert_eq!(
        sends_to_group(&bot.api),
        1,
        "the announcement is not repeated"
    );
    assert_eq!(balance(&pool, Account::Wallet(ALICE)).await, 50 - 20);
    ledger_is_exact(&pool).await;
    // Nobody could press its button, so it expires and the escrow goes back to Alice.
    bot.clock.advance(Duration::from_secs(24 * 3_600 + 60));
    bot.ticks(3).await;
    bot.settle().await;
    assert_eq!(balance(&pool, Account::Wallet(ALICE)).await, 50);
    ledger_is_exact(&pool).await;
    bot.stop().await;
}

#[tokio::test]
async fn a_moderation_delete_answered_with_a_server_error_or_a_reset_is_reported() {
    const NEWBIE: i64 = 20_003;
    const AD: &str = "兼职刷单，日结300，名额有限";
    let newbie = || user(NEWBIE, "Ned");
    let bot = TestBot::start_with(&[("GROUPOPS_WELCOME__CAPTCHA", "off")]).await;
    set_admins(&bot.api);
    bot.push(group_message(GROUP, owner(), "/welcome off"));
    bot.push(chat_member(
        GROUP,
        newbie(),
        newbie(),
        "left",
        "member",
        None,
    ));
    bot.push(new_members(GROUP, newbie(), vec![newbie()]));
    bot.wait_texts(GROUP, 1).await;
    bot.settle().await;
    let outcomes = async || -> Vec<String> {
        sqlx::query_scalar(
            "SELECT outcome FROM moderation_violations WHERE chat_id = ? AND user_id = ? ORDER BY id",
        )
        .bind(GROUP)
        .bind(NEWBIE)
        .fetch_all(&bot.ctx.storage.read)
        .await
        .unwrap()
    };
    // Three ads: the first delete meets a 500, the second a reset connection, the third goes through.
    bot.api.fail_next("deleteMessage", 1, Failure::Status(500));
    bot.api.fail_next("deleteMessage", 1, Failure::Reset);
    for n in 0..3 {
        bot.push(group_message(GROUP, newbie(), &format!("{AD} {n}")));
        bot.api.wait_for("deleteMessage", n + 1, WAIT).await;
        bot.settle().await;
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    while outcomes().await != ["failed", "failed", "done"] {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the failed deletes are not reported: {:?}",
            outcomes().await
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        bot.api.calls("deleteMessage").len(),
        3,
        "each delete tried once"
    );
    bot.stop().await;
}

#[tokio::test]
async fn an_ad_sent_again_after_a_restart_is_deleted_again_without_a_second_strike_or_explanation()
{
    const NEWBIE: i64 = 20_004;
    const AD: &str = "兼职刷单，日结300，名额有限";
    let newbie = || user(NEWBIE, "Ned");
    let bot = TestBot::start_with(&[("GROUPOPS_WELCOME__CAPTCHA", "off")]).await;
    set_admins(&bot.api);
    bot.push(group_message(GROUP, owner(), "/welcome off"));
    bot.push(chat_member(
        GROUP,
        newbie(),
        newbie(),
        "left",
        "member",
        None,
    ));
    bot.push(new_members(GROUP, newbie(), vec![newbie()]));
    bot.wait_texts(GROUP, 1).await;
    bot.settle().await;
    let texts_before = bot.texts_to(GROUP).len();
    let ad = with_id(group_message(GROUP, newbie(), AD), 7_000);
    let ad_message = ad["message"]["message_id"].clone();
    bot.push(ad.clone());
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    bot.wait_texts(GROUP, texts_before + 1).await;
    bot.settle().await;
    let pool = bot.ctx.storage.write.clone();
    let actions = async |pool: &SqlitePool| -> Vec<String> {
        sqlx::query_scalar(
            "SELECT action FROM moderation_violations WHERE chat_id = ? AND user_id = ? AND shadow = 0
             ORDER BY id",
        )
        .bind(GROUP)
        .bind(NEWBIE)
        .fetch_all(pool)
        .await
        .unwrap()
    };
    assert_eq!(actions(&pool).await, ["warn"], "the ladder's first step");
    let kind: String =
        sqlx::query_scalar("SELECT kind FROM handled_updates WHERE update_id = 7000")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        kind.starts_with("auto_removal:"),
        "the removal recorded its update and its log entry: {kind}"
    );

    // After a restart Telegram sends the ad again: it is deleted again, and nothing else happens.
    let api = FakeApi::start().await;
    set_admins(&api);
    let bot = bot.restart_on(api).await;
    let pool = bot.ctx.storage.write.clone();
    bot.push(ad);
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    bot.settle().await;
    let deletes = bot.api.calls("deleteMessage");
    assert_eq!(deletes.len(), 1);
    assert_eq!(deletes[0].params["message_id"], ad_message);
    assert_eq!(bot.stats().replayed.load(Ordering::SeqCst), 1);
    assert_eq!(actions(&pool).await, ["warn"], "no second strike");
    assert!(
        bot.texts_to(GROUP).is_empty(),
        "no second explanation: {:?}",
        bot.texts_to(GROUP)
    );
    // A new ad is the ladder's second step, not its third.
    bot.push(with_id(
        group_message(GROUP, newbie(), &format!("{AD} 2")),
        7_001,
    ));
    bot.api.wait_for("deleteMessage", 2, WAIT).await;
    bot.settle().await;
    assert_eq!(actions(&pool).await, ["warn", "warn"]);
    bot.stop().await;
}

/// A removal whose ladder step mutes: the ad sent again after a restart is deleted again and the mute is
/// asked for again with its first end, so a crash between the log entry and the mute lets nobody off;
/// once an admin lifted the mute, the same ad sent again does not mute anew.
#[tokio::test]
async fn an_ad_sent_again_after_a_restart_asks_for_its_mute_again_until_an_admin_lifts_it() {
    const NEWBIE: i64 = 20_005;
    const AD: &str = "兼职刷单，日结300，名额有限";
    let newbie = || user(NEWBIE, "Nia");
    let bot = TestBot::start_with(&[("GROUPOPS_WELCOME__CAPTCHA", "off")]).await;
    set_admins(&bot.api);
    bot.push(group_message(GROUP, owner(), "/welcome off"));
    bot.push(group_message(GROUP, owner(), "/ladder mute 1d"));
    bot.push(chat_member(
        GROUP,
        newbie(),
        newbie(),
        "left",
        "member",
        None,
    ));
    bot.push(new_members(GROUP, newbie(), vec![newbie()]));
    bot.settle().await;
    let ad = with_id(group_message(GROUP, newbie(), AD), 7_100);
    bot.push(ad.clone());
    bot.api.wait_for("restrictChatMember", 1, WAIT).await;
    bot.settle().await;
    let first = bot.api.calls("restrictChatMember")[0].params.clone();
    assert_eq!(first["user_id"], NEWBIE);
    assert!(first["until_date"].as_i64().unwrap_or(0) > 0, "{first}");

    // Telegram sends the ad again after a restart: deleted again, muted again until the same end.
    let api = FakeApi::start().await;
    set_admins(&api);
    let bot = bot.restart_on(api).await;
    bot.push(ad.clone());
    bot.api.wait_for("restrictChatMember", 1, WAIT).await;
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    bot.settle().await;
    let again = bot.api.calls("restrictChatMember")[0].params.clone();
    assert_eq!(again["user_id"], NEWBIE);
    assert_eq!(
        again["until_date"], first["until_date"],
        "the mute's first end"
    );
    assert!(
        bot.texts_to(GROUP).is_empty(),
        "nothing said again: {:?}",
        bot.texts_to(GROUP)
    );

    // The owner lifts the mute; the ad sent once more is only deleted.
    bot.push(group_message(GROUP, owner(), "/unmute 20005"));
    bot.api.wait_for("restrictChatMember", 2, WAIT).await;
    bot.settle().await;
    let api = FakeApi::start().await;
    set_admins(&api);
    let bot = bot.restart_on(api).await;
    bot.push(ad);
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    bot.settle().await;
    assert!(
        bot.api.calls("restrictChatMember").is_empty(),
        "a lifted mute is not asked for again: {:?}",
        bot.api.calls("restrictChatMember")
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_confirmation_press_sent_again_after_a_crash_runs_the_kept_command_once() {
    let bot = bot_with_alice(&[]).await;
    let pool = bot.ctx.storage.write.clone();
    bot.push(anonymous_admin_message(GROUP, "/give @alice 7"));
    bot.wait_texts(GROUP, 1).await;
    let data = bot
        .api
        .calls("sendMessage")
        .iter()
        .find_map(|c| {
            c.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
                .as_str()
                .map(str::to_string)
        })
        .expect("an admin is asked to confirm");
    // The bot died after the owner's press 8000 confirmed the command and before the gift committed:
    // the confirmation is stored, the gift is not.
    sqlx::query("UPDATE admin_confirmations SET confirmed_by = ?, confirmed_update = 8000")
        .bind(OWNER)
        .execute(&pool)
        .await
        .unwrap();
    let press = with_id(callback(GROUP, owner(), 1, &data), 8_000);
    bot.push(press.clone());
    bot.wait_texts(GROUP, 2).await;
    bot.settle().await;
    assert_eq!(
        gifts(&pool).await,
        (1, 7),
        "Telegram's second copy runs the gift"
    );

    // Sent once more after a restart, the press changes nothing; another press finds the command taken.
    let api = FakeApi::start().await;
    set_admins(&api);
    let bot = bot.restart_on(api).await;
    let pool = bot.ctx.storage.write.clone();
    // Alice speaks again, so the leak check knows her name from this Bot API's inputs too.
    bot.push(with_id(group_message(GROUP, alice(), "hello again"), 7_999));
    bot.push(press);
    bot.push(with_id(callback(GROUP, owner(), 1, &data), 8_001));
    bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
    bot.settle().await;
    assert_eq!(bot.stats().replayed.load(Ordering::SeqCst), 1);
    assert_eq!(gifts(&pool).await, (1, 7), "paid once");
    assert!(bot.texts_to(GROUP).is_empty());
    ledger_is_exact(&pool).await;
    bot.stop().await;
}

#[tokio::test]
async fn a_slow_handler_writes_to_the_queue_only_once_polling_cannot_get_past_it() {
    const SLOW: i64 = -100_2021;
    let bot = bot_with_alice(&[("GROUPOPS_TELEGRAM__DURABLE_QUEUE_AFTER", "50ms")]).await;
    let pool = bot.ctx.storage.write.clone();
    bot.api
        .set_admins(SLOW, vec![member(owner(), "creator"), bot_admin_member()]);
    // The group's admin list is read once now; the other group's first /give then waits for its own,
    // which the test holds back.
    bot.push(group_message(GROUP, owner(), "/give @alice 1"));
    bot.wait_texts(GROUP, 1).await;
    bot.settle().await;
    bot.api.hold("getChatAdministrators");
    let routed_before = bot.stats().routed.load(Ordering::SeqCst);
    let slow = bot.push(group_message(SLOW, owner(), "/give @alice 1"));
    let deadline = tokio::time::Instant::now() + WAIT;
    while bot.api.held("getChatAdministrators") == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the handler never asked"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Fifty messages behind it fit in one getUpdates answer: they are handled, nothing is written to
    // the queue, and the offset waits at the slow update.
    let mut last = 0;
    for n in 0..50 {
        last = bot.push(group_message(GROUP, alice(), &format!("chat {n}")));
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let routed = bot.stats().routed.load(Ordering::SeqCst);
        let handled = bot.stats().handled.load(Ordering::SeqCst);
        if routed >= routed_before + 51 && handled + 1 >= routed {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the chat was not handled"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(queued(&pool).await, 0, "no write while polling gets past");
    assert!(
        bot.api.served_offset() <= slow,
        "the offset waits for the slow update"
    );
    assert!(last > slow);
    // With a hundred more, an answer is full of updates in flight: the slow one is stored and the
    // offset passes everything.
    for n in 0..100 {
        last = bot.push(group_message(GROUP, alice(), &format!("more {n}")));
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    while bot.api.served_offset() <= last {
        assert!(
            tokio::time::Instant::now() < deadline,
            "polling stayed behind the slow update: offset {} of {last}, {} queued, {} routed, {} handled, {} waiting at the fake, {} polls",
            bot.api.served_offset(),
            queued(&pool).await,
            bot.stats().routed.load(Ordering::SeqCst),
            bot.stats().handled.load(Ordering::SeqCst),
            bot.api.pending_updates(),
            bot.api.polls(),
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let stored: Vec<i64> = sqlx::query_scalar("SELECT update_id FROM queued_updates")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(stored, [slow], "only the slow update was in flight");
    assert!(
        bot.texts_to(SLOW).is_empty(),
        "the slow update is not answered yet"
    );
    // Released, the slow update is handled once and its row is deleted.
    bot.api.release("getChatAdministrators");
    bot.wait_texts(SLOW, 1).await;
    bot.settle().await;
    assert_eq!(bot.texts_to(SLOW).len(), 1, "answered once");
    let deadline = tokio::time::Instant::now() + WAIT;
    while queued(&pool).await > 0 {
        assert!(tokio::time::Instant::now() < deadline, "the row stayed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    bot.stop().await;
}

#[tokio::test]
async fn a_warning_sent_again_after_a_restart_warns_once() {
    let bot = bot_with_alice(&[]).await;
    let said = group_message(GROUP, alice(), "buy my course");
    bot.push(said.clone());
    let warn = with_id(
        reply_to(group_message(GROUP, owner(), "/warn spam"), said),
        9_000,
    );
    bot.push(warn.clone());
    bot.wait_texts(GROUP, 1).await;
    bot.settle().await;
    let warnings = async |pool: &SqlitePool| -> i64 {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM moderation_violations WHERE user_id = ? AND action = 'warn'",
        )
        .bind(ALICE)
        .fetch_one(pool)
        .await
        .unwrap()
    };
    assert_eq!(warnings(&bot.ctx.storage.read).await, 1);
    let api = FakeApi::start().await;
    set_admins(&api);
    let bot = bot.restart_on(api).await;
    bot.push(warn);
    bot.settle().await;
    assert_eq!(bot.stats().replayed.load(Ordering::SeqCst), 1);
    assert_eq!(warnings(&bot.ctx.storage.read).await, 1, "warned once");
    assert!(bot.texts_to(GROUP).is_empty(), "not answered again");
    bot.stop().await;
}
