#!/usr/bin/env bash
# The fault sweep with a token that stays away (CV_FAULT_STICKY=1): from the Nth PKCS#11 call on, every call
# fails, for N over the first SWEEP_MAX (12) calls of each operation. Same checks as tests/e2e/fault_sweep.sh
# (an HSM exit code or a right result, one ERROR line, the catalogue old or new and intact, the next call
# without a fault succeeds), except that a failed run may leave token objects it made (counted).
SWEEP_STICKY=1 SWEEP_MAX=${SWEEP_MAX:-12} exec bash "$(dirname "$0")/fault_sweep.sh" "$@"
