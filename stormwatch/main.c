/* stormwatch: catch mangled broadcast ICMP storms and name every reflector. */
#include "cmd.h"
#include "priv.h"

int
main(int argc, char **argv)
{
	if (nk_priv_stdio_guard() != 0)
		return 3; /* UNKNOWN, and nowhere to say why */
	return sw_cmd_main(argc, argv);
}
