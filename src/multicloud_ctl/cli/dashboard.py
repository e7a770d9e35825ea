"""`mcctl dashboard --out dashboard.html`: a self-contained HTML page of `mcctl metrics` (rerun to refresh),
or `--serve` it on 127.0.0.1 (regenerated on every request)."""

from __future__ import annotations

from pathlib import Path

import typer

from multicloud_ctl.cli.state import get_state

app = typer.Typer(
    help="Write (or serve) the metrics dashboard page.", invoke_without_command=True, add_completion=False
)


@app.callback(invoke_without_command=True)
def dashboard(
    ctx: typer.Context,
    out: Path = typer.Option(Path("dashboard.html"), "--out", help="Where to write the page."),
    since: str = typer.Option("1h", "--since", help="Window: 15m, 1h, 1d."),
    serve: bool = typer.Option(False, "--serve", help="Serve the page on 127.0.0.1 until Ctrl-C."),
    port: int = typer.Option(0, "--port", help="Port for --serve (0: a free one)."),
) -> None:
    """Render invocations, errors, p50/p99 and gauges of both clouds as charts."""
    from multicloud_ctl.cli.outfile import refuse_directory, writing_to
    from multicloud_ctl.cli.runner import make_runtime
    from multicloud_ctl.operations.observability.dashboard import render
    from multicloud_ctl.operations.observability.logquery import parse_since
    from multicloud_ctl.operations.observability.metrics import collect

    state = get_state(ctx)
    window = parse_since(since)
    runtime = make_runtime(state, dry_run=True)

    def page() -> str:
        return render(collect(runtime, window), runtime.environment.name, runtime.clock())

    if serve:
        _serve(state, page, port)
        return
    refuse_directory("--out", out)  # before the metrics are collected
    text = page()
    with writing_to("--out", out):
        out.write_text(text, encoding="utf-8")
    if state.console.json_mode:
        state.console.print_json({"out": str(out), "bytes": out.stat().st_size})
    else:
        from multicloud_ctl.humanize import size

        state.console.success(f"wrote {out} ({size(out.stat().st_size)})")


def _serve(state: object, page: object, port: int) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page().encode()  # type: ignore[operator]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    state.console.info(f"dashboard on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")  # type: ignore[attr-defined]
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
