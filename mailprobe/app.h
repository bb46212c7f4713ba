/* app: mailprobe's command line and faces; main.c only calls this. */
#ifndef MP_APP_H
#define MP_APP_H

/* Run mailprobe; returns the process exit code (0/1/2/3). */
int mp_app_main(int argc, char **argv);

#endif
