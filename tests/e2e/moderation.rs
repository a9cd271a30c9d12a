//! Moderation as a group meets it: ads from newcomers removed and explained, admins and settled members
//! left alone, edits checked, flood muted, the escalation ladder and its decay, appeal and undo, admin
//! commands taking effect at once, and `groupops check` on a small file.

use crate::support::fake_api::{bot_admin_member, Call};
use crate::support::harness::{TestBot, WAIT};
use crate::support::members::owner;
use crate::support::updates::*;
use groupops::features::moderation::detector::{Detector, Scratch};
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

const GROUP: i64 = -100_777;
const OWNER: i64 = 1_001;
const SETTLED: i64 = 2_002;
const NEWBIE: i64 = 3_003;

const AD: &str = "兼职刷单，日结300，名额有限";

fn settled() -> Value {
    user(SETTLED, "Mia")
}

fn newbie() -> Value {
    user(NEWBIE, "Ned")
}

/// A bot in a group whose admins are the owner and the bot, where the newbie has just joined (the bot
/// saw the join) and the settled member was there before. The entry check and welcomes are off, so the
/// bot's messages here are moderation's alone.
async fn group_with_newcomer() -> TestBot {
    let bot = TestBot::start_with(&[("GROUPOPS_WELCOME__CAPTCHA", "off")]).await;
    bot.push(group_message(GROUP, owner(OWNER), "/welcome off"));
    bot.api.set_admins(
        GROUP,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    // Where the bot is an admin, Telegram reports the join twice: as a chat_member update and as a service
    // message.
    bot.push(chat_member(
        GROUP,
        newbie(),
        newbie(),
        "left",
        "member",
        None,
    ));
    bot.push(new_members(GROUP, newbie(), vec![newbie()]));
    bot.wait_texts(GROUP, 1).await;
    bot.settle().await;
    bot.api.clear_calls();
    bot
}

fn message_id(update: &Value) -> i64 {
    update["message"]["message_id"].as_i64().unwrap()
}

fn deleted_ids(bot: &TestBot) -> Vec<i64> {
    bot.api
        .calls("deleteMessage")
        .iter()
        .map(|c| c.params["message_id"].as_i64().unwrap())
        .collect()
}

fn callback_data(call: &Call) -> Vec<String> {
    call.params["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .filter_map(|button| button["callback_data"].as_str().map(str::to_string))
        .collect()
}

async fn violations(bot: &TestBot, user_id: i64) -> Vec<(String, String, Option<i64>)> {
    sqlx::query_as(
        "SELECT rule, action, undone_by FROM moderation_violations WHERE chat_id = ? AND user_id = ? ORDER BY id",
    )
    .bind(GROUP)
    .bind(user_id)
    .fetch_all(&bot.ctx.storage.read)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_ad_from_a_newcomer_is_deleted_explained_and_the_explanation_goes_away() {
    let bot = group_with_newcomer().await;
    let ad = group_message(GROUP, newbie(), AD);
    let ad_id = message_id(&ad);
    bot.push(ad);
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    assert_eq!(deleted_ids(&bot), vec![ad_id]);
    let sends = bot.api.wait_for("sendMessage", 1, WAIT).await;
    let explanation = &sends[0];
    let text = explanation.params["text"].as_str().unwrap();
    assert!(text.contains("疑似广告"), "the rule is named: {text}");
    assert!(text.contains("警告"), "the action is named: {text}");
    assert!(
        callback_data(explanation)
            .iter()
            .any(|d| d.starts_with("mod:appeal:")),
        "an appeal button"
    );
    assert!(
        bot.api.calls("restrictChatMember").is_empty(),
        "a first offence is a warning"
    );
    assert_eq!(violations(&bot, NEWBIE).await.len(), 1);
    // The explanation is deleted once its time is up.
    let explanation_id = wait_for_explanation_id(&bot).await;
    bot.clock.advance(Duration::from_secs(121));
    bot.api.wait_for("deleteMessage", 2, WAIT).await;
    assert_eq!(deleted_ids(&bot), vec![ad_id, explanation_id]);
    bot.stop().await;
}

async fn wait_for_explanation_id(bot: &TestBot) -> i64 {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let id: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT message_id FROM moderation_explanations ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&bot.ctx.storage.read)
        .await
        .unwrap();
        if let Some(Some(id)) = id {
            return id;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "explanation id never stored"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn the_same_ad_from_an_admin_is_untouched_and_reaches_other_features() {
    let bot = group_with_newcomer().await;
    bot.push(group_message(GROUP, owner(OWNER), AD));
    // A command after it still reaches the other features.
    bot.push(group_message(GROUP, owner(OWNER), "/help"));
    bot.wait_texts(GROUP, 1).await;
    bot.settle().await;
    assert!(bot.api.calls("deleteMessage").is_empty());
    assert!(violations(&bot, OWNER).await.is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn a_settled_members_link_is_allowed_and_a_newcomers_is_not() {
    let bot = group_with_newcomer().await;
    bot.push(group_message(
        GROUP,
        settled(),
        "docs: https://example.org/guide",
    ));
    bot.settle().await;
    assert!(
        bot.api.calls("deleteMessage").is_empty(),
        "a settled member's link stays"
    );
    let link = group_message(GROUP, newbie(), "docs: https://example.org/guide");
    let link_id = message_id(&link);
    bot.push(link);
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    assert_eq!(deleted_ids(&bot), vec![link_id]);
    assert_eq!(violations(&bot, NEWBIE).await[0].0, "link");
    bot.stop().await;
}

#[tokio::test]
async fn spam_edited_into_a_message_is_deleted() {
    let bot = group_with_newcomer().await;
    let original = group_message(GROUP, settled(), "hello everyone");
    let original_id = message_id(&original);
    bot.push(original.clone());
    bot.settle().await;
    assert!(bot.api.calls("deleteMessage").is_empty());
    let mut changed = edited(original);
    changed["edited_message"]["text"] = json!("Earn $500 per day from home, DM me");
    bot.push(changed);
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    assert_eq!(deleted_ids(&bot), vec![original_id]);
    bot.stop().await;
}

#[tokio::test]
async fn flood_mutes_the_member() {
    let bot = group_with_newcomer().await;
    for i in 0..6 {
        bot.push(group_message(
            GROUP,
            settled(),
            &format!("message number {i}"),
        ));
    }
    let restricted = bot.api.wait_for("restrictChatMember", 1, WAIT).await;
    assert_eq!(restricted[0].params["user_id"], SETTLED);
    let until = restricted[0].params["until_date"].as_i64().unwrap();
    let expected = bot.ctx.now() + 600;
    assert!(
        (until - expected).abs() <= 5,
        "muted for 10 minutes: {until} vs {expected}"
    );
    assert_eq!(
        bot.api.calls("deleteMessage").len(),
        1,
        "only the message over the limit"
    );
    assert_eq!(violations(&bot, SETTLED).await[0].0, "flood");
    bot.stop().await;
}

#[tokio::test]
async fn repeated_offences_climb_the_ladder_and_old_ones_decay() {
    let bot = group_with_newcomer().await;
    let mut deleted = 0;
    let mut offend = |bot: &TestBot| {
        bot.push(group_message(GROUP, settled(), AD));
        deleted += 1;
        deleted
    };
    for _ in 0..2 {
        let n = offend(&bot);
        bot.api.wait_for("deleteMessage", n, WAIT).await;
        bot.settle().await;
    }
    assert!(
        bot.api.calls("restrictChatMember").is_empty(),
        "two warnings first"
    );
    let n = offend(&bot);
    bot.api.wait_for("deleteMessage", n, WAIT).await;
    let restricted = bot.api.wait_for("restrictChatMember", 1, WAIT).await;
    let until = restricted[0].params["until_date"].as_i64().unwrap();
    assert!(
        (until - (bot.ctx.now() + 3600)).abs() <= 5,
        "the third offence mutes for an hour"
    );
    bot.clock.advance(Duration::from_secs(8 * 86_400));
    let n = offend(&bot);
    bot.api.wait_for("deleteMessage", n, WAIT).await;
    bot.settle().await;
    let actions: Vec<String> = violations(&bot, SETTLED)
        .await
        .into_iter()
        .map(|(_, action, _)| action)
        .collect();
    assert_eq!(
        actions,
        vec!["warn", "warn", "mute 1h", "warn"],
        "warnings expired after 7 days"
    );
    assert_eq!(bot.api.calls("restrictChatMember").len(), 1);
    bot.stop().await;
}

#[tokio::test]
async fn an_appeal_reaches_the_admins_and_one_press_undoes_the_mute() {
    let bot = group_with_newcomer().await;
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/filter add \"秘密 暗号\" mute 1h",
    ));
    let replies = bot.wait_texts(GROUP, 1).await;
    assert!(replies[0].contains("已添加"), "{replies:?}");
    bot.push(group_message(GROUP, settled(), "秘密的暗号是什么"));
    bot.settle().await;
    assert!(
        bot.api.calls("deleteMessage").is_empty(),
        "no match across other words"
    );
    bot.push(group_message(GROUP, settled(), "秘 密 暗 号"));
    bot.api.wait_for("restrictChatMember", 1, WAIT).await;
    let sends = bot.api.wait_for("sendMessage", 2, WAIT).await;
    let data = callback_data(&sends[1]);
    let appeal_data = data
        .iter()
        .find(|d| d.starts_with("mod:appeal:"))
        .unwrap()
        .clone();
    let undo_data = data
        .iter()
        .find(|d| d.starts_with("mod:undo:"))
        .unwrap()
        .clone();
    // Someone else cannot appeal; the member can, once.
    bot.push(callback(GROUP, newbie(), 900, &appeal_data));
    bot.push(callback(GROUP, settled(), 900, &appeal_data));
    bot.push(callback(GROUP, settled(), 900, &appeal_data));
    let sends = bot.api.wait_for("sendMessage", 3, WAIT).await;
    assert!(
        sends[2].params["text"].as_str().unwrap().contains("申诉"),
        "posted for the admins"
    );
    assert!(callback_data(&sends[2]).contains(&undo_data));
    bot.settle().await;
    assert_eq!(
        bot.api.calls("sendMessage").len(),
        3,
        "one appeal message only"
    );
    // A member cannot undo; the owner can with one press.
    bot.push(callback(GROUP, newbie(), 901, &undo_data));
    bot.settle().await;
    assert_eq!(bot.api.calls("restrictChatMember").len(), 1);
    bot.push(callback(GROUP, owner(OWNER), 901, &undo_data));
    let restricted = bot.api.wait_for("restrictChatMember", 2, WAIT).await;
    assert_eq!(restricted[1].params["user_id"], SETTLED);
    assert_eq!(
        restricted[1].params["permissions"]["can_send_messages"],
        true
    );
    assert_eq!(
        violations(&bot, SETTLED).await[0].2,
        Some(OWNER),
        "recorded as a false positive"
    );
    let answers = bot.api.wait_for("answerCallbackQuery", 5, WAIT).await;
    assert_eq!(answers.len(), 5);
    bot.stop().await;
}

#[tokio::test]
async fn admin_commands_change_rules_at_once_and_refuse_bad_input() {
    let bot = group_with_newcomer().await;
    bot.push(group_message(GROUP, settled(), "/lock sticker"));
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/filter add re:(unclosed",
    ));
    bot.push(group_message(GROUP, owner(OWNER), "/lock nonsense"));
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/allowdomain not_a_domain",
    ));
    bot.push(group_message(GROUP, owner(OWNER), "/lock link"));
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/allowdomain github.com",
    ));
    bot.push(group_message(GROUP, owner(OWNER), "/locks"));
    let texts = bot.wait_texts(GROUP, 7).await;
    assert_eq!(texts[0], "只有群管理员才能这样做。", "a member is refused");
    assert!(
        texts[1].contains("括号没有配对"),
        "the regex error says why: {}",
        texts[1]
    );
    assert!(
        texts[2].contains("图片") && texts[2].contains("邀请链接"),
        "lock usage lists the types: {}",
        texts[2]
    );
    assert!(texts[3].contains("not_a_domain"), "{}", texts[3]);
    assert!(texts[4].contains("已禁止"), "{}", texts[4]);
    // The locks go to the owner in private; the group gets a short note.
    assert_eq!(texts[6], "已私信发给你。");
    let private = bot.wait_texts(OWNER, 1).await;
    assert!(private[0].contains("链接"), "{private:?}");
    bot.push(group_message(
        GROUP,
        settled(),
        "see https://github.com/rust-lang/rust",
    ));
    bot.settle().await;
    assert!(
        bot.api.calls("deleteMessage").is_empty(),
        "an allowed domain"
    );
    let link = group_message(GROUP, settled(), "see spam-site.xyz");
    let link_id = message_id(&link);
    bot.push(link);
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    assert_eq!(
        deleted_ids(&bot),
        vec![link_id],
        "links are locked for everyone now"
    );
    let (kind, locks): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM moderation_filters), (SELECT COUNT(*) FROM moderation_locks)",
    )
    .fetch_one(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!((kind, locks), (0, 1), "refused input changed nothing");
    bot.push(group_message(GROUP, owner(OWNER), "/filter add 暗号"));
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/filter add re:bonus\\s*\\d+ mute 2h",
    ));
    bot.push(group_message(GROUP, owner(OWNER), "/filter list"));
    bot.push(group_message(GROUP, owner(OWNER), "/filter del 暗号"));
    bot.push(group_message(GROUP, owner(OWNER), "/filter del 暗号"));
    // texts[7] is the explanation of the removed link.
    let texts = bot.wait_texts(GROUP, 13).await;
    assert!(
        texts[7].contains("本群禁止发链接") && !texts[7].contains("新成员"),
        "a settled member's link is explained by the lock: {}",
        texts[7]
    );
    // The filter list goes to the owner in private (after the locks); the group gets a short note.
    assert_eq!(texts[10], "已私信发给你。");
    let private = bot.wait_texts(OWNER, 2).await;
    assert!(
        private[1].contains("暗号") && private[1].contains("re:bonus"),
        "{}",
        private[1]
    );
    assert!(private[1].contains("→ 禁言 2 小时"), "{}", private[1]);
    assert!(texts[11].contains("已删除"), "{}", texts[11]);
    assert!(texts[12].contains("没有"), "{}", texts[12]);
    bot.push(group_message(GROUP, settled(), "暗号"));
    bot.settle().await;
    assert_eq!(
        bot.api.calls("deleteMessage").len(),
        1,
        "a removed keyword no longer matches"
    );
    bot.stop().await;
}

#[tokio::test]
async fn rules_survive_a_restart() {
    let bot = group_with_newcomer().await;
    bot.push(group_message(GROUP, owner(OWNER), "/filter add 暗号 ban"));
    bot.wait_texts(GROUP, 1).await;
    let bot = bot.restart().await;
    bot.push(group_message(GROUP, settled(), "暗号来了"));
    let banned = bot.api.wait_for("banChatMember", 1, WAIT).await;
    assert_eq!(banned[0].params["user_id"], SETTLED);
    bot.stop().await;
}

#[test]
fn groupops_check_prints_one_verdict_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("group.toml");
    std::fs::write(
        &rules,
        "keywords = [\"暗号\"]\nallow_domains = [\"github.com\"]\n",
    )
    .unwrap();
    let input = "兼职刷单日结，加微信 abc12345 详聊\n\n今天天气不错\n{\"text\": \"see spam-site.xyz\", \"newcomer\": false}\n{\"text\": \"see spam-site.xyz\"}\nthe fix is in https://github.com/x\n暗 号\nask @schedule_helper_bot for the times\nask @quiet_anna about it\n";
    let mut child = Command::new(env!("CARGO_BIN_EXE_groupops"))
        .args(["check", "--group-settings"])
        .arg(&rules)
        .env_remove("GROUPOPS_CONFIG")
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    // The keys come in the documented order, and the score is the built-in detector's (no database
    // exists here, and none is created).
    let detector = Detector::shipped();
    let score = detector
        .judge_text(
            "兼职刷单日结，加微信 abc12345 详聊",
            None,
            detector.thresholds().newcomer,
            &mut Scratch::default(),
        )
        .probability;
    let rounded = (f64::from(score) * 1000.0).round() / 1000.0;
    assert_eq!(
        stdout.lines().next().unwrap(),
        format!(
            "{{\"index\":0,\"verdict\":\"remove\",\"rules\":[\"adpack\",\"contact\",\"classifier\"],\"score\":{}}}",
            serde_json::to_string(&rounded).unwrap()
        )
    );
    assert!(
        !dir.path().join("data").exists(),
        "check does not create the database"
    );
    let mut lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The detector's score: high for the ad, low for small talk, a number on every line.
    let scores: Vec<f64> = lines
        .iter_mut()
        .map(|line| {
            line.as_object_mut()
                .unwrap()
                .remove("score")
                .unwrap()
                .as_f64()
                .unwrap()
        })
        .collect();
    assert!(scores[0] > 0.9 && scores[1] < 0.1, "{scores:?}");
    assert_eq!(
        lines,
        vec![
            json!({"index": 0, "verdict": "remove", "rules": ["adpack", "contact", "classifier"]}),
            json!({"index": 1, "verdict": "allow", "rules": []}),
            json!({"index": 2, "verdict": "allow", "rules": []}),
            json!({"index": 3, "verdict": "remove", "rules": ["link"]}),
            json!({"index": 4, "verdict": "allow", "rules": []}),
            json!({"index": 5, "verdict": "remove", "rules": ["keyword"]}),
            json!({"index": 6, "verdict": "remove", "rules": ["mention"]}),
            json!({"index": 7, "verdict": "allow", "rules": []}),
        ]
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_groupops"))
        .arg("check")
        .env_remove("GROUPOPS_CONFIG")
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"ok\n\xff\xfe\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "unreadable input");
}

#[tokio::test]
async fn a_group_sets_its_own_ladder() {
    let bot = group_with_newcomer().await;
    bot.push(group_message(GROUP, owner(OWNER), "/ladder warn, explode"));
    bot.push(group_message(GROUP, owner(OWNER), "/ladder ban"));
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(
        texts[0].contains("explode"),
        "the bad step is named: {}",
        texts[0]
    );
    assert!(texts[1].contains("封禁"), "{}", texts[1]);
    bot.push(group_message(GROUP, settled(), AD));
    let banned = bot.api.wait_for("banChatMember", 1, WAIT).await;
    assert_eq!(banned[0].params["user_id"], SETTLED);
    bot.push(group_message(GROUP, owner(OWNER), "/ladder reset"));
    bot.wait_texts(GROUP, 4).await;
    bot.push(group_message(GROUP, newbie(), AD));
    bot.api.wait_for("deleteMessage", 2, WAIT).await;
    bot.settle().await;
    assert_eq!(
        bot.api.calls("banChatMember").len(),
        1,
        "back to warnings first"
    );
    bot.stop().await;
}

#[tokio::test]
async fn the_same_text_in_several_groups_is_flood() {
    let bot = group_with_newcomer().await;
    for other in [GROUP - 1, GROUP - 2] {
        bot.api.set_admins(
            other,
            vec![member(owner(OWNER), "creator"), bot_admin_member()],
        );
    }
    let text = "Check out my new channel for daily deals, everyone";
    bot.push(group_message(GROUP, settled(), text));
    bot.push(group_message(GROUP - 1, settled(), text));
    bot.settle().await;
    assert!(
        bot.api.calls("deleteMessage").is_empty(),
        "two groups are fine"
    );
    let third = group_message(GROUP - 2, settled(), text);
    let third_id = message_id(&third);
    bot.push(third);
    let deleted = bot.api.wait_for("deleteMessage", 1, WAIT).await;
    assert_eq!(deleted[0].params["chat_id"], GROUP - 2);
    assert_eq!(deleted[0].params["message_id"], third_id);
    let restricted = bot.api.wait_for("restrictChatMember", 1, WAIT).await;
    assert_eq!(restricted[0].params["chat_id"], GROUP - 2);
    bot.stop().await;
}

#[tokio::test]
async fn approved_members_are_exempt_and_shadow_rules_only_record() {
    let bot = group_with_newcomer().await;
    {
        let mut conn = bot.ctx.storage.write.acquire().await.unwrap();
        groupops::features::moderation::store::approve(&mut conn, GROUP, NEWBIE, OWNER, 0)
            .await
            .unwrap();
    }
    bot.push(group_message(GROUP, newbie(), AD));
    bot.settle().await;
    assert!(
        bot.api.calls("deleteMessage").is_empty(),
        "an approved member"
    );
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/rulemode adpack shadow",
    ));
    let texts = bot.wait_texts(GROUP, 1).await;
    assert_eq!(texts[0], "规则「广告词库」现在为观察。");
    bot.push(group_message(GROUP, settled(), AD));
    bot.push(group_message(GROUP, owner(OWNER), "/rulemode nonsense on"));
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(
        texts[1].contains("广告词库") && texts[1].contains("开启|关闭|观察"),
        "usage lists the rules: {}",
        texts[1]
    );
    bot.settle().await;
    assert!(
        bot.api.calls("deleteMessage").is_empty(),
        "shadow mode leaves the message"
    );
    let shadow: Vec<(String, bool)> = sqlx::query_as(
        "SELECT rule, shadow FROM moderation_violations WHERE chat_id = ? AND user_id = ?",
    )
    .bind(GROUP)
    .bind(SETTLED)
    .fetch_all(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(shadow, vec![("adpack".to_string(), true)]);
    bot.stop().await;
}

#[tokio::test]
async fn groups_with_the_same_rules_share_them_until_one_changes_its_own() {
    let bot = group_with_newcomer().await;
    let other = -100_778;
    bot.api.set_admins(
        other,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    // Both groups start on the defaults (and so on one compiled set); a keyword added in one group must
    // not reach the other.
    bot.push(group_message(other, settled(), "暗号来了"));
    bot.settle().await;
    bot.push(group_message(GROUP, owner(OWNER), "/filter add 暗号"));
    bot.wait_texts(GROUP, 1).await;
    let in_other = group_message(other, settled(), "暗号来了");
    let in_group = group_message(GROUP, settled(), "暗号来了");
    let removed = message_id(&in_group);
    bot.push(in_other);
    bot.push(in_group);
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    bot.settle().await;
    assert_eq!(
        deleted_ids(&bot),
        vec![removed],
        "only the group with the keyword removes it"
    );
    bot.stop().await;
}

/// A group with a budget of one explanation a minute, where three newcomers have just joined.
async fn group_with_three_newcomers(lang: &str) -> TestBot {
    let bot = TestBot::start_with(&[
        ("GROUPOPS_WELCOME__CAPTCHA", "off"),
        ("GROUPOPS_MODERATION__EXPLAIN_PER_MINUTE", "1"),
    ])
    .await;
    bot.api.set_admins(
        GROUP,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    bot.push(group_message(GROUP, owner(OWNER), "/welcome off"));
    if lang == "en" {
        bot.push(group_message(GROUP, owner(OWNER), "/lang en"));
    }
    for (id, name) in [(NEWBIE, "Ned"), (NEWBIE + 1, "Nia"), (NEWBIE + 2, "Noa")] {
        let who = user(id, name);
        bot.push(chat_member(
            GROUP,
            who.clone(),
            who.clone(),
            "left",
            "member",
            None,
        ));
        bot.push(new_members(GROUP, who.clone(), vec![who]));
    }
    bot.settle().await;
    bot.api.clear_calls();
    bot
}

async fn removals_past_the_budget_are_folded_into_the_next_explanation(lang: &str) {
    let bot = group_with_three_newcomers(lang).await;
    bot.push(group_message(GROUP, user(NEWBIE, "Ned"), AD));
    bot.wait_texts(GROUP, 1).await;
    // The minute's one explanation is spent: Nia's ads are removed without a word, and, since she was told
    // nothing, the ladder does not climb for her.
    for text in [AD, "加我微信 abc12345 兼职刷单", "兼职日结，私聊领取"] {
        bot.push(group_message(GROUP, user(NEWBIE + 1, "Nia"), text));
    }
    bot.api.wait_for("deleteMessage", 4, WAIT).await;
    bot.settle().await;
    assert_eq!(bot.texts_to(GROUP).len(), 1, "{:?}", bot.texts_to(GROUP));
    assert!(
        bot.api.calls("restrictChatMember").is_empty() && bot.api.calls("banChatMember").is_empty(),
        "nobody is punished beyond a warning before hearing anything"
    );
    // The next explanation names her removals too.
    bot.clock.advance(Duration::from_secs(61));
    bot.push(group_message(GROUP, user(NEWBIE + 2, "Noa"), AD));
    let texts = bot.wait_texts(GROUP, 2).await;
    let folded = &texts[1];
    assert!(
        folded.contains(&format!("tg://user?id={}", NEWBIE + 2)),
        "{folded}"
    );
    assert!(
        folded.contains(&format!("tg://user?id={}", NEWBIE + 1)),
        "Nia is named: {folded}"
    );
    assert_eq!(
        folded
            .matches(&format!("tg://user?id={}", NEWBIE + 1))
            .count(),
        1,
        "once: {folded}"
    );
    if lang == "en" {
        assert!(
            folded.contains("I could not explain 3 earlier removals when they happened"),
            "{folded}"
        );
        assert!(
            folded.contains("it looks like an advertisement"),
            "{folded}"
        );
    } else {
        assert!(folded.contains("之前来不及说明的 3 次删除"), "{folded}");
        assert!(folded.contains("疑似广告"), "{folded}");
    }
    // Named once only: the explanation after the next one does not repeat them.
    bot.clock.advance(Duration::from_secs(61));
    bot.push(group_message(
        GROUP,
        user(NEWBIE + 2, "Noa"),
        "加我微信 abc12345 兼职刷单",
    ));
    bot.clock.advance(Duration::from_secs(700));
    bot.push(group_message(
        GROUP,
        user(NEWBIE, "Ned"),
        "兼职日结，私聊领取",
    ));
    let texts = bot.wait_texts(GROUP, 3).await;
    assert!(
        !texts[2].contains(&format!("tg://user?id={}", NEWBIE + 1)),
        "{}",
        texts[2]
    );
    assert!(bot.errors().is_empty(), "{:?}", bot.errors());
    bot.stop().await;
}

#[tokio::test]
async fn removals_past_the_budget_are_folded_into_the_next_explanation_zh() {
    removals_past_the_budget_are_folded_into_the_next_explanation("zh").await;
}

#[tokio::test]
async fn removals_past_the_budget_are_folded_into_the_next_explanation_en() {
    removals_past_the_budget_are_folded_into_the_next_explanation("en").await;
}

#[tokio::test]
async fn a_removed_ad_and_commands_count_in_no_total_and_earn_no_points() {
    let bot = group_with_newcomer().await;
    let long_ad = format!("{AD}，{AD}，{AD}，详情私聊，长期有效，欢迎咨询");
    bot.push(group_message(GROUP, newbie(), &long_ad));
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    for command in ["/help", "/me", "/rank"] {
        bot.push(group_message(GROUP, owner(OWNER), command));
    }
    bot.push(group_message(GROUP, settled(), "早上好，今天一起跑步吗？"));
    bot.settle().await;
    bot.ctx.activity.flush().await;
    let counted: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT user_id, SUM(messages) FROM activity_minutes WHERE chat_id = ? GROUP BY user_id",
    )
    .bind(GROUP)
    .fetch_all(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(counted, vec![(SETTLED, 1)], "only the conversation counts");
    let totals: Vec<(i64, i64)> =
        sqlx::query_as("SELECT user_id, messages FROM members WHERE chat_id = ? AND messages > 0")
            .bind(GROUP)
            .fetch_all(&bot.ctx.storage.read)
            .await
            .unwrap();
    assert_eq!(totals, vec![(SETTLED, 1)]);
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM economy_activity_pending WHERE chat_id = ? AND user_id = ?",
    )
    .bind(GROUP)
    .bind(NEWBIE)
    .fetch_one(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(waiting, 0, "the removed ad earns no activity points");
    bot.stop().await;
}

async fn admin_warnings_are_counted_apart_from_automatic_removals(lang: &str) {
    let bot = group_with_newcomer().await;
    if lang == "en" {
        bot.push(group_message(GROUP, owner(OWNER), "/lang en"));
        bot.wait_texts(GROUP, 1).await;
    }
    bot.push(group_message(GROUP, newbie(), AD));
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    bot.settle().await;
    let before = bot.texts_to(GROUP).len();
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        &format!("/warn {NEWBIE}"),
    ));
    let texts = bot.wait_texts(GROUP, before + 1).await;
    let first = &texts[before];
    if lang == "en" {
        assert!(first.contains("was warned (1/3)"), "{first}");
        assert!(
            first.contains("One automatic removal is also on record"),
            "{first}"
        );
    } else {
        assert!(first.contains("收到警告（1/3）"), "{first}");
        assert!(first.contains("另有 1 次自动处理记录"), "{first}");
    }
    for round in 2..=3 {
        bot.push(group_message(
            GROUP,
            owner(OWNER),
            &format!("/warn {NEWBIE}"),
        ));
        bot.wait_texts(GROUP, before + round).await;
    }
    let texts = bot.texts_to(GROUP);
    let last = texts.last().unwrap();
    if lang == "en" {
        assert!(
            last.contains(
                "now has 3 warnings from admins, this group's warning limit, so they are banned"
            ),
            "{last}"
        );
    } else {
        assert!(
            last.contains("已累计 3 次管理员警告，达到本群的警告上限，因此被封禁"),
            "{last}"
        );
    }
    bot.api.wait_for("banChatMember", 1, WAIT).await;
    bot.stop().await;
}

#[tokio::test]
async fn admin_warnings_are_counted_apart_from_automatic_removals_zh() {
    admin_warnings_are_counted_apart_from_automatic_removals("zh").await;
}

#[tokio::test]
async fn admin_warnings_are_counted_apart_from_automatic_removals_en() {
    admin_warnings_are_counted_apart_from_automatic_removals("en").await;
}
