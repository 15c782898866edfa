# Small TAP helpers for the shell tests in tests/e2e (sourced, not run).
# OGX_BUILD, OGX_SRC, OGX_MODELS come from the Makefile.
set -u
: "${OGX_BUILD:=$(cd "$(dirname "$0")/../.." && pwd)/build}"
: "${OGX_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${OGX_MODELS:=$OGX_SRC/../shared/models}"
OGRUN=$OGX_BUILD/ogrun
OGVERIFY=$OGX_BUILD/ogverify
TMP=$(mktemp -d /tmp/ogx-e2e.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export OGX_HOME=$TMP/home
tap_n=0
tap_fail=0

ok() { # ok CONDITION-STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		# also on stderr, which prove passes through: CI keeps only that
		echo "not ok $tap_n - $2 ($(basename "$0"))" >&2
		tap_fail=$((tap_fail + 1))
	fi
}

# expect_fail DESCRIPTION EXPECTED-STDERR-LINE COMMAND...: exit status non-zero
# and stderr exactly the expected line.
expect_fail() {
	local desc=$1 want=$2 got rc
	shift 2
	got=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 0 ] && [ "$got" = "$want" ]; then
		ok 0 "$desc"
	else
		ok 1 "$desc"
		echo "#   exit $rc"
		echo "#   want: $want"
		echo "#   got:  $got"
	fi
}

# Models from ../shared: missing in CI is a failure; elsewhere a loud skip.
need_models() {
	if [ ! -d "$OGX_MODELS" ]; then
		if [ -n "${CI:-}" ]; then
			echo "1..1"; echo "not ok 1 - models not found at $OGX_MODELS"; exit 1
		fi
		echo "1..0 # SKIP models not found at $OGX_MODELS (set OGX_MODELS)"; exit 0
	fi
}

done_testing() {
	echo "1..$tap_n"
	[ $tap_fail -eq 0 ]
}
