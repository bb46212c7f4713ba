/* cmd: stormwatch's command line (main.c stays thin over it). */
#ifndef SW_CMD_H
#define SW_CMD_H

#include <poll.h>

#define POLLIN_EV POLLIN

/* Run stormwatch; returns the exit code (0/1/2/3). */
int sw_cmd_main(int argc, char **argv);

#endif
