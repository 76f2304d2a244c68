"""Rules added after held-out round 6: one invented wording each, and a harmless neighbour.

These check the lexicon's own discrimination, so they ask the rules alone: the learned model
(a learned second opinion that only raises) is measured statistically instead, by the
corpus tests and ``tests.tools.crossval_distress_model``.
"""

from __future__ import annotations

import pytest

from bot.domain.distress import default_assessor

# The packaged assessor without its model (sharing its compiled lexicon).
_RULES = default_assessor().with_model(None)


def level_of(text: str) -> str:
    return _RULES.assess(text).level.value


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # Means and places without the usual words.
        ("踏切の前で、飛び込めそうって思った", "urgent"),
        ("プールに飛び込んだら気持ちよかった", "none"),
        ("今、橋の上です。ごめんなさい", "urgent"),
        ("いま屋上でランチ中", "none"),
        ("借金は生命保険で返すつもりです", "urgent"),
        ("事故の保険金で修理代払った", "none"),
        ("一緒に死んでくれへん?", "urgent"),
        ("一緒に死ぬまで暮らそうね", "none"),
        ("この手紙が届く頃には、私はもういません", "urgent"),
        ("10年後の私へ。これを読む頃には大人になってるかな", "none"),
        ("鍵はポストに入れておきます。後のことは頼みます。ごめんね", "urgent"),
        ("来週休むので後のことはよろしくお願いします", "none"),
        ("私がいなくても誰も困らないから今夜やる", "urgent"),
        ("練炭買った。車の窓にガムテープ貼った", "urgent"),
        ("窓の目張りで寒さ対策した", "none"),
        ("ガソリン浴びて火をつけたい", "urgent"),
        ("ストーブに灯油入れた", "none"),
        ("このまま崖に突っ込もうかな", "urgent"),
        ("またやってしまいました。手首の傷が深いです", "urgent"),
        ("またやっちゃった、寝坊した", "none"),
        ("永遠におやすみなさい", "urgent"),
        ("ずっと起きてた。おやすみなさい", "none"),
        ("ビールと眠剤いっしょに大量に飲んだ", "urgent"),
        ("薬飲んでるからお酒は控えてる", "none"),
        # Medical emergencies, the person's own or someone else's.
        ("父の呂律がおかしい", "urgent"),
        ("飲み会で酔ってろれつが回らなかったw", "none"),
        ("急に顔の片側が下がってる", "urgent"),
        ("揺すっても反応がない", "urgent"),
        ("娘が睡眠薬大量に飲んで返事しない", "urgent"),
        ("蜂に刺されて唇がはれて息がヒューヒューする", "urgent"),
        ("喉が腫れて痛い", "watch"),
        ("赤ちゃんが熱でミルクも水も飲めない", "urgent"),
        ("忙しくて水も飲めない", "none"),
        ("イライラして赤ちゃんを揺さぶってしまいそう", "urgent"),
        ("祖母がお風呂で転んで立ち上がれない", "urgent"),
        ("雪で滑って転んだ、恥ずかしい", "none"),
        ("子どもが漂白剤を舐めたかも", "urgent"),
        ("ボタン電池は子どもの手が届かないところにしまってる", "none"),
        ("けいれんが収まらない", "urgent"),
        ("経験したことのない頭痛がする", "urgent"),
        ("台所が燃えてる、逃げられない", "urgent"),
        ("燃えるゴミの日だった", "none"),
        ("元彼に待ち伏せされて怖い", "urgent"),
        ("首に紐を巻きつけた", "urgent"),
        ("首にマフラー巻いた", "none"),
        # High: scams, money, home, health.
        ("孫を名乗る男から電話があって、お金が必要って", "high"),
        ("新しい担当を名乗る方から電話があって、来週訪問するそうです", "none"),
        ("仮想通貨に50万入金したけど返信こない", "high"),
        ("給料日に全部スロットで溶かした", "high"),
        ("手当が減額された", "high"),
        ("ミルク買えない", "high"),
        ("継父が家にいるので帰れないです", "high"),
        ("母がいるから家に帰れるよ", "none"),
        ("年金を息子が勝手に引き出してた", "high"),
        ("乳がんのステージ3と診断された", "high"),
        ("ステージ3のボスが強い", "none"),
        ("安定剤を急にやめたらめまいがひどい", "high"),
        ("生きてくのほんまにしんどい", "high"),
        ("兄が酔うと蹴ってくる", "high"),
        ("先輩が肩を叩いてきた", "none"),
        ("親に産まなきゃよかったって言われた", "high"),
        ("冷蔵庫の中なにもない", "high"),
        ("冷蔵庫空っぽだから買い物行く", "none"),
        ("生きてても楽しいことなんか一つもない", "high"),
        ("これから楽しいことしかない", "none"),
        ("出金するのに保証料がいるって言われて、コンビニで払った", "high"),
        ("振込手数料が高い", "none"),
        ("マッチングアプリの人に30万貸した", "high"),
        # Watch, and the false alarms fixed in round 6.
        ("血糖値がやや高い", "watch"),
        ("部屋にこもりがちで外に出ない", "watch"),
        ("試験前で部屋にこもって勉強してる", "none"),
        ("楽しみがなくなった", "watch"),
        ("旅行先がなかなか決まらない", "none"),
        ("どうせ僕なんて", "watch"),
        ("どうせ私が作るんでしょ", "none"),
        ("半年前に死のうとした。今は平気", "watch"),
        ("電池が切れた", "none"),
        ("財布を交番に届けた", "none"),
        ("死ぬまでに一度は行ってみたい", "none"),
    ],
)
def test_round6_rule(text: str, level: str) -> None:
    assert level_of(text) == level
