"""KoboToolbox submissions read from a real HTTP server on loopback, mapped into notes."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import yaml

from consult.errors import KoboError, WorkspaceError
from consult.notes.kobo import (
    KoboMapping,
    fetch_submissions,
    load_kobo_mapping,
    submissions_to_notes,
    token_from_env,
)
from consult.planning.plan import plan_round, save_plan
from consult.retry import RetryPolicy
from consult.settings import Settings
from consult.store import open_store
from consult.workspace.loading import load_workspace
from tests.conftest import PLANNED_AT, TINY_TRAINING
from tests.held import held_before

FAST = RetryPolicy(attempts=3, backoff=0.0, max_wait=0.05)
ASSET = "aKobo3pTestForm"
TOKEN = "s3cret-token"
FIELDS = {
    "meeting": "group_meta/meeting",
    "organisation": "group_meta/organisation",
    "date": "group_meta/date",
    "kind": "group_obs/kind",
    "theme": "group_obs/theme",
    "severity": "group_obs/severity",
    "text": "group_obs/text",
    "quote": "group_obs/quote",
    "speaker_role": "group_obs/speaker_role",
    "confidentiality": "group_obs/confidentiality",
}


def submission(number: int, **answers: str) -> dict[str, object]:
    uuid = f"0d299cf7-2b02-460e-aba5-3b295170b6{number:02d}"
    return {
        "_id": 1000 + number,
        "_uuid": uuid,
        "_submission_time": "2027-01-27T10:00:00",
        "meta/instanceID": f"uuid:{uuid}",
        "group_meta/meeting": "mia-kickoff",
        "group_meta/organisation": "mia",
        "group_meta/date": "2027-01-27",
        "group_obs/kind": "gap",
        "group_obs/theme": "referral",
        "group_obs/severity": "3",
        "group_obs/text": f"Observation {number}",
        **{f"group_obs/{name}": value for name, value in answers.items()},
    }


PAGES = [
    [submission(1), submission(2)],
    [submission(3), submission(4)],
    [submission(5)],
]


class KoboServer(ThreadingHTTPServer):
    """Serves the form's data as KoboToolbox v2 does, in pages linked by `next`."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), KoboHandler)
        self.failures: dict[int, list[tuple[int, dict[str, str]]]] = {}
        self.requests: dict[int, int] = {}
        self.tokens: list[str | None] = []
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def fail(self, page: int, status: int, times: int, **headers: str) -> None:
        """Answer `page` (1-based) with `status` the next `times` requests."""
        self.failures[page] = [(status, headers)] * times

    def answer(self, page: int, authorization: str | None) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.requests[page] = self.requests.get(page, 0) + 1
            self.tokens.append(authorization)
            pending = self.failures.get(page, [])
            if pending:
                status, headers = pending.pop(0)
                return status, headers, b'{"detail": "try again"}'
        if authorization != f"Token {TOKEN}":
            return 401, {}, b'{"detail": "Invalid token."}'
        start = sum(len(p) for p in PAGES[: page - 1])
        data_url = f"{self.base_url}/api/v2/assets/{ASSET}/data/?format=json"
        body = {
            "count": sum(len(p) for p in PAGES),
            "next": f"{data_url}&start={start + len(PAGES[page - 1])}"
            if page < len(PAGES)
            else None,
            "previous": None if page == 1 else data_url,
            "results": PAGES[page - 1],
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


class KoboHandler(BaseHTTPRequestHandler):
    server: KoboServer

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path != f"/api/v2/assets/{ASSET}/data/" or query.get("format") != ["json"]:
            status, headers, body = 404, {}, b'{"detail": "Not found."}'
        else:
            start = int(query.get("start", ["0"])[0])
            page = 1 + sum(1 for p in range(len(PAGES)) if sum(map(len, PAGES[: p + 1])) <= start)
            status, headers, body = self.server.answer(page, self.headers.get("Authorization"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def kobo(serve_in_thread: Callable[[KoboServer], KoboServer]) -> KoboServer:
    """A real KoboToolbox-like HTTP server on 127.0.0.1, in a thread."""
    return serve_in_thread(KoboServer())


def mapping_at(base_url: str = "http://127.0.0.1:1") -> KoboMapping:
    return KoboMapping(base_url=base_url, asset_uid=ASSET, token_env="KOBO_TOKEN", fields=FIELDS)


def test_every_page_is_read_by_following_next(kobo):
    read = fetch_submissions(mapping_at(kobo.base_url), TOKEN, retry=FAST)

    assert read.problems == []
    assert read.pages == 3
    assert [s["_id"] for s in read.results] == [1001, 1002, 1003, 1004, 1005]


def test_the_token_is_sent_in_the_authorization_header(kobo):
    fetch_submissions(mapping_at(kobo.base_url), TOKEN, retry=FAST)

    assert kobo.tokens == [f"Token {TOKEN}"] * 3


@pytest.mark.parametrize("token", ["", "wrong"])
def test_a_missing_or_wrong_token_is_one_problem_that_names_the_variable(kobo, token):
    read = fetch_submissions(mapping_at(kobo.base_url), token, retry=FAST)

    assert read.results == []
    assert read.pages == 0
    assert read.problems == [
        f"{kobo.base_url}/api/v2/assets/{ASSET}/data/?format=json: answered 401 Unauthorized: "
        "check the token in $KOBO_TOKEN"
    ]
    assert kobo.requests == {1: 1}


def test_a_500_on_page_two_is_retried_and_the_fetch_succeeds(kobo):
    kobo.fail(2, 500, times=2)

    read = fetch_submissions(mapping_at(kobo.base_url), TOKEN, retry=FAST)

    assert read.problems == []
    assert len(read.results) == 5
    assert kobo.requests == {1: 1, 2: 3, 3: 1}


def test_a_persistent_500_on_page_three_keeps_pages_one_and_two(kobo):
    kobo.fail(3, 500, times=10)

    read = fetch_submissions(mapping_at(kobo.base_url), TOKEN, retry=FAST)

    assert [s["_id"] for s in read.results] == [1001, 1002, 1003, 1004]
    assert read.pages == 2
    assert read.problems == [
        f"{kobo.base_url}/api/v2/assets/{ASSET}/data/?format=json&start=4: answered 500 "
        "Internal Server Error after 3 attempts (stopped at page 3; the 2 pages before it kept)"
    ]
    assert kobo.requests[3] == 3


def test_a_429_with_retry_after_zero_is_retried(kobo):
    kobo.fail(1, 429, times=1, **{"Retry-After": "0"})
    patient = RetryPolicy(attempts=2, backoff=5)

    read = fetch_submissions(mapping_at(kobo.base_url), TOKEN, retry=patient)

    assert read.problems == []
    assert read.pages == 3
    assert kobo.requests[1] == 2


def test_a_404_is_not_retried(kobo):
    mapping = mapping_at(kobo.base_url).model_copy(update={"asset_uid": "aNoSuchForm"})

    read = fetch_submissions(mapping, TOKEN, retry=FAST)

    assert read.problems == [
        f"{kobo.base_url}/api/v2/assets/aNoSuchForm/data/?format=json: answered 404 Not Found "
        "(stopped at page 1; none read)"
    ]
    assert kobo.requests == {}


def test_an_unreachable_server_is_a_problem_not_an_exception(kobo):
    mapping = mapping_at(kobo.base_url)
    kobo.shutdown()
    kobo.server_close()

    read = fetch_submissions(mapping, TOKEN, retry=FAST)

    assert read.results == []
    assert "unreachable" in read.problems[0]
    assert "after 3 attempts" in read.problems[0]


def test_group_paths_map_onto_the_notes_fields(kobo):
    read = fetch_submissions(mapping_at(kobo.base_url), TOKEN, retry=FAST)

    items, problems = submissions_to_notes(mapping_at(kobo.base_url), read.results)

    assert problems == []
    assert len(items) == 5
    source, notes = items[0]
    assert source == f"kobo/{ASSET}/0d299cf7-2b02-460e-aba5-3b295170b601"
    assert (notes.meeting, notes.organisation, notes.date.isoformat()) == (
        "mia-kickoff",
        "mia",
        "2027-01-27",
    )
    (observation,) = notes.observations
    assert observation.id == "0d299cf7-2b02-460e-aba5-3b295170b601"
    assert (observation.kind, observation.theme, observation.severity) == ("gap", "referral", 3)
    assert observation.text == "Observation 1"


def test_a_bad_submission_is_reported_with_its_uuid_while_the_others_map():
    mapping = mapping_at()
    results = [submission(1), submission(2, severity="9"), submission(3, kind="rumour")]

    items, problems = submissions_to_notes(mapping, results)

    assert [source.rsplit("/", 1)[1] for source, _ in items] == [
        "0d299cf7-2b02-460e-aba5-3b295170b601"
    ]
    assert problems == [
        f"kobo/{ASSET}/0d299cf7-2b02-460e-aba5-3b295170b602, severity (group_obs/severity): "
        "got '9', expected a severity from 1 (minor) to 4 (critical)",
        f"kobo/{ASSET}/0d299cf7-2b02-460e-aba5-3b295170b603, kind (group_obs/kind): "
        "got 'rumour', expected 'gap', 'need', 'challenge', 'good_practice', "
        "'recommendation', 'commitment' or 'question'",
    ]


def test_a_missing_answer_is_reported_with_its_question():
    mapping = mapping_at()
    unanswered = submission(4)
    del unanswered["group_obs/theme"]

    items, problems = submissions_to_notes(mapping, [unanswered])

    assert items == []
    assert problems == [
        f"kobo/{ASSET}/0d299cf7-2b02-460e-aba5-3b295170b604, theme (group_obs/theme): "
        "missing, expected a theme id of the training"
    ]


def test_html_and_template_text_are_kept_verbatim():
    mapping = mapping_at()
    text = '<script>alert("x")</script> {{ secret }} <b>bold</b> &amp;'

    items, problems = submissions_to_notes(mapping, [submission(1, text=text, quote="<i>q</i>")])

    assert problems == []
    (observation,) = items[0][1].observations
    assert (observation.text, observation.quote) == (text, "<i>q</i>")


def test_the_same_results_mapped_twice_give_identical_keys(kobo):
    read = fetch_submissions(mapping_at(kobo.base_url), TOKEN, retry=FAST)

    first, _ = submissions_to_notes(mapping_at(kobo.base_url), read.results)
    second, _ = submissions_to_notes(mapping_at(kobo.base_url), read.results)

    keys = [f"{source}#{notes.observations[0].id}" for source, notes in first]
    assert keys == [f"{source}#{notes.observations[0].id}" for source, notes in second]
    assert len(set(keys)) == 5


def test_an_edited_submission_keeps_its_key_through_its_root_uuid():
    mapping = mapping_at()
    original = submission(1)
    edited = {
        **submission(1, text="Observation 1, corrected"),
        "_uuid": "4e30afbf-d6cf-4fd7-ac59-77c30ece4b6b",
        "meta/rootUuid": "uuid:0d299cf7-2b02-460e-aba5-3b295170b601",
        "meta/deprecatedID": "uuid:0d299cf7-2b02-460e-aba5-3b295170b601",
    }

    (before,), _ = submissions_to_notes(mapping, [original])
    (after,), _ = submissions_to_notes(mapping, [edited])

    assert before[0] == after[0]
    assert before[1].observations[0].id == after[1].observations[0].id
    assert after[1].observations[0].text == "Observation 1, corrected"


def test_kobo_yaml_loads_into_a_mapping(tmp_path: Path):
    lines = ["base_url: http://127.0.0.1:8000/", f"asset_uid: {ASSET}", "token_env: KOBO_TOKEN"]
    lines += ["fields:", *(f"  {name}: {path}" for name, path in FIELDS.items())]
    (tmp_path / "kobo.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    mapping = load_kobo_mapping(tmp_path)

    assert mapping.base_url == "http://127.0.0.1:8000"
    assert mapping.fields["theme"] == "group_obs/theme"


def test_a_bad_kobo_yaml_names_the_line_field_and_value(tmp_path: Path):
    (tmp_path / "kobo.yaml").write_text(
        "base_url: http://127.0.0.1:8000\n"
        f"asset_uid: {ASSET}\n"
        "token_env: KOBO_TOKEN\n"
        "fields:\n"
        "  meeting: group_meta/meeting\n"
        "  organisation: group_meta/organisation\n"
        "  date: group_meta/date\n"
        "  kind: group_obs/kind\n"
        "  theme: group_obs/theme\n"
        "  severity: group_obs/severity\n"
        "  text: group_obs/text\n"
        "  mood: group_obs/mood\n",
        encoding="utf-8",
    )

    with pytest.raises(WorkspaceError) as caught:
        load_kobo_mapping(tmp_path)

    assert [str(p) for p in caught.value.problems] == [
        "kobo.yaml, line 12, fields.mood: got 'mood', expected 'meeting', 'round', "
        "'organisation', 'date', 'date_reason', 'held', 'others', 'kind', 'theme', "
        "'severity', 'text', 'quote', 'speaker_role', 'confidentiality', 'owner', 'due', "
        "'source', 'language', 'text_ka', 'text_en', 'text_ru', 'speaker_role_ka', "
        "'speaker_role_en' or 'speaker_role_ru'"
    ]


def test_a_token_in_kobo_yaml_is_refused(tmp_path: Path):
    (tmp_path / "kobo.yaml").write_text(
        f"base_url: http://127.0.0.1:8000\nasset_uid: {ASSET}\ntoken_env: KOBO_TOKEN\n"
        f"token: {TOKEN}\nfields: {json.dumps(FIELDS)}\n",
        encoding="utf-8",
    )

    with pytest.raises(WorkspaceError) as caught:
        load_kobo_mapping(tmp_path)

    assert str(caught.value.problems[0]).startswith(
        "kobo.yaml, line 4, token: got 'token', expected one of the known fields: base_url"
    )


def test_an_unset_token_variable_is_a_clear_error():
    mapping = mapping_at()

    with pytest.raises(KoboError, match=r"\$KOBO_TOKEN is not set"):
        token_from_env(mapping, environ={})
    assert token_from_env(mapping, environ={"KOBO_TOKEN": TOKEN}) == TOKEN


@pytest.mark.slow
def test_submissions_are_imported_into_the_round_once_through_the_command(
    kobo: KoboServer, write_workspace: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    training = TINY_TRAINING.replace("        - id: mia\n", "        - id: mia-kickoff\n").replace(
        "  - id: interpreters\n", "  - id: referral\n"
    )
    root = write_workspace(trainings={"winter-2027": training})
    (root / "kobo.yaml").write_text(
        yaml.safe_dump(
            {
                "base_url": kobo.base_url,
                "asset_uid": ASSET,
                "token_env": "KOBO_TOKEN",
                "fields": FIELDS,
            }
        )
    )
    with open_store(Settings(workspace=root).store_url) as store:
        save_plan(
            store,
            plan_round(load_workspace(root), "winter-2027", "round-1", {}, [], now=PLANNED_AT),
            "t",
        )
        # held before the command runs, its notes dated its day
        [held] = held_before(store, "winter-2027", dt.datetime.now(dt.UTC))
    day = held.start.astimezone(ZoneInfo("Asia/Tbilisi")).date().isoformat()
    dated = [[{**answers, "group_meta/date": day} for answers in page] for page in PAGES]
    monkeypatch.setattr(sys.modules[__name__], "PAGES", dated)

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "consult",
                "import-notes",
                "winter-2027",
                "--workspace",
                str(root),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "KOBO_TOKEN": TOKEN},
        )

    first, second = run(), run()
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "5 added, 0 updated, 0 unchanged, 0 rejected"
    assert second.stdout.strip() == "0 added, 0 updated, 5 unchanged, 0 rejected"
    assert TOKEN not in first.stdout + first.stderr


class DeepJsonHandler(BaseHTTPRequestHandler):
    """Answers every request with a page that is a JSON array nested 100,000 deep."""

    def do_GET(self) -> None:
        body = b"[" * 100_000 + b"]" * 100_000
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


def test_a_page_nested_too_deep_to_decode_is_a_problem_not_a_recursion_error(serve_in_thread):
    server = serve_in_thread(ThreadingHTTPServer(("127.0.0.1", 0), DeepJsonHandler))
    base_url = f"http://127.0.0.1:{server.server_address[1]}"

    read = fetch_submissions(mapping_at(base_url), TOKEN, retry=FAST)

    assert read.results == []
    assert read.problems == [
        f"{base_url}/api/v2/assets/{ASSET}/data/?format=json: answered with JSON nested "
        "too deep to read (stopped at page 1; none read)"
    ]


class ElsewhereHandler(BaseHTTPRequestHandler):
    """Answers one page whose `next` leads to another host."""

    def do_GET(self) -> None:
        body = json.dumps(
            {"count": 1, "next": "https://evil.example/steal", "results": [submission(1)]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


def test_a_next_page_on_another_host_is_not_followed_and_the_page_naming_it_is_said(
    serve_in_thread,
):
    server = serve_in_thread(ThreadingHTTPServer(("127.0.0.1", 0), ElsewhereHandler))
    base_url = f"http://127.0.0.1:{server.server_address[1]}"

    read = fetch_submissions(mapping_at(base_url), TOKEN, retry=FAST)

    assert [s["_id"] for s in read.results] == [1001]
    assert read.problems == [
        f"{base_url}/api/v2/assets/{ASSET}/data/?format=json: its next page "
        f"https://evil.example/steal is not on {base_url}, not followed "
        "(the token is sent to base_url only)"
    ]


def test_questions_may_give_an_observations_translations():
    fields = {**FIELDS, "text_ka": "group_obs/text_ka", "speaker_role_ka": "group_obs/role_ka"}
    mapping = KoboMapping(
        base_url="http://127.0.0.1:1", asset_uid=ASSET, token_env="T", fields=fields
    )
    answers = submission(
        1, speaker_role="coordinator", text_ka="დაკვირვება 1", role_ka="კოორდინატორი"
    )

    items, problems = submissions_to_notes(
        mapping, [answers, submission(2, role_ka="კოორდინატორი")]
    )

    assert problems == [
        f"kobo/{ASSET}/0d299cf7-2b02-460e-aba5-3b295170b602, text_ka (group_obs/text_ka): "
        "missing, expected a value (the field is required)"
    ]
    (observation,) = items[0][1].observations
    assert observation.text == "Observation 1"
    assert observation.translations is not None
    georgian = observation.translations["ka"]
    assert (georgian.text, georgian.speaker_role) == ("დაკვირვება 1", "კოორდინატორი")
