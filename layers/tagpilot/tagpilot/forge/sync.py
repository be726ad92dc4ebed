"""Keep exactly one open pull request per automation: create, update, supersede, close.

A pull request belongs to an automation when its body carries the marker
``<!-- tagpilot.dev/automation: <namespace>/<name> -->``; that is how tagpilot finds its own pull
request again (never a duplicate), whatever the branch template produced.
"""

from __future__ import annotations

from dataclasses import replace

from tagpilot.forge.base import Forge, Proposal, PullRequest

MARKER = "<!-- tagpilot.dev/automation: {key} -->"


def marker(key: str) -> str:
    return MARKER.format(key=key)


def mine(forge: Forge, key: str, base: str) -> list[PullRequest]:
    """The automation's open pull requests into ``base``."""
    tag = marker(key)
    return [pr for pr in forge.open_pull_requests(base) if tag in pr.body]


def sync(forge: Forge, key: str, proposal: Proposal) -> tuple[str, PullRequest]:
    """Open or update the automation's pull request; returns ``(action, pull request)``.

    ``action`` is ``created``, ``updated`` or ``unchanged``. Open pull requests of the same
    automation from another branch (a branch template with ``.Hash``) are closed as superseded.
    """
    body = f"{proposal.body.rstrip()}\n\n{marker(key)}\n"
    wanted = replace(proposal, body=body)
    current = mine(forge, key, proposal.base)
    same = [pr for pr in current if pr.head == proposal.head]
    for pr in current:
        if pr.head != proposal.head:
            forge.close(pr, f"Superseded by newer images on branch `{proposal.head}`.")
    for pr in same[1:]:
        forge.close(pr, f"Duplicate of #{same[0].number}.")
    if same:
        pr = same[0]
        if pr.title == wanted.title and pr.body.strip() == body.strip():
            return "unchanged", pr
        forge.update(pr, wanted.title, body)
        return "updated", replace(pr, title=wanted.title, body=body)
    pr = forge.create(wanted)
    if proposal.labels:
        forge.label(pr, proposal.labels)
    if proposal.reviewers:
        forge.request_review(pr, proposal.reviewers)
    if proposal.auto_merge:
        forge.auto_merge(pr)
    return "created", pr


def close_landed(forge: Forge, key: str, base: str) -> list[PullRequest]:
    """Close the automation's pull requests: ``base`` already has their change."""
    closed = mine(forge, key, base)
    for pr in closed:
        forge.close(pr, f"The change is already on `{base}`: closing.")
    return closed
