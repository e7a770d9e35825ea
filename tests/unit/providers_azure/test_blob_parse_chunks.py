"""`parse_in_chunks`: a List Blobs page fed to the parser in pieces gives the tree `fromstring` gives,
including names whose multi-byte UTF-8 characters are cut by a chunk boundary."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from multicloud_ctl.providers.azure import blob
from multicloud_ctl.providers.azure.blob import parse_in_chunks


def page(count: int) -> bytes:
    blobs = "".join(
        f"<Blob><Name>daily/ünï/{i:05d}-✓ &amp; €</Name><Properties><Content-Length>{i}</Content-Length>"
        f"</Properties><Metadata><mcctl_src_etag>e{i}</mcctl_src_etag></Metadata></Blob>"
        for i in range(count)
    )
    head = '<?xml version="1.0" encoding="utf-8"?>'
    return f"{head}<EnumerationResults><Blobs>{blobs}</Blobs></EnumerationResults>".encode()


def test_chunked_parse_gives_the_same_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    data = page(3000)
    monkeypatch.setattr(blob, "PARSE_CHUNK", 1001)  # an odd size: boundaries fall inside characters
    assert len(data) > 100 * blob.PARSE_CHUNK
    ours, theirs = parse_in_chunks(data), ET.fromstring(data)
    assert ET.tostring(ours) == ET.tostring(theirs)
    names = [b.findtext("Name") for b in ours.iterfind("./Blobs/Blob")]
    assert names[0] == "daily/ünï/00000-✓ & €" and len(names) == 3000
