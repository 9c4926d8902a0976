"""Consultation notes from a KoboToolbox form: one submission is one observation.

`kobo.yaml` in the workspace says where the form is (`base_url`, `asset_uid`), which
environment variable holds the API token (`token_env`; the token itself is never
written in a file) and which question of the form fills which field of the notes.

`fetch_submissions` reads every page of the form's data API and never raises for a
bad answer: its `KoboRead` keeps the submissions of the pages read and says why the
rest could not be. It retries transient faults only (5xx, 429, dropped connections).
`submissions_to_notes` is the pure part: submissions in, `MeetingNotes` under stable
source keys out, and one problem per submission that does not fit. Text is data:
HTML or `{{ template }}` in an answer is kept as written.
"""

from __future__ import annotations

import http.client
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
import urllib3
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from consult.errors import KoboError, WorkspaceError
from consult.http_body import ACCEPT_ENCODING, Deadline, read_body, session_cut_at
from consult.notes.meetings import HINTS, MEETING_FIELDS, REQUIRED_FIELDS, NoteField
from consult.notes.translated import TranslationField, flat_key, fold
from consult.retry import DEFAULT_RETRY, Failure, RetryPolicy, Transient, retry_after, with_retries
from consult.workspace.problems import problems_from_validation
from consult.workspace.yamlfile import Loc, path_of, read_yaml
from schemas.notes import MeetingNotes

KOBO_FILE = "kobo.yaml"

MAX_PAGE_BYTES = 20_000_000
"""The most bytes of one page of submissions consult reads, counted after decompression."""

MAX_SUBMISSIONS = 10_000
"""The most submissions consult reads of one form: a consultation's notes are hundreds."""

DEADLINE = 60.0
"""Seconds one page's download may take in all, from its first request, retries included."""

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ROOT_UUID = "meta/rootUuid"


KoboField = Literal[NoteField, TranslationField]
"""A field of the notes a question may fill: the meeting's, the observation's, a translation."""


class KoboMapping(BaseModel):
    """Where a KoboToolbox form is, and which of its questions fills which field of the notes."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    base_url: str = Field(description="The server, e.g. https://kf.kobotoolbox.org.")
    asset_uid: str = Field(pattern=r"^[A-Za-z0-9]+$", description="The form's uid.")
    token_env: str = Field(description="The NAME of the environment variable holding the token.")
    fields: dict[KoboField, str] = Field(
        description="Field of the notes -> the question's path, e.g. theme: group_obs/theme; "
        "an observation's translations as text_ka, speaker_role_ru..."
    )

    @field_validator("base_url")
    @classmethod
    def _is_http(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("an http(s) URL such as 'https://kf.kobotoolbox.org'")
        return value.rstrip("/")

    @field_validator("token_env")
    @classmethod
    def _is_env_name(cls, value: str) -> str:
        if not _ENV_NAME.match(value):
            raise ValueError("the name of an environment variable such as 'KOBO_TOKEN'")
        return value

    @field_validator("fields")
    @classmethod
    def _maps_required(cls, value: dict[KoboField, str]) -> dict[KoboField, str]:
        missing = [name for name in REQUIRED_FIELDS if name not in value]
        if missing:
            raise ValueError(f"a question for each of {', '.join(missing)}")
        empty = [name for name, path in value.items() if not path]
        if empty:
            raise ValueError(f"a question path for {', '.join(empty)}")
        return value

    def data_url(self) -> str:
        """Return the URL of the first page of the form's submissions."""
        return f"{self.base_url}/api/v2/assets/{self.asset_uid}/data/?format=json"


@dataclass
class KoboRead:
    """The submissions read from a form, the problems met, and how many pages were read."""

    results: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pages: int = 0


def load_kobo_mapping(root: Path) -> KoboMapping:
    """Return the mapping in the workspace's kobo.yaml, or raise a WorkspaceError listing faults."""
    data, lines, problems = read_yaml(Path(root) / KOBO_FILE, KOBO_FILE)
    if data is None or problems:
        raise WorkspaceError(problems)

    def locate(loc: Loc) -> tuple[int | None, str]:
        return lines.of(loc), path_of(loc)

    try:
        return KoboMapping.model_validate(data)
    except ValidationError as error:
        raise WorkspaceError(
            problems_from_validation(error, KoboMapping, KOBO_FILE, locate)
        ) from None


def token_from_env(mapping: KoboMapping, environ: Mapping[str, str] | None = None) -> str:
    """Return the API token held by the variable `mapping.token_env`, or raise a KoboError."""
    token = (os.environ if environ is None else environ).get(mapping.token_env, "").strip()
    if not token:
        raise KoboError(
            f"{KOBO_FILE}, token_env: ${mapping.token_env} is not set, expected the "
            "KoboToolbox API token in it"
        )
    return token


def fetch_submissions(
    mapping: KoboMapping,
    token: str,
    *,
    session: requests.Session | None = None,
    timeout: float = 10.0,
    retry: RetryPolicy = DEFAULT_RETRY,
) -> KoboRead:
    """Return the submissions of every page of the form, following `next`, and what went wrong.

    A page that cannot be had ends the fetch; the pages read before it are kept.
    """
    read = KoboRead()
    headers = {
        "Authorization": f"Token {token}",
        "Accept": "application/json",
        "Accept-Encoding": ACCEPT_ENCODING,
    }
    origin = _origin(mapping.base_url)
    url: str | None = mapping.data_url()
    seen: set[str] = set()
    while url is not None:
        seen.add(url)
        try:
            results, following = _contents(_page(session, url, headers, timeout, retry))
            if len(read.results) + len(results) > MAX_SUBMISSIONS:
                raise Failure(
                    f"answered {len(read.results) + len(results):,} submissions in all, "
                    f"more than the {MAX_SUBMISSIONS:,} consult reads of one form"
                )
        except Failure as failure:
            read.problems.append(_stopped(url, failure, mapping, read.pages))
            break
        read.pages += 1
        read.results += results
        if following is not None and _origin(following) != origin:
            read.problems.append(
                f"{url}: its next page {following} is not on {mapping.base_url}, not "
                "followed (the token is sent to base_url only)"
            )
            following = None
        elif following in seen:
            read.problems.append(f"{url}: its next page {following} was read already, not followed")
            following = None
        url = following
    return read


def submissions_to_notes(
    mapping: KoboMapping, results: Sequence[Mapping[str, Any]]
) -> tuple[list[tuple[str, MeetingNotes]], list[str]]:
    """Return each valid submission as notes under `kobo/<asset_uid>/<uuid>`, and the problems.

    The uuid is the submission's `meta/rootUuid`, which stays the same when the
    submission is edited, or else its `_uuid`.
    """
    items: list[tuple[str, MeetingNotes]] = []
    problems: list[str] = []
    for index, submission in enumerate(results):
        uuid = _uuid(submission)
        if uuid is None:
            where = f"kobo/{mapping.asset_uid}, submission {submission.get('_id', index + 1)}"
            problems.append(f"{where}: missing _uuid, expected the submission's uuid")
            continue
        source = f"kobo/{mapping.asset_uid}/{uuid}"
        notes, found = _notes(mapping, submission, uuid, source)
        problems += found
        if notes is not None:
            items.append((source, notes))
    return items, problems


def _notes(
    mapping: KoboMapping, submission: Mapping[str, Any], uuid: str, source: str
) -> tuple[MeetingNotes | None, list[str]]:
    meeting: dict[str, Any] = {}
    observation: dict[str, Any] = {"id": uuid}
    for name, path in mapping.fields.items():
        value = submission.get(path)
        if value is not None and value != "":
            (meeting if name in MEETING_FIELDS else observation)[name] = value

    paths = {str(name): path for name, path in mapping.fields.items()}

    def locate(loc: Loc) -> tuple[int | None, str]:
        name = (flat_key(loc[2:]) or str(loc[-1])) if loc else ""
        if name == "id":
            return None, "_uuid"
        path = paths.get(name)
        return None, f"{name} ({path})" if path else name

    try:
        observations = [fold(observation)]
        return MeetingNotes.model_validate({**meeting, "observations": observations}), []
    except ValidationError as error:
        found = problems_from_validation(error, MeetingNotes, source, locate, HINTS)
        return None, [str(problem) for problem in found]


def _uuid(submission: Mapping[str, Any]) -> str | None:
    for key in (_ROOT_UUID, "_uuid"):
        value = submission.get(key)
        if isinstance(value, str) and value.strip():
            # meta/rootUuid carries a prefix ('uuid:' or a custom 'org.example:'); _uuid none
            return value.strip().rpartition(":")[2]
    return None


class _Unauthorized(Failure):
    """The server refused the token."""


def _page(
    session: requests.Session | None,
    url: str,
    headers: dict[str, str],
    timeout: float,
    retry: RetryPolicy,
) -> Any:
    deadline = Deadline.starting_now(DEADLINE)
    if session is not None:
        return with_retries(lambda: _get(session, url, headers, timeout, deadline), retry)
    with session_cut_at(deadline) as http:
        return with_retries(lambda: _get(http, url, headers, timeout, deadline), retry)


def _get(
    session: requests.Session,
    url: str,
    headers: dict[str, str],
    timeout: float,
    deadline: Deadline,
) -> Any:
    deadline.check()
    try:
        with session.get(url, headers=headers, timeout=timeout, stream=True) as response:
            status = response.status_code
            if status == 429 or status >= 500:
                raise Transient(f"answered {status} {response.reason}", retry_after(response))
            if status in (401, 403):
                raise _Unauthorized(f"answered {status} {response.reason}")
            if not 200 <= status < 300:
                raise Failure(f"answered {status} {response.reason}")
            body = read_body(response, MAX_PAGE_BYTES, deadline)
    except requests.Timeout:
        raise Failure(f"gave no answer within {timeout:g} s") from None
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
        deadline.check()  # the deadline may be what cut the connection
        raise Transient("unreachable (connection refused or dropped)") from None
    except requests.RequestException as exc:
        raise Failure(f"cannot be fetched ({exc})") from exc
    # What requests leaves unwrapped while streaming the body (see planning.feeds).
    except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError):
        deadline.check()
        raise Transient("unreachable (connection dropped while reading)") from None
    try:
        return json.loads(body)
    except ValueError:
        raise Failure("answered with something that is not JSON") from None
    except RecursionError:
        # the json module decodes nested arrays and objects recursively
        raise Failure("answered with JSON nested too deep to read") from None


def _contents(page: Any) -> tuple[list[dict[str, Any]], str | None]:
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        raise Failure(f"answered {_show(page)}, expected a page with a list of results")
    results = page["results"]
    if not all(isinstance(result, dict) for result in results):
        raise Failure("answered results that are not all submissions (JSON objects)")
    following = page.get("next")
    if following is not None and not isinstance(following, str):
        raise Failure(f"answered next: {_show(following)}, expected a URL or null")
    return results, following or None


def _stopped(url: str, failure: Failure, mapping: KoboMapping, pages: int) -> str:
    if isinstance(failure, _Unauthorized):
        return f"{url}: {failure}: check the token in ${mapping.token_env}"
    kept = f"the {pages} page{'s' if pages != 1 else ''} before it kept" if pages else "none read"
    return f"{url}: {failure} (stopped at page {pages + 1}; {kept})"


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
