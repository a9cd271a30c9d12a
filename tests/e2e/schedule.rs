//! Scheduled posts as a group meets them: daily, weekly and cron posts at the right instants across the
//! daylight-saving changes in Europe/Berlin and in Asia/Shanghai; a restart over due times (a late one-time
//! post sent once, an older one reported, a recurring post's latest missed run once); a photo post with
//! its caption, formatting and buttons, pinned and deleted later; the list's buttons with rights checked
//! on the press; and every bad input, each refused with nothing stored.

use crate::support::fake_api::{bot_admin_member, bot_user, Call, BOT_ID};
use crate::support::harness::{TestBot, WAIT};
use crate::support::members::{admin_with, owner};
use crate::support::updates::*;
use chrono::TimeZone;
use serde_json::{json, Value};
use std::time::Duration;

const OWNER: i64 = 23_001;

/// Unix seconds of a UTC time.
fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    chrono::Utc
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .timestamp()
}

/// Adds the bot to a group whose creator is `creator`, and waits for the hello.
async fn add_to_group(bot: &TestBot, chat: i64, creator: Value) {
    bot.api.set_admins(
        chat,
        vec![member(creator.clone(), "creator"), bot_admin_member()],
    );
    bot.push(my_chat_member(
        group(chat),
        creator,
        "left",
        "administrator",
    ));
    bot.wait_texts(chat, 1).await;
    bot.settle().await;
}

/// Moves the bot's clock to `at` (Unix seconds) and waits until the ticker has seen it twice.
async fn move_to(bot: &TestBot, at: i64) {
    let now_ms = bot.clock.now().timestamp_millis();
    let target_ms = at * 1_000;
    assert!(target_ms > now_ms, "the clock only moves forward");
    bot.clock
        .advance(Duration::from_millis((target_ms - now_ms) as u64));
    bot.ticks(2).await;
}

/// Sends `/schedule <args>` (or any command) from `from` as a reply to `source` and returns the bot's answer.
async fn reply_command(
    bot: &TestBot,
    chat: i64,
    from: Value,
    source: &Value,
    text: &str,
) -> String {
    let before = bot.texts_to(chat).len();
    bot.push(reply_to(group_message(chat, from, text), source.clone()));
    let texts = bot.wait_texts(chat, before + 1).await;
    bot.settle().await;
    texts[before].clone()
}

/// A message in the group to schedule.
fn source(chat: i64, text: &str) -> Value {
    group_message(chat, owner(OWNER), text)
}

/// The successful sends (any method) to `chat` whose text or caption is `body`.
fn posts(bot: &TestBot, chat: i64, body: &str) -> Vec<Call> {
    bot.api
        .all_calls()
        .into_iter()
        .filter(|c| c.method.starts_with("send") && !c.failed)
        .filter(|c| chat_of(c) == Some(chat))
        .filter(|c| {
            c.params["text"].as_str() == Some(body) || c.params["caption"].as_str() == Some(body)
        })
        .collect()
}

/// The chat a call went to (uploads send it as a string).
fn chat_of(call: &Call) -> Option<i64> {
    let id = &call.params["chat_id"];
    id.as_i64().or_else(|| id.as_str()?.parse().ok())
}

/// Waits until `count` posts of `body` went to `chat`.
async fn wait_posts(bot: &TestBot, chat: i64, body: &str, count: usize) -> Vec<Call> {
    bot.api
        .wait_until(WAIT, |_| posts(bot, chat, body).len() >= count)
        .await;
    posts(bot, chat, body)
}

/// The recorded runs of schedule `id`: (planned instant, outcome).
async fn runs(bot: &TestBot, id: i64) -> Vec<(i64, String)> {
    sqlx::query_as(
        "SELECT occurrence, outcome FROM schedule_runs WHERE schedule_id = ? ORDER BY occurrence",
    )
    .bind(id)
    .fetch_all(&bot.ctx.storage.read)
    .await
    .unwrap()
}

async fn schedule_count(bot: &TestBot, chat: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM schedules WHERE chat_id = ?")
        .bind(chat)
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap()
}

/// The id in "Scheduled post #<id> is set" / "已设置定时发送 #<id>".
fn created_id(answer: &str) -> i64 {
    let at = answer
        .find('#')
        .unwrap_or_else(|| panic!("no id in {answer:?}"));
    answer[at + 1..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn daily_weekly_and_cron_posts_run_at_berlins_wall_times_across_both_changes() {
    const GROUP: i64 = -100_2301;
    let bot = TestBot::start().await;
    add_to_group(&bot, GROUP, owner(OWNER)).await;
    bot.push(group_message(GROUP, owner(OWNER), "/settz Europe/Berlin"));
    bot.wait_texts(GROUP, 2).await;
    move_to(&bot, utc(2027, 3, 27, 10, 0)).await;

    let daily = reply_command(
        &bot,
        GROUP,
        owner(OWNER),
        &source(GROUP, "Guten Morgen"),
        "/schedule every day 02:30",
    )
    .await;
    // 02:30 does not exist on 28 March 2027 in Berlin: the first valid instant after it is 03:00.
    assert!(daily.contains("2027-03-28 03:00"), "{daily}");
    let daily = created_id(&daily);
    let weekly = created_id(
        &reply_command(
            &bot,
            GROUP,
            owner(OWNER),
            &source(GROUP, "Wochenpost"),
            "/schedule every sun 08:00",
        )
        .await,
    );
    let cron = created_id(
        &reply_command(
            &bot,
            GROUP,
            owner(OWNER),
            &source(GROUP, "Cron post"),
            "/schedule cron 0 3 * * *",
        )
        .await,
    );

    // Nothing runs before its time.
    let spring = utc(2027, 3, 28, 1, 0);
    move_to(&bot, spring - 20).await;
    assert!(runs(&bot, daily).await.is_empty());
    assert!(runs(&bot, cron).await.is_empty());
    move_to(&bot, spring).await;
    wait_posts(&bot, GROUP, "Guten Morgen", 1).await;
    wait_posts(&bot, GROUP, "Cron post", 1).await;
    assert_eq!(runs(&bot, daily).await, vec![(spring, "posted".into())]);
    assert_eq!(runs(&bot, cron).await, vec![(spring, "posted".into())]);
    // 08:00 CEST is 06:00 UTC; 02:30 CEST the next day is 00:30 UTC.
    move_to(&bot, utc(2027, 3, 28, 6, 0)).await;
    wait_posts(&bot, GROUP, "Wochenpost", 1).await;
    move_to(&bot, utc(2027, 3, 29, 0, 30)).await;
    wait_posts(&bot, GROUP, "Guten Morgen", 2).await;

    // Months pass without the ticker seeing the times between: each post runs its latest missed time, once.
    move_to(&bot, utc(2027, 10, 30, 12, 0)).await;
    wait_posts(&bot, GROUP, "Guten Morgen", 3).await;
    wait_posts(&bot, GROUP, "Wochenpost", 2).await;
    assert_eq!(
        runs(&bot, weekly).await,
        vec![
            (utc(2027, 3, 28, 6, 0), "posted".into()),
            (utc(2027, 10, 24, 6, 0), "late".into())
        ]
    );

    // 31 October 2027: 02:30 happens twice in Berlin; the post runs at the first one only.
    move_to(&bot, utc(2027, 10, 31, 0, 30)).await;
    wait_posts(&bot, GROUP, "Guten Morgen", 4).await;
    move_to(&bot, utc(2027, 10, 31, 1, 31)).await;
    move_to(&bot, utc(2027, 11, 1, 1, 30)).await;
    wait_posts(&bot, GROUP, "Guten Morgen", 5).await;
    assert_eq!(
        runs(&bot, daily).await,
        vec![
            (spring, "posted".into()),
            (utc(2027, 3, 29, 0, 30), "posted".into()),
            (utc(2027, 10, 30, 0, 30), "late".into()),
            (utc(2027, 10, 31, 0, 30), "posted".into()),
            (utc(2027, 11, 1, 1, 30), "posted".into()),
        ]
    );
    assert_eq!(posts(&bot, GROUP, "Guten Morgen").len(), 5);
    bot.stop().await;
}

#[tokio::test]
async fn shanghai_posts_run_at_local_times_and_a_restart_over_them_runs_each_once() {
    const GROUP: i64 = -100_2302;
    let bot = TestBot::start().await;
    let boss = user_with(OWNER, "群主", None, Some("zh-hans"));
    add_to_group(&bot, GROUP, boss.clone()).await;
    // 2026-12-07 07:00 in Shanghai (UTC+8, no daylight saving).
    move_to(&bot, utc(2026, 12, 6, 23, 0)).await;
    let morning = reply_command(
        &bot,
        GROUP,
        boss.clone(),
        &group_message(GROUP, boss.clone(), "早安"),
        "/schedule 每天 08:00",
    )
    .await;
    assert!(morning.contains("2026-12-07 08:00"), "{morning}");
    let morning = created_id(&morning);
    let weekly = reply_command(
        &bot,
        GROUP,
        boss.clone(),
        &group_message(GROUP, boss.clone(), "周报"),
        "/schedule 每周一,三,五 20:30",
    )
    .await;
    assert!(weekly.contains("2026-12-07 20:30"), "{weekly}");
    let weekly = created_id(&weekly);
    // A Chinese group reads its list and its refusals in Chinese.
    let wrong = reply_command(
        &bot,
        GROUP,
        boss.clone(),
        &group_message(GROUP, boss.clone(), "早安"),
        "/schedule 每天 25:00",
    )
    .await;
    assert!(wrong.contains("不是有效的时间"), "{wrong}");
    let before = bot.texts_to(GROUP).len();
    bot.push(group_message(GROUP, boss.clone(), "/schedules"));
    let list = bot.wait_texts(GROUP, before + 1).await[before].clone();
    assert!(
        list.contains("北京时间")
            && list.contains("下次 2026-12-07 08:00")
            && list.contains("周报"),
        "{list}"
    );
    bot.settle().await;

    move_to(&bot, utc(2026, 12, 7, 0, 0)).await;
    wait_posts(&bot, GROUP, "早安", 1).await;
    move_to(&bot, utc(2026, 12, 7, 12, 30)).await;
    wait_posts(&bot, GROUP, "周报", 1).await;

    // Down from Monday night to Thursday 09:00: one morning post (Thursday's) and one weekly post
    // (Wednesday's), not a burst.
    let bot = bot
        .restart_after(|clock| {
            let now = clock.now().timestamp();
            clock.advance(Duration::from_secs((utc(2026, 12, 10, 1, 0) - now) as u64));
        })
        .await;
    bot.ticks(2).await;
    wait_posts(&bot, GROUP, "早安", 2).await;
    wait_posts(&bot, GROUP, "周报", 2).await;
    assert_eq!(
        runs(&bot, morning).await,
        vec![
            (utc(2026, 12, 7, 0, 0), "posted".into()),
            (utc(2026, 12, 10, 0, 0), "late".into())
        ]
    );
    assert_eq!(
        runs(&bot, weekly).await,
        vec![
            (utc(2026, 12, 7, 12, 30), "posted".into()),
            (utc(2026, 12, 9, 12, 30), "late".into())
        ]
    );
    // Another restart sends nothing again.
    let bot = bot.restart().await;
    bot.ticks(3).await;
    assert_eq!(posts(&bot, GROUP, "早安").len(), 2);
    assert_eq!(posts(&bot, GROUP, "周报").len(), 2);
    bot.stop().await;
}

#[tokio::test]
async fn a_restart_over_one_time_posts_sends_the_one_within_grace_once_and_reports_the_older() {
    const GROUP: i64 = -100_2303;
    let bot = TestBot::start().await;
    add_to_group(&bot, GROUP, owner(OWNER)).await;
    let soon = created_id(
        &reply_command(
            &bot,
            GROUP,
            owner(OWNER),
            &source(GROUP, "Soon"),
            "/schedule in 20m",
        )
        .await,
    );
    let old = created_id(
        &reply_command(
            &bot,
            GROUP,
            owner(OWNER),
            &source(GROUP, "Too late"),
            "/schedule in 5m",
        )
        .await,
    );
    // Down for 30 minutes: "Soon" is 10 minutes late (within the 15-minute grace), "Too late" 25.
    let bot = bot
        .restart_after(|clock| clock.advance(Duration::from_secs(30 * 60)))
        .await;
    bot.ticks(2).await;
    wait_posts(&bot, GROUP, "Soon", 1).await;
    assert_eq!(runs(&bot, soon).await[0].1, "late");
    assert_eq!(runs(&bot, old).await[0].1, "missed");
    let report = bot.wait_texts(OWNER, 1).await;
    assert!(
        report[0].contains(&format!("#{old}")) && report[0].contains("not sent"),
        "{report:?}"
    );
    assert!(posts(&bot, GROUP, "Too late").is_empty());
    let bot = bot.restart().await;
    bot.ticks(3).await;
    assert_eq!(posts(&bot, GROUP, "Soon").len(), 1);
    assert_eq!(bot.texts_to(OWNER).len(), 1);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM timers WHERE kind = 'schedule.post'")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(left, 0, "finished one-time posts leave no timed item");
    bot.stop().await;
}

/// A photo message with a caption in bold and a link button.
fn photo_source(chat: i64) -> Value {
    json!({"message": {
        "message_id": next_message_id(),
        "date": now(),
        "chat": group(chat),
        "from": owner(OWNER),
        "photo": [{"file_id": "photo-file-1", "file_unique_id": "u-photo-1", "width": 10, "height": 10}],
        "caption": "Photo of the day",
        "caption_entities": [{"type": "bold", "offset": 0, "length": 5}],
        "reply_markup": {"inline_keyboard": [[{"text": "Shop", "url": "https://example.com/shop"}]]},
    }})
}

/// Presses a list button and returns the answer's text.
async fn press(bot: &TestBot, chat: i64, who: Value, data: &str) -> String {
    let before = bot.api.calls("answerCallbackQuery").len();
    bot.push(callback(chat, who, 5_000, data));
    let calls = bot
        .api
        .wait_for("answerCallbackQuery", before + 1, WAIT)
        .await;
    bot.settle().await;
    calls[before].params["text"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn a_photo_post_keeps_its_caption_and_buttons_is_pinned_and_deleted_and_the_list_buttons_work(
) {
    const GROUP: i64 = -100_2304;
    let bot = TestBot::start().await;
    add_to_group(&bot, GROUP, owner(OWNER)).await;
    let id = created_id(
        &reply_command(
            &bot,
            GROUP,
            owner(OWNER),
            &photo_source(GROUP),
            "/schedule every 1h pin delete=30m",
        )
        .await,
    );
    let start = bot.clock.now().timestamp();
    move_to(&bot, start + 3_600 + 1).await;
    let first = wait_posts(&bot, GROUP, "Photo of the day", 1).await;
    assert_eq!(first[0].method, "sendPhoto");
    assert_eq!(first[0].params["photo"], "photo-file-1");
    assert_eq!(first[0].params["caption_entities"][0]["type"], "bold");
    assert_eq!(
        first[0].params["reply_markup"]["inline_keyboard"][0][0]["url"],
        "https://example.com/shop"
    );
    let pins = bot.api.wait_for("pinChatMessage", 1, WAIT).await;
    let first_id = pins[0].params["message_id"].as_i64().unwrap();

    move_to(&bot, start + 2 * 3_600 + 1).await;
    wait_posts(&bot, GROUP, "Photo of the day", 2).await;
    let pins = bot.api.wait_for("pinChatMessage", 2, WAIT).await;
    let unpins = bot.api.wait_for("unpinChatMessage", 1, WAIT).await;
    assert_eq!(unpins[0].params["message_id"].as_i64(), Some(first_id));
    assert_ne!(pins[1].params["message_id"].as_i64(), Some(first_id));
    // The first post was deleted 30 minutes after it went out.
    let deletes = bot
        .api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "deleteMessage" && c.params["message_id"].as_i64() == Some(first_id)
            })
        })
        .await;
    assert!(!deletes.is_empty());

    // The list, and its buttons: rights are checked on the press.
    bot.push(group_message(GROUP, owner(OWNER), "/schedules"));
    let list = bot
        .api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "sendMessage"
                    && c.params["text"]
                        .as_str()
                        .unwrap_or("")
                        .contains("Scheduled posts")
            })
        })
        .await;
    let list = list
        .iter()
        .rev()
        .find(|c| {
            c.params["text"]
                .as_str()
                .unwrap_or("")
                .contains("Scheduled posts")
        })
        .unwrap();
    assert!(list.params["text"]
        .as_str()
        .unwrap()
        .contains(&format!("#{id}")));
    let stranger = user_with(23_099, "Sam", None, Some("en"));
    let refused = press(&bot, GROUP, stranger, &format!("sc:pause:{id}")).await;
    assert!(refused.contains("Only admins"), "{refused}");
    assert_eq!(
        press(&bot, GROUP, owner(OWNER), &format!("sc:pause:{id}")).await,
        "Paused."
    );
    move_to(&bot, start + 3 * 3_600 + 1).await;
    assert_eq!(posts(&bot, GROUP, "Photo of the day").len(), 2, "paused");
    assert_eq!(
        press(&bot, GROUP, owner(OWNER), &format!("sc:now:{id}")).await,
        "Posting it now."
    );
    wait_posts(&bot, GROUP, "Photo of the day", 3).await;
    assert_eq!(
        press(&bot, GROUP, owner(OWNER), &format!("sc:resume:{id}")).await,
        "Resumed."
    );
    assert_eq!(
        press(&bot, GROUP, owner(OWNER), &format!("sc:delete:{id}")).await,
        "Deleted."
    );
    assert_eq!(schedule_count(&bot, GROUP).await, 0);
    move_to(&bot, start + 5 * 3_600 + 1).await;
    assert_eq!(posts(&bot, GROUP, "Photo of the day").len(), 3, "deleted");
    bot.stop().await;
}

#[tokio::test]
async fn every_bad_input_is_refused_clearly_and_stores_nothing() {
    const GROUP: i64 = -100_2305;
    let bot = TestBot::start_with(&[("GROUPOPS_SCHEDULE__MAX_PER_GROUP", "2")]).await;
    add_to_group(&bot, GROUP, owner(OWNER)).await;
    let post = source(GROUP, "Hello");
    let member = user_with(23_050, "Mia", None, Some("en"));
    bot.push(group_message(GROUP, member.clone(), "hi"));
    bot.settle().await;

    let cases: &[(&str, &str)] = &[
        ("/schedule at 2020-01-01 10:00", "already in the past"),
        ("/schedule at 2027-02-30 10:00", "not a valid time"),
        ("/schedule cron 61 * * * *", "not a cron expression"),
        ("/schedule cron 0 8 30 2 *", "not a cron expression"),
        ("/schedule in 0m", "is zero"),
        ("/schedule every 0m", "is zero"),
        ("/schedule every 10s", "too short"),
        ("/schedule every day 25:00", "not a valid time"),
        ("/schedule every funday 09:00", "don't know the days"),
        ("/schedule every month 32 09:00", "between 1 and 31"),
        ("/schedule every day 08:00 delete=48h", "at most 47 hours"),
        (
            "/schedule every day 08:00 colour=red",
            "don't understand the option",
        ),
        ("/schedule whenever", "can't read the time"),
        ("/schedule pin delete=1h", "Say when to post it"),
    ];
    for (command, expected) in cases {
        let answer = reply_command(&bot, GROUP, owner(OWNER), &post, command).await;
        assert!(answer.contains(expected), "{command}: {answer}");
    }
    assert_eq!(schedule_count(&bot, GROUP).await, 0);

    // Not a reply; a member; an admin without "change group info"; a sticker.
    let before = bot.texts_to(GROUP).len();
    bot.push(group_message(GROUP, owner(OWNER), "/schedule in 1h"));
    let texts = bot.wait_texts(GROUP, before + 1).await;
    assert!(
        texts[before].contains("Reply with /schedule"),
        "{}",
        texts[before]
    );
    let answer = reply_command(&bot, GROUP, member.clone(), &post, "/schedule in 1h").await;
    assert!(answer.contains("Only group admins"), "{answer}");
    let helper = user_with(23_051, "Hal", None, Some("en"));
    bot.api.set_admins(
        GROUP,
        vec![
            member_of(owner(OWNER), "creator"),
            admin_with(helper.clone(), &["can_delete_messages"]),
            bot_admin_member(),
        ],
    );
    bot.ctx.admins.invalidate(GROUP);
    let answer = reply_command(&bot, GROUP, helper, &post, "/schedule in 1h").await;
    assert!(answer.contains("change group info"), "{answer}");
    let sticker = json!({"message": {
        "message_id": next_message_id(), "date": now(), "chat": group(GROUP), "from": owner(OWNER),
        "sticker": {"file_id": "s1", "file_unique_id": "su1", "type": "regular", "width": 1, "height": 1,
                    "is_animated": false, "is_video": false},
    }});
    let answer = reply_command(&bot, GROUP, owner(OWNER), &sticker, "/schedule in 1h").await;
    assert!(answer.contains("can't be scheduled"), "{answer}");
    assert_eq!(schedule_count(&bot, GROUP).await, 0);

    // Two fit; the third is over the group's maximum.
    for _ in 0..2 {
        let answer = reply_command(&bot, GROUP, owner(OWNER), &post, "/schedule in 1h").await;
        assert!(answer.contains("is set"), "{answer}");
    }
    let answer = reply_command(&bot, GROUP, owner(OWNER), &post, "/schedule in 2h").await;
    assert!(answer.contains("already has 2 scheduled posts"), "{answer}");
    assert_eq!(schedule_count(&bot, GROUP).await, 2);

    // A group where the bot may not send.
    const QUIET: i64 = -100_2306;
    add_to_group(&bot, QUIET, owner(OWNER)).await;
    bot.api
        .set_chat_member(QUIET, BOT_ID, member_of(bot_user(), "restricted"));
    let answer = reply_command(
        &bot,
        QUIET,
        owner(OWNER),
        &source(QUIET, "Hello"),
        "/schedule in 1h",
    )
    .await;
    assert!(answer.contains("can't post in this group"), "{answer}");
    assert_eq!(schedule_count(&bot, QUIET).await, 0);
    bot.stop().await;
}

/// A ChatMember object (the builder is named `member`, which the tests use for a person too).
fn member_of(user: Value, status: &str) -> Value {
    member(user, status)
}

#[tokio::test]
async fn a_timed_item_that_fails_is_retried_later_and_the_others_still_run() {
    const GROUP: i64 = -100_2307;
    let bot = TestBot::start().await;
    add_to_group(&bot, GROUP, owner(OWNER)).await;
    let now = bot.clock.now().timestamp();
    // An item no component runs, due before the post.
    sqlx::query(
        "INSERT INTO timers (due_at, kind, chat_id, payload, created_at) VALUES (?, 'nobody.runs.this', ?, '', ?)",
    )
    .bind(now + 30)
    .bind(GROUP)
    .bind(now)
    .execute(&bot.ctx.storage.write)
    .await
    .unwrap();
    reply_command(
        &bot,
        GROUP,
        owner(OWNER),
        &source(GROUP, "Still on time"),
        "/schedule in 1m",
    )
    .await;
    move_to(&bot, now + 61).await;
    wait_posts(&bot, GROUP, "Still on time", 1).await;
    let (attempts, retry_at): (i64, i64) = sqlx::query_as(
        "SELECT attempts, claimed_until FROM timers WHERE kind = 'nobody.runs.this'",
    )
    .fetch_one(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert!(attempts >= 1, "tried");
    assert!(retry_at >= now + 61, "it waits before the next try");
    sqlx::query("DELETE FROM timers WHERE kind = 'nobody.runs.this'")
        .execute(&bot.ctx.storage.write)
        .await
        .unwrap();
    bot.ticks(2).await;
    let errors = bot.take_errors();
    assert!(
        !errors.is_empty()
            && errors
                .iter()
                .all(|e| e.contains("no component runs timed items of kind")),
        "{errors:?}"
    );
    bot.stop().await;
}
