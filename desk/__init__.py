"""The coordinator's desk: consult's own pages beside the Prefect UI (see docs/desk.md).

It lives beside flows/, not in the core, since it talks to Prefect's API; it
reads the state through consult's Store and the workspace through its loader.
`consult ui` starts it with the Prefect server and the runner; alone:

    python -m desk --port 4300
"""
