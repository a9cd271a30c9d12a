//! Settings copied from a template group to a set (`/set apply <template group id> <set> [sections]`, in
//! private): a per-group diff first, built by the settings model's diff ([`file::diff`]) of each group's
//! settings against the template's, then a confirm press; then `/set revert <copy id>` puts back the
//! values from before. Every change goes through the one change path ([`changes::change`], logged as a
//! set copy), and a group takes its changes only while the caller holds, at that moment, the right each
//! setting needs there and the group may take the value; the others are named as refused.

use super::store;
use crate::features::changes::{self, Source};
use crate::features::setting;
use crate::i18n::Lang;
use crate::services::{Call, Ctx};
use crate::settings_model::file::{self, Change};
use crate::settings_model::{choice_label, Kind, Section, Spec, Value};
use crate::telegram::outbound::Text;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use teloxide::types::{CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup};

/// The prefix of the confirm button's callback data (`gs:<copy id>`).
pub const PREFIX: &str = "gs:";

/// The longest value shown in a diff line, in characters.
const SHOWN_CHARS: usize = 40;

/// How a group is named: its title and id.
async fn label(ctx: &Ctx, chat_id: i64) -> String {
    match ctx.groups.get(&ctx.storage, chat_id).await {
        Ok(Some(group)) if !group.title.is_empty() => format!("{} ({chat_id})", group.title),
        _ => chat_id.to_string(),
    }
}

/// Whether `user` may make `changes` in `chat_id` now: an admin there holding the right each setting
/// needs, and every value one the group may take.
async fn may_take(ctx: &Ctx, chat_id: i64, user: i64, changes: &[Change]) -> crate::Result<bool> {
    let Some(rights) = ctx.admins.rights(chat_id, user as u64).await.ok().flatten() else {
        return Ok(false);
    };
    for change in changes {
        let Some((_, spec)) = setting(&change.key) else {
            return Ok(false);
        };
        if !rights.has(spec.right) {
            return Ok(false);
        }
        let value = match spec.check(change.new.clone()) {
            Ok(value) => value,
            Err(_) => return Ok(false),
        };
        if changes::allowed(ctx, chat_id, spec, &value).await?.is_err() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Makes `changes` in `chat_id` through the one change path, by `user`.
async fn make(ctx: &Ctx, chat_id: i64, user: i64, changes: &[Change]) -> crate::Result<()> {
    for change in changes {
        if let Some((_, spec)) = setting(&change.key) {
            changes::change(
                ctx,
                chat_id,
                spec,
                change.new.clone(),
                user,
                Source::SetCopy,
            )
            .await?;
        }
    }
    Ok(())
}

/// A value in words of a language, as a diff line shows it.
fn shown(ctx: &Ctx, lang: Lang, spec: &Spec, value: &Value) -> String {
    let text = match (spec.kind, value) {
        (_, Value::Bool(on)) => ctx.t(lang, if *on { "settings-on" } else { "settings-off" }),
        (Kind::Duration { .. }, Value::Int(secs)) => {
            ctx.duration(lang, std::time::Duration::from_secs((*secs).max(0) as u64))
        }
        (_, Value::Int(n)) => n.to_string(),
        (Kind::Choice(choices), Value::Text(text)) if choices.contains(&text.as_str()) => {
            ctx.t(lang, &choice_label(text))
        }
        (_, Value::Text(text)) if text.is_empty() => ctx.t(lang, "settings-text-default"),
        (_, Value::Text(text)) => text.clone(),
        (_, Value::List(items)) if items.is_empty() => ctx.t(lang, "settings-none"),
        (_, Value::List(items)) => items
            .iter()
            .map(|item| ctx.t(lang, &choice_label(item)))
            .collect::<Vec<_>>()
            .join(&ctx.t(lang, "list-separator")),
    };
    if text.chars().count() > SHOWN_CHARS {
        let mut short: String = text.chars().take(SHOWN_CHARS).collect();
        short.push('…');
        short
    } else {
        text
    }
}

fn change_line(ctx: &Ctx, lang: Lang, change: &Change) -> String {
    match setting(&change.key) {
        Some((_, spec)) => ctx.ta(
            lang,
            "settings-diff-line",
            &crate::fargs! {
                "setting" => ctx.t(lang, &spec.label()),
                "old" => shown(ctx, lang, spec, &change.old),
                "new" => shown(ctx, lang, spec, &change.new),
            },
        ),
        None => change.key.clone(),
    }
}

fn refused_line(ctx: &Ctx, lang: Lang, refused: &[String]) -> String {
    ctx.ta(
        lang,
        "sets-copy-refused",
        &crate::fargs! {"groups" => refused.join(&ctx.t(lang, "list-separator"))},
    )
}

/// `/set apply <template> <set> [sections]` in private: each group's diff against the template in the
/// chosen sections (all when none are named), with the confirm button; nothing changes here.
pub(super) async fn apply(
    call: &Call<'_>,
    template: i64,
    name: &str,
    sections: &[Section],
) -> HandlerResult {
    let ctx = call.ctx;
    if call.chat_id < 0 {
        call.say(call.t("sets-copy-private"));
        return Ok(());
    }
    let Some((set, _)) = super::access::set_for_caller(call, name, false).await? else {
        return Ok(());
    };
    let user = call.sender_id();
    if ctx
        .admins
        .rights(template, user as u64)
        .await
        .ok()
        .flatten()
        .is_none()
    {
        let group = label(ctx, template).await;
        call.say(call.ta(
            "sets-copy-template-refused",
            &crate::fargs! {"group" => group},
        ));
        return Ok(());
    }
    let wanted: Vec<(&'static Spec, Value)> = changes::current(ctx, template)
        .await?
        .into_iter()
        .filter(|(spec, _)| sections.is_empty() || sections.contains(&spec.section))
        .collect();
    let groups = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::groups(&mut conn, set.set_id).await?
    };
    let mut planned = Vec::new();
    let mut refused = Vec::new();
    for group in groups.iter().filter(|g| g.chat_id != template) {
        let now = changes::current(ctx, group.chat_id).await?;
        let diff = file::diff(&now, &wanted);
        if diff.is_empty() {
            continue;
        }
        if may_take(ctx, group.chat_id, user, &diff).await? {
            planned.push((group.chat_id, diff));
        } else {
            refused.push(label(ctx, group.chat_id).await);
        }
    }
    if planned.is_empty() {
        let mut text = call.ta("sets-copy-nothing", &crate::fargs! {"name" => set.name});
        if !refused.is_empty() {
            text.push('\n');
            text.push_str(&refused_line(ctx, call.lang, &refused));
        }
        call.say(text);
        return Ok(());
    }
    let stored: Vec<(i64, String)> = planned
        .iter()
        .map(|(chat_id, diff)| (*chat_id, serde_json::to_string(diff).unwrap_or_default()))
        .collect();
    let copy_id = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::plan_copy(&mut conn, set.set_id, template, user, &stored, ctx.now()).await?
    };
    let template_label = label(ctx, template).await;
    let mut html = escape(&call.ta(
        "sets-copy-plan",
        &crate::fargs! {"id" => copy_id, "template" => template_label, "name" => set.name},
    ));
    for (chat_id, diff) in &planned {
        html.push_str(&format!(
            "\n\n<b>{}</b>",
            escape(&label(ctx, *chat_id).await)
        ));
        for change in diff {
            html.push_str(&format!(
                "\n• {}",
                escape(&change_line(ctx, call.lang, change))
            ));
        }
    }
    if !refused.is_empty() {
        html.push_str(&format!(
            "\n\n{}",
            escape(&refused_line(ctx, call.lang, &refused))
        ));
    }
    let button =
        InlineKeyboardButton::callback(call.t("sets-copy-confirm"), format!("{PREFIX}{copy_id}"));
    for piece in crate::telegram::text::split_html(&html, crate::telegram::text::MAX_TEXT) {
        ctx.outbound.send_text(Text::html(call.chat_id, piece));
    }
    ctx.outbound.send_text(
        Text::plain(call.chat_id, call.t("sets-copy-ask"))
            .markup(InlineKeyboardMarkup::new([[button]])),
    );
    Ok(())
}

/// The confirm press of a planned copy: by whoever planned it, once. Each group takes its changes only
/// where the presser still holds the rights now; the rest are named as refused.
pub(super) async fn on_press(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let lang = Lang::from_telegram(query.from.language_code.as_deref())
        .unwrap_or_else(|| ctx.default_lang());
    let user = query.from.id.0 as i64;
    let copy_id = query
        .data
        .as_deref()
        .and_then(|d| d.strip_prefix(PREFIX))
        .and_then(|id| id.parse::<i64>().ok());
    let copy = match copy_id {
        Some(id) => {
            let mut conn = ctx.storage.read.acquire().await?;
            store::copy(&mut conn, id).await?
        }
        None => None,
    };
    let Some(copy) = copy.filter(|c| c.user_id == user) else {
        ctx.outbound
            .answer_press(&query, ctx.t(lang, "sets-copy-unknown"), false);
        return Ok(());
    };
    let moved = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::move_copy(&mut conn, copy.copy_id, "planned", "applied").await?
    };
    if !moved {
        ctx.outbound
            .answer_press(&query, ctx.t(lang, "sets-copy-done-already"), false);
        return Ok(());
    }
    ctx.outbound.answer_press(&query, String::new(), false);
    let groups = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::copy_groups(&mut conn, copy.copy_id, "planned").await?
    };
    let (mut applied, mut refused) = (0, Vec::new());
    for (chat_id, stored) in groups {
        let diff: Vec<Change> = serde_json::from_str(&stored).unwrap_or_default();
        let outcome = if may_take(&ctx, chat_id, user, &diff).await? {
            make(&ctx, chat_id, user, &diff).await?;
            applied += 1;
            "applied"
        } else {
            refused.push(label(&ctx, chat_id).await);
            "refused"
        };
        let mut conn = ctx.storage.write.acquire().await?;
        store::set_outcome(&mut conn, copy.copy_id, chat_id, outcome).await?;
    }
    let mut text = ctx.ta(
        lang,
        "sets-copy-applied",
        &crate::fargs! {"id" => copy.copy_id, "count" => applied},
    );
    if !refused.is_empty() {
        text.push('\n');
        text.push_str(&refused_line(&ctx, lang, &refused));
    }
    ctx.outbound.send_text(Text::plain(user, text));
    Ok(())
}

/// `/set revert <copy id>`: an owner or manager of the copy's set puts back, in each group the copy
/// changed, the values from before, where they hold the rights now; the rest are named as refused.
pub(super) async fn revert(call: &Call<'_>, copy_id: i64) -> HandlerResult {
    let ctx = call.ctx;
    let user = call.sender_id();
    let copy = {
        let mut conn = ctx.storage.read.acquire().await?;
        match store::copy(&mut conn, copy_id).await? {
            Some(copy) if store::role(&mut conn, copy.set_id, user).await?.is_some() => Some(copy),
            _ => None,
        }
    };
    let Some(copy) = copy else {
        call.say(call.ta("sets-copy-no-such", &crate::fargs! {"id" => copy_id}));
        return Ok(());
    };
    let moved = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::move_copy(&mut conn, copy.copy_id, "applied", "reverted").await?
    };
    if !moved {
        call.say(call.ta("sets-copy-not-applied", &crate::fargs! {"id" => copy_id}));
        return Ok(());
    }
    let groups = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::copy_groups(&mut conn, copy.copy_id, "applied").await?
    };
    let (mut reverted, mut refused) = (0, Vec::new());
    for (chat_id, stored) in groups {
        let back: Vec<Change> = serde_json::from_str::<Vec<Change>>(&stored)
            .unwrap_or_default()
            .into_iter()
            .map(|c| Change {
                key: c.key,
                old: c.new,
                new: c.old,
            })
            .collect();
        if may_take(ctx, chat_id, user, &back).await? {
            make(ctx, chat_id, user, &back).await?;
            let mut conn = ctx.storage.write.acquire().await?;
            store::set_outcome(&mut conn, copy.copy_id, chat_id, "reverted").await?;
            reverted += 1;
        } else {
            refused.push(label(ctx, chat_id).await);
        }
    }
    let mut text = call.ta(
        "sets-copy-reverted",
        &crate::fargs! {"id" => copy_id, "count" => reverted},
    );
    if !refused.is_empty() {
        text.push('\n');
        text.push_str(&refused_line(ctx, call.lang, &refused));
    }
    call.say(text);
    Ok(())
}
