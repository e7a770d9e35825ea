"""`mcctl schedule export`: cron lines, systemd service+timer units, or a GitHub Actions workflow.

Scheduled playbooks are those whose `spec.schedule` holds a 5-field cron expression; the command each
runs comes from a closed table by kind (never from the YAML). A directory holding Failover playbooks also
gets `failover-readiness` (`mcctl failover readiness --playbooks DIR`, hourly by default: `READINESS_CRON`,
`--readiness CRON|off`), so what a failover would need is evaluated regularly and a finding exits 3.
Every entry runs with `--yes --output json` so it is unattended and its log is machine-readable;
overlapping runs are refused by the run lock.

A scheduler's PATH is not the operator's (cron's is `/usr/bin:/bin`), so entries call mcctl by an absolute path
(`running_program()`: this console script, or this interpreter with `-m multicloud_ctl`) and carry `--env` and
`--config-dir`. `%` is escaped where cron (a newline) and systemd (a specifier) give it a meaning.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from multicloud_ctl.config.specs.backup import check_cron
from multicloud_ctl.errors import ConfigError, UsageError

READINESS_CRON = "0 * * * *"  # hourly: readiness is read-only and takes seconds
DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@dataclass(frozen=True)
class ScheduledPlaybook:
    name: str
    kind: str
    path: str
    cron: str
    args: tuple[str, ...]  # after `mcctl --env ENV`

    def command(self, env: str, program: str | Sequence[str] = "mcctl", config_dir: str | None = None) -> list[str]:
        """The job's argv: `program` (a string is one word), the environment and config, then the verb."""
        words = [program] if isinstance(program, str) else list(program)
        config = ["--config-dir", config_dir] if config_dir else []
        return [*words, "--env", env, *config, "--output", "json", "--yes", *self.args]


def running_program() -> list[str]:
    """How the mcctl running now is invoked by absolute path: its console script, else `python -m multicloud_ctl`."""
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name == "mcctl" and script.is_file():
        return [str(script.absolute())]
    return [sys.executable, "-m", "multicloud_ctl"]  # a venv's python: not resolved, or the venv would be lost


def _args_for(kind: str, spec: dict[str, Any], path: str) -> tuple[str, ...] | None:
    if kind == "Backup":
        return ("backup", str(spec.get("mode", "daily")), "--playbook", path)
    table = {  # each names its playbook: the jobs' directory need not hold playbooks/ (issue 19)
        "Health": ("health", "--playbook", path),
        "Sync": ("sync", "run", "--playbook", path),
        "Cost": ("cost", "report", "--playbook", path),
        "Drill": ("failover", "drill", "--playbook", path),
    }
    return table.get(kind)


def scheduled_playbooks(
    directory: Path, base: Path | None = None, readiness_cron: str | None = READINESS_CRON
) -> list[ScheduledPlaybook]:
    """Every playbook under `directory` with a `spec.schedule`, by file name; then the failover readiness
    evaluation on `readiness_cron` when `directory` holds a Failover playbook (None: not scheduled)."""
    from multicloud_ctl.config.yamlsource import load_yaml

    out = []
    failover = False
    for path in sorted(directory.glob("*.y*ml")):
        data, lines = load_yaml(path)
        if not isinstance(data, dict):
            continue
        spec = data.get("spec") or {}
        failover = failover or data.get("kind") == "Failover"
        cron = spec.get("schedule") if isinstance(spec, dict) else None
        if not cron:
            continue
        try:
            check_cron(str(cron))
        except ValueError as exc:
            line = lines.line_for(("spec", "schedule")) or 1
            raise ConfigError(f"{path}:{line} spec.schedule: {exc}") from None
        rel = str(path.relative_to(base)) if base and path.is_relative_to(base) else str(path)
        args = _args_for(str(data.get("kind")), spec, rel)
        if args is None:
            continue
        name = str((data.get("metadata") or {}).get("name") or path.stem)
        out.append(ScheduledPlaybook(name, str(data.get("kind")), rel, str(cron), args))
    if failover and readiness_cron:
        try:
            check_cron(readiness_cron)
        except ValueError as exc:
            raise UsageError(f"--readiness {readiness_cron!r}: {exc}") from None
        rel_dir = str(directory.relative_to(base)) if base and directory.is_relative_to(base) else str(directory)
        args = ("failover", "readiness", "--playbooks", rel_dir)
        out.append(ScheduledPlaybook("failover-readiness", "Readiness", rel_dir, readiness_cron, args))
    return out


def _systemd_field(value: str, names: list[str] | None = None) -> str:
    parts = []
    for part in value.split(","):
        rng, _, step = part.partition("/")
        if rng == "*":
            text = f"0/{step}" if step and names is None else "*"
            if step and names is not None:
                raise UsageError(f"cron step {part!r} in day-of-week has no systemd equivalent")
        else:
            lo, _, hi = rng.partition("-")
            if names is not None:
                lo, hi = names[int(lo)], names[int(hi)] if hi else ""
            text = f"{lo}..{hi}" if hi else lo
            if step:
                if hi or names is not None:
                    raise UsageError(f"cron step {part!r} on a range has no systemd equivalent")
                text = f"{lo}/{step}"
        parts.append(text)
    return ",".join(parts)


def cron_to_oncalendar(cron: str) -> str:
    """`30 2 * * 0` -> `Sun *-*-* 02:30:00` (systemd.time OnCalendar)."""
    minute, hour, dom, month, dow = cron.split()
    day = "" if dow == "*" else _systemd_field(dow, DAYS) + " "

    def pad(v: str) -> str:
        return v.zfill(2) if v.isdigit() else v

    date = f"*-{pad(_systemd_field(month))}-{pad(_systemd_field(dom))}"
    return f"{day}{date} {pad(_systemd_field(hour))}:{pad(_systemd_field(minute))}:00"


def cron_to_oncalendars(cron: str) -> list[str]:
    """The OnCalendar= lines for `cron`: two when both day fields are restricted.

    Cron then runs on a day matching *either* field (crontab(5)); one OnCalendar matches weekday *and* date,
    and a timer with several OnCalendar= lines elapses on any of them (systemd.timer(5)).
    """
    minute, hour, dom, month, dow = cron.split()
    if dom != "*" and dow != "*":
        return [
            cron_to_oncalendar(f"{minute} {hour} {dom} {month} *"),
            cron_to_oncalendar(f"{minute} {hour} * {month} {dow}"),
        ]
    return [cron_to_oncalendar(cron)]


def export_cron(
    entries: list[ScheduledPlaybook],
    env: str,
    workdir: str,
    program: str | Sequence[str],
    config_dir: str | None = None,
) -> str:
    lines = [
        "# mcctl scheduled playbooks (generated by `mcctl schedule export --format cron`)",
        "SHELL=/bin/sh",
        "",
    ]
    for e in entries:
        log = f".mcctl/{env}/logs/{e.name}.log"
        cmd = shlex.join(e.command(env, program, config_dir))
        line = f"cd {shlex.quote(workdir)} && mkdir -p .mcctl/{env}/logs && {cmd} >> {log} 2>&1"
        lines.append(f"# {e.name} ({e.kind}, {e.path})")
        lines.append(f"{e.cron} " + line.replace("%", "\\%"))  # crontab(5): an unescaped % is a newline
    return "\n".join(lines) + "\n"


def _systemd_escape(value: str) -> str:
    """A value for a unit file: `%` starts a specifier, `$` a variable in ExecStart (systemd.unit(5))."""
    return value.replace("%", "%%").replace("$", "$$")


def export_systemd(
    entries: list[ScheduledPlaybook],
    env: str,
    workdir: str,
    program: str | Sequence[str],
    config_dir: str | None = None,
) -> dict[str, str]:
    """unit file name -> content (a oneshot service and its timer per playbook)."""
    files: dict[str, str] = {}
    for e in entries:
        unit = f"mcctl-{env}-{e.name}"
        cmd = _systemd_escape(shlex.join(e.command(env, program, config_dir)))
        files[f"{unit}.service"] = (
            f"[Unit]\nDescription=mcctl {e.name} ({env})\nWants=network-online.target\n"
            f"After=network-online.target\n\n[Service]\nType=oneshot\n"
            f"WorkingDirectory={_systemd_escape(workdir)}\n"
            f"Environment=MCCTL_ENV={env}\nExecStart={cmd}\n"
        )
        files[f"{unit}.timer"] = (
            f"[Unit]\nDescription=Schedule of mcctl {e.name} ({env}; cron {e.cron})\n\n[Timer]\n"
            + "".join(f"OnCalendar={calendar}\n" for calendar in cron_to_oncalendars(e.cron))
            + f"Persistent=true\nRandomizedDelaySec=60\nUnit={unit}.service\n\n[Install]\nWantedBy=timers.target\n"
        )
    return files


def export_github_actions(
    entries: list[ScheduledPlaybook], env: str, program: str | Sequence[str], config_dir: str | None = None
) -> str:
    import yaml

    jobs: dict[str, Any] = {}
    for e in entries:
        cmd = shlex.join(e.command(env, program, config_dir))
        jobs[e.name] = {
            "if": f"github.event_name == 'workflow_dispatch' || github.event.schedule == '{e.cron}'",
            "runs-on": "ubuntu-latest",
            "concurrency": {"group": f"mcctl-{env}-{e.name}", "cancel-in-progress": False},
            "environment": env,
            "steps": [
                {"uses": "actions/checkout@v4"},
                {"uses": "actions/setup-python@v5", "with": {"python-version": "3.12"}},
                {"run": "pip install ."},
                {"name": e.name, "run": cmd, "env": {"MCCTL_ENV": env}},
            ],
        }
    doc = {
        "name": f"mcctl scheduled playbooks ({env})",
        "on": {
            "schedule": [{"cron": c} for c in dict.fromkeys(e.cron for e in entries)],
            "workflow_dispatch": {},
        },
        "permissions": {"contents": "read", "id-token": "write"},
        "jobs": jobs,
    }
    return "# generated by `mcctl schedule export --format github-actions`\n" + yaml.safe_dump(
        doc, sort_keys=False, width=200
    )
