# 机器人的基本礼仪：打招呼、/start、/help、/lang，以及各功能共用的拒绝提示。

group-hello = 大家好，{ $group }！我是 groupops：迎新与入群验证、清理广告、签到积分、红包和抽奖都交给我。请把我设为管理员（删除消息、封禁成员、邀请成员），然后发送 /help 查看命令。
start-private = 你好，我是 <b>{ $bot }</b>。我帮你运营社群：迎新与入群门槛、广告清理、签到积分、红包、抽奖，以及复盘数据。把我拉进群并设为管理员即可开始。
start-add-button = ➕ 把我添加到群组
help-title-group = 本群可用命令
help-title-private = 我能做什么
help-admins-see-more = 管理员在这里能看到更多命令。
cmd-start = 介绍机器人
cmd-help = 列出你能用的命令
cmd-lang = 切换本群语言（zh | en）
lang-usage = 用法：/lang zh 或 /lang en
lang-switched = 本群已切换为{ $language }。
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
# 句子里列举多项时的分隔符。
list-separator = 、
