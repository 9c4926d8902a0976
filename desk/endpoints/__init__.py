"""The desk's endpoints, one module per area; desk.routes names each by `module:function`.

trainings (the list, a training's page), files (a pack's files, the exports),
notes (a meeting's notes form), registry (the list, an organisation's or a
contact's form), decisions (what waits, the answer), steps (start one). What
they share is in `shared`; what every request shares, in `desk.resources`.
"""
