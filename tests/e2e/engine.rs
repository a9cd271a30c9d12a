//! The engine under the features: the outbound queue's limits and retries, ordering per chat, the activity
//! writer, the admin cache, and graceful shutdown (in-process and of the real binary on SIGTERM).

use crate::support::fake_api::{bot_admin_member, Failure, FakeApi};
use crate::support::harness::{TestBot, WAIT};
use crate::support::updates::*;
use futures::FutureExt;
use groupops::telegram::outbound::Text;
use std::time::Duration;
use teloxide::prelude::Requester;
use teloxide::requests::Request;

const GROUP: i64 = -100_777;
const OWNER: i64 = 1_001;
const MEMBER: i64 = 2_002;

fn sends_to(api: &FakeApi, chat_id: i64) -> Vec<crate::support::fake_api::Call> {
    api.calls("sendMessage")
        .into_iter()
        .filter(|c| c.params["chat_id"].as_i64() == Some(chat_id))
        .collect()
}

#[tokio::test]
async fn a_429_is_waited_out_and_the_message_delivered_once() {
    let bot = TestBot::start().await;
    bot.api.fail_next("sendMessage", 1, Failure::RetryAfter(1));
    bot.push(private_message(user(MEMBER, "Mia"), "/help"));
    let calls = bot.api.wait_for("sendMessage", 2, WAIT).await;
    assert!(calls[0].failed && !calls[1].failed);
    let waited = calls[1].at.duration_since(calls[0].at);
    assert!(
        waited >= Duration::from_millis(950),
        "retried after retry_after, not before: {waited:?}"
    );
    // A later message arrives after it, and nothing was sent twice.
    bot.push(private_message(user(MEMBER, "Mia"), "/start"));
    bot.api.wait_for("sendMessage", 3, WAIT).await;
    bot.settle().await;
    let delivered: Vec<_> = sends_to(&bot.api, MEMBER)
        .into_iter()
        .filter(|c| !c.failed)
        .collect();
    assert_eq!(delivered.len(), 2);
    bot.stop().await;
}

#[tokio::test]
async fn a_member_who_blocked_the_bot_is_not_retried() {
    let bot = TestBot::start().await;
    bot.api.fail_next(
        "sendMessage",
        1,
        Failure::Forbidden("Forbidden: bot was blocked by the user".into()),
    );
    bot.push(private_message(user(MEMBER, "Mia"), "/start"));
    bot.push(private_message(user(MEMBER, "Mia"), "/help"));
    bot.api.wait_for("sendMessage", 2, WAIT).await;
    bot.settle().await;
    let calls = sends_to(&bot.api, MEMBER);
    assert_eq!(
        calls.len(),
        2,
        "one refused send, then the next message; no retry in between"
    );
    assert!(calls[0].failed && !calls[1].failed);
    assert!(calls[1].params["text"].as_str().unwrap().contains("/help"));
    bot.stop().await;
}

#[tokio::test]
async fn a_burst_to_one_group_is_spread_to_the_group_limit() {
    // A short window keeps the test quick; the limiter counts it exactly as it counts Telegram's minute.
    let limit_window = Duration::from_millis(300);
    let bot = TestBot::start_with(&[("GROUPOPS_LIMITS__PER_GROUP", "10/300ms")]).await;
    let pending: Vec<_> = (0..50)
        .map(|i| {
            bot.ctx
                .outbound
                .send_text(Text::plain(GROUP, format!("burst {i}")))
        })
        .collect();
    // Another group is not held up by the busy one.
    bot.ctx
        .outbound
        .send_text(Text::plain(-100_778, "elsewhere"))
        .wait()
        .await
        .expect("sent at once");
    assert!(
        sends_to(&bot.api, GROUP).len() <= 11,
        "the other group's message did not wait for the burst"
    );
    for message in pending {
        message.wait().await.expect("every message is delivered");
    }
    let calls = sends_to(&bot.api, GROUP);
    assert_eq!(calls.len(), 50);
    let texts: Vec<_> = calls
        .iter()
        .map(|c| c.params["text"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<_> = (0..50).map(|i| format!("burst {i}")).collect();
    assert_eq!(texts, expected, "order kept");
    for window in calls.windows(11) {
        let span = window[10].at.duration_since(window[0].at);
        assert!(
            span >= limit_window * 95 / 100,
            "11 sends within {span:?}: the limit is 10 per {limit_window:?}"
        );
    }
    let total = calls[49].at.duration_since(calls[0].at);
    assert!(
        total >= limit_window * 39 / 10,
        "50 sends at 10 per {limit_window:?} take about four windows, took {total:?}"
    );
    bot.stop().await;
}

/// Orders the replies of each chat through the whole bot. That a chat whose handler is stuck does not hold
/// up the others is shown by the router's own tests, whose handler blocks one chat until released.
#[tokio::test]
async fn one_chats_updates_stay_in_order_while_another_chat_is_busy() {
    let bot = TestBot::start().await;
    let busy = -100_900;
    let quiet = -100_901;
    let mut quiet_ids = Vec::new();
    let mut busy_ids = Vec::new();
    for i in 0..300 {
        let update = group_message(busy, user(MEMBER, "Mia"), "/help");
        busy_ids.push(update["message"]["message_id"].as_i64().unwrap());
        bot.push(update);
        if i % 10 == 0 {
            let update = group_message(quiet, user(OWNER, "Olivia"), "/help");
            quiet_ids.push(update["message"]["message_id"].as_i64().unwrap());
            bot.push(update);
        }
    }
    bot.wait_texts(quiet, quiet_ids.len()).await;
    bot.wait_texts(busy, 300).await;
    let replied: Vec<i64> = sends_to(&bot.api, quiet)
        .iter()
        .map(|c| c.params["reply_parameters"]["message_id"].as_i64().unwrap())
        .collect();
    assert_eq!(replied, quiet_ids, "replies in the order the messages came");
    let replied: Vec<i64> = sends_to(&bot.api, busy)
        .iter()
        .map(|c| c.params["reply_parameters"]["message_id"].as_i64().unwrap())
        .collect();
    assert_eq!(replied, busy_ids, "the busy chat's order is kept too");
    bot.stop().await;
}

#[tokio::test]
async fn member_messages_become_activity_rows() {
    let bot = TestBot::start().await;
    for i in 0..5 {
        bot.push(group_message(
            GROUP,
            user_with(MEMBER, "Mia", Some("mia"), None),
            &format!("hello {i}"),
        ));
    }
    bot.push(group_message(GROUP, user(OWNER, "Olivia"), "hi"));
    bot.push(chat_member(
        GROUP,
        user(7, "New"),
        user(7, "New"),
        "left",
        "member",
        Some("https://t.me/+abc"),
    ));
    bot.push(chat_member(
        GROUP,
        user(8, "Gone"),
        user(8, "Gone"),
        "member",
        "left",
        None,
    ));
    bot.settle().await;
    let pool = &bot.ctx.storage.read;
    let per_member: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT user_id, SUM(messages), SUM(chars) FROM activity_minutes WHERE chat_id = ? GROUP BY user_id ORDER BY user_id",
    )
    .bind(GROUP)
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(per_member, vec![(OWNER, 1, 2), (MEMBER, 5, 35)]);
    let events: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT user_id, kind, invite_link FROM member_events WHERE chat_id = ? ORDER BY id",
    )
    .bind(GROUP)
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        events,
        vec![
            (7, "join".into(), Some("https://t.me/+abc".into())),
            (8, "leave".into(), None)
        ]
    );
    let found = groupops::storage::members::find_by_username(
        &mut pool.acquire().await.unwrap(),
        GROUP,
        "MIA",
    )
    .await
    .unwrap()
    .expect("a member seen in the group is found by username");
    assert_eq!(found.user_id, MEMBER);
    assert_eq!(
        bot.ctx
            .activity
            .counters()
            .dropped
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
    bot.stop().await;
}

#[tokio::test]
async fn activity_routed_before_shutdown_is_written() {
    let bot = TestBot::start().await;
    for i in 0..200 {
        bot.push(group_message(
            GROUP,
            user(MEMBER + i, "Member"),
            "a message",
        ));
    }
    // Stop as soon as the bot has taken every update, without waiting for handlers or the writer.
    let deadline = tokio::time::Instant::now() + WAIT;
    while bot.api.pending_updates() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "updates were not fetched"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let path = bot.database_path();
    let _keep = bot.data_dir();
    bot.stop().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let total: i64 = sqlx::query_scalar("SELECT SUM(messages) FROM activity_minutes")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        total, 200,
        "every routed message was handled and written before exit"
    );
}

#[tokio::test]
async fn the_admin_cache_follows_a_promotion_at_once() {
    let bot = TestBot::start().await;
    let owner = user(OWNER, "Olivia");
    bot.api.set_admins(
        GROUP,
        vec![member(owner.clone(), "creator"), bot_admin_member()],
    );
    bot.push(group_message(GROUP, user(MEMBER, "Mia"), "/lang en"));
    assert_eq!(
        bot.wait_texts(GROUP, 1).await[0],
        "只有群管理员才能这样做。"
    );
    // Promoted in Telegram: the next chat_member update drops the cached list.
    bot.api.set_admins(
        GROUP,
        vec![
            member(owner.clone(), "creator"),
            member(user(MEMBER, "Mia"), "administrator"),
            bot_admin_member(),
        ],
    );
    bot.push(chat_member(
        GROUP,
        owner,
        user(MEMBER, "Mia"),
        "member",
        "administrator",
        None,
    ));
    bot.push(group_message(GROUP, user(MEMBER, "Mia"), "/lang en"));
    assert_eq!(
        bot.wait_texts(GROUP, 2).await[1],
        "This group now speaks English."
    );
    assert_eq!(
        bot.api.calls("getChatAdministrators").len(),
        2,
        "fetched once, then once after the promotion"
    );
    bot.stop().await;
}

#[tokio::test]
async fn the_binary_stops_cleanly_on_sigterm() {
    let api = FakeApi::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_groupops"))
        .current_dir(dir.path())
        .env("GROUPOPS_TOKEN", "123456:TEST-TOKEN")
        .env("GROUPOPS_API_URL", api.url())
        .env("GROUPOPS_TELEGRAM__POLL_TIMEOUT", "1s")
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    api.wait_for("setMyCommands", 9, WAIT).await;
    api.push_update(group_message(GROUP, user(MEMBER, "Mia"), "hello"));
    api.push_update(private_message(user(MEMBER, "Mia"), "/help"));
    api.wait_for("sendMessage", 1, WAIT).await;
    let pid = child.id().expect("running").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(WAIT, child.wait())
        .await
        .expect("exits in time")
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}/data/groupops.db",
        dir.path().display()
    ))
    .await
    .unwrap();
    let messages: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM activity_minutes")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(messages, 1, "the activity writer was flushed on SIGTERM");
    assert!(
        api.served_offset() >= 3,
        "handled updates were confirmed so a restart does not repeat them"
    );
}

#[tokio::test]
async fn a_full_chat_queue_refuses_and_counts_instead_of_growing() {
    // The five queued messages can never be sent: stopping gives up on them after a short drain.
    let bot = TestBot::start_with(&[
        ("GROUPOPS_LIMITS__PER_CHAT", "1/1m"),
        ("GROUPOPS_LIMITS__MAX_QUEUED_PER_CHAT", "5"),
        ("GROUPOPS_SHUTDOWN__DRAIN_TIMEOUT", "200ms"),
    ])
    .await;
    let pending: Vec<_> = (0..10)
        .map(|i| {
            bot.ctx
                .outbound
                .send_text(Text::plain(GROUP, format!("queued {i}")))
        })
        .collect();
    // The first goes out at once and five wait for the chat's budget; the last four are refused at once.
    let mut refused = 0;
    for message in pending.into_iter().skip(6) {
        let outcome = tokio::time::timeout(WAIT, message.wait())
            .await
            .expect("a refusal does not wait for the budget");
        assert!(outcome.is_err(), "refused, not sent");
        refused += 1;
    }
    assert_eq!(refused, 4);
    bot.api.wait_for("sendMessage", 1, WAIT).await;
    let stats = bot.ctx.outbound.stats();
    assert_eq!(stats.refused.load(std::sync::atomic::Ordering::Relaxed), 4);
    assert_eq!(stats.queued.load(std::sync::atomic::Ordering::Relaxed), 5);
    assert_eq!(sends_to(&bot.api, GROUP).len(), 1);
    // Another chat is not affected by the full one.
    bot.ctx
        .outbound
        .send_text(Text::plain(-100_778, "elsewhere"))
        .wait()
        .await
        .expect("sent at once");
    bot.stop().await;
}

#[tokio::test]
async fn a_429_on_a_delete_pauses_that_chats_immediate_requests_only() {
    let bot = TestBot::start().await;
    bot.api
        .fail_next("deleteMessage", 1, Failure::RetryAfter(1));
    let first = bot
        .ctx
        .outbound
        .delete(GROUP, teloxide::types::MessageId(1));
    let stats = bot.ctx.outbound.stats();
    let deadline = tokio::time::Instant::now() + WAIT;
    while stats
        .rate_limited
        .load(std::sync::atomic::Ordering::Relaxed)
        == 0
    {
        assert!(tokio::time::Instant::now() < deadline, "the 429 arrives");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Telegram asked for a pause in this chat: a second delete there waits it out; one elsewhere does not.
    let second = bot
        .ctx
        .outbound
        .delete(GROUP, teloxide::types::MessageId(2));
    let elsewhere = bot
        .ctx
        .outbound
        .delete(-100_778, teloxide::types::MessageId(3));
    // A restrict in the paused chat waits too: the pause is the chat's, not the method's.
    let restrict = bot
        .ctx
        .outbound
        .immediate_in(GROUP, "restrictChatMember", |bot| {
            bot.restrict_chat_member(
                teloxide::types::ChatId(GROUP),
                teloxide::types::UserId(7),
                teloxide::types::ChatPermissions::empty(),
            )
            .send()
            .boxed()
        });
    elsewhere.wait().await.expect("deleted at once");
    first.wait().await.expect("deleted after the pause");
    second.wait().await.expect("deleted after the pause");
    restrict.wait().await.expect("restricted after the pause");
    let restricted = bot.api.calls("restrictChatMember");
    assert_eq!(restricted.len(), 1, "{restricted:?}");
    let waited = restricted[0]
        .at
        .duration_since(bot.api.calls("deleteMessage")[0].at);
    assert!(
        waited >= Duration::from_millis(950),
        "a restrict in the paused chat went out after {waited:?}"
    );
    let calls = bot.api.calls("deleteMessage");
    assert_eq!(
        calls.len(),
        4,
        "one refused attempt and three deletes: {calls:?}"
    );
    let refused_at = calls[0].at;
    assert!(calls[0].failed);
    for call in &calls[1..] {
        assert!(!call.failed);
        let waited = call.at.duration_since(refused_at);
        if call.params["chat_id"].as_i64() == Some(GROUP) {
            assert!(
                waited >= Duration::from_millis(950),
                "a delete in the paused chat went out after {waited:?}"
            );
        } else {
            assert!(
                waited < Duration::from_millis(900),
                "another chat's delete waited {waited:?}"
            );
        }
    }
    bot.stop().await;
}

#[tokio::test]
async fn a_sigterm_while_starting_stops_the_binary_cleanly() {
    // A Bot API that accepts the connection and never answers: the bot is still starting (in getMe).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_groupops"))
        .current_dir(dir.path())
        .env("GROUPOPS_TOKEN", "123456:TEST-TOKEN")
        .env("GROUPOPS_API_URL", &url)
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let (_held_open, _) = tokio::time::timeout(WAIT, listener.accept())
        .await
        .expect("the bot asks who it is")
        .unwrap();
    let pid = child.id().expect("running").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(WAIT, child.wait())
        .await
        .expect("exits in time")
        .unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "stopped by its own hand, not by the signal: {status:?}"
    );
}

#[tokio::test]
async fn shutdown_waits_for_work_a_handler_left_running_before_closing_the_database() {
    let bot = TestBot::start().await;
    // A send whose answer comes late (a 429 first), and work that notes the result a little after it
    // arrives, as features do when they keep a sent message's id.
    bot.api.fail_next("sendMessage", 1, Failure::RetryAfter(1));
    let pending = bot
        .ctx
        .outbound
        .send_text(Text::plain(GROUP, "noted later"));
    let ctx = bot.ctx.clone();
    bot.ctx.tasks.clone().spawn(async move {
        let sent = pending.wait().await.expect("sent after the pause");
        tokio::time::sleep(Duration::from_millis(300)).await;
        sqlx::query(
            "INSERT INTO groups (chat_id, kind, title, language, added_at, updated_at)
             VALUES (?, 'supergroup', 'noted', 'en', 0, 0)",
        )
        .bind(sent.chat.id.0)
        .execute(&ctx.storage.write)
        .await
        .expect("the database is still open");
    });
    let path = bot.database_path();
    let _keep = bot.data_dir();
    bot.stop().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let noted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM groups WHERE title = 'noted'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(noted, 1, "the work finished before the database closed");
}

mod periodic_work {
    use super::*;
    use futures::future::BoxFuture;
    use groupops::features::{run_tickers, Every, LastRuns, Ticker};
    use groupops::services::Ctx;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static COUNTED: AtomicUsize = AtomicUsize::new(0);

    fn panics(_: Ctx) -> BoxFuture<'static, groupops::Result<()>> {
        async { panic!("a bug in one feature's periodic work") }.boxed()
    }

    fn fails(_: Ctx) -> BoxFuture<'static, groupops::Result<()>> {
        async { Err(groupops::Error::Config("a failing periodic job".into())) }.boxed()
    }

    fn counts(_: Ctx) -> BoxFuture<'static, groupops::Result<()>> {
        async {
            COUNTED.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
        .boxed()
    }

    fn always(_: &groupops::config::Config) -> Duration {
        Duration::ZERO
    }

    #[tokio::test]
    async fn a_panicking_or_failing_ticker_does_not_stop_the_others() {
        let bot = TestBot::start().await;
        let tickers: &[(&str, Ticker, Every)] = &[
            ("panics", panics, always),
            ("fails", fails, always),
            ("counts", counts, always),
        ];
        let mut last_runs = LastRuns::new();
        for _ in 0..3 {
            run_tickers(&bot.ctx, tickers, &mut last_runs).await;
        }
        assert_eq!(
            COUNTED.load(Ordering::SeqCst),
            3,
            "the healthy ticker ran on every pass"
        );
        let errors = bot.take_errors();
        let panicked = errors
            .iter()
            .filter(|e| e.contains("ticker panics: panicked: a bug in one feature"))
            .count();
        let failed = errors
            .iter()
            .filter(|e| e.contains("ticker fails: ") && e.contains("a failing periodic job"))
            .count();
        assert_eq!((panicked, failed, errors.len()), (3, 3, 6), "{errors:#?}");
        // The bot's own ticker still runs after the panics above.
        bot.ticks(2).await;
        bot.stop().await;
    }

    #[tokio::test]
    async fn a_failing_or_panicking_due_item_does_not_stop_the_next() {
        let bot = TestBot::start().await;
        let mut done = Vec::new();
        let failed =
            groupops::features::each_due(&bot.ctx, "test", "item", [(1, 1), (2, 2), (3, 3)], |n| {
                if n == 1 {
                    panic!("a bug in item one");
                }
                done.push(n);
                async move {
                    match n {
                        2 => Err(groupops::Error::Config("item two fails".into())),
                        _ => Ok(()),
                    }
                }
            })
            .await;
        assert_eq!(failed, 2);
        assert_eq!(done, vec![2, 3], "the items after the failures ran");
        let errors = bot.take_errors();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].contains("ticker test: item 1: panicked: a bug in item one"),
            "{errors:?}"
        );
        assert!(
            errors[1].contains("ticker test: item 2: ") && errors[1].contains("item two fails"),
            "{errors:?}"
        );
        bot.stop().await;
    }
}

#[tokio::test]
async fn an_ownership_transfer_refreshes_the_admin_list_at_once() {
    let bot = TestBot::start().await;
    let (old_owner, new_owner) = (user(OWNER, "Olga"), user(MEMBER, "Nina"));
    bot.api.set_admins(
        GROUP,
        vec![member(old_owner.clone(), "creator"), bot_admin_member()],
    );
    bot.push(group_message(GROUP, old_owner.clone(), "/lang en"));
    bot.wait_texts(GROUP, 1).await;
    assert_eq!(bot.ctx.group_lang(GROUP).await, groupops::i18n::Lang::En);

    // Olga hands the group to Nina and stays an admin who may not change the group's info.
    let mut demoted = member(old_owner.clone(), "administrator");
    demoted["can_change_info"] = serde_json::json!(false);
    bot.api.set_admins(
        GROUP,
        vec![
            member(new_owner, "creator"),
            demoted.clone(),
            bot_admin_member(),
        ],
    );
    let mut transfer = chat_member(
        GROUP,
        old_owner.clone(),
        old_owner.clone(),
        "creator",
        "administrator",
        None,
    );
    transfer["chat_member"]["new_chat_member"] = demoted;
    bot.push(transfer);
    bot.push(group_message(GROUP, old_owner, "/lang zh-CN"));
    bot.wait_texts(GROUP, 2).await;
    assert_eq!(
        bot.ctx.group_lang(GROUP).await,
        groupops::i18n::Lang::En,
        "the former owner's rights are read anew: they may no longer change the language"
    );
    bot.stop().await;
}

#[tokio::test]
async fn gate_questions_keep_their_share_of_a_group_budget_and_a_place_in_a_full_queue() {
    use groupops::telegram::outbound::Priority;
    let bot = TestBot::start_with(&[
        ("GROUPOPS_LIMITS__PER_CHAT", "100/1s"),
        ("GROUPOPS_LIMITS__PER_GROUP", "2/2s"),
        ("GROUPOPS_LIMITS__PRIORITY_SHARE", "0.5"),
        ("GROUPOPS_LIMITS__MAX_QUEUED_PER_CHAT", "3"),
    ])
    .await;
    bot.api.wait_for("setMyCommands", 9, WAIT).await;
    let replies: Vec<_> = (0..5)
        .map(|i| {
            bot.ctx
                .outbound
                .send_text(Text::plain(GROUP, format!("reply {i}")))
        })
        .collect();
    let first = bot.api.wait_for("sendMessage", 1, WAIT).await;
    assert_eq!(first[0].params["text"], "reply 0");
    // Replies may use half of the group's budget of 2: the second reply waits for the window, and the
    // queue (3 waiting) is full, so the fifth reply was refused.
    let gate = bot
        .ctx
        .outbound
        .send_text(Text::plain(GROUP, "captcha question").priority(Priority::Gate));
    let sent = bot.api.wait_for("sendMessage", 2, WAIT).await;
    assert_eq!(
        sent[1].params["text"], "captcha question",
        "the gate question goes within the reserved share, before the waiting replies"
    );
    gate.wait().await.expect("the gate question was sent");
    let mut outcomes = Vec::new();
    for pending in replies.into_iter().skip(3) {
        outcomes.push(pending.wait().await.is_ok());
    }
    assert_eq!(
        outcomes,
        [false, false],
        "the newest waiting reply gave its place to the gate question, and the fifth found the queue full"
    );
    bot.stop().await;
}
