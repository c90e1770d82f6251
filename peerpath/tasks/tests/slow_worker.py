"""A ``peerpath worker`` whose exports are slow, for the tests that kill a worker
mid-export (run as a subprocess: ``python -m peerpath.tasks.tests.slow_worker
MARKER_DIR SECONDS [worker options]``).

Before zipping an export it writes ``MARKER_DIR/zipping-<pid>`` and sleeps
SECONDS: the test kills it then."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main() -> None:
    marker_dir, seconds, *worker_args = sys.argv[1:]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from peerpath.exports import actions

    real = actions.formats.zip_export

    def slow_zip(*args: object, **kwargs: object) -> bytes:
        Path(marker_dir, f"zipping-{os.getpid()}").write_text("", encoding="utf-8")
        time.sleep(float(seconds))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    actions.formats.zip_export = slow_zip  # type: ignore[assignment]
    call_command("worker", *worker_args)


if __name__ == "__main__":
    main()
