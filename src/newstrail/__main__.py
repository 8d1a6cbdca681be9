"""``python -m newstrail``: the ``newstrail`` command."""

from newstrail.cli.main import main

main()
