"""Links from a flow's artifacts to the coordinator's desk (`Settings.desk_url`).

The Prefect UI cannot open a file:// link, and shows a run, not a training:
each artifact says where on the desk the training, its decisions and its
pack's files are.
"""

from __future__ import annotations

from urllib.parse import quote

from consult.settings import Settings


def training_url(settings: Settings, training: str) -> str:
    """Return the address of the training's page on the desk."""
    return f"{settings.desk_url.rstrip('/')}/trainings/{quote(training)}"


def pack_file_url(settings: Settings, training: str, version: int, name: str) -> str:
    """Return the address on the desk that downloads one file of a version of the pack."""
    return f"{training_url(settings, training)}/packs/{version}/{quote(name)}"


def on_the_desk(settings: Settings, training: str, decide: bool = False) -> str:
    """Return a Markdown line linking to the training's page (and the decisions, if `decide`)."""
    line = f"On the desk: [{training}]({training_url(settings, training)})"
    if decide:
        line += f" · [decisions waiting]({settings.desk_url.rstrip('/')}/decisions)"
    return line
