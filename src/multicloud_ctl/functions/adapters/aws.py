"""boto3 clients for the functions: one per service and config; endpoint from MCCTL_FN_AWS_ENDPOINT."""

from __future__ import annotations

import threading
from typing import Any

from multicloud_ctl.functions.config import FunctionConfig

_lock = threading.Lock()
_clients: dict[tuple[str, str, str | None], Any] = {}


def client(service: str, cfg: FunctionConfig) -> Any:
    """A shared (thread-safe) boto3 client; the same config gives the same client within a process."""
    import boto3
    from botocore.config import Config

    key = (service, cfg.region, cfg.aws_endpoint)
    with _lock:
        found = _clients.get(key)
        if found is None:
            extra: dict[str, Any] = {}
            if service == "s3":
                extra["s3"] = {"addressing_style": "path"}
            conf = Config(
                retries={"mode": "standard", "max_attempts": 3},
                connect_timeout=3,
                read_timeout=10,
                max_pool_connections=50,
                **extra,
            )
            found = boto3.session.Session().client(
                service, region_name=cfg.region, endpoint_url=cfg.aws_endpoint, config=conf
            )
            _clients[key] = found
        return found


class S3ImageUrls:
    """Presigned S3 URLs for product images."""

    def __init__(self, cfg: FunctionConfig) -> None:
        self.cfg = cfg

    def upload_url(self, key: str, content_type: str) -> str:
        return str(
            client("s3", self.cfg).generate_presigned_url(
                "put_object",
                Params={"Bucket": self.cfg.bucket_images, "Key": key, "ContentType": content_type},
                ExpiresIn=self.cfg.presign_ttl,
            )
        )

    def download_url(self, key: str) -> str:
        return str(
            client("s3", self.cfg).generate_presigned_url(
                "get_object",
                Params={"Bucket": self.cfg.bucket_images, "Key": key},
                ExpiresIn=self.cfg.presign_ttl,
            )
        )
