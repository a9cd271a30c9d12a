//! What an operator and a member do beside the bot's games: `/forgetme` in private (in Chinese and in
//! English), backups taken while the bot handles a stream of point movements and restored into a
//! database whose balances still sum to zero, and `doctor` against the fake Bot API.

use crate::support::fake_api::bot_admin_member;
use crate::support::harness::TestBot;
use crate::support::members::{admin_with, owner_without_language};
use crate::support::updates::*;
use groupops::config::StorageSettings;
use groupops::features::economy::ledger;
use groupops::ops;
use serde_json::Value;

const OWNER: i64 = 9_101;
const ALICE: i64 = 9_102;

fn alice(lang: Option<&str>) -> Value {
    user_with(ALICE, "Alice", Some("alice"), lang)
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

fn last_private_text(bot: &TestBot, user: i64) -> String {
    bot.texts_to(user).last().cloned().unwrap_or_default()
}

async fn forget_me_flow(lang: Option<&str>, asks: &str, kept: &str, done: &str, again: &str) {
    const GROUP: i64 = -100_9101;
    let bot = TestBot::start().await;
    admins(&bot, GROUP);
    bot.push(my_chat_member(
        group(GROUP),
        owner_without_language(OWNER),
        "left",
        "administrator",
    ));
    bot.push(group_message(GROUP, alice(lang), "大家好，我是新来的"));
    bot.settle().await;
    // In the group the bot says nothing about the member, only where to ask.
    bot.push(group_message(GROUP, alice(lang), "/forgetme"));
    let in_group = bot.wait_texts(GROUP, 2).await;
    assert!(in_group[1].contains("/forgetme"), "{in_group:?}");
    assert!(!in_group[1].contains("Test Group"), "{in_group:?}");

    bot.push(private_message(alice(lang), "/forgetme"));
    let question = bot.wait_texts(ALICE, 1).await.remove(0);
    assert!(question.contains(asks), "{question}");
    assert!(question.contains("Test Group"), "{question}");
    assert!(question.contains(kept), "{question}");
    let sent = bot.api.calls("sendMessage");
    let buttons = &sent.last().unwrap().params["reply_markup"]["inline_keyboard"][0];
    assert_eq!(buttons[0]["callback_data"], "fm:yes");
    assert_eq!(buttons[1]["callback_data"], "fm:no");

    // Cancelling changes nothing.
    let profile = |bot: &TestBot| {
        let pool = bot.ctx.storage.read.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users WHERE user_id = ?")
                .bind(ALICE)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    bot.push(callback(ALICE, alice(lang), 1, "fm:no"));
    bot.api
        .wait_for("editMessageText", 1, crate::support::harness::WAIT)
        .await;
    bot.settle().await;
    assert_eq!(profile(&bot).await, 1, "cancel keeps the profile");

    bot.push(callback(ALICE, alice(lang), 1, "fm:yes"));
    let edits = bot
        .api
        .wait_for("editMessageText", 2, crate::support::harness::WAIT)
        .await;
    assert!(
        edits[1].params["text"].as_str().unwrap().contains(done),
        "{:?}",
        edits[1].params
    );
    bot.settle().await;
    assert_eq!(profile(&bot).await, 0, "the profile is deleted");
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM member_events WHERE user_id = ?")
        .bind(ALICE)
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(events, 0);

    // A second confirmation finds nothing more to delete.
    bot.push(callback(ALICE, alice(lang), 1, "fm:yes"));
    let edits = bot
        .api
        .wait_for("editMessageText", 3, crate::support::harness::WAIT)
        .await;
    assert!(
        edits[2].params["text"].as_str().unwrap().contains(again),
        "{:?}",
        edits[2].params
    );
    assert!(!last_private_text(&bot, ALICE).is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn forgetme_lists_the_groups_and_deletes_only_after_confirmation_zh() {
    forget_me_flow(
        Some("zh-hans"),
        "在这 1 个群里保存了你的资料",
        "封禁记录",
        "已删除",
        "之前已经删除过",
    )
    .await;
}

#[tokio::test]
async fn forgetme_lists_the_groups_and_deletes_only_after_confirmation_en() {
    forget_me_flow(
        Some("en"),
        "I hold data about you in this group",
        "forgetting never lifts a ban",
        "Done.",
        "nothing left to delete",
    )
    .await;
}

/// The storage settings of a database file in `dir`.
fn settings_at(path: &std::path::Path) -> StorageSettings {
    StorageSettings {
        database_url: format!("sqlite://{}?mode=rwc", path.display()),
        ..StorageSettings::default()
    }
}

#[tokio::test]
async fn a_backup_taken_under_load_restores_with_every_balance_summing_to_zero() {
    const GROUP: i64 = -100_9102;
    let bot = TestBot::start().await;
    admins(&bot, GROUP);
    let owner = owner_without_language(OWNER);
    bot.push(group_message(GROUP, alice(None), "hi"));
    bot.settle().await;
    let dir = tempfile::tempdir().unwrap();
    let mut backups = Vec::new();
    for round in 0..4 {
        for _ in 0..50 {
            bot.push(group_message(GROUP, owner.clone(), "/give @alice 1"));
        }
        // The backup runs while the bot is still handling the round's gifts.
        let path = dir.path().join(format!("round{round}.db"));
        let mut conn = bot.ctx.storage.read.acquire().await.unwrap();
        let report = ops::backup::backup_to(&mut conn, &path).await.unwrap();
        assert!(report.bytes > 0);
        backups.push(path);
    }
    bot.settle().await;
    let final_copy = dir.path().join("final.db");
    let mut conn = bot.ctx.storage.read.acquire().await.unwrap();
    ops::backup::backup_to(&mut conn, &final_copy)
        .await
        .unwrap();
    drop(conn);
    backups.push(final_copy);
    bot.stop().await;

    let mut given = Vec::new();
    for (i, backup) in backups.iter().enumerate() {
        let target = dir.path().join(format!("restored{i}.db"));
        let settings = settings_at(&target);
        let report = ops::backup::restore(&settings, backup, 1_800_000_000)
            .await
            .unwrap();
        assert_eq!(report.database, target);
        assert!(report.previous.is_none());
        // What the bot does at start: open and migrate.
        let storage = groupops::storage::Storage::open(&settings).await.unwrap();
        storage.migrate().await.unwrap();
        let mut conn = storage.write.acquire().await.unwrap();
        assert_eq!(ledger::economy_sum(&mut conn, GROUP).await.unwrap(), 0);
        assert!(ledger::audit(&mut conn, GROUP).await.unwrap().is_empty());
        given.push(
            ledger::balance(&mut conn, GROUP, ledger::Account::Wallet(ALICE))
                .await
                .unwrap(),
        );
        drop(conn);
        storage.close().await;
    }
    assert!(
        given.windows(2).all(|w| w[0] <= w[1]),
        "later backups hold at least as much: {given:?}"
    );
    assert_eq!(
        *given.last().unwrap(),
        200,
        "the final backup holds every gift"
    );
}

#[tokio::test]
async fn doctor_names_a_group_where_the_bot_lacks_rights_and_passes_when_all_is_well() {
    const GOOD: i64 = -100_9103;
    const POOR: i64 = -100_9104;
    let bot = TestBot::start().await;
    for chat in [GOOD, POOR] {
        bot.push(my_chat_member(
            group(chat),
            owner_without_language(OWNER),
            "left",
            "administrator",
        ));
    }
    bot.settle().await;
    let env = std::collections::BTreeMap::from([
        ("GROUPOPS_API_URL".to_string(), bot.api.url()),
        (
            "GROUPOPS_DATABASE_URL".to_string(),
            format!("sqlite://{}?mode=rwc", bot.database_path().display()),
        ),
    ]);
    let config = groupops::config::Config::from_toml("", &env).unwrap();
    let now = chrono::Utc::now().timestamp();

    let report = ops::doctor::run(&config, Some("123456:TEST-TOKEN"), now).await;
    let text = report.render();
    assert_eq!(report.problems(), 0, "{text}");
    assert!(text.contains("token: works"), "{text}");
    assert!(text.contains("clock: within"), "{text}");
    assert!(text.contains("migrations: all"), "{text}");
    assert!(text.contains("in 2 of 2 active groups"), "{text}");

    // The bot loses its delete and pin rights in one group; the clock is 5 minutes fast.
    bot.api.set_chat_member(
        POOR,
        crate::support::fake_api::BOT_ID,
        admin_with(
            crate::support::fake_api::bot_user(),
            &["can_restrict_members", "can_invite_users"],
        ),
    );
    let report = ops::doctor::run(&config, Some("123456:TEST-TOKEN"), now + 300).await;
    let text = report.render();
    assert_eq!(report.problems(), 2, "{text}");
    assert!(text.contains("delete ads and spam, pin lottery"), "{text}");
    assert!(text.contains("off Telegram's clock"), "{text}");
    assert!(text.ends_with("2 problems found\n"), "{text}");

    let report = ops::doctor::run(&config, None, now).await;
    assert!(report.render().contains("GROUPOPS_TOKEN is not set"));
    bot.stop().await;
}

/// Waits (in small real-time steps, up to the harness's limit) until `check` holds.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + crate::support::harness::WAIT;
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn scheduled_backups_follow_their_cron_and_only_the_newest_are_kept() {
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().display().to_string();
    let bot = TestBot::start_with(&[
        ("GROUPOPS_STORAGE__BACKUP_SCHEDULE", "* * * * *"),
        ("GROUPOPS_STORAGE__BACKUP_DIR", &dir),
        ("GROUPOPS_STORAGE__BACKUP_KEEP", "2"),
    ])
    .await;
    let backups = || {
        let mut names: Vec<String> = std::fs::read_dir(folder.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    bot.ticks(1).await;
    assert!(
        backups().is_empty(),
        "nothing before the first scheduled minute"
    );
    for round in 1..=3usize {
        bot.clock.advance(std::time::Duration::from_secs(61));
        bot.ticks(1).await;
        eventually("a backup per minute", || {
            let names = backups();
            names.len() == round.min(2) && names.iter().all(|n| n.ends_with(".db"))
        })
        .await;
    }
    let names = backups();
    assert!(
        names.iter().all(|n| n.starts_with("groupops-")),
        "{names:?}"
    );
    for name in &names {
        ops::backup::check_restorable(&folder.path().join(name))
            .await
            .expect("each kept backup is a sound groupops database");
    }
    bot.stop().await;
}

#[tokio::test]
async fn a_group_that_removed_the_bot_is_purged_after_the_retention_and_not_before() {
    const GONE: i64 = -100_9105;
    const STAYS: i64 = -100_9106;
    let bot = TestBot::start_with(&[("GROUPOPS_STORAGE__INACTIVE_RETENTION", "90d")]).await;
    for chat in [GONE, STAYS] {
        bot.push(my_chat_member(
            group(chat),
            owner_without_language(OWNER),
            "left",
            "administrator",
        ));
        bot.push(group_message(chat, alice(None), "hello"));
    }
    bot.settle().await;
    bot.push(my_chat_member(
        group(GONE),
        owner_without_language(OWNER),
        "administrator",
        "left",
    ));
    bot.settle().await;
    let rows = |chat: i64| {
        let pool = bot.ctx.storage.read.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT (SELECT COUNT(*) FROM groups WHERE chat_id = ?1) + (SELECT COUNT(*) FROM members WHERE chat_id = ?1)",
            )
            .bind(chat)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    // 89 days later the removed group is still there (the daily clean-up ran, but it is too early).
    bot.clock
        .advance(std::time::Duration::from_secs(89 * 86_400));
    bot.ticks(2).await;
    let tasks = bot.ctx.tasks.clone();
    eventually("the clean-up finishes", || tasks.is_empty()).await;
    assert!(rows(GONE).await > 0);
    bot.clock
        .advance(std::time::Duration::from_secs(2 * 86_400));
    bot.ticks(2).await;
    let deadline = std::time::Instant::now() + crate::support::harness::WAIT;
    while rows(GONE).await > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the removed group was never purged"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(rows(STAYS).await, 2, "an active group keeps its data");
    bot.stop().await;
}
