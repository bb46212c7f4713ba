/* mailprobe: POP3, IMAP, SMTP and DNS probes. See man/mailprobe.1. */
#include "app.h"

int
main(int argc, char **argv)
{
	return mp_app_main(argc, argv);
}
