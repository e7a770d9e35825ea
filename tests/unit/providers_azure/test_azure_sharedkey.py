"""The Shared Key signer (`providers/azure/sharedkey.py`): a fixed vector, the azure-storage-blob SDK's own
policy signing the same requests identically, the service's header order, and the api-version pinned equal to
the SDK's default. Azurite checking our signatures: tests/integration/backup/test_blob_sharedkey.py.
"""

from __future__ import annotations

import pytest
from azure.core.pipeline import PipelineContext, PipelineRequest
from azure.core.rest import HttpRequest
from azure.storage.blob import BlobServiceClient
from azure.storage.blob._shared.authentication import SharedKeyCredentialPolicy

from multicloud_ctl.providers.azure.clients import AZURITE_ACCOUNT, AZURITE_KEY
from multicloud_ctl.providers.azure.sharedkey import BLOB_API_VERSION, SharedKey, parse_connection_string

BASE = f"http://127.0.0.1:10000/{AZURITE_ACCOUNT}/backups"
DATE = {"x-ms-date": "Fri, 04 Dec 2026 11:00:00 GMT", "x-ms-version": BLOB_API_VERSION}
KEY = SharedKey(AZURITE_ACCOUNT, AZURITE_KEY)


def test_a_fixed_vector() -> None:
    """The string to sign laid out as the REST reference gives it (11 standard header lines, Content-Length
    given, x-ms-* lowercased and sorted, the path-style resource, query names sorted) and its signature."""
    url = f"{BASE}/daily/b/k%201.txt?comp=block&blockid=YjAwMDAwMDAw"
    headers = {
        "x-ms-date": "Fri, 04 Dec 2026 11:00:00 GMT",
        "x-ms-version": "2026-10-06",
        "Content-Length": "5",
        "x-ms-meta-mcctl_src_etag": "abc",
        "x-ms-meta-mcctlZ": "d",
    }
    assert KEY.string_to_sign("PUT", url, headers) == (
        "PUT\n\n\n5\n\n\n\n\n\n\n\n\n"
        "x-ms-date:Fri, 04 Dec 2026 11:00:00 GMT\nx-ms-meta-mcctl_src_etag:abc\nx-ms-meta-mcctlz:d\n"
        "x-ms-version:2026-10-06\n"
        "/devstoreaccount1/devstoreaccount1/backups/daily/b/k%201.txt\nblockid:YjAwMDAwMDAw\ncomp:block"
    )
    assert KEY.signature("PUT", url, headers) == "P/+vNJmqHkpa8TCihWzgyJp+CbLvycltTwKNO12J82w="
    signed = KEY.sign("PUT", url, headers)
    assert signed["Authorization"] == f"SharedKey {AZURITE_ACCOUNT}:P/+vNJmqHkpa8TCihWzgyJp+CbLvycltTwKNO12J82w="
    assert "Authorization" not in headers and AZURITE_KEY not in repr(KEY)


def sdk_authorization(method: str, url: str, headers: dict[str, str]) -> str:
    request = HttpRequest(method, url, headers=headers)
    SharedKeyCredentialPolicy(AZURITE_ACCOUNT, AZURITE_KEY).on_request(PipelineRequest(request, PipelineContext(None)))
    return str(request.headers["Authorization"])


@pytest.mark.parametrize(
    ("method", "url", "extra"),
    [
        ("GET", f"{BASE}?restype=container&comp=list&maxresults=1000&prefix=daily%2Fb%20c%2F&include=metadata", {}),
        ("GET", f"{BASE}?restype=container&comp=list&prefix=d%C3%A9j%C3%A0%2F&marker=2%21abc%3D&delimiter=%2F", {}),
        ("HEAD", f"{BASE}?restype=container", {}),
        ("PUT", f"{BASE}?restype=container", {"Content-Length": "0"}),
        (
            "PUT",
            f"{BASE}/daily/a%20b.bin",
            {
                "Content-Length": "5",
                "Content-Type": "application/octet-stream",
                "x-ms-blob-type": "BlockBlob",
                "x-ms-meta-mcctl_src_etag": "abc",
                "x-ms-meta-mcctl_src_size": "5",
                "x-ms-meta-ab": "1",
                "x-ms-meta-a_c": "2",
            },
        ),
        ("PUT", f"{BASE}/m.json?comp=blocklist", {"Content-Length": "90", "Content-Type": "application/xml"}),
        ("PUT", f"{BASE}/m.json?comp=block&blockid=YjAwMDAwMDAx", {"Content-Length": "1048576"}),
    ],
)
def test_signs_as_the_sdk_policy_does(method: str, url: str, extra: dict[str, str]) -> None:
    headers = {**DATE, **extra}
    assert KEY.sign(method, url, headers)["Authorization"] == sdk_authorization(method, url, headers)


def test_x_ms_headers_in_the_service_order_not_code_point_order() -> None:
    """The service's order ignores `-` first (`a-c` after `ab`), where code points put `a-c` first; the SDK
    emulates it, and so do we: a code-point sort would sign a different string and get 403."""
    headers = {**DATE, "x-ms-meta-a-c": "1", "x-ms-meta-ab": "2"}
    lines = KEY.string_to_sign("PUT", f"{BASE}/x", headers).splitlines()
    assert lines.index("x-ms-meta-ab:2") < lines.index("x-ms-meta-a-c:1")
    assert KEY.sign("PUT", f"{BASE}/x", headers)["Authorization"] == sdk_authorization("PUT", f"{BASE}/x", headers)


def test_the_wire_api_version_is_the_sdk_default() -> None:
    assert BlobServiceClient(BASE, credential=None).api_version == BLOB_API_VERSION


def test_connection_string_values_keep_their_equals_signs() -> None:
    conn = f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={AZURITE_KEY};EndpointSuffix=core.windows.net"
    parts = parse_connection_string(conn)
    assert parts["AccountKey"] == AZURITE_KEY and parts["AccountName"] == "acct"
