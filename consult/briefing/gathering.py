"""What the pack rests on: the gap analysis of a training from what the store holds.

The only I/O of the analysis: meetings, attendees, attendance, observations and the
checks of the record (whose accepted corrections replace what they correct) are read
here, then `consult.briefing.analysis.analyse` works on the values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping

from consult.briefing.analysis import ANONYMITY_K, Analysis, analyse
from consult.briefing.records import corrected_observations, record_statuses
from consult.errors import BriefingError
from consult.store import Store
from consult.workspace.loading import Workspace

FORMER_SOURCES = re.compile(r"^desk/")
"""The source the desk's notes form kept before it shared the Prefect UI form's `form/`."""


def gather(
    workspace: Workspace,
    store: Store,
    slug: str,
    now: dt.datetime,
    *,
    anonymity_k: int = ANONYMITY_K,
) -> Analysis:
    """Return the gap analysis of the training `slug` from what the store holds.

    `anonymity_k` is the k of the anonymity rule (`consult.briefing.anonymity`).
    """
    training = workspace.training(slug)
    meetings = store.meetings(slug)
    attendees = {meeting.id: store.attendees(meeting.id) for meeting in meetings}
    attendance = {meeting.id: _attendance(store, meeting.id) for meeting in meetings}
    observations = store.observations(training=slug)
    known = {organisation.id for organisation in workspace.stakeholders.organisations}
    for observation in observations:
        if observation.organisation not in known:
            raise BriefingError(
                f"observation #{observation.id} ({observation.key}) is from organisation "
                f"{observation.organisation!r}, which stakeholders.yaml no longer lists: "
                "put it back, or the pack cannot say what kind of organisation said it"
            )
    # the corrections the coordinator accepted after the check of the record
    checks = store.record_checks(training=slug)
    observations, corrected = corrected_observations(observations, checks)
    analysis = analyse(
        training,
        slug,
        workspace.stakeholders.organisations,
        meetings,
        observations,
        attendees,
        attendance,
        now,
        anonymity_k=anonymity_k,
    )
    return dataclasses.replace(
        analysis, corrected=corrected, checked=record_statuses(meetings, checks)
    )


def _attendance(store: Store, meeting_id: str) -> list[Mapping[str, str]]:
    """Return who came to the meeting: the latest list from each source of notes, together.

    Those a source counts without naming them (`others`) are each a person of no
    name and no role. The desk's form once saved under `desk/`, now under `form/`
    as the Prefect UI's does: both are the one source of the meeting's forms.
    """
    latest: dict[str, list[Mapping[str, str]]] = {}
    for event in store.audit_log(meeting_id):
        if event.action == "notes.attendance":
            source = str(event.detail.get("source", ""))
            people = list(event.detail.get("attendance", []))
            people += [{}] * int(event.detail.get("others", 0))
            latest[FORMER_SOURCES.sub("form/", source)] = people
    return [person for people in latest.values() for person in people]
