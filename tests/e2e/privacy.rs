//! What a private chat shows of a group: `/start rules_<group>` and `/verify P…` answer only someone who
//! could see the same in the group (a member now, per Telegram), and refuse anyone else in their language.

use crate::support::fake_api::bot_admin_member;
use crate::support::harness::TestBot;
use crate::support::members::owner;
use crate::support::updates::*;
use groupops::features::economy::ledger::{self, Account, Move};
use serde_json::Value;

const GROUP: i64 = -100_5151;
const OWNER: i64 = 8_101;
const MEMBER: i64 = 8_202;
const OUTSIDER: i64 = 8_303;

/// The language code of private chats in these tests, and the texts expected in it.
struct Wording {
    code: &'static str,
    rules_refused: &'static str,
    packet_refused: &'static str,
}

const ZH: Wording = Wording {
    code: "zh-hans",
    rules_refused: "这份群规只给本群成员看。请先加入该群再查看。",
    packet_refused: "红包 P1 只有所在群的成员能私聊查看验证；任何人都可以在那个群里发 /verify P1。",
};

const EN: Wording = Wording {
    code: "en",
    rules_refused: "These rules are shown only to members of their group. Join the group to read them.",
    packet_refused: "Packet P1 can be checked here only by members of its group; anyone can send /verify P1 in that group.",
};

/// A bot whose group has rules and one open packet; the outsider is not in the group.
async fn group_with_rules_and_a_packet() -> TestBot {
    let bot = TestBot::start_with(&[("GROUPOPS_WELCOME__CAPTCHA", "off")]).await;
    bot.api.set_admins(
        GROUP,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    bot.api
        .set_chat_member(GROUP, OUTSIDER, member(user(OUTSIDER, "Olga"), "left"));
    let mut conn = bot.ctx.storage.write.acquire().await.unwrap();
    ledger::transfer(
        &mut conn,
        &Move {
            chat_id: GROUP,
            from: Account::Mint,
            to: Account::Wallet(OWNER),
            amount: 1_000,
            reason: "test",
            actor: None,
            reference: None,
            at: 0,
        },
    )
    .await
    .unwrap();
    drop(conn);
    bot.push(group_message(GROUP, owner(OWNER), "/setrules No ads."));
    bot.push(group_message(GROUP, owner(OWNER), "/hongbao 100 3"));
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(texts.iter().any(|t| t.contains("P1")), "{texts:?}");
    bot
}

fn in_private(id: i64, name: &str, wording: &Wording) -> Value {
    user_with(id, name, None, Some(wording.code))
}

async fn private_chats_show_a_group_only_to_its_members(wording: Wording) {
    let bot = group_with_rules_and_a_packet().await;
    let outsider = in_private(OUTSIDER, "Olga", &wording);
    let member = in_private(MEMBER, "Mia", &wording);
    // The rules' deep link carries any group id; the outsider is refused.
    bot.push(private_message(
        outsider.clone(),
        &format!("/start rules_{GROUP}"),
    ));
    let texts = bot.wait_texts(OUTSIDER, 1).await;
    assert_eq!(texts[0], wording.rules_refused);
    bot.push(private_message(
        member.clone(),
        &format!("/start rules_{GROUP}"),
    ));
    let texts = bot.wait_texts(MEMBER, 1).await;
    assert!(texts[0].contains("No ads."), "{texts:?}");
    // A packet of the group, checked in private.
    bot.push(private_message(outsider, "/verify P1"));
    let texts = bot.wait_texts(OUTSIDER, 2).await;
    assert_eq!(texts[1], wording.packet_refused);
    bot.push(private_message(member, "/verify P1"));
    let texts = bot.wait_texts(MEMBER, 2).await;
    assert!(
        texts[1].contains("<code>"),
        "the member sees the commitment: {texts:?}"
    );
    assert!(bot.errors().is_empty(), "{:?}", bot.errors());
    bot.stop().await;
}

#[tokio::test]
async fn private_chats_show_a_group_only_to_its_members_zh() {
    private_chats_show_a_group_only_to_its_members(ZH).await;
}

#[tokio::test]
async fn private_chats_show_a_group_only_to_its_members_en() {
    private_chats_show_a_group_only_to_its_members(EN).await;
}
