# 定时发送：/schedule、/schedules 和列表按钮，错过的发送。

schedule-cmd-schedule = 把回复的消息设为定时发送（/schedule 查看用法）
schedule-cmd-schedules = 定时发送列表：暂停、恢复、立即发送、删除
schedule-help =
    <b>定时发送</b>
    回复要发送的消息（文字、图片、视频、文件，保留格式和按钮）：
    <code>/schedule 时间 [选项]</code>
    • 单次：<code>/schedule 于 2026-12-24 20:00</code>、<code>/schedule 2小时后</code>
    • 重复：<code>/schedule 每天 08:00</code>、<code>/schedule 工作日 08:00</code>、<code>/schedule 每周一,三,五 20:30</code>、<code>/schedule 每月1号 09:00</code>、<code>/schedule 每6小时</code>，或五段式定时表达式：<code>/schedule 0 8 * * 1-5</code>（分 时 日 月 周）
    • 选项：<code>直到=2027-01-31</code>、<code>次数=10</code>、<code>置顶</code>（每次置顶新消息、取消置顶上一条）、<code>删除=2小时</code>（发出后多久删除，不超过 48 小时）
    时间按本群时区（/settz）。/schedules 查看列表。
schedule-no-when = 请在选项前写上发送时间，例如：/schedule 每天 08:00 置顶
schedule-need-reply = 请用 /schedule 回复要定时发送的那条消息。
schedule-unsupported = 这种消息不能定时发送：请用文字、图片、视频、文件或动图。
schedule-bad-when = 看不懂时间“{ $what }”。例如：于 2026-12-24 20:00、2小时后、每天 08:00、每周一,三,五 20:30、每月1号 09:00、0 8 * * 1-5。
schedule-bad-time = “{ $what }”不是有效的时间：日期写成 2026-12-24，时间写成 20:30。
schedule-past = “{ $what }”已经过去了。
schedule-bad-cron = “{ $what }”不是能执行的定时表达式：五段依次是 分 时 日 月 周，例如 0 8 * * 1-5。
schedule-zero-interval = 间隔“{ $what }”是零：请写一个时长，例如 30分钟 或 2小时。
schedule-short-interval = 间隔“{ $what }”太短了：至少 1 分钟。
schedule-bad-days = 看不懂星期“{ $what }”：请写成 每周一,三,五。
schedule-bad-day-of-month = 每月的日期“{ $what }”要在 1 到 31 之间。
schedule-bad-option = 看不懂选项“{ $what }”。可用选项：直到=2027-01-31、次数=10、置顶、删除=2小时。
schedule-bad-delete = “{ $what }”：发出后最多 47 小时 59 分钟内删除（Telegram 只允许机器人删除 48 小时内的消息），也不能是零。
schedule-bot-cannot-post = 我在本群不能发言：请先允许我在这里发消息。
schedule-too-many = 本群已有 { $max } 个定时发送，已达上限。请先在 /schedules 里删除一个。
schedule-created = 已设置定时发送 #{ $id }。下次发送：{ $next }（{ $zone }）。
schedule-none = 本群还没有定时发送。用 /schedule 回复一条消息即可添加。
schedule-list-header = 定时发送（时间为{ $zone }）：
schedule-state-next = 下次 { $next }
schedule-state-paused = 已暂停
schedule-state-done = 不再发送
schedule-kind-text = 文字
schedule-kind-photo = 图片
schedule-kind-video = 视频
schedule-kind-document = 文件
schedule-kind-animation = 动图
schedule-button-pause = ⏸ #{ $id }
schedule-button-resume = ▶️ #{ $id }
schedule-button-now = 📤 立即 #{ $id }
schedule-button-delete = 🗑 #{ $id }
schedule-press-not-allowed = 只有有“修改群信息”权限的管理员才能这样做。
schedule-press-gone = 这个定时发送已经不存在了。
schedule-paused = 已暂停。
schedule-resumed = 已恢复。
schedule-resume-over = 它已经没有后续的发送，无法恢复。
schedule-ran-now = 马上发送。
schedule-ran-just-now = 刚刚已经发过了。
schedule-deleted = 已删除。
schedule-missed = 定时发送 #{ $id } 本应在 { $time } 发出，但我离线超过了 { $grace }，所以没有发送。
