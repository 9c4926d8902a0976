"""What a coordinator follows and decides across the capabilities.

Counter-proposals (mail and planning together), the timeline of a training's
preparation steps, and the exports of its registry, ledger, answers and
observations. These wire the capabilities, which do not know each other, so
they sit above them and below the entry points (cli, ui, the flows, the desk).
"""
