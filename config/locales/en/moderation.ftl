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
moderation-locked = Locked: {$type} are now removed.
moderation-locked-already = {$type} were already locked.
moderation-unlocked = Unlocked: {$type} are allowed again.
moderation-unlocked-already = {$type} were not locked.
moderation-locks-none = Nothing is locked for everyone.
moderation-locks-list = Locked for everyone: {$types}
moderation-locks-newcomers = New members may not post media, forwards, links, invite links or contact details until they are settled in. /lock contact removes contact details (WeChat, QQ, phone numbers, shared contacts) from everyone.

moderation-flood-usage = Use: /flood <messages> <seconds> [action] (2–100 messages, 1–3600 seconds), or /flood off.
moderation-flood-current = Flood limit: {$count} messages in {$seconds} s → {$action}.
moderation-flood-off = The flood limit is off.
moderation-flood-set = Flood limit set: {$count} messages in {$seconds} s → {$action}.

moderation-rulemode-usage = Use: /rulemode <rule> <on|off|shadow> [action]. Rules: {$rules}
moderation-rulemode-title = Rules (mode · action)
moderation-rulemode-set = The {$rule} rule is now {$mode}.

moderation-cmd-ladder = The escalation ladder: /ladder warn, mute 1h, ban
moderation-ladder-current = Escalation ladder: {$ladder}. Warnings expire after a while.
moderation-ladder-set = New escalation ladder: {$ladder}.
moderation-ladder-bad = "{$step}" is not a ladder step. Steps: delete, warn, mute 1h, kick, ban.
moderation-ladder-usage = Use: /ladder warn, warn, mute 1h, mute 1d, ban (1 to 10 steps, separated by commas), or /ladder reset.

# Moderation II
moderation-rule-classifier = the ad detector scored it as an ad
moderation-rule-classifier-similar = it is nearly the same as an ad already removed
moderation-cmd-ban = Ban by reply, @username or id: /ban [30m|2h|3d] [reason]
moderation-cmd-unban = Lift a ban: /unban @username
moderation-cmd-kick = Remove a member (they may rejoin): /kick [reason]
moderation-cmd-mute = Mute: /mute [duration] [reason]
moderation-cmd-unmute = Let a muted member talk again
moderation-cmd-warn = Warn a member: /warn [reason]
moderation-cmd-unwarn = Take back a member's latest warning
moderation-cmd-warns = How many warnings a member has
moderation-cmd-del = Delete the replied message
moderation-cmd-purge = Delete everything from the replied message to now
moderation-cmd-approve = Exempt a member from the filters
moderation-cmd-unapprove = Withdraw an exemption
moderation-cmd-report = Report the replied message to the admins
moderation-cmd-spam = Reply to spam: delete, ban and teach the filter
moderation-cmd-modlog = The latest moderation actions and each rule's false positives: /modlog [n]
moderation-cmd-setlog = Mirror every action into a channel: /setlog <channel id or @name | off>
moderation-target-usage = Reply to a message, or give an @username or a numeric id: /{$command} @username
moderation-target-unknown = I have not seen @{$name} in this group. Reply to one of their messages or use their numeric id.
moderation-target-bot = I will not do that to myself.
moderation-target-admin = That member is an admin; admins cannot be punished with these commands.
moderation-channel-ban-only = Channels posting here can only be banned (/ban) or have posts deleted.
moderation-banned = {$target} is banned.
moderation-kicked = {$target} was removed from the group.
moderation-muted = {$target} is muted for {$duration}.
moderation-warned = {$target} was warned ({$count}/{$limit}).
moderation-warn-limit = {$target} reached the warning limit and was banned.
moderation-unbanned = {$target} may join again.
moderation-unmuted = {$target} may talk again.
moderation-unwarned = One warning of {$target} was taken back ({$count} left).
moderation-warns-none = {$target} has no warnings.
moderation-warns-count = {$target} has { $count ->
        [one] { $count } warning
       *[other] { $count } warnings
    } (limit {$limit}).
moderation-approved = {$target} is approved: the filters leave them alone.
moderation-approved-already = {$target} is already approved.
moderation-unapproved = {$target} is no longer approved.
moderation-unapproved-already = {$target} was not approved.
moderation-spam-usage = Reply to the spam message with /spam.
moderation-spammed = {$target} was banned for spam; the filter learned from the message.
moderation-del-usage = Reply to the message to delete with /del.
moderation-purge-usage = Reply to the first message to delete with /purge.
moderation-purge-too-old = That message is older than 48 hours; Telegram does not let bots delete it.
moderation-purge-too-many = That is too many messages at once (at most {$max}).
moderation-purged = { $count ->
    [one] Deleted {$count} message.
   *[other] Deleted {$count} messages.
}
moderation-report-usage = Reply to the message you want to report with /report.
moderation-report-admin = Admins' and the bot's messages cannot be reported.
moderation-report-already = This message was reported already; the admins know.
moderation-report-posted = Report from {$reporter}: “{$excerpt}”. Admins, please decide.
moderation-button-report-delete = Delete
moderation-button-report-ban = Ban
moderation-button-report-dismiss = Dismiss
moderation-report-admins-only = Only admins with the right to do this can decide reports.
moderation-report-decided = This report was decided already.
moderation-report-done = Done.
moderation-report-deleted = Report handled by {$admin}: message deleted.
moderation-report-banned = Report handled by {$admin}: message deleted and author banned.
moderation-report-dismissed = Report dismissed by {$admin}.
moderation-log-automatic = automatic
moderation-log-line = #{$id} group {$group}: {$action} · {$target} · by {$actor} · {$rule} {$detail} {$excerpt}
moderation-modlog-title = Latest moderation actions
moderation-modlog-empty = Nothing yet.
moderation-modlog-undone = undone
moderation-modlog-rules = Automatic rules, last 30 days
moderation-modlog-rule = {$rule}: {$hits} hit(s), {$undos} undone ({$percent}% false positives)
moderation-modlog-usage = Usage: /modlog [1-50]
moderation-setlog-usage = Usage: /setlog <channel id like -100123… or @channelname>, or /setlog off
moderation-setlog-test = This channel now receives the moderation log of group {$group}.
moderation-setlog-cannot-post = I cannot post in that channel. Add me as an admin who may post, then try again.
moderation-setlog-done = Every moderation action is now mirrored into {$channel}.
moderation-setlog-off = Actions are no longer mirrored into a channel.

# Durations, rights, budgets and the log's words
moderation-duration-unreadable = “{ $word }” is not a length I can read. Write it like 30m, 2h, 3d or 1w (30分钟, 2小时, 3天 also work).
moderation-duration-range = A mute or ban must last from 30 seconds to 366 days (Telegram makes anything else forever). Write it like 30m, 2h or 3d.
moderation-bot-lacks-right = A message broke this group's rules, but I could not act on it: please give me the “{ $right }” admin right.
moderation-appeal-busy = The group is very busy right now: please appeal again in a minute.
moderation-rule-link-locked = links are locked in this group
moderation-log-action-delete = deleted
moderation-log-action-warn = warned
moderation-log-action-mute = muted
moderation-log-action-mute-for = muted for { $arg }
moderation-log-action-kick = removed
moderation-log-action-ban = banned
moderation-log-action-ban-for = banned for { $arg }
moderation-log-action-ladder = ladder step
moderation-log-action-unban = unbanned
moderation-log-action-unmute = unmuted
moderation-log-action-unwarn = warning taken back
moderation-log-action-undo = undone
moderation-log-action-approve = approved
moderation-log-action-unapprove = approval taken back
moderation-log-action-purge = purged
moderation-log-action-purge-for = purged { $arg } messages
moderation-log-rule-keyword = blocked word
moderation-log-rule-regex = blocked pattern
moderation-log-rule-adpack = ad pack
moderation-log-rule-link = link
moderation-log-rule-invite = invite link
moderation-log-rule-contact = contact details
moderation-log-rule-mention = outside mention
moderation-log-rule-forward = forward
moderation-log-rule-media = media
moderation-log-rule-lock = locked { $type }
moderation-log-rule-flood = flood
moderation-log-rule-flood-groups = same text in several groups
moderation-log-rule-classifier = ad detector
moderation-log-rule-manual = by an admin
moderation-log-rule-report = report
moderation-log-rule-shared = shared ban of a group set
moderation-log-outcome-done = done
moderation-log-outcome-failed = failed

# The ad detector: suspicious messages, a group's own thresholds, what decided
moderation-rule-classifier-why = the ad detector judged it an ad ({ $detail })
moderation-detail-model = model score { $score }; top features: { $features }
moderation-detail-model-plain = model score { $score }
moderation-detail-similar = similar to known spam, score { $score } ({ $layer }, Hamming distance { $distance })
moderation-detail-similar-text = similar to known spam, score { $score } ({ $layer }, Hamming distance { $distance }): “{ $text }”
moderation-detail-not-spam = similar to a message the admins marked as not spam, score { $score } (Hamming distance { $distance })
moderation-detail-layer-builtin = built-in spam list
moderation-detail-layer-instance = spam shared by several groups
moderation-detail-layer-group = this group's spam list
moderation-feature-gram = the characters “{ $gram }”
moderation-feature-word = the word “{ $word }”
moderation-feature-link = link
moderation-feature-tme-link = Telegram group link
moderation-feature-handle = @handle
moderation-feature-handles = several @handles
moderation-feature-wechat = contact: WeChat
moderation-feature-qq = contact: QQ
moderation-feature-telegram = contact: Telegram
moderation-feature-messenger = contact: another messenger
moderation-feature-phone = phone number
moderation-feature-digit-run = long run of digits (an account number)
moderation-feature-alnum-handle = account name of letters and digits
moderation-feature-emoji = emoji
moderation-feature-emoji-dense = many emoji
moderation-feature-digits-20 = digits over a fifth of the text
moderation-feature-digits-40 = digits over two fifths of the text
moderation-feature-length-5 = very short (5 characters or fewer)
moderation-feature-length-15 = short (6 to 15 characters)
moderation-feature-length-40 = medium length (16 to 40 characters)
moderation-feature-length-100 = long (41 to 100 characters)
moderation-feature-length-200 = very long (101 to 200 characters)
moderation-feature-length-long = over 200 characters
moderation-feature-repeated = one character repeated
moderation-feature-mixed-scripts = Chinese mixed with Latin letters
moderation-feature-mixed-word = several scripts in one word
moderation-feature-latin-only = Latin letters only
moderation-feature-money = money words
moderation-feature-earning = earning bait
moderation-feature-private-message = private-message bait
moderation-feature-unsubscribe = unsubscribe line
moderation-feature-brand = 【bracketed brand】
moderation-feature-promotion = promotion words
moderation-feature-gambling = gambling or crypto words
moderation-feature-invitation = invitation to join a group
moderation-feature-exclaim = many exclamation marks
moderation-feature-percent = percent sign
moderation-feature-domain = domain name
moderation-feature-rare-script = letters of a rare script
moderation-feature-wedged-symbols = symbols wedged between Chinese characters
moderation-feature-split-number = a number split into groups
moderation-feature-short-code = a short message that is mostly a code or number
moderation-feature-repeated-symbol = a repeated symbol
moderation-feature-contact-with-id = a contact word followed by an id
moderation-modlog-detail = { " " }({ $detail })
moderation-suspicious-title = { $count ->
    [one] ⚠️ One suspicious message is still in the group. Admins, please decide.
   *[other] ⚠️ { $count } suspicious messages are still in the group. Admins, please decide.
}
moderation-suspicious-item = { $n }. { $member }: “{ $excerpt }”
    { $detail }
moderation-suspicious-more = { $count ->
    [one] One more is not listed.
   *[other] { $count } more are not listed.
}
moderation-suspicious-button-delete = Delete
moderation-suspicious-button-ban = Ban
moderation-suspicious-button-not_spam = Not spam
moderation-suspicious-decided-delete = → { $admin } deleted this message.
moderation-suspicious-decided-ban = → { $admin } deleted this message and banned its sender.
moderation-suspicious-decided-not_spam = → { $admin } said this is not spam.
moderation-suspicious-done = Done.
moderation-suspicious-already = An admin has already decided about this message.
moderation-classifier-current-own = Ad detector thresholds (this group's own, for newcomers): removed from a score of { $remove }, admins asked from { $suspicious }.
moderation-classifier-current-default = Ad detector thresholds (the defaults, for newcomers): removed from a score of { $remove }, admins asked from { $suspicious }.
moderation-classifier-set = This group's ad detector thresholds are updated: removed from a score of { $remove }, admins asked from { $suspicious }.
moderation-classifier-reset = This group's ad detector thresholds are back to the defaults: removed from a score of { $remove }, admins asked from { $suspicious }.
moderation-classifier-bad-number = “{ $value }” is not a number. A threshold is a decimal between 0 and 1, such as 0.95.
moderation-classifier-bad-range = The threshold { $value } is out of range: it must be above 0 and at most 1.
moderation-classifier-bad-order = The suspicious threshold ({ $suspicious }) must be below the remove threshold ({ $remove }).
moderation-classifier-usage = Usage: /rulemode classifier REMOVE SUSPICIOUS, for example /rulemode classifier 0.95 0.7, or /rulemode classifier remove=0.95 suspicious=0.7; back to the defaults: /rulemode classifier default.
moderation-log-action-thresholds = changed the ad detector thresholds
moderation-setlog-not-admin = You can only send the log to a chat you run: be an admin there who may post messages, then try again.
moderation-log-folded = { $count ->
    [one] One more action of group { $groups } was folded into this line to keep this channel within its limit.
   *[other] { $count } more actions of group { $groups } were folded into this line to keep this channel within its limit.
} /modlog in the group lists every one.
## A timed ban as the group reads it (`Bob is banned for 3 days.`).
moderation-banned-for = {$target} is banned for {$duration}.
moderation-muted-forever = {$target} is muted until an admin unmutes them.

## Lock types, rule modes and list separators in words (`/lock photo`, `/rulemode link shadow`).
moderation-lock-name-photo = photos
moderation-lock-name-video = videos
moderation-lock-name-sticker = stickers
moderation-lock-name-gif = GIFs
moderation-lock-name-document = files
moderation-lock-name-voice = voice messages
moderation-lock-name-poll = polls
moderation-lock-name-contact = contacts
moderation-lock-name-location = locations
moderation-lock-name-forward = forwards
moderation-lock-name-link = links
moderation-lock-name-invite = invite links
moderation-mode-on = on
moderation-mode-off = off
moderation-mode-shadow = shadow
moderation-filter-regex-unbalanced = a bracket is not closed
moderation-filter-regex-too-big = the pattern is too complex
moderation-filter-regex-invalid = the pattern is not valid
## The reason the log gives for a member banned with /spam.
moderation-spam-reason = spam
moderation-report-posted-unnamed = A member reported this message: “{$excerpt}”. Admins, please decide.
moderation-explain-folded = { $count ->
    [one] I could not explain one earlier removal when it happened
   *[other] I could not explain { $count } earlier removals when they happened
  }: { $list }.
moderation-explain-folded-item = { $member } ({ $rule }; { $action })
moderation-warns-automatic = { $count ->
    [one] One automatic removal is also on record. It counts on the escalation ladder, not toward the warning limit.
   *[other] { $count } automatic removals are also on record. They count on the escalation ladder, not toward the warning limit.
  }
moderation-warn-limit-why = {$target} now has {$limit} warnings from admins, this group's warning limit, so they are banned.
moderation-target-banned = {$target} is banned from this group. Use /unban first if they should come back.
moderation-filter-too-long = That is too long for a filter: at most { $max } characters.

# Night mode.
moderation-cmd-nightmode = Night mode: /nightmode 22:00-07:00 mute|media, /nightmode off
moderation-night-usage = Usage: /nightmode 22:00-07:00 mute (nobody can send) or /nightmode 23:00-06:00 media (text only, no media or links); /nightmode off turns it off, /nightmode shows it.
moderation-night-bad-time = “{ $what }” is not a time: write it like 22:00.
moderation-night-empty = The night must start and end at different times.
moderation-night-bad-mode = “{ $what }” is not a night mode: use mute (nobody can send) or media (text only).
moderation-night-none = Night mode is off in this group.
moderation-night-show = Night mode: { $window } ({ $zone }), { $mode }. It is day now.
moderation-night-show-on = Night mode: { $window } ({ $zone }), { $mode }. The night is on now.
moderation-night-mode-mute = nobody can send
moderation-night-mode-media = text only
moderation-night-supergroup-only = Night mode changes the group's permissions, which Telegram allows only in supergroups. Upgrade the group first (for example by making its history visible to new members).
moderation-night-set = Night mode is set: { $window } ({ $zone }), { $mode }. The group's own permissions come back every morning exactly as they were.
moderation-night-off = Night mode is off; the group's permissions are as they were before the night.
moderation-night-start-mute = 🌙 Good night! The group is closed until { $until }.
moderation-night-start-media = 🌙 Good night! Until { $until } only text can be sent: no media and no links.
moderation-night-end = ☀️ Good morning! Night mode is over and the group is open again.
moderation-shared-unban-offer = This member's ban here was shared with the other groups of a group set. Unban them there too?
moderation-shared-unban-button = Unban in every group of the set
moderation-shared-unbanned = Unbanned in { $count } other groups of the set.
moderation-shared-unban-refused = Not unbanned where you don't have the “ban users” right now: { $groups }.
