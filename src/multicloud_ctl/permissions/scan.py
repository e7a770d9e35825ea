"""Find the cloud API calls `providers/` makes, from its syntax tree: the input of `mcctl permissions`.

Each module is read with `ast` and its names are typed by a small flow-insensitive evaluation: a name (a local,
`self.<attr>`, a property or a method's return) is bound to the set of SDK objects it may hold, and a call on
such an object is an API call. The SDK objects start from:

    AWS         `<x>.client("s3", ...)` -> the s3 client (also `<x>.client(service)` with `service` a parameter
                of the factory method, filled in from each call site: `self._client("dynamodb")`); `JsonWire(c)`
                and `generate_presigned_url("op")` / `get_paginator("op")` / `get_waiter("name")` on a client.
    Azure       `<clients>.resources|web|sql|servicebus|cost|blob` (the `AzureClients` factory), the storage
                clients its `get_container_client` / `get_blob_client` return, and the SDK classes built
                directly (`LogsIngestionClient`, azure-core's `PipelineClient`, our `BlobWire` for the Blob
                REST calls sent on urllib3).
    Cloudflare  `<x>.sdk` (the official SDK client): the call `sdk.load_balancers.pools.edit(...)` is the
                operation `load_balancers.pools.edit`.

Names are looked up in the module first, then in the other modules of the same cloud (`container.blob(name)`
in blob_cas.py is the BlobContainer method of blob.py). A module whose client arrives as a plain `client: Any`
field names its service in `RECEIVER_HINTS`. An AWS call whose receiver cannot be typed but which looks like a
boto3 call (keyword arguments only, the name of an operation of a service the module uses) is reported as
`unresolved`, so that a new call is never silently missed.

Raw REST requests (azure-core `send_request`, the Blob wire path) are reported per class and HTTP method
(`keyvault.KeyVaultSecrets PUT`), the methods taken from the string constants the class passes as a first
argument ("GET", "PUT", ...): what the request does is read from the class, not from the URL.

`getattr(<client>, <computed name>)` counts every operation of that client's service whose API or method name
the module spells as a string constant (`("DeleteVpc", "VpcId")` in a table): an over-count at worst.

Blind spots (see `tests/unit/permissions`): computed names built from parts, objects handed in from outside
`providers/` under a name no provider module binds, and dynamic dispatch beyond one dict/tuple of SDK objects.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

PROVIDERS = Path(__file__).resolve().parents[1] / "providers"
CLOUDS = ("aws", "azure", "cloudflare")
HTTP_METHODS = ("GET", "HEAD", "PUT", "POST", "PATCH", "DELETE")

Path_ = tuple[str, ...]  # an SDK object: ("aws", "s3"), ("azure", "web", "web_apps"), ("cloudflare", "dns")

# Modules whose SDK client arrives as a plain `client: Any` (built by the caller from the same factory).
RECEIVER_HINTS: dict[str, dict[str, Path_]] = {
    "aws/dynamodb.py": {"client": ("aws", "dynamodb")},
    "aws/s3.py": {"client": ("aws", "s3")},
    "aws/cost_explorer.py": {"client": ("aws", "ce")},
    "aws/cloudwatch_metrics.py": {"client": ("aws", "cloudwatch")},
    "azure/cost_management.py": {"client": ("azure", "cost")},
}
# Modules that hold no cloud call (their botocore helpers read the bundled models, not the API).
NO_CALLS = {"aws/service_models.py"}
AZURE_FACTORY_ATTRS = {"resources", "web", "sql", "servicebus", "cost", "blob"}  # AzureClients' SDK objects
AZURE_FACTORY_NAMES = {"clients", "_clients", "azure"}  # what an AzureClients is called in providers/azure
AZURE_CLASSES = {"LogsIngestionClient", "PipelineClient", "BlobWire", "BlobServiceClient"}
AZURE_STORAGE = {  # storage factory methods -> the client they return
    "get_container_client": "ContainerClient",
    "get_blob_client": "BlobClient",
}
AZURE_RAW = {("PipelineClient", "send_request"), ("BlobWire", "send")}  # REST requests: keyed by class + method
AZURE_SDK_OBJECTS = {"ContainerClient", "BlobClient", "LogsIngestionClient"}  # their methods are operations
RAW = "<raw REST request>"
BOTO_HELPERS = {"get_paginator", "get_waiter", "generate_presigned_url", "can_paginate"}


@dataclass(frozen=True)
class Call:
    """One API call site: `operation` in the catalog's naming (`s3:ListObjectsV2`, `web.web_apps.get`, ...)."""

    cloud: str
    operation: str
    file: str  # relative to providers/, e.g. "aws/s3.py"
    line: int

    @property
    def where(self) -> str:
        return f"providers/{self.file}:{self.line}"


@dataclass
class ScanResult:
    """Every call found, and the AWS calls that look like boto3 calls but whose service could not be told."""

    calls: list[Call] = field(default_factory=list)
    unresolved: list[Call] = field(default_factory=list)

    def operations(self, cloud: str) -> dict[str, list[Call]]:
        """operation -> its call sites, for one cloud."""
        out: dict[str, list[Call]] = {}
        for c in self.calls:
            if c.cloud == cloud:
                out.setdefault(c.operation, []).append(c)
        return dict(sorted(out.items()))


# ---- botocore's models (read in providers/aws, where SDK imports live) ---------------------------------------
def aws_operations(service: str) -> dict[str, str]:
    """snake_case method name -> API operation name, for one boto3 service."""
    from multicloud_ctl.providers.aws.service_models import operations

    return operations(service)


def aws_waiter_operation(service: str, waiter: str) -> str:
    """The API operation a boto3 waiter polls (`table_exists` -> DescribeTable)."""
    from multicloud_ctl.providers.aws.service_models import waiter_operation

    return waiter_operation(service, waiter)


# ---- the evaluation -----------------------------------------------------------------------------------
def _chain(node: ast.expr) -> list[str]:
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        names.append(node.id)
    return names[::-1]


def _const_str(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


@dataclass
class _Function:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    cls: str  # enclosing class name, "" for module functions
    params: list[str]


class Module:
    """One provider module: its bindings (name -> SDK objects) and its calls."""

    def __init__(self, cloud: str, rel: str, source: str, package: Package) -> None:
        self.cloud, self.rel, self.package = cloud, rel, package
        self.tree = ast.parse(source, filename=rel)
        self.functions: list[_Function] = []
        # `self.<attr>` and the hints: module scope; plain names: per function (`locals`)
        self.bindings: dict[str, set[Path_]] = {k: {v} for k, v in RECEIVER_HINTS.get(rel, {}).items()}
        self.locals: dict[int, dict[str, set[Path_]]] = {}
        self.returns: dict[str, set[Path_]] = {}  # function/method name -> what it returns
        self.param_of: dict[str, list[str]] = {}
        for cls, fn in self._walk_functions(self.tree, ""):
            params = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args] if a.arg != "self"]
            self.functions.append(_Function(fn, cls, params))
            self.param_of[fn.name] = params

    @staticmethod
    def _walk_functions(node: ast.AST, cls: str) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                yield from Module._walk_functions(child, child.name)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield cls, child
                yield from Module._walk_functions(child, cls)

    # -- binding discovery (run to a fixpoint by the package) --
    def bind_once(self) -> bool:
        """One pass over every assignment and return; True when a binding grew."""
        changed = False
        for fn in self.functions:
            local = self.locals.setdefault(id(fn.node), {})
            for node in ast.walk(fn.node):
                targets: list[ast.expr] = []
                value: ast.expr | None = None
                if isinstance(node, ast.Assign):
                    targets, value = node.targets, node.value
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    targets, value = [node.target], node.value
                elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                    targets, value = [node.optional_vars], node.context_expr
                elif isinstance(node, ast.Return) and node.value is not None:
                    found = self.eval(node.value, fn)
                    if found and not found <= self.returns.get(fn.node.name, set()):
                        self.returns.setdefault(fn.node.name, set()).update(found)
                        changed = True
                    continue
                if value is None:
                    continue
                found = self.eval(value, fn)
                if not found:
                    continue
                for target in targets:
                    for scope, name in self._target_names(target):
                        where = self.bindings if scope == "self" else local
                        if not found <= where.get(name, set()):
                            where.setdefault(name, set()).update(found)
                            changed = True
        return changed

    @staticmethod
    def _target_names(target: ast.expr) -> Iterator[tuple[str, str]]:
        if isinstance(target, ast.Name):
            yield "local", target.id
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
            yield "self", target.attr
        elif isinstance(target, ast.Tuple | ast.List):
            for elt in target.elts:
                yield from Module._target_names(elt)

    def lookup(self, name: str, fn: _Function | None) -> set[Path_]:
        if fn is not None and name in self.locals.get(id(fn.node), {}):
            return self.locals[id(fn.node)][name]
        if name in self.bindings:
            return self.bindings[name]
        return self.package.lookup(name)

    def returned(self, name: str) -> set[Path_]:
        if name in self.returns:
            return self.returns[name]
        return self.package.returned(name)

    def eval(self, node: ast.expr, fn: _Function | None) -> set[Path_]:
        """The SDK objects an expression may evaluate to (empty: none, or not known)."""
        if isinstance(node, ast.Name):
            return set(self.lookup(node.id, fn))
        if isinstance(node, ast.Attribute):
            if self.cloud == "cloudflare" and node.attr == "sdk":
                return {("cloudflare",)}
            chain = _chain(node.value)
            if (
                self.cloud == "azure"
                and node.attr in AZURE_FACTORY_ATTRS
                and chain
                and chain[-1] in AZURE_FACTORY_NAMES
            ):
                return {("azure", node.attr)}
            if isinstance(node.value, ast.Name) and node.value.id == "self":
                return set(self.lookup(node.attr, None)) | self.returned(node.attr)  # attribute, or a property
            return {(*p, node.attr) for p in self.eval(node.value, fn) if self._extends(p)}
        if isinstance(node, ast.Call):
            return self._eval_call(node, fn)
        if isinstance(node, ast.Tuple | ast.List):
            return {p for elt in node.elts for p in self.eval(elt, fn)}
        if isinstance(node, ast.Dict):
            return {p for v in node.values if v is not None for p in self.eval(v, fn)}
        if isinstance(node, ast.Subscript):
            return self.eval(node.value, fn)
        if isinstance(node, ast.IfExp):
            return self.eval(node.body, fn) | self.eval(node.orelse, fn)
        if isinstance(node, ast.BoolOp):
            return {p for v in node.values for p in self.eval(v, fn)}
        return set()

    @staticmethod
    def _extends(path: Path_) -> bool:
        """Whether an attribute of this SDK object is another SDK object (operation groups, sub-resources)."""
        if path[0] == "aws":
            return False  # a boto3 client's attributes are operations, `meta` and `exceptions`
        if path[0] == "azure":
            return path[1] in AZURE_FACTORY_ATTRS - {"blob"} and len(path) < 3
        return path[0] == "cloudflare"  # resources nest (load_balancers.pools.health)

    def _eval_call(self, node: ast.Call, fn: _Function | None) -> set[Path_]:
        func = node.func
        if isinstance(func, ast.Name):
            if self.cloud == "azure" and func.id in AZURE_CLASSES:
                return {("azure", func.id)}
            if func.id == "JsonWire" and node.args:
                return {("jsonwire", *p[1:]) for p in self.eval(node.args[0], fn) if p[0] == "aws"}
            return set(self.returned(func.id))
        if not isinstance(func, ast.Attribute):
            return set()
        if self.cloud == "aws" and func.attr == "client":
            service = _const_str(node.args[0]) if node.args else None
            if service is not None:
                return {("aws", service)}
            if node.args and isinstance(node.args[0], ast.Name):
                return {("aws", f"${node.args[0].id}")}  # a factory's parameter: filled in at its call sites
            return set()
        receiver = self.eval(func.value, fn)
        if self.cloud == "azure" and func.attr in AZURE_STORAGE and receiver:
            return {("azure", AZURE_STORAGE[func.attr])}
        if receiver and not (isinstance(func.value, ast.Name) and func.value.id == "self"):
            return set()  # an operation's result is data, not an SDK object
        # self.method(...) or obj.method(...) of ours: what the method returns, a parametric service filled in
        out: set[Path_] = set()
        params = self.param_of.get(func.attr) or self.package.params(func.attr)
        for p in self.returned(func.attr):
            if len(p) == 2 and p[1].startswith("$"):
                arg = self._arg(node, params, p[1][1:])
                if arg is not None:
                    out.add((p[0], arg))
            else:
                out.add(p)
        return out

    @staticmethod
    def _arg(node: ast.Call, params: list[str], name: str) -> str | None:
        if name in params and params.index(name) < len(node.args):
            return _const_str(node.args[params.index(name)])
        for kw in node.keywords:
            if kw.arg == name:
                return _const_str(kw.value)
        return None

    # -- calls --
    def calls(self) -> tuple[list[Call], list[Call]]:
        """(the API calls of this module, the AWS calls whose service could not be told).

        A method of an SDK object counts where it is called and where it is only named
        (`self._get("GetBucketPolicy", bucket, self._c.get_bucket_policy)` calls it later).
        """
        found: list[Call] = []
        unresolved: list[Call] = []
        raw_classes: dict[str, int] = {}  # class -> the line of its first raw REST request
        for fn in self.functions:
            called = {id(n.func): n for n in ast.walk(fn.node) if isinstance(n, ast.Call)}
            for node in ast.walk(fn.node):
                if not isinstance(node, ast.Attribute) or isinstance(node.ctx, ast.Store | ast.Del):
                    continue
                call = called.get(id(node))
                receivers = self.eval(node.value, fn)
                for path in sorted(receivers):
                    for op in self._operations(path, node.attr, call):
                        if op == RAW:
                            raw_classes.setdefault(fn.cls or fn.node.name, node.lineno)
                        else:
                            found.append(Call(self.cloud, op, self.rel, node.lineno))
                if call is not None and not receivers and self.cloud == "aws" and self._looks_like_boto3(call):
                    unresolved.append(Call("aws", f"?:{node.attr}", self.rel, node.lineno))
            for node in ast.walk(fn.node):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
                    got, missed = self._getattr_calls(node, fn)
                    found += got
                    unresolved += missed
        for cls, line in raw_classes.items():
            for verb in self._http_methods(cls):
                found.append(Call(self.cloud, f"{Path(self.rel).stem}.{cls} {verb}", self.rel, line))
        return found, unresolved

    def _getattr_calls(self, node: ast.Call, fn: _Function) -> tuple[list[Call], list[Call]]:
        """`getattr(<aws client>, name)`: a constant name is that method; a computed one (`_snake(operation)`)
        may be any operation of the service whose API name (`"DescribeVpcs"`) or method name the module spells
        as a string: all of those are counted (an over-count at worst). None found is unresolved."""
        if len(node.args) < 2:
            return [], []
        receivers = [p for p in self.eval(node.args[0], fn) if p[0] == "aws" and len(p) == 2 and p[1][:1] != "$"]
        found: list[Call] = []
        missed: list[Call] = []
        name = _const_str(node.args[1])
        for _, service in sorted(receivers):
            ops = aws_operations(service)
            if name is not None:
                if name in ops:
                    found.append(Call("aws", f"{service}:{ops[name]}", self.rel, node.lineno))
                continue
            spelled = self._strings() & (set(ops) | set(ops.values()))
            names = {ops.get(x, x) for x in spelled}
            found += [Call("aws", f"{service}:{op}", self.rel, node.lineno) for op in sorted(names)]
            if not names:
                missed.append(Call("aws", f"?:getattr({service})", self.rel, node.lineno))
        return found, missed

    def _strings(self) -> set[str]:
        return {n.value for n in ast.walk(self.tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}

    def _operations(self, path: Path_, method: str, node: ast.Call | None) -> Iterator[str]:
        """The operation(s) `path.method` is: `node` is the call, None where the method is only named."""
        kind = path[0]
        arg = _const_str(node.args[0]) if node is not None and node.args else None
        if kind == "aws" and len(path) == 2 and not path[1].startswith("$"):
            service = path[1]
            ops = aws_operations(service)
            if method in ("get_paginator", "generate_presigned_url", "can_paginate") and arg in ops:
                yield f"{service}:{ops[str(arg)]}"
            elif method == "get_waiter" and arg is not None:
                yield f"{service}:{aws_waiter_operation(service, arg)}"
            elif method in ops:
                yield f"{service}:{ops[method]}"
        elif kind == "jsonwire" and method == "call" and len(path) == 2 and arg is not None:
            yield f"{path[1]}:{arg}"
        elif kind == "azure":
            if (path[1], method) in AZURE_RAW:
                yield RAW
            elif path[1] in AZURE_FACTORY_ATTRS - {"blob"} and len(path) == 3 and node is not None:
                yield f"{'.'.join(path[1:])}.{method}"  # mgmt: client.operation_group.method
            elif path[1] in AZURE_SDK_OBJECTS and method not in AZURE_STORAGE and node is not None:
                yield f"{path[1]}.{method}"
        elif kind == "cloudflare" and len(path) > 1 and node is not None:
            yield ".".join((*path[1:], method))

    def _looks_like_boto3(self, node: ast.Call) -> bool:
        """Keyword arguments only (boto3 refuses positional ones) and the name of an operation, or a helper."""
        assert isinstance(node.func, ast.Attribute)
        method = node.func.attr
        if method in BOTO_HELPERS:
            return True
        if node.args:
            return False
        return any(method in aws_operations(s) for s in self.package.aws_services_used())

    def _http_methods(self, cls: str) -> list[str]:
        """The HTTP methods a class sends: the string constants it passes first to any call."""
        verbs: set[str] = set()
        for fn in self.functions:
            if (fn.cls or fn.node.name) != cls:
                continue
            for node in ast.walk(fn.node):
                if isinstance(node, ast.Call) and node.args:
                    verb = _const_str(node.args[0])
                    if verb in HTTP_METHODS:
                        verbs.add(str(verb))
        return sorted(verbs) or ["?"]

    def client_services(self) -> set[str]:
        """The AWS services this module makes (or is handed) clients for."""
        found = {p[1] for ps in self.bindings.values() for p in ps if p[0] == "aws" and not p[1].startswith("$")}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "client":
                arg = _const_str(node.args[0]) if node.args else None
                if arg:
                    found.add(arg)
        return found


class Package:
    """The modules of one cloud's provider package; names not bound in a module are looked up here."""

    def __init__(self, cloud: str, sources: dict[str, str]) -> None:
        self.cloud = cloud
        self._services: frozenset[str] | None = None
        self.modules = [Module(cloud, rel, src, self) for rel, src in sorted(sources.items())]
        for _ in range(20):
            if not any([m.bind_once() for m in self.modules]):
                break

    def lookup(self, name: str) -> set[Path_]:
        if self.cloud == "aws":
            return set()  # AWS modules reuse short names (`_c`, `_client`) for different services: module scope
        return {p for m in self.modules for p in m.bindings.get(name, set())}  # `self.<attr>` of any module

    def returned(self, name: str) -> set[Path_]:
        if self.cloud == "aws":
            return set()
        return {p for m in self.modules for p in m.returns.get(name, set())}

    def params(self, name: str) -> list[str]:
        for m in self.modules:
            if name in m.param_of:
                return m.param_of[name]
        return []

    def aws_services_used(self) -> frozenset[str]:
        """Every AWS service some module of the package makes a client for."""
        if self._services is None:
            self._services = frozenset(s for m in self.modules for s in m.client_services())
        return self._services


def scan_sources(cloud: str, sources: dict[str, str]) -> ScanResult:
    """Scan `{relative path: source}` of one cloud's provider package (tests feed snippets here)."""
    result = ScanResult()
    for module in Package(cloud, sources).modules:
        calls, unresolved = module.calls()
        result.calls += calls
        result.unresolved += unresolved
    return result


def provider_sources(cloud: str, root: Path = PROVIDERS) -> dict[str, str]:
    """`{"aws/s3.py": source, ...}` for one cloud's provider package."""
    return {
        rel: p.read_text(encoding="utf-8")
        for p in sorted((root / cloud).rglob("*.py"))
        if (rel := f"{cloud}/{p.relative_to(root / cloud).as_posix()}") not in NO_CALLS
    }


def scan(clouds: Iterable[str] = CLOUDS, root: Path = PROVIDERS) -> ScanResult:
    """Every API call in `providers/` for `clouds`."""
    result = ScanResult()
    for cloud in clouds:
        part = scan_sources(cloud, provider_sources(cloud, root))
        result.calls += part.calls
        result.unresolved += part.unresolved
    return result
