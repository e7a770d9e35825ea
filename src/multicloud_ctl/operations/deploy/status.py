"""`mcctl deploy status` (what runs where) and `mcctl deploy rollback SERVICE` (go back one release).

Lambda: the `live` alias's version, any canary weights and the code hash; rollback points the alias at the
newest published version older than the live one. Azure: the package an app runs from; rollback restores
`MCCTL_PREVIOUS_PACKAGE`, which every deploy records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from multicloud_ctl.engine.plan import Plan, Step
from multicloud_ctl.errors import EndpointUnreachable, OperationFailed, UsageError

if TYPE_CHECKING:
    from multicloud_ctl.config.specs.deploy import DeploySpec
    from multicloud_ctl.engine.runtime import Runtime


def status(runtime: Runtime, spec: DeploySpec, clouds: tuple[str, ...] = ("aws", "azure")) -> list[dict[str, Any]]:
    """One row per service per cloud: version/package and state (read-only; unreachable is a state)."""
    env = runtime.environment
    rows: list[dict[str, Any]] = []
    readers = {
        "aws": (_aws_rows, aws_functions(runtime, spec)),
        "azure": (_azure_rows, spec.azure.apps or env.azure.function_apps),
    }
    for cloud in clouds:
        read, services = readers[cloud]
        try:
            rows += read(runtime, spec, services)
        except EndpointUnreachable as exc:
            rows += [
                {
                    "cloud": cloud,
                    "service": s,
                    "version": "",
                    "canary": "",
                    "code": "",
                    "state": f"unreachable ({exc.operation or 'endpoint'})",
                }
                for s in services
            ]
    return rows


def aws_functions(runtime: Runtime, spec: DeploySpec) -> list[str]:
    """The Lambda functions deploy manages: the services, plus the CDC Lambda when enabled."""
    names = list(spec.aws.services or runtime.environment.aws.functions)
    return [*names, spec.aws.cdc.function] if spec.aws.cdc.enabled else names


def _aws_rows(runtime: Runtime, spec: DeploySpec, services: list[str]) -> list[dict[str, Any]]:
    from multicloud_ctl.providers.aws.lambda_ import LambdaClient

    lam = LambdaClient(runtime.aws)
    rows = []
    for svc in services:
        fn = lam.get_function(svc)
        alias = lam.get_alias(svc, spec.aws.alias) if fn else None
        weights = ", ".join(f"v{v}={w:.0%}" for v, w in (alias.weights if alias else {}).items())
        state = "not deployed" if fn is None else ("canary" if weights else "live" if alias else "no alias")
        rows.append(
            {
                "cloud": "aws",
                "service": svc,
                "version": alias.version if alias else "",
                "canary": weights,
                "code": fn.code_sha256[:12] if fn else "",
                "state": state,
            }
        )
    return rows


def _azure_rows(runtime: Runtime, spec: DeploySpec, apps_: list[str]) -> list[dict[str, Any]]:
    from multicloud_ctl.providers.azure.functionapps import FunctionApps, describe

    apps = FunctionApps(runtime.azure)
    rows = []
    for app in apps_:
        package = describe(apps.settings(app)) if apps.exists(app) else ""
        rows.append(
            {
                "cloud": "azure",
                "service": app,
                "version": package,
                "canary": "",
                "code": "",
                "state": "live" if package else "not deployed",
            }
        )
    return rows


def plan_rollback(runtime: Runtime, spec: DeploySpec, service: str) -> Plan:
    """The step that puts `service` back on its previous release."""
    env = runtime.environment
    if service in aws_functions(runtime, spec):
        return Plan("deploy rollback", (_lambda_rollback(runtime, spec, service),))
    if service in (spec.azure.apps or env.azure.function_apps):
        return Plan("deploy rollback", (_azure_rollback(runtime, service),))
    raise UsageError(
        f"unknown service {service!r}",
        hint=f"known: {', '.join([*env.aws.functions, *env.azure.function_apps])}",
    )


def _lambda_rollback(runtime: Runtime, spec: DeploySpec, service: str) -> Step:
    from multicloud_ctl.operations.deploy import lambda_actions  # noqa: F401 (registers the actions)
    from multicloud_ctl.providers.aws.lambda_ import LambdaClient

    lam = LambdaClient(runtime.aws)
    alias = lam.get_alias(service, spec.aws.alias)
    if alias is None:
        raise OperationFailed(
            f"{service} has no {spec.aws.alias!r} alias: nothing to roll back", hint="deploy it first"
        )
    older = [v.version for v in lam.list_versions(service) if int(v.version) < int(alias.version)]
    if not older:
        raise OperationFailed(
            f"{service}:{spec.aws.alias} is on version {alias.version}, the first one: there is no previous release"
        )
    target = older[-1]
    return Step(
        f"aws.{service}.rollback",
        "deploy.lambda_route",
        f"point {service}:{spec.aws.alias} at version {target} (from {alias.version}, all traffic)",
        provider="aws",
        resource=f"{service}:{spec.aws.alias}",
        params={"name": service, "alias": spec.aws.alias, "version": target},
    )


def _azure_rollback(runtime: Runtime, app: str) -> Step:
    from multicloud_ctl.operations.deploy.azure_plan import PREVIOUS
    from multicloud_ctl.providers.azure.functionapps import RUN_FROM_PACKAGE, FunctionApps

    apps = FunctionApps(runtime.azure)
    settings = apps.settings(app) if apps.exists(app) else {}
    previous = settings.get(PREVIOUS, "")
    if not previous:
        raise OperationFailed(f"{app} has no previous package recorded: nothing to roll back")
    restored = {**settings, RUN_FROM_PACKAGE: previous, PREVIOUS: settings.get(RUN_FROM_PACKAGE, "")}
    return Step(
        f"azure.{app}.rollback",
        "deploy.azure_settings",
        f"run {app} from {previous.rsplit('/', 1)[-1]} again",
        provider="azure",
        resource=app,
        params={"app": app, "slot": None, "settings": restored},
    )
