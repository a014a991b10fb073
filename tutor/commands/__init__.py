"""One module per ``tutor`` subcommand: ``add_parser(sub, parents)`` and ``run(args)``.

Heavy imports (torch, Textual) happen inside ``run`` so that ``tutor --help`` is instant.
"""
