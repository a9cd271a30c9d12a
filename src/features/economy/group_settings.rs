//! `/settz`, `/setreset` and `/setlevels`: a group's time zone, day start and levels. The time zone and
//! the day start change through the settings model (`features::changes`), which checks, writes and logs.

use super::call::EconomyCall;
use super::store;
use crate::fargs;
use crate::features::changes::{self, Source};
use crate::i18n::Lang;
use crate::settings_model::Value;
use crate::storage::groups as records;
use crate::telegram::admins::Right;
use crate::telegram::HandlerResult;
use teloxide::types::{ChatKind, PublicChatKind};

impl EconomyCall<'_> {
    pub(super) async fn setlevels(&self, arg: &str) -> HandlerResult {
        if !self.allowed(Right::ChangeInfo).await? {
            return Ok(());
        }
        if arg.is_empty() {
            let mut conn = self.ctx.storage.read.acquire().await?;
            let current = crate::facts::levels(&mut conn, self.chat_id).await?;
            self.say(self.ta(
                "economy-setlevels-usage",
                &fargs! {"current" => current.to_command_text()},
            ));
            return Ok(());
        }
        let chosen = if matches!(arg, "default" | "reset" | "默认") {
            None
        } else {
            match crate::facts::levels::Levels::parse(arg) {
                Ok(levels) => Some(levels),
                Err(err) => {
                    self.say(self.ta(
                        "economy-setlevels-bad",
                        &fargs! {"why" => levels_error_text(&self.ctx.i18n, self.lang, &err)},
                    ));
                    return Ok(());
                }
            }
        };
        match &chosen {
            // Chosen levels change through the settings model, which writes and logs them.
            Some(levels) => {
                changes::change_key(
                    self.ctx,
                    self.chat_id,
                    "economy.levels",
                    Value::Text(levels.to_command_text()),
                    self.sender_id(),
                    Source::Command,
                )
                .await?;
            }
            None => {
                let mut conn = self.ctx.storage.write.acquire().await?;
                store::set_levels(&mut conn, self.chat_id, None).await?;
            }
        }
        let mut conn = self.ctx.storage.read.acquire().await?;
        let now = crate::facts::levels(&mut conn, self.chat_id).await?;
        self.say(self.ta(
            "economy-setlevels-done",
            &fargs! {"levels" => now.to_command_text()},
        ));
        Ok(())
    }

    /// Makes sure the group has a record (the bot may have been added while it was not running).
    pub(super) async fn ensure_group(
        &self,
        conn: &mut sqlx::SqliteConnection,
    ) -> crate::Result<()> {
        if records::get(conn, self.chat_id).await?.is_none() {
            let kind = match &self.message.chat.kind {
                ChatKind::Public(public) if matches!(public.kind, PublicChatKind::Group) => "group",
                _ => "supergroup",
            };
            records::upsert_on_join(
                conn,
                &records::NewGroup {
                    chat_id: self.chat_id,
                    kind,
                    title: self.message.chat.title().unwrap_or_default(),
                    username: self.message.chat.username(),
                    language: self.lang.code(),
                    added_by: None,
                    now: self.ctx.now(),
                },
            )
            .await?;
        }
        Ok(())
    }

    pub(super) async fn settz(&self, arg: &str) -> HandlerResult {
        if !self.allowed(Right::ChangeInfo).await? {
            return Ok(());
        }
        if arg.is_empty() {
            let clock = crate::facts::group_day(self.ctx, self.chat_id).await?;
            self.say(self.ta(
                "economy-settz-usage",
                &fargs! {"zone" => crate::facts::zones::display(clock.tz, self.lang)},
            ));
            return Ok(());
        }
        let Some(zone) = crate::facts::zones::resolve(arg) else {
            self.say(self.ta("economy-settz-bad", &fargs! {"zone" => arg.to_owned()}));
            return Ok(());
        };
        let mut conn = self.ctx.storage.write.acquire().await?;
        self.ensure_group(&mut conn).await?;
        if let Some(record) = records::get(&mut conn, self.chat_id).await? {
            self.ctx.groups.put(record);
        }
        drop(conn);
        changes::change_key(
            self.ctx,
            self.chat_id,
            "group.timezone",
            Value::Text(zone.name().to_owned()),
            self.sender_id(),
            Source::Command,
        )
        .await?;
        self.say(self.ta(
            "economy-settz-done",
            &fargs! {"zone" => crate::facts::zones::display(zone, self.lang)},
        ));
        Ok(())
    }

    pub(super) async fn setreset(&self, arg: &str) -> HandlerResult {
        if !self.allowed(Right::ChangeInfo).await? {
            return Ok(());
        }
        let hour = match arg.parse::<u8>() {
            Ok(hour) if hour <= 23 => hour,
            _ => {
                self.say(self.t("economy-setreset-usage"));
                return Ok(());
            }
        };
        changes::change_key(
            self.ctx,
            self.chat_id,
            "economy.reset_hour",
            Value::Int(i64::from(hour)),
            self.sender_id(),
            Source::Command,
        )
        .await?;
        self.say(self.ta("economy-setreset-done", &fargs! {"hour" => hour}));
        Ok(())
    }
}

/// Why a `/setlevels` text was refused, in the group's language (each [`crate::facts::levels::LevelsError`] has its own
/// message; the English `Display` is for logs).
pub(super) fn levels_error_text(
    i18n: &crate::i18n::I18n,
    lang: Lang,
    err: &crate::facts::levels::LevelsError,
) -> String {
    use crate::facts::levels::LevelsError as E;
    match err {
        E::Empty => i18n.t(lang, "economy-levels-error-empty"),
        E::BadEntry(entry) => i18n.ta(
            lang,
            "economy-levels-error-bad-entry",
            &fargs! {"entry" => entry.clone()},
        ),
        E::NotFromZero(points) => i18n.ta(
            lang,
            "economy-levels-error-not-from-zero",
            &fargs! {"points" => *points},
        ),
        E::Unsorted { previous, next } => i18n.ta(
            lang,
            "economy-levels-error-unsorted",
            &fargs! {"previous" => *previous, "next" => *next},
        ),
        E::Duplicate(points) => i18n.ta(
            lang,
            "economy-levels-error-duplicate",
            &fargs! {"points" => *points},
        ),
        E::EmptyTitle(points) => i18n.ta(
            lang,
            "economy-levels-error-empty-title",
            &fargs! {"points" => *points},
        ),
        E::TitleTooLong(points) => i18n.ta(
            lang,
            "economy-levels-error-title-too-long",
            &fargs! {"points" => *points, "max" => crate::facts::levels::MAX_TITLE_CHARS},
        ),
        E::TooMany => i18n.ta(
            lang,
            "economy-levels-error-too-many",
            &fargs! {"max" => crate::facts::levels::MAX_LEVELS},
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::I18n;
    use std::collections::BTreeSet;

    #[test]
    fn every_levels_error_is_worded_in_every_language() {
        use crate::facts::levels::LevelsError as E;
        let i18n = I18n::shipped();
        let errors = [
            E::Empty,
            E::BadEntry("x".into()),
            E::NotFromZero(5),
            E::Unsorted {
                previous: 50,
                next: 20,
            },
            E::Duplicate(50),
            E::EmptyTitle(50),
            E::TitleTooLong(50),
            E::TooMany,
        ];
        for lang in Lang::ALL {
            let texts: BTreeSet<String> = errors
                .iter()
                .map(|err| levels_error_text(&i18n, lang, err))
                .collect();
            assert_eq!(texts.len(), errors.len(), "{texts:?}");
            for text in &texts {
                assert!(!text.contains("economy-"), "{text}");
            }
        }
        let zh = levels_error_text(
            &i18n,
            Lang::Zh,
            &E::Unsorted {
                previous: 50,
                next: 20,
            },
        );
        assert!(
            zh.contains("50") && zh.contains("20") && !zh.contains("rising"),
            "{zh}"
        );
    }
}
