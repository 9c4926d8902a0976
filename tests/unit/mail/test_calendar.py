"""iTIP invitations and replies: what icalendar and vobject read back, and the VTIMEZONE."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar, Component

from consult.errors import ConsultError, InvalidCalendar, InvalidInvite
from consult.mail.calendar import PRODID, ReplyLine, build_invite, parse_reply, strip_method
from schemas.state import Attendee, Meeting

STAMP = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
NINO = "ნინო ბერიძე"
IVAN = "Иван Петров"


def meeting(**changes: Any) -> Meeting:
    values: dict[str, Any] = {
        "id": "winter-2027/round-1/mia",
        "training": "winter-2027",
        "round": "round-1",
        "organisation": "mia",
        "format": "online",
        "status": "confirmed",
        "start": datetime(2027, 1, 12, 8, tzinfo=UTC),
        "end": datetime(2027, 1, 12, 9, tzinfo=UTC),
        "uid": "winter-2027-round-1-mia@consult.example.org",
        "sequence": 3,
        "location": "https://meet.example.org/mia-round-1",
        "updated_at": STAMP,
    }
    return Meeting(**(values | changes))


def attendee(email: str, name: str, role: str = "REQ-PARTICIPANT") -> Attendee:
    return Attendee(
        meeting_id="winter-2027/round-1/mia",
        email=email,
        name=name,
        role=role,  # type: ignore[arg-type]
        organisation="mia",
        language="ka",
        timezone="Asia/Tbilisi",
    )


ATTENDEES = (
    attendee("nino@mia.example.gov.ge", NINO),
    attendee("ivan@example.org", IVAN, "OPT-PARTICIPANT"),
    attendee("ana@example.org", "Popescu, Ana", "CHAIR"),
)


def invite(the_meeting: Meeting | None = None, **changes: Any) -> bytes:
    arguments: dict[str, Any] = {
        "organizer_name": "Lela Tsereteli",
        "organizer_email": "lela@example.org",
        "method": "REQUEST",
        "summary": "Consultation: Ministry of Internal Affairs",
        "description": "Before the training on intercultural communication.",
        "timezone": "Asia/Tbilisi",
        "dtstamp": STAMP,
    }
    return build_invite(the_meeting or meeting(), ATTENDEES, **(arguments | changes))


def event_of(data: bytes) -> Component:
    [event] = Calendar.from_ical(data).walk("VEVENT")
    return event


def test_an_invitation_carries_its_method_uid_sequence_and_a_utc_dtstamp() -> None:
    calendar = Calendar.from_ical(invite())
    event = event_of(invite())
    assert (str(calendar["PRODID"]), str(calendar["VERSION"])) == (PRODID, "2.0")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == "winter-2027-round-1-mia@consult.example.org"
    assert event["SEQUENCE"] == 3
    assert event["DTSTAMP"].dt == STAMP
    assert event["DTSTAMP"].dt.utcoffset() == timedelta(0)
    assert b"DTSTAMP:20261201T093000Z\r\n" in invite()


def test_a_dtstamp_given_in_another_zone_is_written_in_utc() -> None:
    data = invite(dtstamp=datetime(2026, 12, 1, 13, 30, tzinfo=ZoneInfo("Asia/Tbilisi")))
    assert b"DTSTAMP:20261201T093000Z\r\n" in data


def test_start_and_end_are_written_in_the_trainings_zone_with_its_vtimezone() -> None:
    data = invite(timezone="Europe/Bucharest")
    assert b"DTSTART;TZID=Europe/Bucharest:20270112T100000\r\n" in data
    assert b"DTEND;TZID=Europe/Bucharest:20270112T110000\r\n" in data
    calendar = Calendar.from_ical(data)
    assert [zone.tz_name for zone in calendar.timezones] == ["Europe/Bucharest"]
    assert calendar.get_missing_tzids() == set()
    event = event_of(data)
    assert event["DTSTART"].dt == datetime(2027, 1, 12, 8, tzinfo=UTC)
    assert event["DTEND"].dt == datetime(2027, 1, 12, 9, tzinfo=UTC)


def test_vobject_agrees_on_the_utc_start_and_end() -> None:
    for zone in ("Asia/Tbilisi", "Europe/Bucharest", "America/New_York"):
        # 28 March 2027 is the day Bucharest (and Paris) move to summer time.
        the_meeting = meeting(
            start=datetime(2027, 3, 28, 12, tzinfo=UTC), end=datetime(2027, 3, 28, 13, tzinfo=UTC)
        )
        parsed = vobject.readOne(invite(the_meeting, timezone=zone).decode())
        assert parsed.vevent.dtstart.value.astimezone(UTC) == the_meeting.start, zone
        assert parsed.vevent.dtend.value.astimezone(UTC) == the_meeting.end, zone


def test_a_meeting_in_the_hour_repeated_in_autumn_keeps_its_instant() -> None:
    # Bucharest's 03:30 comes twice on 25 October 2026: 00:30 UTC, then 01:30 UTC.
    # A TZID time means the first, so the second is written in UTC.
    second = meeting(
        start=datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        end=datetime(2026, 10, 25, 2, 30, tzinfo=UTC),
    )
    data = invite(second, timezone="Europe/Bucharest")
    assert b"DTSTART:20261025T013000Z\r\n" in data
    assert b"DTEND;TZID=Europe/Bucharest:20261025T043000\r\n" in data
    assert event_of(data)["DTSTART"].dt == second.start
    assert vobject.readOne(data.decode()).vevent.dtstart.value == second.start


def test_the_organizer_and_every_attendee_carry_their_parameters() -> None:
    event = event_of(invite())
    organizer = event["ORGANIZER"]
    assert (str(organizer), organizer.params["CN"]) == ("mailto:lela@example.org", "Lela Tsereteli")
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == [
        "mailto:nino@mia.example.gov.ge",
        "mailto:ivan@example.org",
        "mailto:ana@example.org",
    ]
    assert [dict(a.params) for a in attendees] == [
        {
            "CN": name,
            "ROLE": role,
            "PARTSTAT": "NEEDS-ACTION",
            "RSVP": "TRUE",
            "CUTYPE": "INDIVIDUAL",
        }
        for name, role in (
            (NINO, "REQ-PARTICIPANT"),
            (IVAN, "OPT-PARTICIPANT"),
            ("Popescu, Ana", "CHAIR"),
        )
    ]


def test_georgian_and_cyrillic_names_survive_the_round_trip() -> None:
    data = invite()
    assert b'CN="Popescu, Ana"' in data.replace(b"\r\n ", b"")
    names = [a.params["CN"] for a in event_of(data)["ATTENDEE"]]
    assert names == [NINO, IVAN, "Popescu, Ana"]
    vobject_names = [a.params["CN"][0] for a in vobject.readOne(data.decode()).vevent.attendee_list]
    assert vobject_names == names


def test_every_content_line_is_at_most_75_octets_and_ends_in_crlf() -> None:
    data = invite(summary="Консультация: " + NINO * 20, description="ქართული ტექსტი " * 30)
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    assert all(b"\r" not in line and b"\n" not in line for line in lines)
    assert all(line.decode() for line in lines)  # no UTF-8 sequence cut by folding
    assert str(event_of(data)["SUMMARY"]) == "Консультация: " + NINO * 20


def test_line_breaks_in_summary_and_location_do_not_break_the_calendar() -> None:
    venue = meeting(location="Kachreti hotel\r\nHall 2\rFloor 1\nEND:VEVENT")
    data = invite(venue, summary="Consultation\r\nBEGIN:VEVENT")
    assert all(b"\r" not in line and b"\n" not in line for line in data.split(b"\r\n"))
    event = event_of(data)
    assert str(event["SUMMARY"]) == "Consultation\nBEGIN:VEVENT"
    assert str(event["LOCATION"]) == "Kachreti hotel\nHall 2\nFloor 1\nEND:VEVENT"
    assert "URL" not in event


def test_an_online_meeting_gets_its_link_as_location_and_url() -> None:
    event = event_of(invite())
    assert str(event["LOCATION"]) == "https://meet.example.org/mia-round-1"
    assert str(event["URL"]) == "https://meet.example.org/mia-round-1"


def test_a_meeting_without_a_location_has_no_location_and_no_url() -> None:
    event = event_of(invite(meeting(location=None)))
    assert "LOCATION" not in event
    assert "URL" not in event


def test_a_request_is_confirmed_and_carries_a_display_alarm() -> None:
    event = event_of(invite(alarm_minutes=90))
    assert str(event["STATUS"]) == "CONFIRMED"
    [alarm] = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == timedelta(minutes=-90)
    assert str(alarm["DESCRIPTION"]) == "Consultation: Ministry of Internal Affairs"


def test_a_cancellation_is_cancelled_keeps_the_uid_and_has_no_alarm() -> None:
    data = invite(meeting(sequence=4), method="CANCEL")
    assert str(Calendar.from_ical(data)["METHOD"]) == "CANCEL"
    event = event_of(data)
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == "winter-2027-round-1-mia@consult.example.org"
    assert event["SEQUENCE"] == 4
    assert event.walk("VALARM") == []
    assert len(event["ATTENDEE"]) == 3


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(InvalidInvite, match=r"^'Asia/Kachreti' is not an IANA time zone$"):
        invite(timezone="Asia/Kachreti")


def test_a_meeting_with_naive_times_is_refused() -> None:
    naive = meeting(start=datetime(2027, 1, 12, 8), end=datetime(2027, 1, 12, 9))
    with pytest.raises(InvalidInvite, match=r"start 2027-01-12 08:00:00 has no time zone"):
        invite(naive)


def test_a_meeting_that_ends_before_it_starts_is_refused() -> None:
    backwards = meeting(end=datetime(2027, 1, 12, 7, tzinfo=UTC))
    with pytest.raises(InvalidInvite, match=r"end 2027-01-12 07:00:00\+00:00 is not after"):
        invite(backwards)
    assert issubclass(InvalidInvite, ConsultError)
    assert issubclass(InvalidInvite, ValueError)


def test_strip_method_removes_the_method_and_nothing_else() -> None:
    data = invite(timezone="Europe/Paris")
    stripped = strip_method(data)
    assert "METHOD" not in Calendar.from_ical(stripped)
    assert stripped == data.replace(b"METHOD:REQUEST\r\n", b"")


# The VTIMEZONE, checked against zoneinfo around every transition of 2026-2028.

ZONES = ("Europe/Bucharest", "Europe/Paris", "Europe/Istanbul", "Asia/Tbilisi", "America/New_York")
YEARS = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2029, 1, 1, tzinfo=UTC))


def zoneinfo_transitions(zone: str) -> list[tuple[datetime, timedelta, timedelta]]:
    """Every change of zoneinfo's UTC offset in 2026-2028: UTC instant, offset before, after."""
    tz = ZoneInfo(zone)
    found = []
    instant, offset = YEARS[0], YEARS[0].astimezone(tz).utcoffset()
    while instant < YEARS[1]:
        later = instant + timedelta(hours=1)
        if later.astimezone(tz).utcoffset() != offset:
            while instant.astimezone(tz).utcoffset() == offset:
                instant += timedelta(minutes=1)
            found.append((instant, offset, instant.astimezone(tz).utcoffset()))
            offset = instant.astimezone(tz).utcoffset()
        instant = later
    return found


def vtimezone_of(zone: str) -> Component:
    # A meeting in 2027: the VTIMEZONE covers 2026 to 2028.
    [vtimezone] = Calendar.from_ical(invite(timezone=zone)).timezones
    return vtimezone


def samples(zone: str) -> list[datetime]:
    """Instants an hour, half an hour and a second either side of each transition, and on it."""
    around = [timedelta(seconds=s) for s in (-3600, -1800, -1, 0, 1, 1800, 3599, 3600)]
    transitions = [at for at, _, _ in zoneinfo_transitions(zone)]
    # Zones without DST: the instants where Europe changes its clocks, and every month.
    others = [at for at, _, _ in zoneinfo_transitions("Europe/Paris")]
    months = [
        datetime(year, month, 1, tzinfo=UTC)
        for year in (2026, 2027, 2028)
        for month in range(1, 13)
    ]
    return [at + delta for at in transitions or others for delta in around] + months


def test_the_zones_under_test_change_as_expected() -> None:
    counts = {zone: len(zoneinfo_transitions(zone)) for zone in ZONES}
    assert counts == {
        "Europe/Bucharest": 6,
        "Europe/Paris": 6,
        "Europe/Istanbul": 0,
        "Asia/Tbilisi": 0,
        "America/New_York": 6,
    }


@pytest.mark.parametrize("zone", ZONES)
def test_each_observance_starts_at_a_zoneinfo_transition_in_the_offset_before_it(zone: str) -> None:
    first, *observances = vtimezone_of(zone).subcomponents
    tz = ZoneInfo(zone)
    assert first["DTSTART"].dt == datetime(2026, 1, 1)  # local midnight
    assert first.TZOFFSETFROM == first.TZOFFSETTO == YEARS[0].astimezone(tz).utcoffset()
    raw = []
    for observance in observances:
        assert "RRULE" not in observance
        assert "RDATE" not in observance
        onset = observance.DTSTART.replace(tzinfo=UTC) - observance.TZOFFSETFROM
        raw.append((onset, observance.TZOFFSETFROM, observance.TZOFFSETTO))
        is_dst = onset.astimezone(tz).dst() != timedelta(0)
        assert observance.name == ("DAYLIGHT" if is_dst else "STANDARD")
        assert str(observance["TZNAME"]) == onset.astimezone(tz).tzname()
    assert raw == zoneinfo_transitions(zone)


def icalendar_tzinfo(zone: str) -> tzinfo:
    # lookup_tzid=False: build the zone from the VTIMEZONE, not from the name.
    return vtimezone_of(zone).to_tz(lookup_tzid=False)  # type: ignore[no-any-return]


def vobject_tzinfo(zone: str) -> tzinfo:
    return vobject.readOne(invite(timezone=zone).decode()).vtimezone.gettzinfo()  # type: ignore[no-any-return]


@pytest.mark.parametrize("parser", [icalendar_tzinfo, vobject_tzinfo])
@pytest.mark.parametrize("zone", ZONES)
def test_a_parser_applying_the_vtimezone_gives_zoneinfos_offsets(
    zone: str, parser: Callable[[str], tzinfo]
) -> None:
    parsed, expected = parser(zone), ZoneInfo(zone)
    wrong = [
        (instant, instant.astimezone(parsed).utcoffset(), instant.astimezone(expected).utcoffset())
        for instant in samples(zone)
        if instant.astimezone(parsed).utcoffset() != instant.astimezone(expected).utcoffset()
    ]
    assert wrong == []


def test_spring_forward_in_bucharest_is_not_an_hour_late() -> None:
    # icalendar's own VTIMEZONE moved this change to 02:00 UTC, so 01:30 UTC read as +02:00.
    half_past = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert half_past.astimezone(icalendar_tzinfo("Europe/Bucharest")).utcoffset() == timedelta(
        hours=3
    )
    assert b"DTSTART:20260329T030000\r\nTZNAME:EEST\r\nTZOFFSETFROM:+0200\r\n" in invite(
        timezone="Europe/Bucharest"
    )


# Replies.

REPLY = """\
BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
METHOD:REPLY
BEGIN:VEVENT
DTSTART:20270112T080000Z
DTEND:20270112T090000Z
DTSTAMP:20261202T101500Z
ORGANIZER;CN=Lela Tsereteli:mailto:lela@example.org
UID:winter-2027-round-1-mia@consult.example.org
ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN="ნინო
  ბერიძე":{address}
{sequence}SUMMARY:Consultation: Ministry of Internal Affairs
END:VEVENT
END:VCALENDAR
"""


def reply(
    partstat: str = "ACCEPTED",
    address: str = "MAILTO:Nino@MIA.example.gov.ge",
    sequence: str = "SEQUENCE:3\n",
) -> bytes:
    text = REPLY.format(partstat=partstat, address=address, sequence=sequence)
    return text.replace("\n", "\r\n").encode()


def test_a_reply_gives_the_uid_sequence_lowercased_email_and_partstat() -> None:
    assert parse_reply(reply()) == [
        ReplyLine(
            uid="winter-2027-round-1-mia@consult.example.org",
            sequence=3,
            email="nino@mia.example.gov.ge",
            partstat="ACCEPTED",
        )
    ]


@pytest.mark.parametrize("prefix", ["mailto:", "MAILTO:", "MailTo:"])
def test_the_mailto_prefix_is_stripped_in_any_case(prefix: str) -> None:
    [line] = parse_reply(reply(address=f"{prefix}nino@mia.example.gov.ge"))
    assert line.email == "nino@mia.example.gov.ge"


def test_a_reply_without_sequence_has_sequence_0() -> None:
    [line] = parse_reply(reply(partstat="DECLINED", sequence=""))
    assert (line.sequence, line.partstat) == (0, "DECLINED")


def test_a_lower_case_partstat_is_read() -> None:
    [line] = parse_reply(reply(partstat="tentative"))
    assert line.partstat == "TENTATIVE"


def test_a_reply_with_two_events_gives_a_line_for_each() -> None:
    data = reply()
    second = data[data.index(b"BEGIN:VEVENT") : data.index(b"END:VCALENDAR")]
    second = second.replace(b"consult.example.org", b"other.example.org")
    second = second.replace(b"ACCEPTED", b"DECLINED")
    both = data.replace(b"END:VCALENDAR", second + b"END:VCALENDAR")
    assert [(line.uid, line.partstat) for line in parse_reply(both)] == [
        ("winter-2027-round-1-mia@consult.example.org", "ACCEPTED"),
        ("winter-2027-round-1-mia@other.example.org", "DECLINED"),
    ]


def test_an_invitation_is_not_a_reply() -> None:
    with pytest.raises(InvalidCalendar, match=r"^not an iTIP REPLY: METHOD is REQUEST$"):
        parse_reply(invite())


def test_a_calendar_without_method_is_not_a_reply() -> None:
    with pytest.raises(InvalidCalendar, match=r"^not an iTIP REPLY: METHOD is missing$"):
        parse_reply(strip_method(invite()))


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"hello, this is not a calendar",
        b"\xff\xfe\x00\x01",
        b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\n",
        b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n",
    ],
)
def test_garbage_is_not_a_calendar(garbage: bytes) -> None:
    with pytest.raises(InvalidCalendar, match=r"^not an iCalendar object: ") as raised:
        parse_reply(garbage)
    assert "\n" not in str(raised.value)
    assert isinstance(raised.value, ConsultError)
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (reply(sequence="SEQUENCE:three\n"), r"SEQUENCE three is not an integer$"),
        (reply(partstat="COMPLETED"), r"PARTSTAT 'COMPLETED' is not one for an event$"),
        (reply(address="urn:uuid:1234"), r"ATTENDEE 'urn:uuid:1234' is not a mailto: address$"),
        (reply().replace(b"UID:", b"X-UID:"), r"^a VEVENT of the REPLY has no UID$"),
    ],
)
def test_a_reply_that_says_nothing_usable_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidCalendar, match=message) as raised:
        parse_reply(data)
    assert "\n" not in str(raised.value)


def test_a_reply_has_exactly_one_attendee() -> None:
    data = reply()
    start = data.index(b"ATTENDEE")
    end = data.index(b"SEQUENCE")
    two = data[:end] + data[start:end].replace(b"nino@", b"giorgi@") + data[end:]
    with pytest.raises(InvalidCalendar, match=r"exactly one ATTENDEE, this has 2$"):
        parse_reply(two)
    with pytest.raises(InvalidCalendar, match=r"exactly one ATTENDEE, this has 0$"):
        parse_reply(data[:start] + data[end:])
