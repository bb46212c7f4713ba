#include "dnsprobe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alarm.h"
#include "clock.h"
#include "event.h"

#define DNS_UDP_MAX 4096
#define DNS_TCP_MAX 65535

int
mp_dns_server_parse(const char *s, char *addr, size_t alen, unsigned *port)
{
	const char *colon;
	size_t n;
	unsigned long p = 53;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL)
			return -1;
		n = (size_t)(rb - s - 1);
		if (n == 0 || n >= alen)
			return -1;
		memcpy(addr, s + 1, n);
		addr[n] = '\0';
		colon = rb[1] == ':' ? rb + 1 : NULL;
		if (rb[1] != '\0' && colon == NULL)
			return -1;
	} else {
		colon = strrchr(s, ':');
		if (colon != NULL && strchr(s, ':') != colon)
			colon = NULL; /* bare IPv6 */
		n = colon != NULL ? (size_t)(colon - s) : strlen(s);
		if (n == 0 || n >= alen)
			return -1;
		memcpy(addr, s, n);
		addr[n] = '\0';
	}
	if (colon != NULL) {
		char *end;
		errno = 0;
		p = strtoul(colon + 1, &end, 10);
		if (errno != 0 || *end != '\0' || p == 0 || p > 65535)
			return -1;
	}
	*port = (unsigned)p;
	return 0;
}

static int
make_sa(const char *addr, unsigned port, struct sockaddr_storage *ss,
    socklen_t *sl)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*sl = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*s6);
		return 0;
	}
	return -1;
}

static int
open_sock(int family, int type, const char *source, struct mp_dns_result *r)
{
	int fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0) {
		snprintf(r->error, sizeof(r->error), "socket: %s",
		    strerror(errno));
		return -1;
	}
	if (source != NULL) {
		struct sockaddr_storage ss;
		socklen_t sl;
		if (make_sa(source, 0, &ss, &sl) != 0 ||
		    bind(fd, (struct sockaddr *)&ss, sl) != 0) {
			snprintf(r->error, sizeof(r->error),
			    "bind to source %s: %s", source,
			    errno ? strerror(errno) : "bad address");
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Wait for fd readiness until deadline; 1 ready, 0 timeout, -1 error. */
static int
wait_fd(int fd, short ev, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - nk_clock_mono_ns();
		struct pollfd p = {fd, ev, 0};
		int n;
		if (left <= 0)
			return 0;
		n = poll(&p, 1, (int)((left + NK_NS_PER_MS - 1) / NK_NS_PER_MS));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			continue;
		return 1;
	}
}

static int
tcp_query(const struct sockaddr_storage *ss, socklen_t sl, const uint8_t *q,
    size_t qlen, int64_t deadline, const struct mp_dns_opts *o,
    uint8_t *ans, size_t *alen, struct mp_dns_result *r)
{
	uint8_t hdr[2];
	size_t got = 0, want = 2;
	int fd = open_sock(ss->ss_family, SOCK_STREAM, o->source, r);
	int rc = -1;
	uint8_t frame[2 + 512];

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)ss, sl) != 0 &&
	    errno != EINPROGRESS) {
		snprintf(r->error, sizeof(r->error), "tcp connect: %s",
		    strerror(errno));
		goto out;
	}
	if (wait_fd(fd, POLLOUT, deadline) != 1) {
		snprintf(r->error, sizeof(r->error),
		    "tcp connect: no answer before the deadline");
		goto out;
	}
	/* RFC 7766 8: two-byte length, message in one write */
	frame[0] = (uint8_t)(qlen >> 8);
	frame[1] = (uint8_t)qlen;
	memcpy(frame + 2, q, qlen);
	if (send(fd, frame, qlen + 2, MSG_NOSIGNAL) != (ssize_t)(qlen + 2)) {
		snprintf(r->error, sizeof(r->error), "tcp send: %s",
		    strerror(errno));
		goto out;
	}
	while (got < want) {
		uint8_t *dst = want == 2 ? hdr + got : ans + got;
		ssize_t n;
		if (wait_fd(fd, POLLIN, deadline) != 1) {
			snprintf(r->error, sizeof(r->error),
			    "tcp: no answer before the deadline");
			goto out;
		}
		n = recv(fd, dst, want - got, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			snprintf(r->error, sizeof(r->error),
			    "tcp: connection closed after %zu bytes", got);
			goto out;
		}
		got += (size_t)n;
		if (want == 2 && got == 2) {
			want = (size_t)hdr[0] << 8 | hdr[1];
			got = 0;
			if (want < 12) {
				snprintf(r->error, sizeof(r->error),
				    "tcp: length %zu < a header", want);
				goto out;
			}
		}
	}
	*alen = want;
	rc = 0;
out:
	close(fd);
	return rc;
}

void
mp_dns_query(const char *server, const char *name, uint16_t type, bool rd,
    const struct mp_dns_opts *o, struct mp_dns_result *r)
{
	char addr[64];
	unsigned port;
	struct sockaddr_storage ss;
	socklen_t sl;
	uint8_t q[512];
	uint8_t *ans = NULL;
	size_t qlen = 0, alen = 0;
	uint16_t id;
	int64_t t0, deadline;
	int fd = -1;
	struct nk_err err = {{0}};

	memset(r, 0, sizeof(*r));
	snprintf(r->server, sizeof(r->server), "%s", server);
	if (mp_dns_server_parse(server, addr, sizeof(addr), &port) != 0 ||
	    make_sa(addr, port, &ss, &sl) != 0) {
		snprintf(r->error, sizeof(r->error),
		    "'%s': not ADDRESS[:PORT]", server);
		return;
	}
	id = (uint16_t)(nk_clock_real_ns() ^ (int64_t)getpid());
	if (nk_dns_query_build(name, type, rd, id, q, sizeof(q), &qlen,
		&err) != 0) {
		snprintf(r->error, sizeof(r->error), "%s", nk_err_msg(&err));
		return;
	}
	ans = malloc(DNS_TCP_MAX);
	if (ans == NULL) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		return;
	}
	fd = open_sock(ss.ss_family, SOCK_DGRAM, o->source, r);
	if (fd < 0)
		goto out;
	t0 = nk_clock_mono_ns();
	deadline = t0 + o->timeout_ns;
	/* connected UDP: the kernel drops datagrams from other sources and
	 * reports ICMP port unreachable as ECONNREFUSED */
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0 ||
	    send(fd, q, qlen, 0) != (ssize_t)qlen) {
		snprintf(r->error, sizeof(r->error), "udp send: %s",
		    strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t n;
		int w = wait_fd(fd, POLLIN, deadline);
		if (w != 1) {
			snprintf(r->error, sizeof(r->error),
			    "no answer before the deadline (%.1f s)",
			    (double)o->timeout_ns / 1e9);
			goto out;
		}
		n = recv(fd, ans, DNS_UDP_MAX, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			snprintf(r->error, sizeof(r->error), "udp: %s",
			    strerror(errno));
			goto out;
		}
		/* RFC 5452 9.1: the id and question must match ours */
		if (n < 12 || ans[0] != (uint8_t)(id >> 8) ||
		    ans[1] != (uint8_t)id)
			continue;
		alen = (size_t)n;
		break;
	}
	r->latency_ns = nk_clock_mono_ns() - t0;
	if (nk_dns_parse(ans, alen, &r->msg, &err) == 0 && r->msg.tc) {
		/* RFC 7766 5: truncated over UDP, retry over TCP */
		r->via_tcp = true;
		if (tcp_query(&ss, sl, q, qlen, deadline, o, ans, &alen, r) !=
		    0)
			goto out;
		r->latency_ns = nk_clock_mono_ns() - t0;
	} else if (err.msg[0] != '\0') {
		snprintf(r->error, sizeof(r->error), "%s", nk_err_msg(&err));
		goto out;
	}
	if (nk_dns_parse(ans, alen, &r->msg, &err) != 0) {
		snprintf(r->error, sizeof(r->error), "%s", nk_err_msg(&err));
		goto out;
	}
	if (r->msg.id != id || !r->msg.qr) {
		snprintf(r->error, sizeof(r->error), "answer id/QR mismatch");
		goto out;
	}
	r->answered = true;
out:
	if (fd >= 0)
		close(fd);
	free(ans);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Answers of the asked type, sorted, joined by ' '. */
static void
answers_text(const struct nk_dns_msg *m, uint16_t type, char *buf,
    size_t len)
{
	const char *v[NK_DNS_MAX_RR];
	unsigned n = 0;
	size_t o = 0;

	for (unsigned i = 0; i < m->n_answers; i++)
		if (m->answers[i].type == type || type == 255)
			v[n++] = m->answers[i].data;
	qsort(v, n, sizeof(v[0]), cmp_str);
	buf[0] = '\0';
	for (unsigned i = 0; i < n && o < len; i++) {
		int k = snprintf(buf + o, len - o, "%s%s", i ? " " : "", v[i]);
		if (k < 0)
			break;
		o += (size_t)k;
	}
}

static enum nk_severity
sev_of(enum nk_state st)
{
	return st == NK_STATE_OK	 ? NK_SEV_OK
	    : st == NK_STATE_WARNING	 ? NK_SEV_WARNING
	    : st == NK_STATE_CRITICAL ? NK_SEV_CRITICAL
				      : NK_SEV_UNKNOWN;
}

static void
flags_text(const struct nk_dns_msg *m, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", m->qr ? "qr " : "",
	    m->aa ? "aa " : "", m->tc ? "tc " : "", m->rd ? "rd " : "",
	    m->ra ? "ra" : "");
	size_t n = strlen(buf);
	if (n > 0 && buf[n - 1] == ' ')
		buf[n - 1] = '\0';
}

static int
run_dns(int argc, char **argv, const struct nk_cli_common *com,
    const struct mp_dns_opts *o)
{
	const char *server, *name;
	int type = 1;
	struct mp_dns_result r;
	struct nk_threshold th;
	struct nk_err err = {{0}};
	enum nk_state st = NK_STATE_OK;
	char got[1024], want[1024] = "", text[2600], flags[32], tb[16];
	bool recurses;
	int first_expect = 3;

	if (argc < 3) {
		fprintf(stderr, "mailprobe: dns SERVER[:PORT] NAME [TYPE] "
				"[EXPECTED...]\n");
		return 3;
	}
	server = argv[1];
	name = argv[2];
	if (argc > 3 && nk_dns_type_parse(argv[3]) >= 0) {
		type = nk_dns_type_parse(argv[3]);
		first_expect = 4;
	}
	if (nk_threshold_parse(o->warn, o->crit, &th, &err) != 0) {
		fprintf(stderr, "mailprobe: %s\n", nk_err_msg(&err));
		return 3;
	}
	if (first_expect < argc) {
		const char *v[64];
		int n = 0;
		size_t k = 0;
		for (int i = first_expect; i < argc && n < 64; i++)
			v[n++] = argv[i];
		qsort(v, (size_t)n, sizeof(v[0]), cmp_str);
		for (int i = 0; i < n && k < sizeof(want); i++) {
			int w = snprintf(want + k, sizeof(want) - k, "%s%s",
			    i ? " " : "", v[i]);
			if (w < 0)
				break;
			k += (size_t)w;
		}
	}
	mp_dns_query(server, name, (uint16_t)type, !o->norec, o, &r);
	got[0] = flags[0] = '\0';
	if (!r.answered) {
		st = NK_STATE_CRITICAL;
		snprintf(text, sizeof(text), "dns %s %s %s: %s", server, name,
		    nk_dns_type_name((uint16_t)type, tb, sizeof(tb)), r.error);
	} else {
		const char *why = "";
		answers_text(&r.msg, (uint16_t)type, got, sizeof(got));
		flags_text(&r.msg, flags, sizeof(flags));
		/* recursion: it answered a recursive query with RA set and
		 * not as the authority, RFC 1035 4.1.1 */
		recurses = r.msg.ra && !r.msg.aa &&
		    (r.msg.rcode == 0 || r.msg.rcode == 3);
		if (r.msg.rcode != 0 && o->recursion == NULL) {
			st = NK_STATE_CRITICAL;
			why = ", rcode not NOERROR";
		} else if (want[0] != '\0' && strcmp(want, got) != 0) {
			st = NK_STATE_WARNING;
			why = ", answers differ from expected";
		} else if (o->want_aa && !r.msg.aa) {
			st = NK_STATE_WARNING;
			why = ", not authoritative (no AA)";
		}
		if (o->recursion != NULL) {
			bool want_open = strcmp(o->recursion, "open") == 0;
			if (recurses != want_open) {
				st = NK_STATE_CRITICAL;
				why = want_open ? " (want open)"
						: " (want closed)";
			}
		}
		st = nk_state_worst(st,
		    nk_threshold_eval(&th, (double)r.latency_ns / 1e9));
		snprintf(text, sizeof(text),
		    "dns %s %s %s: %s [%s] %.3f ms %s answers: %s%s%s%s%s",
		    server, name, nk_dns_type_name((uint16_t)type, tb,
				      sizeof(tb)),
		    nk_dns_rcode_name(r.msg.rcode), flags,
		    (double)r.latency_ns / 1e6, r.via_tcp ? "tcp" : "udp",
		    got[0] ? got : "(none)", want[0] ? " expected: " : "",
		    want, o->recursion ? (recurses ? ", recursion open"
						   : ", recursion closed")
				       : "",
		    why);
	}
	if (com->json) {
		struct nk_event_sink *sink = nk_event_sink_new("mailprobe",
		    NULL, stdout);
		struct json_object *ev = sink ? nk_event_begin(sink, "dns",
		    sev_of(st), 0) : NULL;
		if (ev != NULL) {
			struct json_object *arr = json_object_new_array();
			nk_event_add_str(ev, "server", server);
			nk_event_add_str(ev, "qname", name);
			nk_event_add_str(ev, "qtype",
			    nk_dns_type_name((uint16_t)type, tb, sizeof(tb)));
			nk_event_add_str(ev, "state", nk_state_name(st));
			nk_event_add_bool(ev, "answered", r.answered);
			nk_event_add_str(ev, "error",
			    r.answered ? NULL : r.error);
			if (r.answered) {
				nk_event_add_double(ev, "latency_ms",
				    (double)r.latency_ns / 1e6);
				nk_event_add_str(ev, "transport",
				    r.via_tcp ? "tcp" : "udp");
				nk_event_add_str(ev, "rcode",
				    nk_dns_rcode_name(r.msg.rcode));
				nk_event_add_bool(ev, "aa", r.msg.aa);
				nk_event_add_bool(ev, "ra", r.msg.ra);
				nk_event_add_bool(ev, "tc", r.msg.tc);
			}
			for (unsigned i = 0; i < r.msg.n_answers; i++)
				json_object_array_add(arr,
				    json_object_new_string(
					r.msg.answers[i].data));
			json_object_object_add(ev, "answers", arr);
			nk_event_add_str(ev, "expected",
			    want[0] ? want : NULL);
			nk_event_add_str(ev, "text", text);
			(void)nk_event_emit(sink, ev);
		}
		nk_event_sink_free(sink);
	} else if (o->plugin) {
		char perf[256] = "", line[3000];
		if (r.answered)
			(void)nk_perf_append(perf, sizeof(perf), "time",
			    (double)r.latency_ns / 1e9, "s", &th, 0.0, NAN);
		nk_plugin_line(line, sizeof(line), "DNS", st, text, perf);
		printf("%s\n", line);
	} else {
		printf("%s\n# result: %s\n", text, nk_state_name(st));
		for (unsigned i = 0; i < r.msg.n_answers; i++)
			printf("  %s %u %s\n", r.msg.answers[i].name,
			    r.msg.answers[i].ttl, r.msg.answers[i].data);
	}
	return nk_state_exit_code(st);
}

static int
run_soa(int argc, char **argv, const struct nk_cli_common *com,
    const struct mp_dns_opts *o)
{
	struct mp_dns_result *rs;
	int n = argc - 2;
	uint32_t newest = 0;
	bool have = false, agree = true;
	enum nk_state st = NK_STATE_OK;
	char text[2048];
	size_t k = 0;
	struct nk_event_sink *sink = NULL;

	if (argc < 3) {
		fprintf(stderr, "mailprobe: soa ZONE SERVER[:PORT]...\n");
		return 3;
	}
	rs = calloc((size_t)n, sizeof(*rs));
	if (rs == NULL)
		return 3;
	for (int i = 0; i < n; i++) {
		mp_dns_query(argv[2 + i], argv[1], 6, false, o, &rs[i]);
		if (rs[i].answered && rs[i].msg.have_soa) {
			if (!have || nk_dns_serial_cmp(rs[i].msg.soa_serial,
					 newest) == 1)
				newest = rs[i].msg.soa_serial;
			have = true;
		}
	}
	if (com->json)
		sink = nk_event_sink_new("mailprobe", NULL, stdout);
	for (int i = 0; i < n; i++) {
		const struct mp_dns_result *r = &rs[i];
		const char *verdict;
		enum nk_state s1 = NK_STATE_OK;
		int w;
		if (!r->answered) {
			verdict = "no answer";
			s1 = NK_STATE_CRITICAL;
		} else if (!r->msg.have_soa || !r->msg.aa) {
			verdict = !r->msg.have_soa ? "no SOA" : "not authoritative";
			s1 = NK_STATE_CRITICAL;
		} else {
			int c = nk_dns_serial_cmp(r->msg.soa_serial, newest);
			verdict = c == 0 ? "current" : c == 2 ? "undefined (RFC 1982)" : "behind";
			if (c != 0) {
				s1 = NK_STATE_WARNING;
				agree = false;
			}
		}
		st = nk_state_worst(st, s1);
		if (sink != NULL) {
			struct json_object *ev = nk_event_begin(sink, "soa",
			    sev_of(s1), 0);
			if (ev != NULL) {
				nk_event_add_str(ev, "zone", argv[1]);
				nk_event_add_str(ev, "server", r->server);
				nk_event_add_bool(ev, "answered", r->answered);
				if (r->answered && r->msg.have_soa)
					nk_event_add_uint(ev, "serial",
					    r->msg.soa_serial);
				nk_event_add_uint(ev, "newest_serial", newest);
				nk_event_add_str(ev, "verdict", verdict);
				nk_event_add_bool(ev, "aa", r->msg.aa);
				if (r->answered)
					nk_event_add_double(ev, "latency_ms",
					    (double)r->latency_ns / 1e6);
				nk_event_add_str(ev, "error",
				    r->answered ? NULL : r->error);
				(void)nk_event_emit(sink, ev);
			}
		} else if (!o->plugin) {
			printf("soa %s %-22s serial %-10u %-9s %s%.3f ms%s%s\n",
			    argv[1], r->server,
			    r->msg.have_soa ? r->msg.soa_serial : 0, verdict,
			    r->msg.aa ? "aa " : "", (double)r->latency_ns / 1e6,
			    r->answered ? "" : " ", r->answered ? "" : r->error);
		}
		w = snprintf(text + k, sizeof(text) - k, "%s%s=%u%s",
		    i ? " " : "", r->server,
		    r->msg.have_soa ? r->msg.soa_serial : 0,
		    s1 == NK_STATE_OK ? "" : "!");
		if (w > 0 && k + (size_t)w < sizeof(text))
			k += (size_t)w;
	}
	nk_event_sink_free(sink);
	if (o->plugin) {
		char line[2600], msg[2300];
		snprintf(msg, sizeof(msg), "zone %s serials %s: %s", argv[1],
		    agree ? "agree" : "DISAGREE", text);
		nk_plugin_line(line, sizeof(line), "SOA", st, msg, "");
		printf("%s\n", line);
	} else if (!com->json) {
		printf("# result: %s - serials %s, newest %u\n",
		    nk_state_name(st), agree ? "agree" : "DISAGREE", newest);
	}
	free(rs);
	return nk_state_exit_code(st);
}

int
mp_dns_main(int argc, char **argv, const struct nk_cli_common *com,
    const struct mp_dns_opts *o)
{
	if (strcmp(argv[0], "soa") == 0)
		return run_soa(argc, argv, com, o);
	return run_dns(argc, argv, com, o);
}
