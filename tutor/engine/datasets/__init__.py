"""The pieces behind :mod:`tutor.engine.data`: registry, readers, cache, downloads.

Import the public API from ``tutor.engine.data``. The registry and status modules load
no torch, so ``tutor data`` can list the datasets without paying for it.
"""
