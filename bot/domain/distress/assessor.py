"""The distress assessor: read one reply and say how worried the team should be, and why.

Pipeline: normalise (``normalize``) → tokenise (``tokenizer``) → find rule matches from the
lexicon (lemma sequences, same-clause co-occurrences, regexes for emoji and slang) → judge
each match in its clause: negated (死にたいなんて思ったことない), idiom/hyperbole (死ぬほど),
past and resolved (去年は…けど今は平気), someone else's or a film's (友達が / 映画で), joking
(w, 笑) → the highest surviving level wins.

Context may lower an urgent match to ``watch`` at most, never drop it: when unsure, the
team should still see it. Only a negation removes a match, and it stays in the evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate, chain
from operator import attrgetter
from typing import Any

from .levels import CATEGORIES, Level
from .lexicon import Element, Lexicon, Rule, load_lexicon
from .prefilter import first_characters
from .tokenizer import mecab_lines, parse_line

__all__ = ["Assessment", "Assessor", "Evidence", "assess"]

# Parts of speech that may sit between pattern words and that negation/past reach across.
_FUNCTION_POS = frozenset({"助詞", "助動詞", "接尾辞", "接頭辞"})
# Gaps inside a pattern may also hold adverbs: お金が全然足りない, 米がもうない.
_GAP_POS = _FUNCTION_POS | {"副詞"}
_PREDICATE_POS = frozenset({"動詞", "形容詞"})
# ない is an auxiliary or an adjective; なくなる (run out, stop being) is a verb.
_NEGATION_POS = frozenset({"助動詞", "形容詞", "動詞"})

# Context caps: how far each kind of context lowers a level.
_SOFTEN = {Level.URGENT: Level.WATCH, Level.HIGH: Level.WATCH, Level.WATCH: Level.NONE}
_OTHER_PERSON = {Level.URGENT: Level.WATCH, Level.HIGH: Level.WATCH, Level.WATCH: Level.NONE}
# A laugh does not lower an explicit urgent reading: "死にたいw" often masks the real thing.
_JOKE = {Level.HIGH: Level.WATCH, Level.WATCH: Level.NONE}
_NOT_NOW = {Level.URGENT: Level.HIGH}

# The same, on ranks (0 none … 3 urgent): Level's comparisons are Python-level calls.
_LEVELS = (Level.NONE, Level.WATCH, Level.HIGH, Level.URGENT)
_RANK = {level: level.rank for level in _LEVELS}


def _on_ranks(cap: dict[Level, Level]) -> tuple[int, ...]:
    return tuple(_RANK[cap.get(level, level)] for level in _LEVELS)


_SOFTEN_RANK = _on_ranks(_SOFTEN)
_OTHER_PERSON_RANK = _on_ranks(_OTHER_PERSON)
_JOKE_RANK = _on_ranks(_JOKE)
_NOT_NOW_RANK = _on_ranks(_NOT_NOW)


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

# Bits of ``_Tok.markers``: the context word lists a morpheme belongs to.
_MEDIA, _STILL, _DISTANT_PAST, _UNTIL, _RECENT, _RESOLVED = 1, 2, 4, 8, 16, 32
# Bound on the per-assessor morpheme cache (cleared when reached); real replies reuse a few
# tens of thousands of distinct morphemes, so this is rarely reached.
_TOK_CACHE_MAX = 200_000


class _Tok:
    """One distinct morpheme (a MeCab output line) with everything the rules ask of it.

    Shared between all messages that contain the morpheme, so it holds no offsets: those
    live in :class:`_Message`. The flags are the answers to the grammar's per-token
    questions, computed once when the morpheme is first seen.
    """

    __slots__ = (
        "all_markers",
        "candidates",
        "cform",
        "clause_after",
        "clause_break",
        "compound",
        "conditional",
        "conjunction",
        "dialect",
        "dialect_enabler",
        "gap",
        "joke",
        "keys",
        "lemma",
        "length",
        "mark",
        "markers",
        "negation",
        "not_negation",
        "other_person",
        "pair_first",
        "past",
        "past_aux",
        "pos1",
        "pos2",
        "predicate_stop",
        "sentence_mark",
        "subject_particle",
        "surface",
        "transparent",
        "trigger",
    )

    surface: str
    lemma: str
    pos1: str
    pos2: str
    cform: str
    length: int
    keys: tuple[str, str]  # (lemma, surface): what word lists are matched against
    candidates: tuple[Rule, ...] | None  # rules that may start/anchor here
    compound: tuple[tuple[tuple[str, ...], str], ...] | None  # compounds starting here
    trigger: bool  # candidates or compound: the message needs the full analysis
    negation: bool  # a negation by itself (ない, ん, へん)
    dialect: bool  # 博多 なか: a negation after an adjective or だ
    dialect_enabler: bool  # an adjective or だ
    mark: bool  # punctuation/symbol: ends a clause
    sentence_mark: bool  # punctuation other than 読点: ends a sentence
    clause_after: bool  # a clause-ending conjunctive particle (けど, のに)
    clause_break: bool  # mark or clause_after: the next token starts a clause
    conjunction: bool  # a conjunction: starts a clause
    gap: bool  # may sit between pattern words (unless it is a negation)
    transparent: bool  # negation and past reach across it
    not_negation: bool  # しか
    conditional: bool  # ば, と, きゃ after a negation
    past: bool  # past lemma (た)
    past_aux: bool  # past lemma as an auxiliary
    joke: bool
    markers: int  # _MEDIA | _STILL | ... for the word lists the morpheme is in
    pair_first: int  # bits of the lists with a two-word marker ("前+は") starting here
    all_markers: int  # markers | pair_first
    subject_particle: bool  # が/は/も as a particle
    other_person: bool  # 友達, 母, ...
    predicate_stop: bool  # a verb/adjective (not a helper verb): the subject search stops

    def __init__(
        self, info: tuple[str, str, str, str, str], assessor: Assessor, merged: bool = False
    ) -> None:
        surface, lemma, pos1, pos2, _ = info
        grammar = assessor.grammar
        lexicon = assessor.lexicon
        index = lexicon.index
        self.surface, self.lemma, self.pos1, self.pos2, self.cform = info
        self.length = len(surface)
        self.keys = (lemma, surface)

        def has_key(keys: frozenset[str]) -> bool:
            return lemma in keys or surface in keys

        candidates = index.get(lemma)
        if surface != lemma:
            more = index.get(surface)
            if more:
                candidates = candidates + more if candidates else more
        if candidates:
            # A word rule whose first element asks for a conjugation form can only start
            # here if this morpheme has it: decided once per morpheme, not per message.
            # (Order and repeats are kept: evidence order depends on them.)
            candidates = tuple(
                rule
                for rule in candidates
                if not (rule.words and rule.words[0].cforms)
                or _element_matches(rule.words[0], self)
            )
        self.candidates = candidates or None
        # Merged compounds are never merged again.
        self.compound = None if merged else (lexicon.compounds.get(surface) or None)
        self.trigger = self.candidates is not None or self.compound is not None
        self.negation = lemma in grammar.negation_lemmas and pos1 in _NEGATION_POS
        self.dialect = surface in grammar.negation_surfaces_after_adjective
        self.dialect_enabler = pos1 == "形容詞" or lemma == "だ"
        self.mark = pos1 == "補助記号"
        self.sentence_mark = self.mark and pos2 != "読点"
        self.clause_after = pos2 == "接続助詞" and lemma in grammar.clause_particles
        self.clause_break = self.mark or self.clause_after
        self.conjunction = pos1 == "接続詞"
        helper_verb = pos1 == "動詞" and lemma in grammar.gap_verbs
        self.gap = pos1 in _GAP_POS or helper_verb
        self.transparent = pos1 in _FUNCTION_POS or has_key(grammar.transparent) or helper_verb
        self.not_negation = lemma in grammar.not_negation_markers
        self.conditional = lemma in grammar.conditional_after_negation
        self.past = lemma in grammar.past_lemmas
        self.past_aux = self.past and pos1 == "助動詞"
        self.joke = surface in grammar.joke_surfaces
        markers = pair_first = 0
        for bit, words in assessor.marker_lists:
            if has_key(words):
                markers |= bit
            if surface in assessor.marker_pairs[bit]:
                pair_first |= bit
        self.markers = markers
        self.pair_first = pair_first
        self.all_markers = markers | pair_first
        self.subject_particle = surface in grammar.subject_particles and pos1 == "助詞"
        self.other_person = has_key(grammar.other_people)
        self.predicate_stop = pos1 in _PREDICATE_POS and lemma not in grammar.gap_verbs


class _Message:
    """One tokenised message with its clause/sentence structure (per-call scratch state)."""

    __slots__ = (
        "clause",
        "clause_end",
        "clause_start",
        "ends",
        "jokes",
        "markers",
        "n",
        "negation",
        "sentence",
        "starts",
        "text",
        "tokens",
    )

    def __init__(
        self, text: str, tokens: list[_Tok], starts: list[int] | None, ends: list[int] | None
    ) -> None:
        """``starts``/``ends``: character offsets, or None when tokens are contiguous."""
        self.text = text
        self.tokens = tokens
        self.n = n = len(tokens)
        self.negation = negation = [False] * n
        self.clause = clause = [0] * n
        self.sentence = sentence = [0] * n
        clause_start = [0]
        clause_id = sentence_id = 0
        markers = 0  # every marker bit (single or pair start) present in the message
        jokes = False
        if starts is None or ends is None:
            ends = list(accumulate(map(_get_length, tokens)))
            starts = [0, *ends[:-1]] if ends else []
            gaps = False
        else:
            gaps = True
        self.starts = starts
        self.ends = ends
        if n:
            # The first token by itself, then each token with its predecessor.
            previous = tokens[0]
            negation[0] = previous.negation
            markers = previous.all_markers
            jokes = previous.joke
        for i in range(1, n):
            token = tokens[i]
            if token.negation:
                negation[i] = True
            elif token.dialect:
                # 博多: 寂しくなか, 大丈夫じゃなか
                negation[i] = previous.dialect_enabler
            if gaps and starts[i] > ends[i - 1]:
                clause_id += 1
                clause_start.append(i)
                sentence_id += 1
            else:
                if previous.clause_break or token.conjunction:
                    clause_id += 1
                    clause_start.append(i)
                if previous.sentence_mark:
                    sentence_id += 1
            clause[i] = clause_id
            sentence[i] = sentence_id
            if token.all_markers:
                markers |= token.all_markers
            if token.joke:
                jokes = True
            previous = token
        self.clause_start = clause_start
        self.clause_end = [*clause_start[1:], n]
        self.markers = markers
        self.jokes = jokes


def _element_matches(element: Element, token: _Tok) -> bool:
    keys = element.keys
    if token.lemma in keys:
        key = token.lemma
    elif token.surface in keys:
        key = token.surface
    else:
        return False
    if not element.cforms:
        return True
    cforms = element.cforms.get(key)
    return cforms is None or token.cform.startswith(cforms)


def _any_element(elements: tuple[Element, ...], token: _Tok) -> bool:
    return any(_element_matches(element, token) for element in elements)


def _has_key(token: _Tok, keys: frozenset[str]) -> bool:
    return token.lemma in keys or token.surface in keys


_get_keys = attrgetter("keys")
_get_trigger = attrgetter("trigger")
_get_length = attrgetter("length")
_get_compound = attrgetter("compound")


def _words(tokens: list[_Tok]) -> Iterator[str]:
    """Lemmas and surfaces of ``tokens``: ``keys.isdisjoint(_words(...))`` is
    ``not any(_has_key(token, keys) ...)``, looped over in C."""
    return chain.from_iterable(map(_get_keys, tokens))


def _char_class(chars: set[str]) -> re.Pattern[str]:
    return re.compile("[" + "".join(sorted(re.escape(char) for char in chars)) + "]")


class Assessor:
    """Applies a compiled :class:`Lexicon` to messages. Stateless between calls.

    (Its caches of per-morpheme facts only ever grow towards a bound; they never change
    a result.)
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.grammar = grammar = lexicon.grammar
        # Regex rules (emoji, slang) run only when the text contains a character one of
        # their matches can start with; rules without a known start set always run. Rules
        # run in lexicon order, so ties in the evidence order are stable.
        self._regex_order = {id(rule): k for k, rule in enumerate(lexicon.regex_rules)}
        self._always_regex: list[Rule] = []
        self._regex_by_char: dict[str, list[Rule]] = {}
        for rule in lexicon.regex_rules:
            assert rule.regex is not None
            starts = first_characters(rule.regex.pattern, rule.regex.flags)
            if starts is None:
                self._always_regex.append(rule)
            else:
                for char in starts:
                    self._regex_by_char.setdefault(char, []).append(rule)
        # Gated rules as bits (lexicon order): the characters found in a text select a set
        # of rules, and each distinct set is sorted once.
        self._regex_gate = _char_class(set(self._regex_by_char)) if self._regex_by_char else None
        self._regex_bits: dict[str, int] = {
            char: sum(1 << self._regex_order[id(rule)] for rule in rules)
            for char, rules in self._regex_by_char.items()
        }
        self._always_mask = sum(1 << self._regex_order[id(rule)] for rule in self._always_regex)
        self._regex_sets: dict[int, tuple[Rule, ...]] = {0: tuple(self._always_regex)}
        # Context word lists, as bits of _Tok.markers; two-word markers ("前+は") by their
        # first word.
        self.marker_lists = (
            (_MEDIA, grammar.media),
            (_STILL, grammar.still),
            (_DISTANT_PAST, grammar.distant_past),
            (_UNTIL, grammar.until),
            (_RECENT, grammar.recent),
            (_RESOLVED, grammar.resolved),
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
        self._other_person_rules = {
            rule.id
            for rule in lexicon.rules
            if set(rule.categories) & grammar.other_person_categories
        }
        self._toks: dict[str, _Tok] = {}
        self._merged: dict[str, _Tok] = {}

    # -- public -------------------------------------------------------------------------

    def assess(self, text: str) -> Assessment:
        """Assess one message. Never raises on odd input; empty text is ``none``."""
        if not text or text.isspace():
            return _NOTHING
        text, tokenizer_text = self.lexicon.normalizer.normalize(text)
        lines = mecab_lines(tokenizer_text)
        tokens = list(map(self._toks.get, lines))
        if None in tokens:  # morphemes seen for the first time
            tokens = [token or self._tok(line) for token, line in zip(tokens, lines, strict=True)]
        trigger = any(map(_get_trigger, tokens))
        # search() finds a match exactly when finditer() would; most rules find none.
        regex_matches = [
            (rule, list(rule.regex.finditer(text)))  # type: ignore[union-attr]
            for rule in self._regex_rules(text)
            if rule.regex.search(text)  # type: ignore[union-attr]
        ]
        if not trigger and not regex_matches:
            return _NOTHING  # the common case: nothing in the reply can start a rule
        message = self._message(text, tokenizer_text, tokens)
        tokens = message.tokens
        evidence: list[Evidence] = []
        seen: set[tuple[str, int]] = set()
        if trigger:
            for i, token in enumerate(tokens):
                candidates = token.candidates
                if candidates is None:
                    continue
                for rule in candidates:
                    words = rule.words
                    if words:
                        # The index put the rule here: token i holds one of words[0]'s keys,
                        # in a conjugation form words[0] allows (see _Tok.candidates).
                        if len(words) == 1:
                            self._judge(message, rule, i, i, evidence, seen)
                            continue
                        end = self._match_rest(
                            message, words, 1, i + 1, message.clause_end[message.clause[i]]
                        )
                        if end >= 0:
                            self._judge(message, rule, i, end - 1, evidence, seen)
                    else:
                        found = self._match_all_of(message, rule.all_of, message.clause[i])
                        if found is not None:
                            self._judge(message, rule, found[0], found[1], evidence, seen)
        for rule, matches in regex_matches:
            for match in matches:
                first, last = self._token_range(message, match.start(), match.end())
                self._judge(message, rule, first, last, evidence, seen, match.start(), match.end())
        if not evidence:
            return _NOTHING
        if len(evidence) == 1:
            item = evidence[0]
            level = item.level
            if level is Level.NONE:
                return Assessment(level, (), (item,))
            categories = item.categories
            if len(categories) > 1:
                categories = tuple(category for category in CATEGORIES if category in categories)
            return Assessment(level, categories, (item,))
        level = _LEVELS[max(_RANK[item.level] for item in evidence)]
        found_categories = {
            category
            for item in evidence
            if item.level is not Level.NONE
            for category in item.categories
        }
        categories = tuple(category for category in CATEGORIES if category in found_categories)
        evidence.sort(key=lambda item: (-_RANK[item.level], item.start))
        return Assessment(level, categories, tuple(evidence))

    # -- tokens -------------------------------------------------------------------------

    def _tok(self, line: str) -> _Tok:
        cache = self._toks
        if len(cache) >= _TOK_CACHE_MAX:
            cache.clear()
        token = cache[line] = _Tok(parse_line(line), self)
        return token

    def _merged_tok(self, word: str) -> _Tok:
        token = self._merged.get(word)
        if token is None:
            token = self._merged[word] = _Tok((word, word, "名詞", "一般", ""), self, merged=True)
        return token

    def _regex_rules(self, text: str) -> tuple[Rule, ...]:
        """The regex rules that may match ``text``, in lexicon order."""
        mask = 0
        if self._regex_gate is not None:
            bits = self._regex_bits
            for char in set(self._regex_gate.findall(text)):
                mask |= bits[char]
        rules = self._regex_sets.get(mask)
        if rules is None:
            # The always-run rules' bits plus the gated ones, read in lexicon order.
            mask |= self._always_mask
            regex_rules = self.lexicon.regex_rules
            rules = tuple(regex_rules[k] for k in range(mask.bit_length()) if mask >> k & 1)
            if len(self._regex_sets) < 10_000:
                self._regex_sets[mask & ~self._always_mask] = rules
        return rules

    def _message(self, text: str, tokenizer_text: str, tokens: list[_Tok]) -> _Message:
        compounds = bool(self.lexicon.compounds) and any(map(_get_compound, tokens))
        if " " not in tokenizer_text:
            # MeCab drops spaces; without any, tokens are contiguous and offsets cumulative.
            if compounds:
                tokens = self._merge_contiguous(tokens)
            return _Message(text, tokens, None, None)
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
        if compounds:
            tokens, starts, ends = self._merge_compounds(tokens, starts, ends)
        return _Message(text, tokens, starts, ends)

    # -- matching -----------------------------------------------------------------------

    def _merge_contiguous(self, tokens: list[_Tok]) -> list[_Tok]:
        """:meth:`_merge_compounds` for tokens without spaces between them."""
        merged: list[_Tok] = []
        i, n = 0, len(tokens)
        while i < n:
            token = tokens[i]
            candidates = token.compound
            if candidates:
                # candidates[...][0][0] is token.surface: the compounds are keyed by it.
                for surfaces, word in candidates:
                    end = i + len(surfaces)
                    if end <= n and all(
                        tokens[i + k].surface == surfaces[k] for k in range(1, len(surfaces))
                    ):
                        merged.append(self._merged_tok(word))
                        i = end
                        break
                else:
                    merged.append(token)
                    i += 1
                continue
            merged.append(token)
            i += 1
        return merged

    def _merge_compounds(
        self, tokens: list[_Tok], starts: list[int], ends: list[int]
    ) -> tuple[list[_Tok], list[int], list[int]]:
        merged: list[_Tok] = []
        merged_starts: list[int] = []
        merged_ends: list[int] = []
        i, n = 0, len(tokens)
        while i < n:
            token = tokens[i]
            candidates = token.compound
            if candidates:
                for surfaces, word in candidates:
                    end = i + len(surfaces)
                    if end <= n and all(
                        tokens[i + k].surface == surfaces[k]
                        and (k == 0 or starts[i + k] == ends[i + k - 1])
                        for k in range(len(surfaces))
                    ):
                        merged.append(self._merged_tok(word))
                        merged_starts.append(starts[i])
                        merged_ends.append(ends[end - 1])
                        i = end
                        break
                else:
                    merged.append(token)
                    merged_starts.append(starts[i])
                    merged_ends.append(ends[i])
                    i += 1
                continue
            merged.append(token)
            merged_starts.append(starts[i])
            merged_ends.append(ends[i])
            i += 1
        return merged, merged_starts, merged_ends

    @staticmethod
    def _skippable(message: _Message, j: int) -> bool:
        return not message.negation[j] and message.tokens[j].gap

    def _match_rest(
        self, message: _Message, words: tuple[Element, ...], k: int, j: int, end: int
    ) -> int:
        # Small backtracking matcher: each element may be preceded by up to four
        # skippable tokens; optional elements ("?word") may be missing.
        if k == len(words):
            return j
        element = words[k]
        position, skipped = j, 0
        while position < end:
            if (element.negation and message.negation[position]) or _element_matches(
                element, message.tokens[position]
            ):
                found = self._match_rest(message, words, k + 1, position + 1, end)
                if found >= 0:
                    return found
            if skipped < 4 and self._skippable(message, position):
                skipped += 1
                position += 1
                continue
            break
        if element.optional:
            return self._match_rest(message, words, k + 1, j, end)
        return -1

    def _match_all_of(
        self, message: _Message, groups: tuple[Element, ...], clause: int
    ) -> tuple[int, int] | None:
        """First and last token of a same-clause co-occurrence of every group, or None."""
        begin = message.clause_start[clause]
        end = message.clause_end[clause]
        first, last = end, -1
        for element in groups:
            hit = -1
            for j in range(begin, end):
                if (element.negation and message.negation[j]) or _element_matches(
                    element, message.tokens[j]
                ):
                    hit = j
                    break
            if hit < 0:
                return None
            first = min(first, hit)
            last = max(last, hit)
        return first, last

    @staticmethod
    def _token_range(message: _Message, start: int, end: int) -> tuple[int, int]:
        first = last = -1
        starts, ends = message.starts, message.ends
        for i in range(message.n):
            if ends[i] > start and first < 0:
                first = i
            if starts[i] < end:
                last = i
        if first < 0:
            return -1, -1
        return first, max(first, last)

    # -- judging a match in context -------------------------------------------------------

    def _judge(
        self,
        message: _Message,
        rule: Rule,
        first: int,
        last: int,
        evidence: list[Evidence],
        seen: set[tuple[str, int]],
        char_start: int | None = None,
        char_end: int | None = None,
    ) -> None:
        if char_start is None or char_end is None:
            char_start, char_end = message.starts[first], message.ends[last]
        key = (rule.id, char_start)
        if key in seen:
            return
        seen.add(key)
        level = rule.level
        notes: list[str] = []
        if first >= 0:
            level = self._in_context(message, rule, first, last, notes)
        evidence.append(
            Evidence(
                span=message.text[char_start:char_end],
                rule=rule.id,
                category=rule.categories[0],
                level=level,
                note=", ".join(notes),
                start=char_start,
                end=char_end,
                categories=rule.categories,
            )
        )

    def _in_context(
        self, message: _Message, rule: Rule, first: int, last: int, notes: list[str]
    ) -> Level:
        tokens = message.tokens
        clause = message.clause[first]
        begin, end = message.clause_start[clause], message.clause_end[clause]
        if (
            (rule.unless_prev and first > 0 and _any_element(rule.unless_prev, tokens[first - 1]))
            or (
                rule.unless_next
                and last + 1 < message.n
                and _any_element(rule.unless_next, tokens[last + 1])
            )
            or (rule.unless_clause and not rule.unless_clause.isdisjoint(_words(tokens[begin:end])))
        ):
            notes.append("idiom")
            return Level.NONE
        if rule.negatable and self._negated(message, first, last):
            notes.append("negated")
            return Level.NONE
        # Levels as ranks (0 none … 3 urgent) below.
        level = _RANK[rule.level]
        if rule.boost and rule.boost_level is not None:
            # Boosters count anywhere in the message: 三日。寝てない / さようなら。みんな…
            if not rule.boost.isdisjoint(_words(tokens)):
                boost = _RANK[rule.boost_level]
                if boost > level:
                    level = boost
                    notes.append("boosted")
        if not rule.contextual:
            return _LEVELS[level]
        original = level
        present = message.markers  # marker lists with a word anywhere in the message
        sentence_range = (
            self._sentence_range(message, first) if present & (_MEDIA | _DISTANT_PAST) else None
        )
        if rule.soften_clause and not rule.soften_clause.isdisjoint(_words(tokens[begin:end])):
            level = min(level, 1)
            notes.append("hyperbole")
        if message.jokes:
            for j in range(first, message.n):
                if tokens[j].joke:
                    level = min(level, _JOKE_RANK[level])
                    notes.append("joke")
                    break
        if sentence_range is not None and self._has_marker(message, sentence_range, _MEDIA):
            level = min(level, _SOFTEN_RANK[level])
            notes.append("media")
        if rule.id in self._other_person_rules and self._other_subject(message, first, begin):
            level = min(level, _OTHER_PERSON_RANK[level])
            notes.append("someone else")
        clause_range = range(begin, end)
        if not (present & _STILL and self._has_marker(message, clause_range, _STILL)):
            past = self._past(message, last)
            distant = sentence_range is not None and self._has_marker(
                message, sentence_range, _DISTANT_PAST
            )
            if (
                (past or distant)
                and present & _RESOLVED
                and self._resolved_elsewhere(message, clause)
            ):
                level = min(level, _SOFTEN_RANK[level])
                notes.append("past, resolved")
            elif distant:
                level = min(level, _NOT_NOW_RANK[level])
                notes.append("distant past")
            elif (
                past
                and present & _UNTIL
                and present & _RECENT
                and self._has_marker(message, clause_range, _UNTIL)
                and self._has_marker(message, clause_range, _RECENT)
            ):
                level = min(level, _NOT_NOW_RANK[level])
                notes.append("recent past")
        if original == 3 and level < 1:
            level = 1  # an urgent reading stays visible whatever the context
        return _LEVELS[level]

    @staticmethod
    def _scan_after(message: _Message, last: int) -> range:
        clause = message.clause[last]
        return range(last + 1, message.clause_end[clause])

    def _negated(self, message: _Message, first: int, last: int) -> bool:
        """A negation later in the clause that reaches the match (死にたいなんて思ってない)."""
        tokens = message.tokens
        negation = message.negation
        # 死ぬしかない: しか…ない is "nothing but", not a negation.
        only = any(tokens[j].not_negation for j in range(first, last + 1))
        for j in self._scan_after(message, last):
            token = tokens[j]
            if negation[j]:
                if only:
                    return False
                # 死ななきゃ / 眠れなければ: conditionals and obligations, not denials.
                return not (
                    j + 1 < message.n
                    and tokens[j + 1].conditional
                    and message.clause[j + 1] == message.clause[j]
                )
            if token.not_negation:
                only = True
                continue
            if not token.transparent:
                return False
        return False

    def _past(self, message: _Message, last: int) -> bool:
        tokens = message.tokens
        if tokens[last].past:
            return True
        for j in self._scan_after(message, last):
            token = tokens[j]
            if token.past_aux:
                return True
            if not token.transparent and not message.negation[j]:
                return False
        return False

    @staticmethod
    def _sentence_range(message: _Message, index: int) -> range:
        sentence = message.sentence[index]
        begin = index
        while begin > 0 and message.sentence[begin - 1] == sentence:
            begin -= 1
        end = index
        while end < message.n and message.sentence[end] == sentence:
            end += 1
        return range(begin, end)

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

    def _resolved_elsewhere(self, message: _Message, clause: int) -> bool:
        tokens = message.tokens
        for j, token in enumerate(tokens):
            if message.clause[j] == clause or not token.markers & _RESOLVED:
                continue
            if not self._negated(message, j, j):
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
            if token.predicate_stop:
                return False
        return False


_default: Assessor | None = None


def assess(text: str) -> Assessment:
    """Assess one reply with the packaged lexicon."""
    global _default
    if _default is None:
        _default = Assessor(load_lexicon())
    return _default.assess(text)
