"""The use cases: one module each, every function a call on the built `Services`.

A flow's task, a `consult` command and the desk call the same functions here,
so each use case is written once. `consult.bootstrap` builds the `Services`;
the modules here build nothing from settings themselves.
"""
