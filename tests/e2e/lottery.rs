//! Lotteries as a group meets them: an admin creates one, members join by button and keyword, an ineligible
//! member is told why, the timed draw credits points through the ledger and sends codes, codes are redeemed,
//! `/verify` recomputes the draw (in the group, or privately for participants and admins only); threshold
//! draws; draws that fell due while the bot was down (by time or by threshold); no joining after the draw
//! time; keywords after a restart; bad input.

use crate::support::fake_api::{bot_admin_member, Call, Failure};
use crate::support::harness::{TestBot, WAIT};
use crate::support::members::owner;
use crate::support::updates::*;
use groupops::features::economy::ledger;
use serde_json::Value;
use std::time::Duration;

const OWNER: i64 = 7_001;

fn person(id: i64, name: &str) -> Value {
    user_with(id, name, None, Some("en"))
}

/// Adds the bot to an English-speaking group whose creator is the owner, and waits for the hello.
async fn english_group(bot: &TestBot, chat: i64) {
    bot.api.set_admins(
        chat,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    bot.push(my_chat_member(
        group(chat),
        owner(OWNER),
        "left",
        "administrator",
    ));
    bot.wait_texts(chat, 1).await;
    bot.settle().await;
}

/// Waits for a message to `chat` containing `needle`; returns its text.
async fn wait_text(bot: &TestBot, chat: i64, needle: &str) -> String {
    let calls = bot
        .api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "sendMessage"
                    && c.params["chat_id"].as_i64() == Some(chat)
                    && c.params["text"].as_str().unwrap_or("").contains(needle)
            })
        })
        .await;
    calls
        .iter()
        .rev()
        .find(|c| {
            c.method == "sendMessage"
                && c.params["chat_id"].as_i64() == Some(chat)
                && c.params["text"].as_str().unwrap_or("").contains(needle)
        })
        .map(|c| c.params["text"].as_str().unwrap_or("").to_string())
        .unwrap_or_else(|| panic!("no message to {chat} containing {needle:?}"))
}

/// Presses the Join button of lottery `id` and returns the callback answer.
async fn press(bot: &TestBot, chat: i64, who: Value, id: i64) -> Call {
    let before = bot.api.calls("answerCallbackQuery").len();
    bot.push(callback(chat, who, 1000, &format!("lt:{id}")));
    let calls = bot
        .api
        .wait_for("answerCallbackQuery", before + 1, WAIT)
        .await;
    calls[before].clone()
}

/// Points a member received from lottery prizes (other earnings, such as activity points, are left out).
async fn lottery_credit(bot: &TestBot, chat: i64, user: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT COALESCE(SUM(j.amount), 0) FROM economy_journal j
         JOIN economy_accounts a ON a.id = j.to_account
         WHERE a.chat_id = ? AND a.kind = 'wallet' AND a.ref = ? AND j.reason = 'lottery'",
    )
    .bind(chat)
    .bind(user)
    .fetch_one(&bot.ctx.storage.read)
    .await
    .unwrap()
}

async fn economy_sum(bot: &TestBot, chat: i64) -> i64 {
    let mut conn = bot.ctx.storage.read.acquire().await.unwrap();
    ledger::economy_sum(&mut conn, chat).await.unwrap()
}

#[tokio::test]
async fn create_join_draw_redeem_and_verify() {
    const GROUP: i64 = -100_701;
    let bot = TestBot::start().await;
    english_group(&bot, GROUP).await;
    let (ann, ben, cat, dan) = (
        person(7_101, "Ann"),
        person(7_102, "Ben"),
        person(7_103, "Cat"),
        person(7_104, "Dan"),
    );
    // Ann, Ben and Dan have spoken in the group; Cat has not.
    for who in [&ann, &ben, &dan] {
        bot.push(group_message(GROUP, who.clone(), "hello everyone"));
    }
    bot.settle().await;

    // A member cannot create a lottery.
    bot.push(group_message(
        GROUP,
        ann.clone(),
        "/lottery Mine | Car x1 | in 30s",
    ));
    wait_text(&bot, GROUP, "Only group admins").await;

    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/lottery Party | Headphones x1; 100 points x 1 | in 30s | join=lucky spoke=yes everyone=5 points",
    ));
    let announcement = wait_text(&bot, GROUP, "Lottery L1: Party").await;
    assert!(
        announcement.contains("Tier 1: Headphones ×1"),
        "{announcement}"
    );
    assert!(
        announcement.contains("Tier 2: 100 points ×1"),
        "{announcement}"
    );
    assert!(
        announcement.contains("Everyone else: 5 points"),
        "{announcement}"
    );
    assert!(
        announcement.contains("has spoken in the group"),
        "{announcement}"
    );
    assert!(announcement.contains("Commitment:"), "{announcement}");
    let button = bot
        .api
        .calls("sendMessage")
        .into_iter()
        .find(|c| {
            c.params["text"]
                .as_str()
                .unwrap_or("")
                .contains("Lottery L1")
        })
        .unwrap();
    assert_eq!(
        button.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "lt:1"
    );

    // Ann joins by button, twice: the second press says she is already in.
    let first = press(&bot, GROUP, ann.clone(), 1).await;
    assert!(first.params["text"].as_str().unwrap().contains("You're in"));
    let again = press(&bot, GROUP, ann.clone(), 1).await;
    assert!(again.params["text"]
        .as_str()
        .unwrap()
        .contains("already joined"));
    assert_eq!(again.params["show_alert"], true);
    // Cat has never spoken: refused, with the missing condition named.
    let refused = press(&bot, GROUP, cat.clone(), 1).await;
    assert!(
        refused.params["text"].as_str().unwrap().contains("spoken"),
        "{:?}",
        refused.params
    );
    // Ben joins by typing the keyword (a reaction, no message); Dan by button.
    bot.push(group_message(GROUP, ben.clone(), "lucky"));
    bot.api.wait_for("setMessageReaction", 1, WAIT).await;
    press(&bot, GROUP, dan.clone(), 1).await;
    bot.settle().await;
    let entries: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM lottery_entries WHERE lottery_id = 1")
            .fetch_one(&bot.ctx.storage.read)
            .await
            .unwrap();
    assert_eq!(entries, 3);
    // The announcement's count is edited by the ticker.
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "editMessageText"
                    && c.params["text"].as_str().unwrap_or("").contains("Joined: ")
            })
        })
        .await;

    // The timed draw.
    bot.clock.advance(Duration::from_secs(31));
    let result = wait_text(&bot, GROUP, "Lottery L1 drawn").await;
    assert!(!result.contains("offline"), "on time: {result}");
    assert!(result.contains("Tier 1 (Headphones)"), "{result}");
    assert!(
        result.contains("Everyone else — 5 points: 1 participants"),
        "{result}"
    );
    assert!(result.contains("Seed:"), "{result}");
    let wins: Vec<(i64, i64, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT user_id, tier, points, code FROM lottery_wins WHERE lottery_id = 1 ORDER BY tier",
    )
    .fetch_all(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(wins.iter().map(|w| w.1).collect::<Vec<_>>(), vec![0, 1, 2]);
    let (floor_user, headphones_user, points_user) = (wins[0].0, wins[1].0, wins[2].0);
    assert_eq!(lottery_credit(&bot, GROUP, points_user).await, 100);
    assert_eq!(lottery_credit(&bot, GROUP, floor_user).await, 5);
    assert_eq!(lottery_credit(&bot, GROUP, headphones_user).await, 0);
    assert_eq!(
        economy_sum(&bot, GROUP).await,
        0,
        "the ledger stays balanced"
    );
    let code = wins[1].3.clone().expect("the headphones carry a code");
    assert_eq!(code.len(), 10);
    // The code went to the winner privately.
    let dm = wait_text(&bot, headphones_user, &code).await;
    assert!(dm.contains("Headphones"), "{dm}");
    // The announcement was closed.
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "editMessageText"
                    && c.params["text"].as_str().unwrap_or("").contains("Drawn")
            })
        })
        .await;

    // In a private chat, /lottery shows the winner's unused codes (where members who missed the message look).
    let winner = person(headphones_user, "Winner");
    bot.push(private_message(winner.clone(), "/lottery"));
    let mine = wait_text(&bot, headphones_user, "unused redemption codes").await;
    assert!(mine.contains(&code) && mine.contains("L1 Party"), "{mine}");

    // Redeeming: members may not; an admin may, once; unknown codes are refused.
    bot.push(group_message(
        GROUP,
        ann.clone(),
        &format!("/redeem {code}"),
    ));
    bot.settle().await;
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        &format!("/redeem {}", code.to_lowercase()),
    ));
    wait_text(&bot, GROUP, "redeemed: Headphones").await;
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        &format!("/redeem {code}"),
    ));
    wait_text(&bot, GROUP, "was already used").await;
    bot.push(group_message(GROUP, owner(OWNER), "/redeem NOPE2345XY"));
    wait_text(&bot, GROUP, "no redemption code NOPE2345XY").await;
    bot.push(private_message(winner, "/lottery"));
    wait_text(&bot, headphones_user, "no unused redemption codes").await;
    let refusals = bot
        .texts_to(GROUP)
        .iter()
        .filter(|t| t.contains("Only group admins"))
        .count();
    assert_eq!(
        refusals, 1,
        "the member's create and redeem were refused, told once in the refusal window"
    );

    // Anyone can verify: the recomputation matches.
    bot.push(group_message(GROUP, cat.clone(), "/verify L1"));
    let verify = wait_text(&bot, GROUP, "Recomputed winners").await;
    assert!(verify.contains("✅"), "{verify}");
    assert!(verify.contains("7101,7102,7104"), "{verify}");
    assert!(
        verify.lines().any(|line| line.starts_with("Tier 1: ")
            && line.ends_with(&format!(" ({headphones_user})"))
            && !line.starts_with("Tier 1: member ")),
        "winners are named, with the id the list holds: {verify}"
    );
    // Another group does not get the participant list: there is no L1 there.
    const OTHER: i64 = -100_799;
    bot.push(group_message(OTHER, cat.clone(), "/verify L1"));
    let elsewhere = bot.wait_texts(OTHER, 1).await;
    assert_eq!(elsewhere, vec!["本群没有抽奖 L1。".to_string()]);
    // In private, a participant and an admin may check it; someone who did not take part and is no longer
    // in the group may not.
    bot.api
        .set_chat_member(GROUP, 7_103, member(cat.clone(), "left"));
    bot.push(private_message(cat.clone(), "/verify L1"));
    let refused = wait_text(&bot, 7_103, "can be checked here only by").await;
    assert!(!refused.contains("7101"), "{refused}");
    bot.push(private_message(ann.clone(), "/verify L1"));
    let own = wait_text(&bot, 7_101, "Recomputed winners").await;
    assert!(
        own.contains("7101,7102,7104") && own.contains("✅"),
        "{own}"
    );
    bot.push(private_message(owner(OWNER), "/verify L1"));
    let admin = wait_text(&bot, OWNER, "Recomputed winners").await;
    assert!(admin.contains("7101,7102,7104"), "{admin}");

    // `/verify P17` is the red packets' to answer; the lottery stays silent.
    let before = bot.texts_to(GROUP).len();
    bot.push(group_message(GROUP, cat.clone(), "/verify P17"));
    let texts = bot.wait_texts(GROUP, before + 1).await;
    assert_eq!(texts.len(), before + 1, "exactly one answer");
    assert!(
        !texts[before].contains("Recomputed winners"),
        "{}",
        texts[before]
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_threshold_draw_happens_when_enough_members_joined() {
    const GROUP: i64 = -100_702;
    let bot = TestBot::start().await;
    english_group(&bot, GROUP).await;
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/lottery Quick | 10 points x2 | when 2",
    ));
    wait_text(&bot, GROUP, "Lottery L1: Quick").await;
    press(&bot, GROUP, person(7_201, "Eve"), 1).await;
    bot.settle().await;
    // One member is not enough.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!bot.texts_to(GROUP).iter().any(|t| t.contains("drawn")));
    press(&bot, GROUP, person(7_202, "Fay"), 1).await;
    let result = wait_text(&bot, GROUP, "Lottery L1 drawn").await;
    assert!(result.contains("Eve") && result.contains("Fay"), "{result}");
    // A third member is too late.
    let late = press(&bot, GROUP, person(7_203, "Gus"), 1).await;
    assert!(late.params["text"]
        .as_str()
        .unwrap()
        .contains("already drawn"));
    assert_eq!(lottery_credit(&bot, GROUP, 7_201).await, 10);
    assert_eq!(lottery_credit(&bot, GROUP, 7_202).await, 10);
    assert_eq!(economy_sum(&bot, GROUP).await, 0);
    bot.stop().await;
}

#[tokio::test]
async fn a_draw_due_while_the_bot_was_down_happens_at_start_and_says_it_is_late() {
    const GROUP: i64 = -100_703;
    // A ticker that runs at start and then only hourly, so the draw cannot happen before the restart.
    let bot = TestBot::start_with(&[("GROUPOPS_TIMERS__TICK", "1h")]).await;
    english_group(&bot, GROUP).await;
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/lottery Offline | Mug x1 | in 1m",
    ));
    wait_text(&bot, GROUP, "Lottery L1: Offline").await;
    press(&bot, GROUP, person(7_301, "Hal"), 1).await;
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(2 * 3600));
    let bot = bot.restart().await;
    let result = wait_text(&bot, GROUP, "Lottery L1 drawn").await;
    assert!(result.contains("offline"), "{result}");
    assert!(result.contains("Hal"), "{result}");
    let late: bool = sqlx::query_scalar("SELECT late FROM lotteries WHERE id = 1")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert!(late);
    bot.stop().await;
}

#[tokio::test]
async fn bad_lines_are_refused_with_the_wrong_part_and_nothing_is_created() {
    const GROUP: i64 = -100_704;
    let bot = TestBot::start().await;
    english_group(&bot, GROUP).await;
    let cases = [
        ("/lottery just a title", "at least three parts"),
        (
            "/lottery list of prizes | Mug | in 1h",
            "cannot start with “list”",
        ),
        ("/lottery T | Mug x0 | in 1h", "“Mug x0”"),
        ("/lottery T | Mug x-2 | in 1h", "“Mug x-2”"),
        (
            "/lottery T | Mug | at 2020-01-01 10:00",
            "not in the future",
        ),
        ("/lottery T | Mug x5 | when 3", "there are 5 prizes"),
        (
            "/lottery T | Mug | in 1h | colour=red",
            "Unknown option “colour”",
        ),
        ("/lottery T | Mug | whenever", "the draw rule “whenever”"),
    ];
    for (line, needle) in cases {
        bot.push(group_message(GROUP, owner(OWNER), line));
        let text = wait_text(&bot, GROUP, needle).await;
        assert!(text.contains("Example:"), "{line}: {text}");
    }
    bot.push(group_message(GROUP, owner(OWNER), "/lottery"));
    wait_text(&bot, GROUP, "Draw rule:").await;
    bot.push(group_message(GROUP, owner(OWNER), "/lottery cancel L9"));
    wait_text(&bot, GROUP, "no lottery L9").await;
    bot.push(group_message(GROUP, owner(OWNER), "/lottery list"));
    wait_text(&bot, GROUP, "No open lotteries").await;
    let created: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lotteries")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(created, 0);
    bot.stop().await;
}

#[tokio::test]
async fn admins_cancel_and_draw_early() {
    const GROUP: i64 = -100_705;
    let bot = TestBot::start().await;
    english_group(&bot, GROUP).await;
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/lottery First | 50 points x1 | in 1h",
    ));
    wait_text(&bot, GROUP, "Lottery L1: First").await;
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/lottery Second | Mug x1 | in 1h | join=mug",
    ));
    wait_text(&bot, GROUP, "Lottery L2: Second").await;
    press(&bot, GROUP, person(7_501, "Ivy"), 1).await;
    bot.push(group_message(GROUP, person(7_502, "Jon"), "mug"));
    bot.api.wait_for("setMessageReaction", 1, WAIT).await;
    bot.push(group_message(GROUP, owner(OWNER), "/lottery list"));
    let list = wait_text(&bot, GROUP, "Open lotteries").await;
    assert!(
        list.contains("L1 First") && list.contains("L2 Second"),
        "{list}"
    );

    // A member may not cancel; the owner cancels L1 and nothing is paid.
    bot.push(group_message(
        GROUP,
        person(7_501, "Ivy"),
        "/lottery cancel L1",
    ));
    wait_text(&bot, GROUP, "Only group admins").await;
    bot.push(group_message(GROUP, owner(OWNER), "/lottery cancel L1"));
    wait_text(&bot, GROUP, "Lottery L1 “First” is cancelled").await;
    assert_eq!(lottery_credit(&bot, GROUP, 7_501).await, 0);
    let again = press(&bot, GROUP, person(7_503, "Kim"), 1).await;
    assert!(again.params["text"]
        .as_str()
        .unwrap()
        .contains("already drawn or cancelled"));

    // The owner draws L2 early.
    bot.push(group_message(GROUP, owner(OWNER), "/lottery draw L2"));
    let result = wait_text(&bot, GROUP, "Lottery L2 drawn").await;
    assert!(result.contains("Jon"), "{result}");
    bot.push(group_message(GROUP, owner(OWNER), "/verify L1"));
    wait_text(&bot, GROUP, "Cancelled before the draw").await;

    // Level and membership-age conditions name what is missing.
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/lottery Vets | Mug x1 | in 1h | min_level=2",
    ));
    wait_text(&bot, GROUP, "Lottery L3: Vets").await;
    let level = press(&bot, GROUP, person(7_501, "Ivy"), 3).await;
    assert!(
        level.params["text"]
            .as_str()
            .unwrap()
            .contains("needs level LV2 and you are LV1"),
        "{:?}",
        level.params
    );
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/lottery Old hands | Mug x1 | in 1h | min_days=3",
    ));
    wait_text(&bot, GROUP, "Lottery L4: Old hands").await;
    let days = press(&bot, GROUP, person(7_501, "Ivy"), 4).await;
    assert!(
        days.params["text"]
            .as_str()
            .unwrap()
            .contains("needs 3 days in the group and you have 0"),
        "{:?}",
        days.params
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_winner_the_bot_cannot_write_to_is_asked_in_the_group_to_start_it() {
    const GROUP: i64 = -100_706;
    let bot = TestBot::start().await;
    english_group(&bot, GROUP).await;
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/lottery Solo | Mug x1 | in 1h",
    ));
    wait_text(&bot, GROUP, "Lottery L1: Solo").await;
    press(&bot, GROUP, person(7_601, "Lea"), 1).await;
    bot.settle().await;
    // The codes go out only after the result, so the next two sends are the result and Lea's code; both are
    // refused here (the fake cannot refuse one chat only), and the group is then told to have Lea start the bot.
    bot.api.fail_next(
        "sendMessage",
        2,
        Failure::Forbidden("Forbidden: bot can't initiate conversation with a user".into()),
    );
    bot.push(group_message(GROUP, owner(OWNER), "/lottery draw L1"));
    let notice = wait_text(&bot, GROUP, "can't write to you privately").await;
    assert!(
        notice.contains("Lea") && notice.contains("@groupops_bot"),
        "{notice}"
    );
    let code_attempt = bot
        .api
        .calls("sendMessage")
        .into_iter()
        .find(|c| c.params["chat_id"].as_i64() == Some(7_601))
        .expect("the code was tried privately first");
    assert!(code_attempt.failed);
    bot.stop().await;
}

#[tokio::test]
async fn a_long_participant_list_is_attached_to_verify_as_a_file() {
    const GROUP: i64 = -100_707;
    let bot = TestBot::start().await;
    english_group(&bot, GROUP).await;
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/lottery Crowd | 1 points x30 | in 1h",
    ));
    wait_text(&bot, GROUP, "Lottery L1: Crowd").await;
    // 800 participants, written directly: what matters here is the answer's shape, not 800 button presses.
    let ids: Vec<i64> = (0..800).map(|i| 1_000_000 + i).collect();
    for id in &ids {
        sqlx::query(
            "INSERT INTO lottery_entries (lottery_id, chat_id, user_id, joined_at) VALUES (1, ?, ?, 0)",
        )
        .bind(GROUP)
        .bind(id)
        .execute(&bot.ctx.storage.write)
        .await
        .unwrap();
    }
    bot.push(group_message(GROUP, owner(OWNER), "/lottery draw L1"));
    let result = wait_text(&bot, GROUP, "Lottery L1 drawn").await;
    assert!(result.contains("Participants: 800"), "{result}");
    assert_eq!(economy_sum(&bot, GROUP).await, 0);
    bot.push(group_message(GROUP, owner(OWNER), "/verify L1"));
    let verify = wait_text(&bot, GROUP, "Recomputed winners").await;
    assert!(
        verify.contains("in the attached file lottery-L1-participants.txt"),
        "{verify}"
    );
    assert!(verify.contains("✅"), "{verify}");
    let files = bot.api.wait_for("sendDocument", 1, WAIT).await;
    let document = &files[0].params["document"];
    assert_eq!(document["file_name"], "lottery-L1-participants.txt");
    let expected = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    assert_eq!(document["size"].as_u64(), Some(expected.len() as u64));
    // Every text sent is within Telegram's limit, and the 30 winner mentions span several lines.
    for text in bot.texts_to(GROUP) {
        assert!(text.chars().count() <= 4096);
    }
    assert!(result.lines().count() > 5, "{result}");
    bot.stop().await;
}

#[tokio::test]
async fn a_chinese_group_gets_chinese_wording_and_points_prizes() {
    const GROUP: i64 = -100_708;
    let bot = TestBot::start().await;
    let boss = user_with(7_801, "老王", None, Some("zh-hans"));
    bot.api.set_admins(
        GROUP,
        vec![member(boss.clone(), "creator"), bot_admin_member()],
    );
    bot.push(my_chat_member(
        group(GROUP),
        boss.clone(),
        "left",
        "administrator",
    ));
    bot.wait_texts(GROUP, 1).await;
    bot.push(group_message(
        GROUP,
        boss.clone(),
        "/lottery 圣诞抽奖 | 一等奖 耳机 x1; 二等奖 100 积分 ×2 | in 45s | join=抽奖",
    ));
    let announcement = wait_text(&bot, GROUP, "抽奖 L1：圣诞抽奖").await;
    assert!(announcement.contains("一等奖：耳机 ×1"), "{announcement}");
    assert!(
        announcement.contains("二等奖：100 积分 ×2"),
        "a label before the points keeps the prize a points prize: {announcement}"
    );
    assert!(announcement.contains("发送“抽奖”参加"), "{announcement}");
    for (id, name) in [(7_802, "小李"), (7_803, "小张"), (7_804, "小陈")] {
        bot.push(group_message(
            GROUP,
            user_with(id, name, None, Some("zh-hans")),
            "抽奖",
        ));
    }
    bot.api.wait_for("setMessageReaction", 3, WAIT).await;
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(46));
    let result = wait_text(&bot, GROUP, "抽奖 L1 开奖").await;
    assert!(result.contains("种子："), "{result}");
    assert!(result.contains("二等奖（100 积分）："), "{result}");
    assert!(
        result.contains("</a>、<a"),
        "Chinese lists are joined with 、: {result}"
    );
    let mut credited = 0;
    for id in [7_802, 7_803, 7_804] {
        credited += lottery_credit(&bot, GROUP, id).await;
    }
    assert_eq!(credited, 200, "two winners of 100 points");
    assert_eq!(economy_sum(&bot, GROUP).await, 0);
    bot.stop().await;
}

#[tokio::test]
async fn a_threshold_reached_while_the_bot_was_down_is_drawn_at_start_and_says_it_is_late() {
    const GROUP: i64 = -100_709;
    // A ticker that runs at start and then only hourly, so the draw cannot happen before the restart.
    let bot = TestBot::start_with(&[("GROUPOPS_TIMERS__TICK", "1h")]).await;
    english_group(&bot, GROUP).await;
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/lottery Pair | Mug x1 | when 2",
    ));
    wait_text(&bot, GROUP, "Lottery L1: Pair").await;
    press(&bot, GROUP, person(7_901, "Ola"), 1).await;
    press(&bot, GROUP, person(7_902, "Pia"), 1).await;
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(2 * 3600));
    let bot = bot.restart().await;
    let result = wait_text(&bot, GROUP, "Lottery L1 drawn").await;
    assert!(result.contains("offline"), "{result}");
    assert!(result.contains("Participants: 2"), "{result}");
    let late: bool = sqlx::query_scalar("SELECT late FROM lotteries WHERE id = 1")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert!(late);
    bot.stop().await;
}

#[tokio::test]
async fn nobody_joins_after_the_draw_time_even_when_the_draw_comes_late() {
    const GROUP: i64 = -100_710;
    let bot = TestBot::start_with(&[("GROUPOPS_TIMERS__TICK", "1h")]).await;
    english_group(&bot, GROUP).await;
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/lottery Late | Mug x1 | in 1m | join=mug",
    ));
    wait_text(&bot, GROUP, "Lottery L1: Late").await;
    press(&bot, GROUP, person(7_911, "Ann"), 1).await;
    bot.settle().await;
    // The draw time passes while the ticker sleeps.
    bot.clock.advance(Duration::from_secs(120));
    let pressed = press(&bot, GROUP, person(7_912, "Ben"), 1).await;
    assert!(
        pressed.params["text"]
            .as_str()
            .unwrap()
            .contains("reached its draw time"),
        "{:?}",
        pressed.params
    );
    // A keyword sent after the draw time is refused…
    let mut late = group_message(GROUP, person(7_913, "Cat"), "mug");
    late["message"]["date"] = serde_json::json!(bot.ctx.now());
    bot.push(late);
    wait_text(&bot, GROUP, "Lottery L1 has reached its draw time").await;
    // …one sent before it (its message date), though handled only now, joins.
    let mut early = group_message(GROUP, person(7_914, "Dan"), "mug");
    early["message"]["date"] = serde_json::json!(bot.ctx.now() - 90);
    bot.push(early);
    bot.api.wait_for("setMessageReaction", 1, WAIT).await;
    bot.settle().await;
    let joined: Vec<i64> = sqlx::query_scalar(
        "SELECT user_id FROM lottery_entries WHERE lottery_id = 1 ORDER BY user_id",
    )
    .fetch_all(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(joined, vec![7_911, 7_914]);
    let bot = bot.restart().await;
    let result = wait_text(&bot, GROUP, "Lottery L1 drawn").await;
    assert!(
        result.contains("offline") && result.contains("Participants: 2"),
        "{result}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn keywords_work_after_a_restart_and_stop_with_the_lottery() {
    const GROUP: i64 = -100_711;
    let bot = TestBot::start().await;
    english_group(&bot, GROUP).await;
    // Ordinary chatter before any lottery: the group's (empty) keywords are now in memory.
    bot.push(group_message(GROUP, person(7_921, "Eve"), "lucky"));
    bot.push(group_message(GROUP, person(7_922, "Fay"), "hi"));
    bot.settle().await;
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/lottery Kw | Mug x1 | in 1h | join=lucky",
    ));
    wait_text(&bot, GROUP, "Lottery L1: Kw").await;
    // The new keyword works at once, although the group's keywords were loaded before it existed.
    bot.push(group_message(GROUP, person(7_921, "Eve"), "lucky"));
    bot.api.wait_for("setMessageReaction", 1, WAIT).await;

    let bot = bot.restart().await;
    bot.push(group_message(GROUP, person(7_922, "Fay"), "hello"));
    bot.push(group_message(GROUP, person(7_922, "Fay"), "lucky"));
    bot.api.wait_for("setMessageReaction", 2, WAIT).await;
    bot.settle().await;
    let joined: Vec<i64> = sqlx::query_scalar(
        "SELECT user_id FROM lottery_entries WHERE lottery_id = 1 ORDER BY user_id",
    )
    .fetch_all(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(joined, vec![7_921, 7_922]);

    // Once cancelled, the word is ordinary chatter again: no reaction, no reply.
    bot.push(group_message(GROUP, owner(OWNER), "/lottery cancel L1"));
    wait_text(&bot, GROUP, "is cancelled").await;
    let texts_before = bot.texts_to(GROUP).len();
    bot.push(group_message(GROUP, person(7_923, "Gus"), "lucky"));
    bot.settle().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(bot.api.calls("setMessageReaction").len(), 2);
    assert_eq!(bot.texts_to(GROUP).len(), texts_before);
    bot.stop().await;
}

/// Entries of members banned, gone, muted or removed for an ad are left out of the draw; the result says how
/// many and why, and `/verify` names them and still recomputes the draw.
async fn banned_gone_muted_and_advertising_members_are_left_out_of_the_draw(lang: &str) {
    let group_id = if lang == "en" { -100_731 } else { -100_732 };
    let bot = TestBot::start_with(&[("GROUPOPS_WELCOME__CAPTCHA", "off")]).await;
    let speaks = if lang == "en" { "en" } else { "zh-hans" };
    let boss = user_with(OWNER, "Boss", None, Some(speaks));
    bot.api.set_admins(
        group_id,
        vec![member(boss.clone(), "creator"), bot_admin_member()],
    );
    bot.push(my_chat_member(
        group(group_id),
        boss.clone(),
        "left",
        "administrator",
    ));
    bot.wait_texts(group_id, 1).await;
    bot.push(group_message(group_id, boss.clone(), "/welcome off"));
    if lang == "en" {
        bot.push(group_message(group_id, boss.clone(), "/lang en"));
    }
    bot.push(group_message(
        group_id,
        boss.clone(),
        "/lottery Mugs | Mug x5 | in 1h | join=raffle",
    ));
    wait_text(&bot, group_id, "L1").await;
    let people: Vec<Value> = [
        (7_901, "Amy"),
        (7_902, "Ben"),
        (7_903, "Cat"),
        (7_904, "Dan"),
    ]
    .into_iter()
    .map(|(id, name)| user_with(id, name, None, Some(speaks)))
    .collect();
    let mut entries = Vec::new();
    for who in &people {
        let entry = group_message(group_id, who.clone(), "raffle");
        entries.push(entry.clone());
        bot.push(entry);
    }
    bot.api.wait_for("setMessageReaction", 4, WAIT).await;
    // Ben is banned, Cat muted, Dan leaves, and Eve (a newcomer) posts an ad that is removed.
    bot.push(reply_to(
        group_message(group_id, boss.clone(), "/ban"),
        entries[1].clone(),
    ));
    bot.push(reply_to(
        group_message(group_id, boss.clone(), "/mute 1h"),
        entries[2].clone(),
    ));
    bot.api.wait_for("banChatMember", 1, WAIT).await;
    bot.api.wait_for("restrictChatMember", 1, WAIT).await;
    bot.push(chat_member(
        group_id,
        people[3].clone(),
        people[3].clone(),
        "member",
        "left",
        None,
    ));
    let eve = user_with(7_906, "Eve", None, Some(speaks));
    bot.push(chat_member(
        group_id,
        eve.clone(),
        eve.clone(),
        "left",
        "member",
        None,
    ));
    bot.push(group_message(group_id, eve.clone(), "raffle"));
    bot.api.wait_for("setMessageReaction", 5, WAIT).await;
    bot.push(group_message(group_id, eve, "兼职刷单，日结300，名额有限"));
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    bot.settle().await;
    bot.push(group_message(group_id, boss.clone(), "/lottery draw L1"));
    let (drawn, excluded_words, verify_words) = if lang == "en" {
        (
            "Lottery L1 drawn",
            [
                "4 entries were left out of the draw",
                "1 banned",
                "1 left the group",
                "1 muted",
                "one removed for an ad",
            ],
            [
                "Left out of the draw (4)",
                "7902 (banned)",
                "7903 (muted)",
                "7904 (left the group)",
                "7906 (message removed as an ad)",
            ],
        )
    } else {
        (
            "抽奖 L1 开奖",
            [
                "有 4 个参与者未参加抽取",
                "1 人已被封禁",
                "1 人已退群",
                "1 人正被禁言",
                "1 人的消息被当作广告删除",
            ],
            [
                "未参加抽取（4 人）",
                "7902（已被封禁）",
                "7903（正被禁言）",
                "7904（已退群）",
                "7906（消息被当作广告删除）",
            ],
        )
    };
    let result = wait_text(&bot, group_id, drawn).await;
    for words in excluded_words {
        assert!(result.contains(words), "{words:?} in {result}");
    }
    let winners: Vec<i64> = sqlx::query_scalar(
        "SELECT user_id FROM lottery_wins WHERE lottery_id = 1 ORDER BY user_id",
    )
    .fetch_all(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(winners, vec![7_901], "only Amy was drawn");
    bot.push(group_message(group_id, boss, "/verify L1"));
    let verified = wait_text(&bot, group_id, verify_words[0]).await;
    for words in verify_words {
        assert!(verified.contains(words), "{words:?} in {verified}");
    }
    assert!(
        verified.contains("✅"),
        "the draw still verifies: {verified}"
    );
    assert!(bot.errors().is_empty(), "{:?}", bot.errors());
    bot.stop().await;
}

#[tokio::test]
async fn banned_gone_muted_and_advertising_members_are_left_out_of_the_draw_en() {
    banned_gone_muted_and_advertising_members_are_left_out_of_the_draw("en").await;
}

#[tokio::test]
async fn banned_gone_muted_and_advertising_members_are_left_out_of_the_draw_zh() {
    banned_gone_muted_and_advertising_members_are_left_out_of_the_draw("zh").await;
}

/// An English group that never ran /settz is told the draw time's UTC offset and how to set its zone, not
/// the configured default's city; once it chose a zone, that zone is named.
#[tokio::test]
async fn an_english_group_without_a_zone_is_told_the_offset_and_settz() {
    const GROUP: i64 = -100_7091;
    let bot = TestBot::start().await;
    english_group(&bot, GROUP).await;
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/lottery Zone | Mug x1 | in 1h",
    ));
    let announcement = wait_text(&bot, GROUP, "Zone").await;
    assert!(
        announcement.contains("(UTC+8; set your zone with /settz)"),
        "{announcement}"
    );
    assert!(!announcement.contains("Shanghai"), "{announcement}");
    bot.push(group_message(GROUP, owner(OWNER), "/settz Tokyo"));
    wait_text(&bot, GROUP, "Tokyo").await;
    bot.push(group_message(GROUP, owner(OWNER), "/lottery list"));
    let list = wait_text(&bot, GROUP, "joined").await;
    assert!(list.contains("(Asia/Tokyo)"), "{list}");
    assert!(!list.contains("/settz"), "{list}");
    bot.stop().await;
}

/// A Chinese group that never ran /settz reads the shipped default as 北京时间, as before.
#[tokio::test]
async fn a_chinese_group_without_a_zone_reads_beijing_time() {
    const GROUP: i64 = -100_7092;
    let bot = TestBot::start().await;
    let boss = user_with(7_802, "老李", None, Some("zh-hans"));
    bot.api.set_admins(
        GROUP,
        vec![member(boss.clone(), "creator"), bot_admin_member()],
    );
    bot.push(my_chat_member(
        group(GROUP),
        boss.clone(),
        "left",
        "administrator",
    ));
    bot.wait_texts(GROUP, 1).await;
    bot.push(group_message(
        GROUP,
        boss,
        "/lottery 时区 | 杯子 x1 | in 1h",
    ));
    let announcement = wait_text(&bot, GROUP, "时区").await;
    assert!(announcement.contains("（北京时间）"), "{announcement}");
    assert!(!announcement.contains("/settz"), "{announcement}");
    bot.stop().await;
}
