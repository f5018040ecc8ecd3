"""Which attachments of a message are kept: each under the file cap, in order, while the message total fits."""

from __future__ import annotations

from services.records.attachments import MAX_FILE_BYTES, MAX_MESSAGE_BYTES, within_limits


def test_one_attachment_over_the_file_cap_is_not_kept_and_the_rest_are() -> None:
    assert within_limits([1000, MAX_FILE_BYTES + 1, 2000]) == [True, False, True]


def test_the_message_total_stops_keeping_once_it_would_pass_the_cap() -> None:
    big = MAX_FILE_BYTES - 1
    assert big * 2 > MAX_MESSAGE_BYTES
    # The second large file would take the total over: it is left, a small one after it fits.
    assert within_limits([big, big, 1000]) == [True, False, True]


def test_a_message_without_attachments_keeps_nothing() -> None:
    assert within_limits([]) == []
