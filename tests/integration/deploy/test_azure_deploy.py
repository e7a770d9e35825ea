"""`mcctl deploy --cloud azure`: the package goes to Blob (Azurite), each function app runs from it (fake ARM
through azure-mgmt-web), an unchanged package is not re-uploaded, slots swap, and rollback restores."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.integration
APP = "payment-processor"


def deploy(cli: Any, config: Any, *args: str) -> Any:
    return cli("--config-dir", str(config), "--yes", "--output", "json", "deploy", "--cloud", "azure", *args)


def settings(env: Any, app: str, slot: str | None = None) -> dict[str, str]:
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.azure.functionapps import FunctionApps

    return FunctionApps(Runtime(env).azure).settings(app, slot)


def test_azure_deploy_runs_apps_from_the_blob_package(cli: Any, azure_config: Any, playbook: Any) -> None:
    config, env = azure_config
    res = deploy(cli, config, "--playbook", str(playbook()))
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    upload = next(s for s in out["steps"] if s["id"] == "azure.packages.upload")
    assert upload["output"]["uploaded"] is True
    assert out["steps"][0]["id"] == "azure.group", [s["id"] for s in out["steps"]]  # fresh: group first
    url = settings(env, APP)["WEBSITE_RUN_FROM_PACKAGE"]
    assert "/function-packages/azure-" in url and url.endswith(".zip")
    assert settings(env, APP)["MCCTL_FN_CLOUD"] == "azure"

    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.azure.functionapps import PackageContainer

    blob = PackageContainer(Runtime(env).azure, "function-packages").download(url.rsplit("/", 1)[1])
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(blob)).namelist()
    assert {"function_app.py", "host.json", "requirements.txt"} <= set(names)
    assert "multicloud_ctl/functions/azure/consumers.py" in names

    again = deploy(cli, config, "--playbook", str(playbook()))
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["steps"] == []  # unchanged: no upload, no settings write

    status = cli("--config-dir", str(config), "--output", "json", "deploy", "status", "--cloud", "azure")
    row = next(r for r in json.loads(status.stdout) if r["service"] == APP)
    assert row["state"] == "live" and row["version"] == url.rsplit("/", 1)[1]


def test_slot_deploy_swaps_into_production(cli: Any, azure_config: Any, playbook: Any) -> None:
    config, env = azure_config
    assert deploy(cli, config, APP, "--playbook", str(playbook())).exit_code == 0
    before = settings(env, APP)
    # a new release (new settings: the orders queue was renamed) goes through the staging slot
    changed = env.model_copy(
        update={"aws": env.aws.model_copy(update={"queues": env.aws.queues.model_copy(update={"orders": "orders-v2"})})}
    )
    (config / "local.yaml").write_text(yaml.safe_dump(changed.model_dump(mode="json", exclude_none=True)))
    res = deploy(cli, config, APP, "--playbook", str(playbook(azure={"slot": "staging"})))
    assert res.exit_code == 0, res.stderr
    ids = [s["id"] for s in json.loads(res.stdout)["steps"]]
    assert ids == [f"azure.{APP}.slot", f"azure.{APP}.point", f"azure.{APP}.swap"]
    assert settings(env, APP)["MCCTL_FN_QUEUE_ORDERS"] == "orders-v2"  # production runs the new release
    assert settings(env, APP, "staging") == before  # the slot holds the old one, ready to swap back


def test_rollback_restores_the_previous_package(cli: Any, azure_config: Any, playbook: Any) -> None:
    config, env = azure_config
    assert deploy(cli, config, APP, "--playbook", str(playbook())).exit_code == 0
    no_previous = cli("--config-dir", str(config), "--yes", "deploy", "rollback", APP)
    assert no_previous.exit_code == 1 and "no previous package" in no_previous.stderr

    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.providers.azure.functionapps import FunctionApps

    current = settings(env, APP)
    old = current["WEBSITE_RUN_FROM_PACKAGE"].replace("azure-", "azure-0ld")
    FunctionApps(Runtime(env).azure).set_settings(APP, {**current, "MCCTL_PREVIOUS_PACKAGE": old})
    back = cli("--config-dir", str(config), "--yes", "deploy", "rollback", APP)
    assert back.exit_code == 0, back.stderr
    now = settings(env, APP)
    assert now["WEBSITE_RUN_FROM_PACKAGE"] == old
    assert now["MCCTL_PREVIOUS_PACKAGE"] == current["WEBSITE_RUN_FROM_PACKAGE"]


def test_dry_run_of_both_clouds_makes_zero_mutating_calls(azure_config: Any) -> None:
    from multicloud_ctl.config.specs.deploy import DeploySpec
    from multicloud_ctl.engine.run import Operation, run
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.deploy.rollout import build_packages, plan_deploy, select

    _, env = azure_config
    runtime = Runtime(env, dry_run=True)
    spec = DeploySpec.model_validate({"vendor": False, "azure": {"container": f"pkg-{uuid.uuid4().hex[:8]}"}})
    selection = select(env, spec, [], "all")
    plan = plan_deploy(runtime, spec, selection, "linear10", build_packages(runtime, selection.clouds, False))
    run(runtime, Operation("deploy", lambda _rt: plan))
    actions = {s.action for s in plan.mutating_steps}
    assert {
        "deploy.azure_group_create",
        "deploy.blob_upload",
        "deploy.azure_settings",
        "deploy.lambda_create",
    } <= actions
    assert runtime.aws.counter.mutating == 0 and runtime.aws.counter.blocked == 0
    guard = runtime.azure.guard
    assert guard.total > 0 and guard.mutating == 0 and guard.blocked == 0


def test_a_left_over_servicebus_connection_string_goes_when_the_identity_settings_come(
    cli: Any, azure_config: Any, playbook: Any
) -> None:
    """An exact-match setting beats `__fullyQualifiedNamespace` in the Functions host, and deploy merges into
    the app's current settings: a SAS connection string from an earlier deploy would keep the trigger on SAS,
    which the namespace (local auth disabled) refuses. The settings write must drop it."""
    from types import SimpleNamespace

    from multicloud_ctl.config.specs.deploy import DeploySpec
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.operations.deploy.azure_plan import azure_settings, plan_app
    from multicloud_ctl.providers.azure.functionapps import FunctionApps

    config, env = azure_config
    assert deploy(cli, config, "--playbook", str(playbook())).exit_code == 0
    runtime = Runtime(env)
    from multicloud_ctl.providers.azure.resources import ArmResources

    site_id = f"/subscriptions/{env.azure.subscription_id}/resourceGroups/{env.azure.resource_group}"
    site = ArmResources(runtime.azure).get(f"{site_id}/providers/Microsoft.Web/sites/{APP}", "2023-12-01") or {}
    assert site["identity"]["type"] == "SystemAssigned" and site["identity"]["principalId"]  # what it connects as
    before = settings(env, APP)
    old = "Endpoint=sb://shop-bus.servicebus.windows.net/;SharedAccessKeyName=x;SharedAccessKey=eA=="
    FunctionApps(runtime.azure).set_settings(APP, {**before, "MCCTL_FN_SERVICEBUS_CONNECTION": old})
    fqns = {"MCCTL_FN_SERVICEBUS_CONNECTION__fullyQualifiedNamespace": "shop-bus.servicebus.windows.net"}
    fn_env = {k: v for k, v in before.items() if k.startswith("MCCTL_FN_")} | fqns
    package = SimpleNamespace(name=before["WEBSITE_RUN_FROM_PACKAGE"].rsplit("/", 1)[1])
    steps = plan_app(runtime, DeploySpec(), APP, package, fn_env)  # type: ignore[arg-type]
    point = next(s for s in steps if s.id.endswith(".point"))
    azure_settings(runtime, point.params)
    after = settings(env, APP)
    assert "MCCTL_FN_SERVICEBUS_CONNECTION" not in after
    assert after["MCCTL_FN_SERVICEBUS_CONNECTION__fullyQualifiedNamespace"] == "shop-bus.servicebus.windows.net"
    assert after["WEBSITE_RUN_FROM_PACKAGE"] == before["WEBSITE_RUN_FROM_PACKAGE"]
    converged = plan_app(runtime, DeploySpec(), APP, package, fn_env)  # type: ignore[arg-type]
    assert converged == []  # nothing left to write
