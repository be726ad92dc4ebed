"""Flux's image policy setters (IAC ``internal/update``), as minimal byte edits.

The core works on ``(path, bytes)`` pairs so the automation can feed it blobs read straight
from Git trees and the CLI can feed it a local directory:

- :func:`tagpilot.update.setters.setters_for_policies` builds the setter table;
- :func:`tagpilot.update.apply.apply_setters` edits the files and returns the change result;
- :mod:`tagpilot.update.walk` selects files of a local checkout like Flux does.
"""
