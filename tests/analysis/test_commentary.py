"""The generated bokmål commentary: wording rules, and the facts of the published report."""

from __future__ import annotations

import pytest

from kostra.analysis.commentary import (
    change_phrase,
    describe_difference,
    group_words,
    position_sentence,
)


@pytest.mark.parametrize(
    ("percent", "text"),
    [
        (-6.43, "drøyt 6 prosent under"),
        (14.13, "14 prosent over"),
        (-6.56, "nesten 7 prosent under"),
        (34.69, "nesten 35 prosent over"),
        (0.3, "på nivå med"),
        (-0.49, "på nivå med"),
    ],
)
def test_describe_difference(percent: float, text: str) -> None:
    assert describe_difference(percent) == text


def test_groups_are_named_as_reports_name_them() -> None:
    assert group_words("asss", "ASSS").average == "ASSS-snittet"
    assert group_words("asss", "ASSS").within == "i ASSS-nettverket"
    assert group_words("landet", "Landet").average == "landsgjennomsnittet"
    assert group_words("kostragruppe-12", "KOSTRA-gruppe 12").average == "snittet for KOSTRA-gruppe 12"


def test_position_uses_the_figures_as_shown() -> None:
    words = group_words("asss", "ASSS")
    # 2,1 against an unrounded average of 1,7049: the table shows 2,1 and 1,7 -> 24 prosent
    assert (
        position_sentence("Bærum", 2.1, 1.7049, 1, words)
        == "Bærum ligger nesten 24 prosent over ASSS-snittet."
    )
    assert position_sentence("Bærum", float("nan"), 1.7, 1, words) is None


def test_change_in_points_for_shares_and_percent_for_amounts() -> None:
    assert change_phrase(93.0, 92.8, "prosent", 1, 2023) == "en økning på 0,2 prosentpoeng fra 2023"
    assert change_phrase(1552889, 1510094, "kroner", 0, 2023) == "en økning på 2,8 prosent fra 2023"
    assert change_phrase(0.37, 0.37, "prosent", 2, 2023) == "uendret fra 2023"
    assert change_phrase(1.0, float("nan"), "kroner", 0, 2023) is None


def test_baerum_2024_commentary_states_the_published_facts(session) -> None:
    analysis = session.analyse("Bærum", "pleie-og-omsorg", 2024)
    text = {k: " ".join(v) for k, v in analysis.comments.items()}
    assert "6 prosent under ASSS-snittet" in text["plo_inst_brutto_per_plass"]
    assert "14 prosent over ASSS-snittet" in text["plo_hjemmetj_netto_per_innb_0_66"]
    assert "7 prosent under ASSS-snittet" in text["plo_hjemmetj_netto_per_mottaker_0_66"]
    assert "24 prosent over ASSS-snittet" in text["plo_hjemmetj_andel_0_66"]
    assert "nesten 35 prosent over ASSS-snittet" in text["ttu_utgifter_per_utviklingshemmet"]
    assert "Det er høyest i ASSS-nettverket." in text["ttu_utgifter_per_utviklingshemmet"]
    assert "Asker har" in text["plo_inst_brutto_per_plass"]
    # KS' published resource use indicator, 1,076, is what the summary reports
    assert any("7,6 prosent mer ressurser på pleie og omsorg" in s for s in analysis.summary)
    assert analysis.demodata and analysis.summary[-1].startswith("NB:")


def test_a_municipality_outside_the_group_is_still_described(session) -> None:
    analysis = session.analyse("Lier", "barnehage", 2024, peers=())
    assert analysis.municipality.code not in session.members("asss", 2024)
    first = next(iter(analysis.comments.values()))
    assert first[0].startswith("Lier hadde")
    assert any("ASSS-snittet" in s for s in first)
    assert analysis.resource_use is not None
    row = analysis.resource_use.set_index("region_code").loc[analysis.municipality.code]
    assert not row["member"] and row["indicator"] > 0


def test_series_span_and_base_year(session) -> None:
    analysis = session.analyse(
        "Bærum", "barnehage", 2024, fixed_prices=True, base_year=2022, first_year=2021, peers=("Oslo",)
    )
    assert analysis.years == [2021, 2022, 2023, 2024] and analysis.base_year == 2022
    assert set(analysis.series["series"]) == {"Bærum", "Oslo", "ASSS"}
    kroner = analysis.series[analysis.series["indicator_id"] == "bhg_netto_per_innb_1_5"]
    raw = session.observations(["bhg_netto_per_innb_1_5"], [2024]).set_index("region_code")
    own_2024 = kroner[(kroner["series"] == "Bærum") & (kroner["year"] == 2024)]["value"].iloc[0]
    assert own_2024 == pytest.approx(raw.loc["3201", "value"] / (1.043 * 1.043))
    assert any("faste 2022-kroner" in s for s in analysis.summary)
