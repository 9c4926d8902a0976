"""What the exports offer: the tables (`--what`) and the file formats (`--format`).

Apart from `consult.coordination.exports`, which builds the tables from the
workspace and the store, so that `consult --help` can name them without
importing either.
"""

from __future__ import annotations

TABLES = ("registry", "ledger", "answers", "observations")
FORMATS = ("csv", "xlsx")
