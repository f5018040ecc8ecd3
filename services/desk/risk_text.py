"""Text as the risk rules see it: one canonical word stream, with a way back to the public's words.

Both a message and every phrase of every rule go through the same normaliser,
so a rule written as "won't be here tomorrow" also matches "wont b here 2moro",
"WON’T be here tomorrow" and "won't be here tomorrowwww". The canonical stream
is lower case ASCII-ish words separated by single spaces, with "," between
clauses and "." between sentences, so a phrase never matches across a full
stop and a negation never reaches into the next clause. Each canonical word
keeps the span of the public's text it came from: reasons quote what was said.

Doubled letters are squeezed ("kill" → "kil", "pleeease" → "please" →
"plese") on both sides. That costs a few collisions that do not matter for
these rules ("shot"/"shoot") and buys elongation and the commonest
misspellings ("stabed", "kidnaped", "harrasment") for free.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

# A message longer than this is classified on its first part only: a threat
# sits near the top of what people write, and 10 MB bodies must stay cheap.
MAX_CHARS = 20_000

_TOKEN = re.compile(
    r"(?P<url>(?:https?://|www\.)\S+)"
    r"|(?P<mention>@\w+)"
    r"|(?P<masked>[^\W_]+\*+[^\W_]*)"
    r"|(?P<word>[^\W_]+(?:['’][^\W_]+)*)"
    r"|(?P<laugh>[\U0001F602\U0001F923\U0001F606])"
    r"|(?P<sentence>[.!?]+|\n)"
    r"|(?P<clause>[,;:()\[\]\u2013\u2014]|\s-\s)"
)
_QUOTED_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)
_SQUEEZE = re.compile(r"([^\W\d_])\1+")

# Contractions and text-speak, keyed by the squeezed spelling. Values are the
# canonical words (squeezed again when the table is built).
_SPEAK: dict[str, str] = {
    "won't": "will not",
    "wont": "will not",
    "can't": "can not",
    "cant": "can not",
    "cannot": "can not",
    "shan't": "shall not",
    "ain't": "is not",
    "aint": "is not",
    "dont": "do not",
    "didnt": "did not",
    "doesnt": "does not",
    "isnt": "is not",
    "wasnt": "was not",
    "arent": "are not",
    "werent": "were not",
    "havent": "have not",
    "hasnt": "has not",
    "hadnt": "had not",
    "couldnt": "could not",
    "wouldnt": "would not",
    "shouldnt": "should not",
    "im": "i am",
    "ive": "i have",
    "youre": "you are",
    "theyre": "they are",
    "hes": "he s",
    "shes": "she s",
    "its": "it s",
    "thats": "that s",
    "theres": "there s",
    "whats": "what s",
    "someones": "someone s",
    "gonna": "going to",
    "gunna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "kms": "kill myself",
    "kys": "kill yourself",
    "u": "you",
    "ur": "your",
    "r": "are",
    "b": "be",
    "rn": "right now",
    "pls": "please",
    "plz": "please",
    "ppl": "people",
    "cos": "because",
    "coz": "because",
    "cuz": "because",
    "bc": "because",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tomoz": "tomorrow",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "2day": "today",
    "2nite": "tonight",
    "tonite": "tonight",
    "b4": "before",
    "m8": "mate",
    "wiv": "with",
    "sum1": "someone",
    "some1": "someone",
    "no1": "no one",
    "ded": "dead",
    "luv": "love",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "mom": "mum",
    "yo": "year old",
    "yr": "year",
    "yrs": "years",
    "sucide": "suicide",
    "suiside": "suicide",
    "suicde": "suicide",
    "emergancy": "emergency",
    "ambulence": "ambulance",
    "paedo": "paedophile",
    "pedo": "paedophile",
    "peado": "paedophile",
    "pedophile": "paedophile",
    "pedofile": "paedophile",
    "alzheimers": "alzheimer s",
    "lmao": "lol",
    "lmfao": "lol",
    "rofl": "lol",
    "haha": "lol",
    "hahaha": "lol",
}
# Two words people write either way, joined so that phrases need one spelling.
_JOIN = {
    ("my", "self"): "myself",
    ("your", "self"): "yourself",
    ("him", "self"): "himself",
    ("her", "self"): "herself",
    ("them", "selves"): "themselves",
    ("any", "more"): "anymore",
    ("some", "one"): "someone",
    ("some", "body"): "somebody",
    ("good", "bye"): "goodbye",
    ("to", "night"): "tonight",
    ("to", "morrow"): "tomorrow",
    ("self", "harm"): "selfharm",
    ("self", "harming"): "selfharming",
}
_SUFFIXES = (("n't", "not"), ("'m", "am"), ("'re", "are"), ("'ve", "have"), ("'ll", "will"))


def squeeze(word: str) -> str:
    return _SQUEEZE.sub(r"\1", word)


def _build_speak() -> dict[str, tuple[str, ...]]:
    return {squeeze(k): tuple(squeeze(w) for w in v.split()) for k, v in _SPEAK.items()}


_SPEAK_SQUEEZED = _build_speak()
_JOIN_SQUEEZED = {(squeeze(a), squeeze(b)): squeeze(j) for (a, b), j in _JOIN.items()}


def _fold(word: str) -> str:
    """Lower case, straight apostrophes, accents dropped (café → cafe)."""
    word = word.lower().replace("’", "'")
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=32_768)
def canonical_words(raw: str) -> tuple[str, ...]:
    """The canonical words one written word stands for ("won't" → will, not)."""
    word = _fold(raw)
    parts: list[str] = []
    if "'" in word:
        mapped = _SPEAK_SQUEEZED.get(squeeze(word))
        if mapped is not None:
            return mapped
        for suffix, expansion in _SUFFIXES:
            if word.endswith(suffix) and len(word) > len(suffix):
                stem = word[: -len(suffix)]
                parts = [stem, expansion] if suffix != "n't" else [stem, "not"]
                break
        else:
            # "'s" and "'d" are ambiguous (is/has, would/had): keep them as a bare word.
            parts = [p for p in word.split("'") if p]
    else:
        parts = [word]
    out: list[str] = []
    for part in parts:
        squeezed = squeeze(part)
        out.extend(_SPEAK_SQUEEZED.get(squeezed, (squeezed,)))
    return tuple(out)


SENTENCE = "."
CLAUSE = ","
MARKERS = frozenset((SENTENCE, CLAUSE))


@dataclass(frozen=True, slots=True)
class Token:
    word: str  # canonical word, or SENTENCE / CLAUSE
    start: int  # span in the public's text
    end: int
    position: int  # index among words only (markers do not count)
    clause: int
    sentence: int


@dataclass(frozen=True, slots=True)
class Canonical:
    """A message as the rules see it."""

    original: str
    tokens: tuple[Token, ...]
    words: tuple[str, ...]  # tokens[i].word, for the matcher's inner loop

    def quote(self, first: int, last: int) -> str:
        return self.original[self.tokens[first].start : self.tokens[last].end]


def canonicalise(text: str) -> Canonical:
    text = text[:MAX_CHARS]
    # Email replies quote our own earlier messages (appeals, advice): not the public's words.
    if ">" in text:
        text = _QUOTED_LINE.sub(lambda m: " " * len(m.group()), text)
    raw: list[tuple[str, int, int]] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "word":
            for w in canonical_words(m.group()):
                raw.append((w, m.start(), m.end()))
        elif kind == "masked":
            # A word written with asterisks ("p*ki") is nearly always a slur or a swear word.
            raw.append(("censored", m.start(), m.end()))
        elif kind == "laugh":
            raw.append(("lol", m.start(), m.end()))
        elif kind == "sentence":
            raw.append((SENTENCE, m.start(), m.end()))
        elif kind == "clause":
            raw.append((CLAUSE, m.start(), m.end()))
    return _assemble(text, _join_pairs(raw))


def _join_pairs(raw: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    out: list[tuple[str, int, int]] = []
    for word, start, end in raw:
        if out:
            joined = _JOIN_SQUEEZED.get((out[-1][0], word))
            if joined is not None:
                out[-1] = (joined, out[-1][1], end)
                continue
        out.append((word, start, end))
    return out


def _assemble(original: str, raw: list[tuple[str, int, int]]) -> Canonical:
    tokens: list[Token] = []
    position = clause = sentence = 0
    for word, start, end in raw:
        is_marker = word in MARKERS
        if is_marker:
            if not tokens or tokens[-1].word in MARKERS:
                # A run of markers is one boundary, the strongest of them.
                if tokens and word == SENTENCE and tokens[-1].word == CLAUSE:
                    sentence += 1
                    tokens[-1] = Token(SENTENCE, start, end, position, clause, sentence)
                continue
            if word == SENTENCE:
                sentence += 1
            clause += 1
        tokens.append(Token(word, start, end, position, clause, sentence))
        if not is_marker:
            position += 1
    words = tuple(t.word for t in tokens)
    return Canonical(original, tuple(tokens), words)


# ---- phrases


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
        words = [
            w
            for m in _TOKEN.finditer(body)
            if m.lastgroup == "word"
            for w in canonical_words(m.group())
        ]
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
