"""Stakeholders' answers on the web: the signed links of their personal pages."""
