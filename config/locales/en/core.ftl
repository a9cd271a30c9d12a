# The bot's basic manners: hello, /start, /help, /lang, and refusals shared by every feature.

group-hello = Hello, { $group }! I'm groupops: I greet and gate newcomers, keep ads out, and run sign-in, points, red packets and lotteries. Make me an admin (delete messages, ban users, invite users) so I can do my job, then send /help.
start-private = Hi, I'm <b>{ $bot }</b>. I run community groups: welcome and entry checks, ad removal, sign-in and points, red packets, lotteries, and the numbers for your review. Add me to a group and make me an admin to start.
start-add-button = ➕ Add me to a group
help-title-group = Commands in this group
help-title-private = What I can do
help-admins-see-more = Admins see more commands here.
cmd-start = introduce the bot
cmd-help = list the commands you can use
cmd-lang = switch the group's language (zh | en)
lang-usage = Usage: /lang zh or /lang en
lang-switched = This group now speaks { $language }.
lang-already = This group already speaks { $language }: nothing to switch.
lang-name-zh-CN = Chinese
lang-name-en = English
group-only = This command works in groups only.
refuse-not-admin = Only group admins can do that.
refuse-missing-right = You need the “{ $right }” admin right for that.
bot-missing-right = I can't do that yet: please give me the “{ $right }” admin right.
right-restrict = ban users
right-delete = delete messages
right-change_info = change group info
right-invite = invite users via link
right-pin = pin messages
right-promote = add new admins
anonymous-admin-ask = This was sent anonymously. An admin with the “{ $right }” right: tap the button to confirm it is yours, and it runs in your name.
anonymous-admin-button = ✅ It’s me, run it
anonymous-admin-done = Done: the command ran in your name.
anonymous-admin-gone = This command is no longer waiting for a confirmation.

# /forgetme
cmd-forgetme = delete what the bot holds about you
forgetme-private-only = Send me /forgetme in a private chat, and I'll tell you there what I hold about you.
forgetme-nothing = I hold no data about you.
forgetme-unnamed-group = (a group without a name)
forgetme-ask = { $count ->
    [0] I hold your profile (your name and username).
    [one] I hold data about you in this group:
    { $groups }
   *[other] I hold data about you in these { $count } groups:
    { $groups }
}

    If you confirm, I'll delete your name and username, excerpts of your messages, your join and invite records, your activity counts, and any detector samples you added.
    To keep my promises to other members, I keep these, with your id but no name: points records (so every group's totals stay exact), sign-ins, published red-packet and lottery lists (so /verify still checks them), and bans (forgetting never lifts a ban).
forgetme-confirm-button = Delete my data
forgetme-cancel-button = Cancel
forgetme-done = Done. Your name, username, message excerpts and invite records are deleted.
forgetme-already = There's nothing left to delete; it was deleted before.
forgetme-cancelled = Cancelled. Nothing was changed.
forgetme-not-yours = This button isn't for you.
## Durations in words, largest units first (`3 days`, `1 hour 30 minutes`).
duration-days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}
duration-hours = { $n ->
    [one] { $n } hour
   *[other] { $n } hours
}
duration-minutes = { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}
duration-seconds = { $n ->
    [one] { $n } second
   *[other] { $n } seconds
}

## Names of members where the bot shows who did what.
anonymous-admin = anonymous admin
member-by-id = member { $id }
name-with-id = { $name } ({ $id })
admin-answer-sent-private = I sent you the answer in private.
admin-answer-private-header = From { $group }:
help-admins-title = Admin commands (use them in the group, or send them here and pick the group)
help-short-more = These are the commands used most. Press the button below for the full list in a private chat.
help-full-button = 📖 Full help
pick-group-ask = Which group is this command for?
pick-group-none = You are not an admin of any group I am in. Use this command in the group.
pick-group-reply-only = This command works as a reply to a message in the group.
pick-group-running = Running it for { $group }.
# What joins the items of a list in a sentence.
list-separator = {", "}
group-hello-intro = Hello, { $group }! I'm groupops: I greet and gate newcomers, keep ads out, and run sign-in, points, red packets and lotteries.
group-hello-make-admin = Make me an admin (delete messages, ban users, invite users via link) so I can do my job.
group-hello-rights-ok = I have the admin rights I need.
group-hello-rights-missing = { $count ->
    [one] I still need one admin right: { $rights }.
   *[other] I still need these admin rights: { $rights }.
  }
group-hello-already-on = Already on: { $list }.
group-hello-on-gate-button = a button check for newcomers
group-hello-on-gate-math = a small sum for newcomers to solve
group-hello-on-gate-quiz = a question for newcomers
group-hello-on-adpack = the ad filter
group-hello-lang = Send /help to see my commands, or /lang zh to switch me to Chinese.
group-promoted-thanks = Thanks for making me an admin!
private-help-hint = I did not understand that. Send /help to see what I can do.
lang-current = This group speaks { $language }. Admins can switch it with /lang zh or /lang en.
