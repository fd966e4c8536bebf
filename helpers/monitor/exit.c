#define _GNU_SOURCE
#include "exit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../util.h"
#include "common.h"
#include "monitor.h"

int
exit_code_of (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

void
exit_reap (struct monitor *m)
{
  int status;
  pid_t pid;

  while ((pid = waitpid (-1, &status, WNOHANG)) > 0)
    {
      if (pid == m->runtime.pid)
        {
          m->runtime.status = status;
          m->runtime.reaped = true;
        }
      else if (m->container_pid > 0 && pid == m->container_pid)
        {
          m->container_status = status;
          m->container_exited = true;
        }
      else if (m->container_pid == 0 && m->n_early < EARLY_REAPS)
        {
          /* Maybe the container's init, exiting before we read its pid file. */
          m->early[m->n_early].pid = pid;
          m->early[m->n_early].status = status;
          m->n_early++;
        }
      /* Anything else is an orphan from inside the container: reaping it is all the
       * subreaper owes it. */
    }
}

/* The number after "oom_kill " in a cgroup v2 memory.events file, or -1. */
static long long
read_oom_kills (const char *path)
{
  char buf[512], *p;
  if (read_small_file (path, buf, sizeof buf) <= 0)
    return -1;
  p = strstr (buf, "oom_kill ");
  return p ? strtoll (p + 9, NULL, 10) : -1;
}

/* The cgroup v2 path ("0::/...") of PID, written into BUF. */
static int
cgroup_of (pid_t pid, char *buf, size_t len)
{
  char path[48], text[1024], *line;
  if (pid > 0)
    {
      memcpy (path, "/proc/", 6);
      format_int (path + 6, pid);
      strcat (path, "/cgroup");
    }
  else
    strcpy (path, "/proc/self/cgroup");
  if (read_small_file (path, text, sizeof text) <= 0)
    return -1;
  for (line = text; line; line = strchr (line, '\n'), line = line ? line + 1 : NULL)
    if (strncmp (line, "0::", 3) == 0)
      {
        size_t n = strcspn (line + 3, "\n");
        if (n >= len)
          return -1;
        memcpy (buf, line + 3, n);
        buf[n] = '\0';
        return 0;
      }
  return -1;
}

void
exit_watch_container (struct monitor *m)
{
  char mine[512], theirs[512];
  int i;

  for (i = 0; i < m->n_early; i++)
    if (m->early[i].pid == m->container_pid)
      {
        m->container_status = m->early[i].status;
        m->container_exited = true;
      }
  m->n_early = 0;

  /* OOM kills are only told apart on cgroup v2, and only when the runtime gave the
   * container a cgroup of its own: a shared one counts other processes' kills too. */
  if (cgroup_of (m->container_pid, theirs, sizeof theirs) < 0 || cgroup_of (0, mine, sizeof mine) < 0
      || strcmp (mine, theirs) == 0)
    return;
  m->oom_events = xmalloc (sizeof "/sys/fs/cgroup" + strlen (theirs) + sizeof "/memory.events");
  strcpy (m->oom_events, "/sys/fs/cgroup");
  strcat (m->oom_events, theirs);
  strcat (m->oom_events, "/memory.events");
  m->oom_kills_before = read_oom_kills (m->oom_events);
  if (m->oom_kills_before < 0)
    {
      free (m->oom_events);
      m->oom_events = NULL;
    }
}

bool
exit_oom_killed (struct monitor *m)
{
  return m->oom_events != NULL && read_oom_kills (m->oom_events) > m->oom_kills_before;
}

int
exit_write_file (struct monitor *m, int exit_code, bool oom_killed)
{
  const char *path = m->opt.exit_file;
  size_t n = strlen (path);
  char *tmp = xmalloc (n + 5), *slash, text[32];
  size_t len;
  int fd, ret = -1;

  /* The exits directory is tpod's; create it if this is the first container. */
  memcpy (tmp, path, n + 1);
  slash = strrchr (tmp, '/');
  if (slash != NULL && slash != tmp)
    {
      *slash = '\0';
      mkdir (tmp, 0700);
    }
  memcpy (tmp, path, n);
  memcpy (tmp + n, ".tmp", 5);

  len = format_int (text, exit_code);
  text[len++] = '\n';
  if (oom_killed)
    {
      memcpy (text + len, "oom\n", 4);
      len += 4;
    }
  /* Readers see the old state or the whole new file, never a partial one. No fsync:
   * the exit file lives in the runtime directory, which does not survive a reboot. */
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0 && write_all (fd, text, len) == 0 && close (fd) == 0)
    {
      fd = -1;
      ret = rename (tmp, path);
    }
  if (fd >= 0)
    close (fd);
  if (ret < 0)
    unlink (tmp);
  free (tmp);
  return ret;
}

void
exit_run_command (struct monitor *m)
{
  pid_t pid;
  int status;

  if (m->opt.exit_command == NULL)
    return;
  /* A child, waited for: the monitor keeps its pid until the clean-up is done, so whoever
   * tracks it (systemd's MAINPID) sees the container's life end only then, and then
   * exits with the container's code rather than the clean-up's. */
  pid = fork ();
  if (pid < 0)
    return;
  if (pid == 0)
    {
      monitor_child_reset (m);
      execvp (m->opt.exit_command[0], m->opt.exit_command);
      _exit (127);
    }
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
}
