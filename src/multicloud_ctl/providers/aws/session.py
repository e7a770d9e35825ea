"""One boto3 session per environment, with endpoint overrides, adaptive retries and the dry-run guard.

The guard is central: every client made here refuses any API operation that is not read-only while
`dry_run` is set, whatever the calling code does, and counts calls so tests can prove zero mutating requests.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multicloud_ctl.errors import DryRunViolation
from multicloud_ctl.providers.listing_cache import ListingCache

if TYPE_CHECKING:
    from multicloud_ctl.config.environment import Environment
    from multicloud_ctl.config.secrets import SecretResolver

READ_ONLY_PREFIXES = (
    "Describe",
    "Get",
    "List",
    "Scan",
    "Query",
    "Head",
    "BatchGet",
    "Select",
    "Search",
    "Lookup",
    "Check",
    "Validate",
    "Estimate",
    "Simulate",
    "AdminGet",
    "AdminList",
)
READ_ONLY_EXTRA = {"TransactGetItems", "ExecuteStatement:select", "FilterLogEvents"}
RECENT = 1000  # operation names kept in `CallCounter.operations`


def is_read_only(operation: str) -> bool:
    """True for API operations that change nothing (by AWS naming convention)."""
    return operation.startswith(READ_ONLY_PREFIXES) or operation in READ_ONLY_EXTRA


@dataclass
class CallCounter:
    """Counts API calls per kind; `blocked` are mutating calls refused under dry run.

    `by_operation` counts every call by operation name, exactly; `operations` holds the names of the newest
    `RECENT` calls in order. Only the newest: a list of every call was a backup's last memory that grew with
    its objects (a GetObject each; `bench/backup_memory.py`: ~8 MiB of pointers at 1M objects, and more RSS
    from reallocating it), as the Azure guard's record was (`providers/dryrun.py`).
    """

    total: int = 0
    mutating: int = 0
    blocked: int = 0
    operations: deque[str] = field(default_factory=lambda: deque(maxlen=RECENT))
    by_operation: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, operation: str, mutating: bool, blocked: bool) -> None:
        with self._lock:
            self.total += 1
            self.mutating += int(mutating and not blocked)
            self.blocked += int(blocked)
            self.operations.append(operation)
            self.by_operation[operation] += 1


_LOADER_LOCK = threading.Lock()


@functools.cache
def models_loader(data_path: str | None) -> Any:
    """The loader for one `data_path` (AWS_DATA_PATH or the profile's `data_path`; botocore's own when unset)."""
    from botocore.loaders import create_loader

    return create_loader(data_path)


def _session_sharing_models(kwargs: dict[str, Any]) -> Any:
    """A boto3 session (its own credentials and configuration) whose loader of service models is the process's.

    botocore caches a parsed service model in the session's loader, and each session has its own: every
    environment's first client of a service parsed the model's JSON again (DynamoDB's is 0.3 MB, EC2's 2 MB;
    `bench/provision_bench.py` builds 23 clients per runtime: ~15 ms of CPU each). The models are the same
    files for every session, so one loader serves them all (`service_models.py` reads through it too);
    credentials stay per session.
    """
    import boto3
    import botocore.session

    core = botocore.session.Session()
    if kwargs.get("profile_name"):
        core.set_config_variable("profile", kwargs["profile_name"])  # as boto3 does: `data_path` may be per profile
    loader = models_loader(core.get_config_variable("data_path"))
    core.register_component("data_loader", loader)
    with _LOADER_LOCK:
        session = boto3.session.Session(botocore_session=core, **kwargs)
        # boto3 appends its resource models' directory to the loader's search paths for every new session
        loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))
    return session


@dataclass
class AwsClients:
    """Cached boto3 clients for one environment; `client("s3", region=...)`."""

    environment: Environment
    secrets: SecretResolver
    dry_run: bool = False
    counter: CallCounter = field(default_factory=CallCounter)
    # collections listed for provision's reads (`aws:<service>:<region>:<what>`); any mutating call of that
    # service in that region drops them, as it leaves and again when it is answered
    listings: ListingCache = field(default_factory=ListingCache)
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    _session: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _wires: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    @property
    def primary_region(self) -> str:
        return self.environment.aws.regions.primary

    @property
    def secondary_region(self) -> str:
        return self.environment.aws.regions.secondary

    def session(self) -> Any:
        if self._session is None:
            aws = self.environment.aws
            kwargs: dict[str, Any] = {"region_name": aws.regions.primary}
            if aws.profile:
                kwargs["profile_name"] = aws.profile
            if aws.access_key_id and aws.secret_access_key:
                kwargs["aws_access_key_id"] = self.secrets.resolve(aws.access_key_id)
                kwargs["aws_secret_access_key"] = self.secrets.resolve(aws.secret_access_key)
            self._session = _session_sharing_models(kwargs)
        return self._session

    def client(self, service: str, region: str | None = None) -> Any:
        """A boto3 client for `service` in `region` (default: primary), guarded and counted."""
        region = region or self.primary_region
        key = (service, region)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._make(service, region)
            return self._clients[key]

    def _make(self, service: str, region: str) -> Any:
        from botocore.config import Config

        from multicloud_ctl.providers.deadline import boto_config_kwargs, bound_boto_client

        aws = self.environment.aws
        network = self.environment.network
        config = Config(
            region_name=region,
            retries={"mode": "adaptive", "max_attempts": aws.max_attempts},
            **boto_config_kwargs(network),
            user_agent_extra="mcctl/0.1",
            max_pool_connections=aws.max_pool_connections,
            s3={"addressing_style": "path"} if self.environment.endpoints().aws else None,
        )
        endpoint = self.environment.endpoints().aws
        client = self.session().client(service, region_name=region, endpoint_url=endpoint, config=config)
        client.meta.events.register("before-call.*.*", self._guard)
        drop = functools.partial(self._drop_listings, region)
        for event in ("before-call.*.*", "after-call.*.*", "after-call-error.*.*"):
            client.meta.events.register(event, drop)
        return bound_boto_client(client, network)

    def signed(self, service: str, region: str | None = None) -> Any:
        """A `SignedWire` for `service` in `region` (default: primary) when its calls can be signed without
        botocore (static credentials, a known endpoint: see `sigwire.py`), else None."""
        from multicloud_ctl.providers.aws.sigwire import SignedWire

        key = (service, region or self.primary_region)
        with self._lock:
            if key not in self._wires:
                self._wires[key] = SignedWire.make(self, *key)
            return self._wires[key]

    def _drop_listings(self, region: str, event_name: str = "", **_: Any) -> None:
        service, operation = [*event_name.split("."), "", "", ""][1:3]
        if operation and not is_read_only(operation):
            self.listings.invalidate_prefix(f"aws:{service}:{region}:")

    def _guard(self, model: Any, **_: Any) -> None:
        self.record(model.name, model.service_model.service_name)

    def record(self, name: str, service: str = "") -> None:
        """Count one API call; refuse it under dry run when it is not read-only (every path calls this)."""
        mutating = not is_read_only(name)
        blocked = mutating and self.dry_run
        self.counter.add(name, mutating, blocked)
        if blocked:
            raise DryRunViolation(
                f"refused {service + ':' if service else ''}{name} under --dry-run (a mutating call)",
                hint="this is a bug in the operation's plan: dry-run must make no mutating call",
            )
