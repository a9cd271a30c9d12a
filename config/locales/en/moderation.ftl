moderation-cmd-filter = Keywords and regexes that remove messages: /filter add|del|list
moderation-cmd-allowdomain = Domains whose links are allowed: /allowdomain [del] example.com
moderation-cmd-lock = Remove a content type from everyone: /lock photo
moderation-cmd-unlock = Allow a locked content type again
moderation-cmd-locks = Show the locked content types
moderation-cmd-flood = Flood limit: /flood 5 10 [action] or /flood off
moderation-cmd-rulemode = Turn a rule on, off or to shadow (log only): /rulemode adpack shadow

moderation-explain = {$member}, your message was removed: {$rule}. Action: {$action}. Next time: {$next}. If this was a mistake, press Appeal.
moderation-rule-keyword = a blocked word
moderation-rule-regex = a blocked pattern
moderation-rule-adpack = it looks like an advertisement
moderation-rule-link = links are not allowed for new members here
moderation-rule-invite = invite links to other groups are not allowed
moderation-rule-contact = contact details (WeChat, QQ, phone) are not allowed
moderation-rule-mention = mentions of outside channels or bots are not allowed
moderation-rule-forward = forwards from other chats are not allowed
moderation-rule-media = this kind of media is not allowed
moderation-rule-flood = too many messages in a short time
moderation-rule-flood-groups = the same message in several groups

moderation-action-delete = message deleted
moderation-action-warn = a warning
moderation-action-mute = muted for {$duration}
moderation-action-kick = removed from the group
moderation-action-ban = banned
moderation-action-ladder = the next step of the warning ladder

moderation-button-appeal = Appeal
moderation-button-undo = Undo (admins)
moderation-button-unknown = This button has expired.
moderation-appeal-not-yours = Only the member concerned can appeal.
moderation-appeal-already = You have already appealed; the admins will look at it.
moderation-appeal-sent = Your appeal was sent to the admins.
moderation-appeal-posted = Appeal from {$member}: removed for "{$rule}" ({$detail}), action: {$action}. Admins can undo it with one press.
moderation-undo-already = This action was already undone.
moderation-undo-admins-only = Only admins who can restrict members can undo this.
moderation-undo-done = Undone: rights restored, recorded as a false positive.
moderation-undo-posted = {$admin} undid the automatic action against {$member}. Sorry for the trouble!

moderation-filter-usage = Use: /filter add <phrase> [action], /filter add re:<regex> [action], /filter del <phrase>, /filter list. Put a phrase with spaces in quotes. Actions: delete, warn, mute 1h, kick, ban.
moderation-filter-none = This group has no keywords or regexes of its own yet.
moderation-filter-title = Keywords and regexes
moderation-filter-removed = Removed: {$pattern}
moderation-filter-missing = There is no filter "{$pattern}" here.
moderation-filter-empty = That phrase has no letters or digits to match.
moderation-filter-bad-regex = That regex was not added: {$reason}
moderation-filter-full = This group already has the most filters of this kind ({$max}).
moderation-filter-exists = "{$pattern}" is already a filter here.
moderation-filter-added = Added "{$pattern}"; it takes effect at once. Action: {$action}.
moderation-bad-action = "{$action}" is not an action. Use delete, warn, mute 1h, kick or ban.

moderation-domains-none = No domains are allowed yet: new members' links are removed.
moderation-domains-list = Allowed domains: {$domains}
moderation-domains-usage = Use: /allowdomain example.com, /allowdomain del example.com, or /allowdomain to list.
moderation-domains-bad = "{$domain}" is not a domain name like example.com.
moderation-domains-added = Links to {$domain} are now allowed.
moderation-domains-already = {$domain} is already allowed.
moderation-domains-removed = {$domain} is no longer allowed.
moderation-domains-missing = {$domain} was not on the list.

moderation-lock-usage = Use: /lock <type> or /unlock <type>. Types: {$types}
moderation-locked = Locked: {$type} messages are now removed.
moderation-locked-already = {$type} was already locked.
moderation-unlocked = Unlocked: {$type} messages are allowed again.
moderation-unlocked-already = {$type} was not locked.
moderation-locks-none = Nothing is locked for everyone.
moderation-locks-list = Locked for everyone: {$types}
moderation-locks-newcomers = New members may not post media, forwards, links, invite links or contact details until they are settled in.

moderation-flood-usage = Use: /flood <messages> <seconds> [action] (2–100 messages, 1–3600 seconds), or /flood off.
moderation-flood-current = Flood limit: {$count} messages in {$seconds} s → {$action}.
moderation-flood-off = The flood limit is off.
moderation-flood-set = Flood limit set: {$count} messages in {$seconds} s → {$action}.

moderation-rulemode-usage = Use: /rulemode <rule> <on|off|shadow> [action]. Rules: {$rules}
moderation-rulemode-title = Rules (mode · action)
moderation-rulemode-set = Rule {$rule} is now {$mode}.

moderation-cmd-ladder = The escalation ladder: /ladder warn, mute 1h, ban
moderation-ladder-current = Escalation ladder: {$ladder}. Warnings expire after a while.
moderation-ladder-set = New escalation ladder: {$ladder}.
moderation-ladder-bad = "{$step}" is not a ladder step. Steps: delete, warn, mute 1h, kick, ban.
moderation-ladder-usage = Use: /ladder warn, warn, mute 1h, mute 1d, ban (1 to 10 steps, separated by commas), or /ladder reset.
