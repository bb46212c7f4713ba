#!/bin/sh
# Install the Debian packages nockit needs to build, test, fuzz and benchmark.
# Idempotent: only missing packages are installed; needs root (apt-get).
set -eu

PKGS="
build-essential pkg-config clang libclang-rt-14-dev
libcmocka-dev libjson-c-dev libncurses-dev libpcap-dev libnet1-dev
libcurl4-openssl-dev libcap-ng-dev libcairo2-dev zlib1g-dev libbz2-dev
ieee-data iproute2 nftables fping iputils-ping tcpdump tshark
python3 tmux procps groff-base
"
# Each tool may list the packages its tests, labs and benchmarks need in
# scripts/deps/<tool>.txt (one or more names per line, '#' comments), and
# debconf answers in scripts/deps/<tool>.debconf (debconf-set-selections).
here=$(dirname "$0")
for f in "$here"/deps/*.txt; do
	[ -f "$f" ] || continue
	PKGS="$PKGS $(sed 's/#.*//' "$f")"
done

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing; run as root: sudo $0" >&2
	exit 1
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
for f in "$here"/deps/*.debconf; do
	[ -f "$f" ] || continue
	if ! command -v debconf-set-selections >/dev/null 2>&1; then
		apt-get install -y -qq debconf >/dev/null
	fi
	debconf-set-selections "$f"
done
# Servers installed for the test labs (dovecot, postfix, nsd, unbound, ...)
# must not start as system services: the labs run their own copies on
# loopback high ports. policy-rc.d exiting 101 tells invoke-rc.d "don't".
made_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
	made_policy=yes
fi
# shellcheck disable=SC2086
if ! apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
	[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
	echo "install-deps: apt-get install failed for:$missing" >&2
	exit 1
fi
[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
echo "install-deps: done"
