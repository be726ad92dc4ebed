"""The root of tagpilot's typed errors.

Every package raises subclasses of :class:`TagpilotError`; callers branch on the type, never on
the message text. Only the webhook handler and the CLI turn them into status codes.
"""


class TagpilotError(Exception):
    """Base class of every error raised on purpose by tagpilot."""
