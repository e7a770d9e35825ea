"""The urllib3 path for List Blobs and Put Blob (`providers/azure/blobwire.py`) at the wire.

Against the fake Blob endpoint, with the real SDK's credential policies doing the signing: the request
carries what Azure checks (Shared Key authorization, x-ms-date, x-ms-version, metadata headers), a SAS in
the client URL survives, 5xx/429 are retried, 4xx are not and become our errors with Azure's code and
request id, and under dry run the guard refuses the Put before anything is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from azure.storage.blob import BlobServiceClient
from fake_blob_endpoint import FakeBlobService

from multicloud_ctl.errors import AuthError, DryRunViolation, ProviderError, Throttled
from multicloud_ctl.providers.azure.blob import BlobContainer
from multicloud_ctl.providers.azure.clients import AZURITE_ACCOUNT, AZURITE_KEY
from multicloud_ctl.providers.dryrun import MutationGuard

pytestmark = pytest.mark.integration
META = {"mcctl_src_etag": "abc", "mcctl_src_size": "5", "mcctl_sha256": "f" * 64}


@pytest.fixture
def fake() -> Iterator[FakeBlobService]:
    service = FakeBlobService().start()
    yield service
    service.stop()


def container(
    fake: FakeBlobService, *, dry_run: bool = False, sas: str | None = None, name: str = "backups"
) -> BlobContainer:
    url = f"http://127.0.0.1:{fake.port}/{AZURITE_ACCOUNT}"
    credential = sas or {"account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY}
    clients = SimpleNamespace(blob=BlobServiceClient(url, credential=credential), guard=MutationGuard("azure", dry_run))
    return BlobContainer(clients, name)


def test_put_blob_is_signed_and_lists_back(fake: FakeBlobService) -> None:
    blobs = container(fake)
    blobs.upload("daily/b/k 1.txt", b"hello", META)

    put = fake.requests[-1]
    assert (put.method, put.path, put.query) == ("PUT", f"/{AZURITE_ACCOUNT}/backups/daily/b/k 1.txt", {})
    assert put.headers["authorization"].startswith(f"SharedKey {AZURITE_ACCOUNT}:")
    assert put.headers["x-ms-blob-type"] == "BlockBlob"
    assert put.headers["x-ms-version"] == blobs.container.api_version
    assert put.headers["x-ms-date"].endswith("GMT")
    assert {k: put.headers[f"x-ms-meta-{k}"] for k in META} == META
    assert fake.blobs["daily/b/k 1.txt"] == b"hello"

    listed = list(blobs.list("daily/"))
    assert [(b.name, b.size, b.metadata) for b in listed] == [("daily/b/k 1.txt", 5, META)]
    query = fake.requests[-1].query
    assert query | {"prefix": "daily/"} == {
        "restype": "container",
        "comp": "list",
        "maxresults": "5000",
        "prefix": "daily/",
        "include": "metadata",
    }
    assert blobs.guard.mutating == 1 and blobs.guard.total == 2


def test_a_sas_in_the_client_url_is_kept(fake: FakeBlobService) -> None:
    blobs = container(fake, sas="sv=2025-01-05&sp=rwl&sig=c2lnbmF0dXJl")
    blobs.upload("x", b"1", META)
    list(blobs.list())
    put, listing = fake.requests[-2:]
    assert put.query == {"sv": "2025-01-05", "sp": "rwl", "sig": "c2lnbmF0dXJl"}
    assert "authorization" not in put.headers
    assert listing.query["sig"] == "c2lnbmF0dXJl" and listing.query["comp"] == "list"


def test_server_errors_and_throttling_are_retried(fake: FakeBlobService) -> None:
    fake.fail_next = [(503, "ServerBusy"), (500, "InternalError"), (429, "TooManyRequests")]
    container(fake).upload("retried", b"data", META)
    assert [r.path.rsplit("/", 1)[-1] for r in fake.requests] == ["retried"] * 4
    assert fake.blobs["retried"] == b"data"


def test_retries_run_out_into_one_error_with_the_code_and_request_id(fake: FakeBlobService) -> None:
    fake.fail_next = [(503, "ServerBusy")] * 5
    with pytest.raises(ProviderError) as caught:
        container(fake).upload("busy", b"data", META)
    assert len(fake.requests) == 5  # the first try and four retries
    assert "HTTP 503 ServerBusy" in str(caught.value)
    assert caught.value.request_id == "fake-req-1" and caught.value.status == 503

    fake.requests.clear()
    fake.fail_next = [(429, "TooManyRequests")] * 5
    with pytest.raises(Throttled):
        container(fake).upload("busy", b"data", META)


def test_client_errors_are_not_retried(fake: FakeBlobService) -> None:
    fake.fail_next = [(403, "AuthenticationFailed")]
    with pytest.raises(AuthError) as caught:
        container(fake).upload("denied", b"data", META)
    assert len(fake.requests) == 1
    assert "AuthenticationFailed" in str(caught.value) and caught.value.request_id == "fake-req-1"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("ab", "OutOfRangeInput"),
        ("a" * 64, "OutOfRangeInput"),
        ("Backups", "InvalidResourceName"),
        ("a--b", "InvalidResourceName"),
        ("-ab", "InvalidResourceName"),
        ("a_b", "InvalidResourceName"),
    ],
)
def test_a_container_name_azure_refuses_is_refused_with_its_code(fake: FakeBlobService, name: str, code: str) -> None:
    with pytest.raises(ProviderError) as caught:
        container(fake, name=name).upload("k", b"data", META)
    assert caught.value.status == 400 and code in str(caught.value)
    assert fake.blobs == {}
    container(fake, name="a-1").upload("k", b"data", META)  # 3 characters, a hyphen between two
    assert fake.blobs == {"k": b"data"}


def test_a_blob_name_lands_where_azure_puts_it(fake: FakeBlobService) -> None:
    """Sent with the SDK (our client refuses these names before sending): two names, one blob, as on Azure."""
    url = f"http://127.0.0.1:{fake.port}/{AZURITE_ACCOUNT}"
    sdk = BlobServiceClient(url, credential={"account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY})
    backups = sdk.get_container_client("backups")
    backups.upload_blob("dir\\v1.", b"first")
    backups.upload_blob("dir/v1", b"second", overwrite=True)
    backups.upload_blob("x../y", b"third")
    assert fake.blobs == {"dir/v1": b"second", "x/y": b"third"}


def test_a_missing_container_lists_nothing(fake: FakeBlobService) -> None:
    fake.fail_next = [(404, "ContainerNotFound")]
    assert list(container(fake).list("daily/")) == []


def test_dry_run_refuses_the_put_before_sending(fake: FakeBlobService) -> None:
    blobs = container(fake, dry_run=True)
    with pytest.raises(DryRunViolation):
        blobs.upload("never", b"data", META)
    assert list(blobs.list()) == []  # reads still go out
    assert [r.method for r in fake.requests] == ["GET"]
    assert (blobs.guard.blocked, blobs.guard.mutating) == (1, 0)


def test_a_proxy_from_the_environment_is_used(fake: FakeBlobService, monkeypatch: pytest.MonkeyPatch) -> None:
    # The fake doubles as the proxy: the account host below does not resolve, so only the proxy can answer.
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{fake.port}")
    credential = {"account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY}
    service = BlobServiceClient(f"http://blob.invalid/{AZURITE_ACCOUNT}", credential=credential)
    blobs = BlobContainer(SimpleNamespace(blob=service, guard=MutationGuard("azure")), "backups")
    blobs.upload("via-proxy", b"p", META)
    assert fake.blobs["via-proxy"] == b"p"
    assert fake.requests[-1].headers["host"] == "blob.invalid"


def test_blob_batch_deletes_through_the_sdk_and_answers_per_subrequest(fake: FakeBlobService) -> None:
    """The fake's Blob Batch as the SDK sends it: one multipart POST, one answer per Delete Blob, in order."""
    blobs = container(fake)
    for i in range(3):
        fake.blobs[f"snap/{i}"] = b"x"
    answers = blobs.delete_batch([("snap/0", None), ("snap/missing", None), ("snap/2", None)])

    assert answers == [(202, ""), (404, "BlobNotFound"), (202, "")]
    assert sorted(fake.blobs) == ["snap/1"]
    post = fake.requests[-1]
    assert (post.method, post.query) == ("POST", {"restype": "container", "comp": "batch"})
    assert post.headers["content-type"].startswith("multipart/mixed; boundary=")
    assert post.body.count(b"DELETE /") == 3


def test_blob_batch_of_more_than_256_is_refused_whole(fake: FakeBlobService) -> None:
    """Over the service's limit the fake refuses the whole batch, as Azure does; nothing is deleted."""
    names = [f"snap/{i:03d}" for i in range(257)]
    fake.blobs.update(dict.fromkeys(names, b"x"))
    service = container(fake).container
    with pytest.raises(Exception, match="ExceedsMaxBatchRequestCount"):
        list(service.delete_blobs(*names, raise_on_any_failure=False))
    assert len(fake.blobs) == 257 and fake.deleted == 0


def test_delete_blob_is_202_then_404(fake: FakeBlobService) -> None:
    blobs = container(fake)
    fake.blobs["k"] = b"x"
    blobs.delete("k")
    blobs.delete("k")  # gone already: our client takes 404 as done
    assert fake.blobs == {} and [r.method for r in fake.requests] == ["DELETE", "DELETE"]
