# Shared build recipe for the tagpilot functions (template.yaml: BuildMethod makefile).
#
# Each functions/<name>/Makefile sets FUNCTION_LOGICAL_ID and FUNCTION_DIR and includes this file;
# `sam build` then runs `make build-<LogicalId>` with ARTIFACTS_DIR set. Functions have no
# requirements of their own (everything comes from the tagpilot layer), so the build copies the
# handler module(s) and compiles their bytecode for Python 3.13 when one is installed (see
# scripts/compile-bytecode.sh for why the bytecode matters and why it is optional).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

SCRIPTS := $(abspath $(FUNCTION_DIR)../../scripts)
SOURCES := $(filter-out $(FUNCTION_DIR)test_%.py,$(wildcard $(FUNCTION_DIR)*.py))

.PHONY: build-$(FUNCTION_LOGICAL_ID)
build-$(FUNCTION_LOGICAL_ID):
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set" >&2; exit 2; }
	@test -f "$(FUNCTION_DIR)app.py" || { echo "$(FUNCTION_DIR)app.py is missing" >&2; exit 2; }
	mkdir -p "$(ARTIFACTS_DIR)"
	cp $(foreach src,$(SOURCES),"$(src)") "$(ARTIFACTS_DIR)/"
	"$(SCRIPTS)/compile-bytecode.sh" "$(ARTIFACTS_DIR)" /var/task
