"""The change result used to record ``commit_message_cases.py``."""

from __future__ import annotations

from tagpilot.update.result import Change, ObjectIdentifier, Result

NAMESPACE = "flux-system"
NAME = "auto"
VALUES = {"env": "prod", "ticket": "OPS-1"}


def make_result() -> Result:
    """Three files: a Deployment, a HelmRelease with two changes, a kustomization.yaml."""
    result = Result()
    result.add_change(
        "apps/web/deployment.yaml",
        ObjectIdentifier("apps/v1", "Deployment", "web", "default"),
        Change("ghcr.io/org/web:1.0.0", "ghcr.io/org/web:1.1.0", "flux-system:web"),
    )
    release = ObjectIdentifier("helm.toolkit.fluxcd.io/v2", "HelmRelease", "web", "prod")
    result.add_change(
        "apps/web/release.yaml", release, Change("1.0.0", "1.1.0", "flux-system:web:tag")
    )
    result.add_change(
        "apps/web/release.yaml",
        release,
        Change("sha256:aaa", "sha256:bbb", "flux-system:web:digest"),
    )
    result.add_change(
        "kustomization.yaml",
        ObjectIdentifier("", "", "", ""),
        Change("nginx:1.25.4", "nginx:1.25.5", "flux-system:nginx"),
    )
    return result
