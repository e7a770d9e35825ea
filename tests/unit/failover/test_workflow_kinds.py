"""The failover playbook's `servicebus_geo_dr` and `cache_warmup` steps: a bad step kind, a missing field or a step
without its block is refused at load with the file, line and field path, like every other spec error."""

from __future__ import annotations

from pathlib import Path

import pytest

from multicloud_ctl.config.playbook import load_playbook
from multicloud_ctl.errors import ConfigError

HEAD = """apiVersion: mcctl/v1
kind: Failover
metadata:
  name: failover-test
spec:
  to: azure
  load_balancer:
    order: [azure, aws]
"""


def load(tmp_path: Path, body: str) -> object:
    path = tmp_path / "failover.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    return load_playbook(path, "Failover")


def refusal(tmp_path: Path, body: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, body)
    return str(caught.value)


def test_both_steps_load_with_their_blocks_and_defaults(tmp_path: Path) -> None:
    playbook = load(
        tmp_path,
        """  servicebus_geo_dr: {alias: mcctl-bus-dr}
  cache_warmup: {ttl_seconds: 120, required: true}
  workflow:
    - {id: warm, do: cache_warmup}
    - {id: lb, do: load_balancer}
    - {id: bus, do: servicebus_geo_dr, after: [], timeout_seconds: 300}
    - {id: record, do: record_intended, after: [lb, bus]}
""",
    )
    spec = playbook.spec  # type: ignore[attr-defined]
    assert spec.servicebus_geo_dr.primary == "secondary" and spec.servicebus_geo_dr.safe is True
    assert (spec.cache_warmup.limit, spec.cache_warmup.ttl_seconds, spec.cache_warmup.key_prefix) == (
        500,
        120,
        "mcctl:",
    )
    assert spec.cache_warmup.required is True and spec.cache_warmup.redis_url is None


def test_an_unknown_step_kind_names_its_line_and_field(tmp_path: Path) -> None:
    text = refusal(
        tmp_path,
        """  workflow:
    - {id: lb, do: load_balancer}
    - {id: bus, do: bus_repoint}
    - {id: record, do: record_intended}
""",
    )
    assert text.startswith(f"{tmp_path / 'failover.yaml'}:11 spec.workflow[1].do: input should be ")
    assert "servicebus_geo_dr" in text and "cache_warmup" in text  # the allowed kinds are listed


def test_a_missing_field_names_its_line_and_field(tmp_path: Path) -> None:
    text = refusal(tmp_path, "  servicebus_geo_dr:\n    primary: secondary\n")
    assert text.startswith(f"{tmp_path / 'failover.yaml'}:9 spec.servicebus_geo_dr.alias: required field is missing")
    text = refusal(tmp_path, "  cache_warmup:\n    ttl_seconds: 0\n")
    assert f"{tmp_path / 'failover.yaml'}:10 spec.cache_warmup.ttl_seconds:" in text
    text = refusal(tmp_path, "  cache_warmup:\n    redis_url: redis://127.0.0.1:6379/0\n")
    assert "spec.cache_warmup.redis_url: " in text and "secret reference" in text  # the URL carries the token


@pytest.mark.parametrize("kind", ["servicebus_geo_dr", "cache_warmup"])
def test_a_step_without_its_block_or_twice_is_refused(tmp_path: Path, kind: str) -> None:
    steps = f"""  workflow:
    - {{id: lb, do: load_balancer}}
    - {{id: one, do: {kind}}}
    - {{id: record, do: record_intended}}
"""
    where = f"{tmp_path / 'failover.yaml'}:5 spec: "
    assert refusal(tmp_path, steps).startswith(f"{where}workflow has a {kind} step but the playbook has no {kind}")
    block = "  servicebus_geo_dr: {alias: a1}\n" if kind == "servicebus_geo_dr" else "  cache_warmup: {}\n"
    twice = steps + f"    - {{id: two, do: {kind}}}\n"
    assert f"workflow has {kind} 2 times (at most once)" in refusal(tmp_path, block + twice)
