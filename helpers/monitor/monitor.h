/* tpod-monitor's state: one context struct, passed to every part. */
#ifndef TPOD_MONITOR_MONITOR_H
#define TPOD_MONITOR_MONITOR_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "attach.h"
#include "io.h"
#include "log.h"
#include "notify.h"
#include "options.h"
#include "runtime.h"

enum phase
{
  PHASE_CREATE,     /* `runtime create` is running */
  PHASE_WAIT_START, /* created; waiting for tpod's start byte */
  PHASE_START,      /* `runtime start` is running */
  PHASE_RUNNING,
  PHASE_EXITED,
};

#define EARLY_REAPS 8

struct monitor
{
  struct monitor_options opt;
  enum phase phase;
  pid_t self;          /* the monitor's pid once detached */
  mode_t saved_umask;  /* restored for the runtime and the exit command */
  sigset_t saved_mask; /* likewise */
  int signal_fd;

  int sync_fd;    /* -1 once closed or broken */
  int start_fd;   /* -1 once read */
  int start_byte; /* -1 nothing yet, 0 abort, SYNC_START_BYTE start */

  struct runtime_cmd runtime;

  pid_t container_pid; /* 0 until `runtime create` wrote the pid file */
  int container_status;
  bool container_exited;
  struct
  {
    pid_t pid;
    int status;
  } early[EARLY_REAPS]; /* children reaped before the container pid was known */
  int n_early;
  char *oom_events; /* cgroup v2 memory.events of the container, or NULL */
  long long oom_kills_before;

  struct container_io io;
  struct log log;
  struct attach attach;
  struct notify notify;
};

/* Runs a child for the monitor: restores the signal mask, default signal actions and
 * umask the monitor changed for itself. Call right after fork() in the child. */
void monitor_child_reset (struct monitor *m);

#endif
