/*
 * capture: libpcap live and offline input. See capture.h.
 */
#include "capture.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "frame.h"

struct sw_capture {
	pcap_t *p;
	int dlt;
	bool live;
	char name[256];
	uint64_t n_records;
};

struct sw_dumper {
	pcap_t *dead;
	pcap_dumper_t *d;
	uint64_t n;
};

static const char *
dlt_desc(int dlt, char *buf, size_t len)
{
	const char *name = pcap_datalink_val_to_name(dlt);
	const char *desc = pcap_datalink_val_to_description(dlt);

	if (name == NULL)
		(void)snprintf(buf, len, "%d", dlt);
	else if (desc != NULL)
		(void)snprintf(buf, len, "%s (%s)", name, desc);
	else
		(void)snprintf(buf, len, "%s", name);
	return buf;
}

static int
open_live(
    const struct sw_capture_opts *o, struct sw_capture *c, struct nk_err *err)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	int rc;

	c->live = true;
	c->p = pcap_create(o->iface, eb);
	if (c->p == NULL) {
		nk_err_set(err, "interface %s: %s", o->iface, eb);
		return -1;
	}
	(void)pcap_set_snaplen(c->p, o->snaplen > 0 ? o->snaplen : 2048);
	(void)pcap_set_promisc(c->p, o->promisc ? 1 : 0);
	/* immediate: a storm is seen as it starts, not a buffer later */
	(void)pcap_set_immediate_mode(c->p, 1);
	(void)pcap_set_buffer_size(
	    c->p, o->buffer_bytes > 0 ? o->buffer_bytes : 4 << 20);
	if (pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_NANO) != 0)
		(void)pcap_set_tstamp_precision(
		    c->p, PCAP_TSTAMP_PRECISION_MICRO);
	rc = pcap_activate(c->p);
	if (rc < 0) {
		const char *why = pcap_geterr(c->p);
		if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
			nk_err_set(
			    err, "interface %s: no such device", o->iface);
		else if (rc == PCAP_ERROR_PERM_DENIED)
			nk_err_set(err,
			    "interface %s: permission denied (run "
			    "as root or with CAP_NET_RAW): %s",
			    o->iface, why);
		else if (rc == PCAP_ERROR_IFACE_NOT_UP)
			nk_err_set(
			    err, "interface %s: interface is down", o->iface);
		else
			nk_err_set(err, "interface %s: %s", o->iface, why);
		return -1;
	}
	if (pcap_setnonblock(c->p, 1, eb) < 0) {
		nk_err_set(
		    err, "interface %s: non-blocking mode: %s", o->iface, eb);
		return -1;
	}
	if (pcap_get_selectable_fd(c->p) < 0) {
		nk_err_set(err, "interface %s: no selectable fd", o->iface);
		return -1;
	}
	return 0;
}

int
sw_capture_open(const struct sw_capture_opts *o, struct sw_capture **out,
    struct nk_err *err)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	char lt[128];
	struct sw_capture *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		nk_err_set(err, "capture: out of memory");
		return -1;
	}
	if (o->iface != NULL) {
		(void)snprintf(
		    c->name, sizeof(c->name), "interface %s", o->iface);
		if (open_live(o, c, err) < 0)
			goto fail;
	} else {
		(void)snprintf(c->name, sizeof(c->name), "file %s",
		    strcmp(o->file, "-") == 0 ? "(stdin)" : o->file);
		c->p = pcap_open_offline_with_tstamp_precision(
		    o->file, PCAP_TSTAMP_PRECISION_NANO, eb);
		if (c->p == NULL) {
			const char *why = eb;
			if (strstr(eb, "No such file") != NULL)
				why = "no such file";
			else if (strstr(eb, "Permission denied") != NULL)
				why = "permission denied";
			nk_err_set(err, "%s: cannot read: %s", c->name, why);
			goto fail;
		}
	}
	c->dlt = pcap_datalink(c->p);
	if (!nk_frame_link_supported(c->dlt)) {
		nk_err_set(err, "%s: unsupported link type %s", c->name,
		    dlt_desc(c->dlt, lt, sizeof(lt)));
		goto fail;
	}
	if (o->filter != NULL && o->filter[0] != '\0') {
		struct bpf_program prog;
		if (pcap_compile(
			c->p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			nk_err_set(err, "%s: filter '%s': %s", c->name,
			    o->filter, pcap_geterr(c->p));
			goto fail;
		}
		int rc = pcap_setfilter(c->p, &prog);
		pcap_freecode(&prog);
		if (rc < 0) {
			nk_err_set(err, "%s: filter '%s': %s", c->name,
			    o->filter, pcap_geterr(c->p));
			goto fail;
		}
	}
	*out = c;
	return 0;
fail:
	sw_capture_close(c);
	return -1;
}

void
sw_capture_close(struct sw_capture *c)
{
	if (c == NULL)
		return;
	if (c->p != NULL)
		pcap_close(c->p);
	free(c);
}

int
sw_capture_dlt(const struct sw_capture *c)
{
	return c->dlt;
}

int
sw_capture_fd(const struct sw_capture *c)
{
	return c->live ? pcap_get_selectable_fd(c->p) : -1;
}

long
sw_capture_read(struct sw_capture *c, long max, sw_capture_cb cb, void *ctx,
    bool *eof, struct nk_err *err)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	long n = 0;
	/* stamps are ns when the precision was granted, else us */
	int64_t mult =
	    pcap_get_tstamp_precision(c->p) == PCAP_TSTAMP_PRECISION_NANO
	    ? 1
	    : 1000;

	*eof = false;
	for (;;) {
		if (!c->live && max > 0 && n >= max)
			return n;
		int rc = pcap_next_ex(c->p, &h, &data);
		if (rc == 1) {
			c->n_records++;
			n++;
			cb(ctx,
			    (int64_t)h->ts.tv_sec * NK_NS_PER_SEC +
				(int64_t)h->ts.tv_usec * mult,
			    data, h->caplen, h->len);
			continue;
		}
		if (rc == 0) /* live: nothing waiting */
			return n;
		if (rc == PCAP_ERROR_BREAK) {
			*eof = true;
			return n;
		}
		if (c->live) {
			nk_err_set(
			    err, "%s: read: %s", c->name, pcap_geterr(c->p));
			return -1;
		}
		/* a corrupt or cut record: say where, keep what was read */
		FILE *f = pcap_file(c->p);
		long off = f != NULL ? ftell(f) : -1;
		nk_err_set(err, "%s: record %llu at offset %ld: %s", c->name,
		    (unsigned long long)c->n_records + 1, off,
		    pcap_geterr(c->p));
		return -1;
	}
}

int
sw_capture_stats(
    struct sw_capture *c, uint64_t *recv, uint64_t *drop, uint64_t *ifdrop)
{
	struct pcap_stat st;

	*recv = *drop = *ifdrop = 0;
	if (!c->live || pcap_stats(c->p, &st) < 0)
		return -1;
	*recv = st.ps_recv;
	*drop = st.ps_drop;
	*ifdrop = st.ps_ifdrop;
	return 0;
}

int
sw_capture_local_mac(const struct sw_capture *c, struct nk_mac *mac)
{
	struct ifreq ifr;
	const char *ifn;
	int fd, rc = -1;

	if (!c->live)
		return -1;
	ifn = c->name + strlen("interface ");
	memset(&ifr, 0, sizeof(ifr));
	if (strlen(ifn) >= sizeof(ifr.ifr_name))
		return -1;
	memcpy(ifr.ifr_name, ifn, strlen(ifn));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0) {
		memcpy(mac->b, ifr.ifr_hwaddr.sa_data, 6);
		rc = 0;
	}
	(void)close(fd);
	return rc;
}

size_t
sw_capture_local_ips(
    const struct sw_capture *c, struct nk_addr *out, size_t max)
{
	struct ifaddrs *all = NULL;
	const char *ifn;
	size_t n = 0;

	if (!c->live || getifaddrs(&all) < 0)
		return 0;
	ifn = c->name + strlen("interface ");
	for (const struct ifaddrs *i = all; i != NULL && n < max;
	     i = i->ifa_next) {
		if (i->ifa_addr == NULL || strcmp(i->ifa_name, ifn) != 0)
			continue;
		size_t salen = i->ifa_addr->sa_family == AF_INET6
		    ? sizeof(struct sockaddr_in6)
		    : sizeof(struct sockaddr_in);
		if (nk_addr_from_sockaddr(i->ifa_addr, salen, &out[n]) == 0)
			n++;
	}
	freeifaddrs(all);
	return n;
}

int
sw_dumper_open(const struct sw_capture *c, const char *path,
    struct sw_dumper **out, struct nk_err *err)
{
	struct sw_dumper *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		nk_err_set(err, "evidence %s: out of memory", path);
		return -1;
	}
	w->dead = pcap_open_dead_with_tstamp_precision(
	    c->dlt, 262144, PCAP_TSTAMP_PRECISION_NANO);
	if (w->dead == NULL) {
		nk_err_set(err, "evidence %s: pcap_open_dead failed", path);
		free(w);
		return -1;
	}
	w->d = pcap_dump_open(w->dead, path);
	if (w->d == NULL) {
		nk_err_set(err, "evidence %s: %s", path, pcap_geterr(w->dead));
		pcap_close(w->dead);
		free(w);
		return -1;
	}
	*out = w;
	return 0;
}

void
sw_dumper_write(struct sw_dumper *w, int64_t ts_ns, const uint8_t *buf,
    uint32_t caplen, uint32_t len)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(ts_ns / NK_NS_PER_SEC);
	/* a nano-precision dumper takes ns in tv_usec */
	h.ts.tv_usec = (suseconds_t)(ts_ns % NK_NS_PER_SEC);
	h.caplen = caplen;
	h.len = len;
	pcap_dump((u_char *)w->d, &h, buf);
	w->n++;
}

uint64_t
sw_dumper_count(const struct sw_dumper *w)
{
	return w->n;
}

void
sw_dumper_close(struct sw_dumper *w)
{
	if (w == NULL)
		return;
	pcap_dump_close(w->d);
	pcap_close(w->dead);
	free(w);
}
