"""Each feed entry's own bytes, cut from the document as fetched, for evidence.

An entry is kept as the exact bytes of its `<item>` (RSS) or `<entry>` (Atom)
element in the fetched document: expat reads the document and reports the byte
offset of every tag, so the cut is where the XML itself says the element starts
and ends (CDATA, comments, `<item>` written inside text and namespace prefixes
cannot mislead it). The offsets are of the bytes received, so a feed in
ISO-8859-1 or UTF-16 is cut in its own encoding and the media type names it.

The cut is used only when it can be trusted: the document is well-formed XML and
holds exactly as many outermost item/entry elements as feedparser found entries
(both read the document in order). A feed that is not well-formed keeps its
entries as parsed (the bundle then says `as_received: false`), rather than keep
bytes that might belong to a neighbouring entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.parsers import expat

_ENTRY_NAMES = ("item", "entry")


@dataclass(frozen=True)
class Entries:
    parts: list[bytes]
    media_type: str


def _encoding(body: bytes, declared: str | None) -> str:
    """The document's encoding as a charset name for the slices (which carry no BOM)."""
    if body.startswith((b"\xff\xfe", b"<\x00?\x00")):
        return "utf-16le"
    if body.startswith((b"\xfe\xff", b"\x00<\x00?")):
        return "utf-16be"
    return (declared or "utf-8").lower()


def _closes(body: bytes, at: int, name: str, encoding: str) -> bool:
    """Whether the end tag of `name` ("</name>", "</name >") starts at `at`."""
    try:
        tag = f"</{name}".encode(encoding)
        ends = [c.encode(encoding) for c in "> \t\r\n"]
    except (LookupError, UnicodeError):
        raise ValueError(f"cannot cut a feed in {encoding}") from None
    return body.startswith(tag, at) and any(body.startswith(e, at + len(tag)) for e in ends)


def _after_close(body: bytes, at: int, encoding: str) -> int:
    """Where the end tag starting at `at` ends (just after its '>')."""
    close = ">".encode(encoding)
    found = body.find(close, at)
    while found != -1 and (found - at) % len(close):
        found = body.find(close, found + 1)
    if found == -1:
        raise ValueError("an end tag without its '>'")
    return found + len(close)


def entry_elements(body: bytes) -> Entries:
    """The exact bytes of each outermost <item>/<entry> element, in document order.

    Raises ValueError when the document is not well-formed XML.
    """
    parser = expat.ParserCreate()
    declared: list[str | None] = [None]
    spans: list[tuple[str, int, int]] = []
    depth = 0
    inside: int | None = None  # the depth of the entry being read
    begin = 0

    def on_decl(_version: str | None, encoding: str | None, _standalone: int) -> None:
        declared[0] = encoding

    def on_start(name: str, _attrs: object) -> None:
        nonlocal depth, inside, begin
        if inside is None and name.rpartition(":")[2].lower() in _ENTRY_NAMES:
            inside, begin = depth, parser.CurrentByteIndex
        depth += 1

    def on_end(name: str) -> None:
        nonlocal depth, inside
        depth -= 1
        if inside == depth:
            spans.append((name, begin, parser.CurrentByteIndex))
            inside = None

    parser.XmlDeclHandler = on_decl
    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise ValueError(f"not well-formed XML ({exc})") from None
    encoding = _encoding(body, declared[0])
    parts = []
    for name, start, end_at in spans:
        # An end tag ("</entry >") is reported where it starts; an empty element
        # ("<entry/>") where its tag has ended (perhaps just before its parent's end tag).
        if _closes(body, end_at, name, encoding):
            end_at = _after_close(body, end_at, encoding)
        parts.append(body[start:end_at])
    media = "application/xml" if encoding == "utf-8" else f"application/xml; charset={encoding}"
    return Entries(parts, media)
