# Points: sign-in, activity points, levels, leaderboards and admin adjustments.

economy-cmd-checkin = daily sign-in (/checkin month shows the calendar)
economy-cmd-me = your points, level and streak
economy-cmd-rank = leaderboard: points|checkin|messages day|week|month|all
economy-cmd-levels = show the levels and titles
economy-cmd-ledger = your last 20 point movements
economy-cmd-transfer = send points to a member
economy-cmd-give = give a member points (admins)
economy-cmd-take = take points from a member (admins)
economy-cmd-settz = set the group's time zone, e.g. Beijing or UTC+8 (admins)
economy-cmd-setreset = set the hour a new day starts, 0–23 (admins)
economy-cmd-setlevels = set level thresholds and titles (admins)

economy-no-wallet = Anonymous admins and channels have no points account; please send it from your own account.
economy-checkin-usage = Usage: /checkin to sign in, /checkin month for this month's calendar.
economy-checkin-done = ✅ { $name } signed in: +{ $gained }, balance { $balance }, streak { $streak ->
        [one] { $streak } day
       *[other] { $streak } days
    }, #{ $position } today.
economy-checkin-already = { $name } already signed in today (#{ $position }), balance { $balance }.
economy-checkin-grace-used = A grace card kept your streak alive.
economy-checkin-grace-earned = You earned a grace card ({ $cards } held).
economy-checkin-milestone = { $left } more days to { $days }.
economy-levelup = 🎉 { $name } reached LV{ $level } { $title }!
economy-weekdays = Mo Tu We Th Fr Sa Su
economy-month-title = { $name } signed in { $count ->
        [one] { $count } day
       *[other] { $count } days
    } this month

economy-me = <b>{ $name }</b>
    Points: { $balance } (#{ $rank })
    Level: LV{ $level } { $title }{ $next }
    Streak: { $streak } days, { $cards } grace cards
    Messages in the last 7 days: { $messages }
economy-me-next = , { $left } more to { $title }

economy-rank-usage = Usage: /rank [points|checkin|messages] [day|week|month|all], e.g. /rank checkin week
economy-rank-title = { $kind } ranking · { $period }
economy-rank-kind-points = Points
economy-rank-kind-checkin = Sign-in
economy-rank-kind-messages = Messages
economy-rank-period-day = today
economy-rank-period-week = this week
economy-rank-period-month = this month
economy-rank-period-all = all time
economy-rank-empty = Nobody is ranked yet.
economy-rank-you = You: #{ $position } ({ $value })
economy-rank-you-none = You are not ranked yet.

economy-levels-title = Levels of this group
economy-levels-basis = Levels follow the points you earned in total; spending points never costs a level.
economy-setlevels-usage = Usage: /setlevels 0:Lurker 50:Newbie 200:Regular (/setlevels default restores the defaults). Now: { $current }
economy-setlevels-bad = Those levels don't work: { $why }. Write them like 0:Lurker 50:Newbie 200:Regular, starting at 0 and rising.
economy-setlevels-done = Levels updated: { $levels }
economy-levels-error-empty = no levels were given
economy-levels-error-bad-entry = `{ $entry }` is not points:title
economy-levels-error-not-from-zero = the first level must start at 0 points, not { $points }
economy-levels-error-unsorted = levels must rise: { $next } comes after { $previous }
economy-levels-error-duplicate = { $points } points appears twice
economy-levels-error-empty-title = the level at { $points } points has no title
economy-levels-error-title-too-long = the title at { $points } points is longer than { $max } characters
economy-levels-error-too-many = at most { $max } levels

economy-ledger-usage = Usage: /ledger for your own entries; admins may use /ledger @username or reply to someone.
economy-ledger-own-only = You can only see your own entries; admins can see everyone's.
economy-ledger-title = Points of { $name } (balance { $balance })
economy-ledger-empty = No entries yet.
economy-reason-checkin = sign-in
economy-reason-activity = messages
economy-reason-admin_give = given by an admin
economy-reason-admin_take = taken by an admin
economy-reason-transfer = transfer
economy-reason-packet = red packet
economy-reason-lottery = lottery
economy-reason-packet_refund = red packet refund

economy-amount-not-number = “{ $text }” is not a whole number; write a positive number of points.
economy-amount-not-positive = The amount must be a positive whole number.
economy-amount-too-large = At most { $max } points at a time.
economy-unknown-user = I haven't seen @{ $username } in this group; reply to their message or use their numeric id.
economy-target-bot = Bots have no points account.
economy-unknown-member = I haven't seen a member with id { $id } in this group; reply to one of their messages instead.
economy-overflow = That amount is too large for the balance.
economy-give-usage = Usage: /give @username amount [reason], or reply to someone with /give amount [reason]
economy-take-usage = Usage: /take @username amount [reason], or reply to someone with /take amount [reason]
economy-give-done = { $admin } gave { $target } { $amount } points; balance { $balance }.
economy-take-done = { $admin } took { $amount } points from { $target }; balance { $balance }.
economy-take-short = { $target } has only { $balance } points, so { $amount } can't be taken. Nothing changed.
economy-note = Reason: { $note }

economy-transfer-off = Transfers are not turned on in this group.
economy-transfer-usage = Usage: /transfer @username amount, or reply to someone with /transfer amount
economy-transfer-self = You can't send points to yourself.
economy-transfer-short = Your balance is { $balance }, not enough to send { $amount }. Nothing changed.
economy-transfer-limit = You may send at most { $limit } points a day; { $left } left today.
economy-transfer-done = Sent { $amount } points to { $target }; your balance is { $balance }.

economy-settz-usage = Usage: /settz Asia/Shanghai, a city (Tokyo, New York) or an offset (UTC+8). Now: { $zone }
economy-settz-bad = “{ $zone }” is not a time zone I know; write a city such as Beijing or Berlin, an offset such as UTC+8, or an IANA name such as Europe/Berlin.
economy-settz-done = This group's time zone is now { $zone }; sign-in days follow it.
economy-setreset-usage = Usage: /setreset hour (0–23), e.g. /setreset 5 starts each new day at 5 am.
economy-setreset-done = A new sign-in day now starts at { $hour }:00.

## /ledger: from or to whom points moved between members.
economy-ledger-from = from { $name }
economy-ledger-to = to { $name }

economy-month-legend = ✓ marks a day you signed in. Today is day { $day }.
