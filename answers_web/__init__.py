"""The stakeholders' public pages: each invitee's personal page, apart from the coordinator's desk.

Served by `consult ui` on a port of its own (`python -m answers_web` alone); see
docs/stakeholder-pages.md. It has its own routes (answers_web.routes), none of the
desk's, and no Prefect API behind it.
"""
