"""What an attendee typed in the mail that carries their answer: "On mission that week, sorry".

A calendar answer's own COMMENT says it best (`calendar.parse_reply` reads it).
Mail clients that send none carry the words in the message's text instead:
`typed_text` takes the first plain-text part that is no calendar and no
attachment, and keeps what comes before the quoted invitation or the client's
own notice (a line starting with ">", "On ... wrote:", "-----Original
Message-----", a "From:" header block, Outlook's rule of underscores, a
signature's "-- ", Google Calendar's "Invitation from Google Calendar"), less
the lines the client wrote itself ("Nino has accepted this invitation.").
"""

from __future__ import annotations

import re
from email.message import Message

from consult.mail.calendar import clip_comment

_QUOTE_STARTS = re.compile(
    r"^(>|-{2,} ?original message ?-{2,}|_{8,}|-- ?$|from: |sent from my |"
    r"invitation from google calendar|.{0,200}\bwrote:\s*$|"
    r"(на|в) .{0,120}(написал|пишет)|.{0,120}დაწერა:?\s*$)",
    re.IGNORECASE,
)

_NOTICE = re.compile(
    r"\b(has|have) (tentatively )?(accepted|declined)\b|^(accepted|declined|tentative):|"
    r"\b(принял|приняла|отклонил|отклонила)\b.{0,40}приглашени",
    re.IGNORECASE,
)
"""A line the mail client wrote itself: "Nino has accepted this invitation." (left out)."""


def typed_text(leaves: list[Message]) -> str:
    """Return the text typed above any quotation in the first plain-text part, clipped; or ""."""
    for part in leaves:
        if part.get_content_type() != "text/plain" or part.get_filename():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            return ""
        try:
            text = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
        except LookupError:  # a charset Python does not know
            return ""
        typed = []
        for line in text.splitlines():
            if _QUOTE_STARTS.match(line.strip()):
                break
            if not _NOTICE.search(line):
                typed.append(line)
        return clip_comment("\n".join(typed))
    return ""
