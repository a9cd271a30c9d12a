//! How a feature declares its commands: once, in one [`feature_commands!`](crate::feature_commands) list that
//! gives both the parsed command enum and what `/help` and Telegram's command menu show.

/// Who sees a command in `/help` and in Telegram's command menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every member, in groups and in private.
    Everyone,
    /// Group admins.
    Admins,
    /// Only in a private chat with the bot.
    Private,
    /// Understood, but listed nowhere (an alias of a listed command).
    Unlisted,
}

/// One command as listed in `/help` and the command menu.
#[derive(Debug, Clone, Copy)]
pub struct CommandInfo {
    /// The command without the slash.
    pub name: &'static str,
    /// The wording id of its one-line description.
    pub description: &'static str,
    /// Who it is for.
    pub audience: Audience,
}

/// Declares a feature's commands once: the parsed enum (teloxide's `BotCommands`, each variant named by
/// its command) and the list `/help` and the command menu show, in the same order.
///
/// ```ignore
/// crate::feature_commands! {
///     /// The economy's commands.
///     enum Command in COMMANDS {
///         Checkin(String) = "checkin", "economy-cmd-checkin", Everyone;
///         Me = "me", "economy-cmd-me", Everyone;
///     }
/// }
/// ```
#[macro_export]
macro_rules! feature_commands {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident in $list:ident {
            $(
                $variant:ident $( ( $arg:ty ) )? = $command:literal, $description:literal, $audience:ident;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(teloxide::macros::BotCommands, Clone, Debug)]
        #[command(rename_rule = "lowercase")]
        $vis enum $name {
            $(
                #[command(rename = $command)]
                $variant $( ( $arg ) )?,
            )*
        }

        /// This feature's commands, in the order `/help` lists them.
        pub const $list: &[$crate::telegram::commands::CommandInfo] = &[
            $(
                $crate::telegram::commands::CommandInfo {
                    name: $command,
                    description: $description,
                    audience: $crate::telegram::commands::Audience::$audience,
                },
            )*
        ];
    };
}

#[cfg(test)]
mod tests {
    use teloxide::utils::command::BotCommands;

    crate::feature_commands! {
        /// Commands of a test feature.
        enum Sample in SAMPLE {
            Checkin(String) = "checkin", "economy-cmd-checkin", Everyone;
            Me = "me", "economy-cmd-me", Everyone;
            SetQuiz(String) = "setquiz", "welcome-cmd-setquiz", Admins;
            Alias(String) = "alias", "welcome-cmd-setquiz", Unlisted;
        }
    }

    #[test]
    fn the_enum_and_the_list_come_from_one_declaration() {
        let names: Vec<_> = SAMPLE.iter().map(|c| c.name).collect();
        assert_eq!(names, ["checkin", "me", "setquiz", "alias"]);
        assert!(matches!(
            Sample::parse("/setquiz 1+1=2", "bot").unwrap(),
            Sample::SetQuiz(args) if args == "1+1=2"
        ));
        assert!(matches!(Sample::parse("/me", "bot").unwrap(), Sample::Me));
        assert!(matches!(
            Sample::parse("/checkin month", "bot").unwrap(),
            Sample::Checkin(args) if args == "month"
        ));
        assert!(matches!(
            Sample::parse("/alias x", "bot").unwrap(),
            Sample::Alias(args) if args == "x"
        ));
        assert!(Sample::parse("/unknown", "bot").is_err());
    }
}
