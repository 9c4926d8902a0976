"""The desk's addresses are written once, in desk/routes.py: templates and flows link by name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from jinja2 import nodes

from consult.settings import Settings
from desk.routes import ROUTES, Endpoint, url_path
from flows.desk_links import on_the_desk, pack_file_url, training_url

TEMPLATES = sorted((Path(__file__).resolve().parents[2] / "desk" / "templates").glob("*.j2"))
PARAMETERS = {route.name: set(route.param_convertors) for route in ROUTES}


def links(template: Path) -> list[tuple[str, set[str]]]:
    """Return each `url_for(name, ...)` of a template: the route's name and the parameters given."""
    tree = jinja2.Environment().parse(template.read_text(encoding="utf-8"))
    return [
        (call.args[0].value, {keyword.key for keyword in call.kwargs})
        for call in tree.find_all(nodes.Call)
        if isinstance(call.node, nodes.Name) and call.node.name == "url_for"
        if isinstance(call.args[0], nodes.Const)
    ]


def test_every_route_has_a_name_of_its_own() -> None:
    names = [route.name for route in ROUTES]
    assert all(names)
    assert len(set(names)) == len(names)


def test_every_endpoint_the_routes_name_is_a_function_of_desk_endpoints() -> None:
    endpoints = [r.endpoint for r in ROUTES if isinstance(getattr(r, "endpoint", None), Endpoint)]
    assert len(endpoints) == len(ROUTES) - 1  # all but the static files
    for endpoint in endpoints:
        assert callable(endpoint.function()), endpoint.name


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_every_url_for_of_a_template_names_a_route_with_its_parameters(template: Path) -> None:
    for name, given in links(template):
        assert name in PARAMETERS, f"{template.name}: url_for({name!r}) names no route"
        assert given == PARAMETERS[name], f"{template.name}: url_for({name!r}, {sorted(given)})"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_no_template_writes_an_address_of_the_desk(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    for written in ('href="/', 'action="/', 'src="/'):
        assert written not in text, f"{template.name} writes {written}...: use url_for"


def test_every_route_is_linked_from_a_template() -> None:
    named = {name for template in TEMPLATES for name, _ in links(template)}
    assert named == set(PARAMETERS)


def test_a_link_puts_each_value_in_one_path_segment() -> None:
    contact = url_path("registry_contact", org="a b", email="l.g@example.ge")
    assert contact == "/registry/organisations/a%20b/contacts/l.g%40example.ge"
    assert (
        url_path("pack_file", slug="t", version=2, name="a/b.pdf")
        == "/trainings/t/packs/2/a%2Fb.pdf"
    )


def test_the_flows_link_to_the_desk_by_the_route_names(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path, desk_url="http://desk.example:4280/")
    assert training_url(settings, "winter-2027") == "http://desk.example:4280/trainings/winter-2027"
    assert pack_file_url(settings, "winter-2027", 1, "briefing en.pdf") == (
        "http://desk.example:4280/trainings/winter-2027/packs/1/briefing%20en.pdf"
    )
    assert on_the_desk(settings, "winter-2027", decide=True) == (
        "On the desk: [winter-2027](http://desk.example:4280/trainings/winter-2027)"
        " · [decisions waiting](http://desk.example:4280/decisions)"
    )


def test_the_routes_import_no_endpoint_so_a_flow_linking_to_the_desk_stays_light() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, flows.desk_links; "
            "print(*sorted(m for m in sys.modules if m.startswith(('desk.', 'consult.planning'))))",
        ],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert loaded.stdout.split() == ["desk.routes"]
