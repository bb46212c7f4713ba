/* stormwatch: catch mangled broadcast ICMP storms and name every reflector. */
#include "cmd.h"

int
main(int argc, char **argv)
{
	return sw_cmd_main(argc, argv);
}
