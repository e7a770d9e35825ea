"""Run mcctl on a pseudo-terminal and answer its confirmation prompt, as an operator at a keyboard would."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _interrupt(pid: int, other_thread: bool) -> None:
    """SIGINT to the process, or (other_thread) to one of its threads that is not the main one: the kernel may
    deliver a process-directed signal to any thread, and this makes that case happen on purpose (tgkill)."""
    if other_thread:
        import ctypes

        tids = [int(t) for t in os.listdir(f"/proc/{pid}/task") if int(t) != pid]
        if tids:
            libc = ctypes.CDLL(None, use_errno=True)
            syscall_tgkill = 234  # x86_64
            if libc.syscall(syscall_tgkill, pid, tids[0], signal.SIGINT) == 0:
                return
    os.kill(pid, signal.SIGINT)


def on_a_tty(
    config: Path, *args: str, answer: str | None, delay: float = 0.0, other_thread: bool = False
) -> tuple[int, str]:
    """Run mcctl on a pty; at the prompt type `answer` (None: send SIGINT, to a non-main thread with
    `other_thread`) after `delay` seconds, as an operator who reads the plan first. Returns (exit code,
    output)."""
    master, slave = pty.openpty()
    # faulthandler: a child that hangs is sent SIGABRT and prints every thread's stack into the output
    env = {**os.environ, "COLUMNS": "160", "TERM": "xterm", "PYTHONFAULTHANDLER": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "multicloud_ctl", "--config-dir", str(config), *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=REPO,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    out = b""
    prompted = False
    deadline = time.monotonic() + 90
    hung = False
    try:
        while True:
            if not hung and time.monotonic() > deadline:
                hung = True  # dump the stacks, then read them until the child dies
                proc.send_signal(signal.SIGABRT)
                deadline = time.monotonic() + 10
            elif hung and time.monotonic() > deadline:
                break
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
            if not prompted and (b"[y/n]" in out or b"to confirm" in out):
                prompted = True
                time.sleep(delay)
                if answer is None:
                    _interrupt(proc.pid, other_thread)
                else:
                    os.write(master, answer.encode() + b"\r")
            if proc.poll() is not None and not ready:
                break
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert not hung, f"mcctl {' '.join(args)} hung (answer {answer!r}); its stacks:\n{out.decode(errors='replace')}"
    assert prompted, out.decode(errors="replace")
    return code, out.decode(errors="replace")
