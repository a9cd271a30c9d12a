//! Red packets with conditions, as members meet them: 口令 (pass) packets, 答题 (quiz) packets with their
//! cool-down, every eligibility rule refusing with its reason, and 红包接龙 relays through rounds, a missed
//! deadline, a stop and the stats.

use crate::support::fake_api::{bot_admin_member, Call};
use crate::support::harness::{TestBot, WAIT};
use crate::support::redpackets::{announcement, answers};
use crate::support::updates::*;
use groupops::features::economy::ledger::{self, Account, Move};
use serde_json::Value;
use sqlx::SqlitePool;
use std::time::Duration;

const GROUP: i64 = -100_999;
const SENDER: i64 = 5_001;
const ADMIN: i64 = 5_002;

fn sender() -> Value {
    user(SENDER, "Sam")
}

fn admin() -> Value {
    user(ADMIN, "Ada")
}

/// Gives a member points straight from the group's mint.
async fn fund(pool: &SqlitePool, user: i64, amount: i64) {
    let mut conn = pool.acquire().await.unwrap();
    ledger::transfer(
        &mut conn,
        &Move {
            chat_id: GROUP,
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

async fn balance(pool: &SqlitePool, user: i64) -> i64 {
    let mut conn = pool.acquire().await.unwrap();
    ledger::balance(&mut conn, GROUP, Account::Wallet(user))
        .await
        .unwrap()
}

async fn economy_sum(pool: &SqlitePool) -> i64 {
    let mut conn = pool.acquire().await.unwrap();
    ledger::economy_sum(&mut conn, GROUP).await.unwrap()
}

/// Presses a button and returns the alert text it got.
async fn press(bot: &TestBot, from: Value, message_id: i64, data: &str) -> String {
    let before = bot.api.calls("answerCallbackQuery").len();
    bot.push(callback(GROUP, from, message_id, data));
    bot.api
        .wait_for("answerCallbackQuery", before + 1, WAIT)
        .await;
    answers(&bot.api)[before].clone()
}

/// Waits for a text to the group containing `needle`, sent or edited in (one claims message per packet is
/// edited as claims come, and whether a claim is in the first send or an edit depends on timing); returns
/// every text so far, sent and edited.
async fn wait_text(bot: &TestBot, needle: &str) -> Vec<String> {
    let is_text = |c: &Call| c.method == "sendMessage" || c.method == "editMessageText";
    let calls = bot
        .api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .any(|c| is_text(c) && c.params["text"].as_str().unwrap_or("").contains(needle))
        })
        .await;
    calls
        .iter()
        .filter(|c| is_text(c))
        .map(|c| c.params["text"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn a_pass_packet_ignores_wrong_phrases_and_pays_the_right_one() {
    let bot = TestBot::start().await;
    let pool = bot.ctx.storage.write.clone();
    fund(&pool, SENDER, 1000).await;
    bot.push(group_message(
        GROUP,
        sender(),
        "/hongbao pass 50 2 芝麻开门",
    ));
    let texts = bot.wait_texts(GROUP, 1).await;
    assert!(
        texts[0].contains("芝麻开门") && texts[0].contains("P1"),
        "{texts:?}"
    );
    let send = &bot.api.calls("sendMessage")[0];
    // Its only button is the Verify link; there is no Grab button to press.
    let buttons: Vec<&serde_json::Value> = send.params["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().into_iter().flatten())
        .collect();
    assert!(
        buttons.iter().all(|b| b["callback_data"].is_null()),
        "a pass packet has no Grab button: {send:?}"
    );
    assert_eq!(balance(&pool, SENDER).await, 950);

    // The packet has no button, and a crafted press does not open it.
    let alert = press(&bot, user(6_009, "Cheat"), 1, "rp:1").await;
    assert!(alert.contains("找不到"), "{alert}");
    assert_eq!(balance(&pool, 6_009).await, 0);

    // A wrong phrase and a phrase inside a longer text are left alone.
    bot.push(group_message(GROUP, user(6_001, "An"), "芝麻"));
    bot.push(group_message(GROUP, user(6_001, "An"), "芝麻开门吧"));
    bot.settle().await;
    assert_eq!(balance(&pool, 6_001).await, 0);
    assert!(bot.api.calls("deleteMessage").is_empty());

    let right = group_message(GROUP, user(6_001, "An"), "芝麻开门");
    let right_id = right["message"]["message_id"].as_i64().unwrap();
    bot.push(right);
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    assert_eq!(
        bot.api.calls("deleteMessage")[0].params["message_id"],
        right_id
    );
    let got = balance(&pool, 6_001).await;
    assert!(got >= 1, "the right phrase pays");

    // Saying it again pays nothing more; a second member takes the last share.
    bot.push(group_message(GROUP, user(6_001, "An"), "芝麻开门"));
    bot.push(group_message(GROUP, user(6_002, "Bo"), "芝麻开门"));
    bot.api.wait_for("deleteMessage", 2, WAIT).await;
    bot.settle().await;
    assert_eq!(balance(&pool, 6_001).await, got);
    assert_eq!(balance(&pool, 6_002).await, 50 - got);
    let texts = wait_text(&bot, &format!("Bo +{}", 50 - got)).await;
    assert!(
        texts.iter().any(|t| t.contains(&format!("An +{got}"))),
        "the claims are announced as +N: {texts:?}"
    );
    // Incomplete requests get their usage and create nothing.
    bot.push(group_message(GROUP, sender(), "/hongbao pass 10 2"));
    wait_text(&bot, "/hongbao pass 总额 个数 口令").await;
    bot.push(group_message(
        GROUP,
        sender(),
        "/hongbao quiz 10 2 no answer here",
    ));
    wait_text(&bot, "/hongbao quiz 总额 个数 问题 | 答案").await;
    let packets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM redpackets")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(packets, 1);

    // The packet is empty now: the phrase is an ordinary message again.
    bot.push(group_message(GROUP, user(6_003, "Cy"), "芝麻开门"));
    bot.settle().await;
    assert_eq!(balance(&pool, 6_003).await, 0);
    assert_eq!(bot.api.calls("deleteMessage").len(), 2);
    assert_eq!(economy_sum(&pool).await, 0);
    bot.stop().await;
}

#[tokio::test]
async fn a_quiz_packet_takes_only_replies_as_answers_and_cools_down_wrong_ones() {
    let bot = TestBot::start_with(&[("GROUPOPS_REDPACKET__QUIZ_COOLDOWN", "30s")]).await;
    let pool = bot.ctx.storage.write.clone();
    fund(&pool, SENDER, 1000).await;
    bot.push(group_message(
        GROUP,
        sender(),
        "/hongbao quiz 40 2 法国的首都是？ | Paris",
    ));
    let texts = bot.wait_texts(GROUP, 1).await;
    assert!(texts[0].contains("法国的首都是？"), "{texts:?}");
    assert!(texts[0].contains("回复这条消息作答"), "{texts:?}");
    assert!(!texts[0].contains("Paris"), "the answer stays secret");
    let quiz_id = announcement(&pool, 1).await;
    let answer = |from: Value, text: &str| {
        reply_to(
            group_message(GROUP, from, text),
            bot_message(GROUP, quiz_id, "🧧"),
        )
    };

    // Guessing in plain messages gets nothing, not even the right answer, and no reply: only replies to
    // the packet are answers, so nobody can try guesses until one pays without a cool-down.
    for guess in ["London", "Rome", "Paris", "paris"] {
        bot.push(group_message(GROUP, user(6_103, "Cy"), guess));
    }
    bot.settle().await;
    assert_eq!(balance(&pool, 6_103).await, 0);
    assert_eq!(bot.texts_to(GROUP).len(), 1);

    // A wrong answer gets one hint; more answers during the cool-down get no reply at all.
    bot.push(answer(user(6_101, "An"), "London"));
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(
        texts[1].contains("答错了") && texts[1].contains("30"),
        "{texts:?}"
    );
    bot.push(answer(user(6_101, "An"), "Rome"));
    bot.settle().await;
    assert_eq!(bot.texts_to(GROUP).len(), 2);
    // Even the right answer waits for the cool-down, and is told (once) how many seconds are left.
    bot.push(answer(user(6_101, "An"), "paris"));
    bot.push(answer(user(6_101, "An"), "Paris"));
    let texts = bot.wait_texts(GROUP, 3).await;
    assert!(
        texts[2].contains("冷却") && texts[2].contains("秒"),
        "{texts:?}"
    );
    bot.settle().await;
    assert_eq!(bot.texts_to(GROUP).len(), 3, "told once per cool-down");
    assert_eq!(balance(&pool, 6_101).await, 0);

    bot.clock.advance(Duration::from_secs(31));
    bot.push(answer(user(6_101, "An"), "  PARIS "));
    bot.push(answer(user(6_102, "Bo"), "ｐａｒｉｓ"));
    bot.settle().await;
    let a = balance(&pool, 6_101).await;
    let b = balance(&pool, 6_102).await;
    assert!(a >= 1 && b >= 1, "both right answers pay: {a} {b}");
    assert_eq!(a + b, 40);
    assert_eq!(balance(&pool, 6_103).await, 0);
    // Quiz answers are not deleted: the question stays answerable for everyone.
    assert!(bot.api.calls("deleteMessage").is_empty());
    assert_eq!(economy_sum(&pool).await, 0);
    bot.stop().await;
}

#[tokio::test]
async fn an_open_pass_packet_still_claims_after_a_restart() {
    let bot = TestBot::start().await;
    let pool = bot.ctx.storage.write.clone();
    fund(&pool, SENDER, 1000).await;
    // Messages before the packet: the group is known to have no typed packet.
    bot.push(group_message(GROUP, user(6_501, "An"), "hello there"));
    bot.push(group_message(
        GROUP,
        sender(),
        "/hongbao pass 30 2 open sesame",
    ));
    bot.wait_texts(GROUP, 1).await;
    bot.push(group_message(GROUP, user(6_501, "An"), "open sesame"));
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    let first = balance(&pool, 6_501).await;
    assert!(first >= 1, "the phrase claims before the restart");

    let bot = bot.restart().await;
    let pool = bot.ctx.storage.write.clone();
    bot.push(group_message(GROUP, user(6_502, "Bo"), "hello again"));
    bot.push(group_message(GROUP, user(6_502, "Bo"), "open sesame"));
    bot.api.wait_for("deleteMessage", 2, WAIT).await;
    bot.settle().await;
    assert_eq!(balance(&pool, 6_502).await, 30 - first);
    // Claimed out: the phrase is an ordinary message again, also for the index in memory.
    bot.push(group_message(GROUP, user(6_503, "Cy"), "open sesame"));
    bot.settle().await;
    assert_eq!(balance(&pool, 6_503).await, 0);
    assert_eq!(bot.api.calls("deleteMessage").len(), 2);
    assert_eq!(economy_sum(&pool).await, 0);
    bot.stop().await;
}

#[tokio::test]
async fn a_mint_packet_refuses_its_own_sender_when_senders_may_not_claim() {
    let bot = TestBot::start().await;
    let pool = bot.ctx.storage.write.clone();
    bot.api
        .set_admins(GROUP, vec![member(admin(), "creator"), bot_admin_member()]);
    bot.push(group_message(
        GROUP,
        admin(),
        "/hongbao set sender_may_claim off",
    ));
    bot.wait_texts(GROUP, 1).await;
    bot.push(group_message(GROUP, admin(), "/hongbao mint 20 2"));
    bot.wait_texts(GROUP, 2).await;
    let packet = announcement(&pool, 1).await;
    let alert = press(&bot, admin(), packet, "rp:1").await;
    assert_eq!(alert, "不能领自己发的红包。");
    assert_eq!(balance(&pool, ADMIN).await, 0);
    let alert = press(&bot, user(6_601, "Other"), packet, "rp:1").await;
    assert!(alert.starts_with("🧧 +"), "{alert}");
    assert_eq!(economy_sum(&pool).await, 0);
    bot.stop().await;
}

#[tokio::test]
async fn every_eligibility_rule_refuses_with_its_reason() {
    let bot = TestBot::start().await;
    let pool = bot.ctx.storage.write.clone();
    bot.api
        .set_admins(GROUP, vec![member(admin(), "creator"), bot_admin_member()]);
    fund(&pool, SENDER, 1000).await;

    // Only admins change the rules.
    bot.push(group_message(GROUP, sender(), "/hongbao set min_level 2"));
    let texts = bot.wait_texts(GROUP, 1).await;
    assert!(!texts[0].contains("领红包条件"), "{texts:?}");
    bot.push(group_message(GROUP, admin(), "/hongbao set min_level lots"));
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(texts[1].contains("min_level"), "{texts:?}");
    // An admin posting anonymously (as the group) may change them too, once an admin confirms it.
    bot.push(anonymous_admin_message(
        GROUP,
        "/hongbao set sender_may_claim off",
    ));
    bot.wait_texts(GROUP, 3).await;
    bot.confirm_anonymous(GROUP, admin()).await;
    let texts = bot.wait_texts(GROUP, 4).await;
    assert!(texts[3].contains("领红包条件"), "{texts:?}");

    bot.push(group_message(GROUP, sender(), "/hongbao 100 5"));
    bot.wait_texts(GROUP, 5).await;
    let packet = announcement(&pool, 1).await;
    let alert = press(&bot, sender(), packet, "rp:1").await;
    assert!(alert.contains("不能领自己"), "{alert}");

    // A member seen for the first time now is too new.
    bot.push(group_message(
        GROUP,
        admin(),
        "/hongbao set min_member_hours 2",
    ));
    bot.wait_texts(GROUP, 6).await;
    bot.push(group_message(GROUP, user(6_201, "Newbie"), "hello"));
    bot.settle().await;
    let alert = press(&bot, user(6_201, "Newbie"), packet, "rp:1").await;
    assert!(alert.contains("2 小时"), "{alert}");
    bot.clock.advance(Duration::from_secs(3 * 3600));
    let alert = press(&bot, user(6_201, "Newbie"), packet, "rp:1").await;
    assert!(alert.starts_with("🧧 +"), "{alert}");

    // A member who never spoke.
    bot.push(group_message(
        GROUP,
        admin(),
        "/hongbao set min_member_hours 0",
    ));
    bot.push(group_message(
        GROUP,
        admin(),
        "/hongbao set require_spoken on",
    ));
    bot.wait_texts(GROUP, 8).await;
    let alert = press(&bot, user(6_202, "Lurker"), packet, "rp:1").await;
    assert!(alert.contains("说句话"), "{alert}");
    bot.push(group_message(GROUP, user(6_202, "Lurker"), "hi all"));
    bot.settle().await;
    let alert = press(&bot, user(6_202, "Lurker"), packet, "rp:1").await;
    assert!(alert.starts_with("🧧 +"), "{alert}");

    // Level 2 needs 50 points in the default levels.
    bot.push(group_message(
        GROUP,
        admin(),
        "/hongbao set require_spoken off",
    ));
    bot.push(group_message(GROUP, admin(), "/hongbao set min_level 2"));
    bot.wait_texts(GROUP, 10).await;
    let alert = press(&bot, user(6_203, "Poor"), packet, "rp:1").await;
    assert!(alert.contains("LV2") && alert.contains("LV1"), "{alert}");
    fund(&pool, 6_203, 50).await;
    let alert = press(&bot, user(6_203, "Poor"), packet, "rp:1").await;
    assert!(alert.starts_with("🧧 +"), "{alert}");

    // One claim per day: a member who claimed today is refused a second packet until tomorrow.
    bot.push(group_message(GROUP, admin(), "/hongbao set min_level 0"));
    bot.push(group_message(
        GROUP,
        admin(),
        "/hongbao set max_claims_per_day 1",
    ));
    bot.wait_texts(GROUP, 12).await;
    bot.push(group_message(GROUP, sender(), "/hongbao 20 2"));
    bot.wait_texts(GROUP, 13).await;
    let second = announcement(&pool, 2).await;
    let alert = press(&bot, user(6_201, "Newbie"), second, "rp:2").await;
    assert!(alert.contains("今天已经领了 1 个"), "{alert}");
    bot.clock.advance(Duration::from_secs(24 * 3600 + 60));
    bot.push(group_message(GROUP, sender(), "/hongbao 20 2"));
    bot.wait_texts(GROUP, 14).await;
    let third = announcement(&pool, 3).await;
    let alert = press(&bot, user(6_201, "Newbie"), third, "rp:3").await;
    assert!(alert.starts_with("🧧 +"), "{alert}");

    // The rules also gate pass packets, with a short reply instead of an alert.
    bot.push(group_message(
        GROUP,
        sender(),
        "/hongbao pass 10 2 open sesame",
    ));
    bot.wait_texts(GROUP, 15).await;
    let deletes = bot.api.calls("deleteMessage").len();
    bot.push(group_message(GROUP, user(6_201, "Newbie"), "open sesame"));
    let texts = bot.wait_texts(GROUP, 16).await;
    assert!(texts[15].contains("今天已经领了 1 个"), "{texts:?}");
    assert_eq!(
        bot.api.calls("deleteMessage").len(),
        deletes,
        "a refused phrase is not deleted"
    );
    // Saying it again within the cool-down gets no second reply.
    bot.push(group_message(GROUP, user(6_201, "Newbie"), "open sesame"));
    bot.settle().await;
    assert_eq!(bot.texts_to(GROUP).len(), 16);

    bot.push(group_message(GROUP, sender(), "/hongbao rules"));
    let texts = bot.wait_texts(GROUP, 17).await;
    assert!(texts[16].contains("每天最多领：1"), "{texts:?}");
    assert_eq!(economy_sum(&pool).await, 0);
    bot.stop().await;
}

/// The member the relay is waiting for.
async fn asked(pool: &SqlitePool, relay: i64) -> Option<i64> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, next): (String, Option<i64>) =
            sqlx::query_as("SELECT status, next_user FROM redpacket_relays WHERE id = ?")
                .bind(relay)
                .fetch_one(pool)
                .await
                .unwrap();
        if status == "asking" {
            return next;
        }
        if status != "running" {
            return None;
        }
        assert!(tokio::time::Instant::now() < deadline, "nobody was asked");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn relay_status(pool: &SqlitePool, relay: i64) -> String {
    sqlx::query_scalar("SELECT status FROM redpacket_relays WHERE id = ?")
        .bind(relay)
        .fetch_one(pool)
        .await
        .unwrap()
}

fn named(id: i64) -> Value {
    user(id, &format!("U{id}"))
}

#[tokio::test]
async fn a_relay_goes_two_rounds_then_ends_at_a_missed_deadline() {
    let bot = TestBot::start().await;
    let pool = bot.ctx.storage.write.clone();
    let (a, b, c) = (6_301, 6_302, 6_303);
    fund(&pool, SENDER, 100).await;
    fund(&pool, a, 100).await;
    fund(&pool, b, 100).await;
    bot.push(group_message(GROUP, sender(), "/relay 30 2"));
    let texts = wait_text(&bot, "R1").await;
    assert!(
        texts
            .iter()
            .any(|t| t.contains("手气最佳的人在 10 分钟内接着发")),
        "the deadline is written in words: {texts:?}"
    );
    assert_eq!(balance(&pool, SENDER).await, 70);
    let first = announcement(&pool, 1).await;
    press(&bot, named(a), first, "rp:1").await;
    press(&bot, named(b), first, "rp:1").await;

    // Round 1 is exhausted: its best luck is asked, with a button only they can use.
    let best = asked(&pool, 1).await.expect("someone is asked");
    let other = if best == a { b } else { a };
    let texts = wait_text(&bot, "点按钮").await;
    assert!(
        texts.iter().any(|t| t.contains("请在 10 分钟内点按钮")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains(&format!("tg://user?id={best}"))),
        "{texts:?}"
    );
    let ask = bot
        .api
        .calls("sendMessage")
        .into_iter()
        .find(|c| c.params["text"].as_str().unwrap_or("").contains("点按钮"))
        .unwrap();
    assert_eq!(
        ask.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "rl:1:2"
    );
    let before_other = balance(&pool, other).await;
    let alert = press(&bot, named(other), 900, "rl:1:2").await;
    assert!(alert.contains("只有手气最佳"), "{alert}");
    assert_eq!(balance(&pool, other).await, before_other);

    let before_best = balance(&pool, best).await;
    let alert = press(&bot, named(best), 900, "rl:1:2").await;
    assert!(alert.contains("已发出"), "{alert}");
    assert_eq!(balance(&pool, best).await, before_best - 30);
    // A second press sends nothing more.
    let alert = press(&bot, named(best), 900, "rl:1:2").await;
    assert!(alert.contains("不用接"), "{alert}");
    assert_eq!(balance(&pool, best).await, before_best - 30);

    let second = announcement(&pool, 2).await;
    press(&bot, named(c), second, "rp:2").await;
    press(&bot, named(other), second, "rp:2").await;
    let next = asked(&pool, 1).await.expect("round 2's best luck is asked");
    assert!(next == c || next == other);

    // Nobody sends round 3: the deadline (10 minutes by default) ends the relay.
    bot.clock.advance(Duration::from_secs(11 * 60));
    wait_text(&bot, "没有按时接上").await;
    assert_eq!(relay_status(&pool, 1).await, "ended");

    bot.push(group_message(GROUP, sender(), "/relay stats"));
    let texts = wait_text(&bot, "发出 / 领到 / 净得").await;
    let stats = texts.iter().find(|t| t.contains("发出 / 领到")).unwrap();
    assert!(stats.contains("2 轮"), "{stats}");
    let mut nets = 0;
    let mut sent = 0;
    let mut lines = 0;
    for line in stats.lines().skip(2) {
        let numbers = line.rsplit('：').next().unwrap();
        let parts: Vec<i64> = numbers
            .split(" / ")
            .map(|n| n.trim().parse().unwrap())
            .collect();
        assert_eq!(parts[2], parts[1] - parts[0], "{line}");
        sent += parts[0];
        nets += parts[2];
        lines += 1;
    }
    assert_eq!((sent, nets), (60, 0), "{stats}");
    assert!(lines >= 3, "{stats}");
    assert_eq!(economy_sum(&pool).await, 0);
    bot.stop().await;
}

#[tokio::test]
async fn a_poor_best_luck_is_told_and_relays_stop_by_starter_or_admin() {
    let bot = TestBot::start_with(&[("GROUPOPS_REDPACKET__RELAY_PING_ONCE", "true")]).await;
    let pool = bot.ctx.storage.write.clone();
    bot.api
        .set_admins(GROUP, vec![member(admin(), "creator"), bot_admin_member()]);
    fund(&pool, SENDER, 100).await;
    bot.push(group_message(GROUP, sender(), "/relay 20 1 5s"));
    wait_text(&bot, "10 秒到 7 天").await;
    bot.push(group_message(GROUP, sender(), "/relay 20 1 1m"));
    wait_text(&bot, "R1").await;
    bot.push(group_message(GROUP, sender(), "/relay 20 1"));
    wait_text(&bot, "已有接龙").await;
    let first = announcement(&pool, 1).await;
    press(&bot, named(6_401), first, "rp:1").await;
    assert_eq!(asked(&pool, 1).await, Some(6_401));
    // They hold exactly the 20 points they grabbed; spend them elsewhere first.
    {
        let mut conn = pool.acquire().await.unwrap();
        ledger::transfer(
            &mut conn,
            &Move {
                chat_id: GROUP,
                from: Account::Wallet(6_401),
                to: Account::Mint,
                amount: 15,
                reason: "test",
                actor: None,
                reference: None,
                at: 0,
            },
        )
        .await
        .unwrap();
    }
    // The ask survives a restart: its button is resolved from the database.
    let bot = bot.restart().await;
    let pool = bot.ctx.storage.write.clone();
    let alert = press(&bot, named(6_401), 901, "rl:1:2").await;
    assert!(alert.contains("积分不够") && alert.contains('5'), "{alert}");
    assert_eq!(relay_status(&pool, 1).await, "asking");

    // With relay_ping_once the first missed deadline reminds them once.
    bot.clock.advance(Duration::from_secs(61));
    wait_text(&bot, "还在等你").await;
    assert_eq!(relay_status(&pool, 1).await, "asking");

    // Only the starter or an admin may stop it.
    bot.push(group_message(GROUP, named(6_401), "/relay stop"));
    wait_text(&bot, "只有发起人或管理员").await;
    assert_eq!(relay_status(&pool, 1).await, "asking");
    bot.push(group_message(GROUP, admin(), "/relay stop"));
    wait_text(&bot, "R1 已结束").await;
    assert_eq!(relay_status(&pool, 1).await, "stopped");
    let alert = press(&bot, named(6_401), 901, "rl:1:2").await;
    assert!(alert.contains("不用接"), "{alert}");

    // A new relay may start and its starter stops it.
    bot.push(group_message(GROUP, sender(), "/relay 20 2"));
    wait_text(&bot, "R2").await;
    bot.push(group_message(GROUP, sender(), "/relay stop"));
    wait_text(&bot, "R2 已结束").await;
    assert_eq!(relay_status(&pool, 2).await, "stopped");
    bot.push(group_message(GROUP, sender(), "/relay 5"));
    wait_text(&bot, "/relay stats").await;
    assert_eq!(economy_sum(&pool).await, 0);
    bot.stop().await;
}

/// A 口令 typed the way phones and members type it (a capital first letter, full-width letters, trailing
/// punctuation or an emoji) still claims, in a Chinese and in an English group.
async fn a_phrase_claims_however_it_is_capitalised_or_punctuated(lang: &str) {
    let bot = TestBot::start().await;
    let pool = bot.ctx.storage.write.clone();
    fund(&pool, SENDER, 1000).await;
    bot.api.set_admins(
        GROUP,
        vec![member(named(ADMIN), "creator"), bot_admin_member()],
    );
    bot.push(group_message(GROUP, named(ADMIN), &format!("/lang {lang}")));
    bot.wait_texts(GROUP, 1).await;
    bot.push(group_message(
        GROUP,
        sender(),
        "/hongbao pass 30 3 open sesame",
    ));
    bot.wait_texts(GROUP, 2).await;
    for (id, typed) in [
        (6_101, "Open sesame！"),
        (6_102, "ＯＰＥＮ ＳＥＳＡＭＥ"),
        (6_103, "open sesame 🎉"),
    ] {
        bot.push(group_message(GROUP, user(id, "Fan"), typed));
    }
    bot.api.wait_for("deleteMessage", 3, WAIT).await;
    bot.settle().await;
    let paid: i64 = [6_101, 6_102, 6_103]
        .iter()
        .map(|id| {
            let pool = pool.clone();
            async move { balance(&pool, *id).await }
        })
        .collect::<futures::future::JoinAll<_>>()
        .await
        .into_iter()
        .sum();
    assert_eq!(paid, 30, "all three shares were claimed");
    bot.stop().await;
}

#[tokio::test]
async fn a_phrase_claims_however_it_is_capitalised_or_punctuated_zh() {
    a_phrase_claims_however_it_is_capitalised_or_punctuated("zh").await;
}

#[tokio::test]
async fn a_phrase_claims_however_it_is_capitalised_or_punctuated_en() {
    a_phrase_claims_however_it_is_capitalised_or_punctuated("en").await;
}
