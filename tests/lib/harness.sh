# Integration-test harness: source it from tests/integration/*.sh.
#   nk_tmpdir                 a per-test mktemp -d directory ($NK_TMP)
#   nk_netns_add NAME         make namespace ${NK_NS_PREFIX}NAME (lo up); echo it
#   nk_daemon NAME CMD...     start CMD in the background, remember its pid
#   nk_daemon_ns NS NAME CMD... the same inside a namespace
#   nk_wait_for SECS CMD...   retry CMD until it succeeds or SECS pass
#   nk_pass NAME / nk_fail NAME WHY / nk_skip NAME WHY   verdict lines
#   nk_need_root NAME         SKIP (and return 1) unless root
#   nk_bin TOOL               path of the built tool
# An EXIT trap stops every daemon by pid and deletes every namespace that
# this run made, also when the test fails or is interrupted.
# Traffic goes only to loopback or into these namespaces.

set -u
NK_TOP=${NK_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
NK_BUILD=${NK_BUILD:-$NK_TOP/build-san}
NK_SHARED=${NK_SHARED:-$(cd "$NK_TOP/.." && pwd)/shared}
# Short, unique per run: namespaces and interface names have tight limits.
NK_NS_PREFIX=${NK_NS_PREFIX:-nkt$$}
NK_TMP=""
NK_PIDS=()
NK_NETNS=()
NK_FAILED=0

# Namespaces and pids are also recorded in files under $NK_TMP, so that
# helpers called in a command substitution ($(nk_netns_add x)), which runs
# in a subshell, still register what they made.
nk_cleanup() {
	local pid ns
	if [ -n "$NK_TMP" ]; then
		[ -f "$NK_TMP/.pids" ] && mapfile -t -O "${#NK_PIDS[@]}" NK_PIDS <"$NK_TMP/.pids"
		[ -f "$NK_TMP/.netns" ] && mapfile -t -O "${#NK_NETNS[@]}" NK_NETNS <"$NK_TMP/.netns"
	fi
	for pid in "${NK_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${NK_PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
	done
	for ns in "${NK_NETNS[@]}"; do
		# Processes left inside the namespace die with it.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$NK_TMP" ] && [ -d "$NK_TMP" ]; then
		rm -rf "$NK_TMP"
	fi
}
trap nk_cleanup EXIT
trap 'exit 130' INT TERM

nk_tmpdir() {
	if [ -z "$NK_TMP" ]; then
		NK_TMP=$(mktemp -d /tmp/nockit-it.XXXXXX)
		chmod 0755 "$NK_TMP"
	fi
	echo "$NK_TMP"
}
nk_tmpdir >/dev/null

nk_pass() { echo "PASS $1"; }
nk_fail() { echo "FAIL $1: $2"; NK_FAILED=1; }
nk_skip() { echo "SKIP $1: $2"; }

nk_need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		nk_skip "$1" "needs root (network namespaces / raw sockets)"
		return 1
	fi
	return 0
}

nk_bin() {
	echo "$NK_BUILD/$1/$1"
}

nk_netns_add() {
	local ns=${NK_NS_PREFIX}$1
	ip netns add "$ns" || return 1
	NK_NETNS+=("$ns")
	echo "$ns" >>"$NK_TMP/.netns"
	ip -n "$ns" link set lo up
	echo "$ns"
}

nk_register_pid() {
	NK_PIDS+=("$1")
	echo "$1" >>"$NK_TMP/.pids"
}

nk_daemon() {
	local name=$1
	shift
	"$@" >"$NK_TMP/$name.out" 2>"$NK_TMP/$name.err" &
	NK_PIDS+=("$!")
	echo "$!" >>"$NK_TMP/.pids"
	echo "$!"
}

nk_daemon_ns() {
	local ns=$1 name=$2
	shift 2
	ip netns exec "$ns" "$@" >"$NK_TMP/$name.out" 2>"$NK_TMP/$name.err" &
	NK_PIDS+=("$!")
	echo "$!" >>"$NK_TMP/.pids"
	echo "$!"
}

# nk_wait_for SECS CMD...: readiness by a real answer, never a bare sleep.
nk_wait_for() {
	local secs=$1 deadline
	shift
	deadline=$(($(date +%s%N) + secs * 1000000000))
	while [ "$(date +%s%N)" -lt "$deadline" ]; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# nk_expect NAME ACTUAL EXPECTED: equality check with a verdict line.
nk_expect() {
	if [ "$2" = "$3" ]; then
		nk_pass "$1"
	else
		nk_fail "$1" "got '$2', want '$3'"
	fi
}

# nk_expect_grep NAME FILE PATTERN: FILE must match the extended regexp.
nk_expect_grep() {
	if grep -Eq -- "$3" "$2"; then
		nk_pass "$1"
	else
		nk_fail "$1" "no line matching '$3' in $(basename "$2"): $(head -c 300 "$2" | tr '\n' '|')"
	fi
}
