/*
 * bgpmsg: the BGP messages a receive-only speaker exchanges besides
 * UPDATE: OPEN with its capabilities (RFC 4271 §4.2, RFC 5492, 4760,
 * 2918, 6793, 7911, 8654, 4724), KEEPALIVE and NOTIFICATION with the
 * shutdown communication of RFC 8203/9003. Pure: bytes in, structs out,
 * and builders that write into the caller's buffer. No I/O.
 */
#ifndef NK_BGPMSG_H
#define NK_BGPMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* NOTIFICATION error codes (RFC 4271 §4.5, RFC 6608). */
#define NK_BGP_E_HEADER 1
#define NK_BGP_E_OPEN 2
#define NK_BGP_E_UPDATE 3
#define NK_BGP_E_HOLD 4
#define NK_BGP_E_FSM 5
#define NK_BGP_E_CEASE 6

/* Cease subcodes (RFC 4486). */
#define NK_BGP_CEASE_MAX_PREFIXES 1
#define NK_BGP_CEASE_ADMIN_SHUTDOWN 2
#define NK_BGP_CEASE_PEER_DECONFIGURED 3
#define NK_BGP_CEASE_ADMIN_RESET 4
#define NK_BGP_CEASE_REJECTED 5
#define NK_BGP_CEASE_COLLISION 7

/* Families a collector negotiates: index into the per-family arrays. */
enum nk_bgp_fam { NK_BGP_FAM_IPV4 = 0, NK_BGP_FAM_IPV6 = 1, NK_BGP_N_FAM = 2 };

/* RFC 7911 §4 Send/Receive bits. */
#define NK_BGP_ADDPATH_RECV 1
#define NK_BGP_ADDPATH_SEND 2

struct nk_bgp_open {
	uint8_t version;
	uint16_t my_as;  /* the 2-octet field (AS_TRANS for big ASes) */
	uint32_t asn;    /* 4-octet AS capability if present, else my_as */
	uint16_t hold_s; /* 0 or >= 3 (checked) */
	uint32_t bgp_id; /* host order */
	bool as4;
	bool mp[NK_BGP_N_FAM];         /* multiprotocol capability per family */
	bool any_mp;                   /* any MP capability at all */
	uint8_t addpath[NK_BGP_N_FAM]; /* RFC 7911 send/receive bits */
	bool route_refresh;
	bool ext_msg;
	bool graceful_restart;
	uint16_t gr_time_s;
	bool gr_restarting;          /* R bit: the peer has just restarted */
	bool gr_af[NK_BGP_N_FAM];    /* families listed in its GR capability */
	bool gr_fwd[NK_BGP_N_FAM];   /* ... with the Forwarding State bit */
	unsigned n_caps;
};

/*
 * Decode an OPEN body (after the 19-byte header). 0, or -1 with the
 * NOTIFICATION to send in code and subcode (RFC 4271 §6.2) and a cause.
 * Unknown capabilities are skipped (RFC 5492 §5).
 */
int nk_bgpmsg_open_parse(const uint8_t *body, size_t len, struct nk_bgp_open *o,
    uint8_t *code, uint8_t *subcode, const char **cause);

/* What this speaker offers in its OPEN. */
struct nk_bgp_open_cfg {
	uint32_t asn;
	uint16_t hold_s;
	uint32_t bgp_id;   /* host order */
	bool addpath_recv; /* ask for ADD-PATH receive on both families */
	bool ext_msg;
	bool graceful_restart; /* announce GR awareness (restart time 0) */
};

/* Write a whole OPEN message (header included). Returns the length, or 0
 * when buf is too small (128 bytes always suffice). */
size_t nk_bgpmsg_open_fmt(
    const struct nk_bgp_open_cfg *c, uint8_t *buf, size_t len);
/* A KEEPALIVE (19 bytes). Returns 19, or 0 when buf is too small. */
size_t nk_bgpmsg_keepalive_fmt(uint8_t *buf, size_t len);
/* A NOTIFICATION with data (dlen bytes). Returns the length or 0. */
size_t nk_bgpmsg_notify_fmt(uint8_t code, uint8_t subcode, const uint8_t *data,
    size_t dlen, uint8_t *buf, size_t len);
/* A Cease with an RFC 9003 shutdown communication (text cut to 255
 * bytes). */
size_t nk_bgpmsg_cease_fmt(
    uint8_t subcode, const char *text, uint8_t *buf, size_t len);

struct nk_bgp_notify {
	uint8_t code, subcode;
	const uint8_t *data; /* borrowed from the body */
	size_t data_len;
	/* RFC 8203/9003 shutdown communication of a Cease 2 or 4, printable
	 * (other bytes as '?'), "" when none or malformed. */
	char text[256];
	bool has_text;
};

/* Decode a NOTIFICATION body. 0, or -1 when shorter than 2 bytes. */
int nk_bgpmsg_notify_parse(
    const uint8_t *body, size_t len, struct nk_bgp_notify *n);

/* "Cease", "OPEN Message Error" ... and the subcode's name ("Administrative
 * Shutdown"); "unknown" for others. Static strings. */
const char *nk_bgpmsg_code_name(uint8_t code);
const char *nk_bgpmsg_subcode_name(uint8_t code, uint8_t subcode);

/* Human reason: "administrative shutdown 'maintenance'", "hold timer
 * expired", "OPEN message error: bad peer AS". Returns buf. */
char *nk_bgpmsg_notify_reason(
    const struct nk_bgp_notify *n, char *buf, size_t len);

#endif
