"""Phrases as admins write them in risk rules, and how a message's words are searched for them.

A phrase becomes a sequence of word tests over the canonical words
(services/desk/risk_text.py), so it is normalised exactly as a message is.
A PhraseIndex holds every phrase of a rule set, in groups, and finds all of
them in one pass over a message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.desk.risk_text import MARKERS, written_words


class PhraseError(ValueError):
    """A phrase an admin wrote that cannot become a pattern; the text says why."""


WORD, PREFIX, ANY, GAP = "word", "prefix", "any", "gap"
MAX_GAP = 3
Element = tuple[str, str]
_Entry = tuple[int, tuple[Element, ...]]  # (group, phrase elements)


@dataclass(frozen=True, slots=True)
class PhrasePattern:
    phrase: str  # as the admin wrote it
    elements: tuple[Element, ...]


def compile_phrase(phrase: str) -> PhrasePattern:
    """One phrase → a sequence of word tests over the canonical words.

    A word matches a whole word. `word*` matches any word starting with
    `word`; a lone `*` matches any one word; `...` matches up to three words.
    """
    elements: list[Element] = []
    pieces = phrase.replace("…", " ... ").split()
    if not pieces:
        raise PhraseError("a phrase cannot be empty")
    for i, piece in enumerate(pieces):
        if piece == "...":
            if i == 0 or i == len(pieces) - 1:
                raise PhraseError("'...' can only stand between two words")
            elements.append((GAP, ""))
            continue
        if piece == "*":
            elements.append((ANY, ""))
            continue
        prefix = piece.endswith("*")
        body = piece.rstrip("*")
        if "*" in body:
            raise PhraseError(f"'*' can only end a word, as in 'stab*', not {piece!r}")
        words = written_words(body)
        if not words:
            raise PhraseError(f"{piece!r} has no letters or digits")
        for j, w in enumerate(words):
            open_ended = prefix and j == len(words) - 1
            elements.append((PREFIX, w) if open_ended else (WORD, w))
    if all(kind in (ANY, GAP) for kind, _ in elements):
        raise PhraseError("a phrase needs at least one word besides '*' and '...'")
    return PhrasePattern(phrase, tuple(elements))


def _match(words: tuple[str, ...], i: int, elements: tuple[Element, ...]) -> int | None:
    """Index of the last word of a match of `elements` starting at words[i], or None."""
    n = len(words)
    for k, (kind, value) in enumerate(elements):
        if kind == GAP:
            rest = elements[k + 1 :]
            for skip in range(MAX_GAP + 1):
                if skip and (i + skip > n or words[i + skip - 1] in MARKERS):
                    return None
                end = _match(words, i + skip, rest)
                if end is not None:
                    return end
            return None
        if i >= n:
            return None
        w = words[i]
        if kind == WORD:
            if w != value:
                return None
        elif w in MARKERS or (kind == PREFIX and not w.startswith(value)):
            return None
        i += 1
    return i - 1


class PhraseIndex:
    """Groups of phrases (one group per rule or guard list), found in one pass over a message.

    A phrase is filed under its first two words when both are plain words
    (common first words like "i" or "my" would otherwise try dozens of
    phrases), else under its first word or first word's prefix. A message
    then costs a few dict look-ups per word, whatever the number of rules.
    """

    __slots__ = (
        "_any_first",
        "_by_first",
        "_by_pair",
        "_by_prefix",
        "_groups",
        "_lengths",
        "_seen",
    )

    _SEEN_LIMIT = 50_000

    def __init__(self, groups: Sequence[Sequence[PhrasePattern]]) -> None:
        self._groups = len(groups)
        self._by_pair: dict[tuple[str, str], list[_Entry]] = {}
        self._by_first: dict[str, list[_Entry]] = {}
        self._by_prefix: dict[str, list[_Entry]] = {}
        self._any_first: list[_Entry] = []
        for g, patterns in enumerate(groups):
            for p in patterns:
                e = p.elements
                if e[0][0] == WORD and len(e) > 1 and e[1][0] == WORD:
                    self._by_pair.setdefault((e[0][1], e[1][1]), []).append((g, e))
                elif e[0][0] == WORD:
                    self._by_first.setdefault(e[0][1], []).append((g, e))
                elif e[0][0] == PREFIX:
                    self._by_prefix.setdefault(e[0][1], []).append((g, e))
                else:
                    self._any_first.append((g, e))
        self._lengths = sorted({len(k) for k in self._by_prefix})
        # word → phrases starting with it, bar pairs; a cache, bounded because vocabularies are.
        self._seen: dict[str, list[_Entry]] = {}

    def _starting(self, word: str) -> list[_Entry]:
        found = self._seen.get(word)
        if found is None:
            found = list(self._by_first.get(word, ()))
            for n in self._lengths:
                if n <= len(word):
                    found.extend(self._by_prefix.get(word[:n], ()))
            if word not in MARKERS:
                found.extend(self._any_first)
            if len(self._seen) >= self._SEEN_LIMIT:
                self._seen.clear()
            self._seen[word] = found
        return found

    def matches_any(self, words: tuple[str, ...]) -> bool:
        """Whether any phrase of any group matches: `find` finds something in some group."""
        by_pair, seen, last = self._by_pair, self._seen, len(words) - 1
        for i, word in enumerate(words):
            starting = seen.get(word)
            for _, elements in self._starting(word) if starting is None else starting:
                if _match(words, i, elements) is not None:
                    return True
            if i < last:
                for _, elements in by_pair.get((word, words[i + 1]), ()):
                    if _match(words, i, elements) is not None:
                        return True
        return False

    def find(self, words: tuple[str, ...]) -> list[list[tuple[int, int]]]:
        """Per group: non-overlapping matches, leftmost first, the longest at each start."""
        found: list[list[tuple[int, int]]] = [[] for _ in range(self._groups)]
        free_from = [0] * self._groups
        by_pair, last = self._by_pair, len(words) - 1
        for i, word in enumerate(words):
            candidates = self._starting(word)
            if i < last:
                paired = by_pair.get((word, words[i + 1]))
                if paired:
                    candidates = [*candidates, *paired]
            if not candidates:
                continue
            best: dict[int, int] = {}
            for group, elements in candidates:
                if i < free_from[group]:
                    continue
                end = _match(words, i, elements)
                if end is not None and end > best.get(group, -1):
                    best[group] = end
            for group, end in best.items():
                found[group].append((i, end))
                free_from[group] = end + 1
        return found
