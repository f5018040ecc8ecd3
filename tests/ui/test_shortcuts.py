"""No two bindings in the action registry can answer the same key press on a real keyboard.

Qt triggers nothing when one key press matches two shortcuts (even two of the same
action): it logs "Ambiguous shortcut overload". pytest-qt's keyClick cannot show it,
because a synthetic event carries no scan code and Qt then tries only the key itself.
A real press goes through the platform's key mapper, which offers several
combinations: the unshifted key with every modifier held, and, for each modifier that
changes the symbol, the symbol with that modifier removed. Pressing "?" on a US
keyboard is tried as both "Shift+/" and "?". This model follows Qt's xkb mapper
(QXkbCommon::possibleKeyCombinations; Windows' and macOS' mappers do the same).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from ui.actions import SPECS, ActionSpec

Mods = Qt.KeyboardModifier
# (unshifted, shifted) symbols of the printable keys, as the layout prints them.
US = tuple(
    zip(
        "1234567890-=[]\\;',./`abcdefghijklmnopqrstuvwxyz",
        '!@#$%^&*()_+{}|:"<>?~ABCDEFGHIJKLMNOPQRSTUVWXYZ',
        strict=True,
    )
)
UK = tuple(
    zip(
        "1234567890-=[]#;',./\\`abcdefghijklmnopqrstuvwxyz",
        '!"£$%^&*()_+{}~:@<>?|¬ABCDEFGHIJKLMNOPQRSTUVWXYZ',
        strict=True,
    )
)
LAYOUTS = {"us": US, "gb": UK}
NAMED_KEYS = (
    "Escape Tab Backspace Return Enter Insert Delete Home End PgUp PgDown Left Right Up Down "
    + " ".join(f"F{n}" for n in range(1, 13))
).split()
HELD = (
    Mods.NoModifier,
    Mods.ShiftModifier,
    Mods.ControlModifier,
    Mods.ControlModifier | Mods.ShiftModifier,
    Mods.AltModifier,
    Mods.AltModifier | Mods.ShiftModifier,
    Mods.ControlModifier | Mods.AltModifier,
)

Combination = tuple[int, int]  # (Qt key, modifiers as int)


def _key(symbol: str) -> int:
    # Qt names a letter key by its upper case: "j" and "J" are both Qt.Key_J.
    return QKeySequence(symbol)[0].key().value


def _binding(text: str) -> Combination:
    sequence = QKeySequence(text)
    assert sequence.count() == 1 and not sequence.isEmpty(), f"not one key: {text!r}"
    combo = sequence[0]
    return combo.key().value, combo.keyboardModifiers().value


def candidates(unshifted: str, shifted: str | None, held: Mods) -> set[Combination]:
    """What Qt's shortcut map tries for one physical key pressed with `held` down."""
    base = _key(unshifted)
    tried = {(base, held.value)}
    if shifted is not None and held & Mods.ShiftModifier:
        symbol = _key(shifted)
        if symbol != base:
            tried.add((symbol, (held & ~Mods.ShiftModifier).value))
    return tried


def key_presses(layout: Iterable[tuple[str, str]]) -> Iterable[tuple[str, set[Combination]]]:
    for unshifted, shifted in layout:
        for held in HELD:
            yield f"{held.name}+{unshifted}", candidates(unshifted, shifted, held)
    for name in NAMED_KEYS:
        for held in HELD:
            yield f"{held.name}+{name}", candidates(name, None, held)


def conflicts(specs: Iterable[ActionSpec], layout: Iterable[tuple[str, str]]) -> list[str]:
    """Every key press that two bindings (of one action or of two) would both answer."""
    bound: dict[Combination, list[str]] = defaultdict(list)
    for spec in specs:
        for text in spec.keys:
            bound[_binding(text)].append(f"{spec.id}={text}")
    found = []
    for press, tried in key_presses(layout):
        answering = sorted(b for combo in tried for b in bound.get(combo, []))
        if len(answering) > 1:
            found.append(f"{press}: {', '.join(answering)}")
    return found


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_no_key_press_matches_two_bindings(layout: str) -> None:
    assert conflicts(SPECS, LAYOUTS[layout]) == []


def test_no_binding_is_listed_twice() -> None:
    every = [(_binding(k), f"{s.id}={k}") for s in SPECS for k in s.keys]
    twice = [(a, b) for (ka, a), (kb, b) in combinations(every, 2) if ka == kb]
    assert twice == []


def test_the_old_symbol_bindings_are_reported() -> None:
    # What the registry held when "?", "!" and "#" did nothing on a real keyboard.
    old = (
        ActionSpec("cheatsheet", "Keyboard shortcuts", ("?", "Shift+?", "Shift+/"), "Help", ""),
        ActionSpec("escalate", "Escalate…", ("!", "Shift+!", "Shift+1"), "Item", ""),
        ActionSpec("spam", "Mark spam", ("#", "Shift+#", "Shift+3"), "Item", ""),
    )
    found = conflicts(old, US)
    assert "ShiftModifier+/: cheatsheet=?, cheatsheet=Shift+/" in found
    assert "ShiftModifier+1: escalate=!, escalate=Shift+1" in found
    assert "ShiftModifier+3: spam=#, spam=Shift+3" in found
    # Across two actions too: "a" and "Shift+a" are different presses, "/" and "?" are not.
    clash = (
        ActionSpec("one", "One", ("Shift+/",), "Go", ""),
        ActionSpec("two", "Two", ("?",), "Go", ""),
        ActionSpec("three", "Three", ("A",), "Go", ""),
        ActionSpec("four", "Four", ("Shift+A",), "Go", ""),
    )
    assert conflicts(clash, US) == ["ShiftModifier+/: one=Shift+/, two=?"]


def test_every_shifted_symbol_is_bound_without_shift() -> None:
    # "Shift+?" never matches a real press (Qt tries "Shift+/" and "?"); only a test's
    # synthetic event produces it, so such a binding would only hide a broken one.
    symbols = {s for _u, s in US + UK if not s.isalpha()}
    for spec in SPECS:
        for text in spec.keys:
            assert not (text.startswith("Shift+") and text[len("Shift+") :] in symbols), (
                f"{spec.id}: bind {text[len('Shift+') :]!r}, not {text!r}"
            )
