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
from functools import lru_cache
from typing import NamedTuple

# A message longer than this is classified on its first part only: a threat
# sits near the top of what people write, and 10 MB bodies must stay cheap.
MAX_CHARS = 20_000

_TOKEN = re.compile(
    r"(?P<url>(?:https?://|www\.)\S+)"
    r"|(?P<mention>@\w+)"
    r"|(?P<masked>[^\W_]++\*+[^\W_]*)"  # possessive: "*" is no letter to give back
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


class Token(NamedTuple):
    word: str  # canonical word, or SENTENCE / CLAUSE
    start: int  # span in the public's text
    end: int
    position: int  # index among words only (markers do not count)
    clause: int
    sentence: int


Piece = tuple[str, int, int]  # a canonical word (or marker) and the span it came from


class Canonical:
    """A message as the rules see it.

    `words` is all most messages need (no rule phrase in them); the tokens, with their
    spans, clauses and sentences, are worked out the first time a rule matches.
    """

    __slots__ = ("_tokens", "original", "words")

    def __init__(self, original: str) -> None:
        self.original = original
        self._tokens: tuple[Token, ...] | None = None
        chunks = original.split()
        if "\n" in original or "-" in chunks:
            raw = _join_pairs(_pieces(original))
            self._tokens = _assemble(raw)
            self.words: tuple[str, ...] = tuple(t.word for t in self._tokens)
        else:
            # No token reaches across white space here (only "\n" and " - " would), so each
            # chunk between spaces reads the same alone: a word list, cached per chunk.
            found = [(w, 0, 0) for chunk in chunks for w in _chunk_words(chunk)]
            self.words = _words(_join_pairs(found))

    @property
    def tokens(self) -> tuple[Token, ...]:
        """Every word and marker with its span in `original`, clause and sentence."""
        if self._tokens is None:
            self._tokens = _assemble(_join_pairs(_pieces(self.original)))
        return self._tokens

    def quote(self, first: int, last: int) -> str:
        tokens = self.tokens
        return self.original[tokens[first].start : tokens[last].end]


_MARK = {"masked": "censored", "laugh": "lol", "sentence": SENTENCE, "clause": CLAUSE}


def canonicalise(text: str) -> Canonical:
    text = text[:MAX_CHARS]
    # Email replies quote our own earlier messages (appeals, advice): not the public's words.
    if ">" in text:
        text = _QUOTED_LINE.sub(lambda m: " " * len(m.group()), text)
    return Canonical(text)


def _pieces(text: str) -> list[Piece]:
    raw: list[Piece] = []
    append, mark = raw.append, _MARK.get
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "word":
            start, end = m.span()
            for w in canonical_words(m.group()):
                append((w, start, end))
        elif (marker := mark(kind or "")) is not None:
            # A word written with asterisks ("p*ki") is nearly always a slur or a swear word.
            start, end = m.span()
            append((marker, start, end))
    return raw


@lru_cache(maxsize=65_536)
def _chunk_words(chunk: str) -> tuple[str, ...]:
    """The canonical words and markers of text without white space, before pairs are joined."""
    return tuple(w for w, _, _ in _pieces(chunk))


def _join_pairs(raw: list[Piece]) -> list[Piece]:
    out: list[Piece] = []
    join = _JOIN_SQUEEZED.get
    for piece in raw:
        if out:
            joined = join((out[-1][0], piece[0]))
            if joined is not None:
                out[-1] = (joined, out[-1][1], piece[2])
                continue
        out.append(piece)
    return out


def _words(raw: list[Piece]) -> tuple[str, ...]:
    """The words of `_assemble(raw)`'s tokens, without building them: the same marker runs."""
    words: list[str] = []
    for word, _, _ in raw:
        if word in MARKERS and (not words or words[-1] in MARKERS):
            if words and word == SENTENCE and words[-1] == CLAUSE:
                words[-1] = SENTENCE
            continue
        words.append(word)
    return tuple(words)


def _assemble(raw: list[Piece]) -> tuple[Token, ...]:
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
    return tuple(tokens)


def written_words(text: str) -> list[str]:
    """The canonical words of the written words in `text` (no URLs, mentions or markers)."""
    return [
        w
        for m in _TOKEN.finditer(text)
        if m.lastgroup == "word"
        for w in canonical_words(m.group())
    ]
