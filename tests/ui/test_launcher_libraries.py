"""Before Qt starts, the launcher names the Debian packages Qt's X11 platform is missing."""

from __future__ import annotations

import pytest

from console import gui

# What `ldd libqxcb.so` printed on Debian 12 without libxcb-icccm4 and libxcb-keysyms1.
LDD_WITHOUT_TWO = """\
\tlinux-vdso.so.1 (0x00007ffd3a9f2000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x7f3a)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f3a1c400000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-util.so.1 => /lib/x86_64-linux-gnu/libxcb-util.so.1 (0x00007f3a1c3f0000)
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibfoo-unknown.so.3 => not found
"""


def test_missing_libraries_become_one_apt_get_line() -> None:
    missing = gui.missing_libraries(LDD_WITHOUT_TWO)
    assert missing == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libfoo-unknown.so.3"]
    advice = gui.apt_advice(missing)
    assert advice is not None
    lines = advice.splitlines()
    assert "libxcb-icccm.so.4" in lines[0] and "libxcb-cursor" not in lines[0]
    assert lines[1] == (
        "Install them with:  sudo apt-get install -y --no-install-recommends "
        "libxcb-icccm4 libxcb-keysyms1"
    )
    assert lines[2] == "Also install the packages that provide: libfoo-unknown.so.3"
    assert gui.apt_advice([]) is None


def test_this_machine_has_every_library_the_x11_platform_needs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # .ci/system-packages run installed them: the real ldd on the real plugin finds all.
    monkeypatch.setenv("DISPLAY", ":187")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    assert gui.xcb_problem() is None


def test_no_check_without_x11(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":187")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert gui.xcb_problem() is None
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("QT_QPA_PLATFORM")
    assert gui.xcb_problem() is None
