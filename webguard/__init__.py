"""What the desk's guard and the public pages' guard share: signed sessions, checked forms.

The coordinator's desk (desk.security) and the stakeholders' pages
(answers_web.security) guard their doors alike: a session id in a cookie
signed with a secret, a CSRF token that is the same id signed for another
purpose, a form taken only from the app's own origin, under a size limit and
with that token, and the body read once and replayed to the endpoint. Those
pieces are here, once (webguard.guard); each guard keeps only what is its own
(the desk's token login and multipart uploads, the pages' rate limits and
their answers in three languages).

A package of its own, not a module of desk/: the pages must never depend on
the desk (they run apart, with none of its routes), and the desk must not
depend on them. It stands on Starlette alone, imports nothing of consult,
desk or answers_web, and the core (consult/) never imports it
(tests/unit/test_architecture.py).
"""
