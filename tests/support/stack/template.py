"""Load template.yaml, run the SAM transform, and resolve intrinsics for one local stack.

Physical names follow one rule (``<stack>-<LogicalId>``, ``.fifo`` for FIFO queues), ARNs are
built the way AWS builds them, and every other value comes from the transformed template itself.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"
PARTITION = "aws"


class _NoManagedPolicyLookups:
    def load(self) -> dict[str, str]:
        raise AssertionError("the SAM transform tried to look up managed policies")


def load_template(path: Path) -> dict[str, Any]:
    from cfnlint.decode import cfn_yaml

    loaded: dict[str, Any] = json.loads(json.dumps(cfn_yaml.load(str(path))))
    return loaded


def transform(template: dict[str, Any]) -> dict[str, Any]:
    """The SAM transform, offline (local code paths stand in for the packaged S3 URIs)."""
    import os

    from samtranslator.translator.transform import transform as sam_transform

    source = copy.deepcopy(template)
    for resource in source["Resources"].values():
        props = resource.get("Properties", {})
        for uri in ("CodeUri", "ContentUri"):
            if uri in props:
                props[uri] = f"s3://bucket/{props[uri]}"
    old = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = REGION
    try:
        result: dict[str, Any] = sam_transform(source, {}, _NoManagedPolicyLookups())
    finally:
        if old is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = old
    return result


@dataclass
class Stack:
    """A transformed template bound to names, parameters and the queue URLs moto hands out."""

    name: str
    template: dict[str, Any]
    parameters: dict[str, str] = field(default_factory=dict)
    queue_urls: dict[str, str] = field(default_factory=dict)  # logical id -> URL

    @property
    def resources(self) -> dict[str, Any]:
        return dict(self.template["Resources"])

    def of_type(self, type_: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == type_}

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template.get("Conditions", {})[name]))

    def present(self, resource: dict[str, Any]) -> bool:
        cond = resource.get("Condition")
        return cond is None or self.condition(cond)

    # -- names and ARNs ---------------------------------------------------------------------
    def physical_name(self, logical_id: str) -> str:
        resource = self.resources[logical_id]
        base = f"{self.name}-{logical_id}"
        if resource["Type"] == "AWS::S3::Bucket":
            return base.lower()  # bucket names are lower case
        if resource["Type"] == "AWS::SQS::Queue" and resource["Properties"].get("FifoQueue"):
            return base + ".fifo"
        if resource["Type"] == "AWS::Events::EventBus":  # a bus has the name it is given
            return str(self.resolve(resource["Properties"]["Name"]))
        return base

    def arn(self, logical_id: str) -> str:
        type_ = self.resources[logical_id]["Type"]
        name = self.physical_name(logical_id)
        return {
            "AWS::DynamoDB::Table": f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{name}",
            "AWS::SQS::Queue": f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:{name}",
            "AWS::SNS::Topic": f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:{name}",
            "AWS::Lambda::Function": f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{name}",
            "AWS::IAM::Role": f"arn:{PARTITION}:iam::{ACCOUNT}:role/{name}",
            "AWS::Events::Rule": f"arn:{PARTITION}:events:{REGION}:{ACCOUNT}:rule/{name}",
            "AWS::Logs::LogGroup": f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:{name}:*",
            "AWS::S3::Bucket": f"arn:{PARTITION}:s3:::{name}",
            "AWS::Events::EventBus": f"arn:{PARTITION}:events:{REGION}:{ACCOUNT}:event-bus/{name}",
        }.get(type_, f"arn:{PARTITION}:local:{REGION}:{ACCOUNT}:{name}")

    def ref(self, logical_id: str) -> Any:
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": PARTITION,
            "AWS::StackName": self.name,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }
        if logical_id in pseudo:
            return pseudo[logical_id]
        params = self.template.get("Parameters", {})
        if logical_id in params:
            return self.parameters.get(logical_id, params[logical_id].get("Default", ""))
        type_ = self.resources[logical_id]["Type"]
        if type_ == "AWS::SQS::Queue":
            return self.queue_urls.get(logical_id, f"queue://{self.physical_name(logical_id)}")
        if type_ == "AWS::SNS::Topic":
            return self.arn(logical_id)
        return self.physical_name(logical_id)

    def get_att(self, logical_id: str, attribute: str) -> Any:
        if attribute == "Arn":
            return self.arn(logical_id)
        if attribute == "StreamArn":
            return self.arn(logical_id) + "/stream/local"
        if attribute == "QueueName":
            return self.physical_name(logical_id)
        if attribute == "QueueUrl":
            return self.ref(logical_id)
        if attribute == "RoleId":
            return role_unique_id(logical_id)
        raise KeyError(f"GetAtt {logical_id}.{attribute} is not modelled by the stack tier")

    # -- intrinsics -----------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(logical_id, attribute)
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                sep, items = arg
                return sep.join(str(self.resolve(i)) for i in items)
            if key == "Fn::If":
                cond, yes, no = arg
                return self.resolve(yes if self.condition(cond) else no)
            if key == "Fn::Equals":
                a, b = (self.resolve(x) for x in arg)
                return a == b
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Condition":
                return self.condition(arg)
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub(self, arg: Any) -> str:
        text, local = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in local:
                return str(self.resolve(local[name]))
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^!}][^}]*)\}", one, text)


def role_unique_id(logical_id: str) -> str:
    """A stable stand-in for an IAM role's unique id (``AROA`` + 17 characters)."""
    return "AROA" + hashlib.sha256(logical_id.encode()).hexdigest()[:17].upper()
