//! The seeded workload: 10,000 groups with Zipf-distributed activity, and the mix of updates the issue
//! names — ordinary messages in Chinese and English, ads the default pack removes, joins (met by the default
//! captcha), sign-ins, red-packet sends and grabs, and other commands. Every update is a JSON text in the
//! Bot API's own shape, served through the fake getUpdates exactly as Telegram would.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::collections::HashMap;

/// The id of the `g`-th group (0-based, in Zipf rank order).
pub fn group_id(g: usize) -> i64 {
    -1_000_000_000_000 - g as i64
}

/// The id of member `m` of group `g`. Members 0..FUNDED hold points to send packets with.
pub fn member_id(g: usize, m: usize) -> i64 {
    10_000_000_000 + g as i64 * 100_000 + m as i64
}

/// The owner (creator) of group `g`, who added the bot.
pub fn owner_id(g: usize) -> i64 {
    member_id(g, 99_999)
}

/// Members of each funded group that hold points.
pub const FUNDED: usize = 3;

/// What an update is, for counting the mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Message,
    Ad,
    Join,
    Checkin,
    PacketSend,
    Grab,
    Command,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Message,
        Kind::Ad,
        Kind::Join,
        Kind::Checkin,
        Kind::PacketSend,
        Kind::Grab,
        Kind::Command,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Message => "message",
            Kind::Ad => "ad",
            Kind::Join => "join",
            Kind::Checkin => "checkin",
            Kind::PacketSend => "packet_send",
            Kind::Grab => "grab",
            Kind::Command => "command",
        }
    }
}

/// Ordinary messages, Chinese and English.
pub const ORDINARY: &[&str] = &[
    "大家好，今天的会议改到下午三点，请准时参加。",
    "有人知道周末的活动在哪里集合吗？",
    "谢谢分享，这个教程写得很清楚。",
    "我刚试了新版本，构建速度快了不少。",
    "晚上一起打球吗？老地方见。",
    "这家店的咖啡真的不错，推荐大家去试试。",
    "明天要下雨，出门记得带伞。",
    "请问报名截止到什么时候？",
    "哈哈哈，这个表情包太好笑了",
    "收到，我晚点整理一下发群里。",
    "周五的分享会改成线上了，链接稍后发。",
    "新来的朋友欢迎自我介绍一下～",
    "Has anyone tried the new release? The build is much faster now.",
    "Good morning everyone, the meetup moved to 3 pm.",
    "Thanks for sharing, that tutorial was really clear.",
    "Does anyone know where we meet on Saturday?",
    "I will post the notes from today's call tonight.",
    "Welcome to the new members, feel free to say hi!",
    "The weather looks bad tomorrow, bring an umbrella.",
    "lol that sticker is perfect",
];

/// Ads the default pack removes whoever posts them (checked when the workload is built).
pub const ADS: &[&str] = &[
    "兼职刷单，日结300，加微信 abc12345 详聊",
    "高薪兼职日结，无需经验，私聊了解",
    "博彩平台注册就送彩金，稳赚不赔",
    "低息贷款秒到账，无抵押，联系客服",
    "招代理，躺赚月入过万，加V详谈",
    "Earn $500 per day from home, no experience needed, DM me",
    "crypto pump signals every day, 100x guaranteed, join now",
    "Заработок от 5000 рублей в день, пишите в личку",
];

/// Other commands members use.
pub const COMMANDS: &[&str] = &["/me", "/rank", "/help", "/levels", "/rules", "/invites"];

/// The share of each kind in the mix, in per mille (sums to 1000).
const MIX: &[(Kind, u32)] = &[
    (Kind::Message, 850),
    (Kind::Ad, 40),
    (Kind::Join, 30),
    (Kind::Checkin, 30),
    (Kind::PacketSend, 4),
    (Kind::Grab, 16),
    (Kind::Command, 30),
];

/// A generator of updates. The same seed and settings give the same updates.
pub struct Workload {
    rng: ChaCha8Rng,
    /// Cumulative Zipf weights over groups.
    cdf: Vec<f64>,
    /// Members per group (ordinary posters take turns, so nobody floods by accident).
    members: Vec<usize>,
    /// The next poster of each group.
    turn: Vec<usize>,
    /// Open packets by group (groups without one send instead of grabbing).
    packets: HashMap<usize, i64>,
    next_update_id: i64,
    next_message_id: i64,
    next_stranger: i64,
    flood_turn: i64,
    date: i64,
    /// Updates generated per kind.
    pub counts: HashMap<Kind, u64>,
}

impl Workload {
    /// A workload over `groups` groups with Zipf exponent 1. `members_scale` sizes each group's membership
    /// by its share of the traffic (at least 20), so every member posts at an ordinary pace;
    /// `first_update_id` continues the ids of updates served before.
    pub fn new(seed: u64, groups: usize, members_scale: f64, first_update_id: i64) -> Workload {
        let weights: Vec<f64> = (1..=groups).map(|rank| 1.0 / rank as f64).collect();
        let total: f64 = weights.iter().sum();
        let mut cdf = Vec::with_capacity(groups);
        let mut acc = 0.0;
        for w in &weights {
            acc += w / total;
            cdf.push(acc);
        }
        let members = weights
            .iter()
            .map(|w| ((w / total) * members_scale).ceil().max(20.0) as usize)
            .map(|m| m.min(90_000))
            .collect();
        Workload {
            rng: ChaCha8Rng::seed_from_u64(seed),
            cdf,
            members,
            turn: vec![0; groups],
            packets: HashMap::new(),
            next_update_id: first_update_id,
            next_message_id: 1,
            next_stranger: 0,
            flood_turn: 0,
            date: chrono_now(),
            counts: HashMap::new(),
        }
    }

    /// Says which packet members of group `g` grab.
    pub fn set_packet(&mut self, g: usize, packet_id: i64) {
        self.packets.insert(g, packet_id);
    }

    /// A group drawn from the Zipf distribution.
    pub fn pick_group(&mut self) -> usize {
        let x: f64 = self.rng.random();
        self.cdf.partition_point(|&c| c < x).min(self.cdf.len() - 1)
    }

    /// The next update of the mix, as `(update_id, JSON text)`.
    pub fn next(&mut self) -> (i64, String, Kind) {
        let g = self.pick_group();
        self.next_in(g)
    }

    /// The next update of the mix in group `g`.
    pub fn next_in(&mut self, g: usize) -> (i64, String, Kind) {
        let roll = self.rng.random_range(0..1000u32);
        let mut acc = 0;
        let mut kind = Kind::Message;
        for (k, share) in MIX {
            acc += share;
            if roll < acc {
                kind = *k;
                break;
            }
        }
        if kind == Kind::Grab && !self.packets.contains_key(&g) {
            kind = Kind::PacketSend;
        }
        *self.counts.entry(kind).or_default() += 1;
        let id = self.next_update_id;
        self.next_update_id += 1;
        let chat = group_id(g);
        let body = match kind {
            Kind::Message => {
                let text = ORDINARY[self.rng.random_range(0..ORDINARY.len())];
                let from = self.poster(g);
                message(chat, from, self.message_id(), self.date, text)
            }
            Kind::Ad => {
                let text = ADS[self.rng.random_range(0..ADS.len())];
                let from = self.stranger();
                message(chat, from, self.message_id(), self.date, text)
            }
            Kind::Join => {
                let who = self.stranger();
                json!({"chat_member": {
                    "chat": group(chat),
                    "from": who,
                    "date": self.date,
                    "old_chat_member": {"status": "left", "user": who},
                    "new_chat_member": {"status": "member", "user": who},
                }})
            }
            Kind::Checkin => {
                let from = self.poster(g);
                message(chat, from, self.message_id(), self.date, "签到")
            }
            Kind::PacketSend => {
                let sender = member(g, self.rng.random_range(0..FUNDED));
                message(chat, sender, self.message_id(), self.date, "/hongbao 50 5")
            }
            Kind::Grab => {
                let packet = self.packets[&g];
                let from = self.poster(g);
                json!({"callback_query": {
                    "id": format!("bench-{id}"),
                    "from": from,
                    "chat_instance": format!("i{chat}"),
                    "data": format!("rp:{packet}"),
                    "message": {
                        "message_id": 1,
                        "date": self.date,
                        "chat": group(chat),
                        "from": {"id": 100000, "is_bot": true, "first_name": "GroupOps", "username": "groupops_bot"},
                        "text": "(packet)",
                    },
                }})
            }
            Kind::Command => {
                let text = COMMANDS[self.rng.random_range(0..COMMANDS.len())];
                let from = self.poster(g);
                message(chat, from, self.message_id(), self.date, text)
            }
        };
        let mut body = body;
        body["update_id"] = json!(id);
        (id, body.to_string(), kind)
    }

    /// A flood message in `chat`: fifty members take turns posting the same line.
    pub fn flood_message(&mut self, chat: i64) -> (i64, String) {
        let id = self.next_update_id;
        self.next_update_id += 1;
        self.flood_turn += 1;
        let from = user(800_000_000_000 + self.flood_turn % 50, "Flooder");
        let text = "刷屏刷屏刷屏 flood flood flood";
        let mut body = message(chat, from, self.message_id(), self.date, text);
        body["update_id"] = json!(id);
        (id, body.to_string())
    }

    fn poster(&mut self, g: usize) -> Value {
        user(self.poster_id(g), "Member")
    }

    /// The member of group `g` whose turn it is to post.
    pub fn poster_id(&mut self, g: usize) -> i64 {
        let m = FUNDED + self.turn[g] % self.members[g];
        self.turn[g] += 1;
        member_id(g, m)
    }

    fn stranger(&mut self) -> Value {
        self.next_stranger += 1;
        user(900_000_000_000 + self.next_stranger, "Newcomer")
    }

    fn message_id(&mut self) -> i64 {
        self.next_message_id += 1;
        self.next_message_id
    }
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

pub fn user(id: i64, name: &str) -> Value {
    json!({"id": id, "is_bot": false, "first_name": name, "language_code": "zh-hans"})
}

fn member(g: usize, m: usize) -> Value {
    user(member_id(g, m), "Member")
}

pub fn group(chat: i64) -> Value {
    json!({"id": chat, "type": "supergroup", "title": "Bench Group"})
}

/// A group text message, with the bot_command entity Telegram adds to a leading /command.
pub fn message(chat: i64, from: Value, message_id: i64, date: i64, text: &str) -> Value {
    let mut message = json!({
        "message_id": message_id,
        "date": date,
        "chat": group(chat),
        "from": from,
        "text": text,
    });
    if text.starts_with('/') {
        let command = text.split_whitespace().next().unwrap_or(text);
        let length = command.encode_utf16().count();
        message["entities"] = json!([{"type": "bot_command", "offset": 0, "length": length}]);
    }
    json!({"message": message})
}
