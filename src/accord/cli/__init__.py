"""The ``accord`` command: thin over the library."""
