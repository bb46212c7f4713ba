/* bgpwatch: MRT reader and route-watch engine. main() stays thin: the
 * subcommands live in cmd.c. */
#include "cmd.h"

int
main(int argc, char **argv)
{
	return cmd_main(argc, argv);
}
