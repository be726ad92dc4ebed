"""Setter names and values offered by ready ImagePolicies (IAC ``internal/update/setters.go``)."""

from __future__ import annotations

from collections.abc import Mapping

from tagpilot.update.imageref import ImageRef


def setters_for_policies(namespace: str, policies: Mapping[str, ImageRef]) -> dict[str, str]:
    """Build the setters an automation in ``namespace`` may apply.

    Only policies of the automation's own namespace that have a ``latestRef`` are passed;
    markers naming anything else find no setter and are left alone.

    Parameters
    ----------
    namespace : str
        The ImageUpdateAutomation's namespace (also the policies' namespace).
    policies : Mapping[str, ImageRef]
        Policy name -> ``status.latestRef``.

    Returns
    -------
    dict[str, str]
        ``NS:P`` -> ``name:tag[@digest]``, ``NS:P:tag`` -> tag, ``NS:P:name`` -> name,
        ``NS:P:digest`` -> digest (possibly empty, which blanks a marked field like Flux).

    Examples
    --------
    >>> setters = setters_for_policies("ns", {"app": ImageRef("ghcr.io/org/app", "1.2")})
    >>> setters["ns:app"], setters["ns:app:tag"], setters["ns:app:digest"]
    ('ghcr.io/org/app:1.2', '1.2', '')
    """
    setters: dict[str, str] = {}
    for policy, ref in policies.items():
        base = f"{namespace}:{policy}"
        setters[base] = str(ref)
        setters[f"{base}:tag"] = ref.tag
        setters[f"{base}:name"] = ref.name
        setters[f"{base}:digest"] = ref.digest
    return setters
