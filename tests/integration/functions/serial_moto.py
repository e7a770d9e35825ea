"""moto server that handles one request at a time: `python serial_moto.py PORT`.

moto's conditional UpdateItem is not atomic under concurrent requests (measured: 20 threads, 5 units, 7
successes and stock -2), while real DynamoDB serializes writes to an item. Serializing moto's request handling
restores that guarantee for the concurrency test; the 20 client threads still race each other.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server


def serialized(app: Callable[..., Iterable[bytes]]) -> Callable[..., list[bytes]]:
    lock = threading.Lock()

    def handle(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with lock:
            return list(app(environ, start_response))

    return handle


if __name__ == "__main__":
    app = serialized(DomainDispatcherApplication(create_backend_app))
    make_server("127.0.0.1", int(sys.argv[1]), app, threaded=True, request_handler=MotoRequestHandler).serve_forever()
