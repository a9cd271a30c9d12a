//! Night mode as a group meets it: the group closes at night in its time zone and opens in the morning with
//! exactly the permissions it had, also across a restart during the night; a member muted on their own
//! stays muted; `media` keeps text open, closes media and turns the link lock on for the night only;
//! `/nightmode off` during the night restores at once; bad input is refused and stores nothing.

use crate::support::fake_api::bot_admin_member;
use crate::support::harness::{TestBot, WAIT};
use crate::support::members::owner;
use crate::support::updates::*;
use chrono::TimeZone;
use serde_json::{json, Value};
use std::time::Duration;

const OWNER: i64 = 23_101;
const GROUP: i64 = -100_2311;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    chrono::Utc
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .timestamp()
}

async fn move_to(bot: &TestBot, at: i64) {
    let now_ms = bot.clock.now().timestamp_millis();
    assert!(at * 1_000 > now_ms, "the clock only moves forward");
    bot.clock
        .advance(Duration::from_millis((at * 1_000 - now_ms) as u64));
    bot.ticks(2).await;
}

/// Sends a command and returns the bot's answer in the group.
async fn say(bot: &TestBot, from: Value, text: &str) -> String {
    let before = bot.texts_to(GROUP).len();
    bot.push(group_message(GROUP, from, text));
    let texts = bot.wait_texts(GROUP, before + 1).await;
    bot.settle().await;
    texts[before].clone()
}

/// The group's own default permissions before any night: some sending rights off, inviting on.
fn own_permissions() -> Value {
    json!({
        "can_send_messages": true,
        "can_send_audios": true,
        "can_send_documents": true,
        "can_send_photos": true,
        "can_send_videos": true,
        "can_send_video_notes": false,
        "can_send_voice_notes": false,
        "can_send_polls": false,
        "can_send_other_messages": true,
        "can_add_web_page_previews": true,
        "can_change_info": false,
        "can_invite_users": true,
        "can_pin_messages": false,
        "can_manage_topics": false,
    })
}

/// Waits for the `n`-th setChatPermissions call (from 1) and returns the permissions it set.
async fn permissions_set(bot: &TestBot, n: usize) -> Value {
    let calls = bot.api.wait_for("setChatPermissions", n, WAIT).await;
    assert_eq!(calls.len(), n, "one more permissions change, not several");
    calls[n - 1].params["permissions"].clone()
}

/// A permission as set: the Bot API reads a permission left out as not granted.
fn granted(permissions: &Value, key: &str) -> bool {
    permissions[key].as_bool().unwrap_or(false)
}

fn assert_same_permissions(set: &Value, expected: &Value) {
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(
            granted(set, key),
            value.as_bool().unwrap(),
            "{key} in {set}"
        );
    }
}

/// Waits for a message to the group containing `needle`.
async fn wait_notice(bot: &TestBot, needle: &str) {
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "sendMessage"
                    && c.params["text"].as_str().unwrap_or("").contains(needle)
            })
        })
        .await;
}

async fn locks(bot: &TestBot) -> Vec<String> {
    sqlx::query_scalar("SELECT lock FROM moderation_locks WHERE chat_id = ?")
        .bind(GROUP)
        .fetch_all(&bot.ctx.storage.read)
        .await
        .unwrap()
}

async fn night_rows(bot: &TestBot) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM night_modes WHERE chat_id = ?")
        .bind(GROUP)
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap()
}

#[tokio::test]
async fn night_mode_closes_the_group_and_restores_its_exact_permissions_across_a_restart() {
    let bot = TestBot::start().await;
    bot.api.set_admins(
        GROUP,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    bot.api
        .set_chat(GROUP, json!({"permissions": own_permissions()}));
    bot.push(my_chat_member(
        group(GROUP),
        owner(OWNER),
        "left",
        "administrator",
    ));
    bot.wait_texts(GROUP, 1).await;
    bot.settle().await;

    // Mia is muted on her own before any night.
    let mia = user_with(23_150, "Mia", None, Some("en"));
    let said = group_message(GROUP, mia.clone(), "hello");
    bot.push(said.clone());
    bot.settle().await;
    bot.push(reply_to(
        group_message(GROUP, owner(OWNER), "/mute 3d spam"),
        said,
    ));
    let mutes = bot.api.wait_for("restrictChatMember", 1, WAIT).await;
    assert_eq!(mutes[0].params["user_id"].as_i64(), Some(23_150));
    bot.settle().await;

    // Bad input, and a member, change nothing.
    for (command, expected) in [
        ("/nightmode 25:00-07:00 mute", "is not a time"),
        ("/nightmode 22:00-22:00 mute", "different times"),
        ("/nightmode 22:00-07:00 loud", "is not a night mode"),
        ("/nightmode tonight", "Usage"),
    ] {
        let answer = say(&bot, owner(OWNER), command).await;
        assert!(answer.contains(expected), "{command}: {answer}");
    }
    let answer = say(&bot, mia.clone(), "/nightmode 22:00-07:00 mute").await;
    assert!(answer.contains("Only group admins"), "{answer}");
    assert_eq!(night_rows(&bot).await, 0);

    // Noon in Shanghai: set 22:00–07:00, nobody may send.
    move_to(&bot, utc(2026, 12, 6, 4, 0)).await;
    let set = say(&bot, owner(OWNER), "/nightmode 22:00-07:00 mute").await;
    assert!(set.contains("Night mode is set: 22:00–07:00"), "{set}");
    bot.ticks(2).await;
    assert!(bot.api.calls("setChatPermissions").is_empty(), "it is day");
    let shown = say(&bot, owner(OWNER), "/nightmode").await;
    assert!(shown.contains("It is day now"), "{shown}");

    // 22:00 local: the group closes; inviting stays as it was.
    move_to(&bot, utc(2026, 12, 6, 14, 0)).await;
    let night = permissions_set(&bot, 1).await;
    for key in [
        "can_send_messages",
        "can_send_photos",
        "can_send_other_messages",
    ] {
        assert!(!granted(&night, key), "{key}");
    }
    assert!(granted(&night, "can_invite_users"));
    wait_notice(&bot, "closed until 07:00").await;

    // The bot restarts in the middle of the night; the morning still restores exactly.
    let bot = bot
        .restart_after(|clock| {
            let now = clock.now().timestamp();
            clock.advance(Duration::from_secs((utc(2026, 12, 6, 20, 0) - now) as u64));
        })
        .await;
    bot.ticks(2).await;
    assert_eq!(bot.api.calls("setChatPermissions").len(), 1, "still night");
    move_to(&bot, utc(2026, 12, 6, 23, 0)).await;
    let morning = permissions_set(&bot, 2).await;
    assert_same_permissions(&morning, &own_permissions());
    wait_notice(&bot, "Good morning").await;
    // Mia was never unmuted: the night changed only the group's defaults.
    assert_eq!(bot.api.calls("restrictChatMember").len(), 1);

    // A media night keeps text, closes media and locks links for the night only.
    let set = say(&bot, owner(OWNER), "/nightmode 23:00-06:00 media").await;
    assert!(set.contains("text only"), "{set}");
    move_to(&bot, utc(2026, 12, 7, 15, 0)).await;
    let media_night = permissions_set(&bot, 3).await;
    assert!(granted(&media_night, "can_send_messages"));
    for key in ["can_send_photos", "can_send_videos", "can_send_documents"] {
        assert!(!granted(&media_night, key), "{key}");
    }
    assert_eq!(locks(&bot).await, vec!["link".to_string()]);
    let shown = say(&bot, owner(OWNER), "/nightmode").await;
    assert!(shown.contains("The night is on now"), "{shown}");

    // Off during the night: restored at once, the link lock lifted, nothing left stored.
    let off = say(&bot, owner(OWNER), "/nightmode off").await;
    assert!(off.contains("Night mode is off"), "{off}");
    let restored = permissions_set(&bot, 4).await;
    assert_same_permissions(&restored, &own_permissions());
    assert!(locks(&bot).await.is_empty());
    assert_eq!(night_rows(&bot).await, 0);
    move_to(&bot, utc(2026, 12, 7, 23, 0)).await;
    assert_eq!(bot.api.calls("setChatPermissions").len(), 4);
    bot.stop().await;
}
