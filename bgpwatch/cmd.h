/* cmd: bgpwatch's subcommands (dump, replay, check, show, diff). */
#ifndef BW_CMD_H
#define BW_CMD_H

/* Run the command line; returns the exit code (plugin codes for check,
 * 3 on usage errors). */
int cmd_main(int argc, char **argv);

#endif
