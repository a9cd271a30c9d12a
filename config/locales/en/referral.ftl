# Referral links, channel links and the review numbers (/invite, /invites, /channel, /stats, /export).

referral-cmd-invite = get your personal invite link for this group
referral-cmd-invites = your invites; /rank invites [week|month|all] for the leaderboard
referral-cmd-channel = channel links: /channel new name, /channel list
referral-cmd-stats = review numbers and chart: /stats [7d|30d|90d]
referral-cmd-export = CSV files of daily numbers and members: /export [7d|30d|90d]
referral-not-a-member = Use this from your own account, not as a channel or an anonymous admin.
referral-invite-private = Your invite link for <b>{ $group }</b>:
    { $link }
    A friend counts once they are new here, pass the entry check and stay a few days.
referral-invite-public = { $member }, your invite link: { $link }
    (Start a private chat with me to get it privately next time. This message will be deleted soon.)
referral-invite-sent-private = I sent you your invite link in private.
referral-invites-own = Your invites: { $valid } valid, { $pending } pending, { $void } not counted. Points earned: { $reward }.
    An invite counts once the friend is new to the group, passes the entry check and stays { $days }.
referral-invites-usage = Usage: /invites — your own counts; /rank invites [week|month|all] (or /invites top …) — the leaderboard of valid invites.
referral-top-title-week = Top inviters this week (since Monday)
referral-top-title-month = Top inviters this month
referral-top-title-all = Top inviters of all time
referral-top-line = { $place }. { $member } — { $count } valid
referral-top-empty = No valid invites yet.
referral-channel-usage = Usage: /channel new name (e.g. /channel new poster) or /channel list.
referral-channel-bad-name = A channel name needs 1 to 32 characters on one line.
referral-channel-taken = There is already a channel link named “{ $name }”.
referral-channel-created = Channel link <b>{ $name }</b>: { $link }
    /channel list shows how many joined through it, passed the entry check, stayed 7 days and spoke.
referral-channel-none = No channel links yet. Create one with /channel new name.
referral-channel-title = Channel links: joined → passed check → stayed 7 days → spoke
referral-channel-line = <b>{ $name }</b> { $link }
    { $joins } → { $verified } → { $stayed } → { $spoke }
referral-stats-usage = Usage: /stats [7d|30d|90d] or /export [7d|30d|90d] (7d when left out).
referral-stats-talker = { $member } ({ $messages })
referral-stats-date = { $month ->
    [1] Jan
    [2] Feb
    [3] Mar
    [4] Apr
    [5] May
    [6] Jun
    [7] Jul
    [8] Aug
    [9] Sep
    [10] Oct
    [11] Nov
   *[12] Dec
} { $day }
referral-stats-retention = { $cohort ->
    [one] The one new member who joined from { $from } to { $to } { $stayed ->
        [0] left within 7 days.
       *[other] stayed at least 7 days.
    }
   *[other] Of the { $cohort } new members who joined from { $from } to { $to }, { $stayed } stayed at least 7 days ({ $rate }%).
}
referral-stats-retention-none = No new members joined from { $from } to { $to }, so there is no 7-day retention to show yet.
referral-stats-retention-too-new = I came to this group less than 7 days ago: 7-day retention shows once the new members I saw join have had a whole week.
referral-stats-partial = { $observed ->
    [one] I came to this group on { $since }, so only 1 of these { $days } days has numbers: daily averages are over that day, and the chart starts there too.
   *[other] I came to this group on { $since }, so only { $observed } of these { $days } days have numbers: daily averages are over those { $observed } days, and the chart starts there too.
}
referral-stats-summary = <b>Last { $days } days</b>
    Members: { $start } → { $end } (joined { $joins }, left { $leaves }, net { $net })
    Active: { $dau } a day on average, { $wau } in the last 7 days, { $active } in the period
    Messages: { $messages }
    { $retention }
    Top talkers: { $talkers }
    Valid referrals: { $referrals } (multiplier { $multiplier } per active member)
    Signed in: { $signed } ({ $signrate }% of active members)
    Red packets: { $grabbers } members grabbed ({ $grabrate }% of active), { $grabs } grabs
    Lotteries: { $entrants } members joined ({ $entrantrate }% of active), { $entries } entries
referral-chart-title = Last { $days } days
referral-chart-title-since = The { $days ->
    [one] day
   *[other] { $days } days
} since the bot came
referral-chart-joins = Joins
referral-chart-leaves = Leaves
referral-chart-active = Active members
referral-export-sent = I sent you the last { $days } days of daily numbers and the list of { $members } members as CSV files in private.
referral-export-start-me = I can only send members' data to you in private. Open { $link }, press Start, then send /export here again.
# How /ledger names the journal rows of referral rewards.
economy-reason-referral = invite reward
economy-reason-referral_reversal = invite reward taken back (invite ring)
referral-csv-daily-header = date,joins,leaves,net,active_members,messages
referral-csv-members-header = user_id,name,username,joined_at,source,messages,points,level
