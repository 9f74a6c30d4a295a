#!/usr/bin/env bash
# Installs what the tests need (once), builds everything, runs every test. Exit code: non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

ss_install_test_prerequisites
ss_install_models
ss_install_servable_models
ss_install_fidelity_references
ss_install_deploy_tools

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
ss_log "building (Release)"
dotnet build SharpServing.slnx -c Release -nologo -clp:ErrorsOnly -v:q
ss_generate_add_models

ss_log "running tests"
results="$SS_CACHE/test-results"
rm -rf "$results"
# The runner's status is taken from the pipeline itself (grep finding nothing is not a failure).
set +e +o pipefail
dotnet test SharpServing.slnx -c Release --no-build -nologo --logger "console;verbosity=normal" \
  --logger "trx" --results-directory "$results" -- RunConfiguration.TestSessionTimeout=1500000 \
  2>&1 | tee "$SS_CACHE/test-output.log" | grep -E '^\s*(Failed |Failed!|error|\[xUnit.*(Exception|Error))'
status=${PIPESTATUS[0]}
set -e -o pipefail

# A line per test project, then one closing line over all of them.
summary=0
python3 - "$results" <<'PY' || summary=$?
import sys, glob, os, xml.etree.ElementTree as ET
ns = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
p = f = s = 0
for path in sorted(glob.glob(sys.argv[1] + "/*.trx")):
    root = ET.parse(path).getroot()
    c = root.find(f"{ns}ResultSummary/{ns}Counters")
    test = root.find(f"{ns}TestDefinitions/{ns}UnitTest")
    name = os.path.basename(test.get("storage", "?")).removesuffix(".dll") if test is not None else os.path.basename(path)
    if c is None:
        continue
    cp = int(c.get("passed", 0)); cf = int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    # The trx counters leave skipped tests out of notExecuted; their results say NotExecuted, with the reason.
    skipped = [r for r in root.iter(f"{ns}UnitTestResult") if r.get("outcome") == "NotExecuted"]
    cs = max(len(skipped), int(c.get("notExecuted", 0)))
    print(f"  {name}: {cp} passed, {cf} failed, {cs} skipped")
    for r in skipped:
        print(f"    skipped {r.get('testName')}: {(r.findtext(f'{ns}Output/{ns}ErrorInfo/{ns}Message') or '').strip()}")
    # Why each failure failed, so a CI log alone is enough to start from.
    for r in root.iter(f"{ns}UnitTestResult"):
        if r.get("outcome") in ("Failed", "Error", "Timeout"):
            message = r.findtext(f"{ns}Output/{ns}ErrorInfo/{ns}Message") or ""
            trace = r.findtext(f"{ns}Output/{ns}ErrorInfo/{ns}StackTrace") or ""
            print(f"    FAILED {r.get('testName')}")
            for line in (message.strip().splitlines()[:12] + trace.strip().splitlines()[:8]):
                print(f"      {line}")
    p += cp; f += cf; s += cs
print(f"Total: {p} passed, {f} failed, {s} skipped")
sys.exit(1 if f or not p else 0)
PY
[ "$summary" -ne 0 ] && [ "$status" -eq 0 ] && status=1
# The container image smoke test (slow: a Debian root filesystem, a publish, podman) only when asked.
if [ "${IMAGE_TESTS:-0}" = 1 ]; then
  ss_apt debootstrap buildah podman runc
  ss_log "image smoke test (IMAGE_TESTS=1): deploy/image/smoke-test.sh"
  deploy/image/smoke-test.sh || status=1
fi
if [ "$status" -ne 0 ]; then
  ss_log "tests failed (full output: $SS_CACHE/test-output.log)"
fi
exit "$status"
