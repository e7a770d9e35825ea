"""All terminal output of mcctl goes through `Console`: tables, JSON, progress, errors and prompts.

Cron-friendly by construction: no spinner and no progress bar when stdout is not a TTY, no colour then or
with `--no-color` / `NO_COLOR` (which remove colour, not progress); `--output json` prints exactly one JSON
document on stdout, and messages for humans go to stderr so that a pipe only ever sees data. Progress is
drawn by `renderer()` from the engine's events (`cli/progress.py`). Text is never read as Rich markup: names and
messages come from playbooks and clouds, and a key like `[/]` must print as itself, not crash the print.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from multicloud_ctl.engine.clock import iso
from multicloud_ctl.errors import ConfirmationDeclined

if TYPE_CHECKING:
    from rich.console import Console as RichConsole

    from multicloud_ctl.cli.progress import EventRenderer


def to_jsonable(value: Any) -> Any:
    """Turn our dataclasses, datetimes, Decimals and Paths into plain JSON values."""
    if hasattr(value, "model_dump"):
        return to_jsonable(value.model_dump(mode="json"))
    if hasattr(value, "__dataclass_fields__"):
        return {k: to_jsonable(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def dumps(value: Any) -> str:
    """Serialize to stable, indented JSON."""
    return json.dumps(to_jsonable(value), indent=2, sort_keys=False, ensure_ascii=False)


@dataclass
class Console:
    """The one object that writes to the terminal."""

    output: str = "table"
    no_color: bool = False
    quiet: bool = False
    verbosity: int = 0
    stdout_is_tty: bool = field(default_factory=lambda: sys.stdout.isatty())
    stdin_is_tty: bool = field(default_factory=lambda: sys.stdin.isatty())
    _out: RichConsole | None = field(default=None, repr=False)
    _err: RichConsole | None = field(default=None, repr=False)
    _renderer: EventRenderer | None = field(default=None, repr=False)

    @property
    def color(self) -> bool:
        return self.stdout_is_tty and not self.no_color and "NO_COLOR" not in os.environ

    @property
    def json_mode(self) -> bool:
        return self.output == "json"

    @property
    def interactive(self) -> bool:
        return self.stdout_is_tty and self.stdin_is_tty

    def _rich(self, err: bool = False) -> RichConsole:
        from rich.console import Console as RichConsole

        if err:
            if self._err is None:
                self._err = RichConsole(
                    stderr=True,
                    no_color=not self.color,
                    highlight=False,
                    soft_wrap=True,
                    # progress needs a terminal, not colour: NO_COLOR / --no-color keep the live display
                    force_terminal=None if self.stdout_is_tty else False,
                )
            return self._err
        if self._out is None:
            self._out = RichConsole(
                no_color=not self.color,
                highlight=False,
                soft_wrap=not self.stdout_is_tty,
                force_terminal=None if self.color else False,
                width=None if self.stdout_is_tty else 200,
            )
        return self._out

    def rich_err(self) -> RichConsole:
        """The Rich console on stderr (live progress draws there)."""
        return self._rich(err=True)

    def renderer(self) -> EventRenderer:
        """The event sink that draws this console's progress, plans and notices (one per console)."""
        if self._renderer is None:
            from multicloud_ctl.cli.progress import EventRenderer

            self._renderer = EventRenderer(self)
        return self._renderer

    # ---- data --------------------------------------------------------------------------------------
    def print_json(self, data: Any) -> None:
        """Print one JSON document on stdout (machine output)."""
        sys.stdout.write(dumps(data) + "\n")
        sys.stdout.flush()

    def print(self, renderable: Any = "", *, style: str | None = None) -> None:
        """Print a line (as is, never as markup) or a Rich renderable on stdout (human output; nothing in JSON mode)."""
        if self.json_mode:
            return
        self._rich().print(renderable, style=style, markup=False)

    def table(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        title: str | None = None,
    ) -> None:
        """Print a table for humans."""
        from rich.table import Table
        from rich.text import Text

        table = Table(title=Text(title) if title else None, box=None, header_style="bold" if self.color else "")
        cells = [["" if v is None else str(to_jsonable(v)) for v in row] for row in rows]
        # Never "…": a value too wide for its column is wrapped at its spaces or folded, never cut. A column of
        # single tokens (ids, amounts, times) is given its longest value's width when all such columns fit with
        # room for the others, so at 80 columns `daily-20261202T153012Z` and `9,000.00` stay on one line and the
        # text columns wrap instead (issue 19 item 5); when they cannot all fit, everything folds.
        from rich.cells import cell_len

        console = self._rich()
        widths = [max([cell_len(col), *(cell_len(r[i]) for r in cells if i < len(r))]) for i, col in enumerate(columns)]
        tokens = [all(" " not in row[i] for row in cells if i < len(row)) for i in range(len(columns))]
        room = sum(w if t else min(w, 8) for w, t in zip(widths, tokens, strict=True)) + 2 * len(columns)
        keep = room <= console.width
        for col, width, token in zip(columns, widths, tokens, strict=True):
            table.add_column(Text(col), overflow="fold", min_width=width if keep and token else None)
        for row in cells:
            table.add_row(*(Text(v) for v in row))
        console.print(table)

    def emit(
        self, data: Any, *, columns: Sequence[str] = (), rows: Sequence[Sequence[Any]] = (), title: str | None = None
    ) -> None:
        """Print `data` as JSON in JSON mode, otherwise as the given table."""
        if self.json_mode:
            self.print_json(data)
        elif columns:
            self.table(columns, rows, title=title)
        else:
            self._rich().print(data, markup=False)

    # ---- messages (stderr) -------------------------------------------------------------------------
    def info(self, message: str) -> None:
        if not self.quiet:
            self._rich(err=True).print(message, markup=False)

    def detail(self, message: str) -> None:
        if self.verbosity > 0:
            self._rich(err=True).print(message, markup=False, style="dim")

    def _line(self, text: str, style: str) -> None:
        """One line on stderr: through rich for colour, else written as is (rich, ~70 ms of imports, would
        print the same characters: a cron job's `backup daily` need not load it to say it committed)."""
        if not self.color and self._err is None:  # (once a rich console exists, e.g. for progress, it writes)
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
            return
        self._rich(err=True).print(text, markup=False, emoji=False, style=style)

    def success(self, message: str) -> None:
        if not self.quiet:
            self._line(message, "green")

    def warn(self, message: str) -> None:
        self._line(f"warning: {message}", "yellow")

    def error(self, message: str, hint: str | None = None) -> None:
        """One line for the error, one for the hint: never a traceback."""
        self._line(f"error: {message}", "bold red")
        if hint:
            self._line(f"hint: {hint}", "yellow")

    def traceback(self) -> None:
        from rich.console import Console as RichConsole
        from rich.traceback import Traceback

        RichConsole(stderr=True, no_color=not self.color).print(Traceback(show_locals=False))

    # ---- interaction -------------------------------------------------------------------------------
    def confirm(self, question: str, *, assume_yes: bool, typed: str | None = None) -> None:
        """Ask before a mutating run; raise `ConfirmationDeclined` unless the operator agrees.

        `typed` asks the operator to type a word (destroy); off a TTY only `--yes` proceeds.
        """
        if assume_yes:
            return
        if not self.interactive:
            raise ConfirmationDeclined(
                f"{question} needs confirmation, and this is not a terminal",
                hint="rerun with --yes to confirm non-interactively, or --dry-run to see the plan",
            )
        import sys

        from rich.prompt import Confirm, Prompt

        # The answer is read by `_Interruptible`, not input(). A Ctrl-C is sent to the process, and the kernel may
        # hand it to any thread that does not block it (a progress or pool thread): CPython's C handler then only
        # notes it, the main thread stays blocked in input()'s read, and the run's signal guard never runs until
        # the operator presses Enter (a CI hang: its stack was in `input`). Waiting in short select() slices lets
        # the main thread run the guard within 0.2 s whichever thread the signal reached.
        stream = cast("TextIO", _Interruptible(sys.stdin))
        if typed is not None:
            from rich.markup import escape

            answer = Prompt.ask(
                f"{escape(question)} Type [bold]{escape(typed)}[/bold] to confirm",
                console=self._rich(err=True),
                stream=stream,
            )
            if answer.strip() != typed:
                raise ConfirmationDeclined("confirmation did not match; nothing was changed")
            return
        from rich.text import Text

        if not Confirm.ask(Text(question), console=self._rich(err=True), default=False, stream=stream):
            raise ConfirmationDeclined("not confirmed; nothing was changed")


class _Interruptible:
    """A line reader on a terminal that stays responsive to signals (see `Console.confirm`)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def readline(self) -> str:
        import select

        while True:
            ready, _, _ = select.select([self.stream], [], [], 0.2)
            if ready:
                return str(self.stream.readline())
