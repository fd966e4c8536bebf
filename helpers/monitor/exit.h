/* The end of a container: reaping (the monitor is the child subreaper, so the
 * container's init becomes its child once `runtime create` exits), the exit file, OOM
 * detection and the exit command. */
#ifndef TPOD_MONITOR_EXIT_H
#define TPOD_MONITOR_EXIT_H

#include <stdbool.h>
#include <sys/types.h>

struct monitor;

/* SIGCHLD: reaps every exited child and records the ones the monitor waits for. */
void exit_reap (struct monitor *m);

/* The container pid is known: pick up an exit reaped before that, and remember its
 * cgroup's OOM counter. */
void exit_watch_container (struct monitor *m);

/* Wait status -> shell-style exit code (128+N for signal N). */
int exit_code_of (int status);

bool exit_oom_killed (struct monitor *m);

/* Writes the exit file atomically. Returns 0 or -1. */
int exit_write_file (struct monitor *m, int exit_code, bool oom_killed);

/* Runs the exit command, when there is one, and waits for it. */
void exit_run_command (struct monitor *m);

#endif
