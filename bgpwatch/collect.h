/*
 * collect: bgpwatch's live input: a receive-only BGP speaker (passive and
 * active peers in one poll loop) whose UPDATEs feed the watch engine, so
 * live sessions give the same events as MRT replay, plus session_up/down
 * with reason and outage. Never announces a route.
 */
#ifndef BW_COLLECT_H
#define BW_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "err.h"
#include "watch.h"

#define COLLECT_MAX_LISTEN 8
#define COLLECT_MD5_MAX 80 /* TCP_MD5SIG_MAXKEYLEN */

struct collect_peer_cfg {
	char name[WATCH_NAME_MAX];
	struct nk_addr addr;
	uint32_t asn;
	bool passive; /* only wait for the peer; else also dial out */
	uint16_t port;
	char md5[COLLECT_MD5_MAX + 1];
	uint16_t hold_s;
	struct nk_addr local; /* source of active connections; 0: any */
};

struct collect_cfg {
	uint32_t asn;
	uint32_t router_id; /* host order */
	uint16_t hold_s;
	int64_t open_timeout_ns;
	int64_t retry_min_ns, retry_max_ns;
	/* graceful restart: how long a peer that is back may take to send
	 * End-of-RIB before its remaining stale routes go (RFC 4724 §4.2) */
	int64_t stale_ns;
	bool ext_msg, addpath, graceful_restart;
	struct {
		struct nk_addr addr;
		uint16_t port;
	} listen[COLLECT_MAX_LISTEN];
	size_t n_listen;
	struct {
		struct nk_addr addr;
		uint16_t port;
	} bmp_listen[COLLECT_MAX_LISTEN];
	size_t n_bmp_listen;
	int bmp_view;     /* enum bmpin_view */
	char record[512]; /* MRT BGP4MP_ET file of what is received, "" */
	int64_t record_rib_every_ns; /* TABLE_DUMP_V2 snapshot into it; 0 off */
	/* user to run as once the sockets and files are open (default
	 * nobody); "": keep the current user, still drop capabilities */
	char user[64];
	char status_file[512]; /* JSON snapshot (livestate.h), "" */
	struct collect_peer_cfg peer[WATCH_MAX_UPSTREAMS];
	size_t n_peer;
	struct watch_cfg watch;
};

/* Read [collector] and the session keys of [upstream NAME] (those with
 * peer = ADDR), plus what watch_cfg_load reads. 0 or -1 with err. */
int collect_cfg_load(
    const char *path, struct collect_cfg *c, struct nk_err *err);

/* `bgpwatch collect`: argv starts at "collect". Returns the exit code. */
int collect_cmd(int argc, char **argv);

/* ---- what the live faces (livestate, livetui) read of a running
 * collector ---- */
struct collect;
struct collect_sess_info {
	const char *name; /* valid until the next reload */
	struct nk_addr addr;
	uint32_t asn;
	const char *state; /* "Idle" ... "Established" */
	bool established;
	uint64_t n_updates;
};
/* Fill out[] with up to max configured BGP sessions; returns how many. */
size_t collect_sessions(
    const struct collect *c, struct collect_sess_info *out, size_t max);
const struct watch *collect_watch(const struct collect *c);
const struct watch_cfg *collect_watch_cfg(const struct collect *c);
/* Stop as SIGTERM does: NOTIFICATION Cease to every peer, then the loop
 * ends. */
void collect_stop(struct collect *c);

#endif
