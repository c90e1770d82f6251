"""Compiling the gettext catalogues without GNU gettext (``python -m peerpath.i18n compile``).

The ``.mo`` files are committed, so a fresh machine needs no gettext tools to
run Peerpath; ``tests/test_translations.py`` fails when a ``.mo`` is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def catalogues() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))


def compile_all() -> None:
    for po_path in catalogues():
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"compiled {po_path.relative_to(LOCALE_DIR.parent)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["compile"]:
        sys.exit("usage: python -m peerpath.i18n compile")
    compile_all()
