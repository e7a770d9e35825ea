"""Issue 21: no bad input crashes mcctl. Each one ends in one `error:` line, one `hint:` line and exit 2.

The corpus (tests/corpus/bad_inputs/) holds the audit's hostile playbooks and config files: non-UTF-8, binary and
NUL-holding files, unhashable keys, recursive aliases, a billion-laughs document, over-deep nesting, Rich markup in
keys and values, non-ASCII bucket names. Each runs through `mcctl playbook validate FILE` and, as `local.yaml` of a
config directory, through `mcctl config show`. Inputs that cannot live in git (a 20 MiB file, a device, a
directory) are made by the tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from refusal_support import CORPUS, refused

REPO = Path(__file__).resolve().parents[3]
FILES = sorted(CORPUS.iterdir())


def test_the_corpus_holds_the_audit_inputs() -> None:
    assert len(FILES) >= 30
    assert any(b"\x00" in p.read_bytes() for p in FILES)
    assert any(p.name.startswith("non-utf8") for p in FILES)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_playbook_validate_refuses_every_bad_input(cli: Any, path: Path) -> None:
    refused(cli("playbook", "validate", str(path)), names=str(path))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_an_environment_file_refuses_every_bad_input(cli: Any, path: Path, tmp_path: Path) -> None:
    env_file = tmp_path / "local.yaml"
    env_file.write_bytes(path.read_bytes())
    refused(cli("--config-dir", str(tmp_path), "config", "show"), names=str(env_file))


@pytest.mark.parametrize("name", ["markup-closing-tag-key.yaml", "markup-bold-key.yaml", "markup-in-kind.yaml"])
def test_playbook_text_prints_as_is_never_as_markup(cli: Any, name: str) -> None:
    res = cli("playbook", "validate", str(CORPUS / name))
    refused(res)
    shown = {"markup-closing-tag-key.yaml": "[/]", "markup-bold-key.yaml": "[bold]x[/bold]"}.get(name, "'[/red]'")
    assert shown in res.stdout and shown in res.stderr


def _env_dir(tmp_path: Path, **replace: str) -> Path:
    config = tmp_path / "config"
    config.mkdir()
    text = (REPO / "config" / "local.yaml").read_text()
    for key, value in replace.items():
        start = text.index(f"\n{key}: ") + 1
        end = text.index("\n", start)
        text = text[:start] + f"{key}: {value}" + text[end:]
    (config / "local.yaml").write_text(text)
    return config


MUTATING_DRY_RUNS = [
    ["provision", "apply", "--dry-run"],
    ["backup", "daily", "--dry-run"],
    ["sync", "run", "--dry-run"],
    ["cost", "seed", "--dry-run"],
    ["logs", "ship", "--dry-run"],
    ["deploy", "rollback", "order-service", "--dry-run"],
]


@pytest.mark.parametrize("argv", MUTATING_DRY_RUNS, ids=[" ".join(a[:2]) for a in MUTATING_DRY_RUNS])
def test_an_unwritable_state_dir_is_one_line_naming_it(cli: Any, tmp_path: Path, argv: list[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")  # root writes anywhere: a file in the path stops everyone
    config = _env_dir(tmp_path, state_dir=str(blocker / "state"))
    error = refused(cli("--config-dir", str(config), *argv))
    assert f"state_dir {blocker / 'state' / 'local'} is not writable" in error


@pytest.mark.parametrize("interval", ["-1", "nan", "3601", "inf"])
def test_logs_follow_refuses_a_bad_interval(cli: Any, interval: str) -> None:
    error = refused(cli("logs", "query", "--follow", "--interval", interval))
    says = "is not a finite number" if interval in ("nan", "inf") else "--interval must be between 0 and 3600 seconds"
    assert "--interval" in error and says in error


def test_an_environment_with_a_non_ascii_bucket_is_refused(cli: Any, tmp_path: Path) -> None:
    config = _env_dir(tmp_path)
    env_file = config / "local.yaml"
    env_file.write_text(env_file.read_text().replace("aws:\n", "aws:\n  buckets: {product_images: prodüct}\n", 1))
    error = refused(cli("--config-dir", str(config), "config", "show"), names=str(env_file))
    assert "aws.buckets.product_images: 'prodüct' is not an S3 bucket name" in error


@pytest.mark.parametrize("name", ["h", "a--b", "Backups", "-backups", "b" * 64])
def test_a_container_name_azure_refuses_is_refused_at_load(cli: Any, tmp_path: Path, name: str) -> None:
    """Azurite only refused a one-letter container at the first request, mid-run, and took "a--b" (Azure does not)."""
    playbook = tmp_path / "backup.yaml"
    text = (REPO / "playbooks" / "backup-daily.yaml").read_text()
    playbook.write_text(text.replace("  buckets:", f"  container: {name}\n  buckets:", 1))
    line = playbook.read_text().splitlines().index(f"  container: {name}") + 1
    res = cli("playbook", "validate", str(playbook))
    refused(res)
    assert f"{playbook}:{line} " in res.stderr and f"{name!r} is not a blob container name" in res.stderr
    config = _env_dir(tmp_path)
    env_file = config / "local.yaml"
    env_file.write_text(env_file.read_text().replace("backups_container: backups", f"backups_container: {name}", 1))
    error = refused(cli("--config-dir", str(config), "config", "show"), names=str(env_file))
    assert f"azure.storage.backups_container: {name!r} is not a blob container name" in error


def test_schedule_export_into_a_path_that_cannot_be_a_directory(cli: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x\n")
    playbooks = tmp_path / "playbooks"
    playbooks.mkdir()
    shutil.copy(REPO / "playbooks" / "backup-daily.yaml", playbooks)
    for out, reason in ((blocker, "a file is in the way"), (blocker / "sub", "a parent is not a directory")):
        error = refused(cli("schedule", "export", "--playbooks", str(playbooks), "--out-dir", str(out)))
        assert error == f"error: --out-dir {out}: cannot write: {reason} of a directory" or reason in error


def test_deploy_package_into_an_unwritable_out_is_refused_before_building(cli: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x\n")
    error = refused(cli("deploy", "package", "--no-vendor", "--out", str(blocker / "packages")))
    assert error == f"error: --out {blocker / 'packages'}: cannot write: a parent is not a directory"


@pytest.mark.parametrize("argv", [["cost", "report", "--format", "csv"], ["dashboard"]])
def test_an_output_file_that_is_a_directory_is_refused(cli: Any, tmp_path: Path, argv: list[str]) -> None:
    error = refused(cli(*argv, "--out", str(tmp_path)))
    assert error == f"error: --out {tmp_path}: it is a directory"


def test_output_errors_map_to_one_usage_error(tmp_path: Path) -> None:
    from multicloud_ctl.cli.outfile import writing_to
    from multicloud_ctl.errors import UsageError

    blocker = tmp_path / "a-file"
    blocker.write_text("x\n")
    with pytest.raises(UsageError, match="a parent is not a directory"), writing_to("--out", blocker / "x.csv"):
        (blocker / "x.csv").write_text("data")
    with pytest.raises(UsageError, match="no space left"), writing_to("--out", Path("/dev/full")):
        Path("/dev/full").write_text("data")


LONG = "a" * 300  # longer than a file name may be (ENAMETOOLONG)
BAD_ARGUMENTS = [
    ["--env", "../../etc/passwd", "config", "show"],
    ["--env", LONG, "config", "show"],
    ["--config-dir", LONG, "config", "show"],
    ["--config-dir", LONG, "config", "list"],
    ["schedule", "export", "--playbooks", LONG],
    ["schedule", "export", "--playbooks", "playbooks", "--out-dir", f"{LONG}/x"],
    ["playbook", "validate", LONG],
]


@pytest.mark.parametrize("argv", BAD_ARGUMENTS, ids=range(len(BAD_ARGUMENTS)))
def test_a_bad_name_or_path_argument_is_refused(cli: Any, argv: list[str]) -> None:
    refused(cli(*argv))


@pytest.mark.parametrize(
    ("name", "line", "says"),
    [
        ("backup-without-spec.yaml", 1, "spec: required field is missing"),
        ("backup-daily-without-buckets.yaml", 4, "list at least one under spec.buckets"),
        ("backup-weekly-with-nothing.yaml", 4, "needs at least one of spec.buckets, spec.tables"),
    ],
)
def test_a_backup_playbook_that_names_nothing_is_refused_by_file_line_and_field(
    cli: Any, name: str, line: int, says: str
) -> None:
    """It would commit an empty backup, which then counts as fresh for health and the failover preflight."""
    res = cli("playbook", "validate", str(CORPUS / name))
    refused(res)
    assert f"{CORPUS / name}:{line} " in res.stderr and says in res.stderr


def test_a_daily_playbook_is_not_run_as_a_weekly(cli: Any) -> None:
    res = cli("backup", "weekly", "--dry-run", "--playbook", str(REPO / "playbooks" / "backup-daily.yaml"))
    refused(res)
    assert "spec.mode is daily" in res.stderr and "backup-weekly.yaml" in res.stderr


def test_a_misspelt_environment_in_a_provision_playbook_is_refused(cli: Any, tmp_path: Path) -> None:
    """`prdo:` applied nothing to prod, silently; the config directory's names (prod and staging from their
    `*.example.yaml`) are the ones a per-environment section may use."""
    text = (
        (REPO / "playbooks" / "provision.yaml")
        .read_text()
        .replace("  environments:\n", "  environments:\n    prdo: {}\n")
    )
    book = tmp_path / "provision.yaml"
    book.write_text(text)
    res = cli("--config-dir", str(REPO / "config"), "playbook", "validate", str(book))
    error = refused(res)
    assert f"{book}:" in error and "spec.environments: no environment 'prdo'" in error and "mean 'prod'" in error
    shipped = cli(
        "--config-dir", str(REPO / "config"), "playbook", "validate", str(REPO / "playbooks" / "provision.yaml")
    )
    assert shipped.exit_code == 0, shipped.stderr


def test_a_full_disk_under_the_state_directory_is_one_line_and_leaves_no_empty_journal(tmp_path: Path) -> None:
    """A write that fails (here: the file size limit, EFBIG, the same path as ENOSPC on a full disk) stops the
    run at its journal with one `error:` line naming the file, exit 1, and no empty journal left behind."""
    import os
    import resource
    import signal
    import subprocess
    import sys

    config = _env_dir(tmp_path, state_dir=str(tmp_path / "state"))

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    argv = [sys.executable, "-m", "multicloud_ctl", "--config-dir", str(config), "--yes"]
    proc = subprocess.run(
        [*argv, "provision", "apply", "--dry-run", "--playbook", str(REPO / "playbooks" / "provision.yaml")],
        capture_output=True, text=True, preexec_fn=small_files, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1, proc.stderr
    assert len(lines) == 2 and lines[0].startswith("error: cannot write the journal "), proc.stderr
    assert "File too large" in lines[0] and lines[1].startswith("hint: free space")
    journals = list((tmp_path / "state").rglob("*.jsonl"))
    assert journals == [], journals
