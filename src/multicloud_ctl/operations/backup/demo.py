"""The `mcctl local demo` steps for backups: a daily backup, a weekly snapshot, and a verify.

The steps run the real CLI against the sandbox with a playbook written to the environment's state dir:
the default playbooks' buckets and tables that exist in the sandbox (earlier demo steps create them), and
every table of the sandbox SQL database. When no bucket exists yet, a small `product-images` bucket is
seeded so the demo always has something to copy.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multicloud_ctl.engine.runtime import Runtime

DEMO_BUCKETS = ("product-images", "static-assets")
DEMO_TABLES = ("Products", "Users", "Inventory", "Orders")


def demo_playbook(runtime: Runtime, mode: str) -> Path:
    """Write `<state_dir>/demo/backup-<mode>.yaml` for what exists in the sandbox; returns its path."""
    import yaml
    from sqlalchemy import inspect

    from multicloud_ctl.operations.backup.sqltables import sql_engine
    from multicloud_ctl.providers.aws.dynamodb import DynamoDbClient
    from multicloud_ctl.providers.aws.s3 import S3Client

    s3 = S3Client(runtime.aws.client("s3"), runtime.aws.counter, runtime.environment.network)
    buckets = [b for b in DEMO_BUCKETS if s3.bucket_exists(b)]
    if not buckets:
        s3.ensure_bucket(DEMO_BUCKETS[0], runtime.environment.aws.regions.primary)
        buckets = [DEMO_BUCKETS[0]]
    if not any(next(iter(s3.list(b)), None) for b in buckets):  # freshly provisioned: give it something to copy
        for i in range(3):
            s3.put(buckets[0], f"demo/{i}.txt", f"demo image {i}\n".encode())
    spec: dict[str, Any] = {"mode": mode, "buckets": buckets}
    if mode == "weekly":
        ddb = DynamoDbClient(runtime.aws.client("dynamodb"))
        spec["tables"] = [t for t in DEMO_TABLES if ddb.exists(t)]
        engine = sql_engine(runtime)
        try:
            spec["sql_tables"] = sorted(inspect(engine).get_table_names())
        finally:
            engine.dispose()
    path = runtime.state_dir / "demo" / f"backup-{mode}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        yaml.safe_dump(
            {"apiVersion": "mcctl/v1", "kind": "Backup", "metadata": {"name": f"demo-backup-{mode}"}, "spec": spec},
            sort_keys=False,
        )
    )
    return path


def _daily(ctx: Any) -> str:
    out = ctx.mcctl_json("backup", "daily", "--yes", "--playbook", str(demo_playbook(ctx.runtime(), "daily")))
    return f"{out['id']}: {out['copied']} copied, {out['skipped']} unchanged ({out['transfer']})"


def _weekly(ctx: Any) -> str:
    out = ctx.mcctl_json("backup", "weekly", "--yes", "--playbook", str(demo_playbook(ctx.runtime(), "weekly")))
    tables = ", ".join(f"{t}:{n}" for t, n in out["tables"].items()) or "no tables"
    return f"{out['id']}: {out['objects']} objects, {out['bytes']} bytes; {tables}"


def _verify(ctx: Any) -> str:
    out = ctx.mcctl_json("backup", "verify", "latest-weekly", "--playbook", str(demo_playbook(ctx.runtime(), "weekly")))
    return f"{out['id']}: {out['checked']}/{out['objects']} objects re-read and hashed, {out['status']}"


STEPS = [("backup daily", _daily), ("backup weekly", _weekly), ("backup verify", _verify)]
