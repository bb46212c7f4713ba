/* bmpcmd: `bgpwatch bmp-decode`: decode the BMP streams in packet
 * captures (TCP payloads reassembled per direction, in order) as JSON
 * lines with pmacct's field names; see bgpwatch(1). */
#ifndef BW_BMPCMD_H
#define BW_BMPCMD_H

#include <stddef.h>
#include <stdint.h>

#include "bmp.h"

struct json_object;
struct nk_mrt_elem;

int bmpcmd_decode(int argc, char **argv);

/* Fields of one decoded message (and element) into obj, pmacct-named. */
void bmpcmd_fields(struct json_object *obj, const struct nk_bmp_msg *m,
    const struct nk_mrt_elem *e);

#endif
