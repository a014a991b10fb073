"""The PyTorch core of tutor: model specs, tracing, data, training. No Textual, ever.

Everything here is usable from a notebook::

    from tutor.engine.spec import parse_spec
    from tutor.engine.build import build_model
    from tutor.engine.dissect import dissect

Submodules import torch; this package module itself stays light so that
``tutor.course`` can name engine types without paying for torch at start-up.
"""
