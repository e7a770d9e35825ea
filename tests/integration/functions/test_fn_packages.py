"""The deployable zips run on their own: the Lambda package answers an API Gateway event and the Azure package
exposes its function app, with only the zip and third-party libraries on sys.path (no mcctl tool code)."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from multicloud_ctl.packaging.builder import BuildOptions, build_azure, build_lambda

pytestmark = pytest.mark.integration
PROBE = """
import json, sys
sys.path[:] = [{zip!r}, {site!r}] + [p for p in sys.path if 'lib/python' in p and 'site-packages' not in p]
import multicloud_ctl
assert multicloud_ctl.__file__.startswith({zip!r}), multicloud_ctl.__file__
try:
    import multicloud_ctl.config
    tool = "importable"
except ModuleNotFoundError:
    tool = "absent"
{body}
"""


def run(zip_path: Path, body: str, tmp_path: Path, env: dict[str, str] | None = None) -> dict[str, object]:
    code = PROBE.format(zip=str(zip_path), site=sysconfig.get_paths()["purelib"], body=body)
    out = subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_lambda_zip_serves_an_api_gateway_event(tmp_path: Path) -> None:
    artifact = build_lambda(BuildOptions(out_dir=tmp_path / "dist", vendor=False))
    body = (
        "from multicloud_ctl.functions.aws_lambda import router, product_service, order_events, queue_consumer\n"
        "resp = product_service.handler({'httpMethod': 'GET', 'path': '/health', 'headers': None,"
        " 'queryStringParameters': None, 'body': None, 'isBase64Encoded': False}, None)\n"
        "print(json.dumps({'tool': tool, 'status': resp['statusCode'], 'body': json.loads(resp['body']),"
        " 'azure_app': 'multicloud_ctl.functions.azure' in sys.modules}))"
    )
    got = run(artifact.path, body, tmp_path, {"MCCTL_FN_CLOUD": "aws"})
    assert got == {"tool": "absent", "status": 200, "body": {"status": "ok", "cloud": "aws"}, "azure_app": False}


def test_the_azure_zip_exposes_the_function_app(tmp_path: Path) -> None:
    artifact = build_azure(BuildOptions(out_dir=tmp_path / "dist", vendor=False))
    body = (
        "import function_app\n"
        "names = sorted(f.get_function_name() for f in function_app.app.get_functions())\n"
        "from multicloud_ctl.functions.azure.api import handle_http\n"
        "status, _, text = handle_http('GET', '/health', {}, {}, None)\n"
        "print(json.dumps({'tool': tool, 'names': names, 'status': status, 'body': json.loads(text)}))"
    )
    got = run(artifact.path, body, tmp_path, {"MCCTL_FN_CLOUD": "azure", "MCCTL_FN_SQL_URL": "sqlite://"})
    assert got["tool"] == "absent" and got["status"] == 200 and got["body"] == {"status": "ok", "cloud": "azure"}
    assert got["names"] == [
        "analytics_processor",
        "api",
        "backup_service",
        "notification_service",
        "order_status",
        "payment_processor",
    ]
