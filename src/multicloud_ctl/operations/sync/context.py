"""What every sync command needs: the playbook's table mappings, the SQL engine and tables, the stream client.

`SyncContext` is built from the lead's `Runtime` (environment, secrets, clock, AWS clients), so the SQL URL
is resolved through the secret resolver and the AWS clients carry the dry-run guard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import ConfigError, PreflightFailed, UsageError
from multicloud_ctl.functions.cdc.schema import KeyColumn, ProjectedColumn, SyncTables, TableMapping, build_metadata

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from multicloud_ctl.config.specs.sync import SyncSpec
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.aws.dynamodb_streams import DynamoStreamsClient


def default_playbook() -> Path:
    """`sync.yaml` in the playbook directory (config/home.py)."""
    from multicloud_ctl.config.home import current

    return current().playbook("sync.yaml")


def mappings_from_spec(spec: SyncSpec) -> list[TableMapping]:
    """The playbook's tables as the apply core's `TableMapping`s."""
    return [
        TableMapping(
            source=t.source,
            target=t.target or t.source.lower(),
            delete_mode=t.delete_mode,
            keys=tuple(KeyColumn(k.attribute, k.column or k.attribute, k.type, k.length) for k in t.keys),
            projected=tuple(ProjectedColumn(c.attribute, c.column or c.attribute, c.type, c.length) for c in t.columns),
        )
        for t in spec.tables
    ]


def sync_tables(spec: SyncSpec) -> SyncTables:
    """The SQLAlchemy tables (one `MetaData`) for a Sync spec: data tables, checkpoints, dead letters."""
    return build_metadata(
        mappings_from_spec(spec),
        checkpoints=spec.checkpoint_table,
        dead_letters=spec.dead_letter.table,
        tombstones=spec.tombstone_table,
    )


def load_spec(path: Path | None) -> SyncSpec:
    from multicloud_ctl.config.playbook import load_playbook

    path = path or default_playbook()
    if not path.exists():
        raise ConfigError(f"sync playbook {path} does not exist", hint="pass --playbook FILE")
    spec: SyncSpec = load_playbook(path, "Sync").spec
    return spec


@dataclass
class SyncContext:
    runtime: Runtime
    spec: SyncSpec
    mappings: list[TableMapping] = field(default_factory=list)
    spec_path: Path | None = None

    def __post_init__(self) -> None:
        self.mappings = self.mappings or mappings_from_spec(self.spec)

    @cached_property
    def tables(self) -> SyncTables:
        return sync_tables(self.spec)

    @cached_property
    def engine(self) -> Engine:
        from multicloud_ctl.functions.cdc.engine import create_sql_engine

        sql = self.runtime.environment.azure.sql
        url = sql.url
        if ":" in url and url.split(":", 1)[0] in ("env", "aws-secretsmanager", "azure-keyvault", "literal-dev"):
            url = self.runtime.secrets.resolve(url)
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        return create_sql_engine(url, connect_timeout=self.runtime.environment.network.connect_timeout_seconds)

    @cached_property
    def streams(self) -> DynamoStreamsClient:
        from multicloud_ctl.providers.aws.dynamodb_streams import DynamoStreamsClient

        return DynamoStreamsClient(self.runtime.aws)

    def now(self) -> Any:
        return self.runtime.clock()

    def select(self, names: list[str] | None) -> list[TableMapping]:
        """The mappings named (by DynamoDB or SQL table name), all when none."""
        if not names:
            return list(self.mappings)
        by_name = {m.source: m for m in self.mappings} | {m.target: m for m in self.mappings}
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise UsageError(
                f"not in the sync playbook: {', '.join(unknown)}",
                hint=f"tables: {', '.join(m.source for m in self.mappings)}",
            )
        return list(dict.fromkeys(by_name[n] for n in names))


def open_context(runtime: Runtime, playbook: Path | None = None) -> SyncContext:
    return SyncContext(runtime=runtime, spec=load_spec(playbook), spec_path=playbook)


def check_source(ctx: SyncContext, mapping: TableMapping) -> Any:
    """DescribeTable and refuse a source whose keys or stream do not fit the mapping (schema mismatch)."""
    from multicloud_ctl.errors import NotFound

    try:
        info = ctx.streams.describe_table(mapping.source)
    except NotFound:
        raise PreflightFailed(
            f"DynamoDB table {mapping.source} does not exist", hint="check spec.tables[].source in the sync playbook"
        ) from None
    keys = [a for a, _ in info.key_schema]
    wanted = [k.attribute for k in mapping.keys]
    if keys != wanted:
        raise PreflightFailed(
            f"schema mismatch: DynamoDB {mapping.source} has keys {keys}, the playbook says {wanted}",
            hint="fix spec.tables[].keys in the sync playbook",
        )
    for k in mapping.keys:
        actual = info.attribute_types.get(k.attribute)
        if actual and actual != k.type:
            raise PreflightFailed(
                f"schema mismatch: key {mapping.source}.{k.attribute} is {actual} in DynamoDB, "
                f"{k.type} in the playbook",
                hint="fix the key's `type` in the sync playbook",
            )
    if not info.stream_arn or info.stream_view not in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        raise PreflightFailed(
            f"DynamoDB {mapping.source} has no stream with new images (stream view: {info.stream_view or 'disabled'})",
            hint="enable a NEW_AND_OLD_IMAGES stream on the table (`mcctl provision apply`)",
        )
    return info
