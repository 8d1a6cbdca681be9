"""The ``newstrail`` command line: a thin shell over the library."""
