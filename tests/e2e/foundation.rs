//! The foundation as a group owner meets it: adding the bot, /start, /help, /lang, restarts, supergroup
//! upgrades, malformed updates, and the command line's answers to bad settings and a missing token.

use crate::support::fake_api::{bot_admin_member, Call, Failure, BOT_ID};
use crate::support::harness::{TestBot, WAIT};
use crate::support::members::owner;
use crate::support::updates::*;
use groupops::i18n::Lang;
use serde_json::{json, Value};
use std::process::Command;
use std::sync::{Arc, Mutex};

const GROUP: i64 = -100_555;
const OWNER: i64 = 1_001;
const MEMBER: i64 = 2_002;

fn admins_are_owner_and_bot(bot: &TestBot, chat: i64) {
    bot.api.set_admins(
        chat,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
}

/// The description a registered menu gives a command.
fn menu_description(call: &Call, command: &str) -> Option<String> {
    let commands = match &call.params["commands"] {
        Value::String(text) => serde_json::from_str(text).expect("commands as JSON"),
        other => other.clone(),
    };
    commands
        .as_array()?
        .iter()
        .find(|c| c["command"] == command)
        .map(|c| c["description"].as_str().unwrap_or_default().to_string())
}

#[tokio::test]
async fn production_dispatcher_builds_and_registers_commands() {
    let bot = TestBot::start().await;
    let calls = bot.api.wait_for("setMyCommands", 9, WAIT).await;
    assert_eq!(calls.len(), 9, "three scopes, three menus each");
    let zh_help = bot.ctx.t(Lang::Zh, "cmd-help");
    let en_help = bot.ctx.t(Lang::En, "cmd-help");
    assert_ne!(zh_help, en_help);
    let mut seen = Vec::new();
    for call in &calls {
        let scope = call.params["scope"]["type"].as_str().unwrap().to_string();
        let code = call.params["language_code"].as_str().map(str::to_string);
        // Without a language code the menu is in the configured default language (shipped: zh-CN).
        let expected = match code.as_deref() {
            None | Some("zh") => &zh_help,
            Some("en") => &en_help,
            Some(other) => panic!("unexpected language code {other}"),
        };
        assert_eq!(
            menu_description(call, "help").as_ref(),
            Some(expected),
            "{scope} {code:?}"
        );
        seen.push((scope, code));
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 9, "every scope and language once: {seen:?}");
    bot.stop().await;
}

#[tokio::test]
async fn the_menu_without_a_language_code_follows_the_default_language() {
    let bot = TestBot::start_with(&[("GROUPOPS_I18N__DEFAULT_LANGUAGE", "en")]).await;
    let calls = bot.api.wait_for("setMyCommands", 9, WAIT).await;
    let en_help = bot.ctx.t(Lang::En, "cmd-help");
    let defaults: Vec<_> = calls
        .iter()
        .filter(|c| c.params["language_code"].is_null())
        .collect();
    assert_eq!(defaults.len(), 3);
    for call in defaults {
        assert_eq!(menu_description(call, "help"), Some(en_help.clone()));
    }
    bot.stop().await;
}

#[tokio::test]
async fn a_refused_menu_does_not_stop_the_others() {
    let bot = TestBot::start().await;
    bot.api.wait_for("setMyCommands", 9, WAIT).await;
    bot.api.clear_calls();
    bot.api.fail_next(
        "setMyCommands",
        1,
        Failure::BadRequest("Bad Request: BOT_COMMAND_INVALID".into()),
    );
    groupops::features::register_commands(&bot.ctx).await;
    let calls = bot.api.calls("setMyCommands");
    assert_eq!(calls.len(), 9, "every menu was still tried");
    assert!(calls[0].failed);
    assert!(calls[1..].iter().all(|c| !c.failed));
    bot.stop().await;
}

#[tokio::test]
async fn help_in_a_group_shows_the_member_view_when_the_admin_list_cannot_be_read() {
    let bot = TestBot::start().await;
    // Moderation asks first (is the command an admin's?), then /help asks again: both fail.
    bot.api.fail_next(
        "getChatAdministrators",
        2,
        Failure::BadRequest("Bad Request: chat not found".into()),
    );
    bot.push(group_message(GROUP, owner(OWNER), "/help"));
    let texts = bot.wait_texts(GROUP, 1).await;
    assert!(
        texts[0].contains("/help") && !texts[0].contains("/lang"),
        "member view: {}",
        texts[0]
    );
    let fetches = bot.api.calls("getChatAdministrators");
    assert_eq!(fetches.len(), 2);
    assert!(fetches.iter().all(|f| f.failed));
    // Once Telegram answers again the owner gets the admin view: the failure was not cached.
    admins_are_owner_and_bot(&bot, GROUP);
    bot.push(group_message(GROUP, owner(OWNER), "/help"));
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(texts[1].contains("/lang"), "admin view: {}", texts[1]);
    bot.stop().await;
}

#[tokio::test]
async fn a_join_is_counted_once_where_the_bot_is_an_admin_without_a_group_record() {
    let bot = TestBot::start_with(&[("GROUPOPS_WELCOME__CAPTCHA", "off")]).await;
    // The bot was made an admin while it was not running: no group record, but Telegram reports each
    // join twice, as a chat_member update and as a service message.
    admins_are_owner_and_bot(&bot, GROUP);
    let ann = user(3_001, "Ann");
    bot.push(chat_member(
        GROUP,
        ann.clone(),
        ann.clone(),
        "left",
        "member",
        None,
    ));
    bot.push(new_members(GROUP, ann.clone(), vec![ann.clone()]));
    // Where the bot is no admin, only the service message arrives, and it counts.
    let elsewhere = -100_558;
    bot.api
        .set_admins(elsewhere, vec![member(owner(OWNER), "creator")]);
    let bob = user(3_002, "Bob");
    bot.push(new_members(elsewhere, bob.clone(), vec![bob]));
    bot.settle().await;
    let joins: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT chat_id, user_id FROM member_events WHERE kind = 'join' ORDER BY id",
    )
    .fetch_all(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(joins, vec![(GROUP, 3_001), (elsewhere, 3_002)]);
    bot.stop().await;
}

#[tokio::test]
async fn added_to_a_group_records_it_and_greets_in_the_adders_language() {
    let bot = TestBot::start().await;
    bot.push(my_chat_member(
        group(GROUP),
        owner(OWNER),
        "left",
        "administrator",
    ));
    let texts = bot.wait_texts(GROUP, 1).await;
    assert!(
        texts[0].starts_with("Hello"),
        "English hello for an English-speaking owner: {texts:?}"
    );
    bot.settle().await;
    let (language, added_by, status, active): (String, i64, String, bool) = sqlx::query_as(
        "SELECT language, added_by, bot_status, active FROM groups WHERE chat_id = ?",
    )
    .bind(GROUP)
    .fetch_one(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(
        (language.as_str(), added_by, status.as_str(), active),
        ("en", OWNER, "administrator", true)
    );

    // A second update about the same addition (a promotion) does not greet again; it says thanks.
    bot.push(my_chat_member(
        group(GROUP),
        owner(OWNER),
        "member",
        "administrator",
    ));
    bot.settle().await;
    let texts = bot.wait_texts(GROUP, 2).await;
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts[1].starts_with("Thanks"), "{texts:?}");

    // A Chinese-speaking admin adding the bot elsewhere gets Chinese; an unknown language gets the default.
    bot.push(my_chat_member(
        group(-100_556),
        user_with(3, "Li", None, Some("zh-hans")),
        "left",
        "member",
    ));
    bot.push(my_chat_member(
        group(-100_557),
        user_with(4, "Ivan", None, Some("ru")),
        "left",
        "member",
    ));
    let zh = bot.wait_texts(-100_556, 1).await;
    let default = bot.wait_texts(-100_557, 1).await;
    assert!(zh[0].starts_with("大家好"), "{zh:?}");
    assert!(
        default[0].starts_with("大家好"),
        "shipped default is zh-CN: {default:?}"
    );

    // Removed: the group is marked inactive.
    bot.push(my_chat_member(
        group(GROUP),
        owner(OWNER),
        "administrator",
        "kicked",
    ));
    bot.settle().await;
    let active: bool = sqlx::query_scalar("SELECT active FROM groups WHERE chat_id = ?")
        .bind(GROUP)
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert!(!active);
    bot.stop().await;
}

#[tokio::test]
async fn start_in_private_offers_the_add_button() {
    let bot = TestBot::start().await;
    bot.push(private_message(
        user_with(MEMBER, "Mia", None, Some("en")),
        "/start",
    ));
    let call = &bot.api.wait_for("sendMessage", 1, WAIT).await[0];
    assert!(call.params["text"].as_str().unwrap().contains("GroupOps"));
    let button = &call.params["reply_markup"]["inline_keyboard"][0][0];
    assert_eq!(button["url"], "https://t.me/groupops_bot?startgroup=true");
    bot.stop().await;
}

#[tokio::test]
async fn help_lists_what_the_caller_may_use_and_lang_is_for_admins() {
    let bot = TestBot::start().await;
    admins_are_owner_and_bot(&bot, GROUP);
    bot.push(my_chat_member(
        group(GROUP),
        user_with(3, "Li", None, Some("zh-hans")),
        "left",
        "administrator",
    ));
    bot.wait_texts(GROUP, 1).await;

    bot.push(group_message(GROUP, user(MEMBER, "Mia"), "/help"));
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(
        texts[1].contains("/help") && !texts[1].contains("/lang"),
        "member help: {}",
        texts[1]
    );
    assert!(texts[1].contains("本群可用命令"));

    bot.push(group_message(GROUP, owner(OWNER), "/help"));
    let texts = bot.wait_texts(GROUP, 3).await;
    assert!(
        texts[2].contains("/lang"),
        "admin help lists admin commands: {}",
        texts[2]
    );

    bot.push(group_message(GROUP, user(MEMBER, "Mia"), "/lang en"));
    let texts = bot.wait_texts(GROUP, 4).await;
    assert_eq!(texts[3], "只有群管理员才能这样做。");

    bot.push(group_message(GROUP, owner(OWNER), "/lang klingon"));
    let texts = bot.wait_texts(GROUP, 5).await;
    assert!(texts[4].contains("/lang zh"), "usage shown: {}", texts[4]);

    bot.push(group_message(GROUP, owner(OWNER), "/lang en"));
    let texts = bot.wait_texts(GROUP, 6).await;
    assert_eq!(texts[5], "This group now speaks English.");

    bot.push(group_message(GROUP, user(MEMBER, "Mia"), "/help"));
    let texts = bot.wait_texts(GROUP, 7).await;
    assert!(texts[6].contains("Commands in this group"), "{}", texts[6]);

    // An anonymous admin (posting as the group) is asked who they are; the command runs once an admin
    // with the right confirms it.
    bot.push(anonymous_admin_message(GROUP, "/lang zh"));
    let texts = bot.wait_texts(GROUP, 8).await;
    assert!(texts[7].contains("sent anonymously"), "{}", texts[7]);
    bot.confirm_anonymous(GROUP, owner(OWNER)).await;
    let texts = bot.wait_texts(GROUP, 9).await;
    assert_eq!(texts[8], "本群已切换为中文。");

    // Replies go to the right message.
    let last = bot.api.calls("sendMessage").pop().unwrap();
    assert!(last.params["reply_parameters"]["message_id"]
        .as_i64()
        .is_some());
    bot.stop().await;
}

#[tokio::test]
async fn an_admin_without_the_change_info_right_is_told_which_right_is_missing() {
    let bot = TestBot::start().await;
    let mut limited = member(user(MEMBER, "Mia"), "administrator");
    limited["can_change_info"] = json!(false);
    bot.api.set_admins(GROUP, vec![limited, bot_admin_member()]);
    bot.push(group_message(GROUP, user(MEMBER, "Mia"), "/lang en"));
    let texts = bot.wait_texts(GROUP, 1).await;
    assert!(texts[0].contains("修改群资料"), "{texts:?}");
    bot.stop().await;
}

#[tokio::test]
async fn restart_keeps_the_groups_settings() {
    let bot = TestBot::start().await;
    admins_are_owner_and_bot(&bot, GROUP);
    bot.push(my_chat_member(
        group(GROUP),
        owner(OWNER),
        "left",
        "administrator",
    ));
    bot.push(group_message(GROUP, owner(OWNER), "/lang zh"));
    bot.wait_texts(GROUP, 2).await;
    let bot = bot.restart().await;
    bot.push(group_message(GROUP, user(MEMBER, "Mia"), "/help"));
    let texts = bot.wait_texts(GROUP, 3).await;
    assert!(
        texts[2].contains("本群可用命令"),
        "language survived the restart: {}",
        texts[2]
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_supergroup_upgrade_moves_the_groups_data() {
    let bot = TestBot::start().await;
    let old = -4_242;
    let new = -1_004_242;
    admins_are_owner_and_bot(&bot, old);
    bot.push(my_chat_member(
        basic_group(old),
        owner(OWNER),
        "left",
        "member",
    ));
    bot.push(group_message(old, owner(OWNER), "hello everyone"));
    bot.wait_texts(old, 1).await;
    bot.settle().await;
    bot.push(migrate_to(old, new, owner(OWNER)));
    bot.settle().await;
    let (kind, language): (String, String) =
        sqlx::query_as("SELECT kind, language FROM groups WHERE chat_id = ?")
            .bind(new)
            .fetch_one(&bot.ctx.storage.read)
            .await
            .unwrap();
    assert_eq!((kind.as_str(), language.as_str()), ("supergroup", "en"));
    let old_rows: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM groups WHERE chat_id = ?1) + (SELECT COUNT(*) FROM members WHERE chat_id = ?1)
              + (SELECT COUNT(*) FROM activity_minutes WHERE chat_id = ?1)",
    )
    .bind(old)
    .fetch_one(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(old_rows, 0, "nothing is left under the old id");
    let messages: i64 =
        sqlx::query_scalar("SELECT messages FROM members WHERE chat_id = ? AND user_id = ?")
            .bind(new)
            .bind(OWNER)
            .fetch_one(&bot.ctx.storage.read)
            .await
            .unwrap();
    assert_eq!(messages, 1);
    bot.stop().await;
}

#[tokio::test]
async fn a_supergroup_upgrade_adds_to_what_the_supergroup_already_has() {
    // The activity writer flushes only when asked, so the basic group's last message is still waiting in
    // it when the upgrade arrives.
    let bot = TestBot::start_with(&[("GROUPOPS_ACTIVITY__FLUSH_INTERVAL", "1h")]).await;
    let old = -4_343;
    let new = -1_004_343;
    admins_are_owner_and_bot(&bot, old);
    bot.push(my_chat_member(
        basic_group(old),
        owner(OWNER),
        "left",
        "member",
    ));
    bot.push(group_message(old, owner(OWNER), "hello everyone"));
    bot.wait_texts(old, 1).await;
    bot.settle().await;
    // The supergroup's first message was handled before the upgrade message.
    bot.push(group_message(new, owner(OWNER), "first in the supergroup"));
    bot.settle().await;
    bot.push(group_message(
        old,
        owner(OWNER),
        "one more before the upgrade",
    ));
    bot.push(migrate_to(old, new, owner(OWNER)));
    bot.settle().await;
    let pool = &bot.ctx.storage.read;
    let messages: i64 =
        sqlx::query_scalar("SELECT messages FROM members WHERE chat_id = ? AND user_id = ?")
            .bind(new)
            .bind(OWNER)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(messages, 3, "both groups' messages add up");
    let minutes: i64 = sqlx::query_scalar(
        "SELECT SUM(messages) FROM activity_minutes WHERE chat_id = ? AND user_id = ?",
    )
    .bind(new)
    .bind(OWNER)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(minutes, 3);
    let old_rows: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM groups WHERE chat_id = ?1) + (SELECT COUNT(*) FROM members WHERE chat_id = ?1)
              + (SELECT COUNT(*) FROM activity_minutes WHERE chat_id = ?1)",
    )
    .bind(old)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        old_rows, 0,
        "nothing is written under the old id after the move"
    );
    bot.stop().await;
}

#[test]
fn log_lines_are_bridged_into_the_test_log() {
    crate::support::harness::init_logging();
    let captured = Arc::new(Mutex::new(Vec::new()));
    let writer = {
        let captured = captured.clone();
        move || Capture(captured.clone())
    };
    let subscriber = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        log::error!(target: "teloxide::error_handlers", "an error teloxide logs");
    });
    let text = String::from_utf8(captured.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("an error teloxide logs"),
        "captured: {text:?}"
    );
}

/// Collects what a test subscriber writes.
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_malformed_update_is_skipped_and_the_next_is_answered() {
    let bot = TestBot::start().await;
    bot.api.push_raw_update(
        r#"{"update_id": 1, "message": {"message_id": "not a number"}}"#.to_string(),
    );
    bot.push(private_message(
        user_with(MEMBER, "Mia", None, Some("en")),
        "/help",
    ));
    let texts = bot.wait_texts(MEMBER, 1).await;
    assert!(texts[0].contains("What I can do"));
    bot.stop().await;
}

#[tokio::test]
async fn the_bot_never_answers_for_itself() {
    let bot = TestBot::start().await;
    // The bot's own join service message must not count it as a member.
    bot.push(new_members(
        GROUP,
        owner(OWNER),
        vec![user(BOT_ID, "GroupOps")],
    ));
    bot.settle().await;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM member_events WHERE user_id = ?")
        .bind(BOT_ID)
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(rows, 0);
    bot.stop().await;
}

fn groupops() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_groupops"));
    command.env_remove("GROUPOPS_TOKEN").env_remove("RUST_LOG");
    command
}

#[test]
fn missing_token_exits_2_with_one_clear_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let output = groupops()
        .current_dir(dir.path())
        .arg("run")
        .env(
            "GROUPOPS_DATABASE_URL",
            format!("sqlite://{}/x.db?mode=rwc", dir.path().display()),
        )
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("GROUPOPS_TOKEN"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[test]
fn config_errors_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "[limits]\nper_group = \"lots\"\n").unwrap();
    let output = groupops()
        .arg("--config")
        .arg(&file)
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("limits.per_group"));

    std::fs::write(&file, "[routing]\nshardz = 3\n").unwrap();
    let output = groupops()
        .arg("--config")
        .arg(&file)
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("shardz"));

    let output = groupops()
        .arg("--config")
        .arg(dir.path().join("missing.toml"))
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "a missing --config file is an error"
    );

    let output = groupops()
        .env("GROUPOPS_ROUTING__SHARDS", "zero")
        .current_dir(dir.path())
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("routing.shards"));
}

#[test]
fn a_setting_that_is_not_utf8_is_named_not_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let not_utf8 = std::ffi::OsStr::from_bytes(b"sqlite://\xff\xfe.db");
    for command in ["migrate", "check"] {
        let output = groupops()
            .current_dir(dir.path())
            .env("GROUPOPS_DATABASE_URL", not_utf8)
            .env("SOMEONE_ELSES_VARIABLE", not_utf8)
            .arg(command)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("GROUPOPS_DATABASE_URL") && stderr.contains("UTF-8"),
            "{command}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{command}: {stderr}");
    }
    let output = groupops()
        .current_dir(dir.path())
        .env("SOMEONE_ELSES_VARIABLE", not_utf8)
        .env(
            "GROUPOPS_DATABASE_URL",
            format!("sqlite://{}/x.db?mode=rwc", dir.path().display()),
        )
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "another program's variable is not read: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn migrate_creates_the_database_and_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let output = groupops()
        .current_dir(dir.path())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(dir.path().join("data/groupops.db").exists());
    let again = groupops()
        .current_dir(dir.path())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(again.status.success());
}

/// A message in forum topic `thread` of `GROUP`: Telegram makes it a reply to the topic's creation message
/// (sent by `creator`) although the member replied to nothing.
fn topic_message(thread: i64, from: Value, creator: Value, text: &str) -> Value {
    let mut update = group_message(GROUP, from, text);
    let message = &mut update["message"];
    message["message_thread_id"] = json!(thread);
    message["is_topic_message"] = json!(true);
    message["chat"]["is_forum"] = json!(true);
    message["reply_to_message"] = json!({
        "message_id": thread,
        "date": now(),
        "chat": message["chat"].clone(),
        "from": creator,
        "message_thread_id": thread,
        "forum_topic_created": {"name": "跑步路线", "icon_color": 7322096},
    });
    update
}

#[tokio::test]
async fn in_a_forum_topic_the_topic_start_is_not_a_reply_and_answers_stay_in_the_topic() {
    let bot = TestBot::start().await;
    let creator = user(MEMBER, "Tina");
    bot.api.set_admins(
        GROUP,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    bot.push(topic_message(77, owner(OWNER), creator, "/ban"));
    let answer = bot.api.wait_for("sendMessage", 1, WAIT).await;
    bot.settle().await;
    assert!(
        bot.api.calls("banChatMember").is_empty(),
        "the topic's creator was not banned for a command that replied to nothing"
    );
    assert_eq!(
        answer[0].params["message_thread_id"], 77,
        "the usage is answered in the topic the command came from"
    );
    bot.push(topic_message(
        77,
        owner(OWNER),
        user(MEMBER, "Tina"),
        "/give 50",
    ));
    bot.api.wait_for("sendMessage", 2, WAIT).await;
    bot.settle().await;
    let moved: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM economy_journal WHERE chat_id = ?")
        .bind(GROUP)
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(moved, 0, "no points went to the topic's creator");
    bot.stop().await;
}

/// The hello adapts to the rights the bot has and says what is already on; a later promotion gets thanks
/// and names the rights still missing.
async fn the_hello_adapts_to_the_bots_rights(lang: &str) {
    let bot = TestBot::start().await;
    let chat = if lang == "en" { -100_561 } else { -100_562 };
    let speaks = if lang == "en" { "en" } else { "zh-hans" };
    let adder = user_with(OWNER, "Olivia", None, Some(speaks));
    bot.push(my_chat_member(group(chat), adder.clone(), "left", "member"));
    let hello = bot.wait_texts(chat, 1).await.remove(0);
    let expected = if lang == "en" {
        [
            "Make me an admin",
            "Already on: a button check for newcomers, the ad filter.",
            "/lang zh",
        ]
    } else {
        [
            "请把我设为管理员",
            "已开启：新成员按钮验证、广告过滤。",
            "/lang en",
        ]
    };
    for words in expected {
        assert!(hello.contains(words), "{words:?} in {hello}");
    }
    // Promoted without the right to ban: thanks, and the missing right is named.
    let mut promoted = my_chat_member(group(chat), adder.clone(), "member", "administrator");
    promoted["my_chat_member"]["new_chat_member"] = crate::support::members::admin_with(
        crate::support::fake_api::bot_user(),
        &["can_delete_messages", "can_invite_users"],
    );
    bot.push(promoted);
    let thanks = bot.wait_texts(chat, 2).await.remove(1);
    let expected = if lang == "en" {
        [
            "Thanks for making me an admin!",
            "I still need one admin right: ban users.",
        ]
    } else {
        [
            "谢谢你们把我设为管理员！",
            "我还缺少这些管理权限：封禁成员。",
        ]
    };
    for words in expected {
        assert!(thanks.contains(words), "{words:?} in {thanks}");
    }
    // Added as a full admin elsewhere: no request for rights it already has.
    bot.push(my_chat_member(
        group(chat - 10),
        adder,
        "left",
        "administrator",
    ));
    let hello = bot.wait_texts(chat - 10, 1).await.remove(0);
    let has = if lang == "en" {
        "I have the admin rights I need."
    } else {
        "我已拥有所需的管理权限。"
    };
    assert!(hello.contains(has), "{hello}");
    assert!(!hello.contains("Make me an admin") && !hello.contains("请把我设为管理员"));
    bot.stop().await;
}

#[tokio::test]
async fn the_hello_adapts_to_the_bots_rights_en() {
    the_hello_adapts_to_the_bots_rights("en").await;
}

#[tokio::test]
async fn the_hello_adapts_to_the_bots_rights_zh() {
    the_hello_adapts_to_the_bots_rights("zh").await;
}

/// In private, plain text and unknown commands get a hint to /help, and a lottery command with arguments
/// says lotteries are made in the group.
async fn private_chats_never_stay_silent(lang: &str) {
    let bot = TestBot::start().await;
    let speaks = if lang == "en" { "en" } else { "zh-hans" };
    let id = 5_077;
    let who = user_with(id, "Pia", None, Some(speaks));
    let (hint, lottery) = if lang == "en" {
        (
            "Send /help to see what I can do.",
            "Lotteries are created, listed, drawn and cancelled in the group.",
        )
    } else {
        (
            "发送 /help 查看我能做什么。",
            "抽奖要在群里创建、查看、开奖和取消",
        )
    };
    for (n, text) in ["hello there", "/frobnicate"].into_iter().enumerate() {
        bot.push(private_message(who.clone(), text));
        let texts = bot.wait_texts(id, n + 1).await;
        assert!(texts[n].contains(hint), "{text}: {texts:?}");
    }
    bot.push(private_message(
        who.clone(),
        "/lottery Mugs | Mug x1 | in 1h",
    ));
    let texts = bot.wait_texts(id, 3).await;
    assert!(texts[2].contains(lottery), "{texts:?}");
    // Known commands still answer as before, with no hint after them.
    bot.push(private_message(who, "/help"));
    bot.wait_texts(id, 4).await;
    bot.settle().await;
    let texts = bot.texts_to(id);
    assert_eq!(texts.len(), 4, "{texts:?}");
    assert!(!texts[3].contains(hint), "{texts:?}");
    bot.stop().await;
}

#[tokio::test]
async fn private_chats_never_stay_silent_en() {
    private_chats_never_stay_silent("en").await;
}

#[tokio::test]
async fn private_chats_never_stay_silent_zh() {
    private_chats_never_stay_silent("zh").await;
}

/// The menus offer what works where it is shown: no /transfer while transfers are off, one entry for red
/// packets, only private commands in the private menu, and members' /lottery line without admin actions.
#[tokio::test]
async fn the_command_menus_offer_only_what_works_there() {
    let bot = TestBot::start().await;
    let calls = bot.api.wait_for("setMyCommands", 9, WAIT).await;
    let names = |call: &Call| -> Vec<String> {
        call.params["commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["command"].as_str().unwrap().to_string())
            .collect()
    };
    for call in &calls {
        let scope = call.params["scope"]["type"].as_str().unwrap();
        let listed = names(call);
        assert!(
            !listed.contains(&"transfer".to_string()),
            "{scope}: {listed:?}"
        );
        assert!(
            !listed.contains(&"redpacket".to_string()),
            "{scope}: {listed:?}"
        );
        if scope == "all_private_chats" {
            assert!(!listed.contains(&"checkin".to_string()), "{listed:?}");
            assert!(!listed.contains(&"hongbao".to_string()), "{listed:?}");
            assert!(listed.contains(&"verify".to_string()), "{listed:?}");
        } else {
            assert!(
                listed.contains(&"hongbao".to_string()),
                "{scope}: {listed:?}"
            );
        }
        let lottery = menu_description(call, "lottery").unwrap_or_default();
        let code = call.params["language_code"].as_str();
        let (create, draw) = match code {
            Some("en") => ("create", "draw"),
            _ => ("创建", "开奖"),
        };
        if scope == "all_chat_administrators" {
            assert!(
                lottery.contains(create) && lottery.contains(draw),
                "{lottery}"
            );
        } else if scope == "all_group_chats" {
            assert!(
                !lottery.contains(create) && !lottery.contains(draw),
                "{lottery}"
            );
        }
    }
    bot.stop().await;
    // With transfers on, members see /transfer in groups.
    let bot = TestBot::start_with(&[("GROUPOPS_ECONOMY__TRANSFER_ENABLED", "true")]).await;
    let calls = bot.api.wait_for("setMyCommands", 9, WAIT).await;
    let group_menu = calls
        .iter()
        .find(|c| c.params["scope"]["type"] == "all_group_chats")
        .unwrap();
    assert!(menu_description(group_menu, "transfer").is_some());
    bot.stop().await;
}

/// `/lang` alone says which language the group speaks (to anyone), and a lottery title over 64
/// characters is refused with the limit.
async fn lang_alone_and_the_title_cap(lang: &str) {
    let bot = TestBot::start().await;
    let chat = if lang == "en" { -100_571 } else { -100_572 };
    bot.api.set_admins(
        chat,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    let speaks = if lang == "en" { "en" } else { "zh-hans" };
    let boss = user_with(OWNER, "Olivia", None, Some(speaks));
    bot.push(my_chat_member(
        group(chat),
        boss.clone(),
        "left",
        "administrator",
    ));
    bot.wait_texts(chat, 1).await;
    bot.push(group_message(
        chat,
        user_with(5_090, "Ann", None, Some(speaks)),
        "/lang",
    ));
    let texts = bot.wait_texts(chat, 2).await;
    let current = if lang == "en" {
        "This group speaks English."
    } else {
        "本群当前使用中文。"
    };
    assert!(texts[1].contains(current), "{texts:?}");
    let title = "长".repeat(65);
    bot.push(group_message(
        chat,
        boss,
        &format!("/lottery {title} | Mug x1 | in 1h"),
    ));
    let texts = bot.wait_texts(chat, 3).await;
    let refusal = if lang == "en" {
        "The title is too long: at most 64 characters."
    } else {
        "标题太长了：最多 64 个字。"
    };
    assert!(texts[2].contains(refusal), "{texts:?}");
    bot.stop().await;
}

#[tokio::test]
async fn lang_alone_and_the_title_cap_en() {
    lang_alone_and_the_title_cap("en").await;
}

#[tokio::test]
async fn lang_alone_and_the_title_cap_zh() {
    lang_alone_and_the_title_cap("zh").await;
}

/// What a group owner reads after `/lang` in one language.
struct LangWords {
    /// The owner's app language, which the group takes when the bot is added.
    app: &'static str,
    /// The language the group speaks, and the other one, as `/lang` takes them.
    own: &'static str,
    other: &'static str,
    already: &'static str,
    switched_away: &'static str,
    already_other: &'static str,
}

/// `/lang` of the language a group already speaks is answered (it changes nothing and says so), as is a
/// switch and the same switch again, each as a reply to its command.
async fn lang_is_answered_every_time(chat: i64, words: LangWords) {
    let bot = TestBot::start().await;
    bot.api.set_admins(
        chat,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    let boss = user_with(OWNER, "Olivia", None, Some(words.app));
    bot.push(my_chat_member(
        group(chat),
        boss.clone(),
        "left",
        "administrator",
    ));
    bot.wait_texts(chat, 1).await;
    bot.settle().await;
    let language = || async {
        sqlx::query_scalar::<_, String>("SELECT language FROM groups WHERE chat_id = ?")
            .bind(chat)
            .fetch_one(&bot.ctx.storage.read)
            .await
            .unwrap()
    };
    let before = language().await;
    for (command, expected) in [
        (format!("/lang {}", words.own), words.already),
        (format!("/lang {}", words.other), words.switched_away),
        (format!("/lang {}", words.other), words.already_other),
    ] {
        let update = group_message(chat, boss.clone(), &command);
        let id = update["message"]["message_id"].as_i64().unwrap();
        let count = bot.texts_to(chat).len();
        bot.push(update);
        bot.wait_texts(chat, count + 1).await;
        bot.settle().await;
        let replies: Vec<String> = bot
            .api
            .calls("sendMessage")
            .into_iter()
            .filter(|c| c.params["chat_id"].as_i64() == Some(chat))
            .filter(|c| c.params["reply_parameters"]["message_id"].as_i64() == Some(id))
            .map(|c| c.params["text"].as_str().unwrap_or_default().to_string())
            .collect();
        assert_eq!(replies, vec![expected.to_string()], "{command}");
    }
    assert_ne!(before, language().await, "the switch was stored");
    bot.stop().await;
}

#[tokio::test]
async fn lang_is_answered_every_time_en() {
    lang_is_answered_every_time(
        -100_573,
        LangWords {
            app: "en",
            own: "en",
            other: "zh",
            already: "This group already speaks English: nothing to switch.",
            switched_away: "本群已切换为中文。",
            already_other: "本群已经在使用中文，无需切换。",
        },
    )
    .await;
}

#[tokio::test]
async fn lang_is_answered_every_time_zh() {
    lang_is_answered_every_time(
        -100_574,
        LangWords {
            app: "zh-hans",
            own: "zh",
            other: "en",
            already: "本群已经在使用中文，无需切换。",
            switched_away: "This group now speaks English.",
            already_other: "This group already speaks English: nothing to switch.",
        },
    )
    .await;
}
