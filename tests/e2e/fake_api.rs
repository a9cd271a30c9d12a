//! Self-tests of the fake Bot API and the update builders: teloxide must be able to talk to the
//! fake and parse everything it answers and everything the builders produce.

use std::time::Duration;

use serde_json::{json, Value};
use teloxide::prelude::*;
use teloxide::types::{
    CallbackQueryId, ChatMemberKind, InlineKeyboardButton, InlineKeyboardMarkup, MessageId,
    UpdateKind,
};
use teloxide::{ApiError, RequestError};

use crate::support::fake_api::{Failure, FakeApi, BOT_ID, BOT_USERNAME};
use crate::support::updates::{self, member, user};

const GROUP: i64 = -1001234567890;
const WAIT: Duration = Duration::from_secs(5);

/// Builds a teloxide bot that talks to the fake.
fn bot_for(api: &FakeApi) -> Bot {
    Bot::new("123:abc").set_api_url(api.url().parse().unwrap())
}

/// Posts a raw JSON body to a method and returns the HTTP status and the parsed answer.
async fn post_json(api: &FakeApi, method: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/bot123:abc/{method}", api.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Parses an update the way teloxide parses getUpdates answers (from text, not from a Value).
fn parse(update: &Value) -> Update {
    let mut update = update.clone();
    update["update_id"] = json!(1);
    serde_json::from_str::<Update>(&update.to_string()).unwrap()
}

#[tokio::test]
async fn get_me_parses() {
    let api = FakeApi::start().await;
    let me = bot_for(&api).get_me().await.unwrap();
    assert_eq!(me.id.0 as i64, BOT_ID);
    assert_eq!(me.username(), BOT_USERNAME);
    assert!(api.all_calls().is_empty(), "getMe is not recorded");
}

#[tokio::test]
async fn send_edit_delete_message() {
    let api = FakeApi::start().await;
    let bot = bot_for(&api);
    let markup = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("Press", "press:1")]]);
    let sent = bot
        .send_message(ChatId(GROUP), "你好 world")
        .reply_markup(markup)
        .await
        .unwrap();
    assert_eq!(sent.text(), Some("你好 world"));
    assert_eq!(sent.id, MessageId(1000));
    assert!(sent.reply_markup().is_some());
    assert_eq!(sent.from.as_ref().unwrap().id.0 as i64, BOT_ID);
    let second = bot.send_message(ChatId(GROUP), "again").await.unwrap();
    assert_eq!(second.id, MessageId(1001));
    let private = bot.send_message(ChatId(42), "dm").await.unwrap();
    assert_eq!(private.id, MessageId(1000));
    assert!(private.chat.is_private());

    let edited = bot
        .edit_message_text(ChatId(GROUP), MessageId(1000), "changed")
        .await
        .unwrap();
    assert_eq!(edited.text(), Some("changed"));
    assert_eq!(edited.id, MessageId(1000));
    bot.edit_message_reply_markup(ChatId(GROUP), MessageId(1000))
        .await
        .unwrap();
    bot.edit_message_caption(ChatId(GROUP), MessageId(1000))
        .caption("cap")
        .await
        .unwrap();

    bot.delete_message(ChatId(GROUP), MessageId(1000))
        .await
        .unwrap();

    let sends = api.wait_for("sendmessage", 3, WAIT).await;
    assert_eq!(sends[0].method, "sendMessage");
    assert_eq!(sends[0].params["text"], "你好 world");
    assert_eq!(sends[0].params["chat_id"], GROUP);
    assert_eq!(api.calls("editMessageText")[0].params["text"], "changed");
    assert_eq!(api.calls("deleteMessage")[0].params["message_id"], 1000);
}

#[tokio::test]
async fn member_queries_parse() {
    let api = FakeApi::start().await;
    let bot = bot_for(&api);
    assert!(bot
        .get_chat_administrators(ChatId(GROUP))
        .await
        .unwrap()
        .is_empty());

    api.set_admins(
        GROUP,
        vec![
            member(user(1, "Owner"), "creator"),
            member(user(2, "Admin"), "administrator"),
        ],
    );
    let admins = bot.get_chat_administrators(ChatId(GROUP)).await.unwrap();
    assert_eq!(admins.len(), 2);
    assert!(admins[0].is_owner());
    match &admins[1].kind {
        ChatMemberKind::Administrator(rights) => {
            assert!(rights.can_restrict_members);
            assert!(rights.can_delete_messages);
        }
        other => panic!("expected an administrator, got {other:?}"),
    }

    let plain = bot.get_chat_member(ChatId(GROUP), UserId(7)).await.unwrap();
    assert!(plain.is_member());
    assert_eq!(plain.user.id, UserId(7));
    let me = bot
        .get_chat_member(ChatId(GROUP), UserId(BOT_ID as u64))
        .await
        .unwrap();
    assert!(me.is_administrator(), "the bot defaults to a full admin");
    for status in ["restricted", "kicked", "left", "administrator", "creator"] {
        api.set_chat_member(GROUP, 8, member(user(8, "Eight"), status));
        let got = bot.get_chat_member(ChatId(GROUP), UserId(8)).await.unwrap();
        assert_eq!(got.user.id, UserId(8), "status {status}");
    }
    assert_eq!(bot.get_chat_member_count(ChatId(GROUP)).await.unwrap(), 10);
    api.set_result("getChatMemberCount", json!(250));
    assert_eq!(bot.get_chat_member_count(ChatId(GROUP)).await.unwrap(), 250);
}

#[tokio::test]
async fn chats_links_and_callbacks_parse() {
    let api = FakeApi::start().await;
    let bot = bot_for(&api);
    let chat = bot.get_chat(ChatId(GROUP)).await.unwrap();
    assert!(chat.is_supergroup());
    let private = bot.get_chat(ChatId(42)).await.unwrap();
    assert!(private.is_private());

    let link = bot
        .create_chat_invite_link(ChatId(GROUP))
        .name("campaign")
        .member_limit(5)
        .creates_join_request(false)
        .await
        .unwrap();
    assert_eq!(link.invite_link, "https://t.me/+fake1");
    assert_eq!(link.name.as_deref(), Some("campaign"));
    assert_eq!(link.member_limit, Some(5));
    let second = bot.create_chat_invite_link(ChatId(GROUP)).await.unwrap();
    assert_eq!(second.invite_link, "https://t.me/+fake2");
    let revoked = bot
        .revoke_chat_invite_link(ChatId(GROUP), link.invite_link.clone())
        .await
        .unwrap();
    assert!(revoked.is_revoked);
    assert_eq!(revoked.invite_link, link.invite_link);

    bot.answer_callback_query(CallbackQueryId("cbq-1".into()))
        .text("ok")
        .await
        .unwrap();
    bot.ban_chat_member(ChatId(GROUP), UserId(9)).await.unwrap();
    bot.unban_chat_member(ChatId(GROUP), UserId(9))
        .only_if_banned(true)
        .await
        .unwrap();
    bot.restrict_chat_member(
        ChatId(GROUP),
        UserId(9),
        teloxide::types::ChatPermissions::empty(),
    )
    .await
    .unwrap();
    bot.approve_chat_join_request(ChatId(GROUP), UserId(9))
        .await
        .unwrap();
    bot.delete_messages(ChatId(GROUP), vec![MessageId(1), MessageId(2)])
        .await
        .unwrap();
    bot.set_my_commands(Vec::<teloxide::types::BotCommand>::new())
        .await
        .unwrap();
    bot.delete_webhook().await.unwrap();
    bot.get_webhook_info().await.unwrap();

    let calls = api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| c.method == "approveChatJoinRequest")
        })
        .await;
    assert!(calls.iter().all(|c| !c.failed));
    assert_eq!(
        api.calls("unbanChatMember")[0].params["only_if_banned"],
        true
    );
    assert_eq!(api.calls("answerCallbackQuery")[0].params["text"], "ok");
    assert_eq!(api.calls("setMyCommands").len(), 1);
}

#[tokio::test]
async fn injected_failures_reach_teloxide() {
    let api = FakeApi::start().await;
    let bot = bot_for(&api);
    api.fail_next("sendMessage", 1, Failure::RetryAfter(1));
    match bot.send_message(ChatId(GROUP), "x").await {
        Err(RequestError::RetryAfter(secs)) => assert_eq!(secs.seconds(), 1),
        other => panic!("expected RetryAfter, got {other:?}"),
    }
    // The failure was used up, so the next call succeeds.
    bot.send_message(ChatId(GROUP), "x").await.unwrap();

    api.fail_next(
        "SENDMESSAGE",
        1,
        Failure::Forbidden("Forbidden: bot was blocked by the user".into()),
    );
    match bot.send_message(ChatId(42), "dm").await {
        Err(RequestError::Api(ApiError::BotBlocked)) => {}
        other => panic!("expected BotBlocked, got {other:?}"),
    }

    api.fail_next(
        "deleteMessage",
        1,
        Failure::BadRequest("Bad Request: message to delete not found".into()),
    );
    match bot.delete_message(ChatId(GROUP), MessageId(5)).await {
        Err(RequestError::Api(ApiError::MessageToDeleteNotFound)) => {}
        other => panic!("expected MessageToDeleteNotFound, got {other:?}"),
    }

    let sends = api.calls("sendMessage");
    assert_eq!(sends.len(), 3);
    assert_eq!(
        sends.iter().map(|c| c.failed).collect::<Vec<_>>(),
        [true, false, true]
    );
    assert!(api.calls("deleteMessage")[0].failed);
}

#[tokio::test]
async fn unknown_method_is_ok_false_with_http_200() {
    let api = FakeApi::start().await;
    let (status, body) = post_json(&api, "frobnicate", json!({"a": 1})).await;
    assert_eq!(status, 200);
    assert_eq!(body["ok"], false);
    assert_eq!(body["error_code"], 404);
    let calls = api.calls("FROBNICATE");
    assert_eq!(calls.len(), 1);
    assert!(calls[0].failed);
}

#[tokio::test]
async fn multipart_and_urlencoded_bodies_are_parsed() {
    let api = FakeApi::start().await;
    let form = reqwest::multipart::Form::new()
        .text("chat_id", GROUP.to_string())
        .text("caption", "the report")
        .text("reply_markup", r#"{"inline_keyboard":[]}"#)
        .part(
            "document",
            reqwest::multipart::Part::bytes(vec![7u8; 1234]).file_name("report.csv"),
        );
    let response = reqwest::Client::new()
        .post(format!("{}/bot123:abc/SendDocument", api.url()))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["ok"], true);
    assert_eq!(body["result"]["document"]["file_name"], "report.csv");
    let call = &api.calls("sendDocument")[0];
    assert_eq!(call.params["chat_id"], GROUP.to_string());
    assert_eq!(call.params["caption"], "the report");
    assert_eq!(call.params["reply_markup"], json!({"inline_keyboard": []}));
    assert_eq!(
        call.params["document"],
        json!({"file_name": "report.csv", "size": 1234})
    );

    // teloxide's own upload path must parse the canned answer as well.
    let bot = bot_for(&api);
    let sent = bot
        .send_document(
            ChatId(GROUP),
            teloxide::types::InputFile::memory(b"a,b\n1,2\n".to_vec()).file_name("t.csv"),
        )
        .caption("csv")
        .await
        .unwrap();
    assert_eq!(sent.document().unwrap().file_name.as_deref(), Some("t.csv"));
    // teloxide uploads files as "attach://<id>" references; the fake resolves them in place.
    let upload = &api.calls("sendDocument")[1].params;
    // A text file's content is kept, so a test can read what the bot sent.
    assert_eq!(
        upload["document"],
        json!({"file_name": "t.csv", "size": 8, "text": "a,b\n1,2\n"})
    );
    assert_eq!(upload.as_object().unwrap().len(), 3, "{upload}");
    let photo = bot
        .send_photo(
            ChatId(GROUP),
            teloxide::types::InputFile::memory(vec![1u8; 10]).file_name("p.png"),
        )
        .await
        .unwrap();
    assert!(photo.photo().is_some());

    let response = reqwest::Client::new()
        .post(format!("{}/bot123:abc/sendMessage", api.url()))
        .form(&[("chat_id", "5"), ("text", "hi")])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["result"]["text"], "hi");
    assert_eq!(body["result"]["chat"]["id"], 5);
}

#[tokio::test]
async fn get_updates_serves_and_confirms() {
    let api = FakeApi::start().await;
    let first = api.push_update(updates::group_message(GROUP, user(1, "A"), "one"));
    let second = api.push_update(updates::group_message(GROUP, user(1, "A"), "two"));
    assert_eq!((first, second), (1, 2));
    assert_eq!(api.pending_updates(), 2);

    let (_, body) = post_json(&api, "getUpdates", json!({"offset": 0, "timeout": 0})).await;
    let ids: Vec<i64> = body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["update_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2]);

    let (_, body) = post_json(&api, "getUpdates", json!({"offset": 2, "limit": 1})).await;
    assert_eq!(body["result"][0]["update_id"], 2);
    assert_eq!(api.served_offset(), 2);
    assert_eq!(api.pending_updates(), 1);

    // An empty queue answers after the short long-poll wait, not after the full timeout.
    let (_, body) = post_json(&api, "getUpdates", json!({"offset": 3, "timeout": 30})).await;
    assert_eq!(body["result"], json!([]));
    assert_eq!(api.served_offset(), 3);
    assert_eq!(api.pending_updates(), 0);

    // A waiting poll is woken by a push.
    let pusher = api.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        pusher.push_raw_update(r#"{"update_id": 3, "message": {"broken": true}}"#.into());
    });
    let (_, body) = post_json(&api, "getUpdates", json!({"offset": 3, "timeout": 30})).await;
    assert_eq!(body["result"][0]["update_id"], 3);
    assert_eq!(body["result"][0]["message"]["broken"], true);
    assert!(api.all_calls().is_empty(), "getUpdates is not recorded");

    // teloxide's own getUpdates parses the served array, the malformed one as UpdateKind::Error.
    api.push_update(updates::private_message(user(2, "B"), "/start"));
    let got = bot_for(&api).get_updates().offset(3).await.unwrap();
    assert_eq!(got.len(), 2);
    assert!(matches!(got[0].kind, UpdateKind::Error(_)));
    assert!(matches!(got[1].kind, UpdateKind::Message(_)));
}

#[tokio::test]
#[should_panic(expected = "waiting for 1 call(s) of sendMessage: 0 arrived")]
async fn wait_for_explains_a_timeout() {
    let api = FakeApi::start().await;
    bot_for(&api)
        .delete_message(ChatId(GROUP), MessageId(1))
        .await
        .unwrap();
    api.wait_for("sendMessage", 1, Duration::from_millis(100))
        .await;
}

#[test]
fn builders_parse_as_the_expected_update_kinds() {
    let alice = updates::user_with(11, "Alice", Some("alice"), Some("en"));
    let bob = user(12, "Bob");

    let command = updates::group_message(GROUP, alice.clone(), "/ban@groupops_bot 3d");
    match parse(&command).kind {
        UpdateKind::Message(m) => {
            assert_eq!(m.text(), Some("/ban@groupops_bot 3d"));
            let entities = m.entities().unwrap();
            assert_eq!(entities[0].length, "/ban@groupops_bot".len());
            assert!(m.chat.is_supergroup());
        }
        other => panic!("group_message parsed as {other:?}"),
    }
    // Entity lengths count UTF-16 units: a command with an astral character is longer.
    let emoji = updates::group_message(GROUP, bob.clone(), "/签到😀 x");
    assert_eq!(emoji["message"]["entities"][0]["length"], 5);

    let private = updates::private_message(bob.clone(), "hello");
    match parse(&private).kind {
        UpdateKind::Message(m) => assert!(m.chat.is_private()),
        other => panic!("private_message parsed as {other:?}"),
    }

    let original = updates::group_message(GROUP, bob.clone(), "original");
    let reply = updates::reply_to(
        updates::group_message(GROUP, alice.clone(), "/warn"),
        original.clone(),
    );
    match parse(&reply).kind {
        UpdateKind::Message(m) => {
            let replied = m.reply_to_message().unwrap();
            assert_eq!(replied.text(), Some("original"));
            assert_eq!(replied.id.0 as i64, original["message"]["message_id"]);
        }
        other => panic!("reply_to parsed as {other:?}"),
    }

    match parse(&updates::edited(original.clone())).kind {
        UpdateKind::EditedMessage(m) => assert!(m.edit_date().is_some()),
        other => panic!("edited parsed as {other:?}"),
    }

    let joined = updates::new_members(GROUP, bob.clone(), vec![bob.clone(), alice.clone()]);
    match parse(&joined).kind {
        UpdateKind::Message(m) => assert_eq!(m.new_chat_members().unwrap().len(), 2),
        other => panic!("new_members parsed as {other:?}"),
    }

    match parse(&updates::left_member(GROUP, bob.clone())).kind {
        UpdateKind::Message(m) => assert!(m.left_chat_member().is_some()),
        other => panic!("left_member parsed as {other:?}"),
    }

    let statuses = [
        "member",
        "left",
        "kicked",
        "administrator",
        "creator",
        "restricted",
    ];
    for old in statuses {
        for new in statuses {
            let update = updates::chat_member(
                GROUP,
                alice.clone(),
                bob.clone(),
                old,
                new,
                Some("https://t.me/+fake1"),
            );
            match parse(&update).kind {
                UpdateKind::ChatMember(c) => {
                    assert_eq!(c.new_chat_member.user.id, UserId(12));
                    assert_eq!(c.invite_link.unwrap().invite_link, "https://t.me/+fake1");
                }
                other => panic!("chat_member {old}->{new} parsed as {other:?}"),
            }
        }
    }
    let no_link = updates::chat_member(GROUP, bob.clone(), bob.clone(), "left", "member", None);
    assert!(matches!(parse(&no_link).kind, UpdateKind::ChatMember(_)));

    let added = updates::my_chat_member(
        updates::basic_group(-5),
        alice.clone(),
        "left",
        "administrator",
    );
    match parse(&added).kind {
        UpdateKind::MyChatMember(c) => {
            assert_eq!(c.new_chat_member.user.id.0 as i64, BOT_ID);
            assert!(c.new_chat_member.is_administrator());
            assert!(c.chat.is_group());
        }
        other => panic!("my_chat_member parsed as {other:?}"),
    }

    let first = updates::callback(GROUP, bob.clone(), 1000, "captcha:1:2");
    let second = updates::callback(42, bob.clone(), 1001, "x");
    assert_ne!(
        first["callback_query"]["id"],
        second["callback_query"]["id"]
    );
    match parse(&first).kind {
        UpdateKind::CallbackQuery(q) => {
            assert_eq!(q.data.as_deref(), Some("captcha:1:2"));
            let message = q.regular_message().unwrap();
            assert_eq!(message.id, MessageId(1000));
            assert_eq!(message.chat.id, ChatId(GROUP));
        }
        other => panic!("callback parsed as {other:?}"),
    }
    assert!(matches!(parse(&second).kind, UpdateKind::CallbackQuery(_)));

    for link in [None, Some("https://t.me/+fake3")] {
        match parse(&updates::join_request(GROUP, bob.clone(), link)).kind {
            UpdateKind::ChatJoinRequest(r) => {
                assert_eq!(r.user_chat_id, ChatId(12));
                assert_eq!(r.invite_link.map(|l| l.invite_link).as_deref(), link);
            }
            other => panic!("join_request parsed as {other:?}"),
        }
    }

    match parse(&updates::migrate_to(-5, GROUP, alice.clone())).kind {
        UpdateKind::Message(m) => {
            assert_eq!(m.migrate_to_chat_id(), Some(&ChatId(GROUP)));
            assert!(m.chat.is_group());
        }
        other => panic!("migrate_to parsed as {other:?}"),
    }
    match parse(&updates::migrate_from(GROUP, -5, alice.clone())).kind {
        UpdateKind::Message(m) => assert_eq!(m.migrate_from_chat_id(), Some(&ChatId(-5))),
        other => panic!("migrate_from parsed as {other:?}"),
    }

    match parse(&updates::anonymous_admin_message(GROUP, "/config")).kind {
        UpdateKind::Message(m) => {
            assert_eq!(m.sender_chat.as_ref().unwrap().id, ChatId(GROUP));
            assert_eq!(
                m.from.as_ref().unwrap().id.0 as i64,
                updates::GROUP_ANONYMOUS_BOT_ID
            );
        }
        other => panic!("anonymous_admin_message parsed as {other:?}"),
    }
}

#[tokio::test]
async fn teloxide_dispatcher_polls_the_fake() {
    let api = FakeApi::start().await;
    let handler = Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
        let text = format!("echo: {}", msg.text().unwrap_or_default());
        bot.send_message(msg.chat.id, text).await?;
        Ok::<(), RequestError>(())
    });
    let mut dispatcher = Dispatcher::builder(bot_for(&api), handler).build();
    let shutdown = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    // A malformed update is served too; teloxide must skip it and go on with the next one.
    api.push_raw_update(r#"{"update_id": 1, "message": {"nonsense": 1}}"#.into());
    api.push_update(updates::group_message(GROUP, user(1, "A"), "hello"));
    let sends = api.wait_for("sendMessage", 1, WAIT).await;
    assert_eq!(sends[0].params["text"], "echo: hello");
    api.push_update(updates::private_message(user(2, "B"), "again"));
    let sends = api.wait_for("sendMessage", 2, WAIT).await;
    assert_eq!(sends[1].params["chat_id"], 2);

    shutdown
        .shutdown()
        .expect("the dispatcher is running")
        .await;
    running.await.unwrap();
    assert_eq!(
        api.served_offset(),
        4,
        "the last update was confirmed on shutdown"
    );
    assert_eq!(api.pending_updates(), 0);
}

#[tokio::test]
async fn extra_methods_answer() {
    let api = FakeApi::start().await;
    let bot = bot_for(&api);
    bot.send_chat_action(ChatId(GROUP), teloxide::types::ChatAction::Typing)
        .await
        .unwrap();
    let copied = bot
        .copy_message(ChatId(GROUP), ChatId(GROUP), MessageId(3))
        .await
        .unwrap();
    assert_eq!(copied, MessageId(1000));
    let forwarded = bot
        .forward_message(ChatId(42), ChatId(GROUP), MessageId(3))
        .await
        .unwrap();
    assert_eq!(forwarded.chat.id, ChatId(42));
    assert!(bot.get_my_commands().await.unwrap().is_empty());
    let link = bot
        .edit_chat_invite_link(ChatId(GROUP), "https://t.me/+fake9")
        .name("renamed")
        .await
        .unwrap();
    assert!(!link.is_revoked);
    assert_eq!(link.name.as_deref(), Some("renamed"));
    bot.edit_message_text_inline("inline-1", "inline edit")
        .await
        .unwrap();
    assert_eq!(
        bot.export_chat_invite_link(ChatId(GROUP)).await.unwrap(),
        "https://t.me/+fakeprimary"
    );
}
