"""Message-entity handling for the Bot API stand-in.

Telegram measures entity offsets and lengths in UTF-16 code units, strips formatting markup
(``parse_mode`` HTML / MarkdownV2 / Markdown) from the text it stores, and answers
``400 Bad Request: can't parse entities: ...`` for malformed markup. This module models that:

* :func:`utf16_len` — length in UTF-16 code units.
* :func:`detect_entities` — the entities Telegram adds to *incoming* user text
  (``bot_command`` and ``mention``).
* :func:`parse_formatted` — turn bot-sent text + ``parse_mode`` into (plain text, entities),
  raising :class:`ParseError` with a Telegram-like description for bad markup.

Simplifications: no ``url``/``hashtag``/``email`` auto-detection; MarkdownV2 nesting rules
are checked loosely (markers must be closed, reserved characters must be escaped).
"""

from __future__ import annotations

import html
import re
from typing import Any

__all__ = ["ParseError", "detect_entities", "parse_formatted", "utf16_len"]

_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z][A-Za-z0-9_]{3,31}(?![A-Za-z0-9_])")


class ParseError(ValueError):
    """Bad formatting markup; ``str(exc)`` is the part after ``can't parse entities: ``."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (Telegram's unit for offsets and lengths)."""
    return len(text.encode("utf-16-le")) // 2


def detect_entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram attaches to a user's text: bot commands and @mentions."""
    found: list[tuple[int, dict[str, Any]]] = []
    for regex, kind in ((_COMMAND_RE, "bot_command"), (_MENTION_RE, "mention")):
        for match in regex.finditer(text):
            offset = utf16_len(text[: match.start()])
            found.append(
                (offset, {"type": kind, "offset": offset, "length": utf16_len(match.group())})
            )
    found.sort(key=lambda item: item[0])
    return [entity for _, entity in found]


def parse_formatted(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Apply ``parse_mode`` like Telegram does; explicit ``entities`` win over ``parse_mode``."""
    if entities is not None:
        return text, list(entities)
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return _HtmlParser(text).parse()
    if mode == "markdownv2":
        return _MarkdownParser(text, v2=True).parse()
    if mode == "markdown":
        return _MarkdownParser(text, v2=False).parse()
    raise ParseError(f'Unsupported parse_mode "{parse_mode}"')


class _Builder:
    """Accumulates plain text and tracks the UTF-16 position."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.entities: list[dict[str, Any]] = []

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.pos += utf16_len(chunk)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.pos > start:
            self.entities.append(
                {"type": kind, "offset": start, "length": self.pos - start, **extra}
            )

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        ordered = sorted(
            enumerate(self.entities), key=lambda item: (item[1]["offset"], -item[1]["length"])
        )
        return "".join(self.parts), [entity for _, entity in ordered]


_TAG_RE = re.compile(
    r"<(?P<close>/?)(?P<name>[A-Za-z][A-Za-z0-9-]*)"
    r"(?P<attrs>(?:\s+[A-Za-z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*/?>"
)
_ATTR_RE = re.compile(r"([A-Za-z-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_HTML_KINDS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class _HtmlParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.out = _Builder()

    def _byte_offset(self, index: int) -> int:
        return len(self.text[:index].encode("utf-8"))

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        text = self.text
        stack: list[tuple[str, int, dict[str, Any]]] = []
        i = 0
        while i < len(text):
            char = text[i]
            if char == "<":
                match = _TAG_RE.match(text, i)
                if match is None:
                    raise ParseError(
                        f'Unsupported start tag "" at byte offset {self._byte_offset(i)}'
                    )
                name = match["name"].lower()
                if match["close"]:
                    if not stack or stack[-1][0] != name:
                        raise ParseError(
                            f"Unmatched end tag at byte offset {self._byte_offset(i)}, "
                            f'expected "</{stack[-1][0] if stack else ""}>", found "</{name}>"'
                        )
                    tag, start, extra = stack.pop()
                    self._close(tag, start, extra, stack)
                else:
                    extra = self._open(name, match["attrs"] or "", i)
                    stack.append((name, self.out.pos, extra))
                i = match.end()
            elif char == "&":
                match = _ENTITY_RE.match(text, i)
                if match is None:
                    self.out.add("&")
                    i += 1
                else:
                    self.out.add(html.unescape(match.group()))
                    i = match.end()
            else:
                nxt = min((j for j in (text.find("<", i), text.find("&", i)) if j >= 0), default=-1)
                end = len(text) if nxt < 0 else nxt
                self.out.add(text[i:end])
                i = end
        if stack:
            raise ParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
        return self.out.result()

    def _open(self, name: str, attrs: str, index: int) -> dict[str, Any]:
        if name not in _HTML_KINDS:
            raise ParseError(
                f'Unsupported start tag "{name}" at byte offset {self._byte_offset(index)}'
            )
        values = {
            key.lower(): html.unescape(value.strip("\"'")) if value else ""
            for key, value in _ATTR_RE.findall(attrs)
        }
        if name == "span" and values.get("class") != "tg-spoiler":
            raise ParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self._byte_offset(index)}'
            )
        if name == "a":
            return {"url": values.get("href", "")}
        if name == "code" and values.get("class", "").startswith("language-"):
            return {"language": values["class"][len("language-") :]}
        if name == "blockquote" and "expandable" in values:
            return {"expandable": True}
        if name == "tg-emoji":
            return {"custom_emoji_id": values.get("emoji-id", "")}
        return {}

    def _close(
        self, tag: str, start: int, extra: dict[str, Any], stack: list[tuple[str, int, Any]]
    ) -> None:
        kind = _HTML_KINDS[tag]
        if tag == "a":
            url = extra["url"]
            if url.startswith("tg://user?id="):
                user_id = url.split("=", 1)[1]
                self.out.entity("text_mention", start, user={"id": int(user_id)})
            else:
                self.out.entity("text_link", start, url=url)
            return
        if tag == "code" and stack and stack[-1][0] == "pre":
            if "language" in extra:
                stack[-1][2]["language"] = extra["language"]
                return
        if tag == "blockquote" and extra.get("expandable"):
            kind = "expandable_blockquote"
        extra = {k: v for k, v in extra.items() if k != "expandable"}
        self.out.entity(kind, start, **extra)


_MD2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD2_MARKERS = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}
_MD1_MARKERS = {"*": "bold", "_": "italic"}


class _MarkdownParser:
    def __init__(self, text: str, *, v2: bool) -> None:
        self.text = text
        self.v2 = v2
        self.out = _Builder()

    def _byte_offset(self, index: int) -> int:
        return len(self.text[:index].encode("utf-8"))

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        text = self.text
        markers = _MD2_MARKERS if self.v2 else _MD1_MARKERS
        open_markers: list[tuple[str, int, int]] = []  # (marker, start pos, byte offset)
        link_start: list[tuple[int, int]] = []
        i = 0
        while i < len(text):
            char = text[i]
            if self.v2 and char == "\\" and i + 1 < len(text):
                self.out.add(text[i + 1])
                i += 2
                continue
            if text.startswith("```", i):
                i = self._pre(i)
                continue
            if char == "`":
                i = self._code(i)
                continue
            two = text[i : i + 2]
            marker = two if self.v2 and two in ("__", "||") else char
            if marker in markers:
                if open_markers and open_markers[-1][0] == marker:
                    _, start, _ = open_markers.pop()
                    self.out.entity(markers[marker], start)
                else:
                    open_markers.append((marker, self.out.pos, self._byte_offset(i)))
                i += len(marker)
                continue
            if char == "[":
                link_start.append((self.out.pos, self._byte_offset(i)))
                i += 1
                continue
            if char == "]" and link_start:
                start, _ = link_start.pop()
                close = text.find(")", i)
                if not text.startswith("(", i + 1) or close < 0:
                    raise ParseError(
                        f"Can't find end of a URL at byte offset {self._byte_offset(i)}"
                    )
                url = text[i + 2 : close].replace("\\)", ")").replace("\\\\", "\\")
                self.out.entity("text_link", start, url=url)
                i = close + 1
                continue
            if self.v2 and char in _MD2_RESERVED:
                raise ParseError(
                    f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
                )
            self.out.add(char)
            i += 1
        if open_markers:
            marker, _, byte_offset = open_markers[-1]
            name = markers[marker].capitalize()
            raise ParseError(f"Can't find end of {name} entity at byte offset {byte_offset}")
        if link_start:
            raise ParseError(f"Can't find end of a URL at byte offset {link_start[-1][1]}")
        return self.out.result()

    def _code(self, i: int) -> int:
        end = self._find_unescaped(i + 1, "`")
        if end < 0:
            raise ParseError(f"Can't find end of Code entity at byte offset {self._byte_offset(i)}")
        start = self.out.pos
        self.out.add(self._unescape(self.text[i + 1 : end]))
        self.out.entity("code", start)
        return end + 1

    def _pre(self, i: int) -> int:
        end = self._find_unescaped(i + 3, "```")
        if end < 0:
            raise ParseError(f"Can't find end of Pre entity at byte offset {self._byte_offset(i)}")
        body = self.text[i + 3 : end]
        language = ""
        first, newline, rest = body.partition("\n")
        if newline and first and " " not in first:
            language, body = first, rest
        start = self.out.pos
        self.out.add(self._unescape(body))
        if language:
            self.out.entity("pre", start, language=language)
        else:
            self.out.entity("pre", start)
        return end + 3

    def _find_unescaped(self, start: int, needle: str) -> int:
        i = start
        while i < len(self.text):
            if self.v2 and self.text[i] == "\\":
                i += 2
                continue
            if self.text.startswith(needle, i):
                return i
            i += 1
        return -1

    def _unescape(self, chunk: str) -> str:
        return re.sub(r"\\(.)", r"\1", chunk) if self.v2 else chunk
