# Scheduled posts: /schedule, /schedules and their buttons, missed runs.

schedule-cmd-schedule = Schedule the replied-to message as a post (/schedule for help)
schedule-cmd-schedules = List scheduled posts: pause, resume, run now, delete
schedule-help =
    <b>Scheduled posts</b>
    Reply to the message to post (text, photo, video, file, with its formatting and buttons) with:
    <code>/schedule &lt;when&gt; [options]</code>
    • Once: <code>at 2026-12-24 20:00</code>, <code>in 2h</code>
    • Recurring: <code>every day 08:00</code>, <code>every weekday 08:00</code>, <code>every mon,wed,fri 20:30</code>, <code>every month 1 09:00</code>, <code>every 6h</code>, or a cron expression: <code>cron 0 8 * * 1-5</code>
    • Options: <code>until=2027-01-31</code>, <code>count=10</code>, <code>pin</code> (pin each post, unpin the previous one), <code>delete=2h</code> (remove each post after that long, under 48h)
    Times are in the group's time zone (/settz). /schedules lists them.
schedule-no-when = Say when to post it before the options, for example: /schedule every day 08:00 pin
schedule-need-reply = Reply with /schedule to the message you want posted.
schedule-unsupported = This kind of message can't be scheduled: use text, a photo, a video, a file or a GIF.
schedule-bad-when = I can't read the time “{ $what }”. Examples: at 2026-12-24 20:00, in 2h, every day 08:00, every mon,wed,fri 20:30, every month 1 09:00, cron 0 8 * * 1-5.
schedule-bad-time = “{ $what }” is not a valid time: write dates as 2026-12-24 and times as 20:30.
schedule-past = “{ $what }” is already in the past.
schedule-bad-cron = “{ $what }” is not a cron expression that ever runs: five fields, minute hour day month weekday, like 0 8 * * 1-5.
schedule-zero-interval = The interval “{ $what }” is zero: give a length such as 30m or 2h.
schedule-short-interval = The interval “{ $what }” is too short: at least 1 minute.
schedule-bad-days = I don't know the days “{ $what }”: write them like mon,wed,fri.
schedule-bad-day-of-month = The day of the month “{ $what }” must be between 1 and 31.
schedule-bad-option = I don't understand the option “{ $what }”. Options: until=2027-01-31, count=10, pin, delete=2h.
schedule-bad-delete = “{ $what }”: a post can be deleted after at most 47 hours 59 minutes (Telegram lets bots delete messages younger than 48 hours), and not after zero.
schedule-bot-cannot-post = I can't post in this group: please let me send messages here first.
schedule-too-many = This group already has { $max } scheduled posts, the most it can have. Delete one with /schedules first.
schedule-created = Scheduled post #{ $id } is set. Next run: { $next } ({ $zone }).
schedule-none = This group has no scheduled posts. Reply /schedule to a message to add one.
schedule-list-header = Scheduled posts (times in { $zone }):
schedule-state-next = next { $next }
schedule-state-paused = paused
schedule-state-done = no more runs
schedule-kind-text = text
schedule-kind-photo = photo
schedule-kind-video = video
schedule-kind-document = file
schedule-kind-animation = GIF
schedule-button-pause = ⏸ #{ $id }
schedule-button-resume = ▶️ #{ $id }
schedule-button-now = 📤 Now #{ $id }
schedule-button-delete = 🗑 #{ $id }
schedule-press-not-allowed = Only admins who may change group info can do that.
schedule-press-gone = That scheduled post no longer exists.
schedule-paused = Paused.
schedule-resumed = Resumed.
schedule-resume-over = It has no more runs to resume.
schedule-ran-now = Posting it now.
schedule-ran-just-now = It was just posted.
schedule-deleted = Deleted.
schedule-missed = Scheduled post #{ $id } was due at { $time }, while I was offline for longer than { $grace }, so it was not sent.
