"""The AWS host routes by the REST API that provision created on moto (local/functions/apidef.py): unknown routes
are API Gateway's 403, the Cognito authorizer answers 401 before any function runs, and a route integrated with
the wrong function is answered by that function (so a wrong definition fails)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fnhost_support import API_KEY, Hosts, call, sign_up, start_host

from multicloud_ctl.local.processes import free_port, stop_process

pytestmark = pytest.mark.integration
KEY = {"x-api-key": API_KEY}


@pytest.fixture(scope="module")
def own_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A moto of this module's own: the provisioned API must outlive other modules' resets on the same worker."""
    from multicloud_ctl.local.processes import start_moto

    emu = start_moto(free_port(), log=tmp_path_factory.mktemp("moto-routed") / "moto.log")
    yield emu
    emu.stop()


@pytest.fixture
def boto(own_moto: Any) -> Any:
    import boto3

    return lambda service: boto3.client(service, endpoint_url=own_moto.url, region_name="us-east-1")


@pytest.fixture(scope="module")
def routed(own_moto: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hosts]:
    """The AWS host on a sandbox where `apigateway_rest_api` has been applied."""
    moto_server = own_moto

    from multicloud_ctl.config.loader import load_environment
    from multicloud_ctl.config.secrets import SecretResolver
    from multicloud_ctl.config.specs.provision import ProvisionSpec
    from multicloud_ctl.engine.runtime import Runtime
    from multicloud_ctl.local.functions.bootstrap import ensure_sandbox
    from multicloud_ctl.local.functions.envfile import host_settings, write_env_file
    from multicloud_ctl.operations import provision
    from multicloud_ctl.operations.provision.registry import KINDS
    from multicloud_ctl.providers.aws.session import AwsClients

    state = tmp_path_factory.mktemp("routed")
    base = load_environment("local", Path(__file__).resolve().parents[3] / "config")
    ports = base.local.ports.model_copy(update={"moto": moto_server.port, "functions_aws": free_port()})
    sql = base.azure.sql.model_copy(update={"url": f"sqlite:///{state / 'azure-sql.db'}"})
    env = base.model_copy(
        update={
            "state_dir": state / "state",
            "azure": base.azure.model_copy(update={"sql": sql}),
            "local": base.local.model_copy(update={"ports": ports}),
            "lease": base.lease.model_copy(update={"stores": ["aws"]}),  # moto is all this test runs
        }
    )
    pool = ensure_sandbox(AwsClients(env, SecretResolver()), env, max_deliveries=2)
    toggles = {name: {"enabled": name in ("waf_web_acl", "apigateway_rest_api")} for name in KINDS}
    provision.apply(Runtime(environment=env), ProvisionSpec.model_validate({"kinds": toggles}))
    env_file = write_env_file(state / "aws.env", host_settings(env, "aws", pool, state_dir=state, max_deliveries=2))
    proc = start_host("aws", ports.functions_aws, env_file, state / "aws.log", "--no-bus")
    try:
        yield Hosts(env, f"http://127.0.0.1:{ports.functions_aws}", "", state, {"aws": proc}, pool.pool_id,
                    pool.client_id, {"aws": env_file})  # fmt: skip
    finally:
        stop_process(proc)


def test_unknown_routes_and_methods_are_api_gateways_403(routed: Hosts) -> None:
    missing = {"message": "Missing Authentication Token"}
    assert call(f"{routed.aws_url}/nowhere") == (403, missing)
    assert call(f"{routed.aws_url}/products", "PATCH", {}) == (403, missing)
    assert call(f"{routed.aws_url}/health")[0] == 200


def test_the_cognito_authorizer_answers_before_the_function(routed: Hosts, boto: Any) -> None:
    assert call(f"{routed.aws_url}/users/me") == (401, {"message": "Unauthorized"})
    assert call(f"{routed.aws_url}/users/me", headers={"authorization": "Bearer forged"}) == (
        401,
        {"message": "Unauthorized"},
    )
    token = sign_up(boto, routed, f"gw-{uuid.uuid4().hex[:6]}@example.com")
    status, me = call(f"{routed.aws_url}/users/me", headers={"authorization": f"Bearer {token}"})
    assert status == 200 and me["user_id"], me
    # a service route stays open at the gateway: the function checks the key
    status, product = call(
        f"{routed.aws_url}/products", "POST", {"name": "Lamp", "category": "home", "price_cents": 2500}, KEY
    )
    assert status == 201, product
    assert call(f"{routed.aws_url}/products/{product['product_id']}")[1]["name"] == "Lamp"


def test_a_route_integrated_with_the_wrong_function_fails(routed: Hosts, boto: Any) -> None:
    ag = boto("apigateway")
    api = next(a for a in ag.get_rest_apis()["items"] if a["name"] == "mcctl-local-api")
    resource = next(r for r in ag.get_resources(restApiId=api["id"])["items"] if r["path"] == "/products")
    wrong = (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:user-service:live/invocations"
    )
    ag.put_integration(
        restApiId=api["id"],
        resourceId=resource["id"],
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=wrong,
    )
    deadline = time.monotonic() + 10
    status, body = call(f"{routed.aws_url}/products")
    while status == 200 and time.monotonic() < deadline:  # the host re-reads the definition every 2 s
        time.sleep(0.3)
        status, body = call(f"{routed.aws_url}/products")
    assert status == 404 and "no route" in body["error"]  # user-service does not serve /products
