"""The shared emulator fixtures really serve the real SDKs."""

from __future__ import annotations

import boto3


def test_moto_serves_dynamodb(aws: str) -> None:
    ddb = boto3.client("dynamodb", endpoint_url=aws, region_name="us-east-1")
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert ddb.list_tables()["TableNames"] == ["t"]


def test_moto_is_reset_between_tests(aws: str) -> None:
    ddb = boto3.client("dynamodb", endpoint_url=aws, region_name="us-east-1")
    assert ddb.list_tables()["TableNames"] == []


def test_azurite_serves_blob(azurite) -> None:  # type: ignore[no-untyped-def]
    from azure.storage.blob import BlobServiceClient

    key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
    conn = (
        f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};"
        f"BlobEndpoint={azurite.url}/devstoreaccount1;"
    )
    svc = BlobServiceClient.from_connection_string(conn)
    svc.create_container("smoke")
    svc.get_blob_client("smoke", "a.txt").upload_blob(b"hello")
    assert svc.get_blob_client("smoke", "a.txt").download_blob().readall() == b"hello"
