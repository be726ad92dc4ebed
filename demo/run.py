"""The local end-to-end demo: registry -> scan -> policy -> automation -> Git commit, then a
webhook-triggered update. Everything runs on this machine (no internet, no AWS account):

- Debian's ``docker-registry`` (the CNCF distribution registry) with a tiny image pushed under
  several tags;
- a Git server (``git http-backend``) holding a repository whose manifests carry Flux markers;
- tagpilot's local stack (DynamoDB Local + the embedded Secrets Manager endpoint) in a throwaway
  ``TAGPILOT_HOME``, driven through the ``tagpilot`` CLI exactly as a user would.

Run it with ``make demo``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.forges import ForgeStandIn  # noqa: E402
from tests.support.gitserver import GitServer  # noqa: E402
from tests.support.recording import recording_server  # noqa: E402
from tests.support.registry import RegistryServer, push_image  # noqa: E402

TAGPILOT = str(Path(sys.executable).with_name("tagpilot"))
TOKEN = "demo-token-0123456789abcdef0123456789abcdef"  # noqa: S105 - a throwaway local token

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: default
spec:
  template:
    spec:
      containers:
        - name: app
          # the marker below tells tagpilot which policy owns this value
          image: {image}:1.0.0 # {{"$imagepolicy": "flux-system:app"}}
"""

MANIFESTS = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata: {{name: app, namespace: flux-system}}
spec:
  image: {image}
  interval: 5m
  insecure: true
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata: {{name: app, namespace: flux-system}}
spec:
  imageRepositoryRef: {{name: app}}
  policy:
    semver: {{range: ">=1.0.0"}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: fleet, namespace: flux-system}}
spec:
  url: {git_url}
  interval: 5m
  ref: {{branch: main}}
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata: {{name: app, namespace: flux-system}}
spec:
  interval: 30m
  sourceRef: {{kind: GitRepository, name: fleet}}
  git:
    commit:
      author: {{name: tagpilot, email: tagpilot@example.com}}
      messageTemplate: |
        Automated image update

        {{{{ range .Changed.Changes -}}}}
        - {{{{ .OldValue }}}} -> {{{{ .NewValue }}}}
        {{{{ end -}}}}
  update: {{path: ./deploy, strategy: Setters}}
---
apiVersion: v1
kind: Secret
metadata: {{name: webhook-token, namespace: flux-system}}
stringData: {{token: {token}}}
---
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {{name: registry, namespace: flux-system}}
spec:
  type: generic
  secretRef: {{name: webhook-token}}
  resources:
    - kind: ImageRepository
      name: app
"""

# A generic Provider (a local webhook standing in for Slack, Teams, ...) and an Alert for the
# automation's events.
ALERT = """\
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {{name: local-webhook, namespace: flux-system}}
spec:
  type: generic
  address: {address}
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {{name: automation, namespace: flux-system}}
spec:
  providerRef: {{name: local-webhook}}
  eventSources:
    - {{kind: ImageUpdateAutomation, name: '*'}}
"""


def show_received(sink: object) -> None:
    for request in getattr(sink, "requests", []):
        component = request.headers.get("Gotk-Component")
        print(f"{request.method} {request.path}  Gotk-Component: {component}")
        print(json.dumps(json.loads(request.body), indent=2))
    getattr(sink, "requests", []).clear()


def say(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m", flush=True)


def tagpilot(*args: str, env: dict[str, str]) -> str:
    print(f"$ tagpilot {' '.join(args)}", flush=True)
    done = subprocess.run([TAGPILOT, *args], env=env, capture_output=True, text=True, check=False)
    print(done.stdout + done.stderr, end="", flush=True)
    if done.returncode != 0:
        raise SystemExit(f"tagpilot {' '.join(args)} failed with exit code {done.returncode}")
    return done.stdout


def git_log(server: GitServer) -> str:
    return subprocess.run(
        [
            "git",
            "--git-dir",
            str(server.repo_path("fleet.git")),
            "log",
            "-1",
            "--format=%h %an: %B",
            "-p",
            "--stat",
            "main",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def head(server: GitServer) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(server.repo_path("fleet.git")), "rev-parse", "main"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="tagpilot-demo-"))
    env = {**os.environ, "TAGPILOT_HOME": str(work / "home"), "TAGPILOT_MODE": "local"}
    serve = None
    try:
        with RegistryServer() as registry, GitServer() as git, recording_server() as sink:
            image = f"{registry.host}/demo/app"
            say(f"registry on {registry.url}: pushing {image} tags 1.0.0, 1.1.0, 1.1.0.sig")
            push_image(registry.url, "demo/app", ["1.0.0", "1.1.0", "1.1.0.sig"])
            git.create_repo(
                "fleet.git", {"deploy/app.yaml": DEPLOYMENT.format(image=image).encode()}
            )
            say(
                f"git server: {git.url_for('fleet.git')} "
                "with deploy/app.yaml marked for flux-system:app"
            )
            manifests = work / "manifests.yaml"
            manifests.write_text(
                MANIFESTS.format(image=image, git_url=git.url_for("fleet.git"), token=TOKEN)
            )
            say("apply the Flux manifests (starts the local stack on first use)")
            tagpilot("apply", "-f", str(manifests), env=env)
            say(f"a generic alert Provider: tagpilot posts the automation's events to {sink.url}")
            alerts = work / "alerts.yaml"
            alerts.write_text(ALERT.format(address=f"{sink.url}/flux-events"))
            tagpilot("apply", "-f", str(alerts), env=env)
            say("scan the registry; the policy is evaluated right after")
            tagpilot("reconcile", "image", "repository", "app", "-n", "flux-system", env=env)
            tagpilot("get", "image", "repository", "-n", "flux-system", env=env)
            tagpilot("get", "image", "policy", "-n", "flux-system", env=env)
            say("run the automation: it commits the new tag to Git")
            tagpilot("reconcile", "image", "update", "app", "-n", "flux-system", env=env)
            tagpilot("get", "image", "update", "-n", "flux-system", env=env)
            print(git_log(git))
            say("what the generic Provider received (Flux's event JSON, with the changes)")
            sink.wait_for(1, timeout=10)
            show_received(sink)

            say(
                "webhook path: push 1.2.0, deliver the registry's notification, wait for the commit"
            )
            port = 19292
            serve = subprocess.Popen(
                [TAGPILOT, "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            hook = json.loads(
                tagpilot("get", "receiver", "registry", "-n", "flux-system", "-o", "json", env=env)
            )["status"]["webhookPath"]
            before = head(git)
            _wait_port(port)
            started = time.monotonic()
            push_image(registry.url, "demo/app", ["1.2.0"])
            answer = requests.post(
                f"http://127.0.0.1:{port}{hook}",
                timeout=10,
                json={
                    "events": [
                        {"action": "push", "target": {"repository": "demo/app", "tag": "1.2.0"}}
                    ]
                },
            )
            print(f"POST /hook/<digest> -> {answer.status_code}")
            while head(git) == before and time.monotonic() - started < 60:
                time.sleep(0.2)
            if head(git) == before:
                raise SystemExit("no commit within 60 s of the webhook")
            print(f"commit visible {time.monotonic() - started:.2f} s after the push")
            print(git_log(git))
            oci_source(registry, git, work, env)
            say("the events Flux's controllers would have emitted, as `flux events` lists them")
            tagpilot("events", "-n", "flux-system", env=env)
            pull_request_mode(image, git, work, env)
            say(
                "done: tagpilot picked the tags Flux would pick "
                "and wrote the commits Flux would write"
            )
            return 0
    finally:
        if serve is not None:
            serve.terminate()
            serve.wait(10)
        subprocess.run([TAGPILOT, "local", "down"], env=env, capture_output=True, check=False)


PULL_REQUEST_MANIFESTS = """\
apiVersion: v1
kind: Secret
metadata: {{name: github-token, namespace: flux-system}}
stringData: {{token: {token}}}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {{name: fleet-pr, namespace: flux-system}}
spec:
  url: {git_url}
  interval: 5m
  ref: {{branch: main}}
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata:
  name: app-pr
  namespace: flux-system
  annotations:
    tagpilot.dev/pull-request: github
    tagpilot.dev/pull-request-api: {api}
    tagpilot.dev/pull-request-repository: demo/fleet
    tagpilot.dev/pull-request-secret: github-token
    tagpilot.dev/pull-request-title: "Update {{{{ len .Images }}}} image(s)"
    tagpilot.dev/pull-request-labels: automation
spec:
  interval: 30m
  sourceRef: {{kind: GitRepository, name: fleet-pr}}
  git:
    commit:
      author: {{name: tagpilot, email: tagpilot@example.com}}
  update: {{path: ./deploy, strategy: Setters}}
"""


def pull_request_mode(image: str, git: GitServer, work: Path, env: dict[str, str]) -> None:
    """Beyond Flux: the same update as a pull request on a local GitHub stand-in."""
    token = "demo-forge-token"  # noqa: S105 - a throwaway token of the local stand-in
    git.create_repo("fleet-pr.git", {"deploy/app.yaml": DEPLOYMENT.format(image=image).encode()})
    with ForgeStandIn("github", token, repository="demo/fleet") as github:
        say(f"pull request mode: a GitHub API stand-in on {github.url} (GitHub's OpenAPI checked)")
        manifests = work / "pull-request.yaml"
        manifests.write_text(
            PULL_REQUEST_MANIFESTS.format(
                token=token, git_url=git.url_for("fleet-pr.git"), api=github.url
            )
        )
        tagpilot("apply", "-f", str(manifests), env=env)
        tagpilot("reconcile", "image", "update", "app-pr", "-n", "flux-system", env=env)
        tagpilot("reconcile", "image", "update", "app-pr", "-n", "flux-system", env=env)
        for pr in github.prs.values():
            print(f"PR #{pr.number} {pr.state}: {pr.title!r} {pr.head} -> {pr.base}")
        print(
            f"open pull requests: {len(github.open_prs())} (the second run found it: no duplicate)"
        )
        status = json.loads(
            tagpilot("get", "image", "update", "app-pr", "-n", "flux-system", "-o", "json", env=env)
        )["status"]
        found = [c for c in status["conditions"] if c["type"] == "tagpilot.dev/PullRequest"]
        print(f"status: {found[0]['reason']}: {found[0]['message']}" if found else "no status")
        print(f"requests outside GitHub's published schema: {len(github.violations)}")
        branch = subprocess.run(
            [
                "git",
                "--git-dir",
                str(git.repo_path("fleet-pr.git")),
                "show",
                "tagpilot/flux-system/app-pr:deploy/app.yaml",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        print(next(line.strip() for line in branch.splitlines() if "image:" in line))


OCI_REPOSITORY = """\
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {{name: manifests, namespace: flux-system}}
spec:
  url: oci://{repo}
  ref: {{semver: ">=1.0.0"}}
  interval: 10m
  insecure: true
"""


def oci_source(registry: RegistryServer, git: GitServer, work: Path, env: dict[str, str]) -> None:
    """Ship the manifests as an OCI artifact and reconcile an OCIRepository with a semver ref."""
    repo = f"{registry.host}/demo/manifests"
    tree = work / "oci"
    (tree / "deploy").mkdir(parents=True)
    (tree / "deploy" / "app.yaml").write_text(DEPLOYMENT.format(image=f"{registry.host}/demo/app"))
    (tree / "README.md").write_text("# manifests\n")
    (tree / ".sourceignore").write_text("README.md\n")
    say(f"push the manifests as Flux OCI artifacts to oci://{repo} (1.0.0, then 1.1.0)")
    source, sha = git.url_for("fleet.git"), head(git)
    for tag in ("1.0.0", "1.1.0"):
        (tree / "deploy" / "version.txt").write_text(tag + "\n")
        tagpilot(
            "push",
            "artifact",
            f"oci://{repo}:{tag}",
            "--path",
            str(tree),
            "--source",
            source,
            "--revision",
            f"main@sha1:{sha}",
            "--insecure-registry",
            env=env,
        )
    tagpilot("list", "artifacts", f"oci://{repo}", "--insecure-registry", env=env)
    manifest = work / "ocirepository.yaml"
    manifest.write_text(OCI_REPOSITORY.format(repo=repo))
    say("an OCIRepository with semver '>=1.0.0': the highest tag is pulled, unpacked and stored")
    tagpilot("apply", "-f", str(manifest), env=env)
    tagpilot("reconcile", "source", "oci", "manifests", "-n", "flux-system", env=env)
    tagpilot("get", "source", "oci", "-n", "flux-system", env=env)
    found = sorted((work / "home" / "artifacts" / "ocirepository").rglob("sha256:*.tar.gz"))
    print(f"artifact: {found[-1].relative_to(work / 'home')}" if found else "no artifact stored")


def _wait_port(port: int) -> None:
    import socket

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"tagpilot serve did not listen on {port}")


if __name__ == "__main__":
    sys.exit(main())
