"""Every Japanese text the bot sends, in one place.

Written to be read by someone who may be having a hard time: short, warm, no pressure to
answer, no lecturing, nothing that sounds like being watched. Change wording here only, and
bump `CONSENT_TEXT_VERSION` whenever the consent explanation changes in meaning.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

# The version of the consent explanation a person agreed to (stored with the consent).
CONSENT_TEXT_VERSION = "2026-11-v1"

_WEEKDAYS = "月火水木金土日"


def local_when(moment: datetime) -> str:
    """「11月27日（金）10:00」 for a local (already converted) datetime."""
    return f"{moment.month}月{moment.day}日（{_WEEKDAYS[moment.weekday()]}）{moment:%H:%M}"


def local_date(moment: datetime) -> str:
    return f"{moment.month}月{moment.day}日（{_WEEKDAYS[moment.weekday()]}）"


# --- enrolment -------------------------------------------------------------------------

CONSENT_YES = "はい"
CONSENT_NO = "いいえ"


def consent_request(schedule: str, quiet_hours: str) -> str:
    return (
        "はじめまして。「伴走（ばんそう）」です。\n"
        "支援チームにかわって、ときどき、ひとことだけメッセージをお送りします。\n\n"
        f"・お送りするのは {schedule} ごろです。夜（{quiet_hours}）には送りません。\n"
        "・お返事は、してもしなくても大丈夫です。ボタンひとつでも、スタンプだけでも。\n"
        "・お返事を読むのは、あなたの支援チームの人たちだけです。\n"
        "・お休みは /pause、やめるときは /stop で、いつでも止められます。\n\n"
        "このメッセージを受け取ってもいいですか？"
    )


def consent_granted(next_when: str | None) -> str:
    if next_when is None:
        return "ありがとうございます。登録しました。\nお返事は、気が向いたときで大丈夫です。"
    return (
        "ありがとうございます。登録しました。\n"
        f"次は {next_when} ごろに、ひとことお送りします。\n"
        "お返事は、気が向いたときで大丈夫です。"
    )


CONSENT_DECLINED = (
    "わかりました。こちらからメッセージをお送りすることはありません。\n"
    "気が変わったときは、支援チームの人にいつでも声をかけてくださいね。"
)

INVITE_NOT_USABLE = (
    "このリンクは、いまは使えないようです。\n"
    "お手数ですが、支援チームの人に新しいリンクをたずねてみてください。"
)

ALREADY_ENROLLED = "もう登録されています。このままで大丈夫です。"

CONSENT_ALREADY_DECIDED = "もう受け付けています。ありがとうございます。"

CONSENT_PENDING = "よかったら、上のボタンで「はい」か「いいえ」を選んでください。"

# Someone who stopped or declined writes again: nothing is kept, but the door stays open.
INACTIVE_CONTACT = (
    "いまは、メッセージをお送りしていません。\n"
    "何かあれば、支援チームの人にいつでも声をかけてくださいね。"
)

# Anyone the bot does not know: one neutral line, nothing else.
UNKNOWN_USER = "このボットは、支援チームから案内を受けた方のためのものです。"

# --- check-ins -------------------------------------------------------------------------

# At least eight variants so it never feels like a drill; none asks "are you OK?", none
# demands an answer.
CHECKIN_VARIANTS: tuple[str, ...] = (
    "こんにちは。ふと思い出して、ひとこと送ってみました。お返事はなくても大丈夫です。",
    "こんにちは、伴走です。よかったら、いまの感じをボタンで。返さなくても大丈夫です。",
    "今日もおつかれさまです。ひと息つける時間があるといいなと思っています。",
    "こんにちは。いつも気にかけています。お返事は、したいときだけで大丈夫です。",
    "こんにちは。お茶でも飲みながら、ゆっくりできていますように。",
    "こんにちは、伴走です。話したいことがあれば、いつでもここに書いてくださいね。",
    "こんにちは。ひとことだけ、ごあいさつです。スタンプひとつでも、なにもなくても大丈夫。",
    "こんにちは。今週もおつかれさまです。気が向いたら、ボタンを押してみてください。",
    "こんにちは。こちらはいつでもここにいます。お返事は気にしないでくださいね。",
    "こんにちは、伴走です。無理せず、あなたのペースで過ごせていますように。",
)

# One-tap answers: (code, label). The code is stored; the label is what the person sees.
CHECKIN_CHOICES: tuple[tuple[str, str], ...] = (
    ("good", "元気"),
    ("okay", "まあまあ"),
    ("hard", "しんどい"),
    ("talk", "話したい"),
)


def checkin_choice_label(code: str) -> str | None:
    return dict(CHECKIN_CHOICES).get(code)


def checkin_answered(original: str, label: str) -> str:
    """The check-in message after a button press: the question stays, the choice shows."""
    return f"{original}\n\n（「{label}」を受け取りました）"


# --- acknowledgements --------------------------------------------------------------------

ACK_VARIANTS: tuple[str, ...] = (
    "ありがとうございます。受け取りました。",
    "教えてくれて、ありがとうございます。",
    "受け取りました。ありがとうございます。",
    "お返事ありがとうございます。支援チームにも届いています。",
    "ありがとうございます。またいつでもどうぞ。",
    "ひとこと、ありがとうございます。",
)

CHECKIN_ANSWER_TOAST = "ありがとうございます"

# Silence: at most one per quiet spell, and never a reminder to answer.
SILENCE_FOLLOW_UPS: tuple[str, ...] = (
    "お返事はいりません。気にかけています。",
    "お返事はいりません。ふと思い出したので、ひとことだけ。",
    "返事は気にしないでくださいね。こちらはいつでもここにいます。",
)

# --- person controls ---------------------------------------------------------------------

PAUSE_QUESTION = "お休みする期間を選んでください。そのあいだ、こちらからは何もお送りしません。"
PAUSE_CHOICES: tuple[tuple[str, str], ...] = (
    ("7", "1週間"),
    ("14", "2週間"),
    ("30", "1か月"),
    ("cancel", "やめておく"),
)


def paused_until(until: str) -> str:
    return (
        f"{until}まで、お休みにしました。\n"
        "そのあとは、またひとことお送りします。早めに戻したいときは /resume をどうぞ。"
    )


PAUSE_CANCELLED = "わかりました。このままにしておきますね。"


def resumed(next_when: str | None) -> str:
    if next_when is None:
        return "おかえりなさい。またひとことお送りしますね。"
    return f"おかえりなさい。次は {next_when} ごろに、ひとことお送りします。"


def not_paused(next_when: str | None) -> str:
    if next_when is None:
        return "いまは、お休み中ではありません。"
    return f"いまは、お休み中ではありません。次は {next_when} ごろにお送りします。"


STOP_QUESTION = (
    "メッセージを止めますか？\n"
    "止めると、こちらからは何もお送りしなくなります。"
    "また始めたいときは、支援チームの人に新しいリンクをもらってください。"
)
STOP_CONFIRM = "止める"
STOP_KEEP = "やめておく"
STOPPED = (
    "止めました。こちらからは、もうお送りしません。\n"
    "何かあれば、いつでも支援チームの人に声をかけてくださいね。"
)
STOP_KEPT = "わかりました。これまでどおり、ときどきひとことお送りします。"
NOT_ACTIVE = "いまは、メッセージをお送りしていません。"

PERSON_HELP = (
    "伴走（ばんそう）は、支援チームにかわって、ときどきひとことお送りするボットです。\n"
    "お返事は、してもしなくても大丈夫です。書いたことは、支援チームの人たちが読みます。\n\n"
    "/frequency … 届く間隔を変える\n"
    "/pause … しばらくお休みする\n"
    "/resume … お休みをおわりにする\n"
    "/stop … メッセージを止める\n"
    "/help … この説明"
)

BUTTON_EXPIRED = "このボタンは、もう使えません。"

# --- staff -----------------------------------------------------------------------------


def staff_registered(role_label: str) -> str:
    return (
        f"{role_label}として登録しました。\n"
        "/invite 名前 で、本人に渡す招待リンクをつくれます（例：/invite 田中さん）。"
    )


ROLE_LABELS = {"coordinator": "コーディネーター", "supporter": "支援者"}


def invite_created(name: str, link: str, days: int) -> str:
    return (
        f"招待リンクをつくりました（{name}・{days}日間、1回だけ使えます）。\n"
        f"{link}\n"
        "訪問のときに、ご本人に渡してください。"
    )


INVITE_USAGE = "使い方：/invite 名前（例：/invite 田中さん）"
NAME_TOO_LONG = "名前は100文字までにしてください。"

STAFF_HELP = (
    "支援者むけのコマンド：\n"
    "/queue … 対応待ち・対応中の件\n"
    "/person 名前 … その方のこれまで\n"
    "/note 名前 内容 … チームのメモを残す\n"
    "/handover 名前 引き継ぐ人 … 担当を引き継ぐ\n"
    "/connect 名前 つなぎ先 … つなぎ先に伝えてよいか、本人にたずねる\n"
    "/duty … 当番の切りかえ（至急の通知をこの画面でも受ける）\n"
    "/schedule 名前 [予定] … 予定を見る・変える、/quiet 名前 時間帯 … 送らない時間\n"
    "コーディネーター：/invite 名前、/invite_supporter 名前、"
    "/set_alert_chat [チーム名]（グループで）、"
    "/new_team チーム名、/move 名前 チーム名、/remove_supporter 名前\n"
    "/help … この説明"
)

PERSON_UNKNOWN_COMMAND = "使えるコマンドは /help で見られます。"

# --- command menus (setMyCommands) ------------------------------------------------------

PERSON_COMMANDS: tuple[tuple[str, str], ...] = (
    ("frequency", "届く間隔を変える"),
    ("pause", "しばらくお休みする"),
    ("resume", "お休みをおわりにする"),
    ("stop", "メッセージを止める"),
    ("help", "使い方"),
)
STAFF_COMMANDS: tuple[tuple[str, str], ...] = (
    ("queue", "対応待ち・対応中の件"),
    ("person", "その方のこれまで"),
    ("note", "チームのメモを残す"),
    ("handover", "担当を引き継ぐ"),
    ("connect", "つなぎ先に伝えてよいか本人にたずねる"),
    ("duty", "当番の切りかえ"),
    ("schedule", "予定を見る・変える"),
    ("quiet", "送らない時間を変える"),
    ("invite", "本人用の招待リンクをつくる"),
    ("invite_supporter", "支援者の招待リンクをつくる"),
    ("help", "使い方"),
)


# --- when a reply needs a human (person side) ---------------------------------------------


def crisis_message(resources: tuple[str, ...]) -> str:
    """Urgent: the team was told, and help that works right now. No lecture."""
    lines = "\n".join(f"・{resource}" for resource in resources)
    return (
        "教えてくれて、ありがとうございます。支援チームに伝えました。"
        "担当の人から、できるだけ早く連絡します。\n\n"
        f"いますぐ誰かと話したいときは、こちらにも電話できます。\n{lines}"
    )


CONTACT_SOON = "教えてくれて、ありがとうございます。担当の人から連絡しますね。"


def connection_question(resource: str) -> str:
    return (
        f"{resource}に、あなたのことを伝えてもいいですか？\n"
        "決めるのはあなたです。「いいえ」でも大丈夫です。"
    )


def connection_granted(resource: str) -> str:
    return f"ありがとうございます。{resource}に伝えますね。"


CONNECTION_DECLINED = "わかりました。伝えません。"

# --- the supporters' queue (staff side) -----------------------------------------------------

PRIORITY_LABELS = {1: "至急 P1", 2: "早めに P2", 3: "今日中に P3"}
REASON_LABELS = {
    "distress": "心配なことば",
    "help_request": "相談したい・話したい",
    "unreachable": "メッセージがとどかない（ブロック）",
    "silence": "連絡がない",
}
LEVEL_LABELS = {"urgent": "緊急", "high": "高", "watch": "注意", "none": "なし"}
CATEGORY_LABELS = {
    "suicide": "自殺",
    "self_harm": "自傷",
    "violence": "暴力",
    "medical": "急病",
    "food": "食べ物",
    "money": "お金",
    "housing": "住まい",
    "loneliness": "孤立",
    "mood": "気分",
    "sleep": "睡眠",
    "health": "体調",
    "abuse": "虐待・DV",
    "addiction": "依存",
    "legal": "法律",
    "help_request": "相談したい",
}
OUTCOME_LABELS = {
    "contacted": "連絡がとれた",
    "visited": "会えた（訪問）",
    "reconnected": "つなぎ直した",
    "false_alarm": "誤検知",
    "declined": "本人が望まない",
    "other": "その他",
}

ALERT_CLAIM = "担当する"
ALERT_RESOLVE = "対応済み"
ALERT_NOTE = "メモ"

ALERT_PREFIX = {
    "new": "",
    "raised": "【緊急度が上がりました】\n",
    "realert": "【再通知】まだ担当が決まっていません\n",
    "coordinators": "【コーディネーターへ】担当が決まらないままです\n",
    "stale_claim": "【確認】担当中のまま、時間がたっています\n",
    "contact": "【連絡がありました】\n",
}


def ago(minutes: int) -> str:
    if minutes < 1:
        return "たった今"
    if minutes < 60:
        return f"{minutes}分前"
    if minutes < 60 * 48:
        return f"{minutes // 60}時間前"
    return f"{minutes // (60 * 24)}日前"


def alert_text(
    *,
    kind: str,
    person_name: str,
    priority: int,
    reason: str,
    level: str | None,
    categories: list[str],
    evidence: list[str],
    message_text: str | None,
    last_contact_minutes: int | None,
    case_age_minutes: int,
    claimant: str | None = None,
) -> str:
    lines = [f"{ALERT_PREFIX.get(kind, '')}【{PRIORITY_LABELS[priority]}】{person_name}"]
    lines.append(f"理由：{REASON_LABELS.get(reason, reason)}")
    if level:
        labels = "・".join(CATEGORY_LABELS.get(c, c) for c in categories) or "—"
        lines.append(f"読みとり：{LEVEL_LABELS.get(level, level)}（{labels}）")
    if evidence:
        lines.append("根拠：" + "、".join(f"「{span[:60]}」" for span in evidence[:5]))
    if message_text:
        # Telegram takes 4096 characters; the alert must always fit.
        shown = message_text if len(message_text) <= 1500 else message_text[:1500] + "…（省略）"
        lines.append(f"本文：「{shown}」")
    last = ago(last_contact_minutes) if last_contact_minutes is not None else "記録なし"
    lines.append(f"最後の連絡：{last}／受付から：{ago(case_age_minutes)}")
    if claimant:
        lines.append(f"担当：{claimant}さん")
    return "\n".join(lines)[:3800]


def alert_claimed(original: str, claimant: str) -> str:
    return f"{original}\n\n→ {claimant}さんが担当しています"


def alert_resolved(original: str, outcome: str, by: str) -> str:
    return f"{original}\n\n→ 対応済み：{OUTCOME_LABELS.get(outcome, outcome)}（{by}さん）"


CLAIMED_BY_YOU = "担当になりました。"


def already_claimed(name: str | None) -> str:
    return f"{name}さんが担当しています。" if name else "ほかの人が担当しています。"


ALREADY_RESOLVED = "この件は、もう対応済みです。"
NOT_YOURS = "この操作はできません。"
OUTCOME_QUESTION = "どうなりましたか？"
RECONNECT_QUESTION = "どこにつなぎ直しましたか？"
RECONNECT_NONE = "ここにない"


def resolved_done(person_name: str) -> str:
    return f"対応済みにしました。メモがあれば「/note {person_name} 内容」で残せます。"


def note_hint(person_name: str | None) -> str:
    return f"メモは「/note {person_name or '名前'} 内容」で残せます。"


NOTE_SAVED = "メモを残しました。"
NOTE_USAGE = "使い方：/note 名前 内容（例：/note 田中さん 電話で話せた）"
PERSON_USAGE = "使い方：/person 名前（例：/person 田中さん）"
# Stored when /connect names no type of resource.
DEFAULT_RESOURCE_TYPE = "その他"
CONNECT_USAGE = "使い方：/connect 名前 つなぎ先（例：/connect 田中さん 地域包括支援センター）"
HANDOVER_USAGE = "使い方：/handover 名前 引き継ぐ人（例：/handover 田中さん 佐藤）"
PERSON_NOT_FOUND = "その名前の方は、あなたのチームに見つかりません。"
STAFF_NOT_FOUND = "その名前の支援者は、このチームに見つかりません。"
NOTHING_OPEN = "この方に、いま対応中の件はありません。"


def connect_asked(person_name: str, resource: str) -> str:
    return (
        f"{person_name}さんに、{resource}へ伝えてよいかをたずねました。返事がきたらお知らせします。"
    )


def connect_answered(person_name: str, resource: str, granted: bool) -> str:
    if granted:
        return f"{person_name}さんは、{resource}につながることに同意しました。"
    return f"{person_name}さんは、{resource}へ伝えることを望みませんでした。"


def handed_over(person_name: str, to_name: str) -> str:
    return f"{person_name}さんの件を、{to_name}さんに引き継ぎました。"


def handed_to_you(person_name: str, from_name: str) -> str:
    return f"{from_name}さんから、{person_name}さんの件を引き継ぎました。"


QUEUE_EMPTY = "いま、対応待ちの件はありません。"
QUEUE_TITLE = "対応待ち・対応中の件："
UNCLAIMED = "未担当"


def duty_on() -> str:
    return "当番にしました。至急（P1）の通知が、この画面にも届きます。"


DUTY_OFF = "当番をはずしました。"


def alert_chat_set(team: str) -> str:
    return f"このグループを「{team}」の通知先にしました。"


def alert_chat_which_team(teams: Sequence[str]) -> str:
    names = "、".join(teams)
    return (
        f"どのチームの通知先にしますか？ /set_alert_chat チーム名 で選んでください。"
        f"（チーム：{names}）"
    )


ALERT_CHAT_GROUP_ONLY = "このコマンドは、通知を受けたいグループの中で使ってください。"
SUPPORTER_INVITE_USAGE = "使い方：/invite_supporter 名前（例：/invite_supporter 佐藤）"
REMOVE_USAGE = "使い方：/remove_supporter 名前"


def supporter_removed(name: str) -> str:
    return f"{name}さんを支援者からはずしました。"


MOVE_USAGE = "使い方：/move 名前 チーム名（例：/move 田中さん 東区チーム）"
TEAM_NOT_FOUND = "そのチームは見つかりません。"


def person_moved(name: str, team: str) -> str:
    return f"{name}さんを「{team}」に移しました。"


NEW_TEAM_USAGE = "使い方：/new_team チーム名"


def team_created(team: str) -> str:
    return f"チーム「{team}」をつくりました。"


# --- schedules ----------------------------------------------------------------------------

FREQUENCY_QUESTION = "どのくらいの間隔で届くとよいですか？　いつでも変えられます。"
FREQUENCY_CHOICES: tuple[tuple[str, str], ...] = (
    ("daily", "毎日"),
    ("twice_weekly", "週2回"),
    ("weekly", "週1回"),
    ("twice_monthly", "月2回"),
)


def frequency_set(next_when: str | None) -> str:
    if next_when is None:
        return "わかりました。そのようにしますね。"
    return f"わかりました。次は {next_when} ごろにお送りします。"


SCHEDULE_ERRORS = {
    "empty": "予定が書かれていません",
    "too_long": "長すぎます",
    "no_time": "時刻がありません",
    "bad_time": "時刻が読みとれません",
    "too_many_times": "1日の回数が多すぎます（6回まで）",
    "no_day": "曜日や日にちがありません",
    "bad_day": "曜日が読みとれません",
    "bad_interval": "間隔は1〜365日にしてください",
    "bad_month_day": "日にちは1〜31日にしてください",
    "mixed_kinds": "曜日と日にちなど、種類のちがう書き方がまざっています",
    "unknown_word": "読みとれないことばがあります",
}
QUIET_ERRORS = {
    "empty": "時間帯が書かれていません",
    "bad_format": "「21:00-08:00」のように、はじまりとおわりを書いてください",
    "bad_time": "時刻が読みとれません",
    "empty_range": "はじまりとおわりが同じです（なくすときは「なし」）",
    "too_long": "長すぎます（20時間まで）",
}


def schedule_error(code: str | None) -> str:
    reason = SCHEDULE_ERRORS.get(code or "", "読みとれませんでした")
    return (
        f"予定を読みとれませんでした（{reason}）。\n"
        "例：/schedule 田中さん 火金 10:00\n"
        "例：/schedule 田中さん 3日ごと 15:00"
    )


def quiet_error(code: str | None) -> str:
    reason = QUIET_ERRORS.get(code or "", "読みとれませんでした")
    return (
        f"時間帯を読みとれませんでした（{reason}）。\n"
        "例：/quiet 田中さん 22:00-08:00\n"
        "例：/quiet 田中さん 21時〜7時"
    )


SCHEDULE_USAGE = (
    "使い方：/schedule 名前（次の5回を見る）\n"
    "/schedule 名前 予定（例：/schedule 田中さん 火金 10:00）"
)
QUIET_USAGE = "使い方：/quiet 名前 時間帯（例：/quiet 田中さん 22:00-08:00）"
SCHEDULE_SOURCES = {
    "person": "本人の希望",
    "coordinator": "個別の設定",
    "team": "チームの既定",
    "default": "全体の既定",
}


def rhythm_line(spec: str, source: str, tight_until: str | None) -> str:
    """The schedule and its phase, for /person."""
    line = f"予定：{spec}（{SCHEDULE_SOURCES.get(source, source)}）"
    if tight_until:
        line += f"／いまは見守りを少し増やしています（{tight_until}まで毎日）"
    return line


def schedule_view(
    name: str,
    spec: str,
    quiet: str,
    source: str,
    upcoming: list[str],
    tight_until: str | None,
) -> str:
    lines = [
        f"{name}の予定：{spec}（{SCHEDULE_SOURCES.get(source, source)}）",
        f"送らない時間：{quiet}",
    ]
    if tight_until:
        lines.append(f"いまは見守りを少し増やしています（{tight_until}まで毎日）")
    lines.append("次の5回：")
    lines.extend(f"・{when}" for when in upcoming)
    return "\n".join(lines)


# --- /person timeline labels ------------------------------------------------------------

STATUS_LABELS = {
    "active": "参加中",
    "paused": "お休み中",
    "stopped": "停止",
    "declined": "同意なし",
    "invited": "同意待ち",
}
CHECKIN_STATUS_LABELS = {
    "queued": "送信待ち",
    "sent": "送信",
    "answered": "返事あり",
    "cancelled": "送らず",
}
KIND_LABELS = {
    "sticker": "（スタンプ）",
    "photo": "（写真）",
    "voice": "（音声）",
    "video_note": "（ビデオ）",
    "location": "（位置情報）",
    "button": "（ボタン）",
    "command": "（コマンド）",
    "menu": "（設定のボタン）",
}
CONNECTION_LABELS = {
    "proposed": "本人に確認中",
    "active": "つながっている",
    "declined": "本人が望まない",
    "ended": "終了",
}


def queue_line(
    priority: int, person_name: str, reason: str, age_minutes: int, claimant: str | None
) -> str:
    holder = f"{claimant}さん" if claimant else UNCLAIMED
    return (
        f"【{PRIORITY_LABELS[priority]}】{person_name}・"
        f"{REASON_LABELS.get(reason, reason)}・{ago(age_minutes)}・{holder}"
    )


TIMELINE_CHECKINS = "チェックイン："
TIMELINE_REPLIES = "返事："
TIMELINE_CASES = "これまでの件："
TIMELINE_NOTES = "メモ："
TIMELINE_CONNECTIONS = "つなぎ先："


def timeline_head(name: str, status: str) -> str:
    return f"{name}（{STATUS_LABELS.get(status, status)}）"


def timeline_contact(last_minutes: int | None, sent: int, answered: int) -> str:
    last = ago(last_minutes) if last_minutes is not None else "記録なし"
    return f"最後の連絡：{last}／チェックイン {sent}回・返事 {answered}回"


def timeline_checkin(slot_local: datetime, status: str, answer: str | None) -> str:
    label = checkin_choice_label(answer or "")
    shown = f"「{label}」" if label else ""
    return f"・{local_when(slot_local)} {CHECKIN_STATUS_LABELS.get(status, status)}{shown}"


def timeline_reply(received_local: datetime, level: str | None, text: str | None, kind: str) -> str:
    label = LEVEL_LABELS.get(level or "", "未評価")
    said = text or KIND_LABELS.get(kind, "（メッセージ）")
    return f"・{local_when(received_local)} ［{label}］{said}"


def timeline_case(opened_local: datetime, priority: int, reason: str, outcome: str | None) -> str:
    result = OUTCOME_LABELS.get(outcome or "", "対応中")
    return (
        f"・{local_date(opened_local)} {PRIORITY_LABELS[priority]} "
        f"{REASON_LABELS.get(reason, reason)} → {result}"
    )


def timeline_note(at_local: datetime, author: str, text: str) -> str:
    return f"・{local_date(at_local)} {author}：{text}"


def timeline_connection(resource: str, status: str) -> str:
    return f"・{resource}（{CONNECTION_LABELS.get(status, status)}）"
