"""The list's count reads as English: "1 item", never "1 items"."""

from __future__ import annotations

from ui.status_bar import items_text


def test_counts_read_as_english() -> None:
    assert items_text(0) == "0 items"
    assert items_text(1) == "1 item"
    assert items_text(1_000_000) == "1,000,000 items"
