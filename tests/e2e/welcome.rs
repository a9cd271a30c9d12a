//! Welcome, the entry gate, rules and anti-raid as a group meets them: joins are restricted and asked,
//! presses and timeouts resolve (across a restart too), join requests are asked in private, raids are
//! absorbed without flooding the group, and admins' texts are rendered and validated.

use crate::support::fake_api::{bot_admin_member, Call};
use crate::support::harness::{TestBot, WAIT};
use crate::support::updates::*;
use serde_json::Value;
use std::time::Duration;

const GROUP: i64 = -100_777;
const OWNER: i64 = 1_001;

fn owner() -> Value {
    user_with(OWNER, "Olivia", Some("olivia"), Some("en"))
}

fn newcomer(id: i64, name: &str) -> Value {
    user_with(id, name, Some(&name.to_lowercase()), Some("en"))
}

/// The owner adds the bot as an admin in an English-speaking supergroup.
async fn setup(bot: &TestBot) {
    bot.api
        .set_admins(GROUP, vec![member(owner(), "creator"), bot_admin_member()]);
    bot.push(my_chat_member(
        group(GROUP),
        owner(),
        "left",
        "administrator",
    ));
    bot.wait_texts(GROUP, 1).await;
    bot.settle().await;
}

fn joins(user: &Value) -> Value {
    chat_member(GROUP, user.clone(), user.clone(), "left", "member", None)
}

fn is_to(call: &Call, chat: i64) -> bool {
    call.params["chat_id"].as_i64() == Some(chat)
}

/// The callback data of every button under a message.
fn button_data(call: &Call) -> Vec<String> {
    call.params["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["callback_data"].as_str().map(String::from))
        .collect()
}

/// Waits for the `n`-th message with gate buttons sent to `chat` and returns it.
async fn gate_message(bot: &TestBot, chat: i64, n: usize) -> Call {
    let calls = bot
        .api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .filter(|c| c.method == "sendMessage" && is_to(c, chat))
                .filter(|c| button_data(c).iter().any(|d| d.starts_with("wg:")))
                .count()
                >= n
        })
        .await;
    calls
        .into_iter()
        .filter(|c| c.method == "sendMessage" && is_to(c, chat))
        .filter(|c| button_data(c).iter().any(|d| d.starts_with("wg:")))
        .nth(n - 1)
        .unwrap()
}

async fn gate_answer(bot: &TestBot, user_id: i64) -> (i64, i64) {
    sqlx::query_as("SELECT id, answer FROM welcome_gates WHERE user_id = ?")
        .bind(user_id)
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap()
}

fn restricts_of(bot: &TestBot, user_id: i64) -> Vec<Call> {
    bot.api
        .calls("restrictChatMember")
        .into_iter()
        .filter(|c| c.params["user_id"].as_i64() == Some(user_id))
        .collect()
}

async fn wait_call_for(bot: &TestBot, method: &str, user_id: i64) -> Call {
    let calls = bot
        .api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .any(|c| c.method == method && c.params["user_id"].as_i64() == Some(user_id))
        })
        .await;
    calls
        .into_iter()
        .find(|c| c.method == method && c.params["user_id"].as_i64() == Some(user_id))
        .unwrap()
}

/// The id of the last welcome, once its send is confirmed and stored.
async fn stored_welcome_id(bot: &TestBot) -> i64 {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT last_welcome_id FROM welcome_settings WHERE chat_id = ?")
                .bind(GROUP)
                .fetch_optional(&bot.ctx.storage.read)
                .await
                .unwrap()
                .flatten();
        if let Some(id) = id {
            return id;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the welcome's id is stored"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Lets a few ticker rounds pass (used only to check that something did NOT happen).
/// When the member record says the member passed the gate.
async fn verified_at(bot: &TestBot, user_id: i64) -> Option<i64> {
    let mut conn = bot.ctx.storage.read.acquire().await.unwrap();
    groupops::storage::members::verified_at(&mut conn, GROUP, user_id)
        .await
        .unwrap()
}

async fn a_few_ticks() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_join_is_restricted_and_the_right_press_lets_them_in_with_one_welcome() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    let ann = newcomer(3_001, "Ann");
    bot.push(joins(&ann));
    // The same join also arrives as a service message: it must not gate Ann twice.
    bot.push(new_members(GROUP, ann.clone(), vec![ann.clone()]));
    let restrict = wait_call_for(&bot, "restrictChatMember", 3_001).await;
    assert_ne!(
        restrict.params["permissions"]["can_send_messages"], true,
        "may not send: {restrict:?}"
    );
    let question = gate_message(&bot, GROUP, 1).await;
    assert!(question.params["text"].as_str().unwrap().contains("Ann"));
    let data = button_data(&question);
    assert_eq!(data.len(), 1, "the button gate has one button");
    bot.settle().await;
    assert_eq!(restricts_of(&bot, 3_001).len(), 1, "gated once");
    assert_eq!(
        verified_at(&bot, 3_001).await,
        None,
        "not verified while the gate is open"
    );

    bot.push(callback(GROUP, ann.clone(), 0, &data[0]));
    bot.api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .filter(|c| c.method == "restrictChatMember")
                .any(|c| c.params["permissions"]["can_send_messages"] == true)
        })
        .await;
    bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    bot.settle().await;
    assert!(
        verified_at(&bot, 3_001).await.is_some(),
        "passing the gate verifies the member"
    );
    bot.clock.advance(Duration::from_secs(5));
    let texts = bot
        .api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "sendMessage"
                    && c.params["text"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with("Welcome to")
            })
        })
        .await;
    let welcome = texts
        .iter()
        .find(|c| {
            c.params["text"]
                .as_str()
                .unwrap_or("")
                .starts_with("Welcome to")
        })
        .unwrap();
    assert!(welcome.params["text"]
        .as_str()
        .unwrap()
        .contains("tg://user?id=3001"));
    assert!(bot.api.calls("banChatMember").is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn a_wrong_math_answer_kicks_and_deletes_the_question() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    bot.push(group_message(GROUP, owner(), "/captcha math 60"));
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(texts[1].contains("arithmetic"), "{texts:?}");
    let bob = newcomer(3_002, "Bob");
    bot.push(joins(&bob));
    let question = gate_message(&bot, GROUP, 1).await;
    let data = button_data(&question);
    assert_eq!(data.len(), 4, "four options");
    assert!(question.params["text"].as_str().unwrap().contains("= ?"));
    let (_, answer) = gate_answer(&bot, 3_002).await;
    let wrong = data
        .iter()
        .find(|d| !d.ends_with(&format!(":{answer}")))
        .unwrap();
    bot.push(callback(GROUP, bob.clone(), 0, wrong));
    let ban = wait_call_for(&bot, "banChatMember", 3_002).await;
    assert!(
        ban.params["until_date"].as_i64().is_some(),
        "a kick bans for a while"
    );
    let unban = wait_call_for(&bot, "unbanChatMember", 3_002).await;
    assert_eq!(unban.params["only_if_banned"], true);
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    let answered = bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
    assert_eq!(answered[0].params["show_alert"], true);
    bot.stop().await;
}

#[tokio::test]
async fn other_members_presses_are_refused_and_the_timeout_kicks() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    let cat = newcomer(3_003, "Cat");
    bot.push(joins(&cat));
    let question = gate_message(&bot, GROUP, 1).await;
    let data = button_data(&question);
    bot.push(callback(GROUP, newcomer(3_999, "Mallory"), 0, &data[0]));
    let answered = bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
    assert_eq!(answered[0].params["show_alert"], true);
    assert!(answered[0].params["text"]
        .as_str()
        .unwrap()
        .contains("not for you"));
    bot.settle().await;
    assert_eq!(
        restricts_of(&bot, 3_003).len(),
        1,
        "not let in by someone else"
    );
    assert_eq!(restricts_of(&bot, 3_999).len(), 0);

    bot.clock.advance(Duration::from_secs(121));
    wait_call_for(&bot, "banChatMember", 3_003).await;
    wait_call_for(&bot, "unbanChatMember", 3_003).await;
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    // A press after the timeout finds the gate over.
    bot.push(callback(GROUP, cat.clone(), 0, &data[0]));
    let answered = bot.api.wait_for("answerCallbackQuery", 2, WAIT).await;
    assert!(answered[1].params["text"]
        .as_str()
        .unwrap()
        .contains("already over"));
    bot.stop().await;
}

#[tokio::test]
async fn pending_gates_survive_a_restart_and_resolve_on_time() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    let (dan, eve) = (newcomer(3_004, "Dan"), newcomer(3_005, "Eve"));
    bot.push(joins(&dan));
    bot.push(joins(&eve));
    gate_message(&bot, GROUP, 2).await;
    bot.settle().await;
    let (dan_gate, dan_answer) = gate_answer(&bot, 3_004).await;
    let dan_data = format!("wg:{dan_gate}:{dan_answer}");
    let bot = bot.restart().await;
    // A button from before the restart still works.
    bot.push(callback(GROUP, dan.clone(), 0, &dan_data));
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "restrictChatMember"
                    && c.params["user_id"] == 3_004
                    && c.params["permissions"]["can_send_messages"] == true
            })
        })
        .await;
    // Eve's gate keeps its deadline: not yet at 100 s, resolved after 120 s.
    bot.clock.advance(Duration::from_secs(100));
    a_few_ticks().await;
    assert!(bot.api.calls("banChatMember").is_empty());
    let bot = bot.restart().await;
    bot.clock.advance(Duration::from_secs(25));
    wait_call_for(&bot, "banChatMember", 3_005).await;
    assert!(
        bot.api
            .calls("banChatMember")
            .iter()
            .all(|c| c.params["user_id"] == 3_005),
        "Dan passed"
    );
    let _ = eve;
    bot.stop().await;
}

#[tokio::test]
async fn join_requests_are_asked_in_private_then_approved_or_declined() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    // A timeout above five minutes is capped for join requests.
    bot.push(group_message(GROUP, owner(), "/captcha button 600"));
    bot.wait_texts(GROUP, 2).await;
    let (fay, gus) = (newcomer(3_006, "Fay"), newcomer(3_007, "Gus"));
    bot.push(join_request(GROUP, fay.clone(), None));
    let question = gate_message(&bot, 3_006, 1).await;
    assert!(question.params["text"]
        .as_str()
        .unwrap()
        .contains("Test Group"));
    assert!(question.params["text"]
        .as_str()
        .unwrap()
        .contains("300 seconds"));
    bot.push(callback(3_006, fay.clone(), 0, &button_data(&question)[0]));
    wait_call_for(&bot, "approveChatJoinRequest", 3_006).await;
    // Telegram then reports the approved join (by the bot): no second gate, one welcome.
    bot.push(chat_member(
        GROUP,
        crate::support::fake_api::bot_user(),
        fay.clone(),
        "left",
        "member",
        None,
    ));
    bot.settle().await;
    assert!(
        restricts_of(&bot, 3_006).is_empty(),
        "passed in private already"
    );

    bot.push(join_request(GROUP, gus.clone(), None));
    gate_message(&bot, 3_007, 1).await;
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(301));
    wait_call_for(&bot, "declineChatJoinRequest", 3_007).await;
    assert!(bot
        .api
        .calls("approveChatJoinRequest")
        .iter()
        .all(|c| c.params["user_id"] == 3_006));
    bot.stop().await;
}

#[tokio::test]
async fn thirty_joins_in_ten_seconds_switch_raid_mode_without_flooding() {
    let bot = TestBot::start_with(&[("GROUPOPS_LIMITS__PER_GROUP", "20/1m")]).await;
    setup(&bot).await;
    for i in 0..30 {
        bot.push(joins(&newcomer(4_000 + i, &format!("Raider{i}"))));
    }
    bot.settle().await;
    bot.api.wait_for("restrictChatMember", 30, WAIT).await;
    let raid_until: i64 =
        sqlx::query_scalar("SELECT raid_until FROM welcome_settings WHERE chat_id = ?")
            .bind(GROUP)
            .fetch_one(&bot.ctx.storage.read)
            .await
            .unwrap();
    assert!(raid_until > bot.ctx.now(), "raid mode is on");
    let gates: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM welcome_gates")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(
        gates, 14,
        "only joins before the raid was noticed are asked"
    );
    // A gated member who passes during the raid is let in but not welcomed.
    let (id, answer) = gate_answer(&bot, 4_000).await;
    bot.push(callback(
        GROUP,
        newcomer(4_000, "Raider0"),
        0,
        &format!("wg:{id}:{answer}"),
    ));
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "restrictChatMember"
                    && c.params["permissions"]["can_send_messages"] == true
            })
        })
        .await;
    bot.clock.advance(Duration::from_secs(10));
    bot.wait_texts(GROUP, 3).await;
    a_few_ticks().await;
    let sent = bot.texts_to(GROUP);
    assert!(
        sent.len() <= 20,
        "within the group's 20 per minute: {}",
        sent.len()
    );
    assert_eq!(
        sent.iter()
            .filter(|t| t.contains("raid mode is on"))
            .count(),
        1,
        "one notice: {sent:?}"
    );
    assert!(
        !sent.iter().any(|t| t.starts_with("Welcome to")),
        "no welcomes during a raid"
    );
    // Every send in the test happened within a minute, so the whole list must fit the limit.
    let calls = bot.api.calls("sendMessage");
    let first = calls.first().unwrap().at;
    assert!(calls
        .iter()
        .all(|c| c.at.duration_since(first) < Duration::from_secs(60)));
    bot.push(group_message(GROUP, owner(), "/antiraid off"));
    bot.settle().await;
    let raid_until: i64 =
        sqlx::query_scalar("SELECT raid_until FROM welcome_settings WHERE chat_id = ?")
            .bind(GROUP)
            .fetch_one(&bot.ctx.storage.read)
            .await
            .unwrap();
    assert_eq!(raid_until, 0);
    // Once the raid is over, one message lets the members held during it in, each with their own press.
    let calls = bot
        .api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .any(|c| c.method == "sendMessage" && button_data(c) == ["wh"])
        })
        .await;
    let release = calls
        .iter()
        .find(|c| c.method == "sendMessage" && button_data(c) == ["wh"])
        .unwrap();
    assert!(release.params["text"]
        .as_str()
        .unwrap()
        .contains("16 members"));
    bot.push(callback(GROUP, owner(), 0, "wh"));
    let answered = bot.api.wait_for("answerCallbackQuery", 2, WAIT).await;
    assert_eq!(answered[1].params["show_alert"], true, "not held: refused");
    bot.push(callback(GROUP, newcomer(4_020, "Raider20"), 0, "wh"));
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "restrictChatMember"
                    && c.params["user_id"] == 4_020
                    && c.params["permissions"]["can_send_messages"] == true
            })
        })
        .await;
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(5));
    let calls = bot
        .api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "sendMessage"
                    && c.params["text"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with("Welcome to")
            })
        })
        .await;
    let sends = calls
        .iter()
        .filter(|c| c.method == "sendMessage" && is_to(c, GROUP))
        .count();
    assert!(sends <= 20, "still within the group's limit: {sends}");
    bot.stop().await;
}

#[tokio::test]
async fn placeholders_render_and_clean_mode_deletes_the_previous_welcome() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    bot.push(group_message(GROUP, owner(), "/captcha off"));
    bot.push(group_message(GROUP, owner(), "/setwelcome Hi {nmae}"));
    let texts = bot.wait_texts(GROUP, 3).await;
    assert!(
        texts[2].contains("{nmae}"),
        "names the bad placeholder: {texts:?}"
    );
    bot.push(group_message(
        GROUP,
        owner(),
        "/setwelcome Hi {mention} ({first}, {username}, {id}) <3 {group}: we are {count}\n[Site](https://example.org/about)",
    ));
    let texts = bot.wait_texts(GROUP, 4).await;
    assert!(texts[3].contains("saved"), "{texts:?}");

    bot.push(joins(&newcomer(3_010, "Ann")));
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(5));
    bot.wait_texts(GROUP, 5).await;
    let welcome = bot.api.calls("sendMessage").pop().unwrap();
    assert_eq!(
        welcome.params["text"],
        "Hi <a href=\"tg://user?id=3010\">Ann</a> (Ann, @ann, 3010) &lt;3 Test Group: we are 10"
    );
    assert_eq!(
        welcome.params["reply_markup"]["inline_keyboard"][0][0]["url"],
        "https://example.org/about"
    );
    assert!(
        bot.api.calls("restrictChatMember").is_empty(),
        "the gate is off"
    );
    bot.settle().await;
    let first_id = stored_welcome_id(&bot).await;

    bot.push(joins(&newcomer(3_011, "Ben")));
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(5));
    bot.wait_texts(GROUP, 6).await;
    let deleted = bot.api.wait_for("deleteMessage", 1, WAIT).await;
    assert_eq!(deleted[0].params["message_id"].as_i64(), Some(first_id));
    bot.stop().await;
}

#[tokio::test]
async fn joins_within_the_window_share_one_welcome() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    bot.push(group_message(GROUP, owner(), "/captcha off"));
    bot.wait_texts(GROUP, 2).await;
    for i in 0..8 {
        bot.push(joins(&newcomer(5_000 + i, &format!("N{i}"))));
    }
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(5));
    let texts = bot.wait_texts(GROUP, 3).await;
    a_few_ticks().await;
    assert_eq!(bot.texts_to(GROUP).len(), 3, "one welcome for eight joins");
    assert!(texts[2].contains("and 8 new members in all"), "{texts:?}");
    bot.stop().await;
}

#[tokio::test]
async fn non_admins_cannot_change_settings_and_rules_open_in_private() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    let member_user = newcomer(3_020, "Max");
    bot.push(group_message(
        GROUP,
        member_user.clone(),
        "/setwelcome hacked",
    ));
    bot.push(group_message(GROUP, member_user.clone(), "/captcha off"));
    let texts = bot.wait_texts(GROUP, 3).await;
    assert!(texts[1].contains("Only group admins"), "{texts:?}");
    assert!(texts[2].contains("Only group admins"), "{texts:?}");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM welcome_settings")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(rows, 0, "nothing changed");

    bot.push(group_message(GROUP, member_user.clone(), "/rules"));
    let texts = bot.wait_texts(GROUP, 4).await;
    assert!(texts[3].contains("no rules"), "{texts:?}");
    bot.push(group_message(GROUP, owner(), "/setrules Be kind. <No ads>"));
    bot.push(group_message(GROUP, member_user.clone(), "/rules"));
    let texts = bot.wait_texts(GROUP, 6).await;
    assert!(
        texts[5].contains("Be kind. &lt;No ads&gt;"),
        "escaped HTML: {texts:?}"
    );
    bot.push(private_message(
        member_user.clone(),
        &format!("/start rules_{GROUP}"),
    ));
    let texts = bot.wait_texts(3_020, 1).await;
    assert!(texts[0].contains("Be kind."), "{texts:?}");
    // Plain /start still reaches the bot's introduction.
    bot.push(private_message(member_user, "/start"));
    let texts = bot.wait_texts(3_020, 2).await;
    assert!(
        texts[1].contains("groupops") || texts[1].contains("group"),
        "{texts:?}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_basic_group_is_told_to_upgrade_and_bots_added_by_members_are_removed() {
    let bot = TestBot::start().await;
    let basic = -4_242;
    bot.api
        .set_admins(basic, vec![member(owner(), "creator"), bot_admin_member()]);
    let ann = newcomer(3_030, "Ann");
    let mut join = chat_member(basic, ann.clone(), ann.clone(), "left", "member", None);
    join["chat_member"]["chat"] = basic_group(basic);
    bot.push(join);
    let texts = bot.wait_texts(basic, 1).await;
    assert!(texts[0].contains("超级群"), "{texts:?}");
    bot.settle().await;
    assert!(bot.api.calls("restrictChatMember").is_empty());

    setup(&bot).await;
    let spam_bot = serde_json::json!({"id": 6_666, "is_bot": true, "first_name": "Spam", "username": "spam_bot"});
    bot.push(new_members(GROUP, newcomer(3_031, "Joe"), vec![spam_bot]));
    wait_call_for(&bot, "banChatMember", 6_666).await;
    bot.stop().await;
}

#[tokio::test]
async fn a_kicked_member_who_comes_back_is_asked_again() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    // A short check, so the comeback falls well inside the window in which a second copy of one join
    // is ignored.
    bot.push(group_message(GROUP, owner(), "/captcha button 15"));
    bot.wait_texts(GROUP, 2).await;
    let ivy = newcomer(3_040, "Ivy");
    bot.push(joins(&ivy));
    gate_message(&bot, GROUP, 1).await;
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(16));
    wait_call_for(&bot, "unbanChatMember", 3_040).await;
    // Telegram reports the kick, then Ivy joins again a few seconds later.
    bot.push(chat_member(
        GROUP,
        crate::support::fake_api::bot_user(),
        ivy.clone(),
        "restricted",
        "kicked",
        None,
    ));
    bot.push(joins(&ivy));
    gate_message(&bot, GROUP, 2).await;
    assert_eq!(restricts_of(&bot, 3_040).len(), 2, "restricted again");
    bot.stop().await;
}

#[tokio::test]
async fn the_owners_quiz_is_asked_and_goodbyes_are_said_when_on() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    bot.push(group_message(GROUP, owner(), "/captcha quiz"));
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(texts[1].contains("no quiz yet"), "{texts:?}");
    bot.push(group_message(
        GROUP,
        owner(),
        "/setquiz What do we write here? | Rust",
    ));
    let texts = bot.wait_texts(GROUP, 3).await;
    assert!(texts[2].contains("at least one wrong answer"), "{texts:?}");
    bot.push(group_message(
        GROUP,
        owner(),
        "/setquiz What do we write here? | Rust | Stock tips | Casino links",
    ));
    bot.push(group_message(GROUP, owner(), "/captcha quiz 90"));
    bot.push(group_message(GROUP, owner(), "/goodbye on"));
    let texts = bot.wait_texts(GROUP, 6).await;
    assert!(
        texts[4].contains("owner's quiz") && texts[4].contains("90"),
        "{texts:?}"
    );
    let kim = newcomer(3_050, "Kim");
    bot.push(joins(&kim));
    let question = gate_message(&bot, GROUP, 1).await;
    assert!(question.params["text"]
        .as_str()
        .unwrap()
        .contains("What do we write here?"));
    let labels: Vec<String> = question.params["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().clone())
        .map(|b| b["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(labels.len(), 3);
    let right = button_data(&question)[labels.iter().position(|l| l == "Rust").unwrap()].clone();
    bot.push(callback(GROUP, kim.clone(), 0, &right));
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "restrictChatMember"
                    && c.params["permissions"]["can_send_messages"] == true
            })
        })
        .await;
    bot.settle().await;
    bot.push(chat_member(
        GROUP,
        kim.clone(),
        kim.clone(),
        "member",
        "left",
        None,
    ));
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "sendMessage"
                    && c.params["text"]
                        .as_str()
                        .unwrap_or("")
                        .contains("Kim left the group")
            })
        })
        .await;
    bot.stop().await;
}

#[tokio::test]
async fn an_undeliverable_join_request_check_is_declined_by_default() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    bot.api.fail_next(
        "sendMessage",
        1,
        crate::support::fake_api::Failure::Forbidden(
            "Forbidden: bot can't initiate conversation".into(),
        ),
    );
    bot.push(join_request(GROUP, newcomer(3_060, "Lee"), None));
    wait_call_for(&bot, "declineChatJoinRequest", 3_060).await;
    let gates: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM welcome_gates")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(gates, 0);
    bot.stop().await;
}

#[tokio::test]
async fn settings_commands_answer_and_bad_input_changes_nothing() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    let says = |text: &'static str| group_message(GROUP, owner(), text);
    bot.push(says("/captcha button 5"));
    bot.push(says("/captcha riddle"));
    bot.push(says("/setwelcome   "));
    bot.push(says("/antiraid auto 1 60"));
    let texts = bot.wait_texts(GROUP, 5).await;
    assert!(texts[1].contains("15–600"), "{texts:?}");
    assert!(texts[2].starts_with("Usage: /captcha"), "{texts:?}");
    assert!(texts[3].contains("empty"), "{texts:?}");
    assert!(texts[4].contains("2–1000"), "{texts:?}");
    bot.settle().await;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM welcome_settings")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(rows, 0, "nothing changed");

    bot.push(says("/captcha off"));
    bot.push(says("/welcome off"));
    bot.push(says("/antiraid auto 3 60"));
    bot.push(says("/welcome"));
    let texts = bot.wait_texts(GROUP, 9).await;
    assert!(
        texts[7].contains("3 people join within 60 seconds"),
        "{texts:?}"
    );
    assert!(
        texts[8].starts_with("Welcome: off") && texts[8].contains("check: off"),
        "the preview shows the settings: {texts:?}"
    );
    // Welcomes are off: a join is neither gated nor greeted.
    bot.push(joins(&newcomer(3_070, "Pat")));
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(5));
    a_few_ticks().await;
    assert_eq!(bot.texts_to(GROUP).len(), 9);
    assert!(bot.api.calls("restrictChatMember").is_empty());
    // The group's own raid rule applies: the third join within a minute switches raid mode on.
    bot.push(joins(&newcomer(3_071, "Quinn")));
    bot.push(joins(&newcomer(3_072, "Rae")));
    let texts = bot.wait_texts(GROUP, 10).await;
    assert!(texts[9].contains("raid mode is on"), "{texts:?}");
    bot.api.wait_for("restrictChatMember", 1, WAIT).await;
    bot.stop().await;
}

#[tokio::test]
async fn an_admin_letting_a_member_in_ends_their_check() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    let sam = newcomer(3_080, "Sam");
    bot.push(joins(&sam));
    gate_message(&bot, GROUP, 1).await;
    bot.settle().await;
    // The question's id is stored once its send is confirmed.
    let deadline = tokio::time::Instant::now() + WAIT;
    while sqlx::query_scalar::<_, Option<i64>>("SELECT message_id FROM welcome_gates")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap()
        .is_none()
    {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bot.push(chat_member(
        GROUP,
        owner(),
        sam.clone(),
        "restricted",
        "member",
        None,
    ));
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(130));
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "sendMessage"
                    && c.params["text"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with("Welcome to")
            })
        })
        .await;
    assert!(bot.api.calls("banChatMember").is_empty(), "no timeout kick");
    bot.stop().await;
}

#[tokio::test]
async fn join_notices_can_be_deleted_and_big_groups_read_rules_in_private() {
    let bot = TestBot::start_with(&[
        ("GROUPOPS_WELCOME__DELETE_SERVICE_MESSAGES", "true"),
        ("GROUPOPS_WELCOME__RULES_PRIVATE_FROM", "5"),
    ])
    .await;
    setup(&bot).await;
    let notice = new_members(GROUP, owner(), vec![newcomer(3_090, "Uma")]);
    let notice_id = notice["message"]["message_id"].as_i64().unwrap();
    bot.push(notice);
    let deleted = bot.api.wait_for("deleteMessage", 1, WAIT).await;
    assert_eq!(deleted[0].params["message_id"].as_i64(), Some(notice_id));
    bot.settle().await;
    assert!(
        restricts_of(&bot, 3_090).is_empty(),
        "added by the owner: no check"
    );

    bot.push(group_message(GROUP, owner(), "/setrules No ads."));
    bot.push(group_message(GROUP, newcomer(3_090, "Uma"), "/rules"));
    bot.wait_texts(GROUP, 3).await;
    let answer = bot.api.calls("sendMessage").pop().unwrap();
    assert!(answer.params["text"]
        .as_str()
        .unwrap()
        .contains("private chat"));
    assert_eq!(
        answer.params["reply_markup"]["inline_keyboard"][0][0]["url"],
        format!("https://t.me/groupops_bot?start=rules_{GROUP}")
    );
    bot.stop().await;
}
