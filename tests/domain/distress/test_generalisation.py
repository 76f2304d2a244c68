"""Mechanisms added for wordings the corpora did not have (one invented example each).

The rules' mechanisms are checked on the rules alone: the learned model only raises, and
is measured statistically (corpus tests, ``tests.tools.crossval_distress_model``).
"""

from __future__ import annotations

import pytest

from bot.domain.distress import default_assessor
from bot.domain.distress.levels import Level
from bot.domain.distress.lexicon import load_lexicon
from bot.domain.distress.tokenizer import tokenize

# The packaged assessor without its model (sharing its compiled lexicon).
_RULES = default_assessor().with_model(None)
assess = _RULES.assess


def level_of(text: str) -> str:
    return assess(text).level.value


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # A negated pattern is cancelled by a second negation.
        ("寝られないわけではない", "none"),
        ("食べれないことはないよ", "none"),
        # Obligation is not inability; a wish with なければ still counts.
        ("明日までに家賃払わなきゃ", "none"),
        ("保険料払わないといけない", "none"),
        ("目が覚めなければいいのになあ", "urgent"),
        # Casual endings kept through normalisation.
        ("消えてぇよ", "urgent"),
        ("さみしくねぇよ", "none"),
        ("金がねぇ", "high"),
        # A question is not a denial.
        ("楽に死ねる薬ないかな", "urgent"),
        # A time word in another clause does not date a present crisis.
        ("前は元気だったけど今は消えたい", "urgent"),
        ("去年から消えたい", "urgent"),
        # Long ago, and now set against it.
        ("昔は眠れなかったけど今はよく眠れる", "none"),
        # The topic of a film or news item; words quoted from someone else.
        ("闇金のドラマ見てる", "none"),
        ("さみしいって友達に言われた", "none"),
        ("消えろって言われた", "high"),
        # Someone else's medical emergency is the person's emergency.
        ("父が倒れて意識がない", "urgent"),
        # Farewell signals count together, not alone.
        ("もう会えないね。今まで本当にありがとう", "urgent"),
        ("もう会えないのかな、あの店", "none"),
        ("転勤が決まりました。今までありがとうございました", "none"),
        # Round 5: romaji, words split by spaces, learners' Japanese, dialect endings.
        ("kietai", "urgent"),
        ("しごと ない。おかね ない", "high"),
        ("死ぬ したい", "urgent"),
        ("もう消えごたる", "urgent"),
        ("眠れないら", "watch"),
        # Arranging for after one's absence, giving things away, asking about means.
        ("僕がいなくなったあと、犬の世話を頼みたい", "urgent"),
        ("大切なもの全部あげた。もう必要ないし", "urgent"),
        ("いらない本を全部あげた", "none"),
        ("何錠飲めば楽に死ねるかな", "urgent"),
        # Said gently or without a passive; hyperbole about the subject's own breath.
        ("旦那は怒るとすぐ手を上げる", "high"),
        ("推しが尊すぎて一瞬息できなかった", "none"),
        # A denied negation affirms: no day without it, "saying not would be a lie".
        ("消えたいって思わない日はないです", "urgent"),
        ("死にたいと思わないことはない", "urgent"),
        ("さみしくないって言ったら嘘になる", "watch"),
        ("死にたいなんて思ってないよ、本当に", "none"),
        # A clinician's words about the person are a finding, not someone else's quote.
        ("軽いうつって医者に言われた", "watch"),
        ("さみしいって友達に言われた", "none"),
        # Rounds 10-12: dialect negations MeCab misreads, and words merged into one token.
        ("全然寝れん、もう朝", "watch"),
        ("三日なんも食っとらん", "high"),
        ("呼んでも起きらん", "urgent"),
        ("身を投げたい", "urgent"),
        ("誰か助けて", "high"),
        # A regex that holds its own negation is not cancelled by it.
        ("こけて腰打って、きのうから床から起きられない", "urgent"),
        # Round 13: endings in metaphor count only with a farewell; the metaphor alone not.
        ("今夜で電源落とします。いままでお世話になりました", "urgent"),
        ("スマホの電源落とした、充電器わすれた", "none"),
        ("もう二度と迷惑かけないから。いろいろごめんね", "urgent"),
        ("読むのはぼくがいなくなってからにして", "urgent"),
        # All afternoon, and now calmer: a crisis of hours ago (high), not one still going.
        ("夕方まではずっと消えたかった。今は落ち着いてる", "high"),
        ("ずっと消えたい", "urgent"),
        # Rounds 15-16: a wound is not lowered by a joke mark; a regex holding its negation.
        ("ナイフで刺された笑 血が止まらん", "urgent"),
        ("心臓ドキドキして止まらない、クスリの量まちがえた", "urgent"),
        # Words said by someone named as the subject are theirs; said to someone, mine.
        ("姉が、もう消えたいって言うんです", "watch"),
        ("消えたいって姉に言っちゃった", "urgent"),
        # 行く/来る after a place or time and a case particle are motion, not helper verbs;
        # after a verb the particle is a purpose, and the pattern goes on.
        ("死ぬまでに行きたい場所リスト作ってる", "none"),
        ("死にに行きたい", "urgent"),
        ("死んでいきたい", "urgent"),
        ("相談しに行きたい", "watch"),
        # A purpose: 死ぬために (not 死なないために; someone in general is not the person).
        ("死ぬために海に行きたい", "urgent"),
        ("死なないために食べてる", "none"),
        ("人はいつか死ぬため今を大事に", "none"),
        # Round 33 (voice input, older writers): hiragana spellings MeCab splits wrongly are
        # written back; a blade and oneself in different spaced phrases; affairs put in order.
        ("やちん　はらえんくて　こまっとる", "high"),
        ("ふつか　なんも　たべとらん", "high"),
        ("じさつ　かんがえとる", "urgent"),
        ("カッター　もってる　じぶんに　あててる", "urgent"),
        ("犬、友達にあげた。もう私にはいらないから", "urgent"),
        ("服、もう着ないから妹にあげた。もういらないし", "none"),
        ("アパートのけいやく　きれる　いくとこ　ない", "high"),
        # A merged compound (食べすぎ) keeps its parts' word lists: 食べる lowers もう無理.
        ("食べすぎてもうむり", "none"),
        # Rounds 34-35 (answers to the check-in, second-language writers, parents of small
        # children, chronic illness): two short spaced words are one clause; hiragana
        # nouns before the verb they go with; ends, absences and urges said plainly.
        ("ガス とめられた", "high"),
        ("すいどう とまった", "high"),
        ("てくび きった ち とまんない", "urgent"),
        ("すみ かってきた。まど テープ した", "urgent"),
        ("おこめ もう ないです", "high"),
        ("4にち ねてない", "high"),
        ("もう 3ねん のんでない", "none"),
        ("らいげつ でて いわれた", "high"),
        ("今日でぜんぶ終わりにします", "urgent"),
        ("今日でバイト終わりにします", "none"),
        ("もうすぐいなくなるから、ありがとうね", "urgent"),
        ("明日いなくなるよ、出張で", "none"),
        ("姑が毎日来てつらい", "watch"),
        ("透析に通う足がない", "high"),
        ("透析おわった、今日も無事", "none"),
        ("抱っこしてゆさぶっちゃった、ぐったりしてる", "urgent"),
        ("介護でイライラして母を叩きそうになる", "high"),
        ("夫が生活費を入れてくれない", "high"),
        ("元カレから毎日連絡来て家まで来た", "high"),
        ("酸素ボンベが切れた、息くるしい", "urgent"),
        ("眠剤ないと無理", "watch"),
        # Rounds 36-37 (disaster season; men who do not talk about feelings): plans and
        # farewells said flatly, emergencies of floods, heat, cold and power cuts.
        ("工具は全部後輩に送った。俺にはもう要らん", "urgent"),
        ("給料日までもたん。その前にけりつけるわ", "urgent"),
        ("仕事のケリつけたら飲みに行く", "none"),
        ("大家さんに迷惑かけたくないから、部屋は片付けておいた", "urgent"),
        ("みんなありがとう、これで最後のメッセージです", "urgent"),
        ("今年はこれで最後の連絡です、よいお年を", "none"),
        ("ガス栓ひねるだけで終わるんだよな、簡単だ", "urgent"),
        ("今夜ひとりだと何するかわからない", "urgent"),
        ("インスリンめんどくさくて打ってない", "high"),
        ("薬、医者がもう飲まなくていいって言ったからやめた", "none"),
        ("屋根の上にいる、水が来てる、助けて", "urgent"),
        ("母が呼んでも返事せん", "urgent"),
        ("部屋が氷点下、震えが止まらない", "urgent"),
        ("停電3日目、ひとりで暑い", "high"),
        ("車の中で寝泊まりしてる、もう一週間", "high"),
        ("口座番号を電話で教えちゃった", "high"),
        ("なんにも感じない、もう何ヶ月も", "high"),
        ("生き残ってしまって申し訳ない", "high"),
        ("頭を壁にガンガン打ちつけてる", "urgent"),
        ("3日なんも食ってねえ", "high"),
        ("また連絡してねえ", "none"),
        # A review probed the new rules with everyday wordings that share their words
        # (words of other meanings, other people, objects, dates, hiragana that is part of
        # another word) and with the spellings the rewrites missed.
        ("結婚したので保険の受取人を夫に変えました。あとは住所変更だけ", "none"),
        ("窓から下の公園をずっと眺めてた、子どもたちが遊んでて", "none"),
        ("今夜は夫もういないと思う、夜勤だから", "none"),
        ("ストーブに火をつけたら楽になった、あったかい", "none"),
        ("ゴキブリが確実に死ぬための毒エサを置いた", "none"),
        ("明日から夫がいなくなるから気楽", "none"),
        ("大切にしてた物を姪にあげたら喜んでた、いい日だった", "watch"),
        ("しゅうじの すみ かった まど ふいた", "none"),
        ("暑いから扇風機を自分に向けて、包丁で野菜切ってた", "none"),
        ("スライサーで野菜切るの止まらない笑", "none"),
        ("壁に板を打ち付けて棚をつくった", "none"),
        ("寝てる夫をゆさぶって起こした", "none"),
        ("病院に財布持っていくの忘れた", "none"),
        ("登山で酸素ボンベが切れそうになった", "none"),
        ("ピアノ発表会、娘の出番はステージ4でした", "none"),
        ("黒い靴下はくと足が蒸れる", "none"),
        ("産後5キロやせた、授乳のおかげ", "none"),
        ("米もお金も実家が送ってくれた", "none"),
        ("金曜にそこ着いたら連絡します", "none"),
        ("インスタントだけど、おいしいカレー作った", "none"),
        ("実家だから家賃ないのが助かる", "none"),
        ("アプリの更新できない、家のwifi遅い", "none"),
        ("ビザ更新できた!ダメかと思った", "none"),
        ("明日までに書類を出しておかねばならない", "none"),
        ("こどもたちのきもちを 大事にしたい", "none"),
        ("ふつかよいで なにも たべれない", "none"),
        ("ビンのふた 力こめないと あかない", "none"),
        ("最近あの人と全然話してない、忙しそう", "none"),
        ("休みだったから12時に目が覚めた", "none"),
        ("会議に出てって言われた", "none"),
        ("透析、今日は行かない日", "watch"),
        ("でんき とまった さむい", "high"),
        ("おやに でてけって いわれた", "high"),
        # Rounds 38-39 (the phenomena, balanced; young people): wishes not to live said
        # sideways, anniversaries and birthdays not to be met, places at the edge, cutting
        # deeper, coercion, eating disorders, worthlessness, being left out.
        ("生きていたいとは全然思えない", "urgent"),
        ("死なずにいられる自信がない", "urgent"),
        ("朝まで生きとる気がせん", "urgent"),
        ("自殺未遂した時と同じ感じがする", "urgent"),
        ("来年の正月、迎えるつもりはない", "urgent"),
        ("今まで心配かけてごめんって姉にLINEした", "urgent"),
        ("このまま目を閉じたら楽になれるかな", "urgent"),
        ("生まれてきてごめんなさい", "urgent"),
        ("もう疲れた。屋上にきた", "urgent"),
        ("屋上でランチ、気持ちいい", "none"),
        ("今日はいつもより深く切った、血が止まらん", "urgent"),
        ("息子が手首切って動かない", "urgent"),
        ("夫がまた手あげよった", "high"),
        ("退院したのに、またパチンコに戻ってしまった", "high"),
        ("カード請求が20万きてて払えない", "high"),
        ("別れたら死ぬって彼女に言われた", "high"),
        ("吐くのがやめられない、過食がぶり返した", "high"),
        ("俺には価値がないんだと思う", "high"),
        ("クラスのグループから私だけ外されてた", "watch"),
        ("はー、しんど", "watch"),
        ("眠れんまま、もう四日目", "high"),
        # Round 41 (living with mental illness): commands from voices, a stock taken
        # tonight, thanks left to be passed on; clinical words for a settled symptom.
        ("ためてた薬、今からまとめて飲む", "urgent"),
        ("頭の中の声が「飛び降りろ」ってずっと言ってる", "urgent"),
        ("看護師さんに、お世話になりましたって伝えといて", "urgent"),
        ("明日の今頃にはもういない", "urgent"),
        ("首にベルト巻いて締めてみた", "urgent"),
        ("眠剤全部飲んじゃった、ふらふら", "urgent"),
        ("ジュース全部飲んじゃった", "none"),
        ("またメジコン買ってしまった", "high"),
        ("希死念慮はだいぶ落ち着いてる", "none"),
        ("幻聴、最近なし", "none"),
        ("隣の部屋から電波で攻撃されてる、誰も信じてくれない", "high"),
        ("薬があと2日分、次の予約は来週", "high"),
        # Rounds 42-43 (the phenomena, balanced, a second writer; work and money at the
        # edge): plans said in a few words, 名古屋 and 西日本 endings, slang in half-width
        # katakana, burns, sudden numbness, payments failing; money words that are fine.
        ("この世から消えさせてもらいます", "urgent"),
        ("ここ10階やし、飛んだら楽になれるかな", "urgent"),
        ("明日、あの橋に行く。もう決めたから", "urgent"),
        ("死なんといかんのやろな", "urgent"),
        ("生きる理由が一つもない、薬ならある", "urgent"),
        ("今から海に行く。今までありがとう", "urgent"),
        ("今から海に行くよ、孫と泳ぎに", "none"),
        ("もう死んでまいたい", "urgent"),
        ("親から毎日ﾀﾋﾈって言われる", "high"),
        ("タバコの火を腕に押し付けてる", "urgent"),
        ("急に片足がしびれて歩けない", "urgent"),
        ("酒、また毎晩飲んでる", "high"),
        ("家賃の引き落としができなかった", "high"),
        ("もう自分ではどうにもならない", "high"),
        ("どうせ良くならへん", "high"),
        ("💊飲んだ、ちゃんと1錠", "none"),
        ("質屋で時計が思ったより高く売れた", "none"),
        ("還付のお知らせだった、督促かと思った", "none"),
        # Rounds 44-45 (the phenomena, balanced, a third writer; very short replies): a whole
        # reply of a place, an emoji or a request about a pet; 東北 endings; notes left.
        ("東尋坊にきた", "urgent"),
        ("東尋坊に観光で来た、景色すごい", "none"),
        ("明日は来ない", "urgent"),
        ("屋上です", "urgent"),
        ("踏切みてる", "urgent"),
        ("犬たのみます", "urgent"),
        ("🪦", "urgent"),
        ("夫が包丁持ってる", "urgent"),
        ("来世でまた会おう", "urgent"),
        ("元気でな、みんな", "urgent"),
        ("手首きりすぎた", "urgent"),
        ("父がなぐる", "high"),
        ("たしけて", "high"),
        ("至急相談したいです", "high"),
        ("生きてる意味ある?", "high"),
        ("もう生ぎでいだぐねぇ", "urgent"),
        ("この世にはもう未練もございません", "urgent"),
        ("前は失敗した。次は確実にやる", "urgent"),
        ("弟に手紙残しといた。あとはよろしく", "urgent"),
        ("孫が事故起こしたって電話で、示談金振り込んだ", "high"),
        ("一杯だけのつもりが全部飲んでた", "high"),
        # Rounds 46-47 (the phenomena, balanced, a fourth writer; minimal pairs).
        ("生まれてこなきゃよかった。もう終わらせる", "urgent"),
        ("家の物は全部処分した、スマホも今日解約する", "urgent"),
        ("今日でさよならです", "urgent"),
        ("生きるの、もういいかな", "urgent"),
        ("去年も死のうとした、今度は確実にやる", "urgent"),
        ("今から刺しに行く", "urgent"),
        ("母を殴ってまだ怒鳴ってる", "urgent"),
        ("薬の残り、全部いっぺんに飲んだ", "urgent"),
        ("生きてても何もいいことない", "high"),
        ("先が見えへん", "high"),
        ("住むとこがまだ決まらない", "high"),
        ("口座売ったら5万って言われた", "high"),
        ("記憶なくなるまで飲んだ", "high"),
        ("今日でバイト最後、みんなにお別れしてきた", "none"),
        ("死んでも悔いないくらいうまい寿司", "none"),
        # A denied negation affirms the match (particles and the copula between).
        ("死にたくないわけじゃない", "urgent"),
        ("消えたくないってわけでもない", "urgent"),
        ("死にたくないことはないです", "urgent"),
        ("寂しくないわけではないけど", "watch"),
        ("食べられないわけじゃない", "none"),
        ("別に消えたいわけじゃない", "none"),
        # A distant-past word compared with does not date the feeling.
        ("昔みたいにまた切りたくなってきた", "urgent"),
        ("学生の頃と同じで消えたい", "urgent"),
        ("学生の頃は消えたいと思ってた", "high"),
        ("昔のように死にたいと思うことはもうない", "none"),
        # ん after a dictionary form is の, not a negation.
        ("薬ためとるけぇ、いつでも逝けるんよ", "urgent"),
        ("眠れるんよ", "none"),
        ("しにたぃょぉ", "urgent"),
        # A resolved word said of someone else does not close the person's own past.
        ("去年は死にたかったけど今は元気", "watch"),
        ("去年は死にたかったけど母は元気", "high"),
        # Rounds 48-51 (the phenomena, balanced, fifth and sixth writers; dialects; longer
        # replies).
        ("息子が息しとらん!", "urgent"),
        ("目が覚めんでもええ", "urgent"),
        ("はよ死なれへんかなぁ", "urgent"),
        ("死ぬのが怖くなくなった", "urgent"),
        ("このスマホは明日解約します。今まで本当にお世話になりました", "urgent"),
        ("スマホ解約して格安に乗り換えた、今までありがとう", "none"),
        ("介護で限界で、母をたたいてしまった", "high"),
        ("市販薬、また買いに行ってしまった", "high"),
        ("ここ数日まともに眠れてない", "high"),
        ("パソコン逝った😇", "none"),
        ("温泉で疲れが消えた〜", "none"),
        ("話飛んでごめんね", "none"),
        ("自分の葬式は家族だけでいいって話しといた", "watch"),
        ("灯油買う銭ねぇ", "high"),
        ("小銭がない", "none"),
        ("残高0.5%の金利", "none"),
        ("今から現金を受け取りにくるって電話があった", "high"),
        ("3日前に食べたのが最後かな", "high"),
        ("3日前に食べたのが最後のアイス", "none"),
        ("転んでから一人でトイレに行けん", "high"),
        ("娘がまだ一人でトイレに行けないの", "watch"),
        ("来月からどこ住めばええんだ", "high"),
        ("どこに住めばいいか迷う、駅近か郊外か", "none"),
        ("母の後を追うように看護師になった", "none"),
        ("リスカしてなかったけど、最近またしたくて仕方ない", "high"),
        # A quotation closed by a bracket is still someone else's words, unless aimed at
        # the person.
        ("同僚が「会社辞めたい、死にたい」って毎日言ってる", "watch"),
        ("「死ね」って言われた", "high"),
        ("「お前は生きてる価値ない」って上司に毎日言われてる", "high"),
        ("払えない額じゃない", "none"),
        ("倒れるまで働く気はないよ", "none"),
        ("嬉しすぎて胸が苦しかった", "watch"),
        ("ロープ買うてきてん、引っ越しの荷造り用な", "none"),
        # Utility cuts (contextual = "time"): only a distant past that is over lowers them.
        ("電気止められたw", "high"),
        ("母が電気止められた", "high"),
        ("電気止められました。布団かぶってれば平気", "high"),
        ("去年は電気止められたこともあったけど、今は大丈夫", "none"),
        ("昨日電気止められたけど今日払って復旧した", "none"),
        # Dialects of rounds 48-51, as normaliser rewrites.
        ("今夜おらんごとなるけん", "urgent"),
        ("もう死んじゃるっちゃ", "urgent"),
        ("もう消えっぺかな", "urgent"),
        ("楽に逝げるんだべか", "urgent"),
        ("お金がもうあらしまへん", "high"),
        ("もう二日なんも食べちょらん", "high"),
        ("さっきまで死んごたっち思うちょった。今はちいと落ち着いたど", "high"),
        ("ご飯食べっぺ", "none"),
        ("帰りたいち思う", "none"),
        ("ｷｴﾙﾈ ｱﾘｶﾞﾄ", "urgent"),
        ("雪、すっかり消えたね", "none"),
        ("もう寝るから消えるね、また明日", "none"),
        ("薬ちょっとずつ貯めてて今は2か月分くらいある", "urgent"),
        ("元気元気、心配ご無用", "none"),
        ("焼酎やめて半年。体の調子がよかど", "none"),
        ("10年前はアル中で毎日飲んでました。今日で断酒10年目!", "none"),
        ("生きとっても仕方なか。もうよかよ", "urgent"),
        ("先週飛ぼうとして止められた。まだ諦めてない", "urgent"),
        ("いつもの薬、十回分いっぺんに飲んだ", "urgent"),
        ("このままずっと起きんで済んだらええのにのう", "urgent"),
        ("息子が今殴ってきよる。部屋に鍵かけて隠れとる", "urgent"),
        ("私がいない方がみんな楽になる", "urgent"),
        ("自分の生命保険で返します", "urgent"),
        ("明日の朝、娘が来たら見つけてくれると思う", "urgent"),
        ("かくれんぼで娘が来たら見つけてくれると思う", "none"),
        ("もう引き止めるものが何もない。準備はできてる", "urgent"),
        ("形見分けは済ませました。あとは静かに待つだけです", "urgent"),
        ("だから消えます。さよなら", "urgent"),
        ("シミが消えます", "none"),
        ("右手がしびれて動かんさー。しゃべりにくい", "urgent"),
        ("先週飛ぼうとして止められた。まだ諦めてない", "urgent"),
        ("もう息するのもしんどい。終わりにしていいですか", "urgent"),
        ("今日の作業はこれで終わりにしていいですか", "none"),
        ("もうすぐ全部終わらせるって決めたから。気持ちが軽いです", "urgent"),
        ("保険の受取人は書き換えてある。あとは時期だけ", "urgent"),
        ("お迎えが来んのなら、こっちから行こうかと思うとる", "urgent"),
        ("この返信が最後になると思います", "urgent"),
        ("赤ちゃん息してないかと思って焦った", "watch"),
        # "Until" only after a recent time word: 橋の上まで is a place.
        ("さっき橋の上まで行ってきた。まだ気持ちが残ってて怖い", "urgent"),
        ("1時間前まで死にたかった", "high"),
        # Rounds 52-55 (the phenomena, a seventh writer; after a silence; addiction;
        # violence at home).
        ("もうシにます", "urgent"),
        ("今から死にます", "urgent"),
        ("暑くて死にます", "none"),
        ("シネマ行った", "none"),
        ("息子が家内を殴っとる", "urgent"),
        ("ロープ、買ってきた。どこに掛けるかだけ決まってない", "urgent"),
        ("手首の線、今日で三本増えた", "urgent"),
        ("誰にも止めてほしくない。もう最後にするって決めた", "urgent"),
        ("誰にも止めてほしくない、推し活は", "none"),
        ("処方の袋、ぜんぶ開けたらずっと眠れるかな", "urgent"),
        ("退院したけど、次はちゃんと成功させる", "urgent"),
        ("次は絶対成功させる、プレゼン", "none"),
        ("酒やめて4日目 虫が壁はってるのが見える", "urgent"),
        ("車の窓ぜんぶガムテでふさいだ", "urgent"),
        ("台風来るから窓にガムテ貼った", "none"),
        ("夫がいびきみたいな変な息してる。顔色わるい", "urgent"),
        ("夫のいびきが変な息みたいでうるさい", "none"),
        ("次飲んだら死ぬって医者に言われてる。で、今飲んでる", "urgent"),
        ("今夜あいつが帰ってきたら刺してしまうかもしれん", "urgent"),
        ("家の前でナイフ見せてきた", "urgent"),
        ("新しい包丁を見せてきた", "none"),
        ("酔った兄が鍵こわして入ってこようとしてる　はやく", "urgent"),
        ("部屋に閉じこめられて2日水も飲んでない", "urgent"),
        ("叩かれて耳がきこえなくなった、めまいもひどい", "urgent"),
        ("じいちゃんがばあちゃんの首に手かけてた", "urgent"),
        ("ベランダから落とすぞって子ども抱えてる", "urgent"),
        ("布団をベランダから落とした", "none"),
        ("もう体ごと消してしまいたい", "urgent"),
        ("さよなら。もう殴られることもなくなる", "urgent"),
        ("もう宿題に追われることもなくなる、さよなら学生生活", "watch"),
        ("夫は飲むと殴ります。いまは寝てるけど", "high"),
        ("知らない番号から脅しのメッセージが何通も来てて", "high"),
        ("元カノから1日100件くらいLINEくる、ブロックしても別アカで", "high"),
        ("彼女にGPSアプリ入れられてて", "high"),
        ("保護命令ってどうやってとるの？", "high"),
        ("シェルターのボランティアに行ってきました", "none"),
        ("孫に「金出さんと施設に入れるぞ」言われとる", "high"),
        ("大家さんが鍵を替えるって言ってきた", "high"),
        ("借りた金が利息で倍になってる", "high"),
        ("また吐いちゃう癖がもどって、一日に何回も", "high"),
        ("1ヶ月で8キロ痩せて、病院で精密検査って言われた", "high"),
        ("酒やめて2日、全然ねむれんし汗がすごい", "high"),
        ("病院の薬、決められた量じゃ効かなくて倍飲んでる", "high"),
        ("白目が黄色いって言われた", "high"),
        ("みかん食べすぎて肌が黄色い", "none"),
        ("昔の売人からLINEきた", "high"),
        ("誰か話きいて。飲みたくてしかたない", "high"),
        ("飲みたくてしかたない、暑くてビール", "none"),
        ("ホームセンターでロープと杭買った、家庭菜園のネット張るの", "none"),
        ("明日から検査入院なので、しばらく返信できません", "none"),
        ("ドアどんどん叩く音がしてビビったら宅配のお兄さんだった", "none"),
        ("町内会の餅つき、杵で思いっきり叩いてきた", "none"),
        ("虐待されてた保護犬を迎えたんだけど、すっかり甘えんぼ", "none"),
        ("研修でDVの勉強会あった", "none"),
        # A distant-past word describing a person (who may be back) does not date.
        ("昔の売人からLINEきた", "high"),
        ("昔の仲間から連絡きて、またアレに手ぇ出しちゃった", "high"),
        ("昔の話だけど死にたかった", "high"),
        ("去年の今ごろは本気で消えたかったけど、今はなんとかやってます", "watch"),
        ("屋上の鍵が開いてるの知ってる。今夜行ってくる", "urgent"),
        ("駅のホームにいる。次の快速で楽になれる気がする", "urgent"),
        ("🪦🙏 おわりにする", "urgent"),
        ("このメッセージが届く頃にはたぶん…", "urgent"),
        ("毎晩切ってます。昨日は深くいきすぎて縫うレベルかも", "urgent"),
        ("まだいる。でも、いなくなる準備はできた", "urgent"),
        ("さっきから血を吐いてる", "urgent"),
        ("いま部屋のガスの栓あけて座ってる", "urgent"),
        ("私がいなくなれば全部丸くおさまるって毎日思う", "urgent"),
        ("パチンコの借金もう隠せん。今日で全部おわらせる", "urgent"),
        ("楽な終わらせ方ずっと調べてる", "urgent"),
        ("彼が包丁持ち出してきた", "urgent"),
        ("殴られたあとから右腕が変な方向に曲がってて動かせない", "urgent"),
        ("彼から「今からそっち行く、覚悟しとけ」ってLINE。ふるえてる", "urgent"),
        ("元夫がうちの住所つきとめた。いま玄関の前にいる", "urgent"),
        ("元彼が家の前で待ち伏せしてる。昨日も今日も", "high"),
        ("おれもう親父ぶっ殺しそう。いまバット持ってる", "urgent"),
        ("カラオケで喉つぶれた、最高やった", "none"),
        ("警察の人が地域の防犯の話しに来てくれた", "none"),
        ("うちはケンカしてもすぐ仲直り", "none"),
        ("晩酌はビール1本って決めてる", "none"),
        # Rounds 56-59 (the phenomena, an eighth writer; health; welfare and money;
        # loneliness and low mood).
        ("10分前まで屋上にいた。まだ帰る気になれない", "urgent"),
        ("どうか消えさせてください", "urgent"),
        ("今までで一番おなか痛い 脂汗でうごけん", "urgent"),
        ("冷や汗かいたけど立てた", "none"),
        ("蜂にさされて全身じんましん、めまいもしてきた", "urgent"),
        ("蜂に刺されて、腕がちょっと腫れてかゆい", "watch"),
        ("まちがえて夜の薬2回のんだ…睡眠薬のほう　ねむくてたまらん", "urgent"),
        ("間違えて2回飲んだ、ビタミン剤", "none"),
        ("子どもがおばあちゃんの薬のシートかじってた", "urgent"),
        ("生後1ヶ月の子が38度ある", "urgent"),
        ("胸いたい たすけて", "urgent"),
        ("真っ黒いうんちが何回も出て、立ちくらみがひどい", "urgent"),
        ("喘息の子がしゃべれないくらい苦しそう", "urgent"),
        ("片足だけパンパンに腫れてて、いま急に息切れもしてきた", "urgent"),
        ("エピペン打ったけどまだ苦しい", "urgent"),
        ("ひとり暮らしの父に昨日から電話つながらない。心臓わるいのに", "urgent"),
        ("父に昨日から電話つながらないけど旅行中だった", "none"),
        ("透析しないと死ぬって言われたけど、もうしなくていいかなって", "urgent"),
        ("血糖30 ジュース飲んでも上がらん", "urgent"),
        ("血糖値500こえてた", "high"),
        ("追い出される前に自分で消えるわ", "urgent"),
        ("闇金に「死んで払え」って言われた。もうそれしかないかも", "urgent"),
        ("差し押さえに来たら家ごと燃やす", "urgent"),
        ("部屋ごと燃やしたいくらい散らかってる", "none"),
        ("督促の電話の男ほんまに殺したる。包丁カバンに入れた", "urgent"),
        ("「殺してやる」って叫ぶシーン、あの俳優の演技すごかった", "none"),
        ("明日社長んとこ行って刺し違えてくる", "urgent"),
        ("寝てる間にしんでたらいいのに", "urgent"),
        ("もう誰にも迷惑かけないようにするから安心してね", "urgent"),
        ("ひとりで死ぬのは怖いけど、生きるのももう無理", "urgent"),
        ("タオルで首しめてみた。うまくいかなかった", "urgent"),
        ("借りたら、10日で3割って言われた", "high"),
        ("10日で3割引きセール", "none"),
        ("死ぬ気はないよ。でも生きてていいことあるとも思えん", "high"),
        ("喘息の吸入きれて1週間", "high"),
        ("一人で階段のぼれなくて買い物も行けない", "high"),
        ("血圧はかったら200こえてた", "high"),
        ("産後3週間たつのに出血ずっと続いてる", "high"),
        ("足の傷が黒っぽくなってきた。糖尿あるのにほっといた", "high"),
        ("食べたあと自分で吐くのやめられない", "high"),
        ("薬のむと落ちこむ気がして、自分の判断で全部やめた", "high"),
        ("熱と下痢で寝こんでた、一人で水も買いに行けない", "high"),
        ("水買いに行けないくらい暑い", "none"),
        ("孫だっていう電話で200万渡してしまいました", "high"),
        ("大家が勝手に鍵あけて入ってくる", "high"),
        ("毎日泣いてる。理由もわからない", "high"),
        ("ベッドから出られない日が1週間続いてる", "high"),
        ("もう半年くらい何も楽しくない", "high"),
        ("またお酒に手出しちゃった", "high"),
        ("寂しくて夜中ずっと飲んでる、朝まで", "high"),
        ("昨日飲み会で朝まで飲んでた", "none"),
        ("部屋がゴミで埋まってて足の踏み場もない", "high"),
        ("ひとりだと悪いことばっかり考えちゃう", "high"),
        ("何週間もカーテン閉めっぱなし", "high"),
        ("猫のことだけお願いできますか。もう私は世話できなくなるので", "urgent"),
    ],
)
def test_mechanisms(text: str, level: str) -> None:
    assert level_of(text) == level, assess(text)


def test_context_never_drops_an_urgent_reading() -> None:
    # A film, a quotation and the past may lower urgent wording to watch, not below.
    for text in ("映画で主人公が死にたいって言ってた", "昔は死にたかったけど今は平気"):
        assert assess(text).level is Level.WATCH


# Compounds are lexicon words MeCab splits; a merged run is one token, so it hides its parts
# from other rules (the unless word 包丁で once hid 包丁 from the weapon rule). These merges
# hide an urgent rule's anchor word and are known to be harmless.
# Each merge hides a word some rule needs, in a phrase where that rule must not fire.
_HARMLESS_MERGES = {
    ("自転車", "車"),
    ("また今度", "又"),
    ("また明日", "又"),
    ("オワタ", "終わる"),
    ("ゲーム機", "ゲーム"),
    ("ビアガーデン", "ビール"),
    ("助かった", "助かる"),
    ("十代", "代"),
    ("姉ちゃん", "姉"),
    ("家計簿", "家計"),
    ("帰ってくる", "返る"),
    ("払い終わった", "払う"),
    ("払い終わった", "終わる"),
    ("払い終わる", "払う"),
    ("留守番電話", "電話"),
    ("皆さん", "皆"),
    ("給付金", "金"),
    ("耐えきれる", "切る"),
    ("胸が痛む", "胸"),
    ("親知らず", "親"),
    ("誰か", "誰"),
    ("起きてしまう", "起きる"),
    ("身を投げる", "投げる"),  # suicide.throw_oneself_plain reads the merged word
    ("身を投げる", "身"),
    ("払い終わった", "払い"),
    ("払い終わる", "払い"),
    ("返し終わった", "終わる"),
    ("返し終わった", "返す"),
    ("返済済み", "返済"),
    ("閉め切る", "切る"),
    ("閉め切る", "締める"),
    ("電話番号", "電話"),
    ("食べすぎ", "食べる"),
    ("食べ過ぎる", "食べる"),
    ("ホームラン", "ホーム"),
    ("また今度", "また"),
    ("また明日", "また"),
    ("また明日", "明日"),
    ("払い終わる", "終わる"),
    ("目が覚める", "覚める"),
}


def test_no_compound_hides_an_urgent_or_high_anchor() -> None:
    """A multi-token word in any list is merged into one token and hides its parts."""
    lexicon = load_lexicon()
    anchors = {
        key
        for key, rules in lexicon.index.items()
        if any(rule.level in (Level.URGENT, Level.HIGH) for rule in rules)
    }
    hiding = {
        (word, part)
        for entries in lexicon.compounds.values()
        for _, word in entries
        if word not in lexicon.index
        for token in tokenize(word)
        for part in (token.surface, token.lemma)
        if part in anchors
    }
    assert hiding <= _HARMLESS_MERGES, hiding - _HARMLESS_MERGES


# A second review probed the older urgent and high rules with everyday replies that share
# their words (closing a chat, pets, gadgets, school, chores): a sample of what they now
# leave at watch or below, and of the concerning wordings they still raise.
EVERYDAY = [
    # Review of the rules added for rounds 48-51.
    "早くいけないかなー、ディズニー楽しみすぎる",
    "私いない方が夫と息子も楽しそう",
    "娘が帰ったら見つけてくれると思う、棚の奥に隠したおやつ",
    "返信遅くなってごめん！今週で残業は最後にする",
    "髭剃りで切ったとこ、絆創膏貼ったら止まった",
    "歯医者の麻酔で顔がしびれて、しゃべりにくい",
    "猫に引っかかれて腕が傷だらけ、また今日もやられた",
    "デイサービスのお迎えがまだ来ない、自分で電話してみる",
    "転んで膝から血でた🩹",
    "目が覚めなくてもいいように目覚ましオフ",
    # Review of the rules added for rounds 52-55.
    "明日の発表、緊張でまた同じミスやってしまいそう",
    "職場の飲み会、隅っこでずっと存在を消してた",
    "孫が首に手を回して抱きついてきた、かわいい",
    "課題全部終わらせたから、今日はずっと寝れる！",
    "パン焼くの失敗した〜 次こそ成功させる！",
    "髪ばっさり切るって決めた。誰にも止めてほしくない笑",
    "部屋干し用のロープ、ワンルームだとどこに掛けたらいい？",
    "お土産のナイフ見せてくれた",
    "お酒やめたって言ったら、職場にも同じような人が何人もいるって分かった",
    "部屋の壁にポスターをテープで貼った",
    "階段から落とすなよ…スマホ落とした",
    "飲んだら死ぬほど辛い",
    "テニス始めてから腕の筋が1本浮いてきた",
    "ディーラーから車検のお知らせ来た",
    "シェルターの猫の里親になった",
    "今日はこれで終わりにします。ありがとう",
    "子どもが紙飛行機を投げたいって言うから広場に行った",
    "朝から飲まず食わずで働いた",
    "弟にお菓子を取られたって娘が泣いてた",
    "お迎えがまだ来ないって息子から電話",
    "会費は払わなくてよくなった",
    "まだ死ねない、孫の成人式を見るまでは",
    "頭痛が消えたらいいのに",
    "猫飼いたいけど大家さんに迷惑かけたくない",
    "送迎は片道だけでいいです",
    "夏休みの最後くらいちゃんと宿題させたい",
    "保育園に置いていくの、ごめんねって毎朝思う",
    "修理代は保険で払えるって",
    "長年使った掃除機、今まで本当にありがとう",
    "タートルネックが首を締めてる感じ",
    "跳び箱の高さが足りないって息子が",
    "鹿が柵を越えて畑に入る",
    "形見の指輪をつけて出かけた",
    "病院で薬をたくさんもらってきた",
    "朝の薬、全部飲んだよ",
    "猫が夜中に暴れる",
    "猫を引きつけるおもちゃ",
    "旅行の行き先はまだ決まってない",
    "ネットが切れるから動画が止まる",
    "放置してた鍋を洗った",
    "やっと汗が止まった",
    "水槽のエアポンプ、酸素が止まってた",
    "つい新しいコスメ使っちゃった",
    "Wi-Fiのパスワードを友達に教えた",
    "庭に木の影があって涼しい",
    "嬉しくて座っていられない",
]
CONCERNING = [
    "別れ話したら彼が台所から包丁持ってきて、こっちに向けてきた",
    "父がまた母を殴っとった",
    "兄と同じように、自分もいつか死を選ぶんじゃないかって思う",
    "神様、早くこっちに呼んでくれんかのう。毎日痛いばかりで",
    "もう疲れた。今日で終わりにする。ありがとう",
    "母を連れて一緒に逝く。道連れにする",
    "墓も葬式も手配済み。あとは俺が行くだけだ",
    "最後にこの子の顔見れてよかった",
    "母がいきなり胸おさえて苦しみだした",
    "生きるのって、いつまで続けなきゃいけないんですか",
    "除草剤飲めば楽になるかな",
    "屋上のフェンス越えた",
    "ホームの端に立ってる",
    "殴られた",
    "急に片目が見えにくくなった",
    "残り300円",
    "家賃が払えない",
    "生きてても意味がない",
    "酒がないと手が震える",
    "パスポート 取られた",
    "また手を出しちゃった、クスリ",
    "天国のかあちゃんに早く会いたい",
    "今回は本当に最後のLINE",
    "口座番号教えちゃった、儲かるって言われて",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_replies_are_not_alerts(text: str) -> None:
    assert level_of(text) in ("none", "watch"), assess(text)


@pytest.mark.parametrize("text", CONCERNING)
def test_concerning_replies_stay_alerts(text: str) -> None:
    assert level_of(text) in ("high", "urgent"), assess(text)
