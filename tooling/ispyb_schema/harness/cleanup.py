# SPDX-License-Identifier: LGPL-3.0-or-later
"""Process-wide cleanup of what the harness started (servers, containers).

:func:`track` an object with a ``stop()`` method and an ``owner_pid``; it is stopped at interpreter
exit and on SIGTERM/SIGHUP (then the previous handler, or the default, acts), unless
:func:`forget` was called first (its own ``stop()`` should do that). A forked child never stops
its parent's objects. Ctrl-C raises KeyboardInterrupt, which the callers' ``finally`` blocks handle.
"""
from __future__ import annotations

import atexit
import functools
import os
import signal
import threading
from typing import Protocol


class Stoppable(Protocol):
    owner_pid: int

    def stop(self) -> None: ...


_LIVE: set[Stoppable] = set()
_signals_hooked = False


def track(thing: Stoppable) -> None:
    global _signals_hooked
    if not _signals_hooked and threading.current_thread() is threading.main_thread():
        _install_signal_handlers()
        _signals_hooked = True
    _LIVE.add(thing)


def forget(thing: Stoppable) -> None:
    _LIVE.discard(thing)


def stop_all() -> None:
    for thing in list(_LIVE):
        if thing.owner_pid == os.getpid():
            thing.stop()


atexit.register(stop_all)


def _install_signal_handlers() -> None:
    for signum in (signal.SIGTERM, signal.SIGHUP):
        previous = signal.getsignal(signum)
        if previous is None or previous == signal.SIG_IGN:
            continue  # installed outside Python, or deliberately ignored: leave it alone
        signal.signal(signum, functools.partial(_on_signal, previous))


def _on_signal(previous, signum: int, frame) -> None:
    stop_all()
    if callable(previous):
        previous(signum, frame)
        return
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
