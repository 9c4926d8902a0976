"""The files the desk hands out: a pack version's files, and the exports of a training.

Nothing else under out/ is served: a pack file is named by its version and
its name, and must be one of the files on disk in that version's folder.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from consult.briefing.versions import pack_folder
from consult.coordination import export_options, exports
from desk.endpoints.shared import known, workspace
from desk.packs import pack_files
from desk.resources import resources
from desk.responses import DeskError

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def pack_file(request: Request) -> FileResponse:
    """A file of a version of the training's pack, as a download."""
    out_dir = resources(request).settings.out_dir
    slug = known(workspace(request), request.path_params["slug"])
    version: int = request.path_params["version"]
    name: str = request.path_params["name"]
    if name not in pack_files(out_dir, slug, version):
        raise DeskError(404, f"version {version} of the pack of {slug} has no file {name!r}")
    path = pack_folder(out_dir, slug, version) / name
    return FileResponse(
        path, media_type=MEDIA_TYPES.get(path.suffix, "application/octet-stream"), filename=name
    )


def export_file(request: Request) -> Response:
    """An export of the training (registry, ledger, answers, observations) as csv or xlsx."""
    built = workspace(request)
    slug = known(built, request.path_params["slug"])
    what, fmt = request.path_params["what"], request.path_params["fmt"]
    if what not in export_options.TABLES or fmt not in export_options.FORMATS:
        raise DeskError(
            404,
            f"there is no export {what}.{fmt}: the desk exports "
            f"{', '.join(export_options.TABLES)}, each as csv or xlsx",
        )
    table = exports.build_table(what, built, resources(request).store, slug)
    name = exports.file_name(slug, what, fmt)
    return Response(
        exports.table_bytes(table, fmt),
        media_type=MEDIA_TYPES[f".{fmt}"],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
