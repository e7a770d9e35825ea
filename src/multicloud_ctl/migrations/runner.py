"""Run the migrations programmatically: upgrade, pending revisions, current/head, SQL for offline review."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import OperationFailed

if TYPE_CHECKING:
    from alembic.config import Config

    from multicloud_ctl.engine.run import Operation
    from multicloud_ctl.engine.runtime import Runtime

HERE = Path(__file__).resolve().parent
VERSION_TABLE = "mcctl_schema_version"


def config(url: str | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("version_locations", str(HERE / "versions"))
    cfg.set_main_option("path_separator", "os")
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def environment_url(runtime: Runtime) -> str:
    """The environment's SQL URL (a secret reference is resolved)."""
    from multicloud_ctl.config.secrets import is_reference

    url = str(runtime.environment.azure.sql.url)
    if is_reference(url):
        return str(runtime.secrets.resolve(url))
    return str(url)


def _script() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config())


def head_revision() -> str:
    return str(_script().get_current_head())


def revisions() -> list[dict[str, Any]]:
    """Every revision, oldest first."""
    revs = list(reversed(list(_script().walk_revisions())))
    return [
        {"revision": r.revision, "down_revision": r.down_revision, "doc": (r.doc or "").splitlines()[0]} for r in revs
    ]


def _engine(url: str) -> Any:
    from sqlalchemy import create_engine

    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url)


def current_revision(url: str) -> str | None:
    """The revision the database is at (None: never migrated)."""
    from alembic.migration import MigrationContext

    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        return None  # reading must not create the database file
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()
    finally:
        engine.dispose()


def pending(url: str, target: str = "head") -> list[str]:
    """Revisions an upgrade to `target` would apply, in order."""
    script = _script()
    cur = current_revision(url)
    want = script.get_revision(target).revision if target != "head" else script.get_current_head()
    if cur == want:
        return []
    revs = list(script.iterate_revisions(want, cur))
    return [r.revision for r in reversed(revs)]


def upgrade(url: str, target: str = "head") -> list[str]:
    """Apply the pending migrations up to `target`; returns the revisions applied (idempotent)."""
    from alembic import command
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    todo = pending(url, target)
    if not todo:
        return []
    cfg = config(url)
    engine = _engine(url)
    try:
        if current_revision(url) is None:
            unversioned = [t for t in inspect(engine).get_table_names() if t != VERSION_TABLE]
            if unversioned:
                raise OperationFailed(
                    f"the database already has {len(unversioned)} table(s) ({', '.join(sorted(unversioned)[:4])}"
                    f"{', ...' if len(unversioned) > 4 else ''}) but no migration revision: they were created "
                    "outside the migrations",
                    hint="back the data up and start from an empty database (in the sandbox: `mcctl local down "
                    "--purge` and remove the SQLite file), then `mcctl sql migrate`",
                )
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None)
        first = str(orig if orig is not None else exc).splitlines()[0]
        raise OperationFailed(f"SQL migration failed: {first}", hint="`mcctl sql current` shows the revision") from exc
    finally:
        engine.dispose()
    return todo


def offline_sql(dialect_url: str, target: str = "head") -> str:
    """The DDL of the migrations for a dialect without connecting (e.g. `mssql+pyodbc://`)."""
    from alembic import command

    buf = io.StringIO()
    cfg = config(dialect_url)
    cfg.output_buffer = buf
    command.upgrade(cfg, target, sql=True)
    return buf.getvalue()


def migrate_operation(url: str | None, revision: str) -> Operation:
    """`sql migrate` for the run lifecycle: list pending revisions (read-only), confirm, upgrade (lease "sql")."""
    from multicloud_ctl.engine.plan import Plan, Step
    from multicloud_ctl.engine.run import LockSpec, Operation

    def plan(runtime: Runtime) -> Plan:
        target = url or environment_url(runtime)
        todo = pending(target, revision)
        steps = (
            Step.bulk(
                "upgrade",
                f"upgrade the schema to {revision} ({', '.join(todo)})",
                lambda ctx: upgrade(target, revision),
                total=len(todo),
                unit="revisions",
                provider="azure",
            ),
        )
        return Plan("sql migrate", steps if todo else (), summary={"pending": todo, "revision": revision})

    return Operation(
        "sql migrate",
        plan,
        inputs={"revision": revision, "url": "(--url)" if url else "(environment)"},
        lock=LockSpec("sql"),
        question=lambda p: f"Apply {len(p.summary['pending'])} migration(s)?",
        conclude=lambda p, r: {"applied": r.steps[0].output if r.steps else [], "current": revision},
        dry_result=lambda p: {"dry_run": True, "pending": list(p.summary["pending"])},
    )
