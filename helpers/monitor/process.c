/* Becoming a daemon, and undoing the monitor's own settings in its children. */
#define _GNU_SOURCE
#include "process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "monitor.h"

void
monitor_detach (struct monitor *m)
{
  pid_t pid;
  int devnull;

  /* The first parent returns to tpod at once; the second fork leaves a session
   * leader behind, so the monitor can never get a controlling terminal back. */
  pid = fork ();
  if (pid < 0)
    fatal_errno ("fork");
  if (pid > 0)
    _exit (0);
  if (setsid () < 0)
    _exit (125);
  pid = fork ();
  if (pid < 0)
    _exit (125);
  if (pid > 0)
    _exit (0);

  m->self = getpid ();
  /* The container's init becomes our child once `runtime create` exits. */
  prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  if (chdir ("/") < 0)
    _exit (125);
  /* From here on, tpod hears from the monitor only through the sync descriptor. */
  devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0)
    {
      dup2 (devnull, 0);
      dup2 (devnull, 1);
      dup2 (devnull, 2);
      close (devnull);
    }
}

void
monitor_child_reset (struct monitor *m)
{
  signal (SIGPIPE, SIG_DFL);
  sigprocmask (SIG_SETMASK, &m->saved_mask, NULL);
  umask (m->saved_umask);
}
