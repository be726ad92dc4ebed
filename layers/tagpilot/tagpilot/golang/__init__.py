"""Emulations of the Go standard-library behaviour that Flux's controllers depend on.

Pure Python, no third-party imports: RE2 regular expressions (``regexp``), ``time.ParseDuration``
(``duration``), ``strconv.ParseFloat`` (``strconv``) and ``text/template`` (``template``).
"""
