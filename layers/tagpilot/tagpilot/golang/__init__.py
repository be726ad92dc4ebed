"""Emulations of the Go standard-library behaviour that Flux's controllers depend on.

Pure Python, no third-party imports: RE2 regular expressions (``regexp``), ``time.ParseDuration``
(``duration``), ``strconv.ParseFloat`` (``strconv``), ``text/template`` (``template``), and for the
receivers' payload checks ``encoding/json`` decoding (``json``), strict RFC 3339 (``time``),
``mime.ParseMediaType``/``url.ParseQuery`` (``mime``) and ``strings.EqualFold`` (``strings``).
"""
