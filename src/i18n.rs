//! Message lookup by group language. All wording lives in Fluent files under `config/locales/<lang>/`,
//! one file per feature; the shipped files are embedded at build time, and an operator may override any
//! message by placing a file of the same name in `i18n.locales_dir`. Fluent's bidi isolation marks are
//! turned off so names and numbers arrive in replies exactly as written.

use crate::error::{Error, Result};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/locales.rs"));

/// The languages the bot speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// Simplified Chinese.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Every supported language.
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The code stored in the group record and used for the locale folder.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Reads a language as an admin or a setting writes it: `zh`, `zh-CN`, `cn`, `中文`, `en`, `English`…
    pub fn parse(text: &str) -> Option<Lang> {
        let lower = text.trim().to_ascii_lowercase();
        match lower.as_str() {
            "zh" | "zh-cn" | "zh_cn" | "cn" | "chinese" | "中文" | "简体中文" => {
                Some(Lang::Zh)
            }
            "en" | "en-us" | "en_us" | "english" | "英文" | "英语" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language for a Telegram `language_code` (`zh-hans`, `en-US`…), when we speak it.
    pub fn from_telegram(code: Option<&str>) -> Option<Lang> {
        let code = code?.to_ascii_lowercase();
        if code.starts_with("zh") {
            Some(Lang::Zh)
        } else if code.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    fn index(self) -> usize {
        match self {
            Lang::Zh => 0,
            Lang::En => 1,
        }
    }
}

/// Builds Fluent arguments: `fargs!{"name" => name, "count" => 3}`.
#[macro_export]
macro_rules! fargs {
    ($($key:literal => $value:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut args = ::fluent_bundle::FluentArgs::new();
        $(args.set($key, $value);)*
        args
    }};
}

/// The loaded wording of every language.
pub struct I18n {
    bundles: Vec<FluentBundle<FluentResource>>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("I18n")
    }
}

impl I18n {
    /// Loads the shipped wording, then operator overrides from `overrides_dir` (a missing folder is fine).
    pub fn load(overrides_dir: &Path) -> Result<Self> {
        let mut bundles = Vec::new();
        for lang in Lang::ALL {
            let id: unic_langid::LanguageIdentifier = lang
                .code()
                .parse()
                .map_err(|_| Error::I18n(format!("bad language {}", lang.code())))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            bundle.set_use_isolating(false);
            for (file_lang, name, text) in SHIPPED.iter().filter(|(l, _, _)| *l == lang.code()) {
                add(
                    &mut bundle,
                    &format!("{file_lang}/{name}"),
                    text.to_string(),
                )?;
            }
            let folder = overrides_dir.join(lang.code());
            if let Ok(entries) = std::fs::read_dir(&folder) {
                let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
                paths.sort();
                for path in paths
                    .into_iter()
                    .filter(|p| p.extension().is_some_and(|e| e == "ftl"))
                {
                    let text = std::fs::read_to_string(&path)?;
                    add(&mut bundle, &path.display().to_string(), text)?;
                }
            }
            bundles.push(bundle);
        }
        Ok(Self { bundles })
    }

    /// Only the shipped wording (tests and tools).
    pub fn shipped() -> Self {
        Self::load(Path::new("/nonexistent-groupops-locales")).expect("shipped wording parses")
    }

    /// The message `id` in `lang` without arguments.
    pub fn t(&self, lang: Lang, id: &str) -> String {
        self.format(lang, id, None)
    }

    /// The message `id` in `lang` with arguments (see [`fargs!`](crate::fargs)).
    pub fn ta(&self, lang: Lang, id: &str, args: &FluentArgs) -> String {
        self.format(lang, id, Some(args))
    }

    /// Whether a message exists in a language.
    pub fn has(&self, lang: Lang, id: &str) -> bool {
        self.bundles[lang.index()].has_message(id)
    }

    /// Every message id of a language, sorted (used by the completeness test).
    pub fn message_ids(lang: Lang) -> Vec<String> {
        let mut ids = Vec::new();
        for (_, _, text) in SHIPPED.iter().filter(|(l, _, _)| *l == lang.code()) {
            let resource = FluentResource::try_new(text.to_string()).unwrap_or_else(|(r, _)| r);
            for entry in resource.entries() {
                if let fluent_syntax::ast::Entry::Message(message) = entry {
                    ids.push(message.id.name.to_string());
                }
            }
        }
        ids.sort();
        ids
    }

    /// A duration in words of a language, largest whole units first: `3 天`, `1 小时 30 分钟` in Chinese,
    /// `1 day`, `2 hours 30 minutes` in English (the plural comes from the wording's selectors).
    pub fn duration(&self, lang: Lang, duration: std::time::Duration) -> String {
        let mut secs = duration.as_secs();
        if secs == 0 {
            return self.ta(lang, "duration-seconds", &crate::fargs! {"n" => 0});
        }
        let mut parts = Vec::new();
        for (id, size) in [
            ("duration-days", 86_400),
            ("duration-hours", 3_600),
            ("duration-minutes", 60),
            ("duration-seconds", 1),
        ] {
            if secs >= size {
                parts.push(self.ta(lang, id, &crate::fargs! {"n" => secs / size}));
                secs %= size;
            }
        }
        parts.join(" ")
    }

    fn format(&self, lang: Lang, id: &str, args: Option<&FluentArgs>) -> String {
        let bundle = &self.bundles[lang.index()];
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            tracing::error!(id, lang = lang.code(), "missing wording");
            return id.to_string();
        };
        let mut errors = Vec::new();
        let text = bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned();
        if !errors.is_empty() {
            tracing::error!(
                id,
                lang = lang.code(),
                ?errors,
                "wording could not be filled in"
            );
        }
        text
    }
}

fn add(bundle: &mut FluentBundle<FluentResource>, origin: &str, text: String) -> Result<()> {
    let resource = FluentResource::try_new(text)
        .map_err(|(_, errors)| Error::I18n(format!("{origin}: {errors:?}")))?;
    bundle.add_resource_overriding(resource);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_words_with_plurals() {
        let i18n = I18n::shipped();
        let d = std::time::Duration::from_secs;
        assert_eq!(i18n.duration(Lang::Zh, d(3 * 86_400)), "3 天");
        assert_eq!(i18n.duration(Lang::Zh, d(3_600)), "1 小时");
        assert_eq!(i18n.duration(Lang::Zh, d(5_400)), "1 小时 30 分钟");
        assert_eq!(i18n.duration(Lang::En, d(86_400)), "1 day");
        assert_eq!(i18n.duration(Lang::En, d(2 * 86_400)), "2 days");
        assert_eq!(i18n.duration(Lang::En, d(3_630)), "1 hour 30 seconds");
        assert_eq!(i18n.duration(Lang::En, d(120)), "2 minutes");
    }

    #[test]
    fn both_languages_have_the_same_messages() {
        let zh = I18n::message_ids(Lang::Zh);
        let en = I18n::message_ids(Lang::En);
        let missing_en: Vec<_> = zh.iter().filter(|id| !en.contains(id)).collect();
        let missing_zh: Vec<_> = en.iter().filter(|id| !zh.contains(id)).collect();
        assert!(missing_en.is_empty(), "missing in en: {missing_en:?}");
        assert!(missing_zh.is_empty(), "missing in zh-CN: {missing_zh:?}");
        assert!(!zh.is_empty());
    }

    #[test]
    fn no_isolation_marks_and_args_fill_in() {
        let i18n = I18n::shipped();
        let text = i18n.ta(Lang::En, "lang-switched", &fargs! {"language" => "English"});
        assert!(
            !text.contains('\u{2068}') && !text.contains('\u{2069}'),
            "{text:?}"
        );
        assert!(text.contains("English"));
    }

    #[test]
    fn operator_override_replaces_a_message() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("en")).unwrap();
        std::fs::write(
            dir.path().join("en/custom.ftl"),
            "lang-switched = Now speaking { $language }!\n",
        )
        .unwrap();
        let i18n = I18n::load(dir.path()).unwrap();
        assert_eq!(
            i18n.ta(Lang::En, "lang-switched", &fargs! {"language" => "English"}),
            "Now speaking English!"
        );
        assert!(
            i18n.t(Lang::Zh, "lang-switched").contains("中文")
                || i18n.has(Lang::Zh, "lang-switched")
        );
    }

    #[test]
    fn languages_parse() {
        assert_eq!(Lang::parse("zh"), Some(Lang::Zh));
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::from_telegram(Some("zh-hans")), Some(Lang::Zh));
        assert_eq!(Lang::from_telegram(Some("ru")), None);
    }
}
