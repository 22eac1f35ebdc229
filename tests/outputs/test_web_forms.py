"""Forms that cannot fail (issue #16, item 5), against the real server (``kostra serve``).

Every form of every page type is read from the page itself (its action, its fields and
their values as the page fills them) and sent with each field in turn empty, blank,
partly typed and wrong. Whatever is sent, the answer is an HTML page in bokmål, never raw
JSON: an empty or blank field means "not chosen" and gives the page (a required field
gives the error page), a wrong value gives the error page with one line and a 404 or
422. Only /api/* answers JSON. Every page with figures says DEMODATA (the bundled figures
are partly generated).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from running import kostra_serve


@dataclass
class Form:
    page: str
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)  # name -> the value the page sends
    required: set[str] = field(default_factory=set)
    options: dict[str, list[str]] = field(default_factory=dict)  # a select's choices


class Forms(HTMLParser):
    """The forms of a page, as a browser would send them untouched."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[Form] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = a.get("action") or self.page.split("?")[0]
            self.forms.append(Form(self.page, action, (a.get("method") or "get").lower()))
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            form.fields[name] = a.get("value", "")
            if "required" in a:
                form.required.add(name)
        elif tag == "select" and name:
            self._select = name
            form.options[name] = []
            form.fields.setdefault(name, "")
        elif tag == "option" and self._select:
            value = a.get("value", "")
            form.options[self._select].append(value)
            if "selected" in a or len(form.options[self._select]) == 1:
                form.fields[self._select] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


# One page of every type that has a form, for a large and a small municipality.
PAGES = [
    "/",
    "/rangering",
    "/rangering?sektor=grunnskole&kommune=Utsira",
    "/kommune/3201/pleie-og-omsorg",
    "/kommune/1151/grunnskole",
    "/kommune/3201",
    "/indikator/plo_sykefravaer?highlight=3201",
]
WRONG = ["Atlantis", "9999", "<script>alert(1)</script>", "x" * 200, "2030", "-1", "1.5", "Bærum;DROP"]


@pytest.fixture(scope="module")
def server(template_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("forms") / "kostra.duckdb"
    shutil.copy(template_store, db)
    with kostra_serve(db, "--rate", "1000000") as (base, _):
        yield base


@pytest.fixture(scope="module")
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, follow_redirects=True, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def forms(http: httpx.Client) -> list[Form]:
    found: list[Form] = []
    for page in PAGES:
        response = http.get(page)
        assert response.status_code == 200, page
        parser = Forms(page)
        parser.feed(response.text)
        for form in parser.forms:  # what the reader must type before sending
            form.fields.update({name: "Bærum" for name in form.required if not form.fields[name]})
        found += parser.forms
    return found


def _partial(form: Form, name: str) -> str:
    """What a hurried reader leaves in the field: the start of its value or of a choice."""
    value = form.fields[name] or (form.options.get(name) or ["", "Bærum"])[-1] or "Bærum"
    return value[: max(1, len(value) // 2)] if not value.isdigit() else value[:2]


def _check_page(response: httpx.Response, sent: str) -> None:
    assert response.headers["content-type"].startswith("text/html"), (sent, response.text[:200])
    assert response.status_code in (200, 404, 422), (sent, response.status_code, response.text[:200])
    text = response.text
    assert text.startswith("<!DOCTYPE html>") and '<html lang="nb">' in text, sent
    assert "Traceback" not in text and '{"error"' not in text, sent
    if response.status_code == 200 and response.url.path not in ("/", "/velg"):
        assert '<p class="demodata" role="note"><strong>DEMODATA:</strong>' in text, sent  # generated figures
    if response.status_code != 200:
        message = text.split('class="error-message">')[1].split("</p>")[0]
        assert message and "\n" not in message, sent


def _send(http: httpx.Client, form: Form, values: dict[str, str]) -> httpx.Response:
    assert form.method == "get"
    return http.get(form.action, params=values)


def test_every_page_type_has_its_forms(forms: list[Form]) -> None:
    """The sweep below is only as good as the forms it finds."""
    by_page = {f.page: f for f in forms}
    assert set(by_page["/"].fields) == {"kommune", "sektor"} and by_page["/"].required == {"kommune"}
    assert set(by_page["/rangering"].fields) == {"sektor", "kommune", "year"}
    assert {"group", "compare", "year"} <= set(by_page["/kommune/3201/pleie-og-omsorg"].fields)
    assert len(forms) >= 5


def test_every_field_empty_blank_partial_or_wrong_gives_a_page(http: httpx.Client, forms: list[Form]) -> None:
    sent = 0
    for form in forms:
        for name in form.fields:
            for kind, value in [("empty", ""), ("blank", "   "), ("partial", _partial(form, name))] + [
                ("wrong", w) for w in WRONG
            ]:
                values = {**form.fields, name: value}
                label = f"{form.page} -> {form.action} {name}={value!r} ({kind})"
                response = _send(http, form, values)
                _check_page(response, label)
                if kind in ("empty", "blank") and name not in form.required:
                    assert response.status_code == 200, label  # not chosen: the page, not a refusal
                sent += 1
        # Every field left empty at once: what a cleared form sends.
        cleared = {name: "" for name in form.fields}
        response = _send(http, form, cleared)
        _check_page(response, f"{form.page} -> {form.action} all empty")
        assert (response.status_code == 200) == (not form.required)
    assert sent > 100


def test_the_start_page_default_path(http: httpx.Client) -> None:
    """Type "Bærum", leave "Alle – oversikt", press "Vis": the overview."""
    response = http.get("/velg", params={"kommune": "Bærum", "sektor": ""})
    assert response.status_code == 200 and str(response.url).endswith("/kommune/3201")
    assert response.headers["content-type"].startswith("text/html") and "Pleie og omsorg" in response.text
    assert "DEMODATA" in response.text


def test_the_ranking_without_a_municipality(http: httpx.Client) -> None:
    response = http.get("/rangering", params={"sektor": "totalt", "kommune": "", "year": ""})
    assert response.status_code == 200 and "Rangering 2024: Totalt" in response.text
    assert 'id="forklaring"' not in response.text


@pytest.mark.parametrize(
    ("typed", "lands"),
    [
        ("Bæ", "/kommune/3201"),  # only Bærum begins with "Bæ"
        ("baer", "/kommune/3201"),  # folded as the names are: æ -> ae
        ("  Utsi ", "/kommune/1151"),
        ("0219", "/kommune/3201"),  # Bærum's number before 2020 and 2024
    ],
)
def test_the_start_of_a_name_is_enough_when_only_one_begins_so(
    http: httpx.Client, typed: str, lands: str
) -> None:
    response = http.get("/velg", params={"kommune": typed, "sektor": ""})
    assert response.status_code == 200 and response.url.path == lands


def test_a_start_several_share_lists_them(http: httpx.Client) -> None:
    """Asker, Askvoll and Askøy begin with "Ask": the start page lists them as links,
    keeping the service area chosen."""
    response = http.get("/velg", params={"kommune": "Ask", "sektor": "grunnskole"})
    assert response.status_code == 200 and response.url.path == "/velg"
    listed = response.text.split('class="candidates"')[1].split("</section>")[0]
    assert listed.count("<li>") == 3
    for code, name in (("3203", "Asker"), ("4645", "Askvoll"), ("4627", "Askøy")):
        assert f'<a href="/velg?kommune={code}&amp;sektor=grunnskole">{name}</a>' in listed
    assert '<option value="grunnskole" selected>' in response.text
    chosen = http.get("/velg", params={"kommune": "4627", "sektor": "grunnskole"})
    assert chosen.url.path == "/kommune/4627/grunnskole"
    # Elsewhere a shared start is refused naming them, with the status of a name not found.
    compared = http.get("/kommune/3201/grunnskole", params={"compare": "Ask"})
    assert compared.status_code == 404
    assert "flere kommuner begynner med «Ask»: Asker, Askvoll, Askøy" in compared.text


def test_a_peer_typed_in_part_is_compared_by_its_name(http: httpx.Client) -> None:
    response = http.get("/kommune/3201/grunnskole", params={"compare": "Oslo,Askø", "group": "", "year": ""})
    assert response.status_code == 200
    assert '<option value="4627" selected>' in response.text
    assert '<option value="0301" selected>' in response.text


def test_the_ranking_explains_a_municipality_typed_in_part(http: httpx.Client) -> None:
    response = http.get("/rangering", params={"sektor": "grunnskole", "kommune": "Bæ", "year": ""})
    assert response.status_code == 200 and "Bærum: plass" in response.text
    assert 'name="kommune" value="Bærum"' in response.text  # the name found, not the start typed
