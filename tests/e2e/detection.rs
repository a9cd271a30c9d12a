//! The trained ad detector as members meet it: a newcomer's ordinary messages stay, a template-varied ad
//! is removed through the group's similarity layer once admins taught it, and one group's teaching does
//! not reach another group unless the operator trusts the teaching group.

use crate::support::fake_api::bot_admin_member;
use crate::support::harness::{TestBot, WAIT};
use crate::support::members::{admin_with, owner};
use crate::support::updates::*;
use serde_json::Value;

const GROUP_A: i64 = -100_711;
const GROUP_B: i64 = -100_722;
const OWNER_A: i64 = 1_711;
const OWNER_B: i64 = 1_722;
const POSTER: i64 = 2_711;
const NEWBIE: i64 = 3_711;

/// A private-sale ad the shipped model lets through (it scores below the suspicious threshold), and the
/// same template with another price: only a group's teaching can remove it.
const TAUGHT_AD: &str = "家里种的橘子熟了，今年收成不错，想尝尝的朋友说一声，五斤一箱 55 块";
const VARIED_AD: &str = "家里种的橘子熟了，今年收成不错，想尝尝的朋友说一声，五斤一箱 68 块";

fn poster() -> Value {
    user_with(POSTER, "Pat", Some("pat_posts"), None)
}

fn newbie() -> Value {
    user(NEWBIE, "Nia")
}

/// Two groups with their owners and the bot as admins, the entry gate and welcomes off, and the same
/// newcomer just joined in both.
async fn two_groups(env: &[(&str, &str)]) -> TestBot {
    two_groups_with(env, &[]).await
}

/// [`two_groups`] with more admins in both groups.
async fn two_groups_with(env: &[(&str, &str)], admins: &[Value]) -> TestBot {
    let mut env = env.to_vec();
    env.push(("GROUPOPS_WELCOME__CAPTCHA", "off"));
    let bot = TestBot::start_with(&env).await;
    for (group, owner_id) in [(GROUP_A, OWNER_A), (GROUP_B, OWNER_B)] {
        let mut listed = vec![member(owner(owner_id), "creator"), bot_admin_member()];
        listed.extend(admins.iter().cloned());
        bot.api.set_admins(group, listed);
        bot.push(group_message(group, owner(owner_id), "/welcome off"));
        bot.wait_texts(group, 1).await;
        bot.push(chat_member(
            group,
            newbie(),
            newbie(),
            "left",
            "member",
            None,
        ));
        bot.push(new_members(group, newbie(), vec![newbie()]));
    }
    bot.settle().await;
    bot.api.clear_calls();
    bot
}

/// Admins of `group` mark the poster's copy of [`TAUGHT_AD`] as spam with `/spam`.
async fn teach_spam(bot: &TestBot, group: i64, owner_id: i64) {
    let before = bot.api.calls("banChatMember").len();
    bot.push(reply_to(
        group_message(group, owner(owner_id), "/spam"),
        group_message(group, poster(), TAUGHT_AD),
    ));
    bot.api.wait_for("banChatMember", before + 1, WAIT).await;
    bot.settle().await;
}

/// The ids of the messages the bot deleted.
fn deleted(bot: &TestBot) -> Vec<i64> {
    bot.api
        .calls("deleteMessage")
        .iter()
        .filter_map(|call| call.params["message_id"].as_i64())
        .collect()
}

/// How many automatic actions the log holds for a group (written before the message is deleted).
async fn automatic_actions(bot: &TestBot, group: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM moderation_violations WHERE chat_id = ? AND actor_id IS NULL",
    )
    .bind(group)
    .fetch_one(&bot.ctx.storage.read)
    .await
    .unwrap()
}

/// Posts `text` as the newcomer in `group` and returns its message id once it was handled.
async fn newcomer_says(bot: &TestBot, group: i64, text: &str) -> i64 {
    let update = group_message(group, newbie(), text);
    let id = update["message"]["message_id"].as_i64().unwrap();
    bot.push(update);
    bot.settle().await;
    id
}

#[tokio::test]
async fn a_newcomers_ordinary_messages_stay() {
    for env in [vec![], vec![("GROUPOPS_I18N__DEFAULT_LANGUAGE", "en")]] {
        let bot = two_groups(&env).await;
        for text in [
            "请问这个怎么用",
            "今天跑步的路线在哪里看？",
            "周六早上七点在公园门口集合吗",
            "Has anyone tried the new release?",
            "Thanks, that fixed it for me",
        ] {
            let id = newcomer_says(&bot, GROUP_A, text).await;
            assert!(!deleted(&bot).contains(&id), "{text} was removed");
        }
        let logged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM moderation_violations")
            .fetch_one(&bot.ctx.storage.read)
            .await
            .unwrap();
        assert_eq!(logged, 0);
        bot.stop().await;
    }
}

#[tokio::test]
async fn a_template_varied_ad_is_removed_by_similarity_in_the_group_that_taught_it() {
    for (env, similar_words) in [
        (
            vec![],
            ["与已知广告相似", "本群广告库", "汉明距离", "「家里种的橘子"],
        ),
        (
            vec![("GROUPOPS_I18N__DEFAULT_LANGUAGE", "en")],
            [
                "similar to known spam",
                "this group's spam list",
                "Hamming distance",
                "“家里种的橘子",
            ],
        ),
    ] {
        let bot = two_groups(&env).await;
        teach_spam(&bot, GROUP_A, OWNER_A).await;
        let id = newcomer_says(&bot, GROUP_A, VARIED_AD).await;
        bot.api
            .wait_until(WAIT, |calls| {
                calls
                    .iter()
                    .any(|c| c.method == "deleteMessage" && c.params["message_id"] == id)
            })
            .await;
        let (rule, detail): (String, String) = sqlx::query_as(
            "SELECT rule, detail FROM moderation_violations WHERE user_id = ? AND actor_id IS NULL",
        )
        .bind(NEWBIE)
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
        assert_eq!(rule, "classifier");
        assert!(
            detail.contains(r#""by":"similar""#) && detail.contains(r#""layer":"group""#),
            "the log names the similarity: {detail}"
        );
        let texts = bot.wait_texts(GROUP_A, 2).await;
        assert!(
            texts
                .iter()
                .any(|t| similar_words.iter().all(|w| t.contains(w))),
            "the explanation names the similarity, its layer, its distance and the known text: {texts:?}"
        );
        bot.stop().await;
    }
}

#[tokio::test]
async fn one_groups_teaching_does_not_change_another_groups_verdict() {
    let bot = two_groups(&[]).await;
    teach_spam(&bot, GROUP_A, OWNER_A).await;
    let in_b = newcomer_says(&bot, GROUP_B, VARIED_AD).await;
    let in_a = newcomer_says(&bot, GROUP_A, VARIED_AD).await;
    bot.api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .any(|c| c.method == "deleteMessage" && c.params["message_id"] == in_a)
        })
        .await;
    bot.settle().await;
    assert!(
        !deleted(&bot).contains(&in_b),
        "group A's teaching stays in group A"
    );
    let in_b_logged: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM moderation_violations WHERE chat_id = ?")
            .bind(GROUP_B)
            .fetch_one(&bot.ctx.storage.read)
            .await
            .unwrap();
    assert_eq!(in_b_logged, 0);
    // One row: group A taught the ad; group B taught nothing.
    let stored: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT chat_id, label, source FROM moderation_detector_layers ORDER BY id")
            .fetch_all(&bot.ctx.storage.read)
            .await
            .unwrap();
    assert_eq!(
        stored,
        vec![(GROUP_A, "spam".to_string(), "spam_command".to_string())]
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_trusted_groups_teaching_reaches_every_group() {
    let trusted = format!("[{GROUP_A}]");
    let bot = two_groups(&[("GROUPOPS_MODERATION__DETECTOR_TRUSTED_GROUPS", &trusted)]).await;
    teach_spam(&bot, GROUP_A, OWNER_A).await;
    let in_b = newcomer_says(&bot, GROUP_B, VARIED_AD).await;
    bot.api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .any(|c| c.method == "deleteMessage" && c.params["message_id"] == in_b)
        })
        .await;
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM moderation_violations WHERE chat_id = ? AND actor_id IS NULL",
    )
    .bind(GROUP_B)
    .fetch_one(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert!(detail.contains(r#""layer":"instance""#), "{detail}");
    // The instance-wide layer is rebuilt from the database after a restart.
    let bot = bot.restart().await;
    let again = newcomer_says(&bot, GROUP_B, VARIED_AD).await;
    bot.api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .any(|c| c.method == "deleteMessage" && c.params["message_id"] == again)
        })
        .await;
    bot.stop().await;
}

#[tokio::test]
async fn an_admins_undo_teaches_the_group_that_the_near_duplicate_is_not_spam() {
    let bot = two_groups(&[]).await;
    teach_spam(&bot, GROUP_A, OWNER_A).await;
    let first = newcomer_says(&bot, GROUP_A, VARIED_AD).await;
    bot.api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .any(|c| c.method == "deleteMessage" && c.params["message_id"] == first)
        })
        .await;
    let violation: i64 = sqlx::query_scalar(
        "SELECT id FROM moderation_violations WHERE user_id = ? AND actor_id IS NULL",
    )
    .bind(NEWBIE)
    .fetch_one(&bot.ctx.storage.read)
    .await
    .unwrap();
    bot.push(callback(
        GROUP_A,
        owner(OWNER_A),
        1,
        &format!("mod:undo:{violation}"),
    ));
    bot.settle().await;
    let label: String = sqlx::query_scalar(
        "SELECT label FROM moderation_detector_layers WHERE source = 'undo' AND chat_id = ?",
    )
    .bind(GROUP_A)
    .fetch_one(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(label, "not_spam");
    let again = newcomer_says(&bot, GROUP_A, VARIED_AD).await;
    bot.settle().await;
    assert!(
        !deleted(&bot).contains(&again),
        "the undone near-duplicate stays in the group that undid it"
    );
    bot.stop().await;
}

/// Thresholds so low that the detector removes any newcomer's message it judges: what stays, stays
/// because the detector did not judge it.
const STRICT: [(&str, &str); 2] = [
    ("GROUPOPS_MODERATION__DETECTOR_REMOVE_THRESHOLD", "0.0002"),
    (
        "GROUPOPS_MODERATION__DETECTOR_SUSPICIOUS_THRESHOLD",
        "0.0001",
    ),
];

#[tokio::test]
async fn game_inputs_are_never_judged_by_the_detector() {
    for (lang, lottery) in [
        ("zh-CN", "/lottery 周末抽奖 | 耳机 x1 | in 1h | join=raffle"),
        (
            "en",
            "/lottery Weekend | Headphones x1 | in 1h | join=raffle",
        ),
    ] {
        let mut env = STRICT.to_vec();
        env.push(("GROUPOPS_I18N__DEFAULT_LANGUAGE", lang));
        let bot = two_groups(&env).await;
        bot.push(group_message(GROUP_A, owner(OWNER_A), lottery));
        bot.wait_texts(GROUP_A, 1).await;
        bot.settle().await;
        // A phone capitalises the keyword: it still joins, and the detector leaves it alone.
        let keyword = newcomer_says(&bot, GROUP_A, "Raffle").await;
        bot.api.wait_for("setMessageReaction", 1, WAIT).await;
        let sign_in = newcomer_says(&bot, GROUP_A, "签到").await;
        bot.settle().await;
        let removed = deleted(&bot);
        assert!(
            !removed.contains(&keyword),
            "{lang}: the keyword was removed"
        );
        assert!(
            !removed.contains(&sign_in),
            "{lang}: the sign-in was removed"
        );
        let joined: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM lottery_entries")
            .fetch_all(&bot.ctx.storage.read)
            .await
            .unwrap();
        assert_eq!(joined, vec![NEWBIE], "{lang}");
        // The same newcomer's ordinary chatter is judged (and, at these thresholds, removed).
        let chatter = newcomer_says(&bot, GROUP_A, "see you all at the weekend").await;
        bot.api
            .wait_until(WAIT, |calls| {
                calls
                    .iter()
                    .any(|c| c.method == "deleteMessage" && c.params["message_id"] == chatter)
            })
            .await;
        bot.stop().await;
    }
}

/// Sends a command as the owner of `group` and returns the bot's answer.
async fn owner_says(bot: &TestBot, group: i64, owner_id: i64, text: &str) -> String {
    let before = bot.texts_to(group).len();
    let before_private = bot.texts_to(owner_id).len();
    bot.push(group_message(group, owner(owner_id), text));
    let texts = bot.wait_texts(group, before + 1).await;
    bot.settle().await;
    // Admin lists are answered in private, with a short note in the group.
    if texts[before] == "已私信发给你。" || texts[before] == "I sent you the answer in private."
    {
        let private = bot.wait_texts(owner_id, before_private + 1).await;
        return private[before_private].clone();
    }
    texts[before].clone()
}

/// Waits until a message `id` of `group` was deleted.
async fn wait_deleted(bot: &TestBot, id: i64) {
    bot.api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .any(|c| c.method == "deleteMessage" && c.params["message_id"] == id)
        })
        .await;
}

/// The wording a test looks for in one language.
struct Words {
    lang: &'static str,
    bad_order: &'static str,
    bad_number: &'static str,
    bad_range: &'static str,
    set_named: &'static str,
    set: &'static str,
    own: &'static str,
    reset: &'static str,
    model: &'static str,
    score: &'static str,
}

const THRESHOLD_WORDS: [Words; 2] = [
    Words {
        lang: "zh-CN",
        bad_order: "可疑阈值（0.9）必须低于删除阈值（0.7）",
        bad_number: "「高」不是数字",
        bad_range: "阈值 1.5 超出范围",
        set_named: "/rulemode classifier 删除=0.0002 可疑=0.0001",
        set: "本群的广告识别阈值已更新：评分达到 0.0002 删除，达到 0.0001 提醒管理员。",
        own: "广告识别阈值（本群设定，新成员）：评分达到 0.0002 删除",
        reset: "本群的广告识别阈值已恢复默认",
        model: "广告识别判定为广告（模型评分 ",
        score: "（模型评分 ",
    },
    Words {
        lang: "en",
        bad_order: "The suspicious threshold (0.9) must be below the remove threshold (0.7).",
        bad_number: "“high” is not a number.",
        bad_range: "The threshold 1.5 is out of range",
        set_named: "/rulemode classifier remove=0.0002 suspicious=0.0001",
        set: "This group's ad detector thresholds are updated: removed from a score of 0.0002, admins asked from 0.0001.",
        own: "Ad detector thresholds (this group's own, for newcomers): removed from a score of 0.0002",
        reset: "This group's ad detector thresholds are back to the defaults",
        model: "the ad detector judged it an ad (model score ",
        score: " (model score ",
    },
];

#[tokio::test]
async fn a_groups_own_thresholds_change_verdicts_in_that_group_only() {
    for words in THRESHOLD_WORDS {
        let bot = two_groups(&[("GROUPOPS_I18N__DEFAULT_LANGUAGE", words.lang)]).await;
        let bad_number = if words.lang == "en" { "high" } else { "高" };
        for (command, expected) in [
            ("/rulemode classifier 0.7 0.9", words.bad_order),
            (
                &format!("/rulemode classifier {bad_number} 0.5") as &str,
                words.bad_number,
            ),
            ("/rulemode classifier 1.5 0.5", words.bad_range),
        ] {
            let answer = owner_says(&bot, GROUP_A, OWNER_A, command).await;
            assert!(answer.contains(expected), "{command}: {answer}");
        }
        let answer = owner_says(&bot, GROUP_A, OWNER_A, "/rulemode classifier").await;
        assert!(answer.contains("/rulemode classifier 0.95 0.7"), "{answer}");
        let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM moderation_detector_thresholds")
            .fetch_one(&bot.ctx.storage.read)
            .await
            .unwrap();
        assert_eq!(stored, 0, "{}: bad input changes nothing", words.lang);
        let answer = owner_says(&bot, GROUP_A, OWNER_A, words.set_named).await;
        assert_eq!(answer, words.set);
        let listed = owner_says(&bot, GROUP_A, OWNER_A, "/rulemode").await;
        assert!(listed.contains(words.own), "{listed}");
        // The same ordinary message: removed in the strict group, left alone in the other.
        let in_a = newcomer_says(&bot, GROUP_A, "请问这个怎么用").await;
        let in_b = newcomer_says(&bot, GROUP_B, "请问这个怎么用").await;
        wait_deleted(&bot, in_a).await;
        assert!(!deleted(&bot).contains(&in_b), "{}", words.lang);
        assert_eq!(automatic_actions(&bot, GROUP_A).await, 1);
        assert_eq!(automatic_actions(&bot, GROUP_B).await, 0, "{}", words.lang);
        // The member hears that the model's score decided, in the group's language, and /modlog says it too.
        let model = words.model;
        bot.api
            .wait_until(WAIT, |calls| {
                calls.iter().any(|c| {
                    c.method == "sendMessage"
                        && c.params["text"].as_str().is_some_and(|t| t.contains(model))
                })
            })
            .await;
        let modlog = owner_says(&bot, GROUP_A, OWNER_A, "/modlog").await;
        assert!(modlog.contains(words.score), "{modlog}");
        // The change is logged with who made it.
        let logged: (i64, String, String) = sqlx::query_as(
            "SELECT actor_id, rule, detail FROM moderation_violations WHERE action = 'thresholds'",
        )
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
        assert_eq!(
            logged,
            (
                OWNER_A,
                "classifier".to_string(),
                "0.0002 0.0001".to_string()
            )
        );
        // Back to the defaults: the ordinary message stays again.
        let answer = owner_says(&bot, GROUP_A, OWNER_A, "/rulemode classifier default").await;
        assert!(answer.contains(words.reset), "{answer}");
        let again = newcomer_says(&bot, GROUP_A, "请问这个怎么用").await;
        assert!(!deleted(&bot).contains(&again), "{}", words.lang);
        assert_eq!(automatic_actions(&bot, GROUP_A).await, 1, "{}", words.lang);
        bot.stop().await;
    }
}

/// The notices the bot posted in a chat with their buttons' data, in order.
fn notices(bot: &TestBot, chat_id: i64) -> Vec<(String, Vec<String>)> {
    bot.api
        .calls("sendMessage")
        .into_iter()
        .filter(|c| c.params["chat_id"].as_i64() == Some(chat_id))
        .filter(|c| c.params["reply_markup"].to_string().contains("mod:sdel:"))
        .map(|c| {
            let data = c.params["reply_markup"]["inline_keyboard"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|row| row.as_array().cloned().unwrap_or_default())
                .filter_map(|b| b["callback_data"].as_str().map(str::to_string))
                .collect();
            (
                c.params["text"].as_str().unwrap_or_default().to_string(),
                data,
            )
        })
        .collect()
}

/// Waits until `count` notices were posted in a chat and returns them.
async fn wait_notices(bot: &TestBot, chat_id: i64, count: usize) -> Vec<(String, Vec<String>)> {
    bot.api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .filter(|c| {
                    c.method == "sendMessage" && c.params["chat_id"].as_i64() == Some(chat_id)
                })
                .filter(|c| c.params["reply_markup"].to_string().contains("mod:sdel:"))
                .count()
                >= count
        })
        .await;
    notices(bot, chat_id)
}

/// The stored id of the flagged message `message_id`.
async fn flagged(bot: &TestBot, message_id: i64) -> i64 {
    sqlx::query_scalar("SELECT id FROM moderation_suspicious WHERE message_id = ?")
        .bind(message_id)
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap()
}

/// The texts of the notices' edits.
fn edits(bot: &TestBot) -> Vec<String> {
    bot.api
        .calls("editMessageText")
        .iter()
        .map(|c| c.params["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

struct NoticeWords {
    lang: &'static str,
    title_one: &'static str,
    title_two: &'static str,
    score: &'static str,
    refused: &'static str,
    not_spam: &'static str,
    deleted: &'static str,
    banned: &'static str,
}

const NOTICE_WORDS: [NoticeWords; 2] = [
    NoticeWords {
        lang: "zh-CN",
        title_one: "可疑消息 1 条",
        title_two: "可疑消息 2 条",
        score: "模型评分",
        refused: "只有群管理员才能这样做。",
        not_spam: "判定这不是广告。",
        deleted: "删除了这条消息。",
        banned: "删除了这条消息并封禁了发送者。",
    },
    NoticeWords {
        lang: "en",
        title_one: "One suspicious message is still in the group.",
        title_two: "2 suspicious messages are still in the group.",
        score: "model score",
        refused: "Only group admins can do that.",
        not_spam: "said this is not spam.",
        deleted: "deleted this message.",
        banned: "deleted this message and banned its sender.",
    },
];

#[tokio::test]
async fn a_suspicious_message_stays_and_the_admins_answer_one_folded_notice() {
    for words in NOTICE_WORDS {
        let bot = two_groups(&[("GROUPOPS_I18N__DEFAULT_LANGUAGE", words.lang)]).await;
        // Nothing is removed in group A, and everything the detector judges is suspicious.
        owner_says(&bot, GROUP_A, OWNER_A, "/rulemode classifier 1 0.0001").await;
        bot.api.clear_calls();
        let first = newcomer_says(&bot, GROUP_A, "请问这个新版本的安装步骤在哪里可以看到").await;
        let posted = wait_notices(&bot, GROUP_A, 1).await;
        assert_eq!(posted.len(), 1, "{}: {posted:?}", words.lang);
        let (text, buttons) = &posted[0];
        assert!(text.contains(words.title_one), "{text}");
        assert!(
            text.contains("请问这个新版本的安装步骤") && text.contains(words.score),
            "{text}"
        );
        let id = flagged(&bot, first).await;
        assert_eq!(
            buttons,
            &vec![
                format!("mod:sdel:{id}"),
                format!("mod:sban:{id}"),
                format!("mod:sok:{id}")
            ]
        );
        // Two more inside the window are folded into the next notice, not dropped and not posted now.
        let second = newcomer_says(&bot, GROUP_A, "周六早上七点在公园门口集合吗大家记得带水").await;
        let third =
            newcomer_says(&bot, GROUP_A, "今天跑步的路线在哪里看？有没有人发一下地图").await;
        assert_eq!(notices(&bot, GROUP_A).len(), 1, "{}", words.lang);
        let (opened, waiting): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM moderation_suspicious_notices),
                    (SELECT COUNT(*) FROM moderation_suspicious WHERE notice_id IS NULL)",
        )
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
        assert_eq!((opened, waiting), (1, 2), "{}", words.lang);
        assert!(deleted(&bot).is_empty(), "suspicious messages stay");
        assert_eq!(automatic_actions(&bot, GROUP_A).await, 0);
        // A member who is not an admin is refused.
        bot.push(callback(GROUP_A, newbie(), 1, &format!("mod:sdel:{id}")));
        let answers = bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
        assert_eq!(answers[0].params["text"], words.refused);
        assert!(deleted(&bot).is_empty());
        // The owner says the first is not spam: the notice says so, and the group's layer learned it.
        bot.push(callback(
            GROUP_A,
            owner(OWNER_A),
            1,
            &format!("mod:sok:{id}"),
        ));
        bot.api.wait_for("editMessageText", 1, WAIT).await;
        assert!(edits(&bot)[0].contains(words.not_spam), "{:?}", edits(&bot));
        let taught: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT chat_id, label, source FROM moderation_detector_layers ORDER BY id",
        )
        .fetch_all(&bot.ctx.storage.read)
        .await
        .unwrap();
        assert_eq!(
            taught,
            vec![(
                GROUP_A,
                "not_spam".to_string(),
                "not_spam_button".to_string()
            )]
        );
        // The window passes: the waiting two come in one notice, which a restart does not lose.
        bot.clock.advance(std::time::Duration::from_secs(601));
        bot.ticks(2).await;
        let posted = wait_notices(&bot, GROUP_A, 2).await;
        assert_eq!(posted.len(), 2, "{posted:?}");
        assert!(posted[1].0.contains(words.title_two), "{}", posted[1].0);
        let bot = bot.restart().await;
        let (second_id, third_id) = (flagged(&bot, second).await, flagged(&bot, third).await);
        assert!(posted[1].1.contains(&format!("mod:sdel:{second_id}")));
        assert!(posted[1].1.contains(&format!("mod:sban:{third_id}")));
        bot.push(callback(
            GROUP_A,
            owner(OWNER_A),
            2,
            &format!("mod:sdel:{second_id}"),
        ));
        wait_deleted(&bot, second).await;
        bot.push(callback(
            GROUP_A,
            owner(OWNER_A),
            2,
            &format!("mod:sban:{third_id}"),
        ));
        wait_deleted(&bot, third).await;
        let bans = bot.api.wait_for("banChatMember", 1, WAIT).await;
        assert_eq!(bans[0].params["user_id"], NEWBIE);
        bot.api.wait_for("editMessageText", 3, WAIT).await;
        let last = edits(&bot).last().cloned().unwrap_or_default();
        assert!(
            last.contains(words.deleted) && last.contains(words.banned),
            "the notice says who decided what: {last}"
        );
        // A second answer to the same message changes nothing.
        bot.push(callback(
            GROUP_A,
            owner(OWNER_A),
            2,
            &format!("mod:sok:{second_id}"),
        ));
        bot.settle().await;
        let spam: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM moderation_detector_layers WHERE source = 'suspicious_button' AND label = 'spam'",
        )
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
        assert_eq!(spam, 2, "{}", words.lang);
        assert!(!deleted(&bot).contains(&first));
        bot.stop().await;
    }
}

#[tokio::test]
async fn a_suspicious_notice_goes_to_the_log_channel_when_one_is_set() {
    const CHANNEL: i64 = -100_799;
    let bot = two_groups(&[]).await;
    // The owner runs the log channel too: /setlog checks that.
    bot.api
        .set_chat_member(CHANNEL, OWNER_A, member(owner(OWNER_A), "creator"));
    owner_says(&bot, GROUP_A, OWNER_A, &format!("/setlog {CHANNEL}")).await;
    owner_says(&bot, GROUP_A, OWNER_A, "/rulemode classifier 1 0.0001").await;
    bot.api.clear_calls();
    let said = newcomer_says(&bot, GROUP_A, "请问这个新版本的安装步骤在哪里可以看到").await;
    let posted = wait_notices(&bot, CHANNEL, 1).await;
    assert!(notices(&bot, GROUP_A).is_empty());
    assert_eq!(posted.len(), 1, "{posted:?}");
    // The press comes from the channel and is checked against the admin's rights in the group.
    let id = flagged(&bot, said).await;
    bot.push(callback(
        CHANNEL,
        owner(OWNER_A),
        1,
        &format!("mod:sdel:{id}"),
    ));
    wait_deleted(&bot, said).await;
    bot.stop().await;
}

#[tokio::test]
async fn a_removal_nobody_undid_is_learned_by_its_group_only_after_the_undo_window() {
    // Group A trusts its own admins' teaching everywhere; what the bot learns by itself still stays in A.
    let trusted = format!("[{GROUP_A}]");
    let bot = two_groups(&[("GROUPOPS_MODERATION__DETECTOR_TRUSTED_GROUPS", &trusted)]).await;
    owner_says(&bot, GROUP_A, OWNER_A, "/rulemode classifier 0.0002 0.0001").await;
    const KEPT: &str = "请问这个新版本的安装步骤在哪里可以看到";
    const UNDONE: &str = "周六早上七点在公园门口集合吗大家记得带水";
    let kept = newcomer_says(&bot, GROUP_A, KEPT).await;
    wait_deleted(&bot, kept).await;
    let undone = newcomer_says(&bot, GROUP_A, UNDONE).await;
    wait_deleted(&bot, undone).await;
    let violation: i64 = sqlx::query_scalar(
        "SELECT id FROM moderation_violations WHERE excerpt = ? AND actor_id IS NULL",
    )
    .bind(UNDONE)
    .fetch_one(&bot.ctx.storage.read)
    .await
    .unwrap();
    bot.push(callback(
        GROUP_A,
        owner(OWNER_A),
        1,
        &format!("mod:undo:{violation}"),
    ));
    bot.settle().await;
    let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM moderation_detector_learn")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(waiting, 2);
    // Inside the window nothing is learned, even across a restart.
    let bot = bot.restart().await;
    bot.ticks(2).await;
    let auto = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM moderation_detector_layers WHERE source = 'auto'",
        )
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap()
    };
    assert_eq!(auto().await, 0);
    bot.clock.advance(std::time::Duration::from_secs(3601));
    bot.ticks(2).await;
    let learned: Vec<(i64, String)> = sqlx::query_as(
        "SELECT chat_id, label FROM moderation_detector_layers WHERE source = 'auto'",
    )
    .fetch_all(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(
        learned,
        vec![(GROUP_A, "spam".to_string())],
        "only the removal nobody undid"
    );
    let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM moderation_detector_learn")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(waiting, 0);
    // Group B's default thresholds leave the same text alone: the bot's own learning stayed in A.
    let in_b = newcomer_says(&bot, GROUP_B, KEPT).await;
    assert!(!deleted(&bot).contains(&in_b));
    let in_b_logged: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM moderation_violations WHERE chat_id = ?")
            .bind(GROUP_B)
            .fetch_one(&bot.ctx.storage.read)
            .await
            .unwrap();
    assert_eq!(in_b_logged, 0, "the bot's own learning stays in its group");
    // Group A now knows the text as spam even at the default thresholds.
    owner_says(&bot, GROUP_A, OWNER_A, "/rulemode classifier default").await;
    let again = newcomer_says(&bot, GROUP_A, KEPT).await;
    wait_deleted(&bot, again).await;
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM moderation_violations WHERE chat_id = ? AND actor_id IS NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(GROUP_A)
    .fetch_one(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert!(detail.contains(r#""layer":"group""#), "{detail}");
    bot.stop().await;
}

#[tokio::test]
async fn an_admin_without_the_right_a_button_needs_is_told_which_right() {
    const HELPER: i64 = 4_711;
    for (lang, missing) in [
        ("zh-CN", "你需要“封禁成员”管理权限才能这样做。"),
        ("en", "You need the “ban users” admin right for that."),
    ] {
        let helper = || user(HELPER, "Hal");
        let bot = two_groups_with(
            &[("GROUPOPS_I18N__DEFAULT_LANGUAGE", lang)],
            &[admin_with(helper(), &["can_delete_messages"])],
        )
        .await;
        owner_says(&bot, GROUP_A, OWNER_A, "/rulemode classifier 1 0.0001").await;
        bot.api.clear_calls();
        let said = newcomer_says(&bot, GROUP_A, "请问这个新版本的安装步骤在哪里可以看到").await;
        wait_notices(&bot, GROUP_A, 1).await;
        let id = flagged(&bot, said).await;
        bot.push(callback(GROUP_A, helper(), 1, &format!("mod:sban:{id}")));
        let answers = bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
        assert_eq!(answers[0].params["text"], missing);
        bot.settle().await;
        assert!(bot.api.calls("banChatMember").is_empty());
        // Deleting needs only the right the helper holds.
        bot.push(callback(GROUP_A, helper(), 1, &format!("mod:sdel:{id}")));
        wait_deleted(&bot, said).await;
        bot.settle().await;
        assert!(bot.api.calls("banChatMember").is_empty(), "{lang}");
        bot.stop().await;
    }
}
