"""A real SMTP server for the sandbox (aiosmtpd): notification e-mail is delivered over SMTP and kept as
`.eml` files under `<outbox>/smtp/`, so a demo can show what customers would have received."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any


class MaildirSink:
    """aiosmtpd handler: write each accepted message to `<directory>/<n>.eml`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self.count += 1
            n = self.count
        data = envelope.content if isinstance(envelope.content, bytes) else str(envelope.content).encode()
        (self.directory / f"{n:06d}.eml").write_bytes(data)
        return "250 Message accepted for delivery"


def start_smtp(port: int, directory: Path) -> tuple[Any, MaildirSink]:
    """Start the SMTP server on 127.0.0.1:`port`; returns (controller, sink). `controller.stop()` ends it."""
    from aiosmtpd.controller import Controller

    sink = MaildirSink(directory)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, sink
