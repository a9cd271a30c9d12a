//! Red packets as members meet them: lucky, equal and exclusive packets, refusals, expiry refunds, restarts,
//! `/verify`, a 1000-member grab storm, and a SIGKILL in the middle of a storm of the real binary.

use crate::support::fake_api::{bot_user, Call, Failure, FakeApi};
use crate::support::harness::{TestBot, WAIT};
use crate::support::redpackets::{announcement, answers};
use crate::support::updates::*;
use groupops::features::economy::ledger::{self, Account, Move};
use groupops::features::redpacket::store::escrow;
use sqlx::SqlitePool;
use std::time::Duration;

const GROUP: i64 = -100_888;
const SENDER: i64 = 3_001;

fn sender() -> serde_json::Value {
    user_with(SENDER, "Sam", Some("samsender"), None)
}

/// Gives a member points straight from the group's mint.
async fn fund(pool: &SqlitePool, chat: i64, user: i64, amount: i64) {
    let mut conn = pool.acquire().await.unwrap();
    ledger::transfer(
        &mut conn,
        &Move {
            chat_id: chat,
            from: Account::Mint,
            to: Account::Wallet(user),
            amount,
            reason: "test",
            actor: None,
            reference: None,
            at: 0,
        },
    )
    .await
    .unwrap();
}

async fn balance(pool: &SqlitePool, chat: i64, account: Account) -> i64 {
    let mut conn = pool.acquire().await.unwrap();
    ledger::balance(&mut conn, chat, account).await.unwrap()
}

async fn economy_sum(pool: &SqlitePool, chat: i64) -> i64 {
    let mut conn = pool.acquire().await.unwrap();
    ledger::economy_sum(&mut conn, chat).await.unwrap()
}

/// The points in a success alert (`🧧 +23 积分`), or `None` for any other alert.
fn plus_amount(text: &str) -> Option<i64> {
    let rest = text.strip_prefix("🧧 +")?;
    rest.split_whitespace().next()?.parse().ok()
}

/// Waits for an edit of a message whose text contains `needle`.
async fn wait_edit(api: &FakeApi, needle: &str) -> Call {
    let calls = api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "editMessageText"
                    && c.params["text"].as_str().unwrap_or("").contains(needle)
            })
        })
        .await;
    calls
        .into_iter()
        .find(|c| {
            c.method == "editMessageText"
                && c.params["text"].as_str().unwrap_or("").contains(needle)
        })
        .unwrap()
}

async fn packet_count(pool: &SqlitePool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM redpackets")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_lucky_packet_is_grabbed_shown_and_verifiable() {
    let bot = TestBot::start().await;
    let pool = bot.ctx.storage.write.clone();
    fund(&pool, GROUP, SENDER, 1000).await;
    bot.push(group_message(GROUP, sender(), "/hongbao 100 3 恭喜发财"));
    let texts = bot.wait_texts(GROUP, 1).await;
    assert!(
        texts[0].contains("P1") && texts[0].contains("恭喜发财"),
        "{texts:?}"
    );
    assert!(
        texts[0].contains("承诺"),
        "the commitment is shown: {texts:?}"
    );
    let send = &bot.api.calls("sendMessage")[0];
    assert_eq!(
        send.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "rp:1"
    );
    assert_eq!(balance(&pool, GROUP, Account::Wallet(SENDER)).await, 900);
    assert_eq!(balance(&pool, GROUP, escrow(1)).await, 100);
    let message_id = announcement(&pool, 1).await;

    // The seed stays secret while the packet is open; the list_hash (of the empty list) is shown.
    bot.push(group_message(GROUP, sender(), "/verify P1"));
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(texts[1].contains("种子会在结束后公开"), "{texts:?}");
    assert!(
        texts[1].contains(
            "list_hash（参与名单的哈希，红包的名单为空）：<code>e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855</code>"
        ),
        "{texts:?}"
    );

    for member in 1..=4 {
        bot.push(callback(
            GROUP,
            user(4_000 + member, &format!("M{member}")),
            message_id,
            "rp:1",
        ));
    }
    bot.push(callback(GROUP, user(4_001, "M1"), message_id, "rp:1"));
    bot.api.wait_for("answerCallbackQuery", 5, WAIT).await;
    let alerts = answers(&bot.api);
    let won: Vec<i64> = alerts.iter().filter_map(|t| plus_amount(t)).collect();
    assert_eq!(won.len(), 3, "{alerts:?}");
    assert_eq!(won.iter().sum::<i64>(), 100);
    assert!(alerts
        .iter()
        .all(|t| plus_amount(t).is_some() || !t.contains('+')));
    assert!(alerts.iter().any(|t| t.contains("抢完")), "{alerts:?}");
    assert!(alerts.iter().any(|t| t.contains("已经抢过")), "{alerts:?}");

    let edit = wait_edit(&bot.api, "手气最佳").await;
    let text = edit.params["text"].as_str().unwrap();
    for member in 1..=3 {
        assert!(text.contains(&format!("M{member} +")), "{text}");
    }
    assert!(text.contains("种子"), "the seed is revealed: {text}");
    assert_eq!(edit.params["message_id"].as_i64(), Some(message_id));
    assert_eq!(balance(&pool, GROUP, escrow(1)).await, 0);
    assert_eq!(economy_sum(&pool, GROUP).await, 0);

    bot.push(group_message(GROUP, sender(), "/verify P1"));
    let texts = bot.wait_texts(GROUP, 3).await;
    assert!(texts[2].contains("✅"), "{texts:?}");
    assert!(
        texts[2].contains("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        "{texts:?}"
    );
    let stored: Vec<i64> = sqlx::query_scalar(
        "SELECT amount FROM redpacket_shares WHERE packet_id = 1 ORDER BY position",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let listed = stored
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    assert!(texts[2].contains(&listed), "{texts:?} vs {listed}");
    bot.stop().await;
}

#[tokio::test]
async fn an_equal_packet_spreads_the_remainder_and_the_text_trigger_works() {
    let bot = TestBot::start().await;
    let pool = bot.ctx.storage.write.clone();
    fund(&pool, GROUP, SENDER, 50).await;
    bot.push(group_message(GROUP, sender(), "/hongbao equal 10 3"));
    bot.wait_texts(GROUP, 1).await;
    for member in 1..=3 {
        bot.push(callback(GROUP, user(5_000 + member, "E"), 1, "rp:1"));
    }
    bot.api.wait_for("answerCallbackQuery", 3, WAIT).await;
    let mut won: Vec<i64> = answers(&bot.api)
        .iter()
        .filter_map(|t| plus_amount(t))
        .collect();
    won.sort();
    assert_eq!(won, vec![3, 3, 4]);
    // An equal packet has no best luck: nobody was luckier.
    let done = last_edit_containing(&bot, "红包已被抢完").await;
    assert!(!done.contains("手气最佳"), "{done}");

    bot.push(group_message(GROUP, sender(), "发红包 20 2"));
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(
        texts[1].contains("P2") && texts[1].contains("拼手气"),
        "{texts:?}"
    );
    assert_eq!(balance(&pool, GROUP, Account::Wallet(SENDER)).await, 20);
    bot.stop().await;
}

#[tokio::test]
async fn an_exclusive_packet_opens_only_for_its_member() {
    let bot = TestBot::start().await;
    let pool = bot.ctx.storage.write.clone();
    fund(&pool, GROUP, SENDER, 100).await;
    let tina = user_with(6_001, "Tina", Some("tina_t"), None);
    bot.push(group_message(GROUP, tina.clone(), "hi all"));
    bot.settle().await;
    bot.push(group_message(GROUP, sender(), "/hongbao @tina_t 30 谢谢"));
    let texts = bot.wait_texts(GROUP, 1).await;
    assert!(
        texts[0].contains("专享") && texts[0].contains("Tina"),
        "{texts:?}"
    );
    bot.push(callback(GROUP, user(6_002, "Other"), 1, "rp:1"));
    bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
    bot.push(callback(GROUP, tina.clone(), 1, "rp:1"));
    bot.api.wait_for("answerCallbackQuery", 2, WAIT).await;
    let alerts = answers(&bot.api);
    assert!(
        alerts[0].contains("别人") && !alerts[0].contains('+'),
        "{alerts:?}"
    );
    assert_eq!(plus_amount(&alerts[1]), Some(30));
    // One share for one member is "claimed", not "all grabbed".
    let done = last_edit_containing(&bot, "已领取：").await;
    assert!(!done.contains("抢完"), "{done}");
    assert_eq!(balance(&pool, GROUP, Account::Wallet(6_001)).await, 30);
    assert_eq!(balance(&pool, GROUP, Account::Wallet(6_002)).await, 0);

    // Not to oneself (by reply), not to a bot, not to an unknown @name; nothing is created.
    let own = group_message(GROUP, sender(), "my message");
    bot.push(reply_to(
        group_message(GROUP, sender(), "/hongbao 10 hi"),
        own,
    ));
    let from_bot = group_message(GROUP, bot_user(), "bot message");
    bot.push(reply_to(
        group_message(GROUP, sender(), "/hongbao 10"),
        from_bot,
    ));
    bot.push(group_message(GROUP, sender(), "/hongbao @nobody_here 10"));
    let texts = bot.wait_texts(GROUP, 4).await;
    assert!(texts[1].contains("自己"), "{texts:?}");
    assert!(texts[2].contains("机器人"), "{texts:?}");
    assert!(texts[3].contains("nobody_here"), "{texts:?}");
    assert_eq!(packet_count(&pool).await, 1);
    assert_eq!(balance(&pool, GROUP, Account::Wallet(SENDER)).await, 70);
    bot.stop().await;
}

#[tokio::test]
async fn refusals_change_nothing() {
    let bot = TestBot::start().await;
    let pool = bot.ctx.storage.write.clone();
    fund(&pool, GROUP, SENDER, 30).await;
    for text in [
        "/hongbao 100 3",
        "/hongbao 1000 101",
        "/hongbao 5 10",
        "/hongbao 10 0",
        "/hongbao 2000000 5",
        "/hongbao",
        "/hongbao mint 100 5",
    ] {
        bot.push(group_message(GROUP, sender(), text));
    }
    let texts = bot.wait_texts(GROUP, 7).await;
    assert!(
        texts[0].contains("积分不够") && texts[0].contains("30"),
        "{texts:?}"
    );
    assert!(texts[1].contains("最多 100 个"), "{texts:?}");
    assert!(texts[2].contains("至少需要 10"), "{texts:?}");
    assert!(texts[3].contains("至少要有 1 个"), "{texts:?}");
    assert_eq!(
        texts[4], "一个红包最多 1000000 积分。",
        "a first number above the maximum that is nobody here is a total: {texts:?}"
    );
    assert!(texts[5].contains("用法"), "{texts:?}");
    assert!(texts[6].contains("管理员"), "{texts:?}");
    bot.settle().await;
    assert_eq!(packet_count(&pool).await, 0);
    assert_eq!(balance(&pool, GROUP, Account::Wallet(SENDER)).await, 30);
    bot.stop().await;
}

#[tokio::test]
async fn an_admin_mint_packet_refunds_the_mint_at_expiry() {
    let bot = TestBot::start().await;
    let pool = bot.ctx.storage.write.clone();
    bot.api.set_admins(
        GROUP,
        vec![
            member(sender(), "creator"),
            crate::support::fake_api::bot_admin_member(),
        ],
    );
    bot.push(group_message(GROUP, sender(), "/hongbao mint 100 4"));
    bot.wait_texts(GROUP, 1).await;
    assert_eq!(balance(&pool, GROUP, Account::Mint).await, -100);
    bot.push(callback(GROUP, user(7_001, "A"), 1, "rp:1"));
    bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
    let got = plus_amount(&answers(&bot.api)[0]).unwrap();
    bot.clock.advance(Duration::from_secs(25 * 3600));
    wait_edit(&bot.api, "群积分池").await;
    assert_eq!(balance(&pool, GROUP, Account::Mint).await, -got);
    assert_eq!(economy_sum(&pool, GROUP).await, 0);
    bot.stop().await;
}

#[tokio::test]
async fn an_expired_packet_returns_the_rest_to_the_sender_even_after_a_restart() {
    let bot = TestBot::start().await;
    let pool = bot.ctx.storage.write.clone();
    fund(&pool, GROUP, SENDER, 1000).await;
    bot.push(group_message(GROUP, sender(), "/hongbao 100 5"));
    bot.wait_texts(GROUP, 1).await;
    let message_id = announcement(&pool, 1).await;

    // After a restart the old button still works.
    let bot = bot.restart().await;
    let pool = bot.ctx.storage.write.clone();
    bot.push(callback(GROUP, user(8_001, "A"), message_id, "rp:1"));
    bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
    let got = plus_amount(&answers(&bot.api)[0]).expect("the grab succeeds after a restart");

    bot.clock.advance(Duration::from_secs(25 * 3600));
    let edit = wait_edit(&bot.api, "已过期").await;
    let text = edit.params["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("{} 积分已退回", 100 - got)),
        "{text}"
    );
    assert!(text.contains("种子"), "{text}");
    assert_eq!(
        balance(&pool, GROUP, Account::Wallet(SENDER)).await,
        1000 - got
    );
    assert_eq!(balance(&pool, GROUP, escrow(1)).await, 0);
    bot.push(callback(GROUP, user(8_002, "B"), message_id, "rp:1"));
    bot.api.wait_for("answerCallbackQuery", 2, WAIT).await;
    let late = &answers(&bot.api)[1];
    assert!(late.contains("过期") && !late.contains('+'), "{late}");
    bot.stop().await;
}

#[tokio::test]
async fn a_thousand_members_grab_at_once() {
    let bot = TestBot::start().await;
    let pool = bot.ctx.storage.write.clone();
    fund(&pool, GROUP, SENDER, 10_000).await;
    bot.push(group_message(GROUP, sender(), "/hongbao 5000 100"));
    bot.wait_texts(GROUP, 1).await;
    let started = std::time::Instant::now();
    for member in 0..1000 {
        bot.push(callback(GROUP, user(100_000 + member, "G"), 1000, "rp:1"));
    }
    bot.api
        .wait_for("answerCallbackQuery", 1000, Duration::from_secs(30))
        .await;
    let storm = started.elapsed();
    println!("1000 grabs answered in {storm:?}");
    // The message is edited sparingly: once when the first grabs came in, then once per edit interval
    // (15 s) at most, and the final edit when the packet is exhausted, never two queued at once.
    let last = wait_edit(&bot.api, "手气最佳").await;
    let edits = bot.api.calls("editMessageText");
    assert!(
        edits
            .iter()
            .all(|e| e.params["message_id"] == last.params["message_id"]),
        "only the packet message is edited"
    );
    let allowed = 2 + (storm.as_secs() / 15) as usize;
    assert!(
        (1..=allowed).contains(&edits.len()),
        "{} edits in {storm:?}",
        edits.len()
    );
    assert!(
        edits.last().unwrap().params["text"]
            .as_str()
            .unwrap()
            .contains("手气最佳"),
        "the last edit shows the final state"
    );
    let alerts = answers(&bot.api);
    assert_eq!(alerts.len(), 1000);
    let won: i64 = alerts.iter().filter_map(|t| plus_amount(t)).sum();
    assert_eq!(
        alerts.iter().filter(|t| plus_amount(t).is_some()).count(),
        100
    );
    assert_eq!(won, 5000);
    let (claims, distinct, sum): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT user_id), SUM(amount) FROM redpacket_claims WHERE packet_id = 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((claims, distinct, sum), (100, 100, 5000));
    assert_eq!(balance(&pool, GROUP, escrow(1)).await, 0);
    assert_eq!(economy_sum(&pool, GROUP).await, 0);
    bot.stop().await;
}

/// Sums that must hold in any state of the database: the economy sums to zero, and each packet's escrow
/// plus its claims equals its total, with no member or position claimed twice.
async fn check_conservation(pool: &SqlitePool, chat: i64) -> (i64, i64) {
    assert_eq!(economy_sum(pool, chat).await, 0);
    let (total, claims, claimed, members, positions): (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT p.total, COUNT(c.user_id), COALESCE(SUM(c.amount), 0), COUNT(DISTINCT c.user_id),
                COUNT(DISTINCT c.position)
         FROM redpackets p LEFT JOIN redpacket_claims c ON c.packet_id = p.id WHERE p.id = 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(claims, members, "no member claimed twice");
    assert_eq!(claims, positions, "no position claimed twice");
    assert_eq!(balance(pool, chat, escrow(1)).await + claimed, total);
    let wallets: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(balance), 0) FROM economy_accounts WHERE chat_id = ? AND kind = 'wallet' AND ref <> ?",
    )
    .bind(chat)
    .bind(SENDER)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(wallets, claimed, "every claim reached a wallet");
    (claims, claimed)
}

fn spawn_binary(api: &FakeApi, database_url: &str, dir: &std::path::Path) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_groupops"))
        .current_dir(dir)
        .env("GROUPOPS_TOKEN", "123456:TEST-TOKEN")
        .env("GROUPOPS_API_URL", api.url())
        .env("GROUPOPS_DATABASE_URL", database_url)
        .env("GROUPOPS_TELEGRAM__POLL_TIMEOUT", "1s")
        .env("GROUPOPS_TELEGRAM__REGISTER_COMMANDS", "false")
        .env("GROUPOPS_LIMITS__PER_GROUP", "1000/1s")
        .env("GROUPOPS_LIMITS__PER_CHAT", "1000/1s")
        .env("GROUPOPS_TIMERS__TICK", "100ms")
        .env("GROUPOPS_REDPACKET__MAX_COUNT", "500")
        .env("RUST_LOG", "error")
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn a_sigkill_in_a_grab_storm_loses_and_duplicates_nothing() {
    let api = FakeApi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/groupops.db?mode=rwc", dir.path().display());
    let mut child = spawn_binary(&api, &database_url, dir.path());
    // The database is ready once the bot has migrated it.
    let deadline = tokio::time::Instant::now() + WAIT;
    let pool = loop {
        if let Ok(pool) = SqlitePool::connect(&database_url).await {
            if sqlx::query("SELECT 1 FROM redpackets")
                .fetch_all(&pool)
                .await
                .is_ok()
            {
                break pool;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bot never migrated"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    fund(&pool, GROUP, SENDER, 2000).await;
    api.push_update(group_message(GROUP, sender(), "/hongbao 1000 500"));
    api.wait_for("sendMessage", 1, WAIT).await;
    // A storm of 500 presses for 500 shares is queued at once, and the bot is killed as soon as five of
    // them were answered. Nearly 500 grabs (each its own transaction) are still to come then, so the kill
    // lands mid-storm even on a fast machine; on a slow one it is only more certainly mid-way.
    for member in 0..500 {
        api.push_update(callback(GROUP, user(200_000 + member, "K"), 1000, "rp:1"));
    }
    api.wait_for("answerCallbackQuery", 5, WAIT).await;
    child.start_kill().expect("SIGKILL sent");
    let _ = child.wait().await;
    let (claims_at_kill, _) = check_conservation(&pool, GROUP).await;
    assert!(
        (5..500).contains(&claims_at_kill),
        "the kill landed mid-storm: {claims_at_kill} of 500 shares claimed"
    );

    // 500 more members press while the bot is down, enough to take every share left even if none of the
    // presses the killed bot had fetched comes back (those it never confirmed are delivered again).
    for member in 500..1000 {
        api.push_update(callback(GROUP, user(200_000 + member, "K"), 1000, "rp:1"));
    }
    // The restarted bot recovers the killed process's write-ahead log; the test's own connections stay
    // out of its way meanwhile.
    pool.close().await;
    let mut child = spawn_binary(&api, &database_url, dir.path());
    let pool = SqlitePool::connect(&database_url).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the restarted bot exited early: {status}");
        }
        let claims: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM redpacket_claims WHERE packet_id = 1")
                .fetch_one(&pool)
                .await
                .unwrap();
        if claims == 500 && api.pending_updates() == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the storm did not finish: {claims} claims, {} updates pending",
            api.pending_updates()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (claims, claimed) = check_conservation(&pool, GROUP).await;
    assert_eq!((claims, claimed), (500, 1000));
    assert_eq!(balance(&pool, GROUP, Account::Wallet(SENDER)).await, 1000);
    let pid = child.id().expect("running").to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let _ = tokio::time::timeout(WAIT, child.wait()).await;
}

#[tokio::test]
async fn an_equal_packet_keeps_the_configured_minimum_share() {
    let bot = TestBot::start_with(&[("GROUPOPS_REDPACKET__MIN_SHARE", "5")]).await;
    let pool = bot.ctx.storage.write.clone();
    fund(&pool, GROUP, SENDER, 100).await;
    bot.push(group_message(GROUP, sender(), "/hongbao equal 12 3"));
    let texts = bot.wait_texts(GROUP, 1).await;
    assert!(
        texts[0].contains("每个至少 5 积分") && texts[0].contains("至少需要 15"),
        "{texts:?}"
    );
    assert_eq!(packet_count(&pool).await, 0);
    bot.push(group_message(GROUP, sender(), "/hongbao equal 16 3"));
    bot.wait_texts(GROUP, 2).await;
    let (min_share,): (i64,) = sqlx::query_as("SELECT min_share FROM redpackets WHERE id = 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(min_share, 5);
    let mut shares: Vec<i64> =
        sqlx::query_scalar("SELECT amount FROM redpacket_shares WHERE packet_id = 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    shares.sort();
    assert_eq!(shares, vec![5, 5, 6]);
    assert_eq!(balance(&pool, GROUP, Account::Wallet(SENDER)).await, 84);
    bot.stop().await;
}

#[tokio::test]
async fn the_final_message_of_a_large_packet_fits_telegram_and_keeps_the_best_luck() {
    let bot = TestBot::start_with(&[("GROUPOPS_REDPACKET__MAX_COUNT", "300")]).await;
    let pool = bot.ctx.storage.write.clone();
    fund(&pool, GROUP, SENDER, 10_000).await;
    bot.push(group_message(GROUP, sender(), "/hongbao 6000 300"));
    bot.wait_texts(GROUP, 1).await;
    let message_id = announcement(&pool, 1).await;
    for member in 0..300 {
        let name = format!("Member with a long name {member:03}");
        bot.push(callback(
            GROUP,
            user(300_000 + member, &name),
            message_id,
            "rp:1",
        ));
    }
    bot.api
        .wait_for("answerCallbackQuery", 300, Duration::from_secs(30))
        .await;
    let edit = wait_edit(&bot.api, "手气最佳").await;
    let text = edit.params["text"].as_str().unwrap();
    assert!(
        text.encode_utf16().count() <= 4096,
        "{} units",
        text.encode_utf16().count()
    );
    assert!(text.contains("共 6000 积分，300 个，已领 300 个"), "{text}");
    assert!(text.contains("种子"), "{text}");
    let shown = text
        .lines()
        .filter(|l| l.starts_with("Member with a l"))
        .count();
    let more = text
        .lines()
        .find_map(|l| l.strip_prefix("……还有 ")?.strip_suffix(" 人"))
        .expect("the hidden claims are counted")
        .parse::<usize>()
        .unwrap();
    assert!(shown > 50, "as many claims as fit are listed: {shown}");
    assert_eq!(shown + more, 300, "{text}");
    // The best luck is named with the largest share.
    let best: i64 =
        sqlx::query_scalar("SELECT MAX(amount) FROM redpacket_claims WHERE packet_id = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(text.contains(&format!("（{best} 积分）")), "{text}");
    bot.stop().await;
}

#[tokio::test]
async fn a_packet_past_its_expiry_answers_expired_before_the_ticker_sweeps_it() {
    // The ticker runs once at start-up and then not for an hour, so the packet stays open in the database.
    let bot = TestBot::start_with(&[("GROUPOPS_TIMERS__TICK", "1h")]).await;
    let pool = bot.ctx.storage.write.clone();
    bot.api.set_admins(
        GROUP,
        vec![
            member(sender(), "creator"),
            crate::support::fake_api::bot_admin_member(),
        ],
    );
    fund(&pool, GROUP, SENDER, 100).await;
    bot.push(group_message(GROUP, sender(), "/hongbao 50 5"));
    bot.wait_texts(GROUP, 1).await;
    let message_id = announcement(&pool, 1).await;
    // A claim rule the late member misses: before the fix they were told about it instead.
    bot.push(group_message(
        GROUP,
        sender(),
        "/hongbao set min_member_hours 1000",
    ));
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(texts[1].contains("1000 小时"), "{texts:?}");
    bot.clock.advance(Duration::from_secs(25 * 3600));
    bot.push(callback(GROUP, user(9_001, "Late"), message_id, "rp:1"));
    bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
    let alert = &answers(&bot.api)[0];
    assert_eq!(alert, "这个红包已经过期了。");
    let status: String = sqlx::query_scalar("SELECT status FROM redpackets WHERE id = 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "open", "the ticker has not swept it yet");
    bot.stop().await;
}

/// A packet whose refund fails at expiry (here the database refuses it) stays open and is tried again,
/// while another group's packet due on the same tick is still refunded and its message edited, although
/// Telegram refuses the failing group's edit too.
#[tokio::test]
async fn one_failing_expiry_does_not_hold_up_another_groups_refund() {
    const OTHER: i64 = -100_889;
    let bot = TestBot::start().await;
    let pool = bot.ctx.storage.write.clone();
    fund(&pool, GROUP, SENDER, 1000).await;
    fund(&pool, OTHER, SENDER, 1000).await;
    bot.push(group_message(GROUP, sender(), "/hongbao 100 5"));
    bot.wait_texts(GROUP, 1).await;
    bot.push(group_message(OTHER, sender(), "/hongbao 50 5"));
    bot.wait_texts(OTHER, 1).await;
    // Packet 1 (of GROUP, the first due) cannot be ended.
    sqlx::query(
        "CREATE TRIGGER refuse_packet_one BEFORE UPDATE OF status ON redpackets
         WHEN NEW.id = 1 BEGIN SELECT RAISE(ABORT, 'packet 1 is refused'); END",
    )
    .execute(&pool)
    .await
    .unwrap();
    bot.api.fail_next(
        "editMessageText",
        1,
        Failure::BadRequest("Bad Request: message to edit not found".into()),
    );
    bot.clock.advance(Duration::from_secs(25 * 3600));
    bot.ticks(2).await;
    assert_eq!(balance(&pool, OTHER, Account::Wallet(SENDER)).await, 1000);
    assert_eq!(balance(&pool, OTHER, escrow(2)).await, 0);
    assert_eq!(
        balance(&pool, GROUP, escrow(1)).await,
        100,
        "still in escrow"
    );
    let errors = bot.take_errors();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("expiry of packet 1") && e.contains("refused")),
        "{errors:?}"
    );
    // Once the fault is gone, the next tick refunds it.
    sqlx::query("DROP TRIGGER refuse_packet_one")
        .execute(&pool)
        .await
        .unwrap();
    bot.ticks(2).await;
    assert_eq!(balance(&pool, GROUP, Account::Wallet(SENDER)).await, 1000);
    bot.stop().await;
}

/// Waits for an edit of a packet message containing `needle`; returns its text.
async fn last_edit_containing(bot: &TestBot, needle: &str) -> String {
    let calls = bot
        .api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "editMessageText"
                    && c.params["text"].as_str().unwrap_or("").contains(needle)
            })
        })
        .await;
    calls
        .iter()
        .rev()
        .find(|c| {
            c.method == "editMessageText"
                && c.params["text"].as_str().unwrap_or("").contains(needle)
        })
        .map(|c| c.params["text"].as_str().unwrap_or("").to_string())
        .unwrap()
}

/// A packet's message names the group's claim conditions, shows the commitment's first 12 hex digits, and
/// carries a Verify button whose deep link answers in private with the full commitment.
async fn a_packet_names_its_conditions_and_links_its_verification(lang: &str, conditions: &str) {
    const CHAT: i64 = -100_8891;
    let bot = TestBot::start().await;
    let pool = bot.ctx.storage.write.clone();
    bot.api.set_admins(
        CHAT,
        vec![
            member(sender(), "creator"),
            crate::support::fake_api::bot_admin_member(),
        ],
    );
    fund(&pool, CHAT, SENDER, 1000).await;
    let mut replies = 0;
    for command in [
        format!("/lang {lang}"),
        "/hongbao set min_member_hours 24".to_owned(),
        "/hongbao set require_spoken on".to_owned(),
        "/hongbao set min_level 3".to_owned(),
    ] {
        replies += 1;
        bot.push(group_message(CHAT, sender(), &command));
        bot.wait_texts(CHAT, replies).await;
    }
    bot.push(group_message(CHAT, sender(), "/hongbao 100 3"));
    let texts = bot.wait_texts(CHAT, replies + 1).await;
    let packet = &texts[replies];
    assert!(packet.contains(conditions), "{packet}");
    let commitment: String = sqlx::query_scalar("SELECT commitment FROM redpackets WHERE id = 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(commitment.len(), 64);
    assert!(
        packet.contains(&format!("<code>{}…</code>", &commitment[..12])),
        "{packet}"
    );
    assert!(
        !packet.contains(&commitment),
        "the full commitment is left to /verify: {packet}"
    );
    let send = bot
        .api
        .calls("sendMessage")
        .into_iter()
        .find(|c| c.params["text"].as_str().unwrap_or("").contains("P1"))
        .unwrap();
    let keyboard = &send.params["reply_markup"]["inline_keyboard"];
    assert_eq!(keyboard[0][0]["callback_data"], "rp:1");
    let url = format!(
        "https://t.me/{}?start=verify_P1",
        crate::support::fake_api::BOT_USERNAME
    );
    assert_eq!(keyboard[1][0]["url"], url.as_str(), "{keyboard}");

    // The button's deep link: `/start verify_P1` in private answers as `/verify P1` does there, in the
    // member's own language.
    bot.push(private_message(sender(), "/start verify_P1"));
    let private = bot.wait_texts(SENDER, 1).await;
    assert!(private[0].contains(&commitment), "{private:?}");
    // `/verify` with the full value keeps working in the group.
    bot.push(group_message(CHAT, sender(), "/verify P1"));
    let texts = bot.wait_texts(CHAT, replies + 2).await;
    assert!(texts[replies + 1].contains(&commitment), "{texts:?}");
    bot.stop().await;
}

#[tokio::test]
async fn a_packet_names_its_conditions_and_links_its_verification_zh() {
    a_packet_names_its_conditions_and_links_its_verification(
        "zh",
        "领取条件：入群满 24 小时、在群里发过言、等级达到 LV3",
    )
    .await;
}

#[tokio::test]
async fn a_packet_names_its_conditions_and_links_its_verification_en() {
    a_packet_names_its_conditions_and_links_its_verification(
        "en",
        "To claim: in the group for 24 hours, has spoken in the group, level 3 or higher.",
    )
    .await;
}
