"""The nftables fault (loss and partition where the kernel has no netem): real packets really dropped.

Runs where `nft` works as root (CI installs nftables); elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from multicloud_ctl.operations.failover.inject import NftDrop, network_fault


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    if not NftDrop(1, "partition").available():
        pytest.skip("nftables needs root, `nft` and a kernel with nf_tables (CI installs nftables)")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


def _get(port: int, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=timeout) as answer:
            return answer.status == 200
    except OSError:
        return False


def _table_exists(table: str) -> bool:
    return subprocess.run(["nft", "list", "table", "inet", table], capture_output=True).returncode == 0


def test_a_partition_drops_every_packet_and_healing_removes_the_table(server: int) -> None:
    fault = NftDrop(server, "partition")
    assert _get(server, 2)
    fault.stop()
    try:
        assert _table_exists(fault.table)
        assert not _get(server, 0.5)  # the SYN is dropped: a timeout, not a refusal
        assert "100% of packets to and from 127.0.0.1" in fault.describe()
    finally:
        fault.start()
    assert not _table_exists(fault.table)
    assert _get(server, 2)
    fault.start()  # healing twice (Ctrl-C after a heal) is harmless


def test_loss_drops_a_share_of_packets(server: int) -> None:
    """Connect needs the SYN out (dport rule) and the SYN-ACK back (sport rule): at 50% each, about a quarter
    of the connections open. 40 tries: all open or none open would both be a broken rule."""
    fault = NftDrop(server, "loss", 0.5)
    fault.stop()
    opened = 0
    try:
        for _ in range(40):
            try:
                with socket.create_connection(("127.0.0.1", server), timeout=0.25):
                    opened += 1
            except OSError:
                pass
    finally:
        fault.start()
    assert 0 < opened < 30, opened


def test_a_kernel_without_netem_gets_nftables_for_drops_and_a_refusal_for_latency(server: int) -> None:
    from multicloud_ctl.errors import SafetyRefused
    from multicloud_ctl.operations.failover.inject import Netem

    try:
        Netem(server, "partition").check()
        netem = True
    except SafetyRefused:
        netem = False
    fault = network_fault(server, "partition", None)
    assert isinstance(fault, Netem if netem else NftDrop)
    if not netem:
        with pytest.raises(SafetyRefused, match="netem"):
            network_fault(server, "latency", 2.0)
