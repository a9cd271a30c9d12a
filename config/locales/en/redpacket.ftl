# Red packets: lucky, equal and exclusive packets, grabbing, refunds at expiry, /verify.

redpacket-cmd-hongbao = send a red packet: /hongbao total count [wish]
redpacket-cmd-verify = verify a packet or lottery: /verify P17
redpacket-usage = Usage:
    <code>/hongbao total count [wish]</code> a lucky packet (or type “发红包 100 5”)
    <code>/hongbao equal total count</code> equal shares
    <code>/hongbao @user amount [wish]</code> an exclusive packet (or reply to their message)
    <code>/hongbao pass total count phrase</code> a pass packet: type the phrase in the group to claim
    <code>/hongbao quiz total count question | answer</code> a quiz packet
    <code>/hongbao rules</code> who may claim; admins change it with <code>/hongbao set key value</code>
    Admins may put <code>mint</code> first to pay from the group's mint.
redpacket-group-only = Red packets can only be sent in groups.
redpacket-no-sender = Send red packets from your own account, not as a channel or an anonymous admin.
redpacket-unknown-user = I haven't seen @{ $name } in this group; reply to their message instead.
redpacket-unknown-id = Nobody with the id { $id } has been seen in this group.
redpacket-not-bot = Exclusive packets can't go to bots.
redpacket-not-self = You can't send an exclusive packet to yourself.
redpacket-count-zero = A packet needs at least 1 share.
redpacket-count-above-max = A packet may have at most { $max } shares.
redpacket-total-below-minimum = Too few points: { $count } shares of at least { $min } points need { $needed } points.
redpacket-total-above-max = A packet may hold at most { $max } points.
redpacket-insufficient = Not enough points: you have { $balance }, this packet needs { $total }.
redpacket-kind-lucky = lucky packet
redpacket-kind-equal = equal packet
redpacket-kind-exclusive = exclusive packet
redpacket-title = 🧧 { $sender } sent a { $kind } <b>{ $id }</b>
redpacket-for = Only for { $target }
redpacket-summary = { $total } points in { $count } shares, { $claimed } grabbed
redpacket-exhausted = All shares grabbed:
redpacket-expired = The packet expired; the remaining { $amount } points went back to { $to }.
redpacket-to-mint = the group's mint
redpacket-best-luck = 👑 Best luck: { $name } ({ $amount } points)
redpacket-commitment = Commitment: <code>{ $commitment }</code>
redpacket-seed = Seed: <code>{ $seed }</code> (check it with /verify { $id })
redpacket-button = 🧧 Grab
redpacket-alert-claimed = 🧧 +{ $amount } points
redpacket-alert-already = You already grabbed this packet (you got { $amount } points).
redpacket-alert-finished = Too late: every share has been grabbed.
redpacket-alert-expired = This packet has expired.
redpacket-alert-not-for-you = This packet is for someone else.
redpacket-alert-unknown = This packet doesn't exist.
redpacket-verify-usage = Usage: /verify P17 (the packet's id)
redpacket-verify-unknown = There is no packet { $id } in this group.
redpacket-verify-head = <b>{ $id }</b> · { $kind } · { $total } points · { $count } shares · minimum { $min }
    Commitment: <code>{ $commitment }</code>
    list_hash (the hash of the participant list, empty for packets): <code>{ $list_hash }</code>
redpacket-verify-secret = The packet is still open; its seed is revealed when it ends.
redpacket-verify-revealed = Seed: <code>{ $seed }</code>
    Recomputed shares, in grab order: { $shares }
redpacket-verify-ok = ✅ The seed matches the commitment and the recomputed shares match the record.
redpacket-verify-mismatch = ❌ The recomputed shares do not match the record; please tell an admin.

# Red packets II: pass and quiz packets, eligibility rules, relays.

redpacket-cmd-relay = red packet relay: /relay total count [deadline]
redpacket-pass-usage = Usage: <code>/hongbao pass total count phrase</code>
redpacket-quiz-usage = Usage: <code>/hongbao quiz total count question | answer</code>
redpacket-pass-hint = 🔑 Type this phrase in the group to claim: <code>{ $phrase }</code>
redpacket-quiz-hint = ❓ Reply to this message with your answer to claim: { $question }
redpacket-quiz-wrong = Wrong answer; try again in { $seconds } seconds.
redpacket-claims-head = 🧧 { $id } claimed:
redpacket-more-claims = … and { $count } more
redpacket-gate-own = You can't claim your own packet.
redpacket-gate-new = Members can claim after { $hours } hours in the group.
redpacket-gate-silent = Say something in the group first, then you can claim.
redpacket-gate-level = Claiming needs LV{ $needed }; you are LV{ $have }.
redpacket-gate-daily = You have claimed { $max } packets today; come back tomorrow.
redpacket-on = on
redpacket-off = off
redpacket-rules = <b>Who may claim red packets</b>
    Hours in the group: { $hours } (min_member_hours)
    Has spoken: { $spoken } (require_spoken)
    Lowest level: { $level } (min_level)
    Sender may claim their own: { $sender } (sender_may_claim)
    Most per day: { $daily }, 0 = no limit (max_claims_per_day)
redpacket-set-usage = Usage: <code>/hongbao set key value</code>, keys: { $keys }
redpacket-set-bad-value = { $key } can't be set to “{ $value }”.
redpacket-relay-usage = Usage:
    <code>/relay total count [deadline]</code> start a relay: the best luck sends the next, same packet
    <code>/relay stop</code> end the relay (its starter or an admin)
    <code>/relay stats</code> the relay's numbers
redpacket-relay-bad-deadline = The deadline must be between 10 seconds and 7 days, e.g. 10m.
redpacket-relay-running = A relay is already running here; /relay stop it first.
redpacket-relay-started = 🐉 Relay R{ $id } started: { $total } points in { $count } shares per round; the best luck sends the next within { $deadline }.
redpacket-relay-round = 🐉 Relay R{ $id }, round { $round }
redpacket-relay-none = No red packet relay here.
redpacket-relay-stop-refused = Only the relay's starter or an admin can stop it.
redpacket-relay-stopped = Relay R{ $id } stopped after { $rounds } rounds.
redpacket-relay-status-running = running
redpacket-relay-status-asking = waiting for the next sender
redpacket-relay-status-ended = ended
redpacket-relay-status-stopped = stopped
redpacket-relay-stats-head = <b>Relay R{ $id }</b> ({ $status }): { $rounds } rounds of { $total } points in { $count } shares
    member: sent / received / net
redpacket-relay-stats-line = { $name }: { $sent } / { $received } / { $net }
redpacket-relay-button = 🧧 Send { $total } points
redpacket-relay-ask = 👑 { $name } had the best luck ({ $amount } points)! Press the button within { $deadline } to send round { $round }: { $total } points in { $count } shares, from your points.
redpacket-relay-ping = ⏰ { $name }, the relay is still waiting for you; one more round of time.
redpacket-relay-missed = Relay R{ $id } ended: { $name } did not send in time. { $rounds } rounds.
redpacket-relay-expired = Relay R{ $id } ended: the round's packet was not fully grabbed. { $rounds } rounds.
redpacket-relay-answered = ✅ { $name } sent round { $round }.
redpacket-relay-alert-sent = Sent, the relay goes on!
redpacket-relay-alert-gone = This round needs no sender any more.
redpacket-relay-alert-not-you = Only the best luck of the last round can send this one.
redpacket-relay-alert-poor = Not enough points: you have { $balance }. Press again before the deadline once you have enough.

# Durations (relay deadlines and the like), largest units first, e.g. "1 hour 30 minutes".
redpacket-duration-days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}
redpacket-duration-hours = { $n ->
    [one] { $n } hour
   *[other] { $n } hours
}
redpacket-duration-minutes = { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}
redpacket-duration-seconds = { $n ->
    [one] { $n } second
   *[other] { $n } seconds
}

## /verify P…: who took which share, in grab order.
redpacket-verify-claims = Claimed by: { $claims }
redpacket-verify-claim = { $name } { $amount }
redpacket-quiz-cooling = That is right, but you are still cooling down: answer again in { $seconds ->
        [one] 1 second
       *[other] { $seconds } seconds
    }.
redpacket-verify-not-member = Packet { $id } can be checked here only by members of its group; anyone can send /verify { $id } in that group.
redpacket-exclusive-claimed = Claimed:

## The packet message: its claim conditions and the button to its full verification.
redpacket-conditions = To claim: { $conditions }.
redpacket-condition-hours = in the group for { $hours ->
        [one] { $hours } hour
       *[other] { $hours } hours
    }
redpacket-condition-spoken = has spoken in the group
redpacket-condition-level = level { $level } or higher
redpacket-condition-separator = ,{ " " }
redpacket-verify-button = 🔍 Verify
