/*
 * priv: open raw sockets and captures first, then drop privileges:
 * setgroups(0), setresgid, setresuid to an unprivileged user, every
 * capability cleared (libcap-ng), PR_SET_NO_NEW_PRIVS, and a check that
 * root cannot be regained. Never installed setuid.
 */
#ifndef NK_PRIV_H
#define NK_PRIV_H

#include <stdbool.h>

#include "err.h"

#define NK_PRIV_DEFAULT_USER "nobody"

/*
 * As root: become `user` (NULL = NK_PRIV_DEFAULT_USER) with no
 * supplementary groups, an empty bounding set (given CAP_SETPCAP), and
 * check that uid/gid 0 cannot be regained. Not root: clear any file
 * capabilities (the user, if given, must still exist). Either way no
 * capability is left and PR_SET_NO_NEW_PRIVS is set. 0, or -1 with err
 * ("drop privileges to 'x': no such user") — the caller must then exit,
 * never carry on privileged.
 */
int nk_priv_drop(const char *user, struct nk_err *err);

/*
 * Keep the current uid and gid (root stays uid 0) but clear every
 * capability, the bounding set too when CAP_SETPCAP allows, and set
 * PR_SET_NO_NEW_PRIVS: what a daemon configured with an empty user does
 * after opening its sockets. 0, or -1 with err; the caller must then exit.
 */
int nk_priv_drop_caps(struct nk_err *err);

/* True when the process may open raw sockets: CAP_NET_RAW is effective
 * (root normally has it; root in a container may not). */
bool nk_priv_can_raw(void);

/*
 * net.ipv4.ping_group_range (it governs ICMPv6 datagram sockets too):
 * true when the current group is inside it, so SOCK_DGRAM/IPPROTO_ICMP
 * works without privileges. *lo and *hi get the range when non-NULL.
 */
bool nk_priv_ping_group_allows(long *lo, long *hi);

/* Parse the sysctl's text ("1\t0\n": nobody allowed). 0, or -1 when it
 * is not two decimal numbers (pure; unit-tested). */
int nk_priv_ping_range_parse(const char *text, long *lo, long *hi);

/*
 * Call first in main(): any of fd 0, 1, 2 that is closed (cron, a
 * supervisor, `<&-`) is opened on /dev/null, so the next socket or file
 * cannot become "stderr" and receive log lines, nor "stdin" and be read
 * as keys. 0, or -1 when /dev/null cannot be opened (nothing to report
 * to then: the caller exits).
 */
int nk_priv_stdio_guard(void);

#endif
