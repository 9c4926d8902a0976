"""The desk's actions after the first send, and what each did: the same use cases as the CLI.

    result = read_replies(built, slug)          # consult replies
    result = send_due_reminders(built, slug)    # consult remind
    result = cancel_meeting(built, round_, "unhcr-georgia", "Nino", "the venue burnt down")

Each takes the services of consult.bootstrap (the store acting for the coordinator
who clicked) and returns an ActionResult: what was done in sentences, and each
message sent, with its outcome. The desk keeps the last results a while
(ActionResults), so that the page the POST redirects to (Post/Redirect/Get)
shows them, and shows them again on reload, without doing anything twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from consult.application import changes
from consult.application.brief import compile_briefing, send_version
from consult.application.counter_proposals import decide_counter
from consult.application.references import RoundRef, round_ref, training_ref
from consult.application.remind import send_reminders
from consult.application.replies import record_replies
from consult.application.services import Services
from consult.mail.delivery import Delivered
from consult.mail.replies import ReplyOutcome
from consult.planning.changes import check_time, find_meeting
from consult.store import Store
from consult.store.observations import written
from consult.store.proposals import Counter as Proposal
from consult.workspace.loading import Workspace
from desk.feeds import Feeds
from desk.results import ActionResult, MessageLine, failed
from desk.wording import DASH


def message_lines(report: Iterable[Delivered]) -> tuple[MessageLine, ...]:
    """Return one line per message of a delivery report."""
    return tuple(MessageLine(d.recipient, d.kind, d.outcome, d.detail) for d in report)


def delivery_sentence(report: Sequence[Delivered], what: str) -> str:
    """Return how many of the messages were sent: '3 updates sent; 1 failed'."""
    if not report:
        return f"No {what} to send: nothing went out."
    outcomes = Counter(d.outcome for d in report)
    parts = [f"{count} {outcome}" for outcome, count in outcomes.most_common()]
    return f"{len(report)} {what}: " + ", ".join(parts) + "."


def reply_kind(outcome: str) -> str:
    """Return what a reply's outcome says it was, for the counts: 'accepted', 'bounce'."""
    if outcome.startswith("recorded "):
        return outcome.removeprefix("recorded ").lower()
    if outcome.startswith("bounced"):
        return "bounce"
    if outcome.startswith("delayed"):
        return "delay notice"
    if outcome.startswith("automatic reply"):
        return "automatic reply"
    if outcome == "already recorded":
        return "already recorded before"
    return f"ignored ({outcome.removeprefix('ignored: ')})"


PLURALS = {
    "bounce": "bounces",
    "delay notice": "delay notices",
    "automatic reply": "automatic replies",
    "counter-proposal": "counter-proposals",
}


def counted(number: int, what: str) -> str:
    """Return '2 bounces', '1 accepted', '3 counter-proposals recorded'."""
    if number != 1:
        for one, many in PLURALS.items():
            if what.startswith(one):
                what = many + what.removeprefix(one)
                break
    return f"{number} {what}"


def _commented(store: Store, rows: Iterable[ReplyOutcome]) -> set[tuple[str, str]]:
    """Return the (source, UID) of the answers just recorded that came with a comment."""
    found = set()
    for row in rows:
        if not row.outcome.startswith("recorded "):
            continue
        meeting = store.meeting_by_uid(row.uid)
        replies = store.replies(meeting.id) if meeting else []
        if any(r.source == row.source and r.comment for r in replies):
            found.add((row.source, row.uid))
    return found


def read_replies(built: Services, slug: str) -> ActionResult:
    """Record the answers of inbox/ (and IMAP) as `consult replies` does: what came of them."""
    recorded = record_replies(built, round_ref(built.workspace, slug))
    commented = _commented(built.store, recorded.report.rows)
    kinds = Counter(
        reply_kind(row.outcome) + (" with a comment" if (row.source, row.uid) in commented else "")
        for row in recorded.report.rows
    )
    counters = Counter(
        "counter-proposal recorded"
        if line.endswith(": recorded")
        else "counter-proposal " + line.rsplit(": ", 1)[-1]
        for line in recorded.requests.outcomes
    )
    read = sum(kinds.values()) + sum(counters.values())
    sentences = [
        f"{read} answer{'s' if read != 1 else ''} read"
        + (
            ": " + "; ".join(counted(n, k) for k, n in (kinds + counters).most_common())
            if read
            else ""
        )
        + "."
    ]
    sentences += [f"Not read: {problem}" for problem in recorded.unread]
    sentences += list(recorded.requests.problems)
    if recorded.reviews:
        sentences.append(
            f"{len(recorded.reviews)} counter-proposal"
            f"{'s wait' if len(recorded.reviews) != 1 else ' waits'} for your decision below."
        )
    return ActionResult(
        "Replies read", tuple(sentences), message_lines(recorded.requests.refreshed)
    )


def send_due_reminders(built: Services, slug: str) -> ActionResult:
    """Send the reminders, nudges and notes-missing messages due now, as `consult remind`."""
    report = send_reminders(built, training_ref(built.workspace, slug))
    return ActionResult(
        "Reminders", (delivery_sentence(report, "reminders due"),), message_lines(report)
    )


def reschedule_meeting(
    built: Services, round_: RoundRef, planned: str, start: str, by: str, force: str = ""
) -> ActionResult:
    """Move the meeting to `start` (local) and send the updates, as `consult reschedule`.

    Raises RuleBroken (the time breaks a rule, no reason given) or PlanningError.
    """
    changed = changes.reschedule(built, round_, planned, start, by, force=force)
    zone = round_.training.zone
    moved = f"{planned} moved to {changed.meeting.start.astimezone(zone):%a %Y-%m-%d %H:%M}"
    forced = f", breaking planning rules because: {force.strip()}" if force.strip() else ""
    return ActionResult(
        "Meeting moved",
        (
            f"{moved} {round_.training.timezone}{forced}.",
            delivery_sentence(changed.report, "updates"),
        ),
        message_lines(changed.report),
    )


def cancel_meeting(
    built: Services, round_: RoundRef, planned: str, by: str, reason: str
) -> ActionResult:
    """Call the meeting off and send the cancellations; the reason goes to the audit log only."""
    found = find_meeting(built.store, round_.slug, round_.id, planned)
    if found.status == "cancelled":
        return failed("Meeting not cancelled", f"{planned} is cancelled already: nothing was sent.")
    changed = changes.cancel(built, round_, planned, by, reason)
    return ActionResult(
        "Meeting cancelled",
        (
            f"{planned} is cancelled; the reason is in the audit log.",
            delivery_sentence(changed.report, "cancellations"),
        ),
        message_lines(changed.report),
    )


def counter_id(counter: Proposal) -> str:
    """Return the short id of a counter-proposal in the desk's addresses."""
    return hashlib.sha256(f"{counter.meeting_id}\n{counter.key}".encode()).hexdigest()[:16]


def decide(built: Services, slug: str, ident: str, *, accept: bool, by: str) -> ActionResult:
    """Accept or decline the waiting counter-proposal `ident`, as `consult counter` does."""
    title = "Counter-proposal accepted" if accept else "Counter-proposal declined"
    pending = [c for c in built.store.counters(f"{slug}/") if c.state == "pending"]
    found = next((c for c in pending if counter_id(c) == ident), None)
    if found is None:
        return failed(
            title, "That counter-proposal waits for no decision any more: nothing was sent."
        )
    latest = [c for c in pending if c.meeting_id == found.meeting_id][-1]
    if latest.key != found.key:
        return failed(title, "A newer counter-proposal for that meeting waits: decide that one.")
    meeting = built.store.get_meeting(found.meeting_id)
    if meeting is None:
        return failed(title, f"{found.meeting_id}: no such meeting any more: nothing was sent.")
    round_ = round_ref(built.workspace, slug, meeting.round)
    planned = meeting.id.rsplit("/", 1)[-1]
    report = decide_counter(built, round_, planned, accept=accept, by=by)
    zone = round_.training.zone
    said = (
        f"{planned} moved to {found.start.astimezone(zone):%a %Y-%m-%d %H:%M} "
        f"{round_.training.timezone}, as {found.proposer} proposed."
        if accept
        else f"{found.proposer}'s proposal for {planned} is declined."
    )
    what = "updates" if accept else "answers to the proposer"
    return ActionResult(title, (said, delivery_sentence(report, what)), message_lines(report))


def compile_pack(built: Services, slug: str) -> tuple[ActionResult, int]:
    """Compile the pack without sending it: the result, and the version compiled."""
    compiled, _ = compile_briefing(built, training_ref(built.workspace, slug), send=False)
    meetings = built.store.meetings(slug)
    planned = [m for m in meetings if m.status != "cancelled"]
    noted = {o.meeting_id for o in built.store.observations(slug) if not written(o.key)}
    held = [m for m in planned if m.status == "held" or m.id in noted]
    state = "a new version" if compiled.new else "the same content as before: no new version"
    return (
        ActionResult(
            f"Briefing pack v{compiled.version} compiled",
            (
                f"Version {compiled.version} compiled ({state}); nothing was sent.",
                f"It rests on the notes of {len(held)} meeting{'s' if len(held) != 1 else ''} "
                f"held of {len(planned)} planned.",
                f"Look at its files below, then send version {compiled.version} to the experts.",
            ),
        ),
        compiled.version,
    )


def send_pack_version(built: Services, slug: str, version: int) -> ActionResult:
    """Send version `version` of the pack to the experts: each message once, whatever the clicks."""
    report = send_version(built, training_ref(built.workspace, slug), version)
    return ActionResult(
        f"Briefing pack v{version} sent",
        (delivery_sentence(report, "pack emails"),),
        message_lines(report),
    )


@dataclass(frozen=True)
class CounterRow:
    """A counter-proposal waiting on the training page, with its Accept and Decline buttons."""

    id: str
    proposer: str
    round: str
    planned: str
    now: str
    proposed: str
    """In the training's zone."""
    proposer_time: str
    """In the proposer's zone, when it is another; else ''."""
    comment: str
    breaches: tuple[str, ...]


def counter_rows(
    workspace: Workspace,
    store: Store,
    slug: str,
    now: dt.datetime,
    feeds: Callable[[str], Feeds],
    *,
    lead_working_days: int,
) -> tuple[CounterRow, ...]:
    """Return the training's counter-proposals waiting for a decision, each checked.

    `feeds(round_id)` returns a round's busy-time feeds; asked only when one waits.
    """
    training = workspace.training(slug)
    zone = ZoneInfo(training.timezone)
    rows = []
    for counter in store.counters(f"{slug}/"):
        meeting = store.get_meeting(counter.meeting_id)
        if counter.state != "pending" or meeting is None:
            continue
        breaches = check_time(
            workspace,
            store,
            meeting,
            counter.start,
            feeds(meeting.round),
            now=now,
            lead_working_days=lead_working_days,
        )
        own = next(
            (
                a.timezone
                for a in store.attendees(meeting.id)
                if a.email.lower() == counter.proposer
            ),
            None,
        )
        theirs = ""
        if own and own != training.timezone:
            local = counter.start.astimezone(ZoneInfo(own))
            theirs = f"{local:%a %Y-%m-%d %H:%M} {own}"
        rows.append(
            CounterRow(
                id=counter_id(counter),
                proposer=counter.proposer,
                round=meeting.round,
                planned=meeting.id.rsplit("/", 1)[-1],
                now=f"{meeting.start.astimezone(zone):%a %Y-%m-%d %H:%M}",
                proposed=f"{counter.start.astimezone(zone):%a %Y-%m-%d %H:%M}{DASH}"
                f"{counter.end.astimezone(zone):%H:%M}",
                proposer_time=theirs,
                comment=counter.comment,
                breaches=tuple(breaches),
            )
        )
    return tuple(rows)


def sent_packs(store: Store, slug: str) -> dict[int, int]:
    """Return, per version of the pack, how many of its emails were sent."""
    sent = Counter(m.sequence for m in store.messages(f"{slug}/briefing", "sent"))
    return dict(sent)


def inbox_unread(inbox: Path, store: Store, slugs: Iterable[str]) -> int:
    """Return how many calendar files of inbox/ no reading has recorded yet (all trainings)."""
    if not inbox.is_dir():
        return 0
    read = set(store.inbound_sources())
    for slug in slugs:
        read |= {c.source for c in store.counters(f"{slug}/")}
        read |= store.reply_sources(slug)
    return sum(
        1
        for path in inbox.iterdir()
        if path.is_file()
        and path.suffix.lower() in (".eml", ".ics")
        and f"{inbox.name}/{path.name}" not in read
    )
