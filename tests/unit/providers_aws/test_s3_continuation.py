"""`continuation`: the next ListObjectsV2 page's token, found by a scan of the body (not a parse).

The scan must give what a parse gives for every body: the last page (no token), an escaped token, and bodies
it cannot read by scanning (a namespace prefix, no IsTruncated element), which it hands to the parser.
"""

from __future__ import annotations

import pytest

from multicloud_ctl.providers.aws.s3 import continuation, parse_listing

NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def body(inner: str, *, prefix: str = "") -> bytes:
    tag = f"{prefix}:ListBucketResult" if prefix else "ListBucketResult"
    xmlns = f'xmlns:{prefix}="{NS}"' if prefix else f'xmlns="{NS}"'
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{tag} {xmlns}>{inner}</{tag}>'.encode()


TOKEN = "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="  # the shape of S3's tokens (base64)
CONTENTS = "<Contents><Key>k%3CIsTruncated%3E</Key><Size>3</Size><ETag>&quot;e&quot;</ETag></Contents>"


@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        (f"<IsTruncated>true</IsTruncated>{CONTENTS}<NextContinuationToken>{TOKEN}</NextContinuationToken>", TOKEN),
        (
            f"<NextContinuationToken>a&amp;b&#61;</NextContinuationToken><IsTruncated>true</IsTruncated>{CONTENTS}",
            "a&b=",
        ),
        (f"<IsTruncated>false</IsTruncated>{CONTENTS}", ""),
        # a token on a page that says it is the last: the listing ends, as the parse says
        (f"<IsTruncated>false</IsTruncated><NextContinuationToken>t</NextContinuationToken>{CONTENTS}", ""),
        # truncated without a token: nothing to ask for (the parser agrees)
        (f"<IsTruncated>true</IsTruncated>{CONTENTS}", ""),
        # no IsTruncated at all: read by the parser
        (f"<NextContinuationToken>t</NextContinuationToken>{CONTENTS}", ""),
    ],
)
def test_the_scan_agrees_with_the_parse(inner: str, expected: str) -> None:
    data = body(inner)
    assert continuation(data) == expected
    objects, _, more = parse_listing(data)
    assert more == bool(expected)
    assert [o.key for o in objects] == ["k<IsTruncated>"]


def test_a_body_with_a_namespace_prefix_is_parsed() -> None:
    inner = "<s3:IsTruncated>true</s3:IsTruncated><s3:NextContinuationToken>tok</s3:NextContinuationToken>"
    data = body(inner, prefix="s3")
    assert b"<IsTruncated>" not in data
    assert continuation(data) == "tok"
