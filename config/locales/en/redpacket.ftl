# Red packets: lucky, equal and exclusive packets, grabbing, refunds at expiry, /verify.

redpacket-cmd-hongbao = send a red packet: /hongbao total count [wish]
redpacket-cmd-verify = verify a packet or lottery: /verify P17
redpacket-usage = Usage:
    <code>/hongbao total count [wish]</code> a lucky packet (or type “发红包 100 5”)
    <code>/hongbao equal total count</code> equal shares
    <code>/hongbao @user amount [wish]</code> an exclusive packet (or reply to their message)
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
redpacket-verify-secret = The packet is still open; its seed is revealed when it ends.
redpacket-verify-revealed = Seed: <code>{ $seed }</code>
    Recomputed shares, in grab order: { $shares }
redpacket-verify-ok = ✅ The seed matches the commitment and the recomputed shares match the record.
redpacket-verify-mismatch = ❌ The recomputed shares do not match the record; please tell an admin.
