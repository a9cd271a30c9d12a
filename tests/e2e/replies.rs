//! Less noise in a group: the bot's short answers to members' commands are deleted after `replies.ttl`
//! together with the command (also across a restart), results that matter stay, and what only admins
//! should read is answered to the admin in private with a short note in the group.

use crate::support::fake_api::{bot_admin_member, Failure};
use crate::support::harness::{TestBot, WAIT};
use crate::support::members::owner;
use crate::support::redpackets::announcement;
use crate::support::updates::*;
use groupops::features::economy::ledger::{self, Account, Move};
use serde_json::Value;
use std::time::Duration;

const OWNER: i64 = 9_101;
const ALICE: i64 = 9_102;

fn alice() -> Value {
    user_with(ALICE, "Alice", Some("alice"), None)
}

/// Makes Olivia the owner and the bot an admin with every right, then sets the group's language.
async fn group_in(bot: &TestBot, chat: i64, lang: &str) {
    bot.api.set_admins(
        chat,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    if lang == "en" {
        bot.push(group_message(chat, owner(OWNER), "/lang en"));
        bot.wait_texts(chat, 1).await;
    }
}

/// The message ids the bot deleted in a chat, with deleteMessages or deleteMessage.
fn deleted_in(bot: &TestBot, chat: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    for call in bot.api.all_calls() {
        if call.failed || call.params["chat_id"].as_i64() != Some(chat) {
            continue;
        }
        if call.method.eq_ignore_ascii_case("deleteMessages") {
            ids.extend(
                call.params["message_ids"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_i64),
            );
        } else if call.method.eq_ignore_ascii_case("deleteMessage") {
            ids.extend(call.params["message_id"].as_i64());
        }
    }
    ids
}

/// The ids of the messages the bot sent to a chat, in order.
fn sent_ids(bot: &TestBot, chat: i64) -> Vec<i64> {
    bot.api
        .calls("sendMessage")
        .into_iter()
        .filter(|c| !c.failed && c.params["chat_id"].as_i64() == Some(chat))
        .count()
        .checked_sub(1)
        .map_or(Vec::new(), |last| {
            (0..=last as i64).map(|i| 1000 + i).collect()
        })
}

/// Waits until the queue of deletions holds `count` rows.
async fn queued(bot: &TestBot, count: i64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reply_deletions")
            .fetch_one(&bot.ctx.storage.read)
            .await
            .unwrap();
        if rows >= count {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{rows} deletions queued, not {count}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn a_profile_goes_with_its_command_after_the_ttl(lang: &str, chat: i64) {
    let bot = TestBot::start().await;
    group_in(&bot, chat, lang).await;
    let before = bot.texts_to(chat).len();
    let command = group_message(chat, alice(), "/me");
    let command_id = command["message"]["message_id"].as_i64().unwrap();
    bot.push(command);
    let texts = bot.wait_texts(chat, before + 1).await;
    assert!(texts[before].contains("Alice"), "{texts:?}");
    let reply_id = sent_ids(&bot, chat)[before];
    // The /lang answer (in English) and the /me answer, each with its command.
    queued(&bot, 2 * (before as i64 + 1)).await;
    bot.ticks(2).await;
    assert!(deleted_in(&bot, chat).is_empty(), "nothing is due yet");
    // The wall clock goes on beside the test's moves, so "before" keeps a few seconds' margin.
    bot.clock.advance(Duration::from_secs(170));
    bot.ticks(2).await;
    assert!(
        deleted_in(&bot, chat).is_empty(),
        "nothing is due before 3 minutes"
    );
    bot.clock.advance(Duration::from_secs(10));
    bot.ticks(2).await;
    let deleted = deleted_in(&bot, chat);
    assert!(deleted.contains(&reply_id), "{deleted:?}");
    assert!(deleted.contains(&command_id), "{deleted:?}");
    bot.stop().await;
}

#[tokio::test]
async fn a_profile_goes_with_its_command_after_the_ttl_zh() {
    a_profile_goes_with_its_command_after_the_ttl("zh-CN", -100_9101).await;
}

#[tokio::test]
async fn a_profile_goes_with_its_command_after_the_ttl_en() {
    a_profile_goes_with_its_command_after_the_ttl("en", -100_9102).await;
}

#[tokio::test]
async fn queued_deletions_survive_a_restart_and_a_ban_notice_stays() {
    const GROUP: i64 = -100_9103;
    let bot = TestBot::start().await;
    group_in(&bot, GROUP, "zh-CN").await;
    bot.push(group_message(GROUP, alice(), "/rank"));
    bot.wait_texts(GROUP, 1).await;
    queued(&bot, 2).await;
    bot.settle().await;
    bot.push(group_message(GROUP, owner(OWNER), "/ban @alice"));
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(texts[1].contains("Alice"), "{texts:?}");
    let ban_notice = sent_ids(&bot, GROUP)[1];
    let bot = bot.restart().await;
    bot.clock.advance(Duration::from_secs(181));
    bot.ticks(2).await;
    let deleted = deleted_in(&bot, GROUP);
    assert!(deleted.contains(&1000), "the /rank answer: {deleted:?}");
    assert!(
        !deleted.contains(&ban_notice),
        "the ban notice stays: {deleted:?}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_ttl_of_zero_keeps_answers() {
    const GROUP: i64 = -100_9104;
    let bot = TestBot::start_with(&[("GROUPOPS_REPLIES__TTL", "0s")]).await;
    group_in(&bot, GROUP, "zh-CN").await;
    bot.push(group_message(GROUP, alice(), "/me"));
    bot.wait_texts(GROUP, 1).await;
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(3600));
    bot.ticks(2).await;
    assert!(deleted_in(&bot, GROUP).is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn a_refusal_to_a_member_is_brief() {
    const GROUP: i64 = -100_9105;
    let bot = TestBot::start().await;
    group_in(&bot, GROUP, "zh-CN").await;
    bot.push(group_message(GROUP, alice(), "/ban 123"));
    let texts = bot.wait_texts(GROUP, 1).await;
    assert!(texts[0].contains("只有群管理员"), "{texts:?}");
    queued(&bot, 2).await;
    bot.clock.advance(Duration::from_secs(180));
    bot.ticks(2).await;
    assert!(deleted_in(&bot, GROUP).contains(&1000));
    bot.stop().await;
}

async fn locks_go_to_the_admin_in_private(lang: &str, chat: i64, note: &str, header: &str) {
    let bot = TestBot::start().await;
    group_in(&bot, chat, lang).await;
    let before = bot.texts_to(chat).len();
    bot.push(group_message(chat, owner(OWNER), "/locks"));
    let private = bot.wait_texts(OWNER, 1).await;
    assert!(private[0].starts_with(header), "{private:?}");
    let texts = bot.wait_texts(chat, before + 1).await;
    assert_eq!(texts[before], note, "{texts:?}");
    let note_id = sent_ids(&bot, chat)[before];
    queued(&bot, 2 * (before as i64 + 1)).await;
    bot.clock.advance(Duration::from_secs(30));
    bot.ticks(2).await;
    assert!(deleted_in(&bot, chat).contains(&note_id));
    bot.stop().await;
}

#[tokio::test]
async fn locks_go_to_the_admin_in_private_zh() {
    locks_go_to_the_admin_in_private("zh-CN", -100_9106, "已私信发给你。", "来自群“").await;
}

#[tokio::test]
async fn locks_go_to_the_admin_in_private_en() {
    locks_go_to_the_admin_in_private(
        "en",
        -100_9107,
        "I sent you the answer in private.",
        "From ",
    )
    .await;
}

#[tokio::test]
async fn an_admin_the_bot_cannot_reach_gets_a_brief_answer_in_the_group() {
    const GROUP: i64 = -100_9108;
    let bot = TestBot::start().await;
    group_in(&bot, GROUP, "zh-CN").await;
    bot.api.fail_next(
        "sendMessage",
        1,
        Failure::Forbidden("Forbidden: bot can't initiate conversation with a user".into()),
    );
    bot.push(group_message(GROUP, owner(OWNER), "/filter list"));
    let texts = bot.wait_texts(GROUP, 1).await;
    assert!(!texts[0].contains("私信"), "{texts:?}");
    assert!(bot.texts_to(OWNER).is_empty());
    queued(&bot, 2).await;
    bot.clock.advance(Duration::from_secs(30));
    bot.ticks(2).await;
    assert!(deleted_in(&bot, GROUP).contains(&1000));
    bot.stop().await;
}

async fn a_report_does_not_name_the_reporter(lang: &str, chat: i64, posted: &str) {
    let bot = TestBot::start().await;
    group_in(&bot, chat, lang).await;
    let before = bot.texts_to(chat).len();
    let post = group_message(chat, user(9_150, "Nick"), "今天天气不错");
    let report = reply_to(group_message(chat, alice(), "/report"), post);
    let report_id = report["message"]["message_id"].as_i64().unwrap();
    bot.push(report);
    let texts = bot.wait_texts(chat, before + 1).await;
    assert!(texts[before].starts_with(posted), "{texts:?}");
    assert!(!texts[before].contains("Alice"), "{texts:?}");
    let deleted = bot.api.wait_for("deleteMessage", 1, WAIT).await;
    assert_eq!(deleted[0].params["message_id"].as_i64(), Some(report_id));
    let reporter: i64 = sqlx::query_scalar("SELECT reporter_id FROM moderation_reports")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(reporter, ALICE, "the admins' record keeps the reporter");
    bot.stop().await;
}

#[tokio::test]
async fn a_report_does_not_name_the_reporter_zh() {
    a_report_does_not_name_the_reporter("zh-CN", -100_9109, "有成员举报：").await;
}

#[tokio::test]
async fn a_report_does_not_name_the_reporter_en() {
    a_report_does_not_name_the_reporter("en", -100_9110, "A member reported this message").await;
}

async fn help_is_short_in_a_group_and_full_in_private(
    lang: &str,
    chat: i64,
    more: &str,
    admins: &str,
) {
    let bot = TestBot::start().await;
    group_in(&bot, chat, lang).await;
    let before = bot.texts_to(chat).len();
    bot.push(group_message(chat, alice(), "/help"));
    let texts = bot.wait_texts(chat, before + 1).await;
    let short = &texts[before];
    assert!(
        short.contains("/checkin") && short.contains(more),
        "{short}"
    );
    assert!(
        !short.contains("/ledger"),
        "the short help leaves the rest out: {short}"
    );
    let sent = bot.api.calls("sendMessage").pop().unwrap();
    let url = sent.params["reply_markup"]["inline_keyboard"][0][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.ends_with("?start=help"), "{url}");
    // The short help goes after the ttl, like other answers.
    queued(&bot, 2 * (before as i64 + 1)).await;
    let language = if lang == "en" { Some("en") } else { None };
    bot.push(private_message(
        user_with(ALICE, "Alice", Some("alice"), language),
        "/start help",
    ));
    let full = bot.wait_texts(ALICE, 1).await;
    assert!(
        full[0].contains("/ledger") && full[0].contains(admins),
        "{}",
        full[0]
    );
    assert!(full[0].contains("/ban"), "{}", full[0]);
    bot.stop().await;
}

#[tokio::test]
async fn help_is_short_in_a_group_and_full_in_private_zh() {
    help_is_short_in_a_group_and_full_in_private(
        "zh-CN",
        -100_9111,
        "完整列表请点下面的按钮私聊查看。",
        "管理员命令",
    )
    .await;
}

#[tokio::test]
async fn help_is_short_in_a_group_and_full_in_private_en() {
    help_is_short_in_a_group_and_full_in_private(
        "en",
        -100_9112,
        "Press the button below for the full list",
        "Admin commands",
    )
    .await;
}

/// A right quiz answer during the cool-down is told how many seconds are left, once per cool-down; the
/// English wording counts in seconds with the right plural.
#[tokio::test]
async fn a_right_answer_during_the_cool_down_is_told_the_seconds_left_en() {
    const GROUP: i64 = -100_9113;
    const SENDER: i64 = 9_160;
    let bot = TestBot::start_with(&[("GROUPOPS_REDPACKET__QUIZ_COOLDOWN", "30s")]).await;
    group_in(&bot, GROUP, "en").await;
    let mut conn = bot.ctx.storage.write.acquire().await.unwrap();
    ledger::transfer(
        &mut conn,
        &Move {
            chat_id: GROUP,
            from: Account::Mint,
            to: Account::Wallet(SENDER),
            amount: 1000,
            reason: "test",
            actor: None,
            reference: None,
            at: 0,
        },
    )
    .await
    .unwrap();
    drop(conn);
    let before = bot.texts_to(GROUP).len();
    bot.push(group_message(
        GROUP,
        user(SENDER, "Sam"),
        "/hongbao quiz 40 2 Capital of France? | Paris",
    ));
    bot.wait_texts(GROUP, before + 1).await;
    let quiz_id = announcement(&bot.ctx.storage.read, 1).await;
    let answer = |text: &str| {
        reply_to(
            group_message(GROUP, alice(), text),
            bot_message(GROUP, quiz_id, "🧧"),
        )
    };
    bot.push(answer("London"));
    bot.wait_texts(GROUP, before + 2).await;
    bot.clock.advance(Duration::from_secs(10));
    bot.push(answer("Paris"));
    bot.push(answer("paris"));
    let texts = bot.wait_texts(GROUP, before + 3).await;
    let told = &texts[before + 2];
    assert!(
        told.starts_with("That is right, but you are still cooling down"),
        "{told}"
    );
    assert!(told.contains(" seconds."), "{told}");
    bot.settle().await;
    assert_eq!(
        bot.texts_to(GROUP).len(),
        before + 3,
        "told once per cool-down"
    );
    bot.stop().await;
}

/// Funds a member's wallet from the mint.
async fn fund(bot: &TestBot, chat: i64, user_id: i64, amount: i64) {
    let mut conn = bot.ctx.storage.write.acquire().await.unwrap();
    ledger::transfer(
        &mut conn,
        &Move {
            chat_id: chat,
            from: Account::Mint,
            to: Account::Wallet(user_id),
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

/// The texts of the messages that list a chat's packet claims: sent ones and edits, in order, each with
/// its message id (edits) or `None` (sends).
fn claims_messages(bot: &TestBot, chat: i64, head: &str) -> (Vec<String>, Vec<(i64, String)>) {
    let sent = bot
        .texts_to(chat)
        .into_iter()
        .filter(|t| t.contains(head))
        .collect();
    let edited = bot
        .api
        .calls("editMessageText")
        .into_iter()
        .filter(|c| c.params["chat_id"].as_i64() == Some(chat))
        .filter_map(|c| {
            let text = c.params["text"].as_str()?.to_string();
            text.contains(head)
                .then(|| (c.params["message_id"].as_i64().unwrap(), text))
        })
        .collect();
    (sent, edited)
}

async fn one_claims_message_per_pass_packet(lang: &str, chat: i64, head: &str) {
    let bot = TestBot::start().await;
    group_in(&bot, chat, lang).await;
    fund(&bot, chat, 9_170, 1000).await;
    let before = bot.texts_to(chat).len();
    bot.push(group_message(
        chat,
        user(9_170, "Sam"),
        "/hongbao pass 30 3 open sesame",
    ));
    bot.wait_texts(chat, before + 1).await;
    bot.push(group_message(chat, user(9_171, "Ann"), "open sesame"));
    bot.wait_texts(chat, before + 2).await;
    let claims_id = sent_ids(&bot, chat)[before + 1];
    bot.push(group_message(chat, user(9_172, "Ben"), "Open sesame"));
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(5));
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method.eq_ignore_ascii_case("editMessageText")
                    && c.params["text"].as_str().is_some_and(|t| t.contains("Ben"))
            })
        })
        .await;
    // Across a restart the stored message is edited again.
    let bot = bot.restart().await;
    bot.push(group_message(chat, user(9_173, "Cat"), "open sesame"));
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(5));
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method.eq_ignore_ascii_case("editMessageText")
                    && c.params["text"].as_str().is_some_and(|t| t.contains("Cat"))
            })
        })
        .await;
    let (sent, edited) = claims_messages(&bot, chat, head);
    assert_eq!(sent.len(), 1, "one claims message: {sent:?}");
    assert!(sent[0].contains("Ann"), "{sent:?}");
    let edits: Vec<&String> = edited
        .iter()
        .filter(|(id, _)| *id == claims_id)
        .map(|(_, text)| text)
        .collect();
    assert_eq!(
        edits.len(),
        2,
        "edited once per batch of claims: {edited:?}"
    );
    let last = edits[1];
    assert!(
        last.contains("Ann") && last.contains("Ben") && last.contains("Cat"),
        "the edits list every claim: {last}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn one_claims_message_per_pass_packet_zh() {
    one_claims_message_per_pass_packet("zh-CN", -100_9114, "P1 领取：").await;
}

#[tokio::test]
async fn one_claims_message_per_pass_packet_en() {
    one_claims_message_per_pass_packet("en", -100_9115, "P1 claimed:").await;
}

async fn an_admin_command_in_private_asks_which_group(lang: Option<&str>, ask: &str, locks: &str) {
    const GROUP: i64 = -100_9116;
    const OTHER: i64 = -100_9117;
    let bot = TestBot::start().await;
    group_in(&bot, GROUP, "zh-CN").await;
    // Olivia is a member of another group, where she is no admin: it is not offered. A group takes the
    // language of whoever added the bot, so the answer comes in the language of the test.
    bot.api.set_admins(OTHER, vec![bot_admin_member()]);
    let olivia = user_with(OWNER, "Olivia", Some("olivia"), lang);
    bot.push(my_chat_member(
        group(GROUP),
        olivia.clone(),
        "left",
        "administrator",
    ));
    bot.push(my_chat_member(
        group(OTHER),
        user(9_199, "Zed"),
        "left",
        "administrator",
    ));
    bot.push(group_message(OTHER, owner(OWNER), "hello"));
    bot.settle().await;
    bot.push(private_message(olivia.clone(), "/locks"));
    let texts = bot.wait_texts(OWNER, 1).await;
    assert_eq!(texts[0], ask);
    let asked = bot.api.calls("sendMessage").pop().unwrap();
    let buttons = asked.params["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        buttons.len(),
        1,
        "only the group where she is an admin: {buttons:?}"
    );
    let data = buttons[0][0]["callback_data"].as_str().unwrap().to_string();
    assert!(data.ends_with(&GROUP.to_string()), "{data}");
    // Someone else pressing the button (a forwarded message) runs nothing.
    bot.push(callback(OWNER, user(9_198, "Eve"), 1000, &data));
    bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
    let group_texts = bot.texts_to(GROUP).len();
    bot.push(callback(OWNER, olivia, 1000, &data));
    let texts = bot.wait_texts(OWNER, 2).await;
    assert!(
        texts[1].contains(locks),
        "the answer comes in private: {texts:?}"
    );
    bot.settle().await;
    assert_eq!(
        bot.texts_to(GROUP).len(),
        group_texts,
        "nothing is said in the group"
    );
    bot.stop().await;
}

#[tokio::test]
async fn an_admin_command_in_private_asks_which_group_zh() {
    an_admin_command_in_private_asks_which_group(None, "这个命令用于哪个群？", "新成员").await;
}

#[tokio::test]
async fn an_admin_command_in_private_asks_which_group_en() {
    an_admin_command_in_private_asks_which_group(
        Some("en"),
        "Which group is this command for?",
        "New members may not post",
    )
    .await;
}

#[tokio::test]
async fn a_reply_only_admin_command_in_private_says_so() {
    let bot = TestBot::start().await;
    bot.push(private_message(owner(OWNER), "/purge"));
    let texts = bot.wait_texts(OWNER, 1).await;
    assert_eq!(
        texts[0],
        "This command works as a reply to a message in the group."
    );
    bot.stop().await;
}

/// A member's round of commands and an admin's look at the locks leave nothing in the group once the
/// ttl has passed, while the sign-in itself (a result) stays.
#[tokio::test]
async fn a_round_of_member_commands_leaves_only_results_behind() {
    const GROUP: i64 = -100_9118;
    let bot = TestBot::start().await;
    group_in(&bot, GROUP, "zh-CN").await;
    bot.push(group_message(GROUP, alice(), "/checkin"));
    bot.wait_texts(GROUP, 1).await;
    bot.wave_closed(GROUP).await;
    let commands = [
        "/me",
        "/rank",
        "/ledger",
        "/checkin month",
        "/help",
        "/rank nonsense",
    ];
    for (n, command) in commands.iter().enumerate() {
        bot.push(group_message(GROUP, alice(), command));
        bot.wait_texts(GROUP, n + 2).await;
    }
    bot.push(group_message(GROUP, owner(OWNER), "/locks"));
    let sent = bot.wait_texts(GROUP, commands.len() + 2).await.len();
    // Every answer and command but the sign-in's is queued.
    queued(&bot, 2 * (commands.len() as i64 + 1)).await;
    bot.clock.advance(Duration::from_secs(180));
    bot.ticks(2).await;
    let deleted = deleted_in(&bot, GROUP);
    let stayed: Vec<i64> = sent_ids(&bot, GROUP)
        .into_iter()
        .filter(|id| !deleted.contains(id))
        .collect();
    assert_eq!(sent, commands.len() + 2);
    assert_eq!(stayed, vec![1000], "only the sign-in stays: {deleted:?}");
    bot.stop().await;
}
