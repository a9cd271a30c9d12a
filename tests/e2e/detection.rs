//! The trained ad detector as members meet it: a newcomer's ordinary messages stay, a template-varied ad
//! is removed through the group's similarity layer once admins taught it, and one group's teaching does
//! not reach another group unless the operator trusts the teaching group.

use crate::support::fake_api::bot_admin_member;
use crate::support::harness::{TestBot, WAIT};
use crate::support::members::owner;
use crate::support::updates::*;
use serde_json::Value;

const GROUP_A: i64 = -100_711;
const GROUP_B: i64 = -100_722;
const OWNER_A: i64 = 1_711;
const OWNER_B: i64 = 1_722;
const POSTER: i64 = 2_711;
const NEWBIE: i64 = 3_711;

/// An ad the shipped model does not know, and the same template with another batch number.
const TAUGHT_AD: &str = "精品茶叶礼盒限时特价，买二送一，全国发货，批次 K3301";
const VARIED_AD: &str = "精品茶叶礼盒限时特价，买二送一，全国发货，批次 K5520";

fn poster() -> Value {
    user_with(POSTER, "Pat", Some("pat_posts"), None)
}

fn newbie() -> Value {
    user(NEWBIE, "Nia")
}

/// Two groups with their owners and the bot as admins, the entry gate and welcomes off, and the same
/// newcomer just joined in both.
async fn two_groups(env: &[(&str, &str)]) -> TestBot {
    let mut env = env.to_vec();
    env.push(("GROUPOPS_WELCOME__CAPTCHA", "off"));
    let bot = TestBot::start_with(&env).await;
    for (group, owner_id) in [(GROUP_A, OWNER_A), (GROUP_B, OWNER_B)] {
        bot.api.set_admins(
            group,
            vec![member(owner(owner_id), "creator"), bot_admin_member()],
        );
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
        (vec![], "与已删除的广告几乎相同"),
        (
            vec![("GROUPOPS_I18N__DEFAULT_LANGUAGE", "en")],
            "nearly the same as an ad already removed",
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
            detail.contains("similar to known spam") && detail.contains("group layer"),
            "the log names the similarity: {detail}"
        );
        let texts = bot.wait_texts(GROUP_A, 2).await;
        assert!(
            texts.iter().any(|t| t.contains(similar_words)),
            "the explanation names the similarity: {texts:?}"
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
    assert!(detail.contains("instance layer"), "{detail}");
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
