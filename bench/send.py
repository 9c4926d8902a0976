"""Benchmark: 1,000 invitations through send-invitations, against raw smtplib from the same run.

Builds a workspace of 100 confirmed meetings with 10 attendees each, starts a
real SMTP server (aiosmtpd) on 127.0.0.1, then measures:
- baseline: the same 1,000 messages, built beforehand, sent with raw smtplib
  over one connection;
- core: `consult.mail.invitations.send_round` (render + calendar + MIME + ledger +
  SMTP), without Prefect;
- flow: the `send-invitations` Prefect flow, on a temporary Prefect server (its own
  SQLite file, given up to SERVER_STARTUP seconds to start) already warm;
- the flow again on the same round, which finds every message sent: the
  fixed cost under any flow run (Prefect, the workspace, the ledger's claims).
Prints each time and its ratio to the baseline, and the process's CPU seconds
and their ratio to the baseline's. Before the core and the flow runs consult's
in-process caches are emptied (`cold`), so neither profits from the messages
built for the baseline or the warm-up. `--quick`: 5 meetings x 4 attendees.
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

if not __package__:
    # Run by its path (python bench/send.py): the project root on the path, as with -m.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._args import options
from consult.mail.invitations import round_messages, send_round
from consult.mail.mailing import round_mailing
from consult.mail.mime import message_bytes
from consult.mail.preview import CONFIRMED
from consult.mail.sender import choose_sender
from consult.mail.transports import envelope
from consult.mail.transports.smtp import SmtpTransport
from consult.settings import Settings
from consult.store import Proposal, open_store
from consult.workspace.loading import load_workspace
from schemas.state import Attendee
from tests.mailserver import Mailbox, running

FULL, QUICK = (100, 10), (5, 4)
"""(meetings, attendees per meeting): the benchmark's round, and --quick's."""
SERVER_STARTUP = 120
"""Seconds the temporary Prefect server may take to start (Prefect's default, 20, is too
few on a loaded machine)."""
SLUG, ROUND = "bench", "round-1"
START = dt.datetime(2027, 3, 1, 6, tzinfo=dt.UTC)


def write_workspace(root: Path, meetings: int, attendees: int) -> None:
    """Write a valid workspace of `meetings` organisations of `attendees` contacts each."""
    (root / "trainings").mkdir(parents=True)
    organisations = [
        {
            "id": f"org-{m}",
            "kind": "ngo" if m else "participant_group",
            "country": "GE",
            "name": {"en": f"Organisation {m}", "ka": f"ორგანიზაცია {m}"},
            "contacts": [
                {
                    "name": f"ნინო {m}-{a}",
                    "email": f"c{m}-{a}@example.org",
                    "role": "Officer",
                    "language": ("ka", "en", "ru")[a % 3],
                    "timezone": ("Asia/Tbilisi", "Europe/Bucharest")[a % 2],
                }
                for a in range(attendees)
            ],
        }
        for m in range(meetings)
    ]
    # SMTP refuses a sender at a domain for examples; this one stays on 127.0.0.1.
    sender = {"name": "Consultations", "email": "consultations@consult-mail.net"}
    stakeholders = {"sender": sender, "organisations": organisations}
    (root / "stakeholders.yaml").write_text(yaml.safe_dump(stakeholders))
    training = {
        "title": {"en": "Benchmark training"},
        "start": dt.date(2027, 4, 5),
        "end": dt.date(2027, 4, 7),
        "timezone": "Asia/Tbilisi",
        "venue": {"name": "Hotel", "address": "1 Road", "city": "Kachreti", "country": "GE"},
        "participants": {"organisation": "org-0", "count": 16},
        "experts": [
            {
                "id": "ana",
                "name": "Ana",
                "email": "ana@example.org",
                "role": "Expert",
                "language": "en",
                "timezone": "Europe/Bucharest",
            }
        ],
        "themes": [{"id": "bias", "label": {"en": "Bias"}}],
        "consultation": {
            "facilitators": [
                {
                    "id": "lela",
                    "name": "Lela",
                    "email": "lela@example.org",
                    "timezone": "Asia/Tbilisi",
                    "country": "GE",
                }
            ],
            "rounds": [
                {
                    "id": ROUND,
                    "earliest": dt.date(2027, 3, 1),
                    "latest": dt.date(2027, 3, 31),
                    "meetings": [
                        {
                            "id": f"m-{m}",
                            "organisation": f"org-{m}",
                            "format": "online",
                            "duration_minutes": 60,
                            "facilitators": ["lela"],
                            "location": "https://meet.example.org/x",
                        }
                        for m in range(meetings)
                    ],
                }
            ],
        },
        "briefing": {"due": dt.date(2027, 3, 29)},
    }
    (root / "trainings" / f"{SLUG}.yaml").write_text(yaml.safe_dump(training))


def confirm_rounds(settings: Settings) -> list[str]:
    """Store every round's meetings as confirmed and approved, its first send confirmed
    (the flow would wait for it), without solving; return the rounds.

    Each meeting `m-<n>` is online, at START plus n hours, its organisation's contacts
    its attendees: write_workspace's one round, or bench.workers' several."""
    workspace = load_workspace(settings.workspace)
    rounds = workspace.training(SLUG).consultation.rounds
    with open_store(settings.store_url) as store:
        for round_ in rounds:
            proposals = []
            for planned in round_.meetings:
                organisation = workspace.stakeholders.organisation(planned.organisation)
                meeting_id = f"{SLUG}/{round_.id}/{planned.id}"
                start = START + dt.timedelta(hours=int(planned.id.removeprefix("m-")))
                attendees = tuple(
                    Attendee(
                        meeting_id=meeting_id,
                        email=c.email,
                        name=c.name,
                        role="REQ-PARTICIPANT",
                        organisation=organisation.id,
                        language=c.language,
                        timezone=c.timezone,
                    )
                    for c in organisation.contacts
                )
                proposals.append(
                    Proposal(
                        meeting_id,
                        SLUG,
                        round_.id,
                        organisation.id,
                        "online",
                        start,
                        start + dt.timedelta(hours=1),
                        "https://meet.example.org/x",
                        ("lela",),
                        attendees,
                    )
                )
            store.propose_round(SLUG, round_.id, proposals, [], "bench")
            store.decide_round(SLUG, round_.id, approve=True, actor="bench")
            store.audit("bench", CONFIRMED, f"{SLUG}/{round_.id}")
    return [r.id for r in rounds]


def fresh(base: Path, name: str, port: int, size: tuple[int, int]) -> Settings:
    """Return settings for a new workspace with every meeting confirmed and nothing sent."""
    root = base / name
    write_workspace(root, *size)
    settings = Settings(
        workspace=root,
        transport="smtp",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
    )
    confirm_rounds(settings)
    return settings


@dataclass
class Timing:
    """The wall-clock and the process CPU seconds of a phase."""

    wall: float = 0.0
    cpu: float = 0.0

    @property
    def cpu_note(self) -> str:
        return f" (cpu {self.cpu:.2f} s)"

    def cpu_note_against(self, baseline: Timing) -> str:
        return f" (cpu {self.cpu:.2f} s, {self.cpu / baseline.cpu:.1f}x)"


@contextmanager
def timed() -> Iterator[Timing]:
    """Yield a Timing that holds the phase's wall-clock and CPU seconds once it ends.

    CPU is the whole process's: the SMTP server's thread is in it, and the Prefect
    client's threads; the Prefect server runs in a process of its own. On a machine
    that others share, CPU seconds move less from run to run than wall-clock ones.
    """
    timing = Timing()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield timing
    finally:
        timing.wall = time.perf_counter() - wall
        timing.cpu = time.process_time() - cpu


def cold() -> None:
    """Empty consult's in-process caches (templates, local dates, headers), as in a new process."""
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in ("consult", "schemas", "flows"):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def main(size: tuple[int, int] = FULL) -> None:
    from prefect.testing.utilities import prefect_test_harness

    from flows.send_invitations import SendParameters, send_invitations

    meetings, attendees = size
    mailbox = Mailbox()
    with (
        tempfile.TemporaryDirectory() as folder,
        running(mailbox) as port,
        prefect_test_harness(server_startup_timeout=SERVER_STARTUP),
    ):
        base = Path(folder)

        settings = fresh(base, "baseline", port, size)
        workspace = load_workspace(settings.workspace)
        with open_store(settings.store_url) as store:
            items = list(
                round_messages(
                    round_mailing(
                        workspace,
                        SLUG,
                        ROUND,
                        choose_sender(settings, workspace, SLUG),
                        dt.datetime.now(dt.UTC),
                    ),
                    store,
                )
            )
        built = [
            (*envelope(m), message_bytes(m))
            for m in (item.build(f"<{i}@bench>") for i, item in enumerate(items))
        ]
        with timed() as baseline, smtplib.SMTP("127.0.0.1", port) as client:
            for from_, to, data in built:
                client.sendmail(from_, [to], data)

        settings = fresh(base, "core", port, size)
        workspace = load_workspace(settings.workspace)
        cold()
        with timed() as core, open_store(settings.store_url) as store:
            report = send_round(
                round_mailing(
                    workspace,
                    SLUG,
                    ROUND,
                    choose_sender(settings, workspace, SLUG),
                    dt.datetime.now(dt.UTC),
                ),
                store,
                SmtpTransport("127.0.0.1", port, security="none"),
            )
        assert sum(d.outcome == "sent" for d in report) == len(items)

        warm = fresh(base, "warm-up", port, size)
        send_invitations(
            SendParameters(training=SLUG, workspace=str(warm.workspace), batch_size=50)
        )  # the first run of a flow in this process, out of the measure
        settings = fresh(base, "flow", port, size)
        os.environ.update(
            {
                "CONSULT_TRANSPORT": "smtp",
                "CONSULT_SMTP_HOST": "127.0.0.1",
                "CONSULT_SMTP_PORT": str(port),
                "CONSULT_SMTP_SECURITY": "none",
            }
        )
        cold()
        with timed() as flow:
            summary = send_invitations(
                SendParameters(training=SLUG, workspace=str(settings.workspace))
            )
        # The same flow again: every message is sent, so it builds and sends nothing.
        # What it costs is the floor under the flow's time: Prefect's run and tasks,
        # loading the workspace, reading the round and claiming in the ledger.
        cold()
        with timed() as floor:
            again = send_invitations(
                SendParameters(training=SLUG, workspace=str(settings.workspace))
            )

    print(f"messages: {len(items)} ({meetings} meetings x {attendees} attendees)")
    print(
        f"baseline raw smtplib, prebuilt, one connection: {baseline.wall:.2f} s{baseline.cpu_note}"
    )
    print(
        f"core send_round (render+calendar+MIME+ledger+SMTP): {core.wall:.2f} s, "
        f"{core.wall / baseline.wall:.1f}x baseline{core.cpu_note_against(baseline)}"
    )
    print(
        f"send-invitations flow: {flow.wall:.2f} s, {flow.wall / baseline.wall:.1f}x baseline"
        f"{flow.cpu_note_against(baseline)} ({summary})"
    )
    print(
        f"the same flow again, nothing left to send: {floor.wall:.2f} s, "
        f"{floor.wall / baseline.wall:.1f}x baseline{floor.cpu_note_against(baseline)} ({again})"
    )


if __name__ == "__main__":
    main(QUICK if options(__doc__).quick else FULL)
