/* bgpwatch: MRT reader and route-watch engine. main() stays thin: the
 * subcommands live in cmd.c. */
#include "cmd.h"
#include "priv.h"

int
main(int argc, char **argv)
{
	if (nk_priv_stdio_guard() != 0)
		return 3; /* UNKNOWN, and nowhere to say why */
	return cmd_main(argc, argv);
}
