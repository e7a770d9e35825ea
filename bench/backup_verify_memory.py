"""Peak RSS of `mcctl backup verify` as the manifest grows: a daily backup of N objects, verified by sampling.

    .venv/bin/python bench/backup_verify_memory.py [--sizes 100000,300000,1000000] [--sample 1]
        [--format 3|2] [--src DIR]

Verify reads the whole manifest and lists the whole mirror (with snapshots) whatever the sample; the sample
only sets how many blobs are re-read and hashed. So the bench serves a daily backup of N 100-byte objects
from a Blob endpoint in this process that holds nothing per blob but its name (contents and metadata are
derived from it; the manifest is the one stored body): List Blobs pages, ranged Get Blob, Get Blob
Properties and Set Blob Metadata, enough for `backup list|verify`. Azurite would need hours to be filled
with a million blobs. The real CLI runs in a child process (`python -m multicloud_ctl ... backup verify
--sample P`), and its peak RSS is its own VmHWM (see `backup_memory.py`). `--format 2` stores the manifest
as one JSON document, as releases before format 3 wrote it; `--src` runs another source tree (e.g. `git
archive` of an older commit, which reads only formats 1 and 2) for before/after figures. Prints a table
and a JSON line.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import socket
import sys
import tempfile
import threading
from datetime import UTC, datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from backup import BUCKET, write_config  # noqa: E402
from backup_memory import PEAK_WRAPPER  # noqa: E402

from multicloud_ctl.local.processes import free_port  # noqa: E402

PREFIXES = 16
BACKUP_ID = "daily-20261201T023000000Z"
CREATED = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)


def content(name: str) -> bytes:
    """A mirror blob's 100 bytes, derived from its name."""
    seed = hashlib.sha256(name.encode()).digest()
    return (seed * 4)[:100]


def mirror_names(n: int) -> list[str]:
    return sorted(f"daily/{BUCKET}/p{i % PREFIXES:02d}/{i:08d}.bin" for i in range(n))


def blob_metadata(name: str) -> dict[str, str]:
    data = content(name)
    return {
        "mcctl_src_etag": hashlib.md5(data).hexdigest(),
        "mcctl_sha256": hashlib.sha256(data).hexdigest(),
    }


def manifest_body(names: list[str], version: int) -> bytes:
    """The daily manifest of `names`, in format 3 (JSON Lines) or 2 (one document)."""
    from multicloud_ctl.operations.backup.manifest import BackupManifest, ManifestEntry

    def entries() -> Any:
        for name in names:
            meta = blob_metadata(name)
            key = "s3/" + name.removeprefix("daily/")
            yield ManifestEntry(key, name, 100, meta["mcctl_sha256"], meta["mcctl_src_etag"])

    header = BackupManifest(BACKUP_ID, "daily", "local", CREATED, CREATED, buckets=[BUCKET], transfer="stream")
    lines = [json.dumps(e.to_dict(), separators=(",", ":")).encode() for e in entries()]
    if version == 2:
        head = header.to_dict()
        head["version"] = 2
        doc = json.dumps(head, separators=(",", ":")).encode()
        return doc.replace(b'"entries":[]', b'"entries":[' + b",".join(lines) + b"]")
    from multicloud_ctl.operations.backup.manifest import header_line, trailer_line

    tail = trailer_line(len(names), 100 * len(names), CREATED, "stream", [])
    return header_line(header) + b"".join(line + b"\n" for line in lines) + tail


class VerifyBlobService:
    """The Blob calls `backup list|verify` make, over derived mirror blobs and one stored manifest."""

    def __init__(self, names: list[str], manifest: bytes) -> None:
        self.names = names
        self.manifest_name = f"manifests/{BACKUP_ID}.json"
        self.manifest = manifest
        self.manifest_meta = {
            "mcctl_kind": "daily",
            "mcctl_created": CREATED.isoformat(),
            "mcctl_objects": str(len(names)),
            "mcctl_bytes": str(100 * len(names)),
        }
        self.requests = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def blob(self, name: str) -> tuple[bytes, dict[str, str]] | None:
        if name == self.manifest_name:
            return self.manifest, self.manifest_meta
        i = bisect.bisect_left(self.names, name)
        if i < len(self.names) and self.names[i] == name:
            return content(name), blob_metadata(name)
        return None

    def listing(self, prefix: str, marker: str, maxresults: int, metadata: bool) -> bytes:
        if prefix.startswith("manifests/"):
            names = [self.manifest_name] if self.manifest_name.startswith(prefix) else []
        else:
            names = self.names
        start = bisect.bisect_right(names, marker) if marker else bisect.bisect_left(names, prefix)
        out = ['<?xml version="1.0" encoding="utf-8"?><EnumerationResults><Blobs>']
        last = ""
        count = 0
        for name in names[start:]:
            if not name.startswith(prefix) or count >= maxresults:
                break
            found = self.blob(name)
            assert found is not None
            data, meta = found
            md = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in meta.items()) if metadata else ""
            out.append(
                f"<Blob><Name>{escape(name)}</Name><Properties><Content-Length>{len(data)}</Content-Length>"
                f"<Last-Modified>{formatdate(usegmt=True)}</Last-Modified><Etag>0x8DC0BENCH</Etag>"
                f"</Properties><Metadata>{md}</Metadata></Blob>"
            )
            last, count = name, count + 1
        more = count >= maxresults and start + count < len(names) and names[start + count].startswith(prefix)
        out.append(f"</Blobs><NextMarker>{escape(last) if more else ''}</NextMarker></EnumerationResults>")
        return "".join(out).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return None

            def setup(self) -> None:
                super().setup()
                # headers and body go out in two writes: without this, Nagle holds the second one for the
                # client's delayed ACK (~40 ms a request)
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for key, value in {
                    "x-ms-request-id": "bench",
                    "x-ms-version": "2025-01-05",
                    "Date": formatdate(usegmt=True),
                    "Last-Modified": formatdate(usegmt=True),
                    "ETag": '"0x8DC0BENCH"',
                    "Content-Type": "application/xml",
                    "Content-Length": str(len(body)),
                    **(headers or {}),
                }.items():
                    self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _handle(self) -> None:
                with service.lock:
                    service.requests += 1
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                parts = unquote(url.path).strip("/").split("/", 2)
                name = parts[2] if len(parts) > 2 else ""
                if query.get("restype") == "container" and query.get("comp") == "list":
                    page = service.listing(
                        query.get("prefix", ""),
                        query.get("marker", ""),
                        int(query.get("maxresults", "5000")),
                        "metadata" in query.get("include", ""),
                    )
                    return self._reply(200, page)
                if query.get("restype") == "container":
                    return self._reply(200)
                found = service.blob(name)
                if found is None:
                    err = b'<?xml version="1.0" encoding="utf-8"?><Error><Code>BlobNotFound</Code><Message>no'
                    return self._reply(404, err + b"</Message></Error>", {"x-ms-error-code": "BlobNotFound"})
                data, meta = found
                if self.command == "PUT" and query.get("comp") == "metadata":
                    if name == service.manifest_name:
                        service.manifest_meta = {
                            k.lower().removeprefix("x-ms-meta-"): v
                            for k, v in self.headers.items()
                            if k.lower().startswith("x-ms-meta-")
                        }
                    return self._reply(200)
                headers = {"x-ms-blob-type": "BlockBlob", **{f"x-ms-meta-{k}": v for k, v in meta.items()}}
                headers["Content-Type"] = "application/octet-stream"
                if self.command == "HEAD":
                    self.send_response(200)
                    for key, value in {**headers, "Content-Length": str(len(data)), "ETag": '"0x8DC0BENCH"'}.items():
                        self.send_header(key, value)
                    self.send_header("Last-Modified", formatdate(usegmt=True))
                    self.end_headers()
                    return None
                spec = self.headers.get("x-ms-range") or self.headers.get("Range")
                if spec:
                    first, _, last = spec.removeprefix("bytes=").partition("-")
                    start = int(first)
                    end = min(int(last) if last else len(data) - 1, len(data) - 1)
                    if start >= len(data):
                        return self._reply(416, b"", {"x-ms-error-code": "InvalidRange"})
                    headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
                    return self._reply(206, data[start : end + 1], headers)
                return self._reply(200, data, headers)

            do_GET = do_PUT = do_HEAD = _handle

        return Handler


def run_verify(cfg: Path, playbook: Path, sample: float, src: Path | None) -> dict[str, Any]:
    """One `backup verify` in a child process: its report, wall seconds and peak RSS (MiB)."""
    import os
    import subprocess
    import time

    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "MCCTL_SEED": "7"}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    cmd = [sys.executable, "-c", PEAK_WRAPPER, "--config-dir", str(cfg), "--output", "json"]
    cmd += ["backup", "verify", BACKUP_ID, "--sample", f"{sample:g}", "--playbook", str(playbook)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    errors = proc.stderr.decode()
    if proc.returncode != 0:
        raise SystemExit(f"backup verify exited {proc.returncode}:\n{errors[-2000:]}")
    peak_kb = int(errors.rsplit("MCCTL_PEAK_KB ", 1)[1].split()[0])
    return {"report": json.loads(proc.stdout), "seconds": seconds, "peak_rss_mib": peak_kb / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--sample", type=float, default=1.0, help="percent of objects re-read")
    parser.add_argument("--format", type=int, choices=(2, 3), default=3, help="manifest format version")
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--src", type=Path, default=None, help="another source tree to run (before/after)")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="mcctl-bench-verify-") as d:
        tmp = Path(d)
        for size in (int(s) for s in args.sizes.split(",")):
            names = mirror_names(size)
            body = manifest_body(names, args.format)
            service = VerifyBlobService(names, body)
            try:
                cfg, playbook = write_config(tmp, free_port(), service.port, f"verify-{size}", args.parallel)
                from backup_memory import point_at_fake

                point_at_fake(cfg, service.port)
                result = run_verify(cfg, playbook, args.sample, args.src)
            finally:
                service.stop()
            report = result["report"]
            assert report["status"] == "ok" and report["objects"] == size, report
            rows.append(
                {
                    "objects": size,
                    "manifest_mib": round(len(body) / 2**20, 1),
                    "checked": report["checked"],
                    "peak_rss_mib": round(result["peak_rss_mib"], 1),
                    "seconds": round(result["seconds"], 1),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
            del names, body
    print(f"source: {args.src or REPO / 'src'}; manifest format {args.format}; sample {args.sample:g}%")
    print(f"{'objects':>8} {'manifest MiB':>13} {'checked':>8} {'peak MiB':>9} {'s':>6}")
    for r in rows:
        print(
            f"{r['objects']:>8} {r['manifest_mib']:>13.1f} {r['checked']:>8} {r['peak_rss_mib']:>9.1f} "
            f"{r['seconds']:>6.1f}"
        )
    print(json.dumps({"rows": rows, "src": str(args.src) if args.src else None, "format": args.format}))


if __name__ == "__main__":
    main()
