"""The ``peerpath`` command: every ``manage.py`` command plus a few of its own.

    peerpath run            migrate, load the demo on first run, serve on :8000
    peerpath demo           build the demo association from a seed (empty database only)
    peerpath audit verify   check the audit log's hash chains
    peerpath audit heads    print each chain's last entry and hash (keep them off-site)
    peerpath instruments    list or check the questionnaire library
    peerpath rescore        recompute every stored score after a definition changed
    peerpath alerts         compute alerts once (--digest to e-mail staff; a task does it every 15 min)
    peerpath imports        bulk imports: members, responses, redcap, jobs; purge old uploads
    peerpath export         research or identifiable exports (run one now; purge expired files)
    peerpath worker         run queued background tasks (exports, alerts, digests…) until stopped
    peerpath tasks          enqueue-periodic (from cron / a systemd timer), reap, status
    peerpath create-organisation   a new organisation and its first administrator
    peerpath keys           print fresh secrets for a production environment
    peerpath rotate-keys    re-encrypt identifying fields with the newest key
    peerpath <command>      any manage.py command (migrate, createsuperuser, …)
"""

from __future__ import annotations

import base64
import os
import secrets
import sys


def manage(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpath.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


def print_keys() -> None:
    print(f"SECRET_KEY={secrets.token_urlsafe(50)}")
    print(f"PEERPATH_FIELD_KEYS={base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}")
    print(f"PEERPATH_SEARCH_KEY={secrets.token_urlsafe(32)}")


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    prog = "peerpath"
    if len(args) < 2 or args[1] in {"-h", "--help", "help"}:
        print(__doc__)
        if len(args) >= 2:
            manage([prog, "help", *[a.replace("-", "_") for a in args[2:3]]])
        return
    command = args[1]
    if command == "keys":
        print_keys()
        return
    if command == "run":
        manage([prog, "serve_demo", *args[2:]])
        return
    manage([prog, command.replace("-", "_"), *args[2:]])


if __name__ == "__main__":
    main()
