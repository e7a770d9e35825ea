"""Issue 21: a bounded fuzz of the playbook and environment loaders. Whatever the bytes, only `ConfigError` comes out.

Hypothesis writes arbitrary bytes, arbitrary text, YAML-shaped token soup (anchors, aliases, tags, flow and block
collections, control characters, markup) and shipped playbooks with tokens spliced in, and loads each file. A load
either returns a validated model or raises our `ConfigError` (which the CLI prints as `error:` + `hint:`); any other
exception is a crash. Examples are bounded (no deadline: the machine may be loaded), so the module runs in seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from multicloud_ctl.config.loader import load_environment
from multicloud_ctl.config.playbook import load_playbook
from multicloud_ctl.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]
SHIPPED = [p.read_text(encoding="utf-8") for p in sorted((REPO / "playbooks").glob("*.yaml"))]
ENVIRONMENT = (REPO / "config" / "local.yaml").read_text(encoding="utf-8")

TOKENS = [
    *("apiVersion: mcctl/v1\n", "kind: Health\n", "kind: Backup\n", "metadata:\n", "  name: x\n", "spec:", "\n"),
    *(": ", "- ", "  ", "? ", ", ", "[", "]", "{", "}", "'", '"', "#", "|", ">", "\t", "\r\n", "---\n", "...\n"),
    *("&a ", "*a", "&b ", "*b", "<<: ", "!!set ", "!!binary ", "!!python/object:os.system ", "!!float ", "!!map "),
    *("%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "${X}", "${HOME:-/}", "~", ".nan", "1e999", "0x1F", "2026-12-03"),
    *("\x00", "\x07", "\x1b[31m", "\ufeff", "é", "\u202e", "[/]", "[bold]", "buckets: [bücket]", "a" * 70),
]
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,  # the same examples on every run: a CI failure reproduces locally
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

token_soup = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)


@st.composite
def spliced(draw: st.DrawFn, sources: list[str]) -> str:
    """A real file with a few tokens inserted at random places."""
    text = draw(st.sampled_from(sources))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
    return text


any_input = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=300).map(lambda t: t.encode("utf-8")),
    token_soup.map(lambda t: t.encode("utf-8")),
    spliced(SHIPPED).map(lambda t: t.encode("utf-8")),
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("fuzz")


@SETTINGS
@given(data=any_input)
def test_the_playbook_loader_raises_only_config_errors(workdir: Path, data: bytes) -> None:
    path = workdir / "playbook.yaml"
    path.write_bytes(data)
    try:
        load_playbook(path)
    except ConfigError as exc:
        assert exc.message and exc.hint, exc.message  # every refusal says what to do


@SETTINGS
@given(data=st.one_of(any_input, spliced([ENVIRONMENT]).map(lambda t: t.encode("utf-8"))))
def test_the_environment_loader_raises_only_config_errors(workdir: Path, data: bytes) -> None:
    (workdir / "local.yaml").write_bytes(data)
    try:
        load_environment("local", workdir)
    except ConfigError as exc:
        assert exc.message, exc.message
