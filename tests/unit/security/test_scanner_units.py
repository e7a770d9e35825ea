"""Secret scanner rules, TLS parsing and the API key refresh, without network."""

from __future__ import annotations

from pathlib import Path

import pytest

from multicloud_ctl.config.secrets import Redactor
from multicloud_ctl.operations.security.checks_azure import tls_at_least_12
from multicloud_ctl.operations.security.scanner import entropy, scan_paths, scan_text


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "aws-access-key-id"),
        ("-----BEGIN RSA PRIVATE KEY-----", "private-key"),
        ("key: sk_live_4eC39HqLyjWDarjtT1zdp7dc", "stripe-secret-key"),
        ("DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abcdEFGH1234ijkl==", "connection-string-key"),
        ("url: postgresql://app:s3cretPassw0rd@db:5432/x", "url-with-password"),
        ('{"client_secret": "Zr8qL2vX9pW3mKt7Ys1aB"}', "high-entropy-value-for:client_secret"),
    ],
)
def test_rules_find_secrets(line: str, rule: str) -> None:
    assert list(scan_text(line)) == [(1, rule)]


@pytest.mark.parametrize(
    "line",
    [
        "api_token: literal-dev:sandbox-token",
        "password: env:DB_PASSWORD",
        "client_secret: ***",
        "secret_ref: aws-secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:x",
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
        "token: aaaaaaaaaaaaaaaaaaaaaaaa",  # long but not random
        "url: postgresql://app@db:5432/x",
    ],
)
def test_references_masks_and_public_keys_are_allowed(line: str) -> None:
    assert list(scan_text(line)) == []


def test_known_values_and_binary_files(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text("ok\nkey=the-live-api-key-42\n")
    (tmp_path / "b.db").write_bytes(b"the-live-api-key-42")
    (tmp_path / "c.bin").write_bytes(b"\0\0the-live-api-key-42")
    known = Redactor()
    known.add("the-live-api-key-42")
    hits = scan_paths([tmp_path], known)
    assert [(h.path.name, h.line, h.rule) for h in hits] == [("a.log", 2, "known-secret-value")]


def test_entropy() -> None:
    assert entropy("aaaa") == 0.0
    assert entropy("abcd") == 2.0


@pytest.mark.parametrize(
    ("value", "ok"),
    [("TLS1_2", True), ("1.2", True), ("1.3", True), ("TLS1_0", False), ("1.1", False), (None, False), ("", False)],
)
def test_tls_versions(value: object, ok: bool) -> None:
    assert tls_at_least_12(value) is ok


def test_api_keys_refresh_after_ttl_and_survive_a_failed_read() -> None:
    from multicloud_ctl.functions.adapters.auth import RefreshingApiKeys
    from multicloud_ctl.functions.domain.errors import Unauthorized

    now = [0.0]
    source: list[object] = [["old"]]

    def load() -> list[str]:
        value = source[0]
        if isinstance(value, Exception):
            raise value
        return list(value)  # type: ignore[call-overload]

    keys = RefreshingApiKeys(load, ttl=10, clock=lambda: now[0])
    keys.check("old")
    source[0] = ["new", "old"]
    keys.check("old")  # within the TTL: not re-read yet
    with pytest.raises(Unauthorized):
        keys.check("new")
    now[0] = 11
    keys.check("new")
    assert keys.outbound == "new"
    source[0] = RuntimeError("store down")
    now[0] = 30
    keys.check("new")  # kept what it had
    source[0] = ["new"]
    now[0] = 41
    with pytest.raises(Unauthorized):
        keys.check("old")
