"""The lazy inbox model: pages, growth from the first page to the full list, refreshes."""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from datetime import UTC, datetime

from PySide6.QtCore import Qt

from services.inbox.item_rows import ItemRow
from ui.models.inbox_model import PAGE_SIZE, InboxModel


def _row(item_id: int) -> ItemRow:
    return ItemRow(
        item_id,
        1,
        1,
        "Blog",
        "wordpress",
        "comment",
        "inbound",
        f"Author {item_id}",
        None,
        f"text {item_id}",
        datetime(2026, 11, 24, tzinfo=UTC),
        "open",
        None,
        None,
        (),
        False,
        True,
        None,
        0,
    )


def test_rows_past_the_first_page_load_after_the_list_grows(qapp, qtmodeltester, registry) -> None:  # type: ignore[no-untyped-def]
    loads: list[Sequence[int]] = []

    def loader(ids: Sequence[int]) -> list[ItemRow]:
        loads.append(list(ids))
        return [_row(i) for i in ids]

    model = InboxModel(loader, looks=registry.look)
    first = [_row(i) for i in range(1000, 900, -1)]  # the first page painted: 100 rows
    model.set_ids(array("q", (r.id for r in first)), first)
    assert model.data(model.index(99, 1)) == "Author 901" and loads == []
    full = array("q", range(1000, 0, -1))
    assert model.extend_ids(full)  # the same prefix: rows are appended, nothing reset
    assert model.rowCount() == 1000
    assert model.data(model.index(150, 1)) == "Author 850"  # inside the page cut at row 100
    assert model.data(model.index(PAGE_SIZE * 3 + 5, 2)) == f"text {1000 - PAGE_SIZE * 3 - 5}"
    assert not model.extend_ids(array("q", [5, 4, 3]))  # a different list is not a growth
    qtmodeltester.check(model, force_py=True)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole) == "Blog · comment"
