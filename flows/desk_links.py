"""Links from a flow's artifacts to the coordinator's desk (`Settings.desk_url`).

The Prefect UI cannot open a file:// link, and shows a run, not a training:
each artifact says where on the desk the training, its decisions and its
pack's files are. The paths are the desk's routes' (desk.routes), by name.
"""

from __future__ import annotations

from typing import Any

from consult.settings import Settings
from desk.routes import url_path


def desk_url(settings: Settings, route: str, /, **params: Any) -> str:
    """Return the address on the desk of the route named `route`, with these parameters."""
    return f"{settings.desk_url.rstrip('/')}{url_path(route, **params)}"


def training_url(settings: Settings, training: str) -> str:
    """Return the address of the training's page on the desk."""
    return desk_url(settings, "training", slug=training)


def pack_file_url(settings: Settings, training: str, version: int, name: str) -> str:
    """Return the address on the desk that downloads one file of a version of the pack."""
    return desk_url(settings, "pack_file", slug=training, version=version, name=name)


def on_the_desk(settings: Settings, training: str, decide: bool = False) -> str:
    """Return a Markdown line linking to the training's page (and the decisions, if `decide`)."""
    line = f"On the desk: [{training}]({training_url(settings, training)})"
    if decide:
        line += f" · [decisions waiting]({desk_url(settings, 'decisions')})"
    return line
