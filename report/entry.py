"""The ``labreport`` command's entry point: signals first, then the rest.

Importing the command (click, numpy, the renderers) takes a few tenths of a
second, and Ctrl-C in that time would end in a KeyboardInterrupt traceback.
So the first thing the command does is to make SIGINT and SIGTERM end it at
once and quietly, with the usual status (130, 143); once the command runs,
report.pipeline.interrupt takes the signals over.
"""
from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not imported when the command starts: every millisecond counts here
    from types import FrameType
    from typing import NoReturn


def _leave(signum: int, _frame: FrameType | None) -> NoReturn:
    os.write(2, b"Aborted.\n")
    os._exit(128 + signum)


def main() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _leave)
    from report.cli import main as run

    run()
