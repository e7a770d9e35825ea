"""The FOCUS export at scale: streamed CSV identical to `csv.writer`'s, compact records, files replaced whole."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from multicloud_ctl.cli.outfile import replacing
from multicloud_ctl.errors import UsageError
from multicloud_ctl.operations.cost.focus_spec import FOCUS_COLUMN_NAMES
from multicloud_ctl.operations.cost.period import Period
from multicloud_ctl.operations.cost.records import NO_TAGS, CostRecord, csv_cell
from multicloud_ctl.operations.cost.render import focus_rows, write_focus_csv
from multicloud_ctl.operations.cost.sources import Grouping, records_from_ce, records_from_cm
from multicloud_ctl.providers.azure.cost_management import QueryPage

PERIOD = Period(date(2026, 1, 28), date(2026, 2, 4))
AWKWARD = st.text(alphabet=st.sampled_from('ab ,"\n\r\t;é€'), min_size=1, max_size=8)


def _csv_writer_text(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FOCUS_COLUMN_NAMES)
    writer.writerows([[row[name] for name in FOCUS_COLUMN_NAMES] for row in rows])
    return out.getvalue()


records = st.builds(
    CostRecord,
    cloud=st.sampled_from(["aws", "azure"]),
    start=st.dates(PERIOD.start, PERIOD.end - timedelta(days=1)),
    end=st.just(PERIOD.end),
    service=st.one_of(AWKWARD, st.sampled_from(["Tax", "AWS Lambda", "Storage"])),
    region=st.one_of(st.none(), AWKWARD),
    account_id=st.sampled_from(["123456789012", "sub,1"]),
    billed=st.floats(0, 1e6, allow_nan=False),
    effective=st.floats(0, 1e6, allow_nan=False),
    currency=st.sampled_from(["USD", "EUR"]),
    tags=st.dictionaries(AWKWARD, AWKWARD, max_size=2),
    quantity=st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False)),
    unit=st.one_of(st.none(), AWKWARD),
    pricing_currency=st.one_of(st.none(), st.just("GBP")),
    pricing_rate=st.sampled_from([1.0, 1.25]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(records, max_size=12), st.sampled_from(["daily", "monthly"]), st.booleans())
def test_streamed_focus_csv_is_byte_identical_to_csv_writer(
    recs: list[CostRecord], granularity: str, named: bool
) -> None:
    names = {"123456789012": 'shop, "prod"'} if named else None
    out = io.StringIO()
    count = write_focus_csv(out, recs, PERIOD, granularity, names)
    rows = focus_rows(recs, PERIOD, granularity, names)
    assert count == len(rows)
    text = out.getvalue()
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed == [list(FOCUS_COLUMN_NAMES)] + [["" if v is None else v for v in r.values()] for r in rows]
    if "\r" not in text:  # csv.writer leaves a bare CR unquoted with "\n" line ends; we quote it (RFC 4180)
        assert text == _csv_writer_text(rows)


@given(st.one_of(st.none(), st.text(max_size=12)))
def test_csv_cell_is_what_csv_writer_writes_and_reads_back(value: str | None) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(["x", value])
    ours = f"x,{csv_cell(value)}\n"
    assert list(csv.reader(io.StringIO(ours, newline=""))) == [["x", value or ""]]
    if value is None or "\r" not in value:
        assert out.getvalue() == ours


def test_rows_past_a_batch_are_all_written_in_order() -> None:
    recs = [
        CostRecord("aws", date(2026, 1, 28), date(2026, 1, 29), f"svc {i:04d}", "us-east-1", "1", i, i, "USD")
        for i in range(2500, 0, -1)
    ]
    out = io.StringIO()
    assert write_focus_csv(out, recs, PERIOD, "daily") == 2500
    parsed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["ServiceName"] for r in parsed] == [f"svc {i:04d}" for i in range(1, 2501)]
    assert [r["BilledCost"] for r in parsed[:3]] == ["1", "2", "3"] and parsed[-1]["BilledCost"] == "2500"


def test_records_share_their_strings_dates_and_empty_tags() -> None:
    def ce_page(day: date) -> dict[str, object]:
        groups = [
            {
                "Keys": [str.join("", ["AWS ", "Lambda"]), "us-east-1"],  # a new string object per group
                "Metrics": {"UnblendedCost": {"Amount": "1.5", "Unit": "USD"}},
            }
            for _ in range(2)
        ]
        span = {"Start": day.isoformat(), "End": (day + timedelta(days=1)).isoformat()}
        return {"ResultsByTime": [{"TimePeriod": span, "Groups": groups}]}

    aws, _ = records_from_ce([ce_page(date(2026, 1, 29)), ce_page(date(2026, 1, 30))], "1", PERIOD, Grouping())
    assert len(aws) == 4
    assert all(r.service is aws[0].service and r.region is aws[0].region for r in aws)
    assert aws[0].start is aws[1].start and aws[0].end is aws[1].end
    assert all(r.tags is NO_TAGS for r in aws)
    with pytest.raises(TypeError):
        aws[0].tags["team"] = "x"  # type: ignore[index]  # shared, so read-only

    page = QueryPage(
        ["Cost", "UsageDate", "ServiceName", "ResourceLocation", "Currency", "TagValue"],
        [[1.0, 20260129, "Functions", "East US", "USD", "web"], [2.0, 20260130, "Functions", "East US", "USD", "web"]],
    )
    azure = records_from_cm([page], [], "sub", PERIOD, Grouping("team"))
    assert [r.region for r in azure] == ["eastus", "eastus"] and azure[0].tags == {"team": "web"}
    assert azure[0].tags is azure[1].tags and azure[0].service is azure[1].service


def test_replacing_commits_only_a_finished_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "focus.csv"
    with replacing("--out", target) as stream:
        stream.write("a,b\n")
        assert not target.exists()  # written beside it, renamed at the end
    assert target.read_text() == "a,b\n"

    with pytest.raises(KeyboardInterrupt), replacing("--out", target) as stream:
        stream.write("half")
        raise KeyboardInterrupt
    assert target.read_text() == "a,b\n"  # the previous export is untouched
    assert sorted(p.name for p in target.parent.iterdir()) == ["focus.csv"]  # no partial file left

    (tmp_path / "file").write_text("")  # a file where a directory should be (root ignores permissions)
    with pytest.raises(UsageError, match="cannot write"), replacing("--out", tmp_path / "file" / "f.csv"):
        pass
