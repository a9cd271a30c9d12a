# Lotteries: creating, joining, drawing, redemption codes and /verify.

lottery-cmd-lottery = lotteries: create, list, cancel, draw (/lottery help)
lottery-cmd-redeem = mark a lottery redemption code as used
lottery-help =
    <b>Lotteries</b>
    Create (admins with the “change group info” right), on one line:
    <code>/lottery title | prize x count; prize x count | draw rule | options</code>
    • Prizes come in tier order, top prize first. The count is written <code>x5</code>, <code>x 5</code> or <code>×5</code> (default 1). <code>100 points</code> is credited as points, also after a label (<code>Second prize 100 points x5</code>); anything else gets a redemption code.
    • Draw rule: <code>at 2026-12-24 20:00</code> (group time zone), <code>in 30m</code>, <code>when 100</code> (once 100 members joined), or <code>when 100 at 2026-12-24 20:00</code> (whichever comes first).
    • Options: <code>join=keyword</code> (join by typing it), <code>min_level=2</code>, <code>min_days=7</code>, <code>spoke=yes</code>, <code>everyone=prize</code> (everyone without a tier prize gets it).
    Example: <code>/lottery Christmas | Headphones x1; 100 points x5 | at 2026-12-24 20:00 | join=lucky everyone=10 points</code>
    /lottery list — open lotteries · /lottery cancel L5 · /lottery draw L5 (draw now) · /redeem CODE · /verify L5
lottery-example = Example: /lottery Christmas | Headphones x1; 100 points x5 | in 30m | join=lucky
lottery-bad-shape = I need at least three parts separated by “|”: title | prizes | draw rule (options optional).
lottery-bad-title = The title (before the first “|”) is empty.
lottery-reserved-title = A title cannot start with “{ $word }”: that word is a /lottery subcommand.
lottery-bad-prize = A prize has no name (check the prizes part, between the first and second “|”).
lottery-bad-count = The count in “{ $part }” must be a whole number of at least 1.
lottery-bad-points = The points in “{ $part }” must be between 1 and { $max }.
lottery-too-many-prizes = Too many prizes: at most { $max } prizes in at most { $tiers } tiers.
lottery-bad-rule = I don't understand the draw rule “{ $part }”. Write “at 2026-12-24 20:00”, “in 30m”, “when 100” or “when 100 at 2026-12-24 20:00”.
lottery-bad-time = “{ $part }” is not a date and time; write it as 2026-12-24 20:00.
lottery-past-time = The draw time “{ $part }” is not in the future.
lottery-too-far = The draw rule “{ $part }” is too far ahead (at most { $max }).
lottery-bad-threshold = The number of participants in “when { $part }” must be between 1 and { $max }.
lottery-threshold-below-prizes = “when { $threshold }” draws with { $threshold } participants, but there are { $prizes } prizes: lower the prizes or raise the number.
lottery-unknown-option = Unknown option “{ $part }”. Options: join=, min_level=, min_days=, spoke=yes, everyone=.
lottery-bad-option = The option “{ $part }” has a value I can't use (join= takes one word, min_level= and min_days= a number from 1, spoke= yes or no, everyone= one prize).
lottery-keyword-taken = Another open lottery here already uses the keyword “{ $keyword }”.
lottery-points = { $points } points
lottery-points-labelled = { $label } { $points } points
lottery-join-button = 🎁 Join
lottery-announce-title = 🎁 <b>Lottery { $id }: { $title }</b>
lottery-announce-tier = Tier { $tier }: { $prize } ×{ $count }
lottery-announce-floor = Everyone else: { $prize }
lottery-announce-rule = Draw: { $rule }
lottery-announce-eligibility = Who can join: { $conditions }
lottery-announce-how-button = Press the button below to join.
lottery-announce-how-keyword = Press the button below or send “{ $keyword }” to join.
lottery-announce-count = Joined: { $count }
lottery-announce-commitment = Commitment: <code>{ $commitment }</code> (check the draw later with /verify { $id })
lottery-rule-time = at { $time } ({ $zone })
lottery-rule-threshold = when { $count } members have joined
lottery-rule-either = when { $count } members have joined or at { $time } ({ $zone }), whichever comes first
lottery-cond-none = every member
lottery-cond-level = level LV{ $level } or higher
lottery-cond-days = in the group for at least { $days } days
lottery-cond-spoke = has spoken in the group
lottery-cond-separator = {"; "}
lottery-closed-drawn = ✅ Drawn — see the result below.
lottery-closed-cancelled = ❌ Cancelled by an admin.
lottery-list-empty = No open lotteries in this group.
lottery-list-title = Open lotteries
lottery-list-row = { $id } { $title } — { $count } joined — draw { $rule }
lottery-need-id = Which lottery? Give its id, e.g. L5 (see /lottery list).
lottery-unknown = There is no lottery { $id } here.
lottery-not-open = Lottery { $id } is already drawn or cancelled.
lottery-too-late = Lottery { $id } has reached its draw time: joining is closed.
lottery-cancelled = Lottery { $id } “{ $title }” is cancelled; nothing is paid.
lottery-joined = You're in lottery { $id } “{ $title }”. Good luck!
lottery-already-in = You have already joined lottery { $id }.
lottery-full = Lottery { $id } is full.
lottery-ineligible = You can't join lottery { $id } yet: { $reason }.
lottery-miss-level = it needs level LV{ $level } and you are LV{ $have } ({ $title })
lottery-miss-days = it needs { $days } days in the group and you have { $have }
lottery-miss-spoke = it needs you to have spoken in the group before
lottery-button-stale = This lottery no longer exists.
lottery-result-title = 🎉 <b>Lottery { $id } drawn: { $title }</b>
lottery-result-late = (I was offline at the draw time, so this draw comes late. The result is the same as it would have been.)
lottery-result-nobody = Nobody joined, so nobody wins.
lottery-result-tier = Tier { $tier } — { $prize }: { $winners }
lottery-result-no-winner = no winner
lottery-result-floor = Everyone else — { $prize }: { $count } participants
lottery-result-codes = Winners of non-points prizes get a redemption code from me in a private chat.
lottery-result-proof =
    Participants: { $count }
    Seed: <code>{ $seed }</code>
    Commitment: <code>{ $commitment }</code>
    Anyone can recompute this draw: /verify { $id }
lottery-code-dm = 🎁 You won “{ $prize }” in lottery { $id } “{ $title }”. Your redemption code: <code>{ $code }</code> — show it to an admin to collect your prize.
lottery-code-start-bot = { $members }: you won a prize but I can't write to you privately. Open a private chat with @{ $bot }, press Start and send /lottery to see your redemption code.
lottery-my-codes-none = You have no unused redemption codes.
lottery-my-codes-title = Your unused redemption codes
lottery-my-codes-row = { $id } { $title } — { $prize }: <code>{ $code }</code>
lottery-redeem-usage = Usage: /redeem CODE
lottery-redeem-unknown = There is no redemption code { $code } in this group.
lottery-redeem-used = The code { $code } was already used on { $time }.
lottery-redeemed = ✅ Code { $code } redeemed: { $prize } from lottery { $id } for { $winner }.
lottery-verify-head =
    <b>Lottery { $id }: { $title }</b>
    Tag: <code>{ $tag }</code>
    Commitment: <code>{ $commitment }</code>
lottery-verify-not-yours = Lottery { $id } can be checked here only by its participants and its group's members; anyone can send /verify { $id } in that group.
lottery-verify-open = Not drawn yet: { $count } joined so far. The seed is revealed at the draw.
lottery-verify-cancelled = Cancelled before the draw ({ $count } had joined); there is no result.
lottery-verify-drawn =
    Seed: <code>{ $seed }</code>
    { $participants }
    List hash: <code>{ $list_hash }</code>
    Recomputed winners:
lottery-verify-list = Participants ({ $count }, ascending): <code>{ $list }</code>
lottery-verify-list-file = Participants ({ $count }, ascending): in the attached file { $file }
lottery-verify-tier = Tier { $tier }: { $winners }
lottery-verify-floor = Everyone else: { $count ->
    [one] { $count } participant
   *[other] { $count } participants
}
lottery-verify-ok = ✅ The seed matches the commitment and the recomputed winners match the announced ones. docs/verify.md explains how to do this yourself.
lottery-verify-mismatch = ⚠️ The recomputation does NOT match the stored result. Please tell the group's admins.
lottery-result-excluded = { $count ->
    [one] One entry was left out of the draw
   *[other] { $count } entries were left out of the draw
  }: { $reasons }. /verify shows who.
lottery-excluded-banned = { $count } banned
lottery-excluded-left = { $count } left the group
lottery-excluded-muted = { $count } muted
lottery-excluded-ad = { $count ->
    [one] one removed for an ad
   *[other] { $count } removed for ads
  }
lottery-verify-excluded = Left out of the draw ({ $count }): { $list }
lottery-verify-excluded-item = { $id } ({ $why })
lottery-excluded-why-banned = banned
lottery-excluded-why-left = left the group
lottery-excluded-why-muted = muted
lottery-excluded-why-ad = message removed as an ad
lottery-private-in-group = Lotteries are created, listed, drawn and cancelled in the group. Send /lottery there; here, /lottery alone shows your prize codes.
lottery-cmd-lottery-member = lotteries: see the open ones and join (/lottery list)
lottery-tier-label = Tier { $tier }
lottery-announce-tier-labelled = { $label }: { $prize } ×{ $count }
lottery-result-tier-labelled = { $label } ({ $prize }): { $winners }
lottery-title-too-long = The title is too long: at most { $max } characters.

## A draw time in a group that never chose its time zone, outside Chinese groups (which read 北京时间).
lottery-zone-default = { $offset }; set your zone with /settz
