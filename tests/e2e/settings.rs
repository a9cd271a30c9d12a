//! `/settings`: the menu in private (open from the group, navigate, toggle, choose, answer a question
//! good and bad, across a restart), the refusals (a member, an admin without the right), every setting
//! read and written back through the model, and a settings file exported from one group and imported
//! into another with a diff and a confirm press. Each in Chinese and English.

use crate::support::fake_api::{bot_admin_member, Call};
use crate::support::harness::{TestBot, WAIT};
use crate::support::members::{admin_with, owner};
use crate::support::updates::*;
use groupops::features::settings::apply::{self, Source};
use groupops::features::{setting, setting_specs};
use groupops::settings_model::{Kind, Value};
use serde_json::{json, Value as Json};

const OWNER: i64 = 9_101;
const HELPER: i64 = 9_202;
const MEMBER: i64 = 9_303;

/// The menu message the presses in these tests come from.
const MENU: i64 = 500;

/// What the bot says in one language.
struct Wording {
    /// The group's language, set with `/lang` (the owner's app speaks English, so a new group would too).
    lang: &'static str,
    admins_only: &'static str,
    not_admin: &'static str,
    welcome_section: &'static str,
    goodbye: &'static str,
    gate_section: &'static str,
    captcha: &'static str,
    button: &'static str,
    math: &'static str,
    quiz: &'static str,
    no_quiz: &'static str,
    timeout: &'static str,
    change: &'static str,
    too_long_a_wait: &'static str,
    try_again: &'static str,
    saved: &'static str,
    needs_right: &'static str,
    back: &'static str,
    diff_header: &'static str,
    applied: &'static str,
    problems: &'static str,
    nothing_changed: &'static str,
}

const ZH: Wording = Wording {
    lang: "zh",
    admins_only: "只有本群管理员可以修改设置。",
    not_admin: "你（已经）不是那个群的管理员，不能修改它的设置。",
    welcome_section: "欢迎和群规",
    goodbye: "成员离开时道别",
    gate_section: "入群验证和防炸群",
    captcha: "入群验证：",
    button: "按钮",
    math: "算术",
    quiz: "问答",
    no_quiz: "还没有设置问答题，请先用 /setquiz 设置。",
    timeout: "验证限时：",
    change: "✏️ 修改",
    too_long_a_wait: "时长必须在 15 秒 到 10 分钟 之间。",
    try_again: "没有做任何修改。请换一个值再回复。",
    saved: "已保存。",
    needs_right: "修改这项需要“修改群资料”权限。",
    back: "« 返回",
    diff_header: "会修改 2 项设置：",
    applied: "已导入：修改了 2 项设置。",
    problems: "有 2 个问题。",
    nothing_changed: "没有做任何修改。",
};

const EN: Wording = Wording {
    lang: "en",
    admins_only: "Only the group's admins can change its settings.",
    not_admin: "You are not an admin of that group (anymore), so you cannot change its settings.",
    welcome_section: "Welcome and rules",
    goodbye: "Say goodbye to leavers",
    gate_section: "Entry check and raids",
    captcha: "Entry check: ",
    button: "button",
    math: "sum",
    quiz: "quiz",
    no_quiz: "There is no quiz yet: set one with /setquiz first.",
    timeout: "Time to pass the check: ",
    change: "✏️ Change",
    too_long_a_wait: "The length must be from 15 seconds to 10 minutes.",
    try_again: "Nothing was changed. Reply again with another value.",
    saved: "Saved.",
    needs_right: "You need the right to change group info to change this.",
    back: "« Back",
    diff_header: "changes 2 settings:",
    applied: "Imported: 2 settings changed.",
    problems: "2 problems.",
    nothing_changed: "Nothing was changed.",
};

fn chat(chat_id: i64, title: &str) -> Json {
    json!({"id": chat_id, "type": "supergroup", "title": title})
}

fn in_group(chat_id: i64, title: &str, from: Json, text: &str) -> Json {
    json!({"message": text_message(chat(chat_id, title), from, text)})
}

/// Adds the bot to a group as its owner would, and sets the group's language.
async fn add_group(bot: &TestBot, chat_id: i64, title: &str, wording: &Wording) {
    bot.api.set_admins(
        chat_id,
        vec![
            member(owner(OWNER), "creator"),
            admin_with(user(HELPER, "Hana"), &["can_restrict_members"]),
            bot_admin_member(),
        ],
    );
    bot.push(my_chat_member(
        chat(chat_id, title),
        owner(OWNER),
        "left",
        "administrator",
    ));
    bot.settle().await;
    bot.push(in_group(
        chat_id,
        title,
        owner(OWNER),
        &format!("/lang {}", wording.lang),
    ));
    bot.settle().await;
}

/// A message's buttons as (label, callback data or URL).
fn buttons(params: &Json) -> Vec<(String, String)> {
    let markup = match &params["reply_markup"] {
        Json::String(raw) => serde_json::from_str(raw).unwrap_or(Json::Null),
        other => other.clone(),
    };
    markup["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_array)
        .flatten()
        .map(|b| {
            let target = b["callback_data"].as_str().or(b["url"].as_str());
            (
                b["text"].as_str().unwrap_or_default().to_string(),
                target.unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The data of the first button whose label holds `label`.
fn data_of(params: &Json, label: &str) -> String {
    buttons(params)
        .into_iter()
        .find(|(text, _)| text.contains(label))
        .unwrap_or_else(|| panic!("no button {label:?} in {:?}", buttons(params)))
        .1
}

/// The menu screens (texts with buttons, sent or edited) shown in a chat.
fn screens(calls: &[Call], chat_id: i64) -> Vec<Json> {
    calls
        .iter()
        .filter(|c| !c.failed && matches!(c.method.as_str(), "sendMessage" | "editMessageText"))
        .filter(|c| c.params["chat_id"].as_i64() == Some(chat_id))
        .filter(|c| !buttons(&c.params).is_empty())
        .map(|c| c.params.clone())
        .collect()
}

/// Waits for the next screen in a chat after the `seen` ones.
async fn next_screen(bot: &TestBot, chat_id: i64, seen: &mut usize) -> Json {
    let before = *seen;
    let calls = bot
        .api
        .wait_until(WAIT, |calls| screens(calls, chat_id).len() > before)
        .await;
    let all = screens(&calls, chat_id);
    *seen = all.len();
    all.last().cloned().expect("a screen")
}

/// Presses a menu button in `user`'s private chat; returns the press's answer (text, alert).
async fn press(bot: &TestBot, user: Json, data: &str) -> (String, bool) {
    let id = user["id"].as_i64().unwrap();
    let before = bot.api.calls("answerCallbackQuery").len();
    bot.push(callback(id, user, MENU, data));
    let answers = bot
        .api
        .wait_for("answerCallbackQuery", before + 1, WAIT)
        .await;
    let answer = &answers[before].params;
    (
        answer["text"].as_str().unwrap_or_default().to_string(),
        answer["show_alert"].as_bool().unwrap_or(false),
    )
}

/// Waits until a private chat was sent a text holding `part`; returns it.
async fn wait_text(bot: &TestBot, chat_id: i64, part: &str) -> String {
    let calls = bot
        .api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "sendMessage"
                    && c.params["chat_id"].as_i64() == Some(chat_id)
                    && c.params["text"].as_str().is_some_and(|t| t.contains(part))
            })
        })
        .await;
    calls
        .iter()
        .rev()
        .find_map(|c| {
            let text = c.params["text"].as_str()?;
            (c.method == "sendMessage"
                && c.params["chat_id"].as_i64() == Some(chat_id)
                && text.contains(part))
            .then(|| text.to_string())
        })
        .unwrap()
}

async fn value(bot: &TestBot, chat_id: i64, key: &str) -> Value {
    apply::value_of(&bot.ctx, chat_id, key)
        .await
        .unwrap()
        .expect("a setting of the model")
        .1
}

async fn the_menu_opens_navigates_toggles_chooses_and_asks(wording: Wording) {
    const GROUP: i64 = -100_8801;
    let bot = TestBot::start().await;
    add_group(&bot, GROUP, "Menu Group", &wording).await;
    let owner_user = owner(OWNER);

    // In the group: the owner gets the button into the private menu, a member a refusal.
    bot.push(in_group(
        GROUP,
        "Menu Group",
        owner_user.clone(),
        "/settings",
    ));
    let calls = bot
        .api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.params["chat_id"].as_i64() == Some(GROUP)
                    && buttons(&c.params)
                        .iter()
                        .any(|(_, url)| url.contains("start=settings_"))
            })
        })
        .await;
    let offer = calls
        .iter()
        .find(|c| c.params["chat_id"].as_i64() == Some(GROUP) && !buttons(&c.params).is_empty())
        .unwrap();
    let (_, link) = &buttons(&offer.params)[0];
    assert!(
        link.ends_with(&format!("?start=settings_{GROUP}")),
        "{link}"
    );
    bot.push(in_group(
        GROUP,
        "Menu Group",
        user(MEMBER, "Max"),
        "/settings",
    ));
    wait_text(&bot, GROUP, wording.admins_only).await;

    // In private, `/settings` lists the admin's groups, and a group opens its sections.
    let mut seen = 0;
    bot.push(private_message(owner_user.clone(), "/settings"));
    let groups = next_screen(&bot, OWNER, &mut seen).await;
    assert_eq!(data_of(&groups, "Menu Group"), format!("st:g:{GROUP}"));
    // The deep link from the group opens the same sections directly.
    bot.push(private_message(
        owner_user.clone(),
        &format!("/start settings_{GROUP}"),
    ));
    let sections = next_screen(&bot, OWNER, &mut seen).await;
    assert!(sections["text"].as_str().unwrap().contains("Menu Group"));
    assert!(buttons(&sections)
        .iter()
        .any(|(label, _)| label == wording.back));

    // A switch flips from the section's list, and the list shows it flipped.
    press(
        &bot,
        owner_user.clone(),
        &data_of(&sections, wording.welcome_section),
    )
    .await;
    let welcome = next_screen(&bot, OWNER, &mut seen).await;
    assert_eq!(welcome["message_id"].as_i64(), Some(MENU));
    let goodbye_off = format!("❌ {}", wording.goodbye);
    let (answer, _) = press(&bot, owner_user.clone(), &data_of(&welcome, &goodbye_off)).await;
    assert_eq!(answer, wording.saved);
    assert_eq!(
        value(&bot, GROUP, "welcome.goodbye_on").await,
        Value::Bool(true)
    );
    let welcome = next_screen(&bot, OWNER, &mut seen).await;
    data_of(&welcome, &format!("✅ {}", wording.goodbye));

    // Back, into the gate section, and a choice.
    press(&bot, owner_user.clone(), &data_of(&welcome, wording.back)).await;
    let sections = next_screen(&bot, OWNER, &mut seen).await;
    press(
        &bot,
        owner_user.clone(),
        &data_of(&sections, wording.gate_section),
    )
    .await;
    let gate = next_screen(&bot, OWNER, &mut seen).await;
    let captcha = format!("{}{}", wording.captcha, wording.button);
    press(&bot, owner_user.clone(), &data_of(&gate, &captcha)).await;
    let choices = next_screen(&bot, OWNER, &mut seen).await;
    assert!(buttons(&choices)
        .iter()
        .any(|(label, _)| label == wording.back));
    let (answer, _) = press(&bot, owner_user.clone(), &data_of(&choices, wording.math)).await;
    assert_eq!(answer, wording.saved);
    assert_eq!(
        value(&bot, GROUP, "welcome.captcha").await,
        Value::Text("math".into())
    );
    let chosen = next_screen(&bot, OWNER, &mut seen).await;
    data_of(&chosen, &format!("• {}", wording.math));
    // The quiz check needs a quiz: refused, and nothing changes.
    let (answer, alert) = press(&bot, owner_user.clone(), &data_of(&chosen, wording.quiz)).await;
    assert_eq!((answer.as_str(), alert), (wording.no_quiz, true));
    assert_eq!(
        value(&bot, GROUP, "welcome.captcha").await,
        Value::Text("math".into())
    );

    // A free-text setting is asked as a reply; the question survives a restart.
    press(&bot, owner_user.clone(), &data_of(&chosen, wording.back)).await;
    let gate = next_screen(&bot, OWNER, &mut seen).await;
    press(&bot, owner_user.clone(), &data_of(&gate, wording.timeout)).await;
    let timeout = next_screen(&bot, OWNER, &mut seen).await;
    press(&bot, owner_user.clone(), &data_of(&timeout, wording.change)).await;
    let asked = bot
        .api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .any(|c| c.params["reply_markup"]["force_reply"] == json!(true))
        })
        .await;
    assert!(asked
        .iter()
        .any(|c| c.params["chat_id"].as_i64() == Some(OWNER)
            && c.params["reply_markup"]["force_reply"] == json!(true)));
    let bot = bot.restart().await;
    bot.push(private_message(owner_user.clone(), "5h"));
    let refused = wait_text(&bot, OWNER, wording.try_again).await;
    assert!(refused.contains(wording.too_long_a_wait), "{refused}");
    assert_eq!(
        value(&bot, GROUP, "welcome.captcha_timeout").await,
        Value::Int(120)
    );
    bot.push(private_message(owner_user.clone(), "90s"));
    wait_text(&bot, OWNER, wording.saved).await;
    assert_eq!(
        value(&bot, GROUP, "welcome.captcha_timeout").await,
        Value::Int(90)
    );
    let back_on_menu = next_screen(&bot, OWNER, &mut seen).await;
    assert_eq!(back_on_menu["message_id"].as_i64(), Some(MENU));

    // An admin without the right sees the settings, and a press says which right is missing.
    let helper = user(HELPER, "Hana");
    let mut helper_seen = 0;
    bot.push(private_message(
        helper.clone(),
        &format!("/start settings_{GROUP}"),
    ));
    let sections = next_screen(&bot, HELPER, &mut helper_seen).await;
    press(
        &bot,
        helper.clone(),
        &data_of(&sections, wording.welcome_section),
    )
    .await;
    let welcome = next_screen(&bot, HELPER, &mut helper_seen).await;
    let (answer, alert) = press(&bot, helper.clone(), &data_of(&welcome, wording.goodbye)).await;
    assert_eq!(answer, wording.needs_right);
    assert!(alert);
    assert_eq!(
        value(&bot, GROUP, "welcome.goodbye_on").await,
        Value::Bool(true)
    );

    // A member is refused in private too.
    bot.push(private_message(
        user(MEMBER, "Max"),
        &format!("/start settings_{GROUP}"),
    ));
    wait_text(&bot, MEMBER, wording.not_admin).await;
    let logged = {
        let mut conn = bot.ctx.storage.read.acquire().await.unwrap();
        groupops::storage::settings_log::changes(&mut conn, GROUP)
            .await
            .unwrap()
    };
    // `/lang zh` in the set-up is logged as a command's change; the rest came from the menu.
    let from_menu: Vec<&str> = logged
        .iter()
        .filter(|c| c.source == "menu")
        .map(|c| c.key.as_str())
        .collect();
    assert_eq!(
        from_menu,
        [
            "welcome.goodbye_on",
            "welcome.captcha",
            "welcome.captcha_timeout"
        ]
    );
    assert!(logged.iter().all(|c| c.changed_by == OWNER));
    bot.stop().await;
}

#[tokio::test]
async fn the_menu_works_in_chinese() {
    the_menu_opens_navigates_toggles_chooses_and_asks(ZH).await;
}

#[tokio::test]
async fn the_menu_works_in_english() {
    the_menu_opens_navigates_toggles_chooses_and_asks(EN).await;
}

/// A value of the setting other than `current` that the setting accepts.
fn another(kind: Kind, current: &Value) -> Value {
    match (kind, current) {
        (Kind::Bool, Value::Bool(on)) => Value::Bool(!on),
        (Kind::Number { min, max } | Kind::Duration { min, max }, Value::Int(n)) => {
            Value::Int(if *n == max { min.max(2) } else { max })
        }
        (Kind::Choice(choices), _) => {
            let other = choices
                .iter()
                .find(|c| Value::Text(c.to_string()) != *current)
                .unwrap();
            Value::Text(other.to_string())
        }
        (Kind::Set(choices), _) => Value::List(vec![choices[0].to_string()]),
        (Kind::Text { .. }, _) => Value::Text("Hello {name}".into()),
        (Kind::TimeZone, _) => Value::Text("Europe/Berlin".into()),
        (kind, value) => panic!("{kind:?} holds {value:?}"),
    }
}

#[tokio::test]
async fn every_setting_is_read_and_written_back_through_its_store() {
    const GROUP: i64 = -100_8802;
    let bot = TestBot::start().await;
    add_group(&bot, GROUP, "Model Group", &EN).await;
    let before = apply::current(&bot.ctx, GROUP).await.unwrap();
    assert_eq!(before.len(), setting_specs().len());
    let mut wanted = Vec::new();
    for (spec, old) in &before {
        let new = match spec.key {
            "economy.levels" => Value::Text("0:新人 10:熟人".into()),
            _ => another(spec.kind, old),
        };
        assert_ne!(&new, old, "{}", spec.key);
        let changed = apply::change(&bot.ctx, GROUP, spec, new.clone(), OWNER, Source::Menu)
            .await
            .unwrap();
        assert!(changed, "{} did not change", spec.key);
        wanted.push((spec.key, new));
    }
    let after = apply::current(&bot.ctx, GROUP).await.unwrap();
    for ((spec, value), (key, new)) in after.iter().zip(&wanted) {
        assert_eq!(spec.key, *key);
        assert_eq!(value, new, "{key} reads back differently");
    }
    let logged = {
        let mut conn = bot.ctx.storage.read.acquire().await.unwrap();
        groupops::storage::settings_log::changes(&mut conn, GROUP)
            .await
            .unwrap()
    };
    assert_eq!(logged.len(), wanted.len());
    bot.stop().await;
}

/// A private message carrying a file the fake Bot API offers as `file_id`, with a caption unless it is
/// empty.
fn file_message(from: Json, file_id: &str, caption: &str) -> Json {
    let mut message = json!({"message": {
        "message_id": next_message_id(),
        "date": now(),
        "chat": private_chat(&from),
        "from": from,
        "document": {
            "file_id": file_id,
            "file_unique_id": format!("u-{file_id}"),
            "file_name": "group-settings.toml",
            "file_size": 300,
        },
        "caption": caption,
    }});
    if caption.is_empty() {
        message["message"]
            .as_object_mut()
            .expect("a message")
            .remove("caption");
    }
    message
}

async fn a_group_exported_is_imported_into_another_after_a_diff(wording: Wording) {
    const FROM: i64 = -100_8811;
    const INTO: i64 = -100_8812;
    let bot = TestBot::start().await;
    add_group(&bot, FROM, "Alpha Club", &wording).await;
    add_group(&bot, INTO, "Beta Club", &wording).await;
    for (key, new) in [
        ("welcome.captcha", Value::Text("math".into())),
        ("welcome.goodbye_on", Value::Bool(true)),
    ] {
        let (_, spec) = setting(key).unwrap();
        apply::change(&bot.ctx, FROM, spec, new, OWNER, Source::Menu)
            .await
            .unwrap();
    }

    // Export: the file goes to the owner in private.
    bot.push(in_group(
        FROM,
        "Alpha Club",
        owner(OWNER),
        "/settings export",
    ));
    let sent = bot.api.wait_for("sendDocument", 1, WAIT).await;
    let to = &sent[0].params["chat_id"];
    assert_eq!(
        to.as_i64().or_else(|| to.as_str()?.parse().ok()),
        Some(OWNER)
    );
    let file = sent[0].params["document"]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(file.contains("captcha = \"math\""), "{file}");
    assert!(
        file.contains("[welcome]") && file.contains("default_pack = true"),
        "{file}"
    );
    // The file is still one `groupops check --group-settings` reads.
    groupops::features::moderation::check_cli::read_group_settings(&file).unwrap();

    // Import into the other group: a diff first, nothing changed yet.
    bot.api.put_file("settings-file-1", file.as_bytes());
    bot.push(file_message(
        owner(OWNER),
        "settings-file-1",
        &format!("/settings import {INTO}"),
    ));
    let diff = bot
        .api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.params["chat_id"].as_i64() == Some(OWNER)
                    && c.params["text"]
                        .as_str()
                        .is_some_and(|t| t.contains(wording.diff_header))
            })
        })
        .await
        .into_iter()
        .find(|c| {
            c.params["text"]
                .as_str()
                .is_some_and(|t| t.contains(wording.diff_header))
        })
        .unwrap()
        .params;
    let text = diff["text"].as_str().unwrap();
    let captcha_line = format!("{}{} → {}", wording.captcha, wording.button, wording.math);
    assert!(text.contains(&captcha_line), "{text}");
    assert!(
        text.contains(wording.math) && text.contains(wording.goodbye),
        "{text}"
    );
    assert_eq!(
        value(&bot, INTO, "welcome.captcha").await,
        Value::Text("button".into())
    );

    // The confirm press applies both changes, logged as an import by the owner.
    let confirm = buttons(&diff)[0].1.clone();
    let (answer, _) = press(&bot, owner(OWNER), &confirm).await;
    assert_eq!(answer, wording.saved);
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "editMessageText"
                    && c.params["text"]
                        .as_str()
                        .is_some_and(|t| t.contains(wording.applied))
            })
        })
        .await;
    assert_eq!(
        value(&bot, INTO, "welcome.captcha").await,
        Value::Text("math".into())
    );
    assert_eq!(
        value(&bot, INTO, "welcome.goodbye_on").await,
        Value::Bool(true)
    );
    let logged = {
        let mut conn = bot.ctx.storage.read.acquire().await.unwrap();
        groupops::storage::settings_log::changes(&mut conn, INTO)
            .await
            .unwrap()
    };
    let imported: Vec<&str> = logged
        .iter()
        .filter(|c| c.source == "import" && c.changed_by == OWNER)
        .map(|c| c.key.as_str())
        .collect();
    assert_eq!(imported, ["welcome.goodbye_on", "welcome.captcha"]);
    // A second press finds the import gone.
    let (again, _) = press(&bot, owner(OWNER), &confirm).await;
    assert_ne!(again, wording.saved);

    // A file with an unknown key and a bad value is refused whole (here the command replies to the file).
    bot.api.put_file(
        "settings-file-2",
        b"default_pack = \"sometimes\"\nkeywords = [\"spam\"]\n",
    );
    let sent_file = file_message(owner(OWNER), "settings-file-2", "");
    bot.push(reply_to(
        private_message(owner(OWNER), &format!("/settings import {INTO}")),
        sent_file,
    ));
    let refused = wait_text(&bot, OWNER, wording.problems).await;
    assert!(
        refused.contains("keywords") && refused.contains(wording.nothing_changed),
        "{refused}"
    );
    assert_eq!(value(&bot, INTO, "default_pack").await, Value::Bool(true));
    bot.stop().await;
}

#[tokio::test]
async fn export_and_import_in_chinese() {
    a_group_exported_is_imported_into_another_after_a_diff(ZH).await;
}

#[tokio::test]
async fn export_and_import_in_english() {
    a_group_exported_is_imported_into_another_after_a_diff(EN).await;
}

#[tokio::test]
async fn commands_change_settings_through_the_model_and_the_menu_sees_it() {
    const GROUP: i64 = -100_8803;
    let bot = TestBot::start().await;
    add_group(&bot, GROUP, "Command Group", &EN).await;
    for command in [
        "/setreset 5",
        "/settz UTC+8",
        "/cleanwelcome off",
        "/goodbye on",
    ] {
        bot.push(in_group(GROUP, "Command Group", owner(OWNER), command));
    }
    bot.settle().await;
    assert_eq!(
        value(&bot, GROUP, "economy.reset_hour").await,
        Value::Int(5)
    );
    assert_eq!(
        value(&bot, GROUP, "welcome.clean").await,
        Value::Bool(false)
    );
    assert_eq!(
        value(&bot, GROUP, "welcome.goodbye_on").await,
        Value::Bool(true)
    );
    let logged = {
        let mut conn = bot.ctx.storage.read.acquire().await.unwrap();
        groupops::storage::settings_log::changes(&mut conn, GROUP)
            .await
            .unwrap()
    };
    let keys: Vec<&str> = logged.iter().map(|c| c.key.as_str()).collect();
    // Before these, `/lang en` in the set-up wrote the language the new group already spoke (its
    // adder's), which is no change and not logged.
    assert!(
        keys.ends_with(&[
            "economy.reset_hour",
            "group.timezone",
            "welcome.clean",
            "welcome.goodbye_on"
        ]),
        "{keys:?}"
    );
    assert!(logged
        .iter()
        .all(|c| c.source == "command" && c.changed_by == OWNER));
    bot.stop().await;
}
