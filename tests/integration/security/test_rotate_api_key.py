"""`mcctl secrets rotate api-key` against two live functions hosts: no request fails during the rotation,
the new key works on both clouds afterwards and the old one is refused; dry run changes nothing."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from fnhosts import key_store_hosts

pytestmark = pytest.mark.integration


def call(url: str, key: str) -> int:
    req = urllib.request.Request(url + "/orders/some-order", headers={"x-api-key": key})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@pytest.fixture
def rot_env(sec_env: Any) -> Any:
    from multicloud_ctl.local.processes import free_port

    ports = sec_env.local.ports.model_copy(update={"functions_aws": free_port(), "functions_azure": free_port()})
    return sec_env.model_copy(update={"local": sec_env.local.model_copy(update={"ports": ports})})


def _config_dir(env: Any, tmp_path: Path) -> Path:
    directory = tmp_path / "config"
    directory.mkdir()
    (directory / "local.yaml").write_text(yaml.safe_dump(env.model_dump(mode="json", exclude_none=True)))
    return directory


def test_rotation_without_failed_requests(rot_env: Any, tmp_path: Path, cli: Any) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.security.apikey_store import read_state, write_keys

    rt = Runtime(environment=rot_env)
    write_keys(rt, ["old-key-0123456789abcdef"])
    ends = rot_env.endpoints()
    urls = [ends.functions_aws, ends.functions_azure]
    statuses: list[int] = []
    stop = threading.Event()

    def caller() -> None:  # a service client that re-reads the current key from the store, as the functions do
        while not stop.is_set():
            key = read_state(Runtime(environment=rot_env)).aws_keys[0]
            statuses.extend(call(u, key) for u in urls)
            stop.wait(0.1)

    with key_store_hosts(rot_env, tmp_path):
        assert [call(u, "old-key-0123456789abcdef") for u in urls] == [404, 404]
        thread = threading.Thread(target=caller, daemon=True)
        thread.start()
        config = _config_dir(rot_env, tmp_path)
        res = cli("--config-dir", str(config), "--yes", "secrets", "rotate", "api-key", "--grace", "3", "--wait", "30")
        stop.set()
        thread.join(timeout=15)
        assert res.exit_code == 0, res.stderr
        state = read_state(Runtime(environment=rot_env))
        assert state.aws_keys == state.azure_keys and len(state.aws_keys) == 1
        new = state.aws_keys[0]
        assert new != "old-key-0123456789abcdef"
        assert [call(u, new) for u in urls] == [404, 404]
        assert [call(u, "old-key-0123456789abcdef") for u in urls] == [401, 401]
    assert len(statuses) >= 10
    assert set(statuses) == {404}, f"{statuses.count(401)} request(s) refused during the rotation"
    journals = list((rot_env.env_state_dir / "journal").glob("*secrets*.jsonl"))
    assert journals and new not in journals[0].read_text()
    assert new not in res.stdout + res.stderr


def test_dry_run_changes_nothing(rot_env: Any, tmp_path: Path, cli: Any) -> None:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.security.apikey_store import read_state, write_keys

    write_keys(Runtime(environment=rot_env), ["old-key-0123456789abcdef"])
    before = read_state(Runtime(environment=rot_env))
    res = cli(
        "--config-dir",
        str(_config_dir(rot_env, tmp_path)),
        "--output",
        "json",
        "secrets",
        "rotate",
        "api-key",
        "--dry-run",
    )
    assert res.exit_code == 0, res.stderr
    assert '"dry_run": true' in res.stdout and '"stage"' in res.stdout
    after = read_state(Runtime(environment=rot_env))
    assert (after.aws_keys, after.azure_keys, after.azure_changed) == (
        before.aws_keys,
        before.azure_keys,
        before.azure_changed,
    )
