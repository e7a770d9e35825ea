"""`free_port` with `MCCTL_FREE_PORTS`: ports in turn from the range, never one somebody holds, never twice."""

from __future__ import annotations

import socket

import pytest

from multicloud_ctl.errors import OperationFailed, UsageError
from multicloud_ctl.local import processes
from multicloud_ctl.local.processes import LOOPBACK, free_port


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


def _range_with_one_taken(monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, socket.socket]:
    """Ten ports nobody else holds, below the kernel's ephemeral range (whose ports any outgoing connection of
    another process can take at any moment: CI once saw a neighbour of a kernel-chosen port held that way), and
    below the suite's per-worker ranges (20000 and up); the middle one is then held by this test."""
    for first in range(15000, 19990, 10):
        if all(_free(p) for p in range(first, first + 10)):
            break
    else:
        pytest.skip("no ten consecutive free ports in 15000-19999")
    taken = first + 4
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind((LOOPBACK, taken))
    holder.listen()
    monkeypatch.setenv(processes.PORT_RANGE_ENV, f"{first}-{first + 9}")
    monkeypatch.setattr(processes, "_next_port", {})
    return first, taken, holder


def test_ports_come_in_turn_from_the_range_and_skip_a_held_one(monkeypatch: pytest.MonkeyPatch) -> None:
    first, taken, holder = _range_with_one_taken(monkeypatch)
    with holder:
        got = [free_port() for _ in range(9)]
    assert got == [p for p in range(first, first + 10) if p != taken]  # in turn, the held one skipped
    assert free_port() == first  # the turn wraps to the start of the range


def test_a_range_with_nothing_free_is_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind((LOOPBACK, 0))
        holder.listen()
        port = int(holder.getsockname()[1])
        monkeypatch.setenv(processes.PORT_RANGE_ENV, f"{port}-{port}")
        monkeypatch.setattr(processes, "_next_port", {})
        with pytest.raises(OperationFailed, match="no free port"):
            free_port()


@pytest.mark.parametrize("raw", ["20000", "a-b", "30000-20000", "80-90"])
def test_a_bad_range_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(processes.PORT_RANGE_ENV, raw)
    with pytest.raises(UsageError):
        free_port()


def test_without_a_range_the_kernel_chooses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(processes.PORT_RANGE_ENV, raising=False)
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, port))  # it was free
