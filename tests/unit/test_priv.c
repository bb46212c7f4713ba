#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "priv.h"

/* What a child saw after nk_priv_drop; sent to the parent over a pipe. */
struct report {
	int drop_rc;
	char msg[NK_ERR_MAX];
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	int n_groups;
	gid_t group0;
	int caps;   /* capng_have_capabilities(CAPNG_SELECT_CAPS) */
	int bounds; /* capng_have_capabilities(CAPNG_SELECT_BOUNDS) */
	int setuid_rc, setuid_errno;
	int setgid_rc;
	int no_new_privs;
	bool can_raw_before, can_raw_after;
};

static void
fill_report(struct report *r)
{
	gid_t g[8];

	(void)getresuid(&r->ruid, &r->euid, &r->suid);
	(void)getresgid(&r->rgid, &r->egid, &r->sgid);
	r->n_groups = getgroups(8, g);
	r->group0 = r->n_groups > 0 ? g[0] : (gid_t)-1;
	capng_setpid(getpid());
	if (capng_get_caps_process() == 0) {
		r->caps = (int)capng_have_capabilities(CAPNG_SELECT_CAPS);
		r->bounds = (int)capng_have_capabilities(CAPNG_SELECT_BOUNDS);
	} else {
		r->caps = r->bounds = -1;
	}
	r->can_raw_after = nk_priv_can_raw();
	errno = 0;
	r->setuid_rc = setuid(0);
	r->setuid_errno = errno;
	r->setgid_rc = setgid(0);
	r->no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0L, 0L, 0L, 0L);
}

/* Run fn in a child and collect its report. */
static void
run_child(void (*fn)(struct report *), struct report *r)
{
	int p[2];

	memset(r, 0, sizeof(*r));
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct report c;
		memset(&c, 0, sizeof(c));
		(void)close(p[0]);
		fn(&c);
		ssize_t n = write(p[1], &c, sizeof(c));
		_exit(n == (ssize_t)sizeof(c) ? 0 : 1);
	}
	(void)close(p[1]);
	size_t got = 0;
	while (got < sizeof(*r)) {
		ssize_t n = read(p[0], (char *)r + got, sizeof(*r) - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	(void)close(p[0]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(got, sizeof(*r));
}

static bool
need_root(void)
{
	if (geteuid() == 0)
		return true;
	printf("SKIP needs root to drop privileges (run as root; CI does)\n");
	return false;
}

static void
child_drop_nobody(struct report *r)
{
	struct nk_err err = {{0}};

	r->can_raw_before = nk_priv_can_raw();
	r->drop_rc = nk_priv_drop("nobody", &err);
	(void)snprintf(r->msg, sizeof(r->msg), "%s", nk_err_msg(&err));
	fill_report(r);
}

static void
assert_dropped_to_nobody(const struct report *r)
{
	const struct passwd *pw = getpwnam("nobody");

	assert_non_null(pw);
	if (r->drop_rc != 0)
		fail_msg("nk_priv_drop: %s", r->msg);
	assert_int_equal(r->ruid, pw->pw_uid);
	assert_int_equal(r->euid, pw->pw_uid);
	assert_int_equal(r->suid, pw->pw_uid);
	assert_int_equal(r->rgid, pw->pw_gid);
	assert_int_equal(r->egid, pw->pw_gid);
	assert_int_equal(r->sgid, pw->pw_gid);
	/* No supplementary groups (or only our own gid). */
	assert_true(
	    r->n_groups == 0 || (r->n_groups == 1 && r->group0 == pw->pw_gid));
	assert_int_equal(r->caps, CAPNG_NONE);
	assert_false(r->can_raw_after);
	assert_int_equal(r->setuid_rc, -1);
	assert_int_equal(r->setuid_errno, EPERM);
	assert_int_equal(r->setgid_rc, -1);
	assert_int_equal(r->no_new_privs, 1);
}

static void
test_root_drops_to_nobody(void **state)
{
	(void)state;
	struct report r;

	if (!need_root()) {
		skip();
		return;
	}
	run_child(child_drop_nobody, &r);
	assert_true(r.can_raw_before);
	assert_dropped_to_nobody(&r);
	/* Root with CAP_SETPCAP (CI has it) clears the bounding set too. */
	capng_setpid(getpid());
	assert_int_equal(capng_get_caps_process(), 0);
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP))
		assert_int_equal(r.bounds, CAPNG_NONE);
}

static void
child_with_groups(struct report *r)
{
	gid_t extra[2] = {0, 4}; /* root, adm */

	if (setgroups(2, extra) != 0) {
		r->drop_rc = -100;
		return;
	}
	child_drop_nobody(r);
}

static void
test_root_supplementary_groups_dropped(void **state)
{
	(void)state;
	struct report r;

	if (!need_root()) {
		skip();
		return;
	}
	run_child(child_with_groups, &r);
	assert_int_not_equal(r.drop_rc, -100);
	assert_dropped_to_nobody(&r);
}

/*
 * A non-root process holding CAP_NET_RAW, as a binary with
 * `setcap cap_net_raw+ep` would: root keeps its permitted set across the
 * uid switch (PR_SET_KEEPCAPS), then raises CAP_NET_RAW again.
 */
static void
child_file_caps(struct report *r)
{
	const struct passwd *pw = getpwnam("nobody");
	struct nk_err err = {{0}};

	r->drop_rc = -100;
	if (pw == NULL || setgroups(0, NULL) != 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0)
		return;
	capng_setpid(getpid());
	if (capng_get_caps_process() != 0)
		return;
	capng_clear(CAPNG_SELECT_CAPS);
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
		CAP_NET_RAW) != 0 ||
	    capng_apply(CAPNG_SELECT_CAPS) != 0)
		return;
	r->can_raw_before = nk_priv_can_raw();
	r->drop_rc = nk_priv_drop(NULL, &err);
	(void)snprintf(r->msg, sizeof(r->msg), "%s", nk_err_msg(&err));
	fill_report(r);
}

static void
test_file_caps_cleared(void **state)
{
	(void)state;
	struct report r;

	if (!need_root()) {
		skip();
		return;
	}
	run_child(child_file_caps, &r);
	assert_int_not_equal(r.drop_rc, -100); /* the setup worked */
	assert_true(r.can_raw_before);         /* it really had the cap */
	assert_dropped_to_nobody(&r);
}

static void
child_drop_caps(struct report *r)
{
	struct nk_err err = {{0}};

	r->can_raw_before = nk_priv_can_raw();
	r->drop_rc = nk_priv_drop_caps(&err);
	(void)snprintf(r->msg, sizeof(r->msg), "%s", nk_err_msg(&err));
	fill_report(r);
}

/* An empty `user =`: root stays uid 0 but holds no capability at all. */
static void
test_root_keeps_uid_drops_caps(void **state)
{
	(void)state;
	struct report r;

	if (!need_root()) {
		skip();
		return;
	}
	run_child(child_drop_caps, &r);
	if (r.drop_rc != 0)
		fail_msg("nk_priv_drop_caps: %s", r.msg);
	assert_true(r.can_raw_before);
	assert_int_equal(r.ruid, 0);
	assert_int_equal(r.euid, 0);
	assert_int_equal(r.caps, CAPNG_NONE);
	assert_false(r.can_raw_after);
	assert_int_equal(r.no_new_privs, 1);
	capng_setpid(getpid());
	assert_int_equal(capng_get_caps_process(), 0);
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP))
		assert_int_equal(r.bounds, CAPNG_NONE);
}

static void
test_bad_user_named_in_error(void **state)
{
	(void)state;
	struct nk_err err = {{0}};
	uid_t uid = getuid();

	/* Looked up before anything changes, root or not. */
	assert_int_equal(nk_priv_drop("no-such-user-h3x", &err), -1);
	assert_non_null(strstr(nk_err_msg(&err), "'no-such-user-h3x'"));
	assert_non_null(strstr(nk_err_msg(&err), "no such user"));
	assert_int_equal(getuid(), uid);
	/* And refusing a uid-0 account. */
	if (geteuid() == 0) {
		assert_int_equal(nk_priv_drop("root", &err), -1);
		assert_non_null(strstr(nk_err_msg(&err), "uid 0"));
		assert_int_equal(getuid(), 0);
		assert_true(nk_priv_can_raw());
	}
}

static void
test_ping_range_parse(void **state)
{
	(void)state;
	long lo = -5, hi = -5;

	assert_int_equal(nk_priv_ping_range_parse("1\t0\n", &lo, &hi), 0);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 0);
	assert_int_equal(
	    nk_priv_ping_range_parse("0\t2147483647", &lo, &hi), 0);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 2147483647);
	lo = hi = -5;
	assert_int_equal(nk_priv_ping_range_parse("", &lo, &hi), -1);
	assert_int_equal(nk_priv_ping_range_parse("7", &lo, &hi), -1);
	assert_int_equal(nk_priv_ping_range_parse("1 2 3", &lo, &hi), -1);
	assert_int_equal(nk_priv_ping_range_parse("a b", &lo, &hi), -1);
	assert_int_equal(lo, -5); /* untouched on failure */
}

/* Compare with the sysctl as read here, whatever this host has. */
static void
test_ping_group_allows_matches_sysctl(void **state)
{
	(void)state;
	long lo = -5, hi = -5, flo, fhi;
	char buf[64] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/ping_group_range", "r");

	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	(void)fclose(f);
	assert_int_equal(nk_priv_ping_range_parse(buf, &flo, &fhi), 0);

	bool allows = nk_priv_ping_group_allows(&lo, &hi);
	assert_int_equal(lo, flo);
	assert_int_equal(hi, fhi);
	bool want = (long)getegid() >= flo && (long)getegid() <= fhi;
	gid_t g[256];
	int n = getgroups(256, g);
	for (int i = 0; i < n; i++)
		if ((long)g[i] >= flo && (long)g[i] <= fhi)
			want = true;
	assert_int_equal(allows, want);
	assert_int_equal(nk_priv_ping_group_allows(NULL, NULL), want);
}

static bool
is_dev_null(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	    st.st_rdev == makedev(1, 3);
}

/* Closed stdin and stderr (as cron or `<&- 2>&-` leave them) become
 * /dev/null; an open stdout is left alone; the next socket is fd 3+. */
static void
test_stdio_guard_fills_closed(void **state)
{
	(void)state;
	int pipefd[2];

	assert_int_equal(pipe(pipefd), 0);
	(void)fflush(stdout);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int code = 0;
		(void)dup2(pipefd[1], 1);
		(void)close(pipefd[0]);
		(void)close(pipefd[1]);
		(void)close(0);
		(void)close(2);
		if (nk_priv_stdio_guard() != 0)
			code |= 1;
		if (!is_dev_null(0) || !is_dev_null(2))
			code |= 2;
		if (is_dev_null(1))
			code |= 4;
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		if (s < 3)
			code |= 8;
		if (nk_priv_stdio_guard() != 0 || !is_dev_null(0))
			code |= 16; /* idempotent */
		_exit(code);
	}
	(void)close(pipefd[1]);
	(void)close(pipefd[0]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_root_drops_to_nobody),
	    cmocka_unit_test(test_root_supplementary_groups_dropped),
	    cmocka_unit_test(test_file_caps_cleared),
	    cmocka_unit_test(test_root_keeps_uid_drops_caps),
	    cmocka_unit_test(test_bad_user_named_in_error),
	    cmocka_unit_test(test_ping_range_parse),
	    cmocka_unit_test(test_stdio_guard_fills_closed),
	    cmocka_unit_test(test_ping_group_allows_matches_sysctl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
