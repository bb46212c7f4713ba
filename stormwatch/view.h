/* view: stormwatch's ncurses live view (lib/tui). */
#ifndef SW_VIEW_H
#define SW_VIEW_H

#include <stdbool.h>

#include "detect.h"
#include "err.h"
#include "report.h"

struct sw_view;

/* Fails with a clear message when stdout is not a terminal. */
int sw_view_open(struct sw_view **out, struct nk_err *err);
/* endwin() and free; safe with NULL. */
void sw_view_close(struct sw_view *v);
int sw_view_fd(const struct sw_view *v);
/* Handle waiting keys; false when the user asked to quit. */
bool sw_view_keys(struct sw_view *v);
void sw_view_draw(struct sw_view *v, const struct sw_detect *d,
    const struct sw_report *r, const struct sw_run *run);

#endif
