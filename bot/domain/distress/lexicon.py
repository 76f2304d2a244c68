"""Load ``lexicon.toml`` (the distress rules as data) and compile it for fast matching.

The TOML file is what a supporter reads and extends; this module only checks it and turns
it into lookup tables. See the header of ``lexicon.toml`` for the rule syntax.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

from .levels import CATEGORIES, Level
from .normalize import Normalizer, drop_long_marks_after_hiragana
from .tokenizer import tokenize

__all__ = ["Element", "Grammar", "Lexicon", "LexiconError", "Rule", "load_lexicon", "parse"]

NEG = "NEG"  # pattern element standing for any negation (ない, ん, へん, ず, 博多 なか)


class LexiconError(ValueError):
    """The lexicon file is malformed; the message names the rule or key at fault."""


@dataclass(frozen=True, slots=True)
class Element:
    """One position of a pattern: any of ``keys`` (lemma or surface), or a negation."""

    keys: frozenset[str]
    # key -> conjugation-form prefixes it must have, e.g. 死ぬ -> (命令形,) from "死ぬ@命令形"
    cforms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    negation: bool = False  # "NEG" among the alternatives
    optional: bool = False  # written with a leading "?": may be absent


@dataclass(frozen=True, slots=True, eq=False)
class Rule:
    """A compiled lexicon rule. Exactly one of ``words``, ``all_of`` or ``regex`` is set."""

    id: str
    level: Level
    categories: tuple[str, ...]
    note: str = ""
    words: tuple[Element, ...] = ()
    all_of: tuple[Element, ...] = ()
    regex: re.Pattern[str] | None = None
    unless_prev: tuple[Element, ...] = ()
    unless_next: tuple[Element, ...] = ()
    unless_clause: frozenset[str] = frozenset()
    unless_message: frozenset[str] = frozenset()
    soften_clause: frozenset[str] = frozenset()
    boost: frozenset[str] = frozenset()
    boost_level: Level | None = None
    negatable: bool = True
    contextual: bool = True
    # contextual = "time": only past-and-resolved context lowers it (not jokes, films or
    # someone else's name).
    time_context_only: bool = False
    has_negation: bool = False  # the pattern contains NEG (a second negation cancels it)


@dataclass(frozen=True, slots=True)
class Grammar:
    """Word lists that steer negation, clauses and context (see ``[grammar]``/``[context]``)."""

    negation_lemmas: frozenset[str]
    negation_surfaces_after_adjective: frozenset[str]
    transparent: frozenset[str]
    frequency: frozenset[str]
    not_negation_markers: frozenset[str]
    conditional_after_negation: frozenset[str]
    obligation: frozenset[str]
    question_after_negation: frozenset[str]
    clause_particles: frozenset[str]
    gap_verbs: frozenset[str]
    motion_verbs: frozenset[str]
    past_lemmas: frozenset[str]
    distant_past: frozenset[str]
    recent: frozenset[str]
    until: frozenset[str]
    still: frozenset[str]
    resolved: frozenset[str]
    now_contrast: frozenset[str]
    media: frozenset[str]
    other_people: frozenset[str]
    subject_particles: frozenset[str]
    other_person_categories: frozenset[str]
    joke_surfaces: frozenset[str]
    topic_particles: frozenset[str] = frozenset()
    quote_particles: frozenset[str] = frozenset()
    speech_verbs: frozenset[str] = frozenset()
    passive: frozenset[str] = frozenset()
    # A negation followed by one of these and a second negation is affirmed (思わない日はない).
    negation_undone_nouns: frozenset[str] = frozenset()
    # Whose words about the person are findings, not quotes (医者に軽いうつって言われた).
    clinicians: frozenset[str] = frozenset()
    # After a media word, money spent on it: ゲームに課金 is the person's spending, not a story.
    media_spending: frozenset[str] = frozenset()
    # 〜ないって言ったら嘘になる: a negation then "say" then one of these is affirmed.
    negation_undone_lie: frozenset[str] = frozenset()
    # 昔みたいに: a distant-past word compared with is not a time frame.
    comparisons: frozenset[str] = frozenset()
    # Someone else's urgent crisis is the person's emergency when one of these is in the
    # message (ぐったり, 救急, 今夜): not lowered to watch.
    emergency_now: frozenset[str] = frozenset()
    # ...or one of these followed by a negation (返事ない, 既読つかない).
    emergency_if_unanswered: frozenset[str] = frozenset()
    # 昔の売人: people a distant-past word only describes (they may be back now).
    people_from_the_past: frozenset[str] = frozenset()
    # 「お前は…」って言われた: a quotation aimed at the person is not lowered.
    second_person: frozenset[str] = frozenset()
    # 子どもの熱: whose trouble after の is the person's own to deal with (see
    # Assessor._in_context).
    dependants: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Everything the assessor needs, compiled."""

    normalizer: Normalizer
    grammar: Grammar
    rules: tuple[Rule, ...]
    # lemma/surface -> rules whose pattern can start (words) or be anchored (all_of) there
    index: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)
    regex_rules: tuple[Rule, ...] = ()
    # first surface -> (surfaces, word) for lexicon words MeCab splits (寝不足 = 寝+不足),
    # longest first; the assessor merges such runs back into one token.
    compounds: Mapping[str, tuple[tuple[tuple[str, ...], str], ...]] = field(default_factory=dict)


def _words(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise LexiconError(f"{where}: expected a list of strings")
    return frozenset(value)


def _element(spec: str, where: str) -> Element:
    if not isinstance(spec, str) or not spec:
        raise LexiconError(f"{where}: pattern elements must be non-empty strings")
    keys: set[str] = set()
    cforms: dict[str, tuple[str, ...]] = {}
    negation = False
    optional = spec.startswith("?")
    for alternative in spec.removeprefix("?").split("|"):
        word, _, cform = alternative.strip().partition("@")
        if word == NEG:
            negation = True
        elif word:
            keys.add(word)
            if cform:
                cforms[word] = (*cforms.get(word, ()), cform)
        else:
            raise LexiconError(f"{where}: empty alternative in {spec!r}")
    return Element(frozenset(keys), cforms, negation, optional)


def _level(value: Any, where: str) -> Level:
    try:
        return Level(value)
    except ValueError:
        raise LexiconError(f"{where}: unknown level {value!r}") from None


def _rule(raw: Mapping[str, Any], position: int) -> Rule:
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise LexiconError(f"rule #{position}: missing id")
    where = f"rule {rule_id}"
    categories = raw.get("categories")
    if not isinstance(categories, list) or not categories:
        raise LexiconError(f"{where}: categories must be a non-empty list")
    for category in categories:
        if category not in CATEGORIES:
            raise LexiconError(f"{where}: unknown category {category!r}")
    contextual = raw.get("contextual", True)
    if contextual not in (True, False, "time"):
        raise LexiconError(f'{where}: contextual must be true, false or "time"')
    kinds = [key for key in ("words", "all_of", "regex") if key in raw]
    if len(kinds) != 1:
        raise LexiconError(f"{where}: give exactly one of words, all_of, regex")
    words: tuple[Element, ...] = ()
    all_of: tuple[Element, ...] = ()
    regex = None
    if "words" in raw:
        words = tuple(_element(spec, where) for spec in raw["words"])
        if not words or not words[0].keys:
            raise LexiconError(f"{where}: words must start with a word, not NEG")
    elif "all_of" in raw:
        all_of = tuple(
            _element("|".join(group) if isinstance(group, list) else group, where)
            for group in raw["all_of"]
        )
        if not all_of or not any(element.keys for element in all_of):
            raise LexiconError(f"{where}: all_of needs at least one word group")
    else:
        try:
            # Regex rules read the normalised text, which has no long marks after hiragana
            # (ぎゅー is ぎゅ there): a pattern written as people type it is read the same way.
            regex = re.compile(drop_long_marks_after_hiragana(raw["regex"]), re.IGNORECASE)
        except (re.error, TypeError) as error:
            raise LexiconError(f"{where}: bad regex ({error})") from None
    boost_level = raw.get("boost_level")
    return Rule(
        id=rule_id,
        level=_level(raw.get("level"), where),
        categories=tuple(category for category in CATEGORIES if category in categories),
        note=str(raw.get("note", "")),
        words=words,
        all_of=all_of,
        regex=regex,
        unless_prev=tuple(_element(spec, where) for spec in raw.get("unless_prev", [])),
        unless_next=tuple(_element(spec, where) for spec in raw.get("unless_next", [])),
        unless_clause=_words(raw.get("unless_clause", []), where),
        unless_message=_words(raw.get("unless_message", []), where),
        soften_clause=_words(raw.get("soften_clause", []), where),
        boost=_words(raw.get("boost", []), where),
        boost_level=_level(boost_level, where) if boost_level is not None else None,
        # A pattern that contains NEG is about a negation (眠れない); a later negation is
        # then part of the same phrase, not a denial.
        negatable=bool(
            raw.get(
                "negatable",
                not any(element.negation for element in (*words, *all_of)),
            )
        ),
        contextual=contextual is not False,
        time_context_only=contextual == "time",
        has_negation=any(element.negation for element in (*words, *all_of)),
    )


def _expand(element: Element, lemmatize: Callable[[str], str | None]) -> Element:
    # Supporters write words as they see them (まとめる, くれる, つらい); UniDic's lemma may
    # be spelt differently (纏める, 呉れる, 辛い), so add the lemma as another key.
    keys = set(element.keys)
    cforms: dict[str, tuple[str, ...]] = dict(element.cforms)
    for key in element.keys:
        lemma = lemmatize(key)
        if lemma and lemma != key:
            keys.add(lemma)
            if key in element.cforms:
                cforms[lemma] = element.cforms[key]
    if len(keys) == len(element.keys):
        return element
    return Element(frozenset(keys), cforms, element.negation, element.optional)


def _expand_rule(rule: Rule, lemmatize: Callable[[str], str | None]) -> Rule:
    def each(elements: tuple[Element, ...]) -> tuple[Element, ...]:
        return tuple(_expand(element, lemmatize) for element in elements)

    return replace(
        rule,
        words=each(rule.words),
        all_of=each(rule.all_of),
        unless_prev=each(rule.unless_prev),
        unless_next=each(rule.unless_next),
    )


def _all_words(rules: tuple[Rule, ...], grammar: Grammar) -> set[str]:
    words: set[str] = set()
    for rule in rules:
        for element in (*rule.words, *rule.all_of, *rule.unless_prev, *rule.unless_next):
            words.update(element.keys)
        words.update(rule.unless_clause, rule.unless_message, rule.soften_clause, rule.boost)
    for name in grammar.__slots__:
        words.update(word for word in getattr(grammar, name) if "+" not in word)
    return words


_MERGEABLE = re.compile(r".*[^ぁ-ゖ].*")


def _compounds(
    words: set[str], split: Callable[[str], list[str]]
) -> dict[str, tuple[tuple[tuple[str, ...], str], ...]]:
    # Only words with kanji/katakana/digits are merged: merging hiragana runs (した, まで,
    # どうでもいい) would swallow grammar the rules rely on.
    found: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for word in words:
        if not _MERGEABLE.fullmatch(word) or word.endswith(("ない", "たい")):
            continue
        surfaces = tuple(split(word))
        if len(surfaces) > 1 and "".join(surfaces) == word:
            found.setdefault(surfaces[0], []).append((surfaces, word))
    return {
        first: tuple(sorted(entries, key=lambda entry: -len(entry[0])))
        for first, entries in found.items()
    }


def parse(
    document: Mapping[str, Any],
    lemmatize: Callable[[str], str | None] | None = None,
    split: Callable[[str], list[str]] | None = None,
) -> Lexicon:
    """Compile a parsed TOML document into a :class:`Lexicon`.

    ``lemmatize`` maps a word as written in the lexicon to its dictionary lemma (or None);
    with it, pattern words need not be spelt the way UniDic spells lemmas.
    """
    try:
        normalize_section = document["normalize"]
        grammar_section = document["grammar"]
        context = document["context"]
        raw_rules = document["rule"]
    except KeyError as missing:
        raise LexiconError(f"lexicon: missing section {missing}") from None

    rewrites: list[tuple[re.Pattern[str], str]] = []
    early: list[tuple[re.Pattern[str], str]] = []
    for position, rewrite in enumerate(normalize_section.get("rewrite", []), start=1):
        try:
            compiled = (re.compile(rewrite["pattern"]), rewrite["replace"])
        except (KeyError, re.error) as error:
            raise LexiconError(f"normalize.rewrite #{position}: {error}") from None
        (early if rewrite.get("early", False) else rewrites).append(compiled)
    kana_words = normalize_section.get("kana_words", {})
    if not isinstance(kana_words, Mapping) or not all(
        isinstance(kana, str) and kana and isinstance(word, str) and word
        for kana, word in kana_words.items()
    ):
        raise LexiconError("normalize.kana_words: expected spellings = words, both non-empty")
    # Before the other rewrites, which may look for the usual spelling (水道とまった);
    # longest first, so a spelling that contains another (とくそくじょう) is read whole.
    rewrites[:0] = [
        (re.compile(re.escape(kana)), kana_words[kana])
        for kana in sorted(kana_words, key=len, reverse=True)
    ]
    prefixes = tuple(normalize_section.get("katakana_word_prefixes", []))
    normalizer = Normalizer(rewrites, prefixes, early)

    def words(section: Mapping[str, Any], key: str) -> frozenset[str]:
        return _words(section.get(key, []), key)

    grammar = Grammar(
        negation_lemmas=words(grammar_section, "negation"),
        negation_surfaces_after_adjective=words(grammar_section, "dialect_negation"),
        transparent=words(grammar_section, "transparent"),
        frequency=words(grammar_section, "frequency"),
        not_negation_markers=words(grammar_section, "not_negation_markers"),
        conditional_after_negation=words(grammar_section, "conditional_after_negation"),
        obligation=words(grammar_section, "obligation"),
        question_after_negation=words(grammar_section, "question_after_negation"),
        clause_particles=words(grammar_section, "clause_particles"),
        gap_verbs=words(grammar_section, "gap_verbs"),
        motion_verbs=words(grammar_section, "motion_verbs"),
        negation_undone_nouns=words(grammar_section, "negation_undone_nouns"),
        negation_undone_lie=words(grammar_section, "negation_undone_lie"),
        past_lemmas=words(grammar_section, "past"),
        distant_past=words(context, "distant_past"),
        recent=words(context, "recent"),
        until=words(context, "until"),
        still=words(context, "still"),
        resolved=words(context, "resolved"),
        now_contrast=words(context, "now_contrast"),
        media=words(context, "media"),
        other_people=words(context, "other_people"),
        subject_particles=words(context, "subject_particles"),
        other_person_categories=words(context, "other_person_categories"),
        joke_surfaces=words(context, "joke"),
        topic_particles=words(context, "topic_particles"),
        quote_particles=words(context, "quote_particles"),
        speech_verbs=words(context, "speech_verbs"),
        clinicians=words(context, "clinicians"),
        media_spending=words(context, "media_spending"),
        passive=words(context, "passive"),
        comparisons=words(context, "comparisons"),
        people_from_the_past=words(context, "people_from_the_past"),
        emergency_now=words(context, "emergency_now"),
        emergency_if_unanswered=words(context, "emergency_if_unanswered"),
        second_person=words(context, "second_person"),
        dependants=words(context, "dependants"),
    )

    rules = tuple(_rule(raw, position) for position, raw in enumerate(raw_rules, start=1))
    if lemmatize is not None:
        rules = tuple(_expand_rule(rule, lemmatize) for rule in rules)
    seen: set[str] = set()
    index: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.id in seen:
            raise LexiconError(f"rule {rule.id}: duplicate id")
        seen.add(rule.id)
        anchors: frozenset[str] = frozenset()
        if rule.words:
            anchors = rule.words[0].keys
        elif rule.all_of:
            # Anchor on a group without NEG so the rule is only tried where a word occurs.
            anchors = next(
                (element.keys for element in rule.all_of if not element.negation),
                rule.all_of[0].keys,
            )
        for key in anchors:
            index.setdefault(key, []).append(rule)
    return Lexicon(
        normalizer=normalizer,
        grammar=grammar,
        rules=rules,
        index={key: tuple(value) for key, value in index.items()},
        regex_rules=tuple(rule for rule in rules if rule.regex is not None),
        compounds=_compounds(_all_words(rules, grammar), split) if split else {},
    )


_KANA_ONLY = re.compile(r"[ぁ-ゖ]+|[ァ-ヺー]+")


def dictionary_lemma(word: str) -> str | None:
    """The UniDic lemma of ``word`` if it is a single dictionary word, else None.

    Very short kana words are left alone: alone they are too ambiguous (うつ could be 打つ).
    """
    if _KANA_ONLY.fullmatch(word) and len(word) < (2 if word[0] >= "ァ" else 3):
        return None
    tokens = tokenize(word)
    if len(tokens) == 1 and tokens[0].surface == word:
        return tokens[0].lemma
    return None


@cache
def load_lexicon() -> Lexicon:
    """Load and compile the packaged ``lexicon.toml`` (once per process)."""
    source = resources.files(__package__).joinpath("lexicon.toml").read_text(encoding="utf-8")
    return parse(tomllib.loads(source), dictionary_lemma, split_words)


def split_words(text: str) -> list[str]:
    """Surfaces of ``text`` as MeCab splits it."""
    return [token.surface for token in tokenize(text)]
