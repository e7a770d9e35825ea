"""A secret scanner over playbooks, the config directory and the state directory (journals, logs, outbox).

Three kinds of evidence, each reported as `file:line rule` (the value itself is never printed):
- a value we know is secret (the run's `Redactor` values, e.g. the service API keys just read);
- a pattern of a well-known credential (AWS access key id, private key block, Stripe/GitHub/Slack token, JWT,
  a connection string with `AccountKey=`/`Password=`, a URL with a password);
- a secret-named key (`password`, `token`, `api_key`...) whose value is not a reference, not masked, and
  looks random (Shannon entropy >= 3.5 bits per character over >= 16 characters).
Public emulator keys (`literal-dev:` references, Azurite's published account key) are allowed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from multicloud_ctl.config.secrets import REDACTED, Redactor, is_reference, is_secret_key

MAX_BYTES = 4 * 1024 * 1024
SKIP_SUFFIXES = {".db", ".sqlite", ".sqlite3", ".zip", ".gz", ".png", ".jpg", ".lock", ".pyc"}
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("aws-access-key-id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("private-key", re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----")),
    ("stripe-secret-key", re.compile(r"\b[rs]k_(?:live|test)_[0-9a-zA-Z]{16,}\b")),
    ("github-token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("slack-token", re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}\b")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")),
    ("connection-string-key", re.compile(r"(?i)\b(?:AccountKey|SharedAccessKey|Password|Pwd)=(?!\*\*\*)[^;\s\"']{8,}")),
    ("url-with-password", re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:(?!\*\*\*)[^@\s/]{6,}@")),
)
KEY_VALUE = re.compile(r"""["']?([A-Za-z0-9_.-]{2,64})["']?\s*[:=]\s*["']?([^\s"',}]{16,})""")
ALLOWED_VALUES = {
    # Microsoft's published Azurite account key: documented, public, not a secret.
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
}
MIN_ENTROPY = 3.5


@dataclass(frozen=True)
class SecretHit:
    path: Path
    line: int
    rule: str


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _allowed(value: str) -> bool:
    if any(public in value for public in ALLOWED_VALUES):
        return True
    return value == REDACTED or is_reference(value) or value.startswith("literal-dev:")


def scan_text(text: str, known: Redactor | None = None) -> Iterator[tuple[int, str]]:
    """(line number, rule) for every secret-looking thing in `text`."""
    for number, line in enumerate(text.splitlines(), 1):
        if known is not None and known.values and known.text(line) != line:
            yield number, "known-secret-value"
            continue
        hit = next((name for name, rx in PATTERNS if any(not _allowed(m.group(0)) for m in rx.finditer(line))), None)
        if hit:
            yield number, hit
            continue
        for match in KEY_VALUE.finditer(line):
            key, value = match.group(1), match.group(2)
            if is_secret_key(key) and not _allowed(value) and entropy(value) >= MIN_ENTROPY:
                yield number, f"high-entropy-value-for:{key.lower()}"
                break


def iter_files(roots: Iterable[Path], skip: Callable[[Path], bool] | None = None) -> Iterator[Path]:
    seen: set[Path] = set()
    for root in roots:
        if not root.exists():
            continue
        for path in sorted([root] if root.is_file() else root.rglob("*")):
            real = path.resolve()
            if real in seen or not path.is_file() or path.suffix.lower() in SKIP_SUFFIXES:
                continue
            if skip is not None and skip(path):
                continue
            seen.add(real)
            yield path


def scan_paths(
    roots: Iterable[Path], known: Redactor | None = None, skip: Callable[[Path], bool] | None = None
) -> list[SecretHit]:
    """Every hit under `roots` (text files up to 4 MiB; binary files and what `skip` says are skipped)."""
    hits = []
    for path in iter_files(roots, skip):
        try:
            if path.stat().st_size > MAX_BYTES:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        if b"\0" in data[:8192]:
            continue
        text = data.decode("utf-8", "replace")
        hits += [SecretHit(path, line, rule) for line, rule in scan_text(text, known)]
    return hits
