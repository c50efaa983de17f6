"""Published numbers are kept: writing the report records its headline and league values in the data
root's history, and a later view of the month shows the published value beside a current one that differs.

Expected values are those of the tiny root (tests/builders.py), October 2026, worked out by hand.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import overview
from dashboard.cli import main
from dashboard.core.loading import load_dataset
from dashboard.core.periods import parse_period
from dashboard.core.selection import Selection
from dashboard.i18n import t
from dashboard.ingest import store
from dashboard.metrics import Kpi
from dashboard.outputs.report import build_report, published
from tests.builders import C1, C2, TINY_ISSUES, write_issues_csv
from tests.conftest import REPO

WRITTEN = datetime(2026, 11, 6, 9, 30)


def _report(root: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(
        ["report", "--data", str(root), "--period", "2026-10", "--out", str(out), *extra], stdout, stderr
    )
    return code, stdout.getvalue(), stderr.getvalue()


def _lines(root: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in published.path(root).read_text(encoding="utf-8").splitlines()]


def _finish_i03(root: Path) -> None:
    """A correction after the report: i03 (G1, due 12 Oct) was finished on 11 Oct, on time."""
    issues = [dict(i) for i in TINY_ISSUES]
    issues[2] |= {"status": "resolved", "resolved_at": "2026-10-11 10:00:00", "resolved_level": "grid"}
    write_issues_csv(root, issues)


def _current(root: Path) -> list[Kpi]:
    dataset = load_dataset(root)
    selection = Selection(parse_period("2026-10"))
    return overview.headline(overview.scope_totals(dataset, selection), selection, dataset)


def test_the_report_command_records_what_it_published(tiny: Path, tmp_path: Path) -> None:
    code, _, err = _report(tiny, tmp_path / "report.pptx")
    assert code == 0, err
    assert err == ""
    [line] = _lines(tiny)
    assert line["period"] == "2026-10" and line["communities"] == [] and line["basis"] == "cutoff"
    # The data's as-of time (25 Oct, 10:00) is before October's cut-off (5 Nov): measured then.
    assert line["measured_at"] == "2026-10-25T10:00:00"
    assert line["data_version"] == published.data_version(load_dataset(tiny))
    assert datetime.fromisoformat(str(line["written_at"])) <= datetime.now()
    assert line["headline"] == pytest.approx(
        {
            "resolution_rate": 4 / 7,  # i01, i02, i06, i08 finished of 7 not deferred
            "on_time_rate": 3 / 7,  # i02 finished late
            "satisfaction_rate": 3 / 4,  # i06 unsatisfied
            "response_rate": 6 / 8,  # i02 after 26 h, i09 never
            "issue_count": 8,
            "overdue_open_count": 2,  # i03 and i09
        }
    )
    assert line["league_by"] == "community"
    assert line["league"] == {
        C1: {"resolution_rate": 0.75, "rank": 1},  # i01, i02, i06 of i01, i02, i03, i06
        C2: {"resolution_rate": 0.5, "rank": 2},  # i08 of i08, i10
    }
    # Codes and numbers only: no names, phones or addresses.
    text = published.path(tiny).read_text(encoding="utf-8")
    assert "张三丰" not in text and "13812345678" not in text and "东湖" not in text


def test_a_second_report_appends_and_the_last_one_counts(tiny: Path, tmp_path: Path) -> None:
    assert _report(tiny, tmp_path / "a.pptx")[0] == 0
    assert _report(tiny, tmp_path / "b.pptx", "--community", C1)[0] == 0
    lines = _lines(tiny)
    assert [line["communities"] for line in lines] == [[], [C1]]
    assert lines[1]["headline"]["resolution_rate"] == pytest.approx(0.75)  # type: ignore[index]
    record = published.latest(tiny, "2026-10", (C1,), "cutoff")
    assert record is not None and record.published.headline["resolution_rate"] == pytest.approx(0.75)
    assert published.latest(tiny, "2026-10", (), "live") is None  # another basis: nothing published
    assert published.latest(tiny, "2026-09", (), "cutoff") is None


def test_a_changed_data_file_shows_as_differences_from_the_published_values(tiny: Path) -> None:
    dataset = load_dataset(tiny)
    report = build_report(dataset, parse_period("2026-10"), "zh")
    assert report.published is not None
    assert published.record(dataset, report.published, now=lambda: WRITTEN).written
    record = published.latest(tiny, "2026-10", (), "cutoff")
    assert record is not None
    assert published.differences(record, _current(tiny)) == []  # nothing changed yet

    _finish_i03(tiny)
    assert published.data_version(load_dataset(tiny)) != record.data_version
    changed = published.differences(record, _current(tiny))
    assert [(d.key, d.published, d.current) for d in changed] == [
        ("resolution_rate", pytest.approx(4 / 7), pytest.approx(5 / 7)),
        ("on_time_rate", pytest.approx(3 / 7), pytest.approx(4 / 7)),
        ("overdue_open_count", 2, 1),
    ]
    assert published.note(changed[0], "zh") == "已发布 57.1%（2026-11-06）"
    assert published.note(changed[0], "en") == "published 57.1% (6 Nov)"
    league = published.league_differences(record, {C1: (1.0, 1), C2: (0.5, 2)})
    assert [(d.unit, d.published, d.current, d.rank) for d in league] == [(C1, 0.75, 1.0, (1, 1))]


def test_a_difference_below_the_shown_precision_is_none(tiny: Path) -> None:
    dataset = load_dataset(tiny)
    report = build_report(dataset, parse_period("2026-10"), "en")
    assert report.published is not None
    values = report.published
    nudged = {**values.headline, "resolution_rate": 4 / 7 + 1e-5}  # still 57.1%
    entry = published.Record(published.Published(**{**values.__dict__, "headline": nudged}), "v", WRITTEN)
    assert published.differences(entry, _current(tiny)) == []


def test_a_history_that_cannot_be_written_leaves_the_report_with_a_warning(
    tiny: Path, tmp_path: Path
) -> None:
    (tiny / ".history").write_text("not a folder", encoding="utf-8")  # as root, chmod would not stop us
    out = tmp_path / "report.pptx"
    code, stdout, err = _report(tiny, out)
    assert code == 0 and out.stat().st_size > 0
    assert "已写出" in stdout
    assert "发布的数字未能记入历史" in err and "its published numbers could not be recorded" in err
    assert published.read(tiny) == []


def test_demo_data_publishes_nothing(tiny: Path, tmp_path: Path) -> None:
    (tiny / "data" / "meta.json").write_text('{"demo": true}', encoding="utf-8")
    assert _report(tiny, tmp_path / "report.pptx")[0] == 0
    assert not published.path(tiny).exists()


def test_the_history_folder_is_the_import_history() -> None:
    assert published.HISTORY == store.HISTORY


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_overview_shows_the_published_value_beside_a_changed_one(
    tiny: Path, monkeypatch: pytest.MonkeyPatch, fresh_caches: None, lang: str
) -> None:
    dataset = load_dataset(tiny)
    report = build_report(dataset, parse_period("2026-10"), "zh")
    assert report.published is not None
    published.record(dataset, report.published, now=lambda: WRITTEN)
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tiny))

    def captions() -> str:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
        for key, value in {"period": "2026-10", "lang": lang}.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception
        return " ".join(c.value for c in at.caption)

    note = "已发布 57.1%（2026-11-06）" if lang == "zh" else "published 57.1% (6 Nov)"
    assert note not in captions()  # the data as published: nothing to say
    _finish_i03(tiny)
    shown = captions()
    label = t("metric.resolution_rate.label", lang)  # type: ignore[arg-type]
    assert f"{label}{'：' if lang == 'zh' else ': '}{note}" in shown
    satisfaction = t("metric.satisfaction_rate.label", lang)  # type: ignore[arg-type]
    assert satisfaction not in shown  # unchanged (3 of 4): no note


def test_the_download_buttons_record_once_per_report_made(
    tiny: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from dashboard.ui import cache

    dataset = load_dataset(tiny)
    selection = Selection(parse_period("2026-10"), lang="en")
    first = cache.report_bytes(dataset, selection, "pptx")
    assert cache.report_bytes(dataset, selection, "pptx") is first  # served from the cache: recorded once
    [record] = published.read(tiny)
    assert record.published.headline["issue_count"] == 8

    (tiny / ".history").rename(tiny / "history-aside")
    (tiny / ".history").write_text("not a folder", encoding="utf-8")
    with caplog.at_level("WARNING"):
        assert cache.report_bytes(dataset, Selection(parse_period("2026-10"), lang="zh"), "pptx")
    assert "published numbers not recorded" in caplog.text
