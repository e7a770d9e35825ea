"""Bad input in environments and playbooks: one clear line naming file, line and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from multicloud_ctl.config.loader import load_environment
from multicloud_ctl.config.playbook import load_playbook
from multicloud_ctl.config.yamlsource import load_yaml
from multicloud_ctl.errors import ConfigError, ExitCode

REPO = Path(__file__).resolve().parents[3]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def local_env_text() -> str:
    return (REPO / "config" / "local.yaml").read_text()


def test_local_environment_loads_with_loopback_endpoints() -> None:
    env = load_environment("local", REPO / "config")
    assert env.is_local
    ends = env.endpoints()
    assert ends.aws == "http://127.0.0.1:5000"
    assert ends.cloudflare == "http://127.0.0.1:5200/client/v4"
    assert env.resource_tags()["managed-by"] == "mcctl"


@pytest.mark.parametrize("example", ["staging", "prod"])
def test_example_environments_validate(tmp_path: Path, example: str) -> None:
    shutil.copy(REPO / "config" / f"{example}.example.yaml", tmp_path / f"{example}.yaml")
    env = load_environment(example, tmp_path)
    assert env.kind == "cloud"
    assert env.endpoints().aws is None


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "apiVersion: mcctl/v1\nkind: Backup\nmetadata:\n  name: [x\nspec: {}\n")
    with pytest.raises(ConfigError) as err:
        load_playbook(path)
    assert err.value.message.startswith(f"{path}:")
    assert "malformed YAML" in err.value.message
    assert err.value.exit_code == ExitCode.USAGE


def test_unknown_key_names_line_and_field(tmp_path: Path) -> None:
    text = local_env_text().replace(
        "  resource_group: mcctl-local\n", "  resource_group: mcctl-local\n  resource_grup: typo\n"
    )
    write(tmp_path, "local.yaml", text)
    line = text.splitlines().index("  resource_grup: typo") + 1
    with pytest.raises(ConfigError) as err:
        load_environment("local", tmp_path)
    assert err.value.message == f"{tmp_path}/local.yaml:{line} azure.resource_grup: unknown field"


def test_wrong_type_names_line_and_field(tmp_path: Path) -> None:
    text = local_env_text().replace("    moto: 5000", "    moto: five-thousand")
    write(tmp_path, "local.yaml", text)
    line = text.splitlines().index("    moto: five-thousand") + 1
    with pytest.raises(ConfigError) as err:
        load_environment("local", tmp_path)
    assert err.value.message.startswith(
        f"{tmp_path}/local.yaml:{line} local.ports.moto: input should be a valid integer"
    )


def test_missing_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MCCTL_TEST_UNSET", raising=False)
    path = write(
        tmp_path,
        "p.yaml",
        "apiVersion: mcctl/v1\nkind: Health\nmetadata:\n  name: x\n  description: ${MCCTL_TEST_UNSET}\nspec: {}\n",
    )
    with pytest.raises(ConfigError) as err:
        load_playbook(path)
    assert err.value.message == f"{path}:5 metadata.description: environment variable MCCTL_TEST_UNSET is not set"
    assert err.value.hint and "MCCTL_TEST_UNSET" in err.value.hint


def test_env_var_expansion_and_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCCTL_TEST_SET", "hello")
    path = write(tmp_path, "x.yaml", "a: ${MCCTL_TEST_SET}-${MCCTL_TEST_UNSET2:-dflt}\n")
    data, lines = load_yaml(path)
    assert data == {"a": "hello-dflt"}
    assert lines.line_for(("a",)) == 1


def test_secret_value_pasted_where_reference_expected(tmp_path: Path) -> None:
    text = local_env_text().replace("api_token: literal-dev:sandbox-token", "api_token: s3cr3t-v4lue-abcdef")
    write(tmp_path, "local.yaml", text)
    line = text.splitlines().index("  api_token: s3cr3t-v4lue-abcdef") + 1
    with pytest.raises(ConfigError) as err:
        load_environment("local", tmp_path)
    assert err.value.message.startswith(
        f"{tmp_path}/local.yaml:{line} cloudflare.api_token: expected a secret reference"
    )
    assert "s3cr3t-v4lue-abcdef" not in err.value.message


def test_password_in_sql_url_is_refused(tmp_path: Path) -> None:
    text = local_env_text().replace(
        "url: sqlite:///.mcctl/local/azure-sql.db", "url: postgresql://app:hunter22@db.example/shop"
    )
    write(tmp_path, "local.yaml", text)
    with pytest.raises(ConfigError) as err:
        load_environment("local", tmp_path)
    assert "azure.sql.url: the URL carries a password" in err.value.message
    assert "hunter22" not in err.value.message


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "d.yaml", "apiVersion: mcctl/v1\nkind: Health\nkind: Cost\nmetadata: {name: x}\nspec: {}\n")
    with pytest.raises(ConfigError) as err:
        load_playbook(path)
    assert err.value.message == f"{path}:3 kind: duplicate key"


def test_unknown_kind_and_wrong_api_version(tmp_path: Path) -> None:
    path = write(tmp_path, "k.yaml", "apiVersion: mcctl/v1\nkind: Teleport\nmetadata: {name: x}\nspec: {}\n")
    with pytest.raises(ConfigError) as err:
        load_playbook(path)
    assert err.value.message == f"{path}:2 kind: unknown kind 'Teleport'"
    path = write(tmp_path, "v.yaml", "apiVersion: mcctl/v2\nkind: Health\nmetadata: {name: x}\nspec: {}\n")
    with pytest.raises(ConfigError) as err:
        load_playbook(path)
    assert err.value.message.startswith(f"{path}:1 apiVersion: input should be 'mcctl/v1'")


def test_expected_kind_mismatch(tmp_path: Path) -> None:
    path = write(tmp_path, "h.yaml", "apiVersion: mcctl/v1\nkind: Health\nmetadata: {name: x}\nspec: {}\n")
    with pytest.raises(ConfigError) as err:
        load_playbook(path, expected_kind="Backup")
    assert "expected a Backup playbook, got Health" in err.value.message


def test_missing_file() -> None:
    with pytest.raises(ConfigError) as err:
        load_playbook(Path("/nonexistent/p.yaml"))
    assert err.value.message == "/nonexistent/p.yaml: no such file"
