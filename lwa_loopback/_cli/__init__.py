"""The ``lwa-loopback`` command line: parse options, call the library, turn errors into exit
codes. The only part of the package that prints or exits.

This file stays empty: the entry point (``_quick.main``) answers the everyday
``lwa-loopback token`` before click is imported, and importing this package comes first.
"""
