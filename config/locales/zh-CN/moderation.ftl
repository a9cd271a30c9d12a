moderation-cmd-filter = 屏蔽词和正则：/filter add|del|list
moderation-cmd-allowdomain = 允许的链接域名：/allowdomain [del] example.com
moderation-cmd-lock = 禁止所有人发某类内容：/lock photo
moderation-cmd-unlock = 解除某类内容的禁止
moderation-cmd-locks = 查看已禁止的内容类型
moderation-cmd-flood = 刷屏限制：/flood 5 10 [处理] 或 /flood off
moderation-cmd-rulemode = 开关规则或只记录不处理：/rulemode adpack shadow

moderation-explain = {$member}，你的消息已被删除：{$rule}。处理：{$action}。再犯：{$next}。如有误判，请点「申诉」。
moderation-rule-keyword = 含有屏蔽词
moderation-rule-regex = 命中屏蔽规则
moderation-rule-adpack = 疑似广告
moderation-rule-link = 本群新成员暂不能发链接
moderation-rule-invite = 不能发其他群的邀请链接
moderation-rule-contact = 不能留联系方式（微信、QQ、电话）
moderation-rule-mention = 不能提及群外的频道或机器人
moderation-rule-forward = 不能转发其他聊天的消息
moderation-rule-media = 本群不允许这类内容
moderation-rule-flood = 短时间内发言太多
moderation-rule-flood-groups = 在多个群发送相同内容

moderation-action-delete = 删除消息
moderation-action-warn = 警告一次
moderation-action-mute = 禁言 {$duration}
moderation-action-kick = 移出本群
moderation-action-ban = 封禁
moderation-action-ladder = 按警告阶梯处理

moderation-button-appeal = 申诉
moderation-button-undo = 撤销（管理员）
moderation-button-unknown = 这个按钮已失效。
moderation-appeal-not-yours = 只有被处理的成员本人可以申诉。
moderation-appeal-already = 你已经申诉过了，请等管理员处理。
moderation-appeal-sent = 申诉已发给管理员。
moderation-appeal-posted = {$member} 提出申诉：因「{$rule}」（{$detail}）被处理：{$action}。管理员点一下即可撤销。
moderation-undo-already = 这次处理已经撤销过了。
moderation-undo-admins-only = 只有能限制成员的管理员可以撤销。
moderation-undo-done = 已撤销：权限已恢复，并记为误判。
moderation-undo-posted = {$admin} 撤销了对 {$member} 的自动处理，抱歉打扰！

moderation-filter-usage = 用法：/filter add 词语 [处理]、/filter add re:正则 [处理]、/filter del 词语、/filter list。带空格的词语请加引号。处理：delete、warn、mute 1h、kick、ban。
moderation-filter-none = 本群还没有自己的屏蔽词或正则。
moderation-filter-title = 屏蔽词和正则
moderation-filter-removed = 已删除：{$pattern}
moderation-filter-missing = 本群没有「{$pattern}」这条规则。
moderation-filter-empty = 这个词里没有可匹配的文字或数字。
moderation-filter-bad-regex = 正则没有添加：{$reason}
moderation-filter-full = 本群这类规则已达上限（{$max} 条）。
moderation-filter-exists = 「{$pattern}」已经在本群的规则里了。
moderation-filter-added = 已添加「{$pattern}」，立即生效。处理：{$action}。
moderation-bad-action = 「{$action}」不是有效的处理方式。可用：delete、warn、mute 1h、kick、ban。

moderation-domains-none = 还没有允许的域名：新成员发的链接会被删除。
moderation-domains-list = 允许的域名：{$domains}
moderation-domains-usage = 用法：/allowdomain example.com、/allowdomain del example.com，不带参数则列出。
moderation-domains-bad = 「{$domain}」不是像 example.com 这样的域名。
moderation-domains-added = 现在允许 {$domain} 的链接。
moderation-domains-already = {$domain} 已经在允许列表里了。
moderation-domains-removed = 已不再允许 {$domain}。
moderation-domains-missing = {$domain} 不在允许列表里。

moderation-lock-usage = 用法：/lock 类型 或 /unlock 类型。类型：{$types}
moderation-locked = 已禁止：{$type} 消息会被删除。
moderation-locked-already = {$type} 已经是禁止状态。
moderation-unlocked = 已解除：{$type} 消息可以发了。
moderation-unlocked-already = {$type} 本来就没有禁止。
moderation-locks-none = 目前没有对所有人禁止的内容。
moderation-locks-list = 对所有人禁止：{$types}
moderation-locks-newcomers = 新成员在熟悉本群之前，不能发图片视频等媒体、转发、链接、邀请链接和联系方式。

moderation-flood-usage = 用法：/flood 条数 秒数 [处理]（2–100 条，1–3600 秒），或 /flood off。
moderation-flood-current = 刷屏限制：{$seconds} 秒内 {$count} 条 → {$action}。
moderation-flood-off = 刷屏限制已关闭。
moderation-flood-set = 已设置刷屏限制：{$seconds} 秒内 {$count} 条 → {$action}。

moderation-rulemode-usage = 用法：/rulemode 规则 on|off|shadow [处理]。规则：{$rules}
moderation-rulemode-title = 规则（模式 · 处理）
moderation-rulemode-set = 规则 {$rule} 现在是 {$mode}。

moderation-cmd-ladder = 警告阶梯：/ladder warn, mute 1h, ban
moderation-ladder-current = 警告阶梯：{$ladder}。警告过一段时间会失效。
moderation-ladder-set = 新的警告阶梯：{$ladder}。
moderation-ladder-bad = 「{$step}」不是有效的阶梯步骤。可用：delete、warn、mute 1h、kick、ban。
moderation-ladder-usage = 用法：/ladder warn, warn, mute 1h, mute 1d, ban（1 到 10 步，用逗号分隔），或 /ladder reset。
