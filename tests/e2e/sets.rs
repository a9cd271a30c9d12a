//! Group sets as operators meet them, in Chinese and in English: a set made in private and in a group,
//! groups added from inside each group by owners and managers who hold "change group info" there at that
//! moment, a manager named by @username, a group taken out from private where the caller's right is
//! checked anew, and every bad input (bad or taken name, unknown set, not theirs, no right) answered with
//! nothing changed.

use crate::support::fake_api::bot_admin_member;
use crate::support::harness::TestBot;
use crate::support::members::admin_with;
use crate::support::updates::*;
use serde_json::Value;

const GROUP_A: i64 = -100_2401;
const GROUP_B: i64 = -100_2402;
const GROUP_C: i64 = -100_2403;
const OWNER: i64 = 24_001;
const MIA: i64 = 24_002;
const STRANGER: i64 = 24_003;

/// The wording a flow expects, per language.
struct Expect {
    lang: &'static str,
    name: &'static str,
    created: &'static str,
    created_here: &'static str,
    duplicate: &'static str,
    bad_name: &'static str,
    unknown: &'static str,
    not_yours: &'static str,
    owner_only: &'static str,
    added: &'static str,
    already_in: &'static str,
    missing_right: &'static str,
    no_right_in_group: &'static str,
    removed: &'static str,
    manager_added: &'static str,
    right_missing_mark: &'static str,
    add_in_group: &'static str,
    sharebans_on: &'static str,
    sharebans_refused: &'static str,
    allowed: &'static str,
    unban_offer: &'static str,
    unbanned: &'static str,
}

const ZH: Expect = Expect {
    lang: "zh-hans",
    name: "北京会员群",
    created: "已创建集合“北京会员群”。请在每个群里发送 /set add 北京会员群 把群加入。",
    created_here: "已创建集合“上海群”，本群已加入。",
    duplicate: "已有名为“北京会员群”的集合，请换一个名称。",
    bad_name: "“12345”不能作为集合名称",
    unknown: "没有名为“不存在”的集合。",
    not_yours: "您不是集合“北京会员群”的所有者或管理者。",
    owner_only: "只有集合“北京会员群”的所有者可以这样做。",
    added: "本群已加入集合“北京会员群”。",
    already_in: "本群已经在集合“北京会员群”中。",
    missing_right: "你需要“修改群资料”管理权限才能这样做。",
    no_right_in_group: "您现在在 B 群 (-1002402) 没有“修改群资料”权限，该群未做改动。",
    removed: "A 群 (-1002401) 已移出集合“北京会员群”。",
    manager_added: "@mia 现在是集合“北京会员群”的管理者。",
    right_missing_mark: "您现在在此群没有“修改群资料”权限",
    add_in_group: "请在要加入的群里发送 /set add 北京会员群",
    sharebans_on: "集合“北京会员群”已开启共享封禁",
    sharebans_refused: "集合“二”的共享封禁仍然关闭：您现在在 B 群 (-1002402) 没有“封禁成员”权限。",
    allowed: "集合“北京会员群”的共享封禁不再影响 24101。",
    unban_offer: "此成员在本群的封禁已共享到群组集合的其他群。也在那些群解除封禁吗？",
    unbanned:
        "已在集合的其他 1 个群解除封禁。\n您现在没有“封禁成员”权限的群未解除封禁：D 群 (-1002404), B 群 (-1002402)。",
};

const EN: Expect = Expect {
    lang: "en",
    name: "Members",
    created: "Set “Members” created. Add groups by sending /set add Members inside each group.",
    created_here: "Set “上海群” created with this group in it.",
    duplicate: "A set named “Members” exists already: choose another name.",
    bad_name: "“12345” can't name a set",
    unknown: "There is no set named “不存在”.",
    not_yours: "You are neither an owner nor a manager of the set “Members”.",
    owner_only: "Only an owner of the set “Members” can do that.",
    added: "This group is now in the set “Members”.",
    already_in: "This group is already in the set “Members”.",
    missing_right: "You need the “change group info” admin right for that.",
    no_right_in_group: "You don't have the “change group info” right in B 群 (-1002402) now, so it was left unchanged.",
    removed: "A 群 (-1002401) left the set “Members”.",
    manager_added: "@mia now manages the set “Members”.",
    right_missing_mark: "you lack “change group info” here now",
    add_in_group: "Send /set add Members inside the group you want to add",
    sharebans_on: "Shared bans are on for the set “Members”",
    sharebans_refused: "Shared bans stay off for the set “二”: you don't have the “ban users” right now in B 群 (-1002402).",
    allowed: "The set “Members”'s shared bans no longer reach 24101.",
    unban_offer: "This member's ban here was shared with the other groups of a group set. Unban them there too?",
    unbanned: "Unbanned in 1 other groups of the set.\nNot unbanned where you don't have the “ban users” right now: D 群 (-1002404), B 群 (-1002402).",
};

fn person(id: i64, name: &str, username: &str, lang: &str) -> Value {
    user_with(id, name, Some(username), Some(lang))
}

/// A supergroup with a title.
fn titled_group(chat_id: i64, title: &str) -> Value {
    let mut chat = group(chat_id);
    chat["title"] = Value::from(title);
    chat
}

/// Adds the bot to a titled group whose creator is `creator`, with `others` as further admins, and waits
/// for the hello.
async fn add_to_group(bot: &TestBot, chat: i64, title: &str, creator: Value, others: Vec<Value>) {
    let mut admins = vec![member(creator.clone(), "creator"), bot_admin_member()];
    admins.extend(others);
    bot.api.set_admins(chat, admins);
    bot.push(my_chat_member(
        titled_group(chat, title),
        creator,
        "left",
        "administrator",
    ));
    bot.wait_texts(chat, 1).await;
    bot.settle().await;
}

/// Sends `text` in private from `from` and returns the bot's answer.
async fn in_private(bot: &TestBot, from: &Value, text: &str) -> String {
    let user = from["id"].as_i64().unwrap();
    let before = bot.texts_to(user).len();
    bot.push(private_message(from.clone(), text));
    let texts = bot.wait_texts(user, before + 1).await;
    bot.settle().await;
    texts[before..].join("\n")
}

/// Sends `text` in a titled group from `from` and returns the bot's answer there.
async fn in_group(bot: &TestBot, chat: i64, title: &str, from: &Value, text: &str) -> String {
    let before = bot.texts_to(chat).len();
    bot.push(
        serde_json::json!({"message": text_message(titled_group(chat, title), from.clone(), text)}),
    );
    let texts = bot.wait_texts(chat, before + 1).await;
    bot.settle().await;
    texts[before..].join("\n")
}

/// The groups of the set named `name`, sorted.
async fn set_groups(bot: &TestBot, name: &str) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT g.chat_id FROM group_set_groups g JOIN group_sets s ON s.set_id = g.set_id
         WHERE s.name = ? ORDER BY g.chat_id",
    )
    .bind(name)
    .fetch_all(&bot.ctx.storage.read)
    .await
    .unwrap()
}

async fn set_count(bot: &TestBot) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM group_sets")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap()
}

fn has(answer: &str, expected: &str) {
    assert!(
        answer.contains(expected),
        "expected {expected:?} in {answer:?}"
    );
}

async fn group_sets_flow(expect: Expect) {
    let bot = TestBot::start().await;
    let owner = person(OWNER, "Olivia", "olivia", expect.lang);
    let mia = person(MIA, "Mia", "mia", expect.lang);
    let stranger = person(STRANGER, "Sam", "sam", expect.lang);
    // Mia may change group info in A and C; in B she may only restrict members.
    let mia_full = admin_with(mia.clone(), &["can_change_info", "can_restrict_members"]);
    let mia_restrict = admin_with(mia.clone(), &["can_restrict_members"]);
    add_to_group(&bot, GROUP_A, "A 群", owner.clone(), vec![mia_full.clone()]).await;
    add_to_group(&bot, GROUP_B, "B 群", owner.clone(), vec![mia_restrict]).await;
    add_to_group(&bot, GROUP_C, "C 群", owner.clone(), vec![mia_full]).await;
    let name = expect.name;

    // A set made in private; its name taken once; names that can't name a set refused.
    let created = in_private(&bot, &owner, &format!("/set new {name}")).await;
    assert_eq!(created, expect.created);
    has(
        &in_private(&bot, &mia, &format!("/set new {name}")).await,
        expect.duplicate,
    );
    has(
        &in_private(&bot, &owner, "/set new 12345").await,
        expect.bad_name,
    );
    assert_eq!(set_count(&bot).await, 1);
    has(
        &in_private(&bot, &owner, &format!("/set add {name}")).await,
        expect.add_in_group,
    );

    // The owner adds A and B from inside them; twice is answered, not repeated.
    let add = format!("/set add {name}");
    assert_eq!(
        in_group(&bot, GROUP_A, "A 群", &owner, &add).await,
        expect.added
    );
    assert_eq!(
        in_group(&bot, GROUP_B, "B 群", &owner, &add).await,
        expect.added
    );
    assert_eq!(
        in_group(&bot, GROUP_A, "A 群", &owner, &add).await,
        expect.already_in
    );
    // Mia holds the right in C but runs nothing in the set yet.
    assert_eq!(
        in_group(&bot, GROUP_C, "C 群", &mia, &add).await,
        expect.not_yours
    );
    has(
        &in_group(&bot, GROUP_C, "C 群", &owner, "/set add 不存在").await,
        expect.unknown,
    );
    assert_eq!(set_groups(&bot, name).await, [GROUP_B, GROUP_A]);

    // Only an owner names managers; Mia, named by @username, then adds C where she holds the right, and
    // is refused in B, where she does not.
    has(
        &in_private(&bot, &mia, &format!("/set manager add {name} @mia")).await,
        expect.owner_only,
    );
    assert_eq!(
        in_private(&bot, &owner, &format!("/set manager add {name} @mia")).await,
        expect.manager_added
    );
    assert_eq!(
        in_group(&bot, GROUP_C, "C 群", &mia, &add).await,
        expect.added
    );
    assert_eq!(
        in_group(&bot, GROUP_B, "B 群", &mia, &format!("/set remove {name}")).await,
        expect.missing_right
    );
    // From private too: her right in B is checked now, and B stays; A, where she holds it, goes.
    assert_eq!(
        in_private(&bot, &mia, &format!("/set remove {name} {GROUP_B}")).await,
        expect.no_right_in_group
    );
    let show = in_private(&bot, &mia, &format!("/set show {name}")).await;
    has(
        &show,
        &format!("B 群 <code>-1002402</code> — {}", expect.right_missing_mark),
    );
    assert_eq!(
        show.matches(expect.right_missing_mark).count(),
        1,
        "only B is marked: {show}"
    );
    assert_eq!(
        in_private(&bot, &mia, &format!("/set remove {name} {GROUP_A}")).await,
        expect.removed
    );
    assert_eq!(set_groups(&bot, name).await, [GROUP_C, GROUP_B]);
    has(
        &in_private(&bot, &stranger, &format!("/set show {name}")).await,
        expect.not_yours,
    );
    has(
        &in_private(&bot, &mia, &format!("/set delete {name}")).await,
        expect.owner_only,
    );

    // A set made inside a group holds that group, and a group may be in several sets.
    assert_eq!(
        in_group(&bot, GROUP_C, "C 群", &owner, "/set new 上海群").await,
        expect.created_here
    );
    assert_eq!(set_groups(&bot, "上海群").await, [GROUP_C]);
    assert_eq!(set_count(&bot).await, 2);
    let listed = in_private(&bot, &owner, "/set list").await;
    has(&listed, name);
    has(&listed, "上海群");
    bot.stop().await;
}

/// The chats `user` was banned in, sorted.
fn banned_in(bot: &TestBot, user: i64) -> Vec<i64> {
    let mut chats: Vec<i64> = bot
        .api
        .calls("banChatMember")
        .iter()
        .filter(|c| c.params["user_id"].as_i64() == Some(user))
        .filter_map(|c| c.params["chat_id"].as_i64())
        .collect();
    chats.sort_unstable();
    chats
}

async fn wait_banned_in(bot: &TestBot, user: i64, count: usize) -> Vec<i64> {
    bot.api
        .wait_until(crate::support::harness::WAIT, |_| {
            banned_in(bot, user).len() >= count
        })
        .await;
    banned_in(bot, user)
}

async fn shared_bans_flow(expect: Expect) {
    const GROUP_D: i64 = -100_2404;
    const SPAMMER: i64 = 24_100;
    const ALLOWED: i64 = 24_101;
    let bot = TestBot::start().await;
    let owner = person(OWNER, "Olivia", "olivia", expect.lang);
    let mia = person(MIA, "Mia", "mia", expect.lang);
    let mia_full = admin_with(mia.clone(), &["can_change_info", "can_restrict_members"]);
    let mia_info = admin_with(mia.clone(), &["can_change_info"]);
    add_to_group(&bot, GROUP_A, "A 群", owner.clone(), vec![mia_full]).await;
    add_to_group(&bot, GROUP_B, "B 群", owner.clone(), vec![mia_info]).await;
    let mia_restrict = admin_with(mia.clone(), &["can_restrict_members"]);
    add_to_group(&bot, GROUP_C, "C 群", owner.clone(), vec![mia_restrict]).await;
    add_to_group(&bot, GROUP_D, "D 群", owner.clone(), vec![]).await;
    let name = expect.name;
    in_private(&bot, &owner, &format!("/set new {name}")).await;
    let add = format!("/set add {name}");
    for (chat, title) in [(GROUP_A, "A 群"), (GROUP_B, "B 群"), (GROUP_C, "C 群")] {
        assert_eq!(
            in_group(&bot, chat, title, &owner, &add).await,
            expect.added
        );
    }
    has(
        &in_private(&bot, &owner, &format!("/set sharebans {name} on")).await,
        expect.sharebans_on,
    );

    // Mia's own set holds A and B; she may not ban in B, so its shared bans stay off.
    in_group(&bot, GROUP_A, "A 群", &mia, "/set new 二").await;
    in_group(&bot, GROUP_B, "B 群", &mia, "/set add 二").await;
    assert_eq!(set_groups(&bot, "二").await, [GROUP_B, GROUP_A]);
    assert_eq!(
        in_private(&bot, &mia, "/set sharebans 二 on").await,
        expect.sharebans_refused
    );
    let shares: bool = sqlx::query_scalar("SELECT share_bans FROM group_sets WHERE name = '二'")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert!(!shares, "nothing changed");

    // An allowed member banned in A stays welcome elsewhere.
    assert_eq!(
        in_private(&bot, &owner, &format!("/set allow {name} {ALLOWED}")).await,
        expect.allowed
    );
    in_group(&bot, GROUP_A, "A 群", &owner, &format!("/ban {ALLOWED}")).await;
    assert_eq!(wait_banned_in(&bot, ALLOWED, 1).await, [GROUP_A]);

    // The owner's ban in A reaches B and C, each logged there with its origin and the admin.
    in_group(&bot, GROUP_A, "A 群", &owner, &format!("/ban {SPAMMER}")).await;
    assert_eq!(
        wait_banned_in(&bot, SPAMMER, 3).await,
        [GROUP_C, GROUP_B, GROUP_A]
    );
    let logged: Vec<(i64, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT chat_id, rule, detail, actor_id FROM moderation_violations
         WHERE user_id = ? AND action = 'ban' ORDER BY chat_id",
    )
    .bind(SPAMMER)
    .fetch_all(&bot.ctx.storage.read)
    .await
    .unwrap();
    let origin = format!("A 群 ({GROUP_A})");
    assert_eq!(
        logged,
        vec![
            (GROUP_C, "shared".into(), origin.clone(), Some(OWNER)),
            (GROUP_B, "shared".into(), origin, Some(OWNER)),
            (GROUP_A, "manual".into(), String::new(), Some(OWNER)),
        ]
    );
    assert_eq!(
        banned_in(&bot, ALLOWED),
        [GROUP_A],
        "the allowed member stays"
    );

    // D joins the set later; the banned member is refused at its gate when they join, anyone else is not.
    assert_eq!(
        in_group(&bot, GROUP_D, "D 群", &owner, &add).await,
        expect.added
    );
    let spammer = person(SPAMMER, "Spam", "spam_here", expect.lang);
    bot.push(new_members(GROUP_D, spammer.clone(), vec![spammer]));
    assert_eq!(
        wait_banned_in(&bot, SPAMMER, 4).await,
        [GROUP_D, GROUP_C, GROUP_B, GROUP_A]
    );
    // Asking to join is declined too.
    bot.push(join_request(
        GROUP_C,
        person(SPAMMER, "Spam", "spam_here", expect.lang),
        None,
    ));
    let declined = bot
        .api
        .wait_for("declineChatJoinRequest", 1, crate::support::harness::WAIT)
        .await;
    assert_eq!(declined[0].params["chat_id"], GROUP_C);
    assert_eq!(declined[0].params["user_id"], SPAMMER);
    let allowed = person(ALLOWED, "Al", "al_here", expect.lang);
    bot.push(new_members(GROUP_D, allowed.clone(), vec![allowed]));
    bot.settle().await;
    assert_eq!(banned_in(&bot, ALLOWED), [GROUP_A]);

    // Unbanning in A offers to unban everywhere; Mia's press unbans in C, where she may ban now,
    // and names B and D, where she may not.
    let before = bot.texts_to(GROUP_A).len();
    bot.push(group_message(
        GROUP_A,
        owner.clone(),
        &format!("/unban {SPAMMER}"),
    ));
    let texts = bot.wait_texts(GROUP_A, before + 2).await;
    bot.settle().await;
    assert!(
        texts[before..].iter().any(|t| t == expect.unban_offer),
        "{texts:?}"
    );
    let offer = bot
        .api
        .calls("sendMessage")
        .into_iter()
        .find(|c| c.params["text"].as_str() == Some(expect.unban_offer))
        .unwrap();
    let data = offer.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        .as_str()
        .unwrap()
        .to_string();
    let before = bot.texts_to(GROUP_A).len();
    bot.push(callback(GROUP_A, mia.clone(), 9_999, &data));
    let texts = bot.wait_texts(GROUP_A, before + 1).await;
    assert_eq!(texts[before], expect.unbanned);
    let unbans = |bot: &TestBot| {
        let mut chats: Vec<i64> = bot
            .api
            .calls("unbanChatMember")
            .iter()
            .filter(|c| c.params["user_id"].as_i64() == Some(SPAMMER))
            .filter_map(|c| c.params["chat_id"].as_i64())
            .collect();
        chats.sort_unstable();
        chats
    };
    bot.api
        .wait_until(crate::support::harness::WAIT, |_| unbans(&bot).len() >= 2)
        .await;
    assert_eq!(unbans(&bot), [GROUP_C, GROUP_A]);
    let logged: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT chat_id, rule, actor_id FROM moderation_violations
         WHERE user_id = ? AND action = 'unban' ORDER BY chat_id",
    )
    .bind(SPAMMER)
    .fetch_all(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(
        logged,
        vec![
            (GROUP_C, "shared".into(), Some(MIA)),
            (GROUP_A, "manual".into(), Some(OWNER)),
        ]
    );
    // The shared ban is lifted: joining another group of the set is no longer refused.
    let spammer = person(SPAMMER, "Spam", "spam_here", expect.lang);
    bot.push(new_members(GROUP_B, spammer.clone(), vec![spammer]));
    bot.settle().await;
    assert_eq!(banned_in(&bot, SPAMMER).len(), 4, "no new ban");
    bot.stop().await;
}

#[tokio::test]
async fn a_shared_ban_spreads_over_the_set_and_refuses_the_member_at_a_later_gate_zh() {
    shared_bans_flow(ZH).await;
}

#[tokio::test]
async fn a_shared_ban_spreads_over_the_set_and_refuses_the_member_at_a_later_gate_en() {
    shared_bans_flow(EN).await;
}

#[tokio::test]
async fn group_sets_are_built_with_rights_checked_in_each_group_zh() {
    group_sets_flow(ZH).await;
}

#[tokio::test]
async fn group_sets_are_built_with_rights_checked_in_each_group_en() {
    group_sets_flow(EN).await;
}

#[tokio::test]
async fn a_member_who_is_no_admin_cannot_make_a_set_in_a_group() {
    let bot = TestBot::start().await;
    let owner = person(OWNER, "Olivia", "olivia", "zh-hans");
    add_to_group(&bot, GROUP_A, "A 群", owner.clone(), vec![]).await;
    let stranger = person(STRANGER, "Sam", "sam", "zh-hans");
    let answer = in_group(&bot, GROUP_A, "A 群", &stranger, "/set new 课程群").await;
    assert_eq!(answer, "只有群管理员才能这样做。");
    assert_eq!(set_count(&bot).await, 0);
    bot.stop().await;
}

#[tokio::test]
async fn a_set_follows_its_group_to_the_supergroup() {
    let bot = TestBot::start().await;
    let owner = person(OWNER, "Olivia", "olivia", "en");
    const OLD: i64 = -2_404;
    bot.api.set_admins(
        OLD,
        vec![member(owner.clone(), "creator"), bot_admin_member()],
    );
    bot.push(my_chat_member(
        basic_group(OLD),
        owner.clone(),
        "left",
        "administrator",
    ));
    bot.wait_texts(OLD, 1).await;
    bot.settle().await;
    let before = bot.texts_to(OLD).len();
    bot.push(serde_json::json!({"message": text_message(basic_group(OLD), owner.clone(), "/set new Courses")}));
    bot.wait_texts(OLD, before + 1).await;
    bot.settle().await;
    assert_eq!(set_groups(&bot, "Courses").await, [OLD]);
    bot.api.set_admins(
        GROUP_A,
        vec![member(owner.clone(), "creator"), bot_admin_member()],
    );
    bot.push(migrate_to(OLD, GROUP_A, owner.clone()));
    bot.settle().await;
    assert_eq!(set_groups(&bot, "Courses").await, [GROUP_A]);
    bot.stop().await;
}

/// The rules of a group, as its setting holds them.
async fn rules_of(bot: &TestBot, chat: i64) -> String {
    match groupops::features::changes::value_of(&bot.ctx, chat, "welcome.rules")
        .await
        .unwrap()
    {
        Some((_, groupops::settings_model::Value::Text(text))) => text,
        other => panic!("rules are text: {other:?}"),
    }
}

async fn settings_copy_flow(lang: &str, words: [&str; 6]) {
    let [plan_head, rules_line, refused, applied, reverted, no_such] = words;
    let bot = TestBot::start().await;
    let owner = person(OWNER, "Olivia", "olivia", lang);
    let mia = person(MIA, "Mia", "mia", lang);
    let mia_info = admin_with(mia.clone(), &["can_change_info"]);
    add_to_group(&bot, GROUP_A, "A 群", owner.clone(), vec![mia_info.clone()]).await;
    add_to_group(&bot, GROUP_B, "B 群", owner.clone(), vec![]).await;
    add_to_group(&bot, GROUP_C, "C 群", owner.clone(), vec![mia_info]).await;
    in_private(&bot, &owner, "/set new 课程群").await;
    for (chat, title) in [(GROUP_A, "A 群"), (GROUP_B, "B 群"), (GROUP_C, "C 群")] {
        in_group(&bot, chat, title, &owner, "/set add 课程群").await;
    }
    in_private(&bot, &owner, &format!("/set manager add 课程群 {MIA}")).await;
    in_group(&bot, GROUP_A, "A 群", &owner, "/setrules 不准发广告").await;
    in_group(&bot, GROUP_C, "C 群", &owner, "/setrules 旧群规").await;

    // Bad input changes nothing.
    has(
        &in_private(&bot, &mia, &format!("/set apply {GROUP_A} 不存在 welcome")).await,
        "不存在",
    );
    has(
        &in_private(&bot, &mia, &format!("/set apply {GROUP_A} 课程群 colours")).await,
        "colours",
    );
    has(&in_private(&bot, &mia, "/set revert 7").await, no_such);

    // Mia copies A's welcome section (named in the test's language): C is planned with its diff, B
    // (where she is no admin) refused.
    let user = MIA;
    let before = bot.texts_to(user).len();
    let section = if lang == "en" { "welcome" } else { "欢迎" };
    bot.push(private_message(
        mia.clone(),
        &format!("/set apply {GROUP_A} 课程群 {section}"),
    ));
    let texts = bot.wait_texts(user, before + 2).await;
    bot.settle().await;
    let plan = texts[before..].join("\n");
    has(&plan, plan_head);
    has(&plan, "<b>C 群 (-1002403)</b>");
    has(&plan, rules_line);
    has(&plan, refused);
    assert!(!plan.contains("<b>B 群"), "{plan}");
    assert_eq!(
        rules_of(&bot, GROUP_C).await,
        "旧群规",
        "nothing before the press"
    );
    let ask = bot
        .api
        .calls("sendMessage")
        .into_iter()
        .rev()
        .find(|c| c.params["chat_id"].as_i64() == Some(user))
        .unwrap();
    let data = ask.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        .as_str()
        .unwrap()
        .to_string();
    // Someone else's press does nothing.
    bot.push(callback(user, owner.clone(), 9_001, &data));
    bot.settle().await;
    assert_eq!(rules_of(&bot, GROUP_C).await, "旧群规");
    let before = bot.texts_to(user).len();
    bot.push(callback(user, mia.clone(), 9_001, &data));
    let texts = bot.wait_texts(user, before + 1).await;
    has(&texts[before], applied);
    assert_eq!(rules_of(&bot, GROUP_C).await, "不准发广告");
    assert_eq!(rules_of(&bot, GROUP_B).await, "", "B unchanged");
    let source: String = sqlx::query_scalar(
        "SELECT source FROM settings_changes WHERE chat_id = ? AND key = 'welcome.rules'
         ORDER BY id DESC LIMIT 1",
    )
    .bind(GROUP_C)
    .fetch_one(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(source, "set_copy");

    // Reverted: C has its old rules back; a second revert is refused.
    has(&in_private(&bot, &mia, "/set revert 1").await, reverted);
    assert_eq!(rules_of(&bot, GROUP_C).await, "旧群规");
    assert_eq!(
        rules_of(&bot, GROUP_A).await,
        "不准发广告",
        "the template stays"
    );
    has(&in_private(&bot, &mia, "/set revert 1").await, "#1");
    assert_eq!(rules_of(&bot, GROUP_C).await, "旧群规");
    bot.stop().await;
}

#[tokio::test]
async fn settings_are_copied_to_a_set_with_a_diff_and_reverted_zh() {
    settings_copy_flow(
        "zh-hans",
        [
            "复制 #1：把 A 群 (-1002401) 的设置复制到集合“课程群”。",
            "群规：旧群规 → 不准发广告",
            "您现在缺少权限的群未改动：B 群 (-1002402)。",
            "复制 #1 已在 1 个群应用。",
            "复制 #1 已在 1 个群恢复原来的设置。",
            "没有属于您所管理集合的复制 #7。",
        ],
    )
    .await;
}

#[tokio::test]
async fn settings_are_copied_to_a_set_with_a_diff_and_reverted_en() {
    settings_copy_flow(
        "en",
        [
            "Copy #1: the settings of A 群 (-1002401) to the set “课程群”.",
            "Rules: 旧群规 → 不准发广告",
            "Refused where you lack the right now: B 群 (-1002402).",
            "Copy #1 applied in 1 groups.",
            "Copy #1 reverted in 1 groups",
            "There is no copy #7 of a set you run.",
        ],
    )
    .await;
}

#[tokio::test]
async fn the_ladders_ban_step_spreads_over_the_set_without_an_admin() {
    const POSTER: i64 = 24_200;
    let bot = TestBot::start().await;
    let owner = person(OWNER, "Olivia", "olivia", "zh-hans");
    add_to_group(&bot, GROUP_A, "A 群", owner.clone(), vec![]).await;
    add_to_group(&bot, GROUP_B, "B 群", owner.clone(), vec![]).await;
    in_group(&bot, GROUP_A, "A 群", &owner, "/set new 福利群").await;
    in_group(&bot, GROUP_B, "B 群", &owner, "/set add 福利群").await;
    in_private(&bot, &owner, "/set sharebans 福利群 on").await;
    in_group(&bot, GROUP_A, "A 群", &owner, "/ladder ban").await;
    bot.push(group_message(
        GROUP_A,
        person(POSTER, "Ad", "ad_poster", "zh-hans"),
        "兼职刷单，日结300，名额有限",
    ));
    assert_eq!(wait_banned_in(&bot, POSTER, 2).await, [GROUP_B, GROUP_A]);
    let logged: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT rule, actor_id FROM moderation_violations WHERE chat_id = ? AND user_id = ?",
    )
    .bind(GROUP_B)
    .bind(POSTER)
    .fetch_all(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(logged, vec![("shared".to_string(), None)]);
    bot.stop().await;
}
