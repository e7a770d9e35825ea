"""`http_date`, the Blob listing's Last-Modified parser: what email.utils parses, faster, and the odd forms too."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest

from multicloud_ctl.providers.azure.blob import http_date


@pytest.mark.parametrize(
    "text",
    [
        "Fri, 04 Dec 2026 13:24:42 GMT",
        "Thu, 29 Feb 2028 23:59:59 GMT",
        "Thu, 31 Dec 2026 23:59:59 GMT",
        "Fri, 01 Jan 2027 00:00:00 GMT",
        "Sun, 28 Mar 2027 01:30:00 GMT",
    ],
)
def test_the_blob_services_form_parses_as_email_utils_parses_it(text: str) -> None:
    assert http_date(text) == parsedate_to_datetime(text)
    assert http_date(text).utcoffset() is not None and http_date(text).utcoffset().total_seconds() == 0


def test_other_forms_go_to_email_utils() -> None:
    assert http_date("Fri, 4 Dec 2026 14:24:42 +0100") == datetime(2026, 12, 4, 13, 24, 42, tzinfo=UTC)
    with pytest.raises((ValueError, TypeError)):
        http_date("not a date")
