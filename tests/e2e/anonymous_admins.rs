//! Commands sent as the group by an anonymous admin: they run only once an admin who holds the needed
//! right confirms them with a button, and then in that admin's name.

use crate::support::fake_api::bot_admin_member;
use crate::support::harness::{TestBot, WAIT};
use crate::support::updates::*;
use serde_json::Value;

const GROUP: i64 = -100_424;
const ALICE: i64 = 4_001;
const BORIS: i64 = 4_002;
const SPAMMER: i64 = 4_003;

/// Alice may restrict members; Boris is an admin who may not.
fn admins(bot: &TestBot) {
    let mut boris = member(user(BORIS, "Boris"), "administrator");
    boris["can_restrict_members"] = Value::Bool(false);
    bot.api.set_admins(
        GROUP,
        vec![
            member(user(ALICE, "Alice"), "administrator"),
            boris,
            bot_admin_member(),
        ],
    );
}

async fn an_anonymous_ban_waits_for_an_admin_with_the_right(lang: &str, button: &str) {
    let bot = TestBot::start().await;
    admins(&bot);
    bot.push(group_message(
        GROUP,
        user(ALICE, "Alice"),
        &format!("/lang {lang}"),
    ));
    bot.wait_texts(GROUP, 1).await;
    let ad = group_message(GROUP, user(SPAMMER, "Sam"), "buy followers");
    bot.push(reply_to(anonymous_admin_message(GROUP, "/ban"), ad));
    let asked = bot.api.wait_for("sendMessage", 2, WAIT).await;
    let question = &asked[1];
    let keyboard = &question.params["reply_markup"]["inline_keyboard"][0][0];
    assert_eq!(keyboard["text"], button, "{question:?}");
    let data = keyboard["callback_data"].as_str().unwrap().to_string();
    bot.settle().await;
    assert!(
        bot.api.calls("banChatMember").is_empty(),
        "nothing happens before an admin confirms"
    );

    // Boris may not ban: his press is refused and the command keeps waiting.
    bot.push(callback(GROUP, user(BORIS, "Boris"), 1002, &data));
    let answers = bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
    assert_eq!(answers[0].params["show_alert"], true);
    bot.settle().await;
    assert!(bot.api.calls("banChatMember").is_empty());

    // Alice may: the ban runs in her name, once, however often the button is pressed.
    bot.push(callback(GROUP, user(ALICE, "Alice"), 1002, &data));
    let bans = bot.api.wait_for("banChatMember", 1, WAIT).await;
    assert_eq!(bans[0].params["user_id"], SPAMMER);
    bot.push(callback(GROUP, user(ALICE, "Alice"), 1002, &data));
    bot.api.wait_for("answerCallbackQuery", 3, WAIT).await;
    bot.settle().await;
    assert_eq!(bot.api.calls("banChatMember").len(), 1);
    let actor: i64 = sqlx::query_scalar(
        "SELECT actor_id FROM moderation_violations WHERE chat_id = ? AND actor_id IS NOT NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(GROUP)
    .fetch_one(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(actor, ALICE, "the log names the admin who confirmed");
    bot.stop().await;
}

#[tokio::test]
async fn an_anonymous_ban_waits_for_an_admin_with_the_right_zh() {
    an_anonymous_ban_waits_for_an_admin_with_the_right("zh-CN", "✅ 是我，执行").await;
}

#[tokio::test]
async fn an_anonymous_ban_waits_for_an_admin_with_the_right_en() {
    an_anonymous_ban_waits_for_an_admin_with_the_right("en", "✅ It’s me, run it").await;
}
