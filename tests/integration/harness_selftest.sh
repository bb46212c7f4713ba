#!/usr/bin/env bash
# The harness must clean up what a test made, also when the test fails:
# namespaces deleted, daemons stopped, temp dir removed.
. "$(dirname "$0")/../lib/harness.sh"

nk_need_root harness-cleanup || exit 0

child=$NK_TMP/child.sh
cat >"$child" <<CHILD
. "$NK_TOP/tests/lib/harness.sh"
NK_NS_PREFIX=$NK_NS_PREFIX
ns=\$(nk_netns_add c)
nk_daemon_ns "\$ns" sleeper sleep 300 >/dev/null
echo "\$NK_TMP" >"$NK_TMP/child-tmp"
echo "\${NK_PIDS[0]}" >"$NK_TMP/child-pid"
exit 7   # a failing test
CHILD
bash "$child"
rc=$?
nk_expect harness-child-exit "$rc" 7

if ip netns list | grep -q "^${NK_NS_PREFIX}c\b"; then
	nk_fail harness-netns-deleted "namespace ${NK_NS_PREFIX}c left behind"
else
	nk_pass harness-netns-deleted
fi
pid=$(cat "$NK_TMP/child-pid")
if kill -0 "$pid" 2>/dev/null; then
	nk_fail harness-daemon-stopped "pid $pid still running"
	kill -9 "$pid"
else
	nk_pass harness-daemon-stopped
fi
if [ -d "$(cat "$NK_TMP/child-tmp")" ]; then
	nk_fail harness-tmp-removed "$(cat "$NK_TMP/child-tmp") left behind"
else
	nk_pass harness-tmp-removed
fi

# Readiness waits succeed on a real answer and give up at their deadline.
if nk_wait_for 2 test -d "$NK_TMP"; then
	nk_pass harness-wait-ready
else
	nk_fail harness-wait-ready "wait_for did not see an existing dir"
fi
start=$(date +%s)
if nk_wait_for 1 false; then
	nk_fail harness-wait-deadline "wait_for succeeded on false"
else
	[ $(($(date +%s) - start)) -le 3 ] && nk_pass harness-wait-deadline ||
		nk_fail harness-wait-deadline "did not give up near its deadline"
fi
exit "$NK_FAILED"
