"""The PxWebApi v2 client's pure parts: limits, selections, the planner, retries, the bucket."""

from __future__ import annotations

import httpx
import pytest

from kostra.errors import SourceError, SourceUnreachable
from kostra.sources.jsonstat import read_jsonstat
from kostra.sources.pxweb import ApiLimits, PxWebClient, RetryPolicy, Selection, plan_selections
from kostra.sources.ratelimit import TokenBucket

METADATA = {
    "version": "2.0",
    "class": "dataset",
    "id": ["KOKkommuneregion0000", "ContentsCode", "Tid"],
    "size": [4, 2, 3],
    "role": {"geo": ["KOKkommuneregion0000"], "metric": ["ContentsCode"], "time": ["Tid"]},
    "dimension": {
        "KOKkommuneregion0000": {
            "category": {"index": {"0301": 0, "3201": 1, "3203": 2, "EAK": 3}},
            "extension": {"elimination": False},
        },
        "ContentsCode": {"category": {"index": {"A": 0, "B": 1}}, "extension": {"elimination": False}},
        "Tid": {
            "category": {"index": {"2022": 0, "2023": 1, "2024": 2}},
            "extension": {"elimination": False},
        },
    },
}


def _meta():  # type: ignore[no-untyped-def]
    return read_jsonstat(METADATA, with_values=False)


def test_limits_from_ssb_config_keep_defaults_for_zero() -> None:
    # SSB's /config (2026) reports 0 for the rate limit and announces it in headers instead.
    limits = ApiLimits.from_config({"maxDataCells": 800000, "maxCallsPerTimeWindow": 0, "timeWindow": 0})
    assert limits == ApiLimits(800_000, 30, 60.0)
    assert ApiLimits.from_config(
        {"maxDataCells": 150000, "maxCallsPerTimeWindow": 30, "timeWindow": 10}
    ) == ApiLimits(150_000, 30, 10.0)


def test_selection_body_and_cells() -> None:
    selection = Selection(
        "12134", (("KOKkommuneregion0000", ("0301", "3201")), ("ContentsCode", ("A",)), ("Tid", ("2024",)))
    )
    assert selection.cells == 2
    assert selection.body() == {
        "selection": [
            {"variableCode": "KOKkommuneregion0000", "valueCodes": ["0301", "3201"]},
            {"variableCode": "ContentsCode", "valueCodes": ["A"]},
            {"variableCode": "Tid", "valueCodes": ["2024"]},
        ]
    }
    assert selection.key() == Selection(selection.table, selection.dimensions).key()


def test_plan_fits_everything_in_one_request_when_it_can() -> None:
    wanted = {"KOKkommuneregion0000": ["0301", "3201"], "ContentsCode": ["A", "B"], "Tid": ["2024"]}
    plans = plan_selections("12134", _meta(), wanted, 800_000)
    assert len(plans) == 1 and plans[0].cells == 4


def test_plan_splits_regions_first_and_covers_every_cell() -> None:
    wanted = {
        "KOKkommuneregion0000": ["0301", "3201", "3203", "EAK"],
        "ContentsCode": ["A", "B"],
        "Tid": ["2022", "2023", "2024"],
    }
    plans = plan_selections("12134", _meta(), wanted, max_cells=12)
    assert all(p.cells <= 12 for p in plans)
    assert len(plans) == 2
    assert [dict(p.dimensions)["KOKkommuneregion0000"] for p in plans] == [("0301", "3201"), ("3203", "EAK")]
    covered = {
        (r, c, t)
        for p in plans
        for r in dict(p.dimensions)["KOKkommuneregion0000"]
        for c in dict(p.dimensions)["ContentsCode"]
        for t in dict(p.dimensions)["Tid"]
    }
    assert len(covered) == 24


def test_plan_cuts_further_when_one_region_is_too_big() -> None:
    wanted = {
        "KOKkommuneregion0000": ["0301", "3201"],
        "ContentsCode": ["A", "B"],
        "Tid": ["2022", "2023", "2024"],
    }
    plans = plan_selections("12134", _meta(), wanted, max_cells=2)
    assert all(p.cells <= 2 for p in plans)
    assert sum(p.cells for p in plans) == 12


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        ({"ContentsCode": ["A"], "Tid": ["2024"]}, "KOKkommuneregion0000 må være med i uttrekket"),
        (
            {"KOKkommuneregion0000": ["9999"], "ContentsCode": ["A"], "Tid": ["2024"]},
            "har ingen verdi '9999'",
        ),
        (
            {"KOKkommuneregion0000": ["0301"], "ContentsCode": ["A"], "Tid": ["2024"], "X": ["1"]},
            "har ingen dimensjon 'X'",
        ),
    ],
)
def test_plan_validates_against_metadata(wanted: dict[str, list[str]], message: str) -> None:
    with pytest.raises(SourceError, match=message):
        plan_selections("12134", _meta(), wanted, 100)


def test_retry_policy_prefers_retry_after_and_caps_backoff() -> None:
    policy = RetryPolicy(attempts=5, backoff_seconds=1.0, max_wait_seconds=10.0)
    assert policy.wait(0, None) == 1.0
    assert policy.wait(3, None) == 8.0
    assert policy.wait(6, None) == 10.0
    assert policy.wait(0, 7.0) == 7.0


def test_token_bucket_waits_when_the_window_is_used_up() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(3, 60.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        assert bucket.acquire() == 0.0
    assert bucket.acquire() == pytest.approx(20.0)  # one token every 60/3 seconds
    now[0] += 40.0
    assert bucket.acquire() == 0.0
    assert bucket.acquire() == 0.0
    assert slept == [pytest.approx(20.0)]


def test_client_over_mock_transport_refuses_4xx_without_retrying() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(
            400, json={"type": "Parameter error", "title": "Non-existent value", "status": 400}
        )

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        client = PxWebClient(http, "http://ssb.test", sleep=lambda s: None)
        with pytest.raises(SourceError, match="HTTP 400 Non-existent value"):
            client.fetch_metadata("12134")
    assert len(calls) == 1


def test_client_reports_an_unreachable_ssb_in_one_line() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        client = PxWebClient(http, "http://ssb.test", sleep=lambda s: None)
        with pytest.raises(SourceUnreachable, match=r"SSB kan ikke nås på http://ssb\.test") as info:
            client.fetch_config()
    assert "\n" not in str(info.value)
