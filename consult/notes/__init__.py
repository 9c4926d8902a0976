"""Meeting notes: read from files (one parser per format) or KoboToolbox, stored once each.

`importing` takes a training's notes folder and KoboToolbox submissions into the store,
rejecting each bad item with its reason while the rest goes on.
"""
