//! The points economy as members and admins meet it: sign-in once a day (also under 100 concurrent
//! attempts), the day boundary with a time zone and reset hour, streaks and grace cards, `/me`, `/rank`,
//! audited admin adjustments, transfers, activity points and balances that survive a restart.

use crate::support::fake_api::bot_admin_member;
use crate::support::harness::{TestBot, WAIT};
use crate::support::members::owner_without_language;
use crate::support::updates::*;
use groupops::features::economy::ledger::{self, Account};
use serde_json::Value;
use std::time::Duration;

const OWNER: i64 = 7_001;
const ALICE: i64 = 7_002;
const BOB: i64 = 7_003;

fn alice() -> Value {
    user_with(ALICE, "Alice", Some("alice"), None)
}

fn bob() -> Value {
    user_with(BOB, "Bob", Some("bob"), None)
}

fn admins(bot: &TestBot, chat: i64) {
    bot.api.set_admins(
        chat,
        vec![
            member(owner_without_language(OWNER), "creator"),
            bot_admin_member(),
        ],
    );
}

async fn balance(bot: &TestBot, chat: i64, user: i64) -> i64 {
    let mut conn = bot.ctx.storage.read.acquire().await.unwrap();
    ledger::balance(&mut conn, chat, Account::Wallet(user))
        .await
        .unwrap()
}

async fn economy_is_balanced(bot: &TestBot, chat: i64) {
    let mut conn = bot.ctx.storage.read.acquire().await.unwrap();
    assert_eq!(ledger::economy_sum(&mut conn, chat).await.unwrap(), 0);
    assert!(ledger::audit(&mut conn, chat).await.unwrap().is_empty());
}

async fn checkins(bot: &TestBot, chat: i64, user: i64) -> Vec<(i64, i64, bool)> {
    sqlx::query_as(
        "SELECT day, streak, grace_used FROM checkins WHERE chat_id = ? AND user_id = ? ORDER BY day",
    )
    .bind(chat)
    .bind(user)
    .fetch_all(&bot.ctx.storage.read)
    .await
    .unwrap()
}

/// Sends a command and waits for the `n`-th text in the chat; returns that text.
async fn say(bot: &TestBot, chat: i64, from: Value, text: &str, nth: usize) -> String {
    bot.push(group_message(chat, from, text));
    let texts = bot.wait_texts(chat, nth).await;
    assert!(texts.len() >= nth, "no reply to {text}: {texts:?}");
    texts[nth - 1].clone()
}

/// Moves the bot's clock to the next instant that is `hour`:`minute` UTC.
fn advance_to_utc(bot: &TestBot, hour: i64, minute: i64) {
    let now = bot.ctx.now();
    let target_in_day = hour * 3600 + minute * 60;
    let mut wait = target_in_day - now.rem_euclid(86_400);
    if wait <= 0 {
        wait += 86_400;
    }
    bot.clock.advance(Duration::from_secs(wait as u64));
}

#[tokio::test]
async fn signing_in_twice_a_day_pays_once_and_me_shows_it() {
    const GROUP: i64 = -100_7001;
    let bot = TestBot::start().await;
    let first = say(&bot, GROUP, alice(), "/checkin", 1).await;
    assert!(first.contains("+12"), "base 10 + streak 1 × 2: {first}");
    assert!(first.contains("今日第 1 位签到"), "{first}");
    assert!(first.contains("连签 1 天"), "{first}");
    bot.push(group_message(GROUP, alice(), "签到"));
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(texts[1].contains("今天已签过"), "{texts:?}");
    assert_eq!(balance(&bot, GROUP, ALICE).await, 12);
    let second = say(&bot, GROUP, bob(), "打卡", 3).await;
    assert!(second.contains("今日第 2 位签到"), "{second}");
    bot.settle().await;
    let me = say(&bot, GROUP, alice(), "/me", 4).await;
    assert!(me.contains("积分：12（第 1 名）"), "{me}");
    assert!(me.contains("LV1 潜水"), "{me}");
    assert!(me.contains("连签：1 天"), "{me}");
    // Alice's sign-in word; her /checkin and /me are commands, which count as no message.
    assert!(me.contains("近 7 天发言：1 条"), "{me}");
    economy_is_balanced(&bot, GROUP).await;
    bot.stop().await;
}

#[tokio::test]
async fn a_hundred_concurrent_sign_ins_pay_once_and_reply_twice() {
    const GROUP: i64 = -100_7002;
    // The production minimum of a wave: all 100 sign-ins are handled (one after another, as one chat's
    // updates are) within the first reply's wave, even on a slow machine.
    let bot = TestBot::start_with(&[("GROUPOPS_ECONOMY__MIN_WAVE_WINDOW", "2s")]).await;
    for _ in 0..100 {
        bot.push(group_message(GROUP, alice(), "/checkin"));
    }
    bot.settle().await;
    assert_eq!(balance(&bot, GROUP, ALICE).await, 12);
    assert_eq!(checkins(&bot, GROUP, ALICE).await.len(), 1);
    let journal: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM economy_journal WHERE chat_id = ?")
        .bind(GROUP)
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(journal, 1);
    // One answer at once, the other 99 gathered into one message when the wave closes.
    let texts = bot.wait_texts(GROUP, 2).await;
    bot.wave_closed(GROUP).await;
    economy_is_balanced(&bot, GROUP).await;
    // Stopping sends everything still queued: nothing else was said.
    let api = bot.api.clone();
    bot.stop().await;
    let texts_later: Vec<_> = api
        .calls("sendMessage")
        .into_iter()
        .filter(|call| !call.failed && call.params["chat_id"].as_i64() == Some(GROUP))
        .collect();
    assert_eq!(texts_later.len(), 2, "{texts:?}");
}

#[tokio::test]
async fn the_day_turns_at_the_reset_hour_in_the_group_time_zone() {
    const GROUP: i64 = -100_7003;
    let bot = TestBot::start().await;
    admins(&bot, GROUP);
    let bad = say(
        &bot,
        GROUP,
        owner_without_language(OWNER),
        "/settz Mars/Base",
        1,
    )
    .await;
    assert!(bad.contains("不认识时区"), "{bad}");
    let refused = say(&bot, GROUP, alice(), "/settz UTC", 2).await;
    assert!(
        refused.contains("管理员") || refused.contains("admin"),
        "{refused}"
    );
    say(&bot, GROUP, owner_without_language(OWNER), "/settz UTC", 3).await;
    let bad_hour = say(
        &bot,
        GROUP,
        owner_without_language(OWNER),
        "/setreset 24",
        4,
    )
    .await;
    assert!(bad_hour.contains("0–23"), "{bad_hour}");
    let done = say(&bot, GROUP, owner_without_language(OWNER), "/setreset 5", 5).await;
    assert!(done.contains('5'), "{done}");
    let zone: Option<String> = sqlx::query_scalar("SELECT timezone FROM groups WHERE chat_id = ?")
        .bind(GROUP)
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(zone.as_deref(), Some("UTC"));

    // 04:58 UTC belongs to the day that started at 05:00 yesterday; 05:01 starts a new one.
    advance_to_utc(&bot, 4, 58);
    say(&bot, GROUP, alice(), "/checkin", 6).await;
    advance_to_utc(&bot, 4, 59);
    bot.push(group_message(GROUP, alice(), "/checkin"));
    bot.settle().await;
    assert_eq!(checkins(&bot, GROUP, ALICE).await.len(), 1);
    advance_to_utc(&bot, 5, 1);
    // The answer to the second sign-in of 04:59 has gone out, and the next sign-in opens a new wave.
    bot.wait_texts(GROUP, 7).await;
    bot.wave_closed(GROUP).await;
    let next = say(&bot, GROUP, alice(), "/checkin", 8).await;
    assert!(next.contains("连签 2 天"), "{next}");
    let days = checkins(&bot, GROUP, ALICE).await;
    assert_eq!(days.len(), 2);
    assert_eq!(days[1].0, days[0].0 + 1);
    bot.stop().await;
}

#[tokio::test]
async fn a_grace_card_bridges_one_missed_day_and_a_longer_gap_breaks_the_streak() {
    const GROUP: i64 = -100_7004;
    let bot = TestBot::start_with(&[("GROUPOPS_ECONOMY__GRACE_EVERY", "2")]).await;
    let mut sent = 0;
    let mut sign = |bot: &TestBot| {
        sent += 1;
        bot.push(group_message(GROUP, alice(), "/checkin"));
        sent
    };
    for _ in 0..2 {
        let n = sign(&bot);
        bot.wait_texts(GROUP, n).await;
        bot.clock.advance(Duration::from_secs(86_400));
        bot.wave_closed(GROUP).await;
    }
    // Day 3 missed; day 4 uses the card earned on day 2.
    bot.clock.advance(Duration::from_secs(86_400));
    let n = sign(&bot);
    let text = bot.wait_texts(GROUP, n).await[n - 1].clone();
    assert!(text.contains("补签卡"), "{text}");
    assert!(text.contains("连签 3 天"), "{text}");
    bot.wave_closed(GROUP).await;
    // Two days missed with no card left: the streak starts again.
    bot.clock.advance(Duration::from_secs(3 * 86_400));
    let n = sign(&bot);
    let text = bot.wait_texts(GROUP, n).await[n - 1].clone();
    assert!(text.contains("连签 1 天"), "{text}");
    let streaks: Vec<(i64, bool)> = checkins(&bot, GROUP, ALICE)
        .await
        .into_iter()
        .map(|(_, streak, grace)| (streak, grace))
        .collect();
    assert_eq!(streaks, vec![(1, false), (2, false), (3, true), (1, false)]);
    economy_is_balanced(&bot, GROUP).await;
    bot.stop().await;
}

#[tokio::test]
async fn admins_give_and_take_with_an_audit_trail_and_members_cannot() {
    const GROUP: i64 = -100_7005;
    let bot = TestBot::start().await;
    admins(&bot, GROUP);
    // Alice speaks first so that @alice is known in the group.
    bot.push(group_message(GROUP, alice(), "hello everyone"));
    bot.settle().await;
    let refused = say(&bot, GROUP, alice(), "/give @alice 100", 1).await;
    assert!(refused.contains("管理员"), "{refused}");
    assert_eq!(balance(&bot, GROUP, ALICE).await, 0);
    let bad_inputs = [
        ("/give @alice -5", "正整数"),
        ("/give @alice 0", "正整数"),
        ("/give @alice lots", "不是整数"),
        ("/give @alice 1000001", "最多 1000000"),
        ("/give @nobody 5", "没见过 @nobody"),
        ("/give 424242 5", "没见过 ID 为 424242"),
        ("/give 5", "用法"),
        ("/take @alice 5", "扣不了"),
    ];
    let mut n = 1;
    for (command, expected) in bad_inputs {
        n += 1;
        let text = say(&bot, GROUP, owner_without_language(OWNER), command, n).await;
        assert!(text.contains(expected), "{command}: {text}");
    }
    assert_eq!(balance(&bot, GROUP, ALICE).await, 0);
    n += 1;
    let given = say(
        &bot,
        GROUP,
        owner_without_language(OWNER),
        "/give @alice 300 event prize",
        n,
    )
    .await;
    assert!(given.contains("300"), "{given}");
    assert!(given.contains("event prize"), "{given}");
    assert!(
        given.contains("LV3"),
        "300 points earned reach 吐槽: {given}"
    );
    let replied = reply_to(
        group_message(GROUP, owner_without_language(OWNER), "/take 50 spam"),
        group_message(GROUP, alice(), "buy my stuff"),
    );
    bot.push(replied);
    n += 1;
    bot.wait_texts(GROUP, n).await;
    assert_eq!(balance(&bot, GROUP, ALICE).await, 250);
    let audit: Vec<(String, Option<i64>, i64, Option<String>)> = sqlx::query_as(
        "SELECT reason, actor, amount, reference FROM economy_journal WHERE chat_id = ? ORDER BY id",
    )
    .bind(GROUP)
    .fetch_all(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(
        audit,
        vec![
            (
                "admin_give".into(),
                Some(OWNER),
                300,
                Some("note:event prize".into())
            ),
            (
                "admin_take".into(),
                Some(OWNER),
                50,
                Some("note:spam".into())
            ),
        ]
    );
    n += 1;
    let own = say(&bot, GROUP, alice(), "/ledger", n).await;
    assert!(own.contains("+300") && own.contains("-50"), "{own}");
    n += 1;
    let others = say(&bot, GROUP, bob(), "/ledger @alice", n).await;
    assert!(others.contains("只能查看自己的流水"), "{others}");
    n += 1;
    let as_admin = say(
        &bot,
        GROUP,
        owner_without_language(OWNER),
        "/ledger @alice",
        n,
    )
    .await;
    assert!(as_admin.contains("余额 250"), "{as_admin}");
    economy_is_balanced(&bot, GROUP).await;
    bot.stop().await;
}

#[tokio::test]
async fn transfers_are_off_by_default() {
    const GROUP: i64 = -100_7006;
    let bot = TestBot::start().await;
    let text = say(&bot, GROUP, alice(), "/transfer @bob 5", 1).await;
    assert!(text.contains("没有开启转账"), "{text}");
    bot.stop().await;
}

#[tokio::test]
async fn transfers_follow_the_rules_when_turned_on() {
    const GROUP: i64 = -100_7007;
    let bot = TestBot::start_with(&[
        ("GROUPOPS_ECONOMY__TRANSFER_ENABLED", "true"),
        ("GROUPOPS_ECONOMY__TRANSFER_DAILY_LIMIT", "20"),
    ])
    .await;
    admins(&bot, GROUP);
    bot.push(group_message(GROUP, bob(), "hi there all"));
    bot.push(group_message(GROUP, alice(), "hi there bob"));
    bot.settle().await;
    say(
        &bot,
        GROUP,
        owner_without_language(OWNER),
        "/give @alice 100",
        1,
    )
    .await;
    let cases = [
        ("/transfer @alice 5", "不能转给自己"),
        ("/transfer @bob 0", "正整数"),
        ("/transfer @bob x", "不是整数"),
        ("/transfer @ghost 5", "没见过 @ghost"),
        ("/transfer @bob 21", "今天还能转 20"),
        ("/transfer @bob 15", "已转给"),
        ("/transfer @bob 6", "今天还能转 5"),
    ];
    for (index, (command, expected)) in cases.into_iter().enumerate() {
        let text = say(&bot, GROUP, alice(), command, index + 2).await;
        assert!(text.contains(expected), "{command}: {text}");
    }
    assert_eq!(balance(&bot, GROUP, ALICE).await, 85);
    assert_eq!(balance(&bot, GROUP, BOB).await, 15);
    let over = say(&bot, GROUP, bob(), "/transfer @alice 16", 9).await;
    assert!(over.contains("不够转"), "{over}");
    assert_eq!(balance(&bot, GROUP, BOB).await, 15);
    economy_is_balanced(&bot, GROUP).await;
    bot.stop().await;
}

#[tokio::test]
async fn rank_lists_the_top_and_the_callers_place_per_period() {
    const GROUP: i64 = -100_7008;
    let bot = TestBot::start().await;
    admins(&bot, GROUP);
    bot.push(group_message(GROUP, bob(), "hello from bob"));
    bot.push(group_message(GROUP, alice(), "hello from alice"));
    bot.settle().await;
    say(
        &bot,
        GROUP,
        owner_without_language(OWNER),
        "/give @bob 40",
        1,
    )
    .await;
    // A week later Alice signs in; Bob's gift is older than this week's start... or not, so use "day".
    bot.clock.advance(Duration::from_secs(8 * 86_400));
    say(&bot, GROUP, alice(), "/checkin", 2).await;
    let all = say(&bot, GROUP, alice(), "/rank", 3).await;
    let bob_at = all.find("Bob").expect("Bob ranked");
    let alice_at = all.find("Alice").expect("Alice ranked");
    assert!(bob_at < alice_at, "Bob (40) above Alice (12): {all}");
    assert!(all.contains("你：第 2 名（12）"), "{all}");
    let today = say(&bot, GROUP, alice(), "/rank points day", 4).await;
    assert!(!today.contains("Bob"), "{today}");
    assert!(today.contains("你：第 1 名（12）"), "{today}");
    let checkin_week = say(&bot, GROUP, bob(), "/rank checkin week", 5).await;
    assert!(checkin_week.contains("Alice — 1"), "{checkin_week}");
    assert!(checkin_week.contains("你还没上榜"), "{checkin_week}");
    let messages = say(&bot, GROUP, bob(), "/rank messages all", 6).await;
    assert!(messages.contains("Bob"), "{messages}");
    let bad = say(&bot, GROUP, bob(), "/rank yearly", 7).await;
    assert!(bad.contains("用法"), "{bad}");
    bot.stop().await;
}

#[tokio::test]
async fn long_messages_earn_activity_points_up_to_the_daily_cap() {
    const GROUP: i64 = -100_7009;
    let bot = TestBot::start_with(&[
        ("GROUPOPS_ECONOMY__ACTIVITY_DAILY_CAP", "3"),
        ("GROUPOPS_ECONOMY__ACTIVITY_POINTS_PER_MESSAGE", "1"),
    ])
    .await;
    bot.push(group_message(GROUP, alice(), "hi"));
    bot.push(group_message(GROUP, alice(), "a longer message"));
    bot.push(group_message(GROUP, alice(), "another longer one"));
    bot.settle().await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while balance(&bot, GROUP, ALICE).await < 2 {
        assert!(tokio::time::Instant::now() < deadline, "activity not paid");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Several more ticks: exactly the two long messages were paid, "hi" (shorter than 5 characters) not.
    bot.ticks(3).await;
    assert_eq!(balance(&bot, GROUP, ALICE).await, 2);
    for text in [
        "one more long text",
        "and yet another one",
        "and the last one",
    ] {
        bot.push(group_message(GROUP, alice(), text));
    }
    bot.settle().await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while balance(&bot, GROUP, ALICE).await < 3 {
        assert!(tokio::time::Instant::now() < deadline, "activity not paid");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Several more ticks pay nothing beyond the cap.
    bot.ticks(3).await;
    assert_eq!(balance(&bot, GROUP, ALICE).await, 3);
    economy_is_balanced(&bot, GROUP).await;
    bot.stop().await;
}

#[tokio::test]
async fn balances_streaks_and_levels_survive_a_restart() {
    const GROUP: i64 = -100_7010;
    let bot = TestBot::start().await;
    admins(&bot, GROUP);
    say(&bot, GROUP, alice(), "/checkin", 1).await;
    let levels = say(
        &bot,
        GROUP,
        owner_without_language(OWNER),
        "/setlevels 0:新人 10:老友",
        2,
    )
    .await;
    assert!(levels.contains("10:老友"), "{levels}");
    let bad = say(
        &bot,
        GROUP,
        owner_without_language(OWNER),
        "/setlevels 5:新人",
        3,
    )
    .await;
    assert!(bad.contains("格式不对"), "{bad}");
    assert!(
        bad.contains("第一个等级要从 0 分开始，而不是 5 分") && !bad.contains("must"),
        "the reason is worded in the group's language: {bad}"
    );
    let bot = bot.restart().await;
    admins(&bot, GROUP);
    assert_eq!(balance(&bot, GROUP, ALICE).await, 12);
    bot.push(group_message(GROUP, alice(), "/checkin"));
    let texts = bot.wait_texts(GROUP, 4).await;
    assert!(texts[3].contains("今天已签过"), "{texts:?}");
    let me = say(&bot, GROUP, alice(), "/me", 5).await;
    assert!(me.contains("LV2 老友"), "{me}");
    let shown = say(&bot, GROUP, alice(), "/levels", 6).await;
    assert!(shown.contains("LV2 老友 — 10"), "{shown}");
    assert_eq!(balance(&bot, GROUP, ALICE).await, 12);
    bot.stop().await;
}

#[tokio::test]
async fn an_anonymous_admins_give_runs_once_confirmed_and_the_confirming_admin_is_the_actor() {
    const GROUP: i64 = -100_7011;
    let bot = TestBot::start().await;
    admins(&bot, GROUP);
    bot.push(group_message(GROUP, alice(), "hello everyone"));
    bot.settle().await;
    bot.push(anonymous_admin_message(GROUP, "/give @alice 7 thanks"));
    bot.wait_texts(GROUP, 1).await;
    assert_eq!(
        balance(&bot, GROUP, ALICE).await,
        0,
        "not before an admin confirms"
    );
    bot.confirm_anonymous(GROUP, owner_without_language(OWNER))
        .await;
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(texts[1].contains('7'), "{texts:?}");
    assert_eq!(balance(&bot, GROUP, ALICE).await, 7);
    let actor: Option<i64> =
        sqlx::query_scalar("SELECT actor FROM economy_journal WHERE chat_id = ?")
            .bind(GROUP)
            .fetch_one(&bot.ctx.storage.read)
            .await
            .unwrap();
    assert_eq!(
        actor,
        Some(OWNER),
        "the admin who confirmed is the recorded actor"
    );
    // An anonymous admin has no wallet of their own to sign in with.
    bot.push(anonymous_admin_message(GROUP, "/checkin"));
    let texts = bot.wait_texts(GROUP, 3).await;
    assert!(texts[2].contains("没有积分账户"), "{texts:?}");
    bot.stop().await;
}

#[tokio::test]
async fn the_month_calendar_marks_signed_days() {
    const GROUP: i64 = -100_7012;
    let bot = TestBot::start().await;
    say(&bot, GROUP, alice(), "/checkin", 1).await;
    let calendar = say(&bot, GROUP, alice(), "/checkin month", 2).await;
    assert!(calendar.contains("本月签到 1 天"), "{calendar}");
    assert!(calendar.contains("✓ 表示已签到的日子"), "{calendar}");
    assert!(calendar.contains("一 二 三 四 五 六 日"), "{calendar}");
    assert_eq!(
        calendar.matches('✓').count(),
        2,
        "the grid's one and the legend's: {calendar}"
    );
    assert_marks_today_alone(&calendar, "今天是 ", " 日");
    let usage = say(&bot, GROUP, alice(), "/checkin yesterday", 3).await;
    assert!(usage.contains("用法"), "{usage}");
    bot.stop().await;
}

/// Checks that today's number is replaced by the one `✓` of the calendar and that its neighbours keep
/// their numbers, reading today's number from the legend between `before` and `after`; also that every
/// week line fits under the two-columns-per-day header.
fn assert_marks_today_alone(calendar: &str, before: &str, after: &str) {
    let start = calendar.find(before).expect("legend") + before.len();
    let rest = &calendar[start..];
    let today: u32 = rest[..rest.find(after).expect("legend end")]
        .parse()
        .expect("today's number");
    let grid = &calendar[calendar.find("<pre>").unwrap() + 5..calendar.find("</pre>").unwrap()];
    let numbers: Vec<u32> = grid
        .lines()
        .skip(2)
        .flat_map(|line| line.split_whitespace())
        .filter_map(|cell| cell.parse().ok())
        .collect();
    assert!(
        !numbers.contains(&today),
        "today's number is replaced: {grid}"
    );
    assert!(today == 1 || numbers.contains(&(today - 1)), "{grid}");
    assert!(numbers.contains(&(today + 1)) || today >= 28, "{grid}");
    for line in grid.lines().skip(2) {
        assert!(
            line.chars().count() <= 20,
            "a week is 7 cells of 2 columns: {line:?}"
        );
    }
}

#[tokio::test]
async fn the_month_calendar_marks_today_in_english() {
    const GROUP: i64 = -100_7019;
    let bot = TestBot::start().await;
    admins(&bot, GROUP);
    say(&bot, GROUP, owner_without_language(OWNER), "/lang en", 1).await;
    say(&bot, GROUP, alice(), "/checkin", 2).await;
    let calendar = say(&bot, GROUP, alice(), "/checkin month", 3).await;
    assert!(
        calendar.contains("signed in 1 day this month"),
        "{calendar}"
    );
    assert!(calendar.contains("\nMo Tu We Th Fr Sa Su\n"), "{calendar}");
    assert_eq!(
        calendar.matches('✓').count(),
        2,
        "the grid's one and the legend's: {calendar}"
    );
    assert!(
        calendar.contains("✓ marks a day you signed in."),
        "{calendar}"
    );
    assert_marks_today_alone(&calendar, "Today is day ", ".");
    bot.stop().await;
}

#[tokio::test]
async fn level_ups_from_activity_are_announced_together() {
    const GROUP: i64 = -100_7013;
    let bot = TestBot::start_with(&[("GROUPOPS_ECONOMY__ACTIVITY_POINTS_PER_MESSAGE", "1")]).await;
    admins(&bot, GROUP);
    say(
        &bot,
        GROUP,
        owner_without_language(OWNER),
        "/setlevels 0:新人 2:熟人",
        1,
    )
    .await;
    for from in [alice(), bob()] {
        bot.push(group_message(GROUP, from.clone(), "a long enough message"));
        bot.push(group_message(GROUP, from, "and one more of them"));
    }
    bot.settle().await;
    bot.wait_texts(GROUP, 2).await;
    bot.ticks(3).await;
    // Level-ups found in one pass share one message; each member is announced exactly once.
    let announced = bot.texts_to(GROUP)[1..].join("\n");
    assert_eq!(
        announced.matches("Alice 升到 LV2 熟人").count(),
        1,
        "{announced}"
    );
    assert_eq!(
        announced.matches("Bob 升到 LV2 熟人").count(),
        1,
        "{announced}"
    );
    bot.stop().await;
}

/// Waits until a member's balance is at least `at_least`, then lets several more ticks pass.
async fn balance_settles(bot: &TestBot, chat: i64, user: i64, at_least: i64) -> i64 {
    let deadline = tokio::time::Instant::now() + WAIT;
    while balance(bot, chat, user).await < at_least {
        assert!(tokio::time::Instant::now() < deadline, "activity not paid");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bot.ticks(3).await;
    balance(bot, chat, user).await
}

#[tokio::test]
async fn moving_the_day_cut_pays_no_message_twice() {
    const GROUP: i64 = -100_7014;
    let bot = TestBot::start_with(&[
        ("GROUPOPS_ECONOMY__ACTIVITY_DAILY_CAP", "3"),
        ("GROUPOPS_ECONOMY__ACTIVITY_POINTS_PER_MESSAGE", "1"),
    ])
    .await;
    admins(&bot, GROUP);
    // UTC−11 and UTC+14 are 25 hours apart: their local dates always differ, so the day index changes.
    say(
        &bot,
        GROUP,
        owner_without_language(OWNER),
        "/settz Pacific/Pago_Pago",
        1,
    )
    .await;
    bot.push(group_message(GROUP, alice(), "a longer message"));
    bot.push(group_message(GROUP, alice(), "another longer one"));
    bot.settle().await;
    assert_eq!(balance_settles(&bot, GROUP, ALICE, 2).await, 2);
    say(
        &bot,
        GROUP,
        owner_without_language(OWNER),
        "/settz Pacific/Kiritimati",
        2,
    )
    .await;
    say(&bot, GROUP, owner_without_language(OWNER), "/setreset 5", 3).await;
    bot.push(group_message(GROUP, alice(), "one more long text"));
    bot.push(group_message(GROUP, alice(), "and yet another one"));
    bot.settle().await;
    // The two messages already paid count against the new day's cap of 3: one more point, not three.
    assert_eq!(balance_settles(&bot, GROUP, ALICE, 3).await, 3);
    economy_is_balanced(&bot, GROUP).await;
    bot.stop().await;
}

#[tokio::test]
async fn a_message_stored_minutes_late_still_earns_its_points() {
    const GROUP: i64 = -100_7015;
    let bot = TestBot::start_with(&[("GROUPOPS_ECONOMY__ACTIVITY_POINTS_PER_MESSAGE", "1")]).await;
    bot.push(group_message(GROUP, alice(), "a longer message"));
    bot.settle().await;
    assert_eq!(balance_settles(&bot, GROUP, ALICE, 1).await, 1);
    // A message written ten minutes ago reaches the bot only now (say, after a restart).
    let mut late = group_message(GROUP, alice(), "written a while ago");
    late["message"]["date"] = serde_json::json!(now() - 600);
    bot.push(late);
    bot.settle().await;
    assert_eq!(balance_settles(&bot, GROUP, ALICE, 2).await, 2);
    economy_is_balanced(&bot, GROUP).await;
    bot.stop().await;
}

#[tokio::test]
async fn the_sign_in_bonus_is_keyed_by_the_deployment_secret() {
    use groupops::facts::day;
    use groupops::features::economy::{streak, wave};
    const GROUP: i64 = -100_7016;
    let bot = TestBot::start_with(&[("GROUPOPS_ECONOMY__CHECKIN_RANDOM_MAX", "9")]).await;
    // Tests fix the secret; a deployment draws its own on the first sign-in.
    let secret = [42u8; 32];
    sqlx::query("INSERT INTO economy_secrets (name, value) VALUES ('checkin', ?)")
        .bind(secret.as_slice())
        .execute(&bot.ctx.storage.write)
        .await
        .unwrap();
    let now = bot.ctx.now();
    say(&bot, GROUP, alice(), "/checkin", 1).await;
    let settings = &bot.ctx.config.economy;
    let day = day::day_index(now, settings.tz(), settings.reset_hour);
    let roll = wave::checkin_roll(&secret, GROUP, ALICE, day);
    let expected = streak::reward(settings, 1, roll).total;
    assert_eq!(balance(&bot, GROUP, ALICE).await, expected);
    bot.stop().await;
}

#[tokio::test]
async fn activity_points_are_credited_once_per_interval_in_one_entry() {
    const GROUP: i64 = -100_7020;
    let bot = TestBot::start_with(&[
        ("GROUPOPS_ECONOMY__ACTIVITY_POINTS_PER_MESSAGE", "1"),
        ("GROUPOPS_ECONOMY__ACTIVITY_INTERVAL", "1m"),
    ])
    .await;
    bot.push(group_message(GROUP, alice(), "a longer message"));
    bot.push(group_message(GROUP, alice(), "another longer one"));
    bot.settle().await;
    // The first pass ran at start, before these messages; the next is a minute later on the bot's clock.
    bot.ticks(3).await;
    assert_eq!(
        balance(&bot, GROUP, ALICE).await,
        0,
        "not before the interval"
    );
    bot.clock.advance(Duration::from_secs(61));
    let deadline = tokio::time::Instant::now() + WAIT;
    while balance(&bot, GROUP, ALICE).await < 2 {
        assert!(tokio::time::Instant::now() < deadline, "activity not paid");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let entries: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM economy_journal WHERE chat_id = ? AND reason = 'activity'",
    )
    .bind(GROUP)
    .fetch_one(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(entries, 1, "both messages are credited in one ledger entry");
    bot.stop().await;
}

/// `/settz` reads cities, offsets and Chinese zone words, and shows the zone by the name the group uses.
async fn zones_as_members_write_them(lang: &str, shanghai_shown: &str) {
    const GROUP: i64 = -100_7090;
    let bot = TestBot::start().await;
    admins(&bot, GROUP);
    let owner = || owner_without_language(OWNER);
    say(&bot, GROUP, owner(), &format!("/lang {lang}"), 1).await;
    let mut count = 1;
    for (typed, stored) in [
        ("北京", "Asia/Shanghai"),
        ("Tokyo", "Asia/Tokyo"),
        ("UTC+8", "Etc/GMT-8"),
        ("东八区", "Etc/GMT-8"),
        ("上海", "Asia/Shanghai"),
    ] {
        count += 1;
        let done = say(&bot, GROUP, owner(), &format!("/settz {typed}"), count).await;
        let zone: Option<String> =
            sqlx::query_scalar("SELECT timezone FROM groups WHERE chat_id = ?")
                .bind(GROUP)
                .fetch_one(&bot.ctx.storage.read)
                .await
                .unwrap();
        assert_eq!(zone.as_deref(), Some(stored), "{typed}: {done}");
    }
    let shown = say(&bot, GROUP, owner(), "/settz", count + 1).await;
    assert!(shown.contains(shanghai_shown), "{shown}");
    bot.stop().await;
}

#[tokio::test]
async fn zones_as_members_write_them_zh() {
    zones_as_members_write_them("zh", "当前：北京时间").await;
}

#[tokio::test]
async fn zones_as_members_write_them_en() {
    zones_as_members_write_them("en", "Now: Asia/Shanghai").await;
}

#[tokio::test]
async fn sign_in_words_are_read_as_members_type_them() {
    const GROUP: i64 = -100_7091;
    let bot = TestBot::start().await;
    for (nth, (id, typed)) in [(7_301, "签到！"), (7_302, "今天签到"), (7_303, "签到 🎉")]
        .into_iter()
        .enumerate()
    {
        bot.push(group_message(GROUP, user(id, "Runner"), typed));
        bot.wait_texts(GROUP, nth + 1).await;
        assert!(balance(&bot, GROUP, id).await > 0, "{typed} signed in");
    }
    bot.push(group_message(GROUP, user(7_304, "Runner"), "签到了吗"));
    bot.settle().await;
    assert_eq!(
        balance(&bot, GROUP, 7_304).await,
        0,
        "a question is not a sign-in"
    );
    bot.stop().await;
}

/// Moving the reset hour or the time zone after a sign-in never opens a second sign-in before the day it
/// counted for is over: the member is refused until then, and signs in normally afterwards.
async fn a_moved_day_never_holds_two_sign_ins(chat: i64, lang: &str, done: &str, already: &str) {
    let bot = TestBot::start_with(&[("GROUPOPS_I18N__DEFAULT_LANGUAGE", lang)]).await;
    admins(&bot, chat);
    let owner = || owner_without_language(OWNER);
    let alice = || user_with(ALICE, "Alice", Some("alice"), None);
    advance_to_utc(&bot, 10, 0);
    say(&bot, chat, owner(), "/settz UTC", 1).await;
    let first = say(&bot, chat, alice(), "/checkin", 2).await;
    assert!(first.contains(done), "{first}");
    bot.wave_closed(chat).await;
    // The day now starts at 11:00: by the new count a new day has begun at 11:05.
    say(&bot, chat, owner(), "/setreset 11", 3).await;
    advance_to_utc(&bot, 11, 5);
    let again = say(&bot, chat, alice(), "/checkin", 4).await;
    assert!(again.contains(already), "{again}");
    bot.wave_closed(chat).await;
    // Fourteen hours east, the local date has rolled over as well.
    say(&bot, chat, owner(), "/settz Pacific/Kiritimati", 5).await;
    let again = say(&bot, chat, alice(), "/checkin", 6).await;
    assert!(again.contains(already), "{again}");
    bot.wave_closed(chat).await;
    assert_eq!(checkins(&bot, chat, ALICE).await.len(), 1, "paid once");
    // Once the first sign-in's day is over (midnight UTC), the member signs in again.
    advance_to_utc(&bot, 0, 5);
    let next = say(&bot, chat, alice(), "/checkin", 7).await;
    assert!(next.contains(done), "{next}");
    assert_eq!(checkins(&bot, chat, ALICE).await.len(), 2);
    economy_is_balanced(&bot, chat).await;
    bot.stop().await;
}

#[tokio::test]
async fn a_moved_day_never_holds_two_sign_ins_zh() {
    a_moved_day_never_holds_two_sign_ins(-100_7051, "zh-CN", "签到 +", "今天已签过").await;
}

#[tokio::test]
async fn a_moved_day_never_holds_two_sign_ins_en() {
    a_moved_day_never_holds_two_sign_ins(-100_7052, "en", "signed in:", "already signed in today")
        .await;
}
