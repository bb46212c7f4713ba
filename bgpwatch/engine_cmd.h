/* engine_cmd: the subcommands over the watch engine (replay, check, show,
 * diff). Each takes argv starting at the subcommand name and returns the
 * exit code. */
#ifndef BW_ENGINE_CMD_H
#define BW_ENGINE_CMD_H

#include <stdbool.h>

struct nk_event_sink;
struct tuiface;
struct watch_event;

/* Where events go: JSON lines, text lines, the TUI; one log line each. */
struct out {
	struct nk_event_sink *sink;
	bool json;
	bool text;
	struct tuiface *tui;
	/* also called with every event (the live collector's faces) */
	void (*hook)(void *hook_arg, const struct watch_event *ev);
	void *hook_arg;
};
/* A watch_event_cb; arg is a struct out. */
void engine_out_event(void *arg, const struct watch_event *ev);

int engine_cmd_replay(int argc, char **argv);
int engine_cmd_check(int argc, char **argv);
int engine_cmd_show(int argc, char **argv);
int engine_cmd_diff(int argc, char **argv);

#endif
