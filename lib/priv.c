/*
 * priv: give up root or file capabilities once the privileged resources are
 * open (STYLE.md §7), and prove it: after the drop, setuid(0) must fail,
 * no supplementary group may remain and libcap-ng must see no capability.
 * The order follows OpenBSD ping ("revoke privs") and tcpdump's droproot:
 * groups first (setgroups needs CAP_SETGID), then gid, then uid, because
 * once the uid is gone so is the right to change the rest.
 */
#include "priv.h"

#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

#define PING_RANGE_PATH "/proc/sys/net/ipv4/ping_group_range"

/*
 * The bounding set can only shrink with CAP_SETPCAP; a process running
 * with file capabilities (cap_net_raw+ep) does not have it. That is fine:
 * the bounding set limits what exec can grant, and NO_NEW_PRIVS already
 * forbids exec from granting anything.
 */
static int
clear_bounds(const char *who, struct nk_err *err)
{
	capng_setpid(getpid());
	if (capng_get_caps_process() != 0) {
		nk_err_set(err,
		    "drop privileges to '%s': read capabilities: %s", who,
		    strerror(errno));
		return -1;
	}
	/* Root without CAP_SETPCAP (a locked-down container): see above. */
	if (!capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP))
		return 0;
	capng_clear(CAPNG_SELECT_BOUNDS);
	if (capng_apply(CAPNG_SELECT_BOUNDS) != 0) {
		nk_err_set(err,
		    "drop privileges to '%s': clear the capability "
		    "bounding set (libcap-ng) failed",
		    who);
		return -1;
	}
	return 0;
}

static int
clear_caps(const char *who, struct nk_err *err)
{
	capng_select_t set = CAPNG_SELECT_CAPS;

	capng_setpid(getpid());
	if (capng_get_caps_process() != 0) {
		nk_err_set(err,
		    "drop privileges to '%s': read capabilities: %s", who,
		    strerror(errno));
		return -1;
	}
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP))
		set = CAPNG_SELECT_BOTH;
	capng_clear(set);
	if (capng_apply(set) != 0) {
		nk_err_set(err,
		    "drop privileges to '%s': clear capabilities "
		    "(libcap-ng) failed",
		    who);
		return -1;
	}
	return 0;
}

static int
verify_no_caps(const char *who, struct nk_err *err)
{
	if (capng_get_caps_process() != 0) {
		nk_err_set(err,
		    "drop privileges to '%s': read capabilities: %s", who,
		    strerror(errno));
		return -1;
	}
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
		nk_err_set(err,
		    "drop privileges to '%s': capabilities remain "
		    "after clearing them",
		    who);
		return -1;
	}
	return 0;
}

/* Root is gone for good: no way back to uid/gid 0, no extra group. */
static int
verify_root_gone(const char *who, uid_t uid, gid_t gid, struct nk_err *err)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	gid_t groups[4];

	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0) {
		nk_err_set(err, "drop privileges to '%s': getresuid: %s", who,
		    strerror(errno));
		return -1;
	}
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
	    sg != gid) {
		nk_err_set(err,
		    "drop privileges to '%s': ids are uid %u/%u/%u "
		    "gid %u/%u/%u after the switch",
		    who, (unsigned)ru, (unsigned)eu, (unsigned)su, (unsigned)rg,
		    (unsigned)eg, (unsigned)sg);
		return -1;
	}
	if (setuid(0) != -1 || seteuid(0) != -1) {
		nk_err_set(err,
		    "drop privileges to '%s': root could be regained "
		    "with setuid(0)",
		    who);
		return -1;
	}
	if (gid != 0 && (setgid(0) != -1 || setegid(0) != -1)) {
		nk_err_set(err,
		    "drop privileges to '%s': group 0 could be "
		    "regained with setgid(0)",
		    who);
		return -1;
	}
	int n = getgroups((int)(sizeof(groups) / sizeof(groups[0])), groups);
	if (n < 0 || n > 1 || (n == 1 && groups[0] != gid)) {
		nk_err_set(err,
		    "drop privileges to '%s': supplementary groups "
		    "remain (%d)",
		    who, n);
		return -1;
	}
	return 0;
}

static int
become_user(const char *who, uid_t uid, gid_t gid, struct nk_err *err)
{
	if (setgroups(0, NULL) != 0) {
		nk_err_set(err, "drop privileges to '%s': setgroups: %s", who,
		    strerror(errno));
		return -1;
	}
	if (setresgid(gid, gid, gid) != 0) {
		nk_err_set(err, "drop privileges to '%s': setresgid %u: %s",
		    who, (unsigned)gid, strerror(errno));
		return -1;
	}
	if (setresuid(uid, uid, uid) != 0) {
		nk_err_set(err, "drop privileges to '%s': setresuid %u: %s",
		    who, (unsigned)uid, strerror(errno));
		return -1;
	}
	return 0;
}

int
nk_priv_drop(const char *user, struct nk_err *err)
{
	bool root = getuid() == 0 || geteuid() == 0;
	const char *who = user != NULL ? user : NK_PRIV_DEFAULT_USER;
	uid_t uid = 0;
	gid_t gid = 0;

	/*
	 * Look the user up first, before anything changes, so a typo fails
	 * cleanly. Not root, the default user is not needed at all.
	 */
	if (root || user != NULL) {
		errno = 0;
		const struct passwd *pw = getpwnam(who);
		if (pw == NULL) {
			nk_err_set(err, "drop privileges to '%s': %s", who,
			    errno != 0 && errno != ENOENT && errno != ESRCH
				? strerror(errno)
				: "no such user");
			return -1;
		}
		if (pw->pw_uid == 0) {
			nk_err_set(err,
			    "drop privileges to '%s': user has "
			    "uid 0",
			    who);
			return -1;
		}
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (root) {
		/* The bounding set first: it needs CAP_SETPCAP, which the
		 * uid switch takes away. */
		if (clear_bounds(who, err) != 0)
			return -1;
		if (become_user(who, uid, gid, err) != 0)
			return -1;
	}
	/* Not root: file capabilities (setcap cap_net_raw+ep). Root: the
	 * uid switch emptied the sets already; this makes it explicit. */
	if (clear_caps(who, err) != 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0) {
		nk_err_set(err,
		    "drop privileges to '%s': PR_SET_NO_NEW_PRIVS: %s", who,
		    strerror(errno));
		return -1;
	}
	if (root && verify_root_gone(who, uid, gid, err) != 0)
		return -1;
	return verify_no_caps(who, err);
}

int
nk_priv_drop_caps(struct nk_err *err)
{
	const char *who = "(current user)";

	if (clear_bounds(who, err) != 0 || clear_caps(who, err) != 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0) {
		nk_err_set(err,
		    "drop privileges to '%s': PR_SET_NO_NEW_PRIVS: %s", who,
		    strerror(errno));
		return -1;
	}
	return verify_no_caps(who, err);
}

bool
nk_priv_can_raw(void)
{
	/*
	 * Ask for the capability, not the uid: root in a container may lack
	 * CAP_NET_RAW, and a non-root binary may have it as a file cap.
	 */
	capng_setpid(getpid());
	if (capng_get_caps_process() != 0)
		return geteuid() == 0;
	return capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_RAW) != 0;
}

int
nk_priv_ping_range_parse(const char *text, long *lo, long *hi)
{
	char *end;
	long a, b;

	errno = 0;
	a = strtol(text, &end, 10);
	if (end == text || errno != 0)
		return -1;
	text = end;
	b = strtol(text, &end, 10);
	if (end == text || errno != 0)
		return -1;
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	if (*end != '\0')
		return -1;
	*lo = a;
	*hi = b;
	return 0;
}

static bool
in_range(gid_t g, long lo, long hi)
{
	return (long)g >= lo && (long)g <= hi;
}

bool
nk_priv_ping_group_allows(long *lo, long *hi)
{
	char buf[64];
	long a, b;
	FILE *f = fopen(PING_RANGE_PATH, "re");

	if (f == NULL)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	if (nk_priv_ping_range_parse(buf, &a, &b) != 0)
		return false;
	if (lo != NULL)
		*lo = a;
	if (hi != NULL)
		*hi = b;
	/* The kernel (ping_group_range check in net/ipv4/ping.c) accepts
	 * the effective gid or any supplementary group. */
	if (in_range(getegid(), a, b))
		return true;
	int ng = getgroups(0, NULL);
	if (ng <= 0)
		return false;
	gid_t *groups = calloc((size_t)ng, sizeof(*groups));
	if (groups == NULL)
		return false;
	bool ok = false;
	ng = getgroups(ng, groups);
	for (int i = 0; i < ng; i++)
		if (in_range(groups[i], a, b))
			ok = true;
	free(groups);
	return ok;
}

int
nk_priv_stdio_guard(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free descriptor is fd itself. */
		int opened = open("/dev/null", O_RDWR);
		if (opened < 0)
			return -1;
		if (opened != fd) {
			(void)close(opened);
			return -1;
		}
	}
	return 0;
}
