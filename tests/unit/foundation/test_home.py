"""Where mcctl finds its configuration and playbooks, and what relative paths in them are relative to."""

from __future__ import annotations

from pathlib import Path

from multicloud_ctl.config.home import locate, user_home
from multicloud_ctl.config.loader import load_environment

REPO = Path(__file__).resolve().parents[3]


def make_home(root: Path) -> Path:
    (root / "config").mkdir(parents=True)
    (root / "playbooks").mkdir()
    return root


def test_lookup_order_flag_then_env_then_cwd_then_user_dir(tmp_path: Path) -> None:
    flag, env_home, cwd, xdg = (make_home(tmp_path / n) for n in ("flag", "env", "cwd", "xdg/mcctl"))
    environ = {"MCCTL_HOME": str(env_home), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert locate(flag / "config", environ=environ, cwd=cwd).config_dir == flag / "config"
    assert locate(environ={**environ, "MCCTL_CONFIG_DIR": str(flag / "config")}, cwd=cwd).how == "MCCTL_CONFIG_DIR"
    home = locate(environ=environ, cwd=cwd)
    assert (home.config_dir, home.playbook_dir, home.how) == (env_home / "config", env_home / "playbooks", "MCCTL_HOME")
    assert locate(environ={"XDG_CONFIG_HOME": str(tmp_path / "xdg")}, cwd=cwd).config_dir == cwd / "config"
    nowhere = tmp_path / "empty"
    nowhere.mkdir()
    found = locate(environ={"XDG_CONFIG_HOME": str(tmp_path / "xdg")}, cwd=nowhere)
    assert (found.config_dir, found.how) == (xdg / "config", "user config directory")
    assert locate(environ={"XDG_CONFIG_HOME": str(tmp_path / "none")}, cwd=nowhere).how == "none found"


def test_user_home_follows_xdg_only_when_absolute(tmp_path: Path) -> None:
    assert user_home({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "mcctl"
    assert user_home({"XDG_CONFIG_HOME": "relative/dir"}) == Path.home() / ".config" / "mcctl"


def test_playbooks_beside_the_config_else_the_flag(tmp_path: Path) -> None:
    home = make_home(tmp_path / "h")
    assert locate(home / "config", environ={}, cwd=tmp_path).playbook_dir == home / "playbooks"
    other = tmp_path / "other"
    assert locate(home / "config", other, environ={}, cwd=tmp_path).playbook("sync.yaml") == other / "sync.yaml"
    assert locate(home / "config", environ={"MCCTL_PLAYBOOK_DIR": str(other)}, cwd=tmp_path).playbook_dir == other


def test_relative_state_and_sqlite_paths_are_anchored_to_the_home(tmp_path: Path) -> None:
    home = make_home(tmp_path / "h")
    (home / "config" / "local.yaml").write_text((REPO / "config" / "local.yaml").read_text())
    env = load_environment("local", home / "config")
    assert env.state_dir == home / ".mcctl"
    assert env.azure.sql.url == f"sqlite:///{home / '.mcctl' / 'local' / 'azure-sql.db'}"
    assert locate(home / "config", environ={}).resolve("playbooks/sync.yaml") == home / "playbooks" / "sync.yaml"
    assert locate(home / "config", environ={}).resolve("/abs/x.yaml") == Path("/abs/x.yaml")
    bare = tmp_path / "bare" / "config"  # a config directory with no playbooks beside it: ./playbooks are used
    bare.mkdir(parents=True)
    work = make_home(tmp_path / "work")
    assert locate(bare, environ={}, cwd=work).resolve("playbooks/sync.yaml") == work / "playbooks" / "sync.yaml"
    in_repo = load_environment("local", Path("config"))  # the checkout, run from its root: unchanged
    assert in_repo.state_dir == Path(".mcctl")


def test_a_linked_config_directory_keeps_the_state_beside_the_link(tmp_path: Path) -> None:
    """The checkout's config/ links into the package templates: state must live beside the link, not the target
    (`make demo` found a child process reading spans from the templates' directory when the path was resolved)."""
    target = make_home(tmp_path / "templates")
    (target / "config" / "local.yaml").write_text((REPO / "config" / "local.yaml").read_text())
    home = tmp_path / "checkout"
    home.mkdir()
    (home / "config").symlink_to(target / "config")
    env = load_environment("local", (home / "config").absolute())
    assert env.state_dir == home / ".mcctl"


def test_local_install_pins_the_azurite_the_checkout_pins() -> None:
    """`mcctl local install` (npm, installed packages) and `make setup` (tools/azurite) install the same Azurite."""
    import json

    from multicloud_ctl.local.processes import AZURITE_VERSION

    pinned = json.loads((REPO / "tools" / "azurite" / "package.json").read_text())["dependencies"]["azurite"]
    assert pinned == AZURITE_VERSION
