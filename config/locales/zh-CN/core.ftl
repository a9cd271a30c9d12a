# 机器人的基本礼仪：打招呼、/start、/help、/lang，以及各功能共用的拒绝提示。

group-hello = 大家好，{ $group }！我是 groupops：迎新与入群验证、清理广告、签到积分、红包和抽奖都交给我。请把我设为管理员（删除消息、封禁成员、邀请成员），然后发送 /help 查看命令。
start-private = 你好，我是 <b>{ $bot }</b>。我帮你运营社群：迎新与入群门槛、广告清理、签到积分、红包、抽奖，以及复盘数据。把我拉进群并设为管理员即可开始。
start-add-button = ➕ 把我添加到群组
help-title-group = 本群可用命令
help-title-private = 我能做什么
help-admins-see-more = 管理员在这里能看到更多命令。
cmd-start = 介绍机器人
cmd-help = 列出你能用的命令
cmd-lang = 切换本群语言：/lang zh 或 /lang en
lang-usage = 用法：/lang zh 或 /lang en
lang-switched = 本群已切换为{ $language }。
lang-already = 本群已经在使用{ $language }，无需切换。
lang-name-zh-CN = 中文
lang-name-en = 英文
group-only = 这个命令只能在群里使用。
refuse-not-admin = 只有群管理员才能这样做。
refuse-missing-right = 你需要“{ $right }”管理权限才能这样做。
bot-missing-right = 我还做不到：请授予我“{ $right }”管理权限。
right-restrict = 封禁成员
right-delete = 删除消息
right-change_info = 修改群资料
right-invite = 通过链接邀请成员
right-pin = 置顶消息
right-promote = 添加管理员
anonymous-admin-ask = 这条命令是以匿名管理员身份发送的。请拥有“{ $right }”权限的管理员点击下面的按钮，确认是你发的，命令将以你的名义执行。
anonymous-admin-button = ✅ 是我，执行
anonymous-admin-done = 已确认：命令已以你的名义执行。
anonymous-admin-gone = 这条命令已不再等待确认。

# /forgetme
cmd-forgetme = 删除我在机器人这里的资料
forgetme-private-only = 请私聊我发送 /forgetme，我会在私聊里告诉你我保存了哪些资料。
forgetme-nothing = 我没有保存你的任何资料。
forgetme-unnamed-group = （未命名的群）
forgetme-ask = { $count ->
    [0] 我保存了你的个人资料（名字和用户名）。
   *[other] 我在这 { $count } 个群里保存了你的资料：
    { $groups }
}

    确认后我会删除：你的名字和用户名、消息摘录、入群和邀请记录、活跃统计，以及你提交的识别样本。
    为了对其他成员负责，这些会保留（只留编号，不留名字）：积分流水（各群积分总账保持准确）、签到记录、已公布的红包和抽奖名单（/verify 仍可复核），以及封禁记录（删除资料不会解除封禁）。
forgetme-confirm-button = 确认删除
forgetme-cancel-button = 取消
forgetme-done = 已删除。你的名字、用户名、消息摘录和邀请记录都已清除。
forgetme-already = 没有需要删除的资料了，之前已经删除过。
forgetme-cancelled = 已取消，什么都没有改变。
forgetme-not-yours = 这个按钮不是给你的。
## Durations in words, largest units first (`3 天`, `1 小时 30 分钟`).
duration-days = { $n } 天
duration-hours = { $n } 小时
duration-minutes = { $n } 分钟
duration-seconds = { $n } 秒

## Names of members where the bot shows who did what.
anonymous-admin = 匿名管理员
member-by-id = 成员 { $id }
name-with-id = { $name }（{ $id }）
admin-answer-sent-private = 已私信发给你。
admin-answer-private-header = 来自群“{ $group }”：
help-admins-title = 管理员命令（在群里使用，或在这里发送后选择群）
help-short-more = 这里只列出常用命令，完整列表请点下面的按钮私聊查看。
help-full-button = 📖 完整帮助
pick-group-ask = 这个命令用于哪个群？
pick-group-none = 你目前不是我所在任何群的管理员。请在群里使用这个命令。
pick-group-reply-only = 这个命令要在群里回复一条消息来使用。
pick-group-running = 正在为“{ $group }”执行。
# 句子里列举多项时的分隔符。
list-separator = 、
group-hello-intro = 大家好，{ $group }！我是 groupops：迎新与入群验证、清理广告、签到积分、红包和抽奖都交给我。
group-hello-make-admin = 请把我设为管理员（删除消息、封禁成员、通过链接邀请成员），我才能开始工作。
group-hello-rights-ok = 我已拥有所需的管理权限。
group-hello-rights-missing = 我还缺少这些管理权限：{ $rights }。
group-hello-already-on = 已开启：{ $list }。
group-hello-on-gate-button = 新成员按钮验证
group-hello-on-gate-math = 新成员算术验证
group-hello-on-gate-quiz = 新成员问答验证
group-hello-on-adpack = 广告过滤
group-hello-lang = 发送 /help 查看命令；发送 /lang en 可切换为英文。
group-promoted-thanks = 谢谢你们把我设为管理员！
private-help-hint = 我没看懂这条消息。发送 /help 查看我能做什么。
lang-current = 本群当前使用{ $language }。管理员可以用 /lang zh 或 /lang en 切换。
