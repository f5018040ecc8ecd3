"""Words a search ignores, on both databases alike.

PostgreSQL's English text search drops these words from what it indexes and from what it
is asked, so `the` alone found nothing there, and `the letter` nothing at all (each word is
its own condition), while SQLite's index holds them and found 98% of a workspace. A search
now ignores them on both: `the letter` means `letter`, and `the` alone filters nothing.
The list is PostgreSQL's own (share/tsearch_data/english.stop, from the Snowball project);
tests/integration/test_search_stop_words.py keeps it equal to what the database drops.
"""

from __future__ import annotations

import string

_LIST = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what
    which who whom this that these those am is are was were be been being have has had
    having do does did doing a an the and but if or because as until while of at by for
    with about against between into through during before after above below to from up
    down in out on off over under again further then once here there when where why how
    all any both each few more most other some such no nor not only own same so than too
    very s t can will just don should now
"""
STOP_WORDS = frozenset(_LIST.split())


def is_stop_word(word: str) -> bool:
    return word.lower().strip(string.punctuation) in STOP_WORDS
