//! Members are named, not numbered: `/modlog` names the member (with their id) and the admin, `/ledger`
//! says from or to whom points moved and which packet, `/verify` names the winners and who took which
//! share, and an anonymous admin is "匿名管理员" / "anonymous admin", never a link to the group.

use crate::support::fake_api::bot_admin_member;
use crate::support::harness::TestBot;
use crate::support::members::owner;
use crate::support::redpackets::announcement;
use crate::support::updates::*;
use serde_json::Value;

const GROUP: i64 = -100_939;
const OWNER: i64 = 1_939;
const MIA: i64 = 2_939;
const BEN: i64 = 3_939;

fn mia() -> Value {
    user_with(MIA, "Mia", Some("mia_here"), None)
}

fn ben() -> Value {
    user_with(BEN, "Ben", Some("ben_here"), None)
}

/// A group in `lang` with transfers on, where Mia and Ben have spoken and Mia holds 100 points.
async fn group(lang: &str) -> TestBot {
    let bot = TestBot::start_with(&[
        ("GROUPOPS_WELCOME__CAPTCHA", "off"),
        ("GROUPOPS_ECONOMY__TRANSFER_ENABLED", "true"),
    ])
    .await;
    bot.api.set_admins(
        GROUP,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    bot.push(group_message(GROUP, owner(OWNER), &format!("/lang {lang}")));
    bot.push(group_message(GROUP, owner(OWNER), "/welcome off"));
    bot.push(group_message(GROUP, mia(), "hi all"));
    bot.push(group_message(GROUP, ben(), "hello there"));
    bot.wait_texts(GROUP, 2).await;
    bot.settle().await;
    say(&bot, owner(OWNER), "/give @mia_here 100").await;
    bot
}

async fn say(bot: &TestBot, from: Value, text: &str) -> String {
    bot.answer_read_by(GROUP, from, text).await.text
}

/// The line of a `/ledger` answer that holds `needle`.
fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in {text}"))
}

async fn names_in(lang: &str, words: Names) {
    let bot = group(lang).await;
    say(&bot, mia(), "/transfer @ben_here 30").await;
    say(&bot, mia(), "/hongbao 20 1").await;
    let message_id = announcement(&bot.ctx.storage.read, 1).await;
    let pressed = bot.api.calls("answerCallbackQuery").len();
    bot.push(callback(GROUP, ben(), message_id, "rp:1"));
    bot.api
        .wait_for(
            "answerCallbackQuery",
            pressed + 1,
            crate::support::harness::WAIT,
        )
        .await;
    bot.settle().await;
    let verify = say(&bot, ben(), "/verify P1").await;
    assert!(verify.contains(words.claimed), "{verify}");
    let ledger = say(&bot, mia(), "/ledger").await;
    assert!(
        line_with(&ledger, "-30").ends_with(words.to_ben),
        "{ledger}"
    );
    assert!(
        line_with(&ledger, "-20").ends_with(words.packet),
        "{ledger}"
    );
    let ledger = say(&bot, ben(), "/ledger").await;
    assert!(
        line_with(&ledger, "+30").ends_with(words.from_mia),
        "{ledger}"
    );

    say(&bot, owner(OWNER), "/ban @ben_here 1d").await;
    let log = say(&bot, owner(OWNER), "/modlog").await;
    assert!(log.contains(words.modlog), "{log}");
    assert!(!log.contains(&format!("· {OWNER}")), "{log}");
    bot.stop().await;
}

struct Names {
    to_ben: &'static str,
    from_mia: &'static str,
    packet: &'static str,
    claimed: &'static str,
    modlog: &'static str,
}

#[tokio::test]
async fn members_are_named_in_the_ledger_and_the_log_zh() {
    names_in(
        "zh",
        Names {
            to_ben: "转账 · 给 Ben",
            from_mia: "转账 · 来自 Mia",
            packet: "红包 P1",
            claimed: "领取：Ben 20",
            modlog: "#1 封禁 1 天 · Ben（3939） · Olivia · 管理员操作",
        },
    )
    .await;
}

#[tokio::test]
async fn members_are_named_in_the_ledger_and_the_log_en() {
    names_in(
        "en",
        Names {
            to_ben: "· to Ben",
            from_mia: "· from Mia",
            packet: "red packet P1",
            claimed: "Claimed by: Ben 20",
            modlog: "#1 banned for 1 day · Ben (3939) · Olivia · ",
        },
    )
    .await;
}

/// The shared naming helper every list above goes through: the anonymous admin account, and the group
/// an anonymous admin's command is recorded under, are named as such and never linked.
#[tokio::test]
async fn an_anonymous_admin_is_named_not_linked() {
    use groupops::i18n::Lang;
    let bot = TestBot::start().await;
    let ctx = &bot.ctx;
    for (lang, word) in [(Lang::Zh, "匿名管理员"), (Lang::En, "anonymous admin")] {
        assert_eq!(
            ctx.member_name(lang, GROUP_ANONYMOUS_BOT_ID, Some("Group")),
            word
        );
        assert_eq!(ctx.member_name(lang, GROUP, None), word);
        assert_eq!(ctx.member_html(lang, GROUP_ANONYMOUS_BOT_ID, "Group"), word);
        assert_eq!(
            ctx.member_html(lang, MIA, "Mia"),
            format!("<a href=\"tg://user?id={MIA}\">Mia</a>")
        );
    }
    assert_eq!(ctx.member_name(Lang::Zh, MIA, None), format!("成员 {MIA}"));
    assert_eq!(
        ctx.member_name(Lang::En, MIA, None),
        format!("member {MIA}")
    );
    bot.stop().await;
}
