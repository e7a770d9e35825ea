"""The REST API's definition covers exactly the AWS side's routes, with the Cognito authorizer where the function
takes only a signed-in user; the sandbox's gateway matches paths as API Gateway does."""

from __future__ import annotations

from multicloud_ctl.functions.http.routes import ROUTES as FUNCTION_ROUTES
from multicloud_ctl.local.functions.apidef import Definition, Method
from multicloud_ctl.operations.provision.kinds.apigateway_rest_api import ROUTES, definition_hash


def _pattern(regex: str) -> str:
    import re

    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", regex.strip("^$"))


def test_every_aws_route_of_the_functions_is_in_the_api_with_its_authorizer() -> None:
    functions = {
        (method, _pattern(regex.pattern)): auth
        for method, regex, auth, _fn in FUNCTION_ROUTES
        if not _pattern(regex.pattern).startswith("/payments")  # the Azure side's service endpoint
    }
    api = {(method, path): authorized for method, path, _fn, authorized in ROUTES}
    assert set(api) == set(functions)
    assert {k for k, authorized in api.items() if authorized} == {k for k, a in functions.items() if a == "user"}


def test_each_route_goes_to_the_service_that_owns_its_prefix() -> None:
    owners = {"products": "product-service", "inventory": "inventory-service", "orders": "order-service"}
    owners |= {"users": "user-service", "health": "product-service"}
    assert all(fn == owners[path.strip("/").split("/")[0]] for _m, path, fn, _a in ROUTES)


def test_the_definition_hash_changes_with_any_route() -> None:
    routes = [{"path": "/a", "method": "GET", "target": "x", "authorizer": None, "scopes": []}]
    other = [{**routes[0], "target": "y"}]
    assert definition_hash(routes, {}) != definition_hash(other, {})
    assert definition_hash(routes, {}) == definition_hash([dict(routes[0])], {})


def _method(path: str, verb: str = "GET") -> Method:
    return Method(path, verb, "AWS_PROXY", "uri")


def test_literal_before_variable_before_greedy() -> None:
    paths = ["/orders", "/orders/{id}", "/orders/mine", "/{proxy+}", "/orders/{id}/payment"]
    d = Definition("api", "v1", "us-east-1", {p: {"GET": _method(p)} for p in paths})
    assert d.match("GET", "/orders/mine")[0].resource == "/orders/mine"  # type: ignore[index]
    assert d.match("GET", "/orders/o-1") == (_method("/orders/{id}"), {"id": "o-1"})
    assert d.match("GET", "/orders/o-1/payment")[1] == {"id": "o-1"}  # type: ignore[index]
    assert d.match("GET", "/elsewhere/deep") == (_method("/{proxy+}"), {"proxy": "elsewhere/deep"})
    assert d.match("POST", "/orders") is None  # no such method (and no ANY): API Gateway's 403


def test_without_a_greedy_resource_unknown_paths_do_not_match() -> None:
    d = Definition("api", "v1", "us-east-1", {"/orders": {"ANY": _method("/orders", "ANY")}})
    assert d.match("DELETE", "/orders")[0].http_method == "ANY"  # type: ignore[index]
    assert d.match("GET", "/orders/x") is None and d.match("GET", "/") is None
