"""What the scenarios' calls say about the roles: every call allowed, every grant used.

Runs after every other stack test (see conftest); the full report, with every call per
function, is written to ``.aws-sam/stack/report.json`` when the session ends.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.stack

#: Grants used through a channel the gateway cannot see: the registry API of ECR, authorized
#: with the token from ecr:GetAuthorizationToken (tags/list -> ecr:ListImages, manifests ->
#: ecr:BatchGetImage).
USED_OUTSIDE_THE_SDK = {
    ("ScanFunction", "ecr:ListImages"),
    ("ScanFunction", "ecr:BatchGetImage"),
    # OCIRepositories in ECR: tags, manifests, and the layer blob (GetDownloadUrlForLayer).
    ("SourceFunction", "ecr:ListImages"),
    ("SourceFunction", "ecr:BatchGetImage"),
    ("SourceFunction", "ecr:GetDownloadUrlForLayer"),
}


def test_no_function_was_denied_a_call(stack: Any) -> None:
    report = stack.report()
    assert report["denied"] == []


#: Grants of features no stack scenario exercises yet (listed in the report all the same).
NOT_YET_EXERCISED = {
    ("ScanFunction", "ecr:DescribeImages", "repository/*"),  # tagpilot.dev/push-times on ECR
    ("ScanFunction", "dynamodb:GetItem", "-LeasesTable"),  # registry budgets (budget# keys)
    ("ScanFunction", "dynamodb:PutItem", "-LeasesTable"),
    # Events beyond the 50 kept per object are trimmed; no scenario records that many.
    ("ScanFunction", "dynamodb:DeleteItem", "-EventsTable"),
    ("AutomationFunction", "dynamodb:DeleteItem", "-EventsTable"),
    ("SourceFunction", "dynamodb:DeleteItem", "-EventsTable"),
    ("NotifyFunction", "dynamodb:DeleteItem", "-EventsTable"),
    ("DeliveryFunction", "dynamodb:DeleteItem", "-EventsTable"),
    # A repeat of an object's latest event only counts up (UpdateItem): no OCIRepository event
    # repeats in the scenario, nor does a dispatch failure of one Alert.
    ("SourceFunction", "dynamodb:UpdateItem", "-EventsTable"),
    ("DeliveryFunction", "dynamodb:UpdateItem", "-EventsTable"),
}

#: Functions no stack scenario drives yet: their calls and grants are in the report, but not
#: held to "every grant used".
NO_SCENARIO_YET: set[str] = set()

#: Principals that are people, not functions: their policy covers CLI commands the scenarios
#: do not all run (delete, for one); their calls are in the report all the same.
PEOPLE = {"TagpilotCliPolicy"}


def test_every_grant_was_used_by_some_scenario(stack: Any) -> None:
    report = stack.report()
    unused = {
        (function, grant["action"], grant["resource"])
        for function, grants in report["unused_grants"].items()
        for grant in grants
        if (function, grant["action"]) not in USED_OUTSIDE_THE_SDK
        and function not in PEOPLE
        and function not in NO_SCENARIO_YET
        and not any(
            (function, grant["action"]) == (f, a) and grant["resource"].endswith(r)
            for f, a, r in NOT_YET_EXERCISED
        )
    }
    assert unused == set()


def test_every_function_made_calls(stack: Any) -> None:
    report = stack.report()
    quiet = [
        f
        for f, calls in report["calls"].items()
        if not calls and f in stack.functions and f not in NO_SCENARIO_YET
    ]
    assert quiet == []
