"""The distress assessor: read one reply and say how worried the team should be, and why.

Pipeline: normalise (``normalize``) → tokenise (``tokenizer``) → find rule matches from the
lexicon (lemma sequences, same-clause co-occurrences, regexes for emoji and slang) → judge
each match in its clause: negated (死にたいなんて思ったことない), idiom/hyperbole (死ぬほど),
past and resolved (去年は…けど今は平気), someone else's or a film's (友達が / 映画で), joking
(w, 笑) → the highest surviving level wins → when that is below urgent, the learned model
(``model``) may raise it, unless the rules read the risk words there themselves.

Context may lower an urgent match to ``watch`` at most, never drop it: when unsure, the
team should still see it. Only a negation removes a match, and it stays in the evidence.

Speed: the lexicon is compiled once into per-morpheme facts (:class:`_Tok`: which pattern
elements a morpheme matches, which rules may start there, bits for the grammar and context
word lists it belongs to), cached by MeCab output line. Per reply, the work is then mostly
C-level list operations over those facts; clause structure, negation scans and context
checks run only when a rule has fired, and each is skipped when the reply has none of
the words it looks for.
"""

from __future__ import annotations

import copy
import re
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import reduce
from itertools import accumulate, compress, islice, repeat
from operator import attrgetter, or_
from typing import Any

from .levels import CATEGORIES, Level
from .lexicon import Element, Lexicon, Rule, load_lexicon
from .model import BIGRAM_JOIN, RAISED_LEVELS, DistressModel, load_model
from .prefilter import SubstringGate
from .tokenizer import mecab_lines, parse_line

__all__ = ["Assessment", "Assessor", "Evidence", "assess", "assess_many", "default_assessor"]

# Parts of speech that may sit between pattern words and that negation/past reach across.
_FUNCTION_POS = frozenset({"助詞", "助動詞", "接尾辞", "接頭辞"})
# Gaps inside a pattern may also hold adverbs: お金が全然足りない, 米がもうない.
_GAP_POS = _FUNCTION_POS | {"副詞"}
_PREDICATE_POS = frozenset({"動詞", "形容詞"})
# ない is an auxiliary or an adjective; なくなる (run out, stop being) is a verb.
_NEGATION_POS = frozenset({"助動詞", "形容詞", "動詞"})
_BRACKETS = frozenset({"括弧開", "括弧閉"})
_CLOSING_BRACKET = "括弧閉"
# 言えない after なんて / なんか / とか: "cannot say", not "did not feel" (see _cannot_say).
_SAY_POTENTIAL = frozenset({"言え", "いえ", "云え"})
_QUOTE_DISMISSIVE = frozenset({"なんて", "なんか", "とか"})
# Words that start a clause summing up the one before: そういうのはない, そんなことない.
_SUMMING_UP = frozenset({"そう", "そういう", "そんな", "ああいう", "そういった", "そーゆー"})
_WAVE_DASHES = frozenset({"〜", "~", "～"})
_RUN_OUT = "無くなる"  # なくなる, itself a negation
_DO_OR_CAN = frozenset({"為る", "出来る"})  # 完済できない: a verbal noun's verb
_DONE_POS = frozenset({"名詞", "副詞"})  # 完済, ほっと: said with する/できる
_THINK = frozenset({"思う", "考える"})  # 治ったと思ったら: only thought so
_THINK_OR_SAY = _THINK | {"言う", "感じる"}
_AGAIN = frozenset({"又", "再び"})  # 治ったのにまた: it came back
# After a resolved word: expected, not yet so (落ち着くはず), or worn out by it (断酒も疲れた).
_NOT_YET_OVER = frozenset({"筈", "疲れる", "しんどい", "無理", "限界", "飽きる"})
_WHENEVER = "と"  # 聞いてると落ち着く: a soothing habit, not a recovery
_VERB_OR_AUXILIARY = frozenset({"動詞", "助動詞"})
_AFTER = "後"  # 電話切ったあと振り込んでた: what came after, not how it ended
_WISH = "欲しい"  # 治ってほしい: wished for, not so
# Nouns that carry on a denied verb's state rather than name a thing: 下がらんまま.
_STATE_NOUNS = frozenset("侭 儘 まま 様 よう 事 こと 所 ところ とこ 訳 わけ 日 状態 感じ".split())
_NONE_AFTER_NOUN = frozenset({"なし", "無し"})
_SYMBOL = "補助記号"  # punctuation's part of speech
_NOT_BUT = frozenset({"じゃ", "では", "でわ"})  # (じゃ)なくて: "not X but Y"
_QUOTING = frozenset({"と", "って", "とは", "とまで"})  # the particle that quotes a thought
_QUOTE_PARTICLES = frozenset({"まで", "は", "も"})  # とまでは, とも
# Before a resolved word, these make a question particle after it a hedge, not a doubt.
_NOW_OR_ALREADY = frozenset({"もう", "今", "は", "だいぶ", "大分", "もう大分"})
# What may stand between a resolved word and the question particle: 大丈夫なのかな.
_BEFORE_QUESTION = frozenset({"だ", "です", "の", "た"})
# Nouns that make a denial say "more than that": そういうレベルじゃない.
_BEYOND = frozenset({"レベル", "次元", "程度", "段階", "どころ", "話", "域", "騒ぎ"})
_CONDITIONAL_FORM = "仮定形"  # なきゃ, なけれ(ば)
_IMPERATIVE_FORM = "命令形"  # 死ね, 消えろ
# Conjugation forms a negative ん never follows (see _Message).
_PLAIN_FORMS = ("終止形", "連体形")
# ...and forms it does follow when MeCab reads it as の (眠れ|ん|で: 眠れない).
_IRREALIS_FORMS = ("未然形", "命令形", "連用形-一般")
_N, _NO = "ん", "の"
_PARTICLE = "助詞"
_DO, _CONTINUATIVE = "為る", "連用形"
_VERB_SUFFIXES = frozenset({"れる", "られる", "せる", "させる"})  # 寝|られ|ん|で
_GOOD, _NO_NI = "良い", frozenset({"の", "のに"})  # いいのに: a wish
_COMMAS, _THOUGHT_NOUNS = frozenset({"、", ","}), frozenset({"事", "こと"})  # …思うこと、
_HAPPEN = frozenset({"出る", "起きる", "起こる"})  # 発作が出た: how a matched noun happens
_DECIDE, _THIS, _WITH, _BA = "決める", "これ", "で", "ば"  # 決めたから大丈夫, これで大丈夫

# Context caps: how far each kind of context lowers a level.
_SOFTEN_CAP = {Level.URGENT: Level.WATCH, Level.HIGH: Level.WATCH, Level.WATCH: Level.NONE}
_OTHER_PERSON_CAP = {Level.URGENT: Level.WATCH, Level.HIGH: Level.WATCH, Level.WATCH: Level.NONE}
# A laugh does not lower an explicit urgent reading: "死にたいw" often masks the real thing.
_JOKE_CAP = {Level.HIGH: Level.WATCH, Level.WATCH: Level.NONE}
_NOT_NOW_CAP = {Level.URGENT: Level.HIGH, Level.HIGH: Level.WATCH}
# Long ago and over now (若い頃は借金…今は完済): only an urgent reading stays, as watch.
_LONG_OVER_CAP = {Level.URGENT: Level.WATCH, Level.HIGH: Level.NONE, Level.WATCH: Level.NONE}

# The same, on ranks (0 none … 3 urgent): Level's comparisons are Python-level calls.
_LEVELS = (Level.NONE, Level.WATCH, Level.HIGH, Level.URGENT)
_RANK = {level: level.rank for level in _LEVELS}
_HIGH_RANK = _RANK[Level.HIGH]


def _on_ranks(cap: dict[Level, Level]) -> tuple[int, ...]:
    return tuple(_RANK[cap.get(level, level)] for level in _LEVELS)


_SOFTEN_RANK = _on_ranks(_SOFTEN_CAP)
_OTHER_PERSON_RANK = _on_ranks(_OTHER_PERSON_CAP)
_JOKE_RANK = _on_ranks(_JOKE_CAP)
_NOT_NOW_RANK = _on_ranks(_NOT_NOW_CAP)
_LONG_OVER_RANK = _on_ranks(_LONG_OVER_CAP)
# The matched word is what a film, song or news item is about (詐欺のニュース, 闇金の特集).
_MEDIA_TOPIC_RANK = _LONG_OVER_RANK


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a level was given: the matched span (normalised text) and the rule that fired."""

    span: str
    rule: str
    category: str  # the rule's first category
    level: Level
    note: str = ""  # e.g. "negated", "past, resolved", "joke", "idiom"
    start: int = 0  # character offsets of ``span`` in the normalised text
    end: int = 0
    categories: tuple[str, ...] = ()  # all of the rule's categories (category first)

    def to_json_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "span": self.span,
            "rule": self.rule,
            "category": self.category,
            "level": self.level.value,
        }
        if len(self.categories) > 1:
            data["categories"] = list(self.categories)
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True, slots=True)
class Assessment:
    """The verdict on one reply."""

    level: Level
    categories: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "categories": list(self.categories),
            "evidence": [item.to_json_dict() for item in self.evidence],
        }


_NOTHING = Assessment(Level.NONE)
# The copula before a negation that denies what precedes it: ドラマじゃなくて, 映画ではない.
_NOT_A = frozenset(("じゃ", "では", "じゃあ"))
# Messages per batch in Assessor.assess_many. Each stage keeps its data in the CPU caches
# across a batch; measured on 20,000 replies, 512 a batch took 70 µs a reply, 1,024 65,
# 4,096 62 and the whole 20,000 61: little more to gain, and a batch's morphemes stay small
# (a few MB).
_BATCH = 4096
# The rule names of evidence given by the learned model (model.py), not by a lexicon rule.
MODEL_RULES = {level: f"model.{level.value}" for level in RAISED_LEVELS}
# The note on evidence whose rule matched negated (死にたいなんて思ってない).
_NEGATED = "negated"


def _slot_setters(cls: type, names: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(getattr(cls, name).__set__ for name in names)


# A frozen dataclass's __init__ sets each field through object.__setattr__, looked up
# anew per field: about 2 µs for an Evidence. The assessor makes one or two per reply, so
# it fills the slots directly (the same object, field for field).
_EVIDENCE_SLOTS = _slot_setters(
    Evidence, ("span", "rule", "category", "level", "note", "start", "end", "categories")
)
_ASSESSMENT_SLOTS = _slot_setters(Assessment, ("level", "categories", "evidence"))
_new_object = object.__new__


def _evidence(
    span: str,
    rule: str,
    category: str,
    level: Level,
    note: str,
    start: int,
    end: int,
    categories: tuple[str, ...],
) -> Evidence:
    """``Evidence(span, rule, category, level, note, start, end, categories)``, faster."""
    item = _new_object(Evidence)
    set_span, set_rule, set_category, set_level, set_note, set_start, set_end, set_all = (
        _EVIDENCE_SLOTS
    )
    set_span(item, span)
    set_rule(item, rule)
    set_category(item, category)
    set_level(item, level)
    set_note(item, note)
    set_start(item, start)
    set_end(item, end)
    set_all(item, categories)
    return item


def _assessment(
    level: Level, categories: tuple[str, ...], evidence: tuple[Evidence, ...]
) -> Assessment:
    """``Assessment(level, categories, evidence)``, faster (see :func:`_evidence`)."""
    result = _new_object(Assessment)
    set_level, set_categories, set_evidence = _ASSESSMENT_SLOTS
    set_level(result, level)
    set_categories(result, categories)
    set_evidence(result, evidence)
    return result


# Bits of ``_Tok.markers``/``_Tok.pair_first``: the context word lists a morpheme belongs
# to (or starts a two-word marker of).
_MEDIA, _STILL, _DISTANT_PAST, _UNTIL, _RECENT, _RESOLVED, _NOW = 1, 2, 4, 8, 16, 32, 64
# More bits of ``_Tok.flags`` (which also holds the marker bits above): OR-ed over a
# message, they say which checks can find anything at all.
_JOKE, _NEGATION, _DIALECT, _OTHER_PERSON, _CANDIDATES = 128, 256, 512, 1024, 2048
_COMPOUND, _CONJUNCTION, _SPEECH_VERB = 4096, 8192, 16384
# A conditional (ば, と, きゃ) or a negation in a conditional form (なけれ): without one,
# no negation in the message can be an obligation (see _Message).
_OBLIGATION_CUE = 32768
# Flags that a contextual check reacts to: without any of them (or the rule's
# soften_clause words), context cannot lower a level. (_NOW only counts with
# _DISTANT_PAST; a quote is someone else's words only with a speech verb: 言われた.)
_CONTEXT = (
    _MEDIA
    | _STILL
    | _DISTANT_PAST
    | _UNTIL
    | _RECENT
    | _RESOLVED
    | _JOKE
    | _OTHER_PERSON
    | _SPEECH_VERB
)
# The next bits say which pattern elements a morpheme matches: one bit for each element
# that some rule needs (see _Compiled.needs; Assessor.element_bits), none for the others.
# OR-ed over a message they show elements that nothing in it matches: a rule that needs
# one of them cannot match, and its matcher is not run. (A bit per element, not shared:
# with 60 bits shared by ~760 elements, half of the matchers run found nothing.)
_FIRST_ELEMENT_BIT = 1 << 16
# Bits above the element bits stand for the rules' word lists (unless_clause,
# unless_message, soften_clause, boost): a morpheme has the bit of every list its lemma
# or surface is in (see Assessor.word_list_bits).
# Average characters between spaces up to which spaces are taken to separate words.
_WORD_CHUNK = 6
# Characters in all up to which two chunks (one space) are taken to be two words.
_TWO_WORDS = 8
# What separates chunks: spaces and punctuation.
_CHUNK_BREAK = re.compile(r"[\s。、，,.．!?！？…]+")
# Bound on the per-assessor morpheme cache (cleared when reached); real replies reuse a few
# tens of thousands of distinct morphemes, so this is rarely reached.
_TOK_CACHE_MAX = 200_000

# A judged match: (-rank, start offset, number in order found, evidence). Sorting these
# puts the highest level first, then by position, ties in the order found.
_Entry = tuple[int, int, int, Evidence]

# A pattern element compiled for matching: (element number, "NEG" among the alternatives,
# optional). A morpheme matches element number k when k is in its ``_Tok.elements``.
_Step = tuple[int, bool, bool]


class _Compiled:
    """A lexicon rule with its pattern elements as numbers and its levels as ranks."""

    __slots__ = (
        "all_of",
        "boost",
        "boost_rank",
        "categories",
        "contextual",
        "double_negation",
        "first",
        "id",
        "level",
        "needs",
        "negatable",
        "other_person",
        "rank",
        "rule",
        "soften_clause",
        "time_context_only",
        "unless_clause",
        "unless_message",
        "unless_next",
        "unless_prev",
        "words",
    )

    def __init__(
        self,
        rule: Rule,
        number: dict[int, int],
        list_bits: dict[frozenset[str], int],
        element_bits: dict[int, int],
        other_person_categories: frozenset[str],
    ) -> None:
        def steps(elements: tuple[Element, ...]) -> tuple[_Step, ...]:
            return tuple(
                (number[id(element)], element.negation, element.optional) for element in elements
            )

        self.rule = rule
        self.id = rule.id
        self.level = rule.level
        self.rank = _RANK[rule.level]
        self.categories = rule.categories
        self.words = steps(rule.words)
        self.all_of = steps(rule.all_of)
        # The element a word rule starts with (-1 for all_of and regex rules).
        self.first = self.words[0][0] if self.words else -1
        self.unless_prev = frozenset(number[id(element)] for element in rule.unless_prev)
        self.unless_next = frozenset(number[id(element)] for element in rule.unless_next)
        # Word lists as bits of _Tok.flags (0: the rule has no such list).
        self.unless_clause = list_bits.get(rule.unless_clause, 0)
        self.unless_message = list_bits.get(rule.unless_message, 0)
        self.soften_clause = list_bits.get(rule.soften_clause, 0)
        self.boost = list_bits.get(rule.boost, 0) if rule.boost_level is not None else 0
        self.boost_rank = _RANK[rule.boost_level] if rule.boost_level is not None else 0
        self.negatable = rule.negatable
        # A word pattern that is itself a negation (眠れない) is cancelled by a second one.
        self.double_negation = rule.has_negation and bool(rule.words)
        self.contextual = rule.contextual
        self.time_context_only = rule.time_context_only
        # Element bits (of _Tok.flags) of every element a match needs beyond the first:
        # not optional, and not matched by a negation instead (NEG).
        needs = 0
        for element, negation, optional in (*self.words[1:], *self.all_of):
            if not (negation or optional):
                needs |= element_bits[element]
        self.needs = needs
        self.other_person = not other_person_categories.isdisjoint(rule.categories)


class _Tok:
    """One distinct morpheme (a MeCab output line) with everything the rules ask of it.

    Shared between all messages that contain the morpheme, so it holds no offsets: those
    live in :class:`_Message`. The flags are the answers to the grammar's per-token
    questions, computed once when the morpheme is first seen.
    """

    __slots__ = (
        "candidates",
        "cform",
        "clause_break",
        "compound",
        "conditional",
        "conjunction",
        "dialect",
        "dialect_enabler",
        "elements",
        "flags",
        "gap",
        "irrealis",
        "joke",
        "lemma",
        "length",
        "mark",
        "markers",
        "model_pairs",
        "model_term",
        "negation",
        "not_negation",
        "obligation",
        "other_person",
        "pair_first",
        "parts",
        "passive",
        "past",
        "past_aux",
        "past_transparent",
        "pos1",
        "pos2",
        "predicate_stop",
        "question",
        "quote",
        "sentence_mark",
        "speech_verb",
        "subject_particle",
        "surface",
        "topic",
        "transparent",
    )

    surface: str
    lemma: str
    pos1: str
    pos2: str
    cform: str
    length: int
    elements: frozenset[int]  # numbers of the pattern elements the morpheme matches
    candidates: tuple[_Compiled, ...] | None  # rules that may start/anchor here
    # Compounds starting here, by the surface of their second token (lexicon order).
    compound: dict[str, tuple[tuple[tuple[str, ...], str], ...]] | None
    negation: bool  # a negation by itself (ない, ん, へん)
    dialect: bool  # 博多 なか: a negation after an adjective or だ
    dialect_enabler: bool  # an adjective or だ
    # ん read as の after a verb in an irrealis, imperative or (ichidan) continuative form:
    # MeCab's 眠れ|ん|で, 食べれ|ん|で are 眠れない, 食べれない said 関西/西日本 style.
    irrealis: bool  # a verb in one of those forms
    mark: bool  # punctuation or a symbol (not a quote bracket)
    sentence_mark: bool  # punctuation other than 読点: ends a sentence
    clause_break: bool  # punctuation/symbol or a clause-ending particle (けど, のに)
    conjunction: bool  # a conjunction: starts a clause
    gap: bool  # may sit between pattern words (unless it is a negation)
    transparent: bool  # negation and past reach across it
    past_transparent: bool  # the past reaches across it (a transparent or frequency word)
    not_negation: bool  # しか
    conditional: bool  # ば, と, きゃ after a negation
    obligation: bool  # いけない, だめ, あかん after 〜なきゃ/〜ないと: "must", not "cannot"
    question: bool  # か, かな after a negation: a question, not a denial
    past: bool  # past lemma (た)
    past_aux: bool  # past lemma as an auxiliary
    joke: bool
    markers: int  # _MEDIA | _STILL | ... for the word lists the morpheme is in
    parts: tuple[str, ...]  # a merged compound's parts' surfaces and lemmas (else empty)
    pair_first: int  # bits of the lists with a two-word marker ("前+は") starting here
    subject_particle: bool  # が/は/も as a particle
    other_person: bool  # 友達, 母, ...
    predicate_stop: bool  # a verb/adjective (not a helper verb): the subject search stops
    topic: bool  # の linking a matched word to a film/news word after it
    quote: bool  # って/と closing a quotation
    speech_verb: bool  # 言う: with a passive after it, someone else's words
    passive: bool  # れる/られる
    flags: int  # markers | pair_first | _JOKE | _NEGATION | ... (see the bit constants)
    # The learned model's terms for this lemma, and for the bigrams it starts (by the next
    # lemma): looked up once per morpheme, not per reply.
    model_term: tuple[float, ...] | None
    model_pairs: dict[str, tuple[float, ...]] | None

    def __init__(
        self, info: tuple[str, str, str, str, str], assessor: Assessor, merged: bool = False
    ) -> None:
        # Interned, as the learned model's lemmas are (see DistressModel): a bigram's
        # lookup by the next morpheme's lemma then finds its key by identity, without
        # reading the two strings, and morphemes share their part-of-speech strings.
        interned = surface, lemma, pos1, pos2, cform = tuple(map(sys.intern, info))
        grammar = assessor.grammar
        lexicon = assessor.lexicon
        self.surface, self.lemma, self.pos1, self.pos2, self.cform = interned
        self.parts = ()
        self.length = len(surface)
        model = None if merged else assessor.model
        self.model_term = model.term(lemma) if model is not None else None
        self.model_pairs = model.terms_after(lemma) if model is not None else None

        def has_key(keys: frozenset[str]) -> bool:
            return lemma in keys or surface in keys

        # An element matches on the lemma if the lemma is one of its keys, else on the
        # surface; a key may ask for conjugation forms ("死ぬ@命令形").
        by_key = assessor.element_keys
        with_lemma = by_key.get(lemma, ())
        elements = {
            number for number, cforms in with_lemma if cforms is None or cform.startswith(cforms)
        }
        if surface != lemma:
            decided = {number for number, _ in with_lemma}
            elements.update(
                number
                for number, cforms in by_key.get(surface, ())
                if number not in decided and (cforms is None or cform.startswith(cforms))
            )
        self.elements = frozenset(elements) if elements else _NO_ELEMENTS

        index = assessor.index
        candidates = index.get(lemma)
        if surface != lemma:
            more = index.get(surface)
            if more:
                candidates = candidates + more if candidates else more
        if candidates:
            # A word rule can only start here if this morpheme matches its first element
            # (conjugation forms included): decided once per morpheme, not per message.
            # (Order and repeats are kept: evidence order depends on them.)
            candidates = tuple(
                rule for rule in candidates if rule.first < 0 or rule.first in elements
            )
        self.candidates = candidates or None
        # Merged compounds are never merged again.
        compounds = None if merged else lexicon.compounds.get(surface)
        self.compound = None
        if compounds:
            by_next: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {}
            for entry in compounds:
                by_next[entry[0][1]] = (*by_next.get(entry[0][1], ()), entry)
            self.compound = by_next
        self.negation = lemma in grammar.negation_lemmas and pos1 in _NEGATION_POS
        self.dialect = dialect = surface in grammar.negation_surfaces_after_adjective or (
            surface == _N and lemma == _NO
        )
        self.dialect_enabler = pos1 == "形容詞" or lemma == "だ"
        # (Not し|ん|だ: しんだ, 死んだ spelt in kana, read as する.)
        self.irrealis = (
            (pos1 == "動詞" or lemma in _VERB_SUFFIXES)
            and cform.startswith(_IRREALIS_FORMS)
            and not (lemma == _DO and cform.startswith(_CONTINUATIVE))
        )
        # Quote brackets keep a title or quotation inside its sentence: 「死にたい夜に」って本.
        self.mark = mark = pos1 == "補助記号" and pos2 not in _BRACKETS
        # A wave dash draws a word out (無理〜死ぬ〜): it may end a clause, not a sentence.
        self.sentence_mark = mark and pos2 != "読点" and surface not in _WAVE_DASHES
        clause_after = pos2 == "接続助詞" and lemma in grammar.clause_particles
        self.clause_break = mark or clause_after
        self.conjunction = pos1 == "接続詞"
        helper_verb = pos1 == "動詞" and lemma in grammar.gap_verbs
        self.gap = pos1 in _GAP_POS or helper_verb
        self.transparent = pos1 in _FUNCTION_POS or has_key(grammar.transparent) or helper_verb
        # How often (毎日, ずっと) lets the past tense reach back (消えたいって毎日思ってた is
        # past), but not a negation: 死にたいって毎日思うわけじゃない is "not every day".
        self.past_transparent = self.transparent or has_key(grammar.frequency)
        self.not_negation = lemma in grammar.not_negation_markers
        self.conditional = (
            lemma in grammar.conditional_after_negation
            or surface in grammar.conditional_after_negation
        )
        self.obligation = has_key(grammar.obligation)
        self.question = has_key(grammar.question_after_negation)
        self.past = lemma in grammar.past_lemmas
        self.past_aux = self.past and pos1 == "助動詞"
        self.joke = surface in grammar.joke_surfaces
        markers = pair_first = 0
        for bit, words in assessor.marker_lists:
            # A counter suffix is no film or book: 5本目 (the fifth can), not 本.
            if has_key(words) and not (bit == _MEDIA and pos1 == "接尾辞"):
                markers |= bit
            if surface in assessor.marker_pairs[bit]:
                pair_first |= bit
        self.markers = markers
        self.pair_first = pair_first
        self.subject_particle = surface in grammar.subject_particles and pos1 == "助詞"
        self.other_person = has_key(grammar.other_people)
        self.predicate_stop = pos1 in _PREDICATE_POS and lemma not in grammar.gap_verbs
        particle = pos1 == "助詞"
        self.topic = particle and surface in grammar.topic_particles
        self.quote = particle and surface in grammar.quote_particles
        self.speech_verb = pos1 == "動詞" and lemma in grammar.speech_verbs
        self.passive = lemma in grammar.passive
        list_bits = assessor.word_list_bits
        self.flags = (
            list_bits.get(lemma, 0)
            | list_bits.get(surface, 0)
            | markers
            | pair_first
            | (_JOKE if self.joke else 0)
            | (_NEGATION if self.negation else 0)
            | (_DIALECT if dialect else 0)
            | (_OTHER_PERSON if self.other_person else 0)
            | (_CANDIDATES if self.candidates else 0)
            | (_COMPOUND if self.compound else 0)
            | (_CONJUNCTION if self.conjunction else 0)
            | (_SPEECH_VERB if self.speech_verb else 0)
            | (
                _OBLIGATION_CUE
                if self.conditional or (self.negation and cform.startswith(_CONDITIONAL_FORM))
                else 0
            )
            | reduce(or_, map(assessor.element_bits.get, elements, repeat(0)), 0)
        )


_NO_ELEMENTS: frozenset[int] = frozenset()

_get_flags = attrgetter("flags")
_get_length = attrgetter("length")
_get_negation = attrgetter("negation")
_get_clause_break = attrgetter("clause_break")
_get_conjunction = attrgetter("conjunction")
_get_sentence_mark = attrgetter("sentence_mark")
_get_candidates = attrgetter("candidates")
_get_lemma = attrgetter("lemma")
_get_compound = attrgetter("compound")


class _Message:
    """One tokenised message with its clause structure (per-call scratch state).

    Built only for replies where some rule may match. Clause starts come from C-level
    passes over the tokens' flags; sentences and character offsets are worked out only
    when a rule has fired and needs them.
    """

    __slots__ = (
        "_offsets",
        "_sentence_start",
        "clause_end",
        "clause_start",
        "gap_breaks",
        "gaps",
        "n",
        "negation",
        "packed_ends",
        "present",
        "run_positions",
        "run_totals",
        "text",
        "tokens",
    )

    def __init__(
        self,
        text: str,
        tokens: list[_Tok],
        present: int,
        packed_ends: list[int],
        gaps: list[int],
        runs: tuple[list[int], list[int]] | None = None,
        offsets: tuple[list[int], list[int]] | None = None,
        word_spaced: bool = False,
    ) -> None:
        """Offsets come in one of three forms.

        Tokens are contiguous (``runs`` and ``offsets`` None): offsets are cumulative
        lengths. Only spaces lie between tokens (``runs``): the positions of the space
        runs in the text without spaces, and the number of spaces up to each. Otherwise
        ``offsets`` are the tokens' (starts, ends). ``gaps``: indexes of tokens with a
        space before them (never 0). ``word_spaced``: the spaces separate words, not
        phrases (see :func:`_word_spaced`), so they do not end clauses or sentences.
        """
        self.text = text
        self.tokens = tokens
        self.n = n = len(tokens)
        self.present = present  # the OR of the tokens' flags
        self.gaps = gaps
        # Spaces that end a clause and a sentence (none when they only separate words).
        self.gap_breaks = breaks = [] if word_spaced else gaps
        # Ends of the tokens in the text without spaces (unused with ``offsets``).
        self.packed_ends = packed_ends
        self.run_positions, self.run_totals = runs if runs is not None else ((), ())
        self._offsets = offsets
        if present & (_NEGATION | _DIALECT):
            self.negation = negation = list(map(_get_negation, tokens))
            for i in compress(range(1, n), negation[1:]):
                # 逝けるんよ: ん after a dictionary form is の (the negative ん follows the
                # irrealis form: 逝けんよ), though MeCab sometimes reads it as ず.
                if tokens[i].surface == "ん" and tokens[i - 1].cform.startswith(_PLAIN_FORMS):
                    negation[i] = False
                # 借金がなくならない: "does not go away" denies nothing.
                elif tokens[i - 1].lemma == _RUN_OUT and negation[i - 1]:
                    negation[i - 1] = negation[i] = False
            if present & _DIALECT:
                # 博多: 寂しくなか, 大丈夫じゃなか — a negation after an adjective or だ.
                for i in range(1, n):
                    if not negation[i] and tokens[i].dialect:
                        before = tokens[i - 1]
                        negation[i] = (
                            before.irrealis if tokens[i].surface == _N else before.dialect_enabler
                        )
        else:
            self.negation = [False] * n
        # A clause starts after punctuation or a clause-ending particle, at a conjunction,
        # and after a space.
        clause_start = [0, *compress(range(1, n), map(_get_clause_break, tokens))]
        if present & _CONJUNCTION:
            conjunctions = compress(range(1, n), map(_get_conjunction, islice(tokens, 1, None)))
            clause_start = sorted({*clause_start, *conjunctions})
        for gap in breaks:
            k = bisect_left(clause_start, gap)
            if k == len(clause_start) or clause_start[k] != gap:
                clause_start.insert(k, gap)
        self.clause_start = clause_start
        self.clause_end = clause_end = [*clause_start[1:], n]
        if (present & (_NEGATION | _OBLIGATION_CUE)) == _NEGATION | _OBLIGATION_CUE and any(
            # (The first token is not looked at, as before: a reply rarely starts so.)
            tokens[i].cform.startswith(_CONDITIONAL_FORM)
            or (i + 1 < n and tokens[i + 1].conditional)
            for i in compress(range(1, n), map(_get_negation, islice(tokens, 1, None)))
        ):
            # 払わなきゃ, 寝ないと(いけない): an obligation, not an inability. A wish
            # (覚めなければいいのに) or a quote (ないと思う) stays a negation.
            for i in range(n):
                if negation[i]:
                    end = _obligation(tokens, clause_end[bisect_right(clause_start, i) - 1], i)
                    if end >= 0:
                        negation[i] = False
                        # ...and いけない/ならない's own ない is part of the "must".
                        if end < n and negation[end]:
                            negation[end] = False
        self._sentence_start: list[int] | None = None

    def clause_range(self, i: int) -> tuple[int, int]:
        """First and one-past-last token of the clause token ``i`` is in."""
        clause = bisect_right(self.clause_start, i) - 1
        return self.clause_start[clause], self.clause_end[clause]

    def sentence_range(self, i: int) -> range:
        """The tokens of the sentence token ``i`` is in (after a full stop or a space)."""
        starts = self._sentence_start
        if starts is None:
            marks = compress(range(1, self.n), map(_get_sentence_mark, self.tokens))
            breaks = self.gap_breaks
            starts = [0, *sorted({*marks, *breaks})] if breaks else [0, *marks]
            self._sentence_start = starts
        k = bisect_right(starts, i)
        return range(starts[k - 1], starts[k] if k < len(starts) else self.n)

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Character offsets from the start of token ``first`` to the end of ``last``."""
        if self._offsets is not None:
            return self._offsets[0][first], self._offsets[1][last]
        ends = self.packed_ends
        start = ends[first - 1] if first else 0
        end = ends[last]
        positions = self.run_positions
        if positions:
            # Spaces at a token's packed start come before it; at its packed end, after.
            k = bisect_right(positions, start)
            start += self.run_totals[k - 1] if k else 0
            k = bisect_left(positions, end)
            end += self.run_totals[k - 1] if k else 0
        return start, end

    def offsets(self) -> tuple[list[int], list[int]]:
        """Every token's (start, end) character offsets in the text."""
        if self._offsets is None:
            packed_ends = self.packed_ends
            packed_starts = [0, *packed_ends[:-1]] if packed_ends else []
            starts, ends = packed_starts[:], packed_ends[:]
            added = 0
            for position, total in zip(self.run_positions, self.run_totals, strict=True):
                # Spaces at a token's packed start come before it; at its packed end, after.
                spaces, added = total - added, total
                k = bisect_left(packed_starts, position)
                starts[k:] = [start + spaces for start in starts[k:]]
                k = bisect_right(packed_ends, position)
                ends[k:] = [end + spaces for end in ends[k:]]
            self._offsets = starts, ends
        return self._offsets


def _obligation(tokens: list[_Tok], clause_end: int, i: int) -> int:
    """-1, or the end of "must" if the negation at ``i`` starts one (〜なきゃ, 〜ないと).

    ``clause_end``: one past the last token of ``i``'s clause.
    """
    n = len(tokens)
    k = i + 1
    if k < n and tokens[k].conditional:
        k += 1
    elif not tokens[i].cform.startswith(_CONDITIONAL_FORM):
        return -1
    # The obligation ends the clause (払わなきゃ) or is spelt out (ないといけない, なきゃだめ).
    if k >= clause_end or tokens[k].mark:
        return k
    return k + 1 if tokens[k].obligation else -1


def _packed_gaps(packed_ends: list[int], positions: list[int]) -> list[int]:
    """Indexes of the tokens that start where a space run is (in the packed text)."""
    gaps = []
    last = len(packed_ends) - 1
    for position in positions:
        k = bisect_left(packed_ends, position)  # token k ends there, k + 1 starts there
        if k < last and packed_ends[k] == position:
            gaps.append(k + 1)
    return gaps


def _gaps(starts: list[int], ends: list[int]) -> list[int]:
    """Indexes of the tokens with a space (or anything dropped) before them."""
    return list(compress(range(1, len(starts)), map(int.__gt__, islice(starts, 1, None), ends)))


def _merged_offsets(
    tokens: list[_Tok], merged: list[_Tok], starts: list[int], ends: list[int]
) -> tuple[list[int], list[int]]:
    """Offsets of ``merged`` (``tokens`` with some runs merged into one token each)."""
    merged_starts: list[int] = []
    merged_ends: list[int] = []
    i = 0
    for token in merged:
        count = 1
        if token is not tokens[i]:  # a merged run: as many tokens as spell its surface
            length = tokens[i].length
            while length < token.length:
                length += tokens[i + count].length
                count += 1
        merged_starts.append(starts[i])
        merged_ends.append(ends[i + count - 1])
        i += count
    return merged_starts, merged_ends


def _reason_span(
    reasons: tuple[str, ...], tokens: list[_Tok], text: str, tokenizer_text: str
) -> tuple[int, int]:
    """Offsets in ``text`` of the model's strongest reason (a lemma or a lemma pair).

    (0, 0) when there is none, or when the tokenised text does not line up with ``text``
    (romaji read as kana): the caller then shows the reason itself.
    """
    if not reasons or len(tokenizer_text) != len(text):
        return 0, 0
    wanted = reasons[0].split(BIGRAM_JOIN)
    position = 0
    starts: list[int] = []
    ends: list[int] = []
    for token in tokens:  # MeCab drops spaces: find each surface after the previous one
        start = tokenizer_text.find(token.surface, position)
        if start < 0:
            return 0, 0
        position = start + len(token.surface)
        starts.append(start)
        ends.append(position)
    lemmas = [token.lemma for token in tokens]
    for i in range(len(tokens) - len(wanted) + 1):
        if lemmas[i : i + len(wanted)] == wanted:
            return starts[i], ends[i + len(wanted) - 1]
    return 0, 0


def _model_terms(tokens: list[_Tok]) -> Collection[tuple[float, ...]]:
    """The learned model's terms of the distinct features (lemmas and adjacent lemma pairs)
    of these morphemes: what ``model.features`` of their lemmas would look up, without
    building the pairs' strings."""
    found: dict[int, tuple[float, ...]] = {}  # each feature's terms are one shared tuple
    pairs = None
    for token in tokens:
        term = token.model_term
        if term is not None:
            found[id(term)] = term
        if pairs is not None:
            term = pairs.get(token.lemma)
            if term is not None:
                found[id(term)] = term
        pairs = token.model_pairs
    return found.values()


def _word_spaced(text: str) -> bool:
    """Whether spaces in ``text`` separate words (わかち書き), as in very simple writing.

    おかね ない ごはん たべてない: the spaces stand between words, where other writers put
    nothing, so clause rules must reach across them. In ordinary writing a space ends a
    phrase (疲れた 眠い), like a comma. Word spacing is told by short chunks between spaces
    and punctuation: at least three (でんき とめられた。さむい、あかちゃん いる), or two
    very short ones (でんき とめられた).
    """
    if " " not in text:
        return False
    chunks = [chunk for chunk in _CHUNK_BREAK.split(text) if chunk]
    chars = sum(map(len, chunks))
    if len(chunks) >= 3:
        return chars <= _WORD_CHUNK * len(chunks)
    return len(chunks) == 2 and chars <= _TWO_WORDS


def _summed_up_after(tokens: list[_Tok], comma: int) -> bool:
    """Token ``comma`` is a comma after とか or なんて, and the clause after it starts by
    summing up what came before (そういう, そんな: 死にたいとか、そんなことは思ってない) or
    with words a negation reaches across (死にたいとか、ほんと今は思ってない)."""
    if comma < 2 or comma + 1 >= len(tokens) or tokens[comma].pos1 != _SYMBOL:
        return False
    before = tokens[comma - 1].surface
    dismissive = before in _QUOTE_DISMISSIVE or (
        before == "か" and tokens[comma - 2].surface == "と"
    )
    following = tokens[comma + 1]
    if not dismissive or (following.surface not in _SUMMING_UP and not following.transparent):
        return False
    # そういうレベルじゃない, そんな程度じゃない: beyond it, not free of it. (A risk said
    # again after the denial is a match of its own.)
    return not any(token.lemma in _BEYOND for token in islice(tokens, comma + 2, comma + 6))


def _quoted_after(message: _Message, comma: int) -> bool:
    """Token ``comma`` is a comma right before the quoting と or って, and the thought is
    denied at once (死にたい、とまでは思わない; not 消えたい、と思っちゃいけない)."""
    tokens = message.tokens
    n = message.n
    k = comma + 1
    if k >= n or tokens[comma].pos1 != _SYMBOL or tokens[k].surface not in _QUOTING:
        return False
    k += 1
    while k < n and tokens[k].surface in _QUOTE_PARTICLES:
        k += 1
    return k + 1 < n and tokens[k].lemma in _THINK_OR_SAY and message.negation[k + 1]


def _corrected_after(tokens: list[_Tok], j: int) -> bool:
    """Punctuation at ``j`` (…, 、) followed by じゃなくて or ではなくて: what came before
    is taken back and replaced by what follows (身辺整理…じゃなくて断捨離ね)."""
    n = len(tokens)
    while j < n and tokens[j].pos1 == _SYMBOL:
        j += 1
    return (
        j + 2 < n
        and tokens[j].surface in _NOT_BUT
        and tokens[j + 1].surface == "なく"
        and tokens[j + 2].surface == "て"
        # 死にたい…じゃなくて、死ぬ: the correction may say it more strongly.
        and not _serious_ahead(tokens, j + 3)
    )


def _serious_ahead(tokens: list[_Tok], start: int) -> bool:
    """Whether a rule that can reach high or urgent (boosted or not) may match from token
    ``start`` on: then what follows a correction or a summing-up may restate the risk,
    and the words before it stay read as they are (when unsure, keep it visible)."""
    return any(
        rule.rank >= _HIGH_RANK or rule.boost_rank >= _HIGH_RANK
        for token in islice(tokens, start, None)
        if token.candidates
        for rule in token.candidates
    )


def _any_flag(tokens: list[_Tok], begin: int, end: int, bit: int) -> bool:
    """Whether a token from ``begin`` to ``end - 1`` has ``bit`` in its flags."""
    return bool(reduce(or_, map(_get_flags, tokens[begin:end]), 0) & bit)


def _any_affirmed(message: _Message, begin: int, end: int, bit: int, first: int, last: int) -> bool:
    """Whether a token from ``begin`` to ``end - 1`` has ``bit`` and is said as a fact.

    An exception verb that is denied says the opposite (熱が下がらない is no recovery,
    治ってない no cure); one that is asked about, wished for or only thought says
    nothing yet (治りますか, 治ってほしい, 治ったと思ったら); one followed by あと only
    orders events (切ったあと振り込んでた). A condition or a report still counts:
    すぐ冷やしたら引いた is "when", a fact; 変わるって聞いた is news.
    Verbs only, with a noun or adverb before する/できる (完済できない, ほっとできない),
    and only the helpers right after one. A denied verb that describes a noun names the
    everyday thing (いらない本をあげた) unless the noun is the match itself (治らない病気);
    a denied noun or adjective still names the everyday topic (寒くないって喜んでた).
    ``first`` … ``last``: the match.
    """
    tokens = message.tokens
    n = message.n
    for k in range(begin, end):
        token = tokens[k]
        if not token.flags & bit:
            continue
        verb = k
        if token.pos1 != "動詞":
            if k + 1 < n and tokens[k + 1].lemma in _DO_OR_CAN and token.pos1 in _DONE_POS:
                verb = k + 1
            elif _not_for(tokens, k + 1):
                continue  # キャンプ用じゃない: what it is not for names no everyday use
            else:
                return True
        if not _unsettled(message, verb, first, last):
            return True
    return False


def _not_for(tokens: list[_Tok], j: int) -> bool:
    """用 じゃ/では ない at ``j``: "not for" what precedes (キャンプ用じゃない)."""
    if j >= len(tokens) or tokens[j].surface != "用":
        return False
    k = j + 1
    while k < len(tokens) and tokens[k].lemma in ("だ", "は"):
        k += 1
    return k > j + 1 and k < len(tokens) and tokens[k].lemma == "無い"


def _unsettled(message: _Message, k: int, first: int, last: int) -> bool:
    """The verb at ``k`` is denied, asked about, wished for or only thought by the helpers
    right after it (治ら|ない, 治っ|て|ない, 治り|ます|か, 治っ|て|ほしい, 治っ|た|と|思う;
    not 飲み忘れ|なし, nor いら|ない|本 unless the noun is in the match, nor a negation
    that is the match's own)."""
    tokens = message.tokens
    n = message.n
    for j in range(k + 1, min(k + 5, n)):
        token = tokens[j]
        if message.negation[j]:
            # 薬飲んでも効かない: the match's own negation; the word names its topic.
            if token.surface in _NONE_AFTER_NOUN or first <= j <= last:
                return False
            after = j + 1
            return not (
                after < n
                and tokens[after].pos1 == "名詞"
                and tokens[after].lemma not in _STATE_NOUNS
                and after not in message.gaps
                and not first <= after <= last
            )
        if (
            token.question
            or token.lemma == _WISH
            or token.lemma == _AFTER
            or (token.quote and j + 1 < n and tokens[j + 1].lemma in _THINK)
        ):
            return True
        if token.pos1 not in _FUNCTION_POS or token.clause_break:
            return False
    return False


class Assessor:
    """Applies a compiled :class:`Lexicon` (and, if given, the learned model) to messages.

    Stateless between calls. (Its caches of per-morpheme facts only ever grow towards a
    bound; they never change a result.)
    """

    def __init__(self, lexicon: Lexicon, model: DistressModel | None = None) -> None:
        self.lexicon = lexicon
        # The learned second opinion (see model.py): raises, never lowers.
        self.model = model
        # Rules whose own level is urgent: when one matched and was judged lower (negated,
        # an idiom, someone else's words, an everyday object), the rules have read those
        # very words, and the model does not overrule their reading. (Not rules that say
        # urgent only with a boost word: without one they are often urgent all the same,
        # and in cross-validation that check cost 45 of 1,077 urgent replies to spare 7.)
        self._urgent_rule_ids = frozenset(
            rule.id for rule in lexicon.rules if rule.level is Level.URGENT
        )
        # Likewise a serious rule (high or urgent) that matched negated: a bag of words cannot
        # read お酒と薬は一緒に飲まないようにしてる; the rules' negation can.
        self._serious_rule_ids = frozenset(
            rule.id for rule in lexicon.rules if rule.level >= Level.HIGH
        )
        self.grammar = grammar = lexicon.grammar
        # Every pattern element gets a number; each key (lemma or surface) lists the
        # elements it is a key of, with the conjugation forms it must have there.
        number: dict[int, int] = {}
        self.element_keys: dict[str, list[tuple[int, tuple[str, ...] | None]]] = {}
        for rule in lexicon.rules:
            for element in (*rule.words, *rule.all_of, *rule.unless_prev, *rule.unless_next):
                if id(element) in number:
                    continue
                number[id(element)] = len(number)
                for key in element.keys:
                    self.element_keys.setdefault(key, []).append(
                        (number[id(element)], element.cforms.get(key))
                    )
        # Each element that a rule needs beyond its first (not optional, not matched by a
        # negation instead) gets a bit of _Tok.flags.
        needed = {
            number[id(element)]
            for rule in lexicon.rules
            for element in (*rule.words[1:], *rule.all_of)
            if not (element.negation or element.optional)
        }
        self.element_bits = {
            element: _FIRST_ELEMENT_BIT << k for k, element in enumerate(sorted(needed))
        }
        self._element_mask = ((1 << len(needed)) - 1) * _FIRST_ELEMENT_BIT
        first_word_list_bit = _FIRST_ELEMENT_BIT << len(needed)
        # All word-list bits (a negative mask: every bit from the first list bit up).
        self._word_list_mask = -first_word_list_bit
        # Each distinct word list of the rules gets a bit; each word, the bits of its lists.
        list_bits: dict[frozenset[str], int] = {}
        self.word_list_bits: dict[str, int] = {}
        for rule in lexicon.rules:
            for words in (rule.unless_clause, rule.unless_message, rule.soften_clause, rule.boost):
                if words and words not in list_bits:
                    bit = list_bits[words] = first_word_list_bit << len(list_bits)
                    for word in words:
                        self.word_list_bits[word] = self.word_list_bits.get(word, 0) | bit
        compiled = {
            id(rule): _Compiled(
                rule, number, list_bits, self.element_bits, grammar.other_person_categories
            )
            for rule in lexicon.rules
        }
        self.index: dict[str, tuple[_Compiled, ...]] = {
            key: tuple(compiled[id(rule)] for rule in rules) for key, rules in lexicon.index.items()
        }
        # Regex rules (emoji, slang) run only when the text contains one of the substrings
        # every match of theirs contains; rules without such substrings always run. Rules
        # run in lexicon order, so ties in the evidence order are stable.
        self._regex_rules_all = tuple(compiled[id(rule)] for rule in lexicon.regex_rules)
        self._regex_patterns = tuple(rule.regex for rule in lexicon.regex_rules)
        # Each rule with its pattern, as one tuple that every cached rule set (see
        # _regex_rules) shares: a pair per rule per set made the cache ~66,000 small
        # tuples, which a full garbage collection traverses one by one.
        self._regex_pairs = tuple(zip(self._regex_rules_all, self._regex_patterns, strict=True))
        self._regex_gate = SubstringGate(self._regex_patterns)  # type: ignore[arg-type]
        # The same substrings gated together with the normaliser's rewrites, in one pass
        # over the text while normalising (rewrites' bits first, then the regex rules').
        # Most replies come out of normalising unchanged, and then its mask holds theirs.
        self._normalize = lexicon.normalizer.normalize_gated
        gated = lexicon.normalizer.gated_patterns
        self._shared_gate = SubstringGate([*gated, *self._regex_patterns])  # type: ignore[list-item]
        self._regex_shift = len(gated)
        self._regex_sets: dict[int, tuple[tuple[_Compiled, Any], ...]] = {}
        # Context word lists, as bits of _Tok.markers; two-word markers ("前+は") by their
        # first word.
        self.marker_lists = (
            (_MEDIA, grammar.media),
            (_STILL, grammar.still),
            (_DISTANT_PAST, grammar.distant_past),
            (_UNTIL, grammar.until),
            (_RECENT, grammar.recent),
            (_RESOLVED, grammar.resolved),
            (_NOW, grammar.now_contrast),
        )
        self.marker_pairs: dict[int, dict[str, frozenset[str]]] = {}
        for bit, words in self.marker_lists:
            pairs: dict[str, set[str]] = {}
            if bit != _RESOLVED:  # resolved words are looked up as single words only
                for word in words:
                    # "A+B" matches surfaces s, t when f"{s}+{t}" == word: every split.
                    for k, char in enumerate(word):
                        if char == "+":
                            pairs.setdefault(word[:k], set()).add(word[k + 1 :])
            self.marker_pairs[bit] = {key: frozenset(value) for key, value in pairs.items()}
        self._toks: dict[str, _Tok] = {}
        self._merged: dict[str, _Tok] = {}

    # -- public -------------------------------------------------------------------------

    def assess(self, text: str) -> Assessment:
        """Assess one message. Never raises on odd input; empty text is ``none``."""
        prepared = self._prepared(text)
        if prepared is None:
            return _NOTHING
        tokens = self._tokens(prepared[1])
        return self._with_model(self._ruled(prepared, tokens), prepared, tokens)

    def assess_many(self, texts: Sequence[str]) -> list[Assessment]:
        """Assess many messages: the verdicts of :meth:`assess` on each, in order.

        Quicker in bulk (a file of replies, a corpus): each batch goes through one stage at
        a time, so each stage's data stays in the CPU caches from one reply to the next
        instead of being evicted by the others' (MeCab's connection matrix above all).
        """
        results: list[Assessment] = []
        for start in range(0, len(texts), _BATCH):
            prepared = list(map(self._prepared, texts[start : start + _BATCH]))
            tokens = [[] if item is None else self._tokens(item[1]) for item in prepared]
            verdicts = [
                _NOTHING if item is None else self._ruled(item, morphemes)
                for item, morphemes in zip(prepared, tokens, strict=True)
            ]
            results.extend(
                verdict if item is None else self._with_model(verdict, item, morphemes)
                for verdict, item, morphemes in zip(verdicts, prepared, tokens, strict=True)
            )
        return results

    def _prepared(self, text: str) -> tuple[str, str, int | None] | None:
        """``(text, tokenizer_text, regex mask)`` of a message, normalised; None if blank."""
        if not text or text.isspace():
            return None
        text, tokenizer_text, mask = self._normalize(text, self._shared_gate)
        return text, tokenizer_text, None if mask is None else mask >> self._regex_shift

    def _ruled(self, prepared: tuple[str, str, int | None], tokens: list[_Tok]) -> Assessment:
        """The rules' verdict on a prepared message and its morphemes."""
        return self._assess_tokens(prepared[0], prepared[1], tokens, prepared[2])

    def _with_model(
        self, result: Assessment, prepared: tuple[str, str, int | None], tokens: list[_Tok]
    ) -> Assessment:
        """The rules' verdict ``result``, raised if the learned model is sure it is more
        serious (only below urgent, and only with a model)."""
        if self.model is None or result.level is Level.URGENT:
            return result
        return self._second_opinion(self.model, result, prepared[0], prepared[1], tokens)

    def with_model(self, model: DistressModel | None) -> Assessor:
        """This assessor with another learned model (or none), sharing the compiled lexicon
        and its caches: building an assessor compiles the whole lexicon (about a second)."""
        twin = copy.copy(self)
        twin.model = model
        if model is not self.model:
            twin._toks = {}  # its morphemes hold the model's terms
        return twin

    def lemmas(self, text: str) -> list[str]:
        """The lemmas of ``text`` as the assessor reads it (normalised): the model's input."""
        if not text or text.isspace():
            return []
        _, tokenizer_text, _ = self._normalize(text, self._shared_gate)
        return [token.lemma for token in self._tokens(tokenizer_text)]

    def _second_opinion(
        self,
        model: DistressModel,
        result: Assessment,
        text: str,
        tokenizer_text: str,
        tokens: list[_Tok],
    ) -> Assessment:
        """``result``, raised when the model is sure the reply is more serious."""
        scores = model.scores_of(_model_terms(tokens))
        if not model.may_raise(scores, result.level):
            return result
        urgent_ids, serious_ids = self._urgent_rule_ids, self._serious_rule_ids
        for item in result.evidence:
            if item.rule in urgent_ids or (item.rule in serious_ids and _NEGATED in item.note):
                return result  # the rules read the risk words here and judged them lower
        lemmas = list(map(_get_lemma, tokens))
        opinion = model.second_opinion(lemmas, result.level, scores)
        if opinion is None:
            return result
        level = opinion.level
        kinds = model.categories(lemmas, level)
        start, end = _reason_span(opinion.reasons, tokens, text, tokenizer_text)
        item = _evidence(
            text[start:end] if end else opinion.reasons[0] if opinion.reasons else "",
            MODEL_RULES[level],
            kinds[0],
            level,
            f"model p={opinion.probability:.2f}",
            start,
            end,
            kinds,
        )
        found = {*kinds, *result.categories}
        categories = tuple(category for category in CATEGORIES if category in found)
        return _assessment(level, categories, (item, *result.evidence))

    def _tokens(self, tokenizer_text: str) -> list[_Tok]:
        """The morphemes of ``tokenizer_text`` (MeCab, then the per-line cache)."""
        lines = mecab_lines(tokenizer_text)
        tokens = list(map(self._toks.get, lines))
        if None in tokens:  # morphemes seen for the first time
            tokens = [token or self._tok(line) for token, line in zip(tokens, lines, strict=True)]
        return tokens  # type: ignore[return-value]

    def _assess_tokens(
        self, text: str, tokenizer_text: str, tokens: list[_Tok], regex_mask: int | None = None
    ) -> Assessment:
        """The rules' verdict on a normalised, tokenised message.

        ``regex_mask``: the regex gate's mask of ``text`` if known (None: ask the gate).
        """
        present = reduce(or_, map(_get_flags, tokens), 0)
        # search() finds a match exactly when finditer() would; most rules find none.
        regex_matches = [
            (rule, [match.span() for match in pattern.finditer(text)])
            for rule, pattern in self._regex_rules(text, regex_mask)
            if pattern.search(text)
        ]
        if " " in text and _word_spaced(text):
            regex_matches += self._word_spaced_matches(text)
        if not present & (_CANDIDATES | _COMPOUND) and not regex_matches:
            return _NOTHING  # the common case: nothing in the reply can start a rule
        message = self._message(text, tokenizer_text, tokens, present)
        tokens = message.tokens
        evidence: list[_Entry] = []
        seen: set[tuple[str, int]] = set()
        # Element bits no token has (a small positive int: quick to AND with).
        absent = ~message.present & self._element_mask
        for i in compress(range(message.n), map(_get_candidates, tokens)):
            clause: tuple[int, int] | None = None
            for rule in tokens[i].candidates:  # type: ignore[union-attr]
                words = rule.words
                if len(words) == 1:
                    # The index put the rule here: token i matches words[0] (see
                    # _Tok.candidates).
                    self._judge(message, rule, i, i, evidence, seen)
                    continue
                if rule.needs & absent:
                    continue  # an element it needs is nowhere in the message
                if clause is None:
                    clause = message.clause_range(i)
                if words:
                    end = self._match_rest(message, words, 1, i + 1, clause[1])
                    if end >= 0:
                        self._judge(message, rule, i, end - 1, evidence, seen)
                else:
                    found = self._match_all_of(message, rule.all_of, *clause)
                    if found is not None:
                        self._judge(message, rule, found[0], found[1], evidence, seen)
        for rule, spans in regex_matches:
            for start, end in spans:
                first, last = self._token_range(message, start, end)
                self._judge(message, rule, first, last, evidence, seen, start, end)
        if not evidence:
            return _NOTHING
        if len(evidence) == 1:
            item = evidence[0][3]
            level = item.level
            if level is Level.NONE:
                return _assessment(level, (), (item,))
            categories = item.categories
            if len(categories) > 1:
                categories = tuple(category for category in CATEGORIES if category in categories)
            return _assessment(level, categories, (item,))
        # Highest level first, then by position, ties in the order found: the entries'
        # (-rank, start, number) say exactly that, and compare in C.
        evidence.sort()
        found_categories: set[str] = set()
        for negative_rank, _, _, item in evidence:
            if negative_rank:  # not Level.NONE
                found_categories.update(item.categories)
        categories = tuple(category for category in CATEGORIES if category in found_categories)
        return _assessment(
            _LEVELS[-evidence[0][0]], categories, tuple(entry[3] for entry in evidence)
        )

    # -- tokens -------------------------------------------------------------------------

    def _tok(self, line: str) -> _Tok:
        cache = self._toks
        if len(cache) >= _TOK_CACHE_MAX:
            cache.clear()
        token = cache[line] = _Tok(parse_line(line), self)
        return token

    def _merged_tok(self, word: str, parts: list[_Tok]) -> _Tok:
        """The one token of a merged compound (``parts``: the tokens it replaces)."""
        token = self._merged.get(word)
        if token is None:
            token = _Tok((word, word, "名詞", "一般", ""), self, merged=True)
            # The parts stay in the word lists they are in (unless_clause, boost…): 食べすぎ
            # in one rule's list must not hide 食べる from another's. (Their pattern elements
            # are not kept: a compound such as ホームラン is merged so ホーム matches nothing.)
            token.flags |= reduce(or_, map(_get_flags, parts), 0) & self._word_list_mask
            token.parts = tuple(word for part in parts for word in (part.surface, part.lemma))
            self._merged[word] = token
        return token

    def _regex_rules(self, text: str, mask: int | None = None) -> tuple[tuple[_Compiled, Any], ...]:
        """The regex rules that may match ``text`` with their patterns, in lexicon order.

        ``mask``: the regex gate's mask of ``text``, if already known.
        """
        if mask is None:
            mask = self._regex_gate.mask(text)
        rules = self._regex_sets.get(mask)
        if rules is None:
            # Only the set bits are visited (a few of hundreds), lowest first: new masks
            # are common enough (several in a hundred replies) for a walk over every bit
            # to cost more than the cache saves.
            found = []
            rest = mask
            while rest:
                low = rest & -rest
                k = low.bit_length() - 1
                found.append(self._regex_pairs[k])
                rest ^= low
            rules = tuple(found)
            if len(self._regex_sets) < 10_000:
                self._regex_sets[mask] = rules
        return rules

    def _word_spaced_matches(self, text: str) -> list[tuple[_Compiled, list[tuple[int, int]]]]:
        """Regex matches in word-spaced ``text`` read without its spaces, as spans of ``text``.

        Simple writing puts spaces between words (ガス の せん あけた) where the lexicon's
        patterns expect none (ガスの栓): the patterns also run on the text without spaces.
        Matches that need a space (English words) are found on ``text`` itself; a rule
        gives one piece of evidence per start all the same.
        """
        joined = text.replace(" ", "")
        positions = [i for i, char in enumerate(text) if char != " "]
        found = []
        for rule, pattern in self._regex_rules(joined):
            spans = [
                (positions[match.start()], positions[match.end() - 1] + 1)
                for match in pattern.finditer(joined)
                if match.end() > match.start()
            ]
            if spans:
                found.append((rule, spans))
        return found

    def _message(
        self, text: str, tokenizer_text: str, tokens: list[_Tok], present: int
    ) -> _Message:
        if present & _COMPOUND and " " not in tokenizer_text:
            merged = self._merge_compounds(tokens, ())
            if merged is not tokens:
                tokens = merged
                present = reduce(or_, map(_get_flags, tokens), 0)
        packed_ends = list(accumulate(map(_get_length, tokens)))
        if " " not in tokenizer_text:
            # MeCab drops spaces; without any, tokens are contiguous and offsets cumulative.
            return _Message(text, tokens, present, packed_ends, [])
        if packed_ends and packed_ends[-1] + tokenizer_text.count(" ") == len(tokenizer_text):
            # MeCab dropped the spaces and nothing else: tokens are contiguous in the text
            # without spaces ("packed"), and each space run sits at one position of it.
            positions: list[int] = []
            totals: list[int] = []
            total = 0
            start = tokenizer_text.find(" ")
            while start >= 0:
                end = start + 1
                while tokenizer_text.startswith(" ", end):
                    end += 1
                positions.append(start - total)
                total += end - start
                totals.append(total)
                start = tokenizer_text.find(" ", end)
            gaps = _packed_gaps(packed_ends, positions)
            if present & _COMPOUND:
                merged = self._merge_compounds(tokens, gaps)
                if merged is not tokens:
                    tokens = merged
                    present = reduce(or_, map(_get_flags, tokens), 0)
                    packed_ends = list(accumulate(map(_get_length, tokens)))
                    gaps = _packed_gaps(packed_ends, positions)
            return _Message(
                text,
                tokens,
                present,
                packed_ends,
                gaps,
                runs=(positions, totals),
                word_spaced=_word_spaced(tokenizer_text),
            )
        # Something else was dropped too: find each token in the text.
        starts: list[int] = []
        ends: list[int] = []
        position = 0
        for token in tokens:
            start = tokenizer_text.find(token.surface, position)
            if start < 0:
                start = position
            position = start + token.length
            starts.append(start)
            ends.append(position)
        gaps = _gaps(starts, ends)
        if present & _COMPOUND:
            merged = self._merge_compounds(tokens, gaps)
            if merged is not tokens:
                starts, ends = _merged_offsets(tokens, merged, starts, ends)
                tokens = merged
                present = reduce(or_, map(_get_flags, tokens), 0)
                gaps = _gaps(starts, ends)
        return _Message(
            text,
            tokens,
            present,
            packed_ends,
            gaps,
            offsets=(starts, ends),
            word_spaced=_word_spaced(tokenizer_text),
        )

    # -- matching -----------------------------------------------------------------------

    def _merge_compounds(self, tokens: list[_Tok], gaps: Sequence[int]) -> list[_Tok]:
        """Merge runs of tokens that spell a lexicon word MeCab splits (寝不足 = 寝+不足).

        A run must not have a space inside (``gaps``: tokens with a space before them).
        Most compound starts are not followed by the rest: then ``tokens`` itself comes
        back.
        """
        n = len(tokens)
        merged: list[_Tok] | None = None
        done = 0  # tokens before this index are in ``merged`` already
        for i in compress(range(n - 1), map(_get_compound, tokens)):
            if i < done:
                continue
            # The compounds are keyed by their first surface (tokens[i].surface), then by
            # their second one.
            compounds = tokens[i].compound.get(tokens[i + 1].surface)  # type: ignore[union-attr]
            if compounds is None:
                continue
            for surfaces, word in compounds:
                end = i + len(surfaces)
                if (
                    end <= n
                    and all(tokens[k].surface == surfaces[k - i] for k in range(i + 2, end))
                    and not any(i < gap < end for gap in gaps)
                ):
                    if merged is None:
                        merged = []
                    merged += tokens[done:i]
                    merged.append(self._merged_tok(word, tokens[i:end]))
                    done = end
                    break
        if merged is None:
            return tokens
        merged += tokens[done:]
        return merged

    def _match_rest(
        self, message: _Message, words: tuple[_Step, ...], k: int, j: int, end: int
    ) -> int:
        # Small backtracking matcher: each element may be preceded by up to four
        # skippable tokens (function words that are not a negation); optional elements
        # ("?word") may be missing.
        if k == len(words):
            return j
        element, negation_element, optional = words[k]
        tokens = message.tokens
        negation = message.negation
        position, skipped = j, 0
        last = k + 1 == len(words)
        while position < end:
            if (negation_element and negation[position]) or element in tokens[position].elements:
                if last:
                    return position + 1
                found = self._match_rest(message, words, k + 1, position + 1, end)
                if found >= 0:
                    return found
            if skipped < 4 and not negation[position] and tokens[position].gap:
                if self._main_verb(tokens, position):
                    break
                skipped += 1
                position += 1
                continue
            break
        if optional:
            return self._match_rest(message, words, k + 1, j, end)
        return -1

    def _main_verb(self, tokens: list[_Tok], position: int) -> bool:
        """行く or 来る used as a main verb: after a case particle that does not follow a verb
        (死ぬまでに行きたい: go somewhere, not 死んでいきたい). After a verb the particle states
        a purpose, and the pattern goes on: 死にに行きたい, 相談しに来た."""
        return (
            position >= 2
            and tokens[position].lemma in self.grammar.motion_verbs
            and tokens[position - 1].pos2 == "格助詞"
            and tokens[position - 2].pos1 != "動詞"
        )

    @staticmethod
    def _match_all_of(
        message: _Message, groups: tuple[_Step, ...], begin: int, end: int
    ) -> tuple[int, int] | None:
        """First and last token of a co-occurrence of every group in tokens begin…end-1."""
        tokens = message.tokens
        negation = message.negation
        first, last = end, -1
        for element, negation_element, _ in groups:
            hit = -1
            for j in range(begin, end):
                if (negation_element and negation[j]) or element in tokens[j].elements:
                    hit = j
                    break
            if hit < 0:
                return None
            first = min(first, hit)
            last = max(last, hit)
        return first, last

    @staticmethod
    def _token_range(message: _Message, start: int, end: int) -> tuple[int, int]:
        """The tokens a regex match from ``start`` to ``end`` overlaps ((-1, -1): none)."""
        starts, ends = message.offsets()
        first = bisect_right(ends, start)  # the first token ending after the start
        if first == message.n:
            return -1, -1
        last = bisect_left(starts, end) - 1  # the last token starting before the end
        return first, max(first, last)

    # -- judging a match in context -------------------------------------------------------

    def _judge(
        self,
        message: _Message,
        rule: _Compiled,
        first: int,
        last: int,
        evidence: list[_Entry],
        seen: set[tuple[str, int]],
        char_start: int | None = None,
        char_end: int | None = None,
    ) -> None:
        """Judge a match of ``rule`` (tokens ``first``…``last``) and add it to ``evidence``.

        A rule gives one piece of evidence per start offset (``seen``).
        """
        if char_start is None or char_end is None:
            char_start, char_end = message.span(first, last)
        key = (rule.id, char_start)
        if key in seen:
            return
        seen.add(key)
        rank = rule.rank
        notes: list[str] = []
        if first >= 0:
            rank = self._in_context(message, rule, first, last, notes)
        item = _evidence(
            message.text[char_start:char_end],
            rule.id,
            rule.categories[0],
            _LEVELS[rank],
            ", ".join(notes) if notes else "",
            char_start,
            char_end,
            rule.categories,
        )
        evidence.append((-rank, char_start, len(evidence), item))

    def _in_context(
        self, message: _Message, rule: _Compiled, first: int, last: int, notes: list[str]
    ) -> int:
        """The rank (0 none … 3 urgent) of ``rule``'s match in its context; ``notes``: why."""
        tokens = message.tokens
        present = message.present  # which flags some token in the message has
        if (
            (
                rule.unless_prev
                and first > 0
                and not rule.unless_prev.isdisjoint(tokens[first - 1].elements)
            )
            or (
                rule.unless_next
                and last + 1 < message.n
                and not rule.unless_next.isdisjoint(tokens[last + 1].elements)
            )
            or (
                rule.unless_clause & present
                and _any_affirmed(
                    message, *message.clause_range(first), rule.unless_clause, first, last
                )
            )
            or (
                rule.unless_message & present
                and _any_affirmed(message, 0, message.n, rule.unless_message, first, last)
            )
        ):
            notes.append("idiom")
            return 0
        negations = present & (_NEGATION | _DIALECT)
        if rule.negatable and negations and self._negated(message, first, last):
            notes.append(_NEGATED)
            return 0
        if (
            rule.double_negation
            and negations
            and self._negated(message, first, last, own=any(message.negation[first : last + 1]))
        ):
            # A pattern that is itself a negation (眠れない) is cancelled by a second one:
            # 眠れないことはない, 食べられないわけじゃない. (Word sequences only: an all_of
            # match does not say which negation in the clause is its own.)
            notes.append("double negation")
            return 0
        # Levels as ranks (0 none … 3 urgent) below.
        level = rule.rank
        if rule.boost & present:
            # Boosters count anywhere in the message: 三日。寝てない / さようなら。みんな…
            boost = rule.boost_rank
            if boost > level:
                level = boost
                notes.append("boosted")
        if not rule.contextual or not (present & _CONTEXT or rule.soften_clause & present):
            return level
        original = level
        begin, end = message.clause_range(first)
        sentence_range = (
            message.sentence_range(first) if present & (_MEDIA | _DISTANT_PAST) else None
        )
        # A rule with contextual = "time" is lowered only by when it happened (past and
        # resolved), never by a joke, a film or someone else's name (電気止められたw).
        time_only = rule.time_context_only
        if (
            rule.soften_clause & present
            and not time_only
            and _any_flag(tokens, begin, end, rule.soften_clause)
        ):
            level = min(level, 1)
            notes.append("hyperbole")
        if present & _JOKE and not time_only:
            for j in range(first, message.n):
                if tokens[j].joke:
                    level = min(level, _JOKE_RANK[level])
                    notes.append("joke")
                    break
        if sentence_range is not None and not time_only and self._media_in(message, sentence_range):
            following = last + 1 < message.n and tokens[last + 1]
            if following and (
                following.markers & _MEDIA  # 虐待事件
                or (following.topic and last + 2 < message.n and tokens[last + 2].markers & _MEDIA)
            ):
                level = min(level, _MEDIA_TOPIC_RANK[level])
                notes.append("media topic")
            else:
                level = min(level, _SOFTEN_RANK[level])
                notes.append("media")
        if (
            rule.other_person
            and not time_only
            and (
                (present & _OTHER_PERSON and self._other_subject(message, first, begin))
                or (present & _SPEECH_VERB and self._said_to_me(message, last))
                # 母の手術, 父の入院: a serious need that is another adult's (a child's is
                # the parent's own). Urgent matches are often the person's own acts on
                # someone (ばあちゃんの薬を貯めてる), and lesser ones the person's worry.
                or (
                    level == _HIGH_RANK
                    and present & _OTHER_PERSON
                    and first >= begin + 2
                    and tokens[first - 1].surface == _NO
                    and tokens[first - 1].pos1 == _PARTICLE
                    and tokens[first - 2].other_person
                    and tokens[first - 2].lemma not in self.grammar.dependants
                )
            )
        ):
            if level == 3 and self._emergency_now(message):
                # 友達が薬いっぱい飲んだって、返事ない、どうしよう: someone else's crisis
                # happening now, which the person is in the middle of.
                notes.append("someone else, now")
            else:
                level = min(level, _OTHER_PERSON_RANK[level])
                notes.append("someone else")
        clause_range = range(begin, end)
        still = bool(present & _STILL) and self._has_marker(message, clause_range, _STILL)
        if (
            still
            and present & _RECENT
            and self._has_marker(message, clause_range, _RECENT)
            and (
                (present & _UNTIL and self._until_recently(message, clause_range))
                or (present & _NOW and self._past(message, last) and self._now_after(message, end))
            )
        ):
            # さっきまでずっと: all along until a moment ago; 昼間はずっと死にたかった…今は
            # 落ち着いた: all that afternoon, and now set against it. Neither is still now.
            still = False
        if not still:
            # Whether the match is in the past matters only with a resolved word, a
            # distant-past word, or "until" and a recent time word, somewhere in the message.
            past = (
                present & (_RESOLVED | _DISTANT_PAST) or (present & _UNTIL and present & _RECENT)
            ) and self._past(message, last)
            # 昔は平気だったけど今は死にたい: a time word in another clause dates the match
            # only if the match is itself in the past (子供の頃、死にたいと思ってた).
            distant = sentence_range is not None and (
                self._dated(message, clause_range)
                or (past and self._dated(message, sentence_range))
            )
            # A cut-off supply stays cut until said otherwise: for a time-only rule a past
            # tense alone (電気止められました…平気) does not date it, a distant past does.
            if (
                (distant or (past and not time_only))
                and present & _RESOLVED
                and self._resolved_elsewhere(message, begin, end, last)
            ) or (distant and present & _NOW and self._now_after(message, end)):
                if distant:
                    cap = _LONG_OVER_RANK
                elif (
                    level >= _HIGH_RANK
                    and present & _RECENT
                    and self._has_marker(message, message.sentence_range(first), _RECENT)
                ):
                    # 昨日リスカしてしもた。今は落ち着いてる: hours ago and calmer now is
                    # still a crisis to act on soon (at least high), not one to watch. The
                    # time word may be in another clause: 昨日まで2週間、死ぬことばっか….
                    # (A low mood yesterday and fine today is over: 昨日はしんどかったけど
                    # 今日は元気.)
                    cap = _NOT_NOW_RANK
                else:
                    # Over now, as said in another clause (入院してたけど退院した, 借金あった
                    # けど完済した): an urgent reading stays as watch, a high one is over.
                    cap = _LONG_OVER_RANK
                level = min(level, cap[level])
                notes.append("past, resolved")
            elif distant:
                level = min(level, _NOT_NOW_RANK[level])
                notes.append("distant past")
            elif (
                past
                and present & _UNTIL
                and present & _RECENT
                and self._until_recently(message, clause_range)
            ):
                level = min(level, _NOT_NOW_RANK[level])
                notes.append("recent past")
        if original == 3 and level < 1:
            level = 1  # an urgent reading stays visible whatever the context
        return level

    def _negated(self, message: _Message, first: int, last: int, own: bool = True) -> bool:
        """A negation later in the clause that reaches the match (死にたいなんて思ってない).

        ``own=False``: the match ended on the other alternative of its NEG element
        (意味が分から|ない), so the first negation after it is still its own.
        """
        tokens = message.tokens
        negation = message.negation
        # 死ぬしかない: しか…ない is "nothing but", not a negation.
        only = any(tokens[j].not_negation for j in range(first, last + 1))
        clause_end = message.clause_range(last)[1]
        for j in range(last + 1, clause_end):
            token = tokens[j]
            if negation[j]:
                if not own:
                    own = True
                    continue
                if only:
                    return False
                return self._denies(message, j, clause_end)
            if token.not_negation:
                only = True
                continue
            if not token.transparent:
                if j == clause_end - 1 and _summed_up_after(tokens, j):
                    # 傷つけるとか、そういうのは全然ない: the next clause denies it.
                    return self._negated(message, j + 1, j + 1, own)
                if (
                    j == clause_end - 1
                    and j >= 2
                    and j + 1 < message.n
                    and token.surface in _COMMAS
                    and tokens[j - 1].lemma in _THOUGHT_NOUNS
                    and tokens[j - 2].lemma in _THINK_OR_SAY
                ):
                    # 死にたいって思うこと、最近はもう全然なくなった: a thought set off by a
                    # comma is the topic of the next clause, whose negation denies it
                    # (思うこと、ない; not 思うこと、ない？).
                    if negation[j + 1]:
                        return own and self._denies(message, j + 1, message.clause_range(j + 1)[1])
                    return self._negated(message, j + 1, j + 1, own)
                if j == clause_end - 1 and _quoted_after(message, j):
                    # 死にたい、とまでは思わない: the comma only pauses before the quote.
                    return self._negated(message, j + 1, j + 1, own)
                # 身辺整理…じゃなくて断捨離: said, then corrected.
                return own and _corrected_after(tokens, j)
        return False

    def _denies(self, message: _Message, j: int, clause_end: int) -> bool:
        """Whether the negation at ``j`` (in a clause ending at ``clause_end``) denies what
        came before it. Not a conditional or obligation (死ななきゃ, 眠れなければ), not a
        question (方法ないかな), not "cannot say" (死にたいなんて言えない, which does not deny
        it), and not itself denied (思わない日はない)."""
        tokens = message.tokens
        return not (
            (j + 1 < clause_end and (tokens[j + 1].conditional or tokens[j + 1].question))
            or self._cannot_say(message, j)
            or self._negation_undone(message, j)
        )

    def _emergency_now(self, message: _Message) -> bool:
        """Words that make someone else's crisis the person's emergency now (ぐったり, 救急,
        今夜; or 返事ない, 既読つかない): grammar lists emergency_now, emergency_if_unanswered."""
        cues = self.grammar.emergency_now
        tokens = message.tokens
        if any(token.lemma in cues or token.surface in cues for token in tokens):
            return True
        # 返事ない, 返信がない, 既読つかない: no answer from them.
        unanswered = self.grammar.emergency_if_unanswered
        negation = message.negation
        n = message.n
        return any(
            token.lemma in unanswered and any(negation[i + 1 : min(n, i + 4)])
            for i, token in enumerate(tokens)
        )

    @staticmethod
    def _cannot_say(message: _Message, j: int) -> bool:
        """The negation at ``j`` is "cannot say" after なんて or とか: 死にたいなんて言えない
        is a feeling kept quiet, not a denial of it."""
        tokens = message.tokens
        if j < 2 or tokens[j - 1].lemma != "言う" or tokens[j - 1].surface not in _SAY_POTENTIAL:
            return False
        return any(tokens[k].surface in _QUOTE_DISMISSIVE for k in range(max(0, j - 5), j - 1))

    def _negation_undone(self, message: _Message, j: int) -> bool:
        """Whether the negation at ``j`` is itself denied, which affirms the match.

        思わない日がない / 思わないことはない (a noun, maybe a particle, a second
        negation), and 寂しくないって言ったら嘘になる (say, then "a lie"). Looks past
        the clause: the second half often follows a comma.
        """
        tokens = message.tokens
        negation = message.negation
        grammar = self.grammar
        n = message.n
        k = j + 1
        if k < n and tokens[k].quote:
            k += 1  # 消えたくないってわけでもない
        if k < n and tokens[k].lemma in grammar.negation_undone_nouns:
            k += 1
            # Particles and the copula between: ことはない, わけじゃない, わけでもない.
            for _ in range(2):
                if k < n and (tokens[k].pos1 == "助詞" or tokens[k].lemma == "だ"):
                    k += 1
            return k < n and negation[k]
        for k in range(j + 1, min(n, j + 7)):
            # 死にたくないなんて、もう言えない: unable to say the denial any more.
            if negation[k] and self._cannot_say(message, k):
                return True
        said = False
        for k in range(j + 1, min(n, j + 8)):
            token = tokens[k]
            if token.lemma == "言う":
                said = True
            elif said and token.lemma in grammar.negation_undone_lie:
                return True
        return False

    def _past(self, message: _Message, last: int) -> bool:
        tokens = message.tokens
        if tokens[last].past:
            return True
        end = message.clause_range(last)[1]
        for j in range(last + 1, end):
            token = tokens[j]
            if token.past_aux:
                return True
            # 発作(が)出た, 痙攣起きた: a matched noun happens through these verbs.
            if (
                not token.past_transparent
                and not message.negation[j]
                and token.lemma not in _HAPPEN
            ):
                # 来なければいいのにって思ってた: a wish, then the past of thinking it
                # (いいのに only: 死ねばよかった is no past).
                if not (token.lemma == _GOOD and j + 1 < end and tokens[j + 1].surface in _NO_NI):
                    return False
        return False

    def _has_marker(self, message: _Message, where: range, bit: int) -> bool:
        # Markers are lemmas/surfaces, or two-token sequences written "前+は".
        tokens = message.tokens
        for j in where:
            token = tokens[j]
            if token.markers & bit:
                return True
            if (
                token.pair_first & bit
                and j + 1 < message.n
                and tokens[j + 1].surface in self.marker_pairs[bit][token.surface]
            ):
                return True
        return False

    def _media_in(self, message: _Message, where: range) -> bool:
        """A film, news or story word in ``where`` that is not denied: ドラマとかじゃなくて
        ほんとに, 映画じゃない is real life, said against the story."""
        if not self._has_marker(message, where, _MEDIA):
            return False  # the common case: one scan, as before denials were looked for
        n = message.n
        spending = self.grammar.media_spending
        for j in where:
            if not self._has_marker(message, range(j, j + 1), _MEDIA):
                continue
            if any(message.tokens[k].lemma in spending for k in range(j + 1, min(n, j + 4))):
                continue  # ゲームに課金: money spent, not a story
            if not any(
                message.tokens[k].surface in _NOT_A and message.negation[k + 1]
                for k in range(j + 1, min(n - 1, j + 4))
            ):
                return True
        return False

    def _dated(self, message: _Message, where: range) -> bool:
        """A distant-past word in ``where`` that dates what is said there.

        Not one compared with: 昔みたいに, 学生の頃と同じで (the feeling is now).
        """
        if not self._has_marker(message, where, _DISTANT_PAST):
            return False
        tokens = message.tokens
        n = message.n
        comparisons = self.grammar.comparisons
        pairs = self.marker_pairs[_DISTANT_PAST]
        for j in where:
            token = tokens[j]
            if token.markers & _DISTANT_PAST:
                if (
                    j > 0
                    and tokens[j - 1].surface == "その"
                    and j + 1 < n
                    and tokens[j + 1].surface == "に"
                ):
                    continue  # その頃には: by then, a time to come
                k = j + 1
            elif (
                token.pair_first & _DISTANT_PAST
                and j + 1 < n
                and tokens[j + 1].surface in pairs[token.surface]
            ):
                k = j + 2
            else:
                continue
            # 昔の売人, 昔の借金取り: the word describes someone from the past, who may
            # be back now; 昔の話, 去年の今ごろ still date.
            if (
                k + 1 < n
                and tokens[k].surface == "の"
                and tokens[k + 1].lemma in self.grammar.people_from_the_past
            ):
                continue
            # Past more time words and particles: 学生の頃と同じ, 昔のように.
            while (
                k < n
                and k < j + 5
                and (tokens[k].markers & _DISTANT_PAST or tokens[k].surface in ("の", "と"))
            ):
                k += 1
            if not (k < n and tokens[k].lemma in comparisons):
                return True
        return False

    def _until_recently(self, message: _Message, where: range) -> bool:
        """ "Until" right after a recent time word in ``where``: さっきまで, 1時間前まで.

        Not a place: 橋の上まで行ってきた is how far, not until when.
        """
        tokens = message.tokens
        pairs = self.marker_pairs[_RECENT]
        for j in where:
            if not tokens[j].markers & _UNTIL or j == 0:
                continue
            before = tokens[j - 1]
            if before.markers & _RECENT or (
                j >= 2
                and tokens[j - 2].pair_first & _RECENT
                and before.surface in pairs[tokens[j - 2].surface]
            ):
                return True
        return False

    def _now_after(self, message: _Message, clause_end: int) -> bool:
        """A later clause sets now against the past: 昔は寂しかったけど今は友達がいる.

        ``clause_end``: one past the match's clause. (A distress word in that later clause
        is a match of its own, judged by itself.)
        """
        return self._has_marker(message, range(clause_end, message.n), _NOW)

    @staticmethod
    def _own_conditional(tokens: list[_Tok], last: int, j: int) -> bool:
        """A conditional between the match's last token and ``j`` that is the match's own:
        腕に押しつけたら落ち着いた, not 発作出たけど吸入したら落ち着いた (another act, after
        けど or a full stop)."""
        for k in range(last + 1, j):
            token = tokens[k]
            if token.sentence_mark or (token.clause_break and not token.mark):
                return False
            if token.cform.startswith(_CONDITIONAL_FORM) or token.surface == _BA:
                return True
        return False

    def _resolved_elsewhere(self, message: _Message, begin: int, end: int, last: int = -1) -> bool:
        """A resolved word outside tokens begin…end-1 (the match's clause), not negated, and
        not said of someone else (猫は元気: the cat is fine, not the person).

        ``last``: the match's last token, if known. What the matched act itself brought
        (腕に押しつけたら少し落ち着いた) is no recovery from it.
        """
        tokens = message.tokens
        for j, token in enumerate(tokens):
            if begin <= j < end or not token.markers & _RESOLVED:
                continue
            # これで大丈夫, もう決めたから大丈夫: settled by the arrangements just made, not
            # recovered (猫のことは頼みました。これであとは大丈夫です).
            if any(
                tokens[k].lemma == _DECIDE
                or (tokens[k].surface == _THIS and tokens[k + 1].surface == _WITH)
                for k in range(max(0, j - 4), j)
            ):
                continue
            if 0 <= last < j <= last + 5 and self._own_conditional(tokens, last, j):
                continue
            # 電車の音聞いてると落ち着く: what soothes whenever it is done, not a recovery.
            if (
                j > 1
                and tokens[j - 1].surface == _WHENEVER
                and tokens[j - 2].pos1 in _VERB_OR_AUXILIARY
            ):
                continue
            # 強度大丈夫かな: a resolved word asked about is a doubt, not a resolution
            # (but もう大丈夫かな, 今は平気かな say "I think it is over").
            # (Also after a copula or の: ドアノブでも大丈夫なのかな, 平気だったのかな.)
            k = j + 1
            while k < message.n and tokens[k].lemma in _BEFORE_QUESTION:
                k += 1
            if (
                k < message.n
                and tokens[k].question
                and not (j and tokens[j - 1].lemma in _NOW_OR_ALREADY)
            ):
                continue
            # 治るって言われて: a promise someone made, not a recovery (完治って言われた,
            # 治ったって言われた are).
            if (
                j + 2 < message.n
                and token.pos1 == "動詞"
                and token.cform.startswith(_PLAIN_FORMS)
                and tokens[j + 1].quote
                and tokens[j + 2].lemma in _THINK_OR_SAY
            ):
                continue
            # 落ち着くはず: only expected; 断酒ももう疲れた: worn out by it.
            if any(tokens[k].lemma in _NOT_YET_OVER for k in range(j + 1, min(j + 4, message.n))):
                continue
            # 傷やっと治ったのに、また切りたくなってきた: what came back after the
            # recovery is no recovery of it.
            if j < begin and any(tokens[k].lemma in _AGAIN for k in range(j + 1, end)):
                continue
            # 大丈夫です、癌って言われたくらいで; 退院したけど歩けなくなった: a trouble told
            # after the reassurance or the recovery is what is left, unless the earlier word
            # says now or already (もう大丈夫。先月は入院してた).
            if j < begin and not (j and tokens[j - 1].lemma in _NOW_OR_ALREADY):
                continue
            if not self._negated(message, j, j) and not (
                message.present & _OTHER_PERSON
                and self._other_subject(message, j, message.clause_range(j)[0])
            ):
                return True
        return False

    def _said_to_me(self, message: _Message, last: int) -> bool:
        """The match is quoted from someone else: 元気でねって友達に言われた.

        A quoted command (死ねって言われた) is aimed at the person, and a clinician's words
        (軽いうつって医者に言われた) are a finding about them: neither is lowered.
        """
        tokens = message.tokens
        n = message.n
        cform = tokens[last].cform
        after = last + 1
        while after < n and tokens[after].pos2 == _CLOSING_BRACKET:
            after += 1
        if cform.startswith(_IMPERATIVE_FORM) or (
            # MeCab reads 死ね before って as a conditional without its ば: a command.
            cform.startswith(_CONDITIONAL_FORM) and after < n and tokens[after].quote
        ):
            return False
        second_person = self.grammar.second_person
        if any(
            tokens[k].surface in second_person for k in message.sentence_range(last) if k < last
        ):
            return False  # 「お前は生きてる価値ない」って言われた: aimed at the person
        j = last + 1
        while j < n and not tokens[j].quote:
            # A closing bracket may end the quotation: 「…死にたい」って言ってる.
            if (
                not (tokens[j].transparent or tokens[j].pos2 == _CLOSING_BRACKET)
                or tokens[j - 1].sentence_mark
            ):
                return False
            j += 1
        for k in range(j + 1, n - 1):
            if tokens[k].sentence_mark:
                return False
            if tokens[k].speech_verb:
                if tokens[k + 1].passive:
                    clinicians = self.grammar.clinicians
                    return not any(token.lemma in clinicians for token in tokens)
                # 友達が…死にたいとか言うから: said by someone named as the subject earlier
                # in the sentence, not by the person.
                return self._other_speaker(message, last)
        return False

    @staticmethod
    def _other_speaker(message: _Message, last: int) -> bool:
        """Someone else is a subject (友達が, 母は) earlier in the sentence than ``last``."""
        tokens = message.tokens
        for j in range(message.sentence_range(last).start, last):
            if tokens[j].other_person and j + 1 < last and tokens[j + 1].subject_particle:
                return True
        return False

    def _other_subject(self, message: _Message, first: int, begin: int) -> bool:
        """Someone else is the subject of the matched predicate (友達が死にたいって)."""
        tokens = message.tokens
        for j in range(first - 1, begin - 1, -1):
            token = tokens[j]
            if token.subject_particle:
                if j > begin and tokens[j - 1].other_person:
                    return True
                continue
            if token.predicate_stop or (
                # 行く/来る as a main verb (not after て): 義母が毎日来てしんどい is the
                # person's しんどい, 義母 the subject of 来る only.
                j > 0
                and token.lemma in self.grammar.motion_verbs
                and tokens[j - 1].pos2 != "接続助詞"
            ):
                return False
        return False


_default: Assessor | None = None


def default_assessor() -> Assessor:
    """The assessor of the packaged lexicon, built on first use: about a second of CPU, so
    the bot builds it at start-up rather than while a reply waits (see `bot.app`)."""
    global _default
    if _default is None:
        _default = Assessor(load_lexicon(), load_model())
    return _default


def assess(text: str) -> Assessment:
    """Assess one reply with the packaged lexicon and model."""
    return default_assessor().assess(text)


def assess_many(texts: Sequence[str]) -> list[Assessment]:
    """Assess replies in bulk with the packaged lexicon and model (see Assessor.assess_many)."""
    return default_assessor().assess_many(texts)
