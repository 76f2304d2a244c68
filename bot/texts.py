"""Every Japanese text the bot sends, in one place.

Written to be read by someone who may be having a hard time: short, warm, no pressure to
answer, no lecturing, nothing that sounds like being watched. Change wording here only, and
bump `CONSENT_TEXT_VERSION` whenever the consent explanation changes in meaning.
"""

from __future__ import annotations

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
    "/invite 名前 … 本人用の招待リンクをつくる（コーディネーター）\n"
    "/help … この説明"
)

PERSON_UNKNOWN_COMMAND = "使えるコマンドは /help で見られます。"

# --- command menus (setMyCommands) ------------------------------------------------------

PERSON_COMMANDS: tuple[tuple[str, str], ...] = (
    ("pause", "しばらくお休みする"),
    ("resume", "お休みをおわりにする"),
    ("stop", "メッセージを止める"),
    ("help", "使い方"),
)
STAFF_COMMANDS: tuple[tuple[str, str], ...] = (
    ("invite", "本人用の招待リンクをつくる"),
    ("help", "使い方"),
)
