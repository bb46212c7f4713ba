/*
 * statuscmd: `bgpwatch status FILE`, the monitoring-plugin check over the
 * status file a running collector writes ([collector] status_file): one
 * status line with perfdata, exit 0 OK / 1 WARNING / 2 CRITICAL / 3
 * UNKNOWN (missing, unparsable or stale file: the collector is dead).
 */
#ifndef BW_STATUSCMD_H
#define BW_STATUSCMD_H

/* argv starts at "status". Returns the exit code. */
int statuscmd_run(int argc, char **argv);

#endif
