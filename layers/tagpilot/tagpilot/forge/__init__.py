"""Pull/merge requests on Git forges (the ``tagpilot.dev/pull-request`` extension).

One small client per forge (GitHub, GitLab, Gitea/Forgejo, Bitbucket Cloud) behind the
:class:`~tagpilot.forge.base.Forge` interface, and :mod:`~tagpilot.forge.sync`, which opens, updates
and closes the one pull request of an automation.
"""
