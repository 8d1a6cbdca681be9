"""The ``newstrail`` command line: a thin shell over the library.

``app`` holds the root group, the context commands get, and how errors leave
(one line on stderr, a documented exit status); ``options`` and ``output`` are
what commands share. The commands live in one module per area: ``imports``,
``archive``, ``stories``, ``watching``, ``follows``, ``web`` and ``demo``;
``main`` attaches them all to the root group and is the script's entry point.
"""
