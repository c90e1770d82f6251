#!/usr/bin/env python
"""Development entry point in a checkout. DEBUG defaults to true here (secrets are
then generated under var/); production uses the installed ``peerpath`` command,
where DEBUG defaults to false and missing secrets stop start-up."""

import os
import sys

from peerpath.cli import manage

if __name__ == "__main__":
    os.environ.setdefault("DEBUG", "true")
    manage(sys.argv)
