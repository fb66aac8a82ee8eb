#!/usr/bin/env bash
# SST generates its platform types (.sst/platform) on `sst install`; offline, without Pulumi
# or AWS, this is what lets `tsc` check sst.config.ts and infra/ against the real component types.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f .sst/platform/config.d.ts ]; then
  SST_TELEMETRY_DISABLED=1 SST_SKIP_DEPENDENCY_CHECK=1 SST_NO_BUN=1 node_modules/.bin/sst install --stage typecheck >/dev/null
fi
