//! Replies read as the group's language writes them: actions, durations, lock types and rule modes are
//! words of that language (`封禁 3 天`, `banned for 1 day`), English uses plurals and sentences, and an
//! invalid regex gets a short reason in the group's language.

use crate::support::fake_api::bot_admin_member;
use crate::support::harness::TestBot;
use crate::support::members::owner;
use crate::support::updates::*;
use serde_json::Value;

const GROUP: i64 = -100_929;
const OWNER: i64 = 1_929;
const MIA: i64 = 2_929;

fn mia() -> Value {
    user_with(MIA, "Mia", Some("mia_here"), None)
}

/// A group in `lang` where Mia has posted (so @mia_here is known); welcomes and the gate are off.
async fn group(lang: &str) -> TestBot {
    let bot = TestBot::start_with(&[("GROUPOPS_WELCOME__CAPTCHA", "off")]).await;
    bot.api.set_admins(
        GROUP,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    bot.push(group_message(GROUP, owner(OWNER), &format!("/lang {lang}")));
    bot.push(group_message(GROUP, owner(OWNER), "/welcome off"));
    bot.push(group_message(GROUP, mia(), "hi all"));
    bot.wait_texts(GROUP, 2).await;
    bot.settle().await;
    bot
}

/// Sends an admin command and returns the answer: the group's, or for the admin lists the bot answers in
/// private (with a short note in the group), the private one.
async fn say(bot: &TestBot, text: &str) -> String {
    bot.answer_read_by(GROUP, owner(OWNER), text).await.text
}

fn mention() -> String {
    format!("<a href=\"tg://user?id={MIA}\">Mia</a>")
}

#[tokio::test]
async fn punishments_locks_and_modes_are_chinese_words_in_a_chinese_group() {
    let bot = group("zh").await;
    let text = say(&bot, "/ban @mia_here 3天 广告").await;
    assert_eq!(text, format!("{} 已被封禁 3 天。 — 广告", mention()));
    // A banned member cannot be muted: the ban is lifted first.
    say(&bot, "/unban @mia_here").await;
    let text = say(&bot, "/mute @mia_here 1小时").await;
    assert_eq!(text, format!("{} 已被禁言 1 小时。", mention()));
    let text = say(&bot, "/mute @mia_here").await;
    assert_eq!(text, format!("{} 已被禁言，直到管理员解除。", mention()));
    let text = say(&bot, "/modlog").await;
    assert!(text.contains("#1 封禁 3 天 · "), "{text}");
    assert!(text.contains(" 禁言 1 小时 · "), "{text}");
    let text = say(&bot, "/lock 图片").await;
    assert_eq!(text, "已禁止：图片，这类消息会被删除。");
    let text = say(&bot, "/lock video").await;
    assert_eq!(text, "已禁止：视频，这类消息会被删除。");
    let text = say(&bot, "/locks").await;
    assert!(text.contains("\n对所有人禁止：图片、视频\n"), "{text}");
    let text = say(&bot, "/rulemode 链接 观察").await;
    assert_eq!(text, "规则「链接」现在为观察。");
    let text = say(&bot, "/rulemode").await;
    assert!(text.contains("链接 — 观察 · "), "{text}");
    let text = say(&bot, "/filter add re:(abc").await;
    assert_eq!(text, "正则没有添加：括号没有配对");
    let text = say(&bot, "/filter add 暗号 禁言 2小时").await;
    assert!(text.contains("禁言 2 小时"), "{text}");
    let text = say(&bot, "/filter list").await;
    assert!(text.contains("→ 禁言 2 小时"), "{text}");
    bot.stop().await;
}

#[tokio::test]
async fn punishments_locks_and_modes_are_sentences_with_plurals_in_an_english_group() {
    let bot = group("en").await;
    let text = say(&bot, "/ban @mia_here 1d spam").await;
    assert_eq!(text, format!("{} is banned for 1 day. — spam", mention()));
    let text = say(&bot, "/ban @mia_here 2d").await;
    assert_eq!(text, format!("{} is banned for 2 days.", mention()));
    // A banned member cannot be muted: the ban is lifted first.
    say(&bot, "/unban @mia_here").await;
    let text = say(&bot, "/mute @mia_here 1h").await;
    assert_eq!(text, format!("{} is muted for 1 hour.", mention()));
    let text = say(&bot, "/mute @mia_here 90m").await;
    assert_eq!(
        text,
        format!("{} is muted for 1 hour 30 minutes.", mention())
    );
    let text = say(&bot, "/modlog").await;
    assert!(text.contains("#1 banned for 1 day · "), "{text}");
    assert!(text.contains("#2 banned for 2 days · "), "{text}");
    assert!(text.contains(" muted for 1 hour · "), "{text}");
    say(&bot, "/warn @mia_here").await;
    let text = say(&bot, "/warns @mia_here").await;
    assert!(text.contains(" has 1 warning (limit "), "{text}");
    let text = say(&bot, "/lock photo").await;
    assert_eq!(text, "Locked: photos are now removed.");
    let text = say(&bot, "/lock voice messages").await;
    assert_eq!(text, "Locked: voice messages are now removed.");
    let text = say(&bot, "/rulemode link shadow").await;
    assert_eq!(text, "The link rule is now shadow.");
    let text = say(&bot, "/filter add re:(abc").await;
    assert_eq!(text, "That regex was not added: a bracket is not closed");
    bot.stop().await;
}

#[tokio::test]
async fn a_first_sign_in_has_a_streak_of_one_day_in_english() {
    let bot = group("en").await;
    let before = bot.texts_to(GROUP).len();
    bot.push(group_message(GROUP, mia(), "/checkin"));
    let texts = bot.wait_texts(GROUP, before + 1).await;
    assert!(
        texts[before].contains(", streak 1 day, #1 today."),
        "{texts:?}"
    );
    bot.stop().await;
}
