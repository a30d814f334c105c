"""The pure core: no I/O and no system clock. "Now" is always an argument (``as_of``)."""
