"""One dated price table: AWS list prices, us-east-1, arm64 Lambda, on-demand DynamoDB.

Checked against the AWS pricing pages as of PRICES_DATE; no free tier is subtracted (it is
per account, shared with everything else the account runs). Re-check before relying on it.
"""

PRICES_DATE = "2026-12-01"
REGION = "us-east-1"

LAMBDA_ARM64_GB_SECOND = 0.0000133334
LAMBDA_REQUEST = 0.20 / 1_000_000
DYNAMODB_WRITE_REQUEST_UNIT = 0.625 / 1_000_000
DYNAMODB_READ_REQUEST_UNIT = 0.125 / 1_000_000
SQS_STANDARD_REQUEST = 0.40 / 1_000_000
SQS_FIFO_REQUEST = 0.50 / 1_000_000
LOGS_INGESTED_GB = 0.50
LOGS_STORED_GB_MONTH = 0.03
CUSTOM_METRIC_MONTH = 0.30
STANDARD_ALARM_MONTH = 0.10
DASHBOARD_MONTH = 3.00  # the first three dashboards of an account are free

# The AWS-side floor of running Flux's image automation on Kubernetes instead: an EKS control
# plane plus the smallest node that runs the Flux controllers (t4g.small, on demand).
EKS_CONTROL_PLANE_HOUR = 0.10
T4G_SMALL_HOUR = 0.0168
HOURS_PER_MONTH = 730.0

#: SQS event source mappings long-poll even when idle: Lambda runs 5 pollers per mapping, each
#: a 20 s ReceiveMessage.
IDLE_POLLS_PER_MAPPING_MONTH = 5 * 3 * 60 * HOURS_PER_MONTH

#: Lambda gives a function CPU in proportion to its memory: 1,769 MB is one vCPU. Handler CPU
#: measured here is stretched by 1769 / memory to get the duration Lambda would bill for it.
LAMBDA_MB_PER_VCPU = 1769
#: Assumed I/O waits added to the billed duration (not measured here: this machine's wall time
#: is inflated by its load): one in-region DynamoDB or SQS round trip, one registry request
#: (an in-region ECR answers in ~10-30 ms; a registry across the internet takes longer).
AWS_CALL_MS = 5.0
REGISTRY_MS = 30.0
