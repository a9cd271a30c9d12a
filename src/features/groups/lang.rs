//! `/lang`: which language a group speaks, and switching it.

use crate::fargs;
use crate::i18n::Lang;
use crate::services::Call;
use crate::storage::groups as records;
use crate::telegram::admins::Right;
use crate::telegram::HandlerResult;

/// `/lang zh|en`: the group's language, for admins who may change the group's info. Every form is
/// answered: the language switched, the one already spoken, the current one (no argument), or the usage.
pub(super) async fn lang(call: &Call<'_>, arg: &str) -> HandlerResult {
    let (ctx, message) = (call.ctx, call.message);
    if message.chat.is_private() {
        call.say(call.t("group-only"));
        return Ok(());
    }
    // With no argument, anyone may ask which language the group speaks.
    if arg.trim().is_empty() {
        let language = call.t(&format!("lang-name-{}", call.lang.code()));
        call.say(call.ta("lang-current", &fargs! {"language" => language}));
        return Ok(());
    }
    if !call.allowed(Right::ChangeInfo).await? {
        return Ok(());
    }
    let Some(wanted) = Lang::parse(arg) else {
        call.say(call.t("lang-usage"));
        return Ok(());
    };
    let chat_id = message.chat.id.0;
    let name = ctx.t(wanted, &format!("lang-name-{}", wanted.code()));
    let mut conn = ctx.storage.write.acquire().await?;
    let record = records::get(&mut conn, chat_id).await?;
    // Asking for the language the group already speaks changes nothing, and says so.
    if record
        .as_ref()
        .is_some_and(|group| Lang::parse(&group.language) == Some(wanted))
    {
        drop(conn);
        call.say(ctx.ta(wanted, "lang-already", &fargs! {"language" => name}));
        return Ok(());
    }
    if record.is_none() {
        // The bot was added while it was not running: record the group now.
        records::upsert_on_join(
            &mut conn,
            &records::NewGroup {
                chat_id,
                kind: super::membership::group_kind(&message.chat).unwrap_or("supergroup"),
                title: message.chat.title().unwrap_or_default(),
                username: message.chat.username(),
                language: wanted.code(),
                added_by: None,
                now: ctx.now(),
            },
        )
        .await?;
        if let Some(record) = records::get(&mut conn, chat_id).await? {
            ctx.groups.put(record);
        }
    }
    drop(conn);
    crate::features::changes::change_key(
        ctx,
        chat_id,
        "group.language",
        crate::settings_model::Value::Text(wanted.code().to_owned()),
        call.sender_id(),
        crate::features::changes::Source::Command,
    )
    .await?;
    ctx.reply_brief(
        message,
        ctx.ta(wanted, "lang-switched", &fargs! {"language" => name}),
    );
    Ok(())
}
