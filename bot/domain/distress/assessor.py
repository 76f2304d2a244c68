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

from dataclasses import dataclass
from typing import Any

from .levels import CATEGORIES, Level
from .lexicon import Element, Grammar, Lexicon, Rule, load_lexicon
from .prefilter import first_characters
from .tokenizer import Token, tokenize

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


class _Message:
    """One tokenised message with its clause/sentence structure (per-call scratch state)."""

    __slots__ = (
        "clause",
        "clause_end",
        "clause_start",
        "n",
        "negation",
        "sentence",
        "text",
        "tokens",
    )

    def __init__(self, text: str, tokens: list[Token], grammar: Grammar) -> None:
        self.text = text
        self.tokens = tokens
        self.n = n = len(tokens)
        negation_lemmas = grammar.negation_lemmas
        dialect = grammar.negation_surfaces_after_adjective
        clause_particles = grammar.clause_particles
        self.negation = negation = [False] * n
        self.clause = clause = [0] * n
        self.sentence = sentence = [0] * n
        clause_start = [0]
        clause_id = sentence_id = 0
        previous: Token | None = None
        for i, token in enumerate(tokens):
            pos1 = token.pos1
            if token.lemma in negation_lemmas and pos1 in _NEGATION_POS:
                negation[i] = True
            elif token.surface in dialect and previous is not None:
                # 博多: 寂しくなか, 大丈夫じゃなか
                negation[i] = previous.pos1 == "形容詞" or previous.lemma == "だ"
            if previous is not None:
                gap = token.start > previous.end
                previous_mark = previous.pos1 == "補助記号"
                if (
                    gap
                    or previous_mark
                    or (previous.pos2 == "接続助詞" and previous.lemma in clause_particles)
                    or pos1 == "接続詞"
                ):
                    clause_id += 1
                    clause_start.append(i)
                if gap or (previous_mark and previous.pos2 != "読点"):
                    sentence_id += 1
            clause[i] = clause_id
            sentence[i] = sentence_id
            previous = token
        self.clause_start = clause_start
        ends = [*clause_start[1:], n]
        self.clause_end = ends


def _element_matches(element: Element, token: Token) -> bool:
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


def _any_element(elements: tuple[Element, ...], token: Token) -> bool:
    return any(_element_matches(element, token) for element in elements)


def _has_key(token: Token, keys: frozenset[str]) -> bool:
    return token.lemma in keys or token.surface in keys


class Assessor:
    """Applies a compiled :class:`Lexicon` to messages. Stateless between calls."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.grammar = lexicon.grammar
        # Regex rules (emoji, slang) run only when the text contains a character one of
        # their matches can start with; rules without a known start set always run.
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

    # -- public -------------------------------------------------------------------------

    def assess(self, text: str) -> Assessment:
        """Assess one message. Never raises on odd input; empty text is ``none``."""
        if not text or text.isspace():
            return _NOTHING
        normalized = self.lexicon.normalizer(text)
        tokens = tokenize(normalized.tokenizer_text)
        if self.lexicon.compounds:
            tokens = self._merge_compounds(tokens)
        message = _Message(normalized.text, tokens, self.grammar)
        evidence: list[Evidence] = []
        seen: set[tuple[str, int]] = set()
        index = self.lexicon.index
        for i, token in enumerate(tokens):
            candidates = index.get(token.lemma)
            if token.surface != token.lemma:
                more = index.get(token.surface)
                if more:
                    candidates = candidates + more if candidates else more
            if not candidates:
                continue
            for rule in candidates:
                if rule.words:
                    end = self._match_words(message, rule.words, i)
                    if end >= 0:
                        self._judge(message, rule, i, end - 1, evidence, seen)
                else:
                    found = self._match_all_of(message, rule.all_of, message.clause[i])
                    if found is not None:
                        self._judge(message, rule, found[0], found[1], evidence, seen)
        text = normalized.text
        regex_rules = list(self._always_regex)
        by_char = self._regex_by_char
        for char in set(text):
            more = by_char.get(char)
            if more:
                regex_rules.extend(rule for rule in more if rule not in regex_rules)
        for rule in regex_rules:
            assert rule.regex is not None
            for match in rule.regex.finditer(text):
                first, last = self._token_range(message, match.start(), match.end())
                self._judge(message, rule, first, last, evidence, seen, match.start(), match.end())
        if not evidence:
            return _NOTHING
        level = max(item.level for item in evidence)
        found_categories = {
            category
            for item in evidence
            if item.level is not Level.NONE
            for category in item.categories
        }
        categories = tuple(category for category in CATEGORIES if category in found_categories)
        evidence.sort(key=lambda item: (-item.level.rank, item.start))
        return Assessment(level, categories, tuple(evidence))

    # -- matching -----------------------------------------------------------------------

    def _merge_compounds(self, tokens: list[Token]) -> list[Token]:
        compounds = self.lexicon.compounds
        merged: list[Token] = []
        i, n = 0, len(tokens)
        while i < n:
            token = tokens[i]
            candidates = compounds.get(token.surface)
            if candidates:
                for surfaces, word in candidates:
                    end = i + len(surfaces)
                    if end <= n and all(
                        tokens[i + k].surface == surfaces[k]
                        and (k == 0 or tokens[i + k].start == tokens[i + k - 1].end)
                        for k in range(len(surfaces))
                    ):
                        last = tokens[end - 1]
                        merged.append(Token(word, word, "名詞", "一般", "", token.start, last.end))
                        i = end
                        break
                else:
                    merged.append(token)
                    i += 1
                continue
            merged.append(token)
            i += 1
        return merged

    def _skippable(self, message: _Message, j: int) -> bool:
        if message.negation[j]:
            return False
        token = message.tokens[j]
        return token.pos1 in _GAP_POS or (
            token.pos1 == "動詞" and token.lemma in self.grammar.gap_verbs
        )

    def _match_words(self, message: _Message, words: tuple[Element, ...], start: int) -> int:
        """End index (exclusive) of ``words`` matched from token ``start``, or -1."""
        if not _element_matches(words[0], message.tokens[start]):
            return -1
        end_of_clause = message.clause_end[message.clause[start]]
        return self._match_rest(message, words, 1, start + 1, end_of_clause)

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
        for i, token in enumerate(message.tokens):
            if token.end > start and first < 0:
                first = i
            if token.start < end:
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
        tokens = message.tokens
        if char_start is None or char_end is None:
            char_start, char_end = tokens[first].start, tokens[last].end
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
        grammar = self.grammar
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
            or (
                rule.unless_clause
                and any(_has_key(tokens[j], rule.unless_clause) for j in range(begin, end))
            )
        ):
            notes.append("idiom")
            return Level.NONE
        if rule.negatable and self._negated(message, first, last):
            notes.append("negated")
            return Level.NONE
        level = rule.level
        sentence_range = self._sentence_range(message, first)
        if rule.boost and rule.boost_level is not None:
            # Boosters count anywhere in the message: 三日。寝てない / さようなら。みんな…
            if any(_has_key(token, rule.boost) for token in tokens):
                if rule.boost_level > level:
                    level = rule.boost_level
                    notes.append("boosted")
        if not rule.contextual:
            return level
        original = level
        if rule.soften_clause and any(
            _has_key(tokens[j], rule.soften_clause) for j in range(begin, end)
        ):
            level = min(level, Level.WATCH)
            notes.append("hyperbole")
        if any(tokens[j].surface in grammar.joke_surfaces for j in range(first, message.n)):
            level = min(level, _JOKE.get(level, level))
            notes.append("joke")
        if self._has_marker(message, sentence_range, grammar.media):
            level = min(level, _SOFTEN.get(level, level))
            notes.append("media")
        if set(rule.categories) & grammar.other_person_categories and self._other_subject(
            message, first, begin
        ):
            level = min(level, _OTHER_PERSON.get(level, level))
            notes.append("someone else")
        if not self._has_marker(message, range(begin, end), grammar.still):
            past = self._past(message, last)
            distant = self._has_marker(message, sentence_range, grammar.distant_past)
            if (past or distant) and self._resolved_elsewhere(message, clause):
                level = min(level, _SOFTEN.get(level, level))
                notes.append("past, resolved")
            elif distant:
                level = min(level, _NOT_NOW.get(level, level))
                notes.append("distant past")
            elif (
                past
                and self._has_marker(message, range(begin, end), grammar.until)
                and self._has_marker(message, range(begin, end), grammar.recent)
            ):
                level = min(level, _NOT_NOW.get(level, level))
                notes.append("recent past")
        if original is Level.URGENT and level < Level.WATCH:
            level = Level.WATCH  # an urgent reading stays visible whatever the context
        return level

    def _scan_after(self, message: _Message, last: int) -> range:
        clause = message.clause[last]
        return range(last + 1, message.clause_end[clause])

    def _transparent(self, token: Token) -> bool:
        return (
            token.pos1 in _FUNCTION_POS
            or token.lemma in self.grammar.transparent
            or token.surface in self.grammar.transparent
            or (token.pos1 == "動詞" and token.lemma in self.grammar.gap_verbs)
        )

    def _negated(self, message: _Message, first: int, last: int) -> bool:
        """A negation later in the clause that reaches the match (死にたいなんて思ってない)."""
        grammar = self.grammar
        tokens = message.tokens
        # 死ぬしかない: しか…ない is "nothing but", not a negation.
        only = any(tokens[j].lemma in grammar.not_negation_markers for j in range(first, last + 1))
        for j in self._scan_after(message, last):
            token = tokens[j]
            if message.negation[j]:
                if only:
                    return False
                following = tokens[j + 1] if j + 1 < message.n else None
                # 死ななきゃ / 眠れなければ: conditionals and obligations, not denials.
                return not (
                    following is not None
                    and following.lemma in grammar.conditional_after_negation
                    and message.clause[j + 1] == message.clause[j]
                )
            if token.lemma in grammar.not_negation_markers:
                only = True
                continue
            if not self._transparent(token):
                return False
        return False

    def _past(self, message: _Message, last: int) -> bool:
        tokens = message.tokens
        past_lemmas = self.grammar.past_lemmas
        if tokens[last].lemma in past_lemmas:
            return True
        for j in self._scan_after(message, last):
            token = tokens[j]
            if token.lemma in past_lemmas and token.pos1 == "助動詞":
                return True
            if not self._transparent(token) and not message.negation[j]:
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

    @staticmethod
    def _has_marker(message: _Message, where: range, markers: frozenset[str]) -> bool:
        # Markers are lemmas/surfaces, or two-token sequences written "前+は".
        tokens = message.tokens
        for j in where:
            token = tokens[j]
            if token.lemma in markers or token.surface in markers:
                return True
            if j + 1 < message.n:
                pair = f"{token.surface}+{tokens[j + 1].surface}"
                if pair in markers:
                    return True
        return False

    def _resolved_elsewhere(self, message: _Message, clause: int) -> bool:
        resolved = self.grammar.resolved
        tokens = message.tokens
        for j, token in enumerate(tokens):
            if message.clause[j] == clause or not _has_key(token, resolved):
                continue
            if not self._negated(message, j, j):
                return True
        return False

    def _other_subject(self, message: _Message, first: int, begin: int) -> bool:
        """Someone else is the subject of the matched predicate (友達が死にたいって)."""
        grammar = self.grammar
        tokens = message.tokens
        for j in range(first - 1, begin - 1, -1):
            token = tokens[j]
            if token.surface in grammar.subject_particles and token.pos1 == "助詞":
                if j > begin and _has_key(tokens[j - 1], grammar.other_people):
                    return True
                continue
            if token.pos1 in _PREDICATE_POS and token.lemma not in grammar.gap_verbs:
                return False
        return False


_default: Assessor | None = None


def assess(text: str) -> Assessment:
    """Assess one reply with the packaged lexicon."""
    global _default
    if _default is None:
        _default = Assessor(load_lexicon())
    return _default.assess(text)
