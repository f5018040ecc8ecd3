"""Every state colour we define meets WCAG AA in both themes (computed, not eyeballed)."""

from __future__ import annotations

import pytest

from ui.chips import AVATAR_FILLS
from ui.theme import DARK, LIGHT, Theme, Tone, contrast_ratio

AA_TEXT, AA_GRAPHIC = 4.5, 3.0


@pytest.mark.parametrize("theme", [LIGHT, DARK], ids=["light", "dark"])
def test_state_chips_text_and_the_unread_dot_meet_wcag_aa(theme: Theme) -> None:
    for tone in Tone:
        c = theme.chip(tone)
        assert contrast_ratio(c.text, c.fill) >= AA_TEXT, (theme.name, tone)
    for background in (theme.base, theme.alternate):
        assert contrast_ratio(theme.accent, background) >= AA_GRAPHIC  # the unread dot
        assert contrast_ratio(theme.text, background) >= AA_TEXT
        assert contrast_ratio(theme.muted, background) >= AA_TEXT
    assert contrast_ratio(theme.muted, theme.window) >= AA_TEXT
    assert contrast_ratio(theme.highlighted_text, theme.highlight) >= AA_TEXT


def test_initials_on_every_avatar_colour_meet_wcag_aa() -> None:
    for fill in AVATAR_FILLS:
        assert contrast_ratio("#ffffff", fill) >= AA_TEXT, fill


def test_contrast_ratio_matches_the_wcag_reference_values() -> None:
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast_ratio("#777777", "#ffffff"), 2) == 4.48
