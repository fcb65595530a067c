"""The ``innostate`` command line."""
