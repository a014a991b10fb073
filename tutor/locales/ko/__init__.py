"""The Korean (한국어) catalog: every learner-facing string of the app and the engine.

One module per area (any module in this package with a ``STRINGS`` dictionary is part of
the catalog); the other languages' packages have the same keys (a test checks, and that
every key is used). Values are ``str.format`` templates.
"""
