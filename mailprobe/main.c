/* mailprobe: POP3, IMAP, SMTP and DNS probes. See man/mailprobe.1. */
#include "app.h"
#include "priv.h"

int
main(int argc, char **argv)
{
	if (nk_priv_stdio_guard() != 0)
		return 3; /* UNKNOWN, and nowhere to say why */
	return mp_app_main(argc, argv);
}
