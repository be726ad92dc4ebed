"""The stack tier's harness: template.yaml run as AWS would, offline.

``template`` transforms and resolves the template; ``resources`` creates its tables, queues and
topics on DynamoDB Local and moto; ``gateway`` is the AWS endpoint the functions see (IAM
enforced, FIFO deduplication window); ``functions`` runs each built function in its own Python
3.13 process; ``sources`` drives the event sources as declared.
"""
