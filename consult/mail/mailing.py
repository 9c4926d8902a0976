"""What a send of a training's messages needs, resolved once: its texts, its file, who sends, when.

Building a message needs the workspace (the organisations' names, the template
overrides), the training's file (its title, facilitators, time zone), the
sender and the moment of the send. `mailing` looks the training up once; every
function of a send takes the result, so a send, its preview and its dry run
never look it up again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from consult.answers.tokens import PageLinks
from consult.mail.sender import Sender
from consult.workspace.loading import Workspace
from schemas import Training


@dataclass(frozen=True)
class Mailing:
    """A training's messages sent at one moment: the workspace, the training, its sender."""

    workspace: Workspace
    slug: str
    training: Training
    sender: Sender
    now: dt.datetime
    links: PageLinks | None = field(default=None, kw_only=True)
    """The addresses of the recipients' personal pages (where they answer, vote on a date
    poll, send written input); None: the messages carry no link."""

    def round(self, round_id: str) -> RoundMailing:
        """Return the same mailing for one round of the training."""
        return RoundMailing(
            self.workspace,
            self.slug,
            self.training,
            self.sender,
            self.now,
            round_id,
            links=self.links,
        )


@dataclass(frozen=True)
class RoundMailing(Mailing):
    """A round's messages sent at one moment: a mailing of the training, for one round."""

    round_id: str


def mailing(workspace: Workspace, slug: str, sender: Sender, now: dt.datetime) -> Mailing:
    """Return the mailing of the training with this slug; raise WorkspaceError if there is none."""
    return Mailing(workspace, slug, workspace.training(slug), sender, now)


def round_mailing(
    workspace: Workspace, slug: str, round_id: str, sender: Sender, now: dt.datetime
) -> RoundMailing:
    """Return the mailing of the round `round_id` of the training with this slug."""
    return mailing(workspace, slug, sender, now).round(round_id)
