"""Notification delivery: e-mail over SMTP (smtplib), an outbox that records every e-mail and SMS, and the
SMS provider interface with the outbox as its local implementation."""

from __future__ import annotations

import json
import smtplib
import threading
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from multicloud_ctl.functions.domain.clock import iso, utc_now
from multicloud_ctl.functions.domain.notifications import Rendered


@dataclass
class Outbox:
    """Every message we sent, in memory and (when `directory` is set) as JSON lines in outbox.jsonl."""

    directory: str = ""
    sent: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, channel: str, payload: dict[str, Any]) -> None:
        entry = {"channel": channel, "at": iso(utc_now()), **payload}
        with self._lock:
            self.sent.append(entry)
            if self.directory:
                path = Path(self.directory)
                path.mkdir(parents=True, exist_ok=True)
                with (path / "outbox.jsonl").open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(entry, sort_keys=True) + "\n")

    def send(self, message: Rendered) -> None:
        """EmailSender: record only (no SMTP configured)."""
        self.record("email", asdict(message))

    def send_sms(self, to: str, text: str) -> None:
        """SmsSender: record only (the local SMS provider)."""
        self.record("sms", {"to": to, "text": text})


@dataclass
class SmtpEmail:
    """EmailSender over SMTP; every message is also recorded in the outbox."""

    host: str
    port: int
    sender: str
    outbox: Outbox
    user: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = False
    timeout: float = 10.0

    def send(self, message: Rendered) -> None:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.sender, message.to, message.subject
        mail.set_content(message.body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(mail)
        self.outbox.record("email", {**asdict(message), "via": f"smtp://{self.host}:{self.port}"})
