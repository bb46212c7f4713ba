/* resolve: host names resolved again in a child process. */
#include "resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "log.h"
#include "probe.h"
#include "report.h"

#define MP_RESOLVE_MAX_BUDGET_S 30u

struct mp_resolver {
	struct mp_engine *e;
	struct nk_loop *loop;
	int64_t every_ns;
	pid_t pid;    /* running child, -1 if none */
	int fd;       /* its pipe, -1 if none */
	uint8_t buf[sizeof(struct mp_resolve_rec)];
	size_t have;  /* bytes of a partial record */
	uint64_t n_skipped;
};

int
mp_resolve_apply(struct mp_engine *e, const struct mp_resolve_rec *rec)
{
	struct nk_addr a, old;

	if (rec->target >= e->ts->n || e->ts->v[rec->target].host == NULL)
		return -1;
	struct mp_target *tg = &e->ts->v[rec->target];
	if (rec->family == 0) {
		nk_log(NK_LOG_WARN, "resolve_failed", "target=%s host=%s "
		    "error=\"%s\" action=kept", tg->name, tg->host,
		    gai_strerror(rec->gai));
		return -1;
	}
	if (rec->family != AF_INET && rec->family != AF_INET6)
		return -1;
	memset(&a, 0, sizeof(a));
	a.family = rec->family;
	memcpy(a.bytes, rec->bytes, rec->family == AF_INET ? 4 : 16);
	if (nk_addr_eq(&a, &tg->addr))
		return 0;
	char nb[NK_ADDR_STRLEN];
	nk_addr_fmt(&a, nb, sizeof(nb));
	struct nk_err err = {{0}};
	if (mp_probe_check_family(e, a.family, &err)) {
		nk_log(NK_LOG_WARN, "resolve_refused", "target=%s host=%s "
		    "new=%s reason=\"%s\" action=kept", tg->name, tg->host, nb,
		    nk_err_msg(&err));
		return -1;
	}
	old = tg->addr;
	if (mp_targets_readdress(e->ts, rec->target, &a)) {
		nk_log(NK_LOG_WARN, "resolve_refused", "target=%s host=%s "
		    "new=%s reason=\"already a target\" action=kept", tg->name,
		    tg->host, nb);
		return -1;
	}
	mp_report_address_change(e->rep, e, rec->target, &old);
	return 1;
}

static void
child_reap(struct mp_resolver *r)
{
	if (r->pid > 0 && waitpid(r->pid, NULL, WNOHANG) == r->pid)
		r->pid = -1;
}

static void
pipe_close(struct mp_resolver *r)
{
	if (r->fd >= 0) {
		nk_loop_del_fd(r->loop, r->fd);
		close(r->fd);
		r->fd = -1;
	}
	r->have = 0;
}

static void
on_pipe(struct nk_loop *loop, int fd, short revents, void *ctx,
    int64_t now_ns)
{
	struct mp_resolver *r = ctx;
	uint8_t chunk[64 * sizeof(struct mp_resolve_rec)];

	(void)loop;
	(void)revents;
	(void)now_ns;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) { /* EOF (or an error): the pass is over */
			pipe_close(r);
			child_reap(r);
			return;
		}
		/* whole records only; a partial one waits in buf */
		for (size_t i = 0; i < (size_t)n; i++) {
			r->buf[r->have++] = chunk[i];
			if (r->have == sizeof(r->buf)) {
				struct mp_resolve_rec rec;
				memcpy(&rec, r->buf, sizeof(rec));
				r->have = 0;
				(void)mp_resolve_apply(r->e, &rec);
			}
		}
	}
}

static void
write_all(int fd, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len > 0) {
		ssize_t n = write(fd, b, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(1);
		b += n;
		len -= (size_t)n;
	}
}

/* The child: resolve every name, one record each, then exit. Prefer an
 * address of the family the target has now (no v4/v6 flapping). */
static void
child_run(const struct mp_engine *e, int fd, unsigned budget_s)
{
	sigset_t all;

	sigfillset(&all);
	(void)sigprocmask(SIG_UNBLOCK, &all, NULL);
	(void)signal(SIGALRM, SIG_DFL);
	(void)signal(SIGPIPE, SIG_DFL);
	alarm(budget_s);
	for (size_t t = 0; t < e->ts->n; t++) {
		const struct mp_target *tg = &e->ts->v[t];
		struct mp_resolve_rec rec;
		struct addrinfo hints, *res = NULL;
		if (tg->host == NULL)
			continue;
		memset(&rec, 0, sizeof(rec));
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_RAW;
		rec.target = (uint32_t)t;
		int rc = getaddrinfo(tg->host, NULL, &hints, &res);
		if (rc != 0) {
			rec.gai = rc;
		} else {
			const struct addrinfo *pick = NULL;
			for (const struct addrinfo *ai = res; ai != NULL;
			     ai = ai->ai_next)
				if (ai->ai_family == tg->addr.family) {
					pick = ai;
					break;
				}
			struct nk_addr a;
			if (pick == NULL)
				pick = res;
			if (nk_addr_from_sockaddr(pick->ai_addr,
				pick->ai_addrlen, &a) == 0) {
				rec.family = a.family;
				memcpy(rec.bytes, a.bytes, sizeof(rec.bytes));
			} else {
				rec.gai = EAI_FAMILY;
			}
			freeaddrinfo(res);
		}
		write_all(fd, &rec, sizeof(rec));
	}
	_exit(0);
}

static void
on_tick(struct nk_loop *loop, void *ctx, int64_t now_ns)
{
	struct mp_resolver *r = ctx;
	int p[2];

	(void)nk_loop_timer_add(loop, now_ns + r->every_ns, on_tick, r);
	child_reap(r);
	if (r->pid > 0 || r->fd >= 0) {
		r->n_skipped++;
		nk_log(NK_LOG_WARN, "resolve_skipped", "count=%llu reason=\"the "
		    "previous pass is still running\"",
		    (unsigned long long)r->n_skipped);
		return;
	}
	if (pipe2(p, O_CLOEXEC) != 0) {
		nk_log(NK_LOG_WARN, "resolve_failed", "error=\"pipe: %s\"",
		    strerror(errno));
		return;
	}
	int64_t b = r->every_ns / 2 / NK_NS_PER_SEC;
	unsigned budget = b < 1 ? 1u : b > MP_RESOLVE_MAX_BUDGET_S ?
	    MP_RESOLVE_MAX_BUDGET_S : (unsigned)b;
	fflush(NULL); /* nothing buffered may be written twice */
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		child_run(r->e, p[1], budget);
	}
	close(p[1]);
	if (pid < 0) {
		nk_log(NK_LOG_WARN, "resolve_failed", "error=\"fork: %s\"",
		    strerror(errno));
		close(p[0]);
		return;
	}
	r->pid = pid;
	(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
	r->fd = p[0];
	if (nk_loop_add_fd(loop, r->fd, POLLIN, on_pipe, r)) {
		close(r->fd);
		r->fd = -1;
	}
}

int
mp_resolve_start(struct mp_resolver **out, struct mp_engine *e,
    struct nk_loop *loop, int64_t every_ns, struct nk_err *err)
{
	bool any = false;

	*out = NULL;
	for (size_t t = 0; t < e->ts->n && !any; t++)
		any = e->ts->v[t].host != NULL;
	if (!any || every_ns <= 0)
		return 0;
	struct mp_resolver *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		nk_err_set(err, "out of memory");
		return -1;
	}
	r->e = e;
	r->loop = loop;
	r->every_ns = every_ns;
	r->pid = -1;
	r->fd = -1;
	(void)nk_loop_timer_add(loop, nk_loop_now_ns(loop) + every_ns, on_tick,
	    r);
	*out = r;
	return 0;
}

void
mp_resolve_free(struct mp_resolver *r)
{
	if (r == NULL)
		return;
	pipe_close(r);
	if (r->pid > 0) {
		(void)kill(r->pid, SIGKILL);
		(void)waitpid(r->pid, NULL, 0);
	}
	free(r);
}
