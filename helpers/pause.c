/* The pause process: one per user, it owns the user namespace (container uid 0 = the
 * user, 1..N = the user's subordinate ids) and the mount namespace that every tpod
 * command joins, so mounts and ownership stay consistent between invocations.
 *
 *   tpod-helper pause [--uidmap "0 UID 1 1 START COUNT ..." --gidmap "..."]
 *
 * Without maps it maps only the user's own uid/gid (no /etc/subuid range).
 * Prints the pause process's pid once it is ready. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

static void
write_proc_file (const char *path, const char *text)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write_all (fd, text, strlen (text)) < 0)
    die_errno ("write %s", path);
  close (fd);
}

/* Runs newuidmap/newgidmap PID <map...>: they are setuid and check /etc/sub[ug]id. */
static void
run_idmap_tool (const char *tool, pid_t pid, const char *map)
{
  char *argv[256], pidstr[16], *copy = strdup (map), *save = NULL, *tok;
  int argc = 0, status;
  pid_t child;

  snprintf (pidstr, sizeof pidstr, "%d", (int) pid);
  argv[argc++] = (char *) tool;
  argv[argc++] = pidstr;
  for (tok = strtok_r (copy, " ", &save); tok && argc < 255; tok = strtok_r (NULL, " ", &save))
    argv[argc++] = tok;
  argv[argc] = NULL;

  child = fork ();
  if (child < 0)
    die_errno ("fork");
  if (child == 0)
    {
      execvp (tool, argv);
      fprintf (stderr, "tpod-helper: cannot run %s: %s\n", tool, strerror (errno));
      _exit (127);
    }
  if (waitpid (child, &status, 0) < 0)
    die_errno ("wait for %s", tool);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      kill (pid, SIGKILL);
      die ("%s %s failed (exit %d)", tool, map, WIFEXITED (status) ? WEXITSTATUS (status) : -1);
    }
  free (copy);
}

static void __attribute__ ((noreturn))
pause_child (int from_parent, int to_parent, uid_t uid, gid_t gid, int single)
{
  char c, buf[64];
  int devnull;

  setsid ();
  if (unshare (CLONE_NEWUSER | CLONE_NEWNS) < 0)
    die_errno ("unshare user+mount namespace (are unprivileged user namespaces enabled? see sysctl kernel.unprivileged_userns_clone / user.max_user_namespaces)");
  if (write_all (to_parent, "u", 1) < 0 || read (from_parent, &c, 1) != 1)
    _exit (125);
  if (single)
    {
      write_proc_file ("/proc/self/setgroups", "deny");
      snprintf (buf, sizeof buf, "0 %u 1\n", (unsigned) uid);
      write_proc_file ("/proc/self/uid_map", buf);
      snprintf (buf, sizeof buf, "0 %u 1\n", (unsigned) gid);
      write_proc_file ("/proc/self/gid_map", buf);
    }
  /* Our mounts must not propagate back to the host. */
  if (mount (NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    die_errno ("make / a slave mount");
  prctl (PR_SET_NAME, "tpod-pause", 0, 0, 0);
  if (chdir ("/") < 0)
    die_errno ("chdir /");
  devnull = open ("/dev/null", O_RDWR);
  if (devnull >= 0)
    {
      dup2 (devnull, 0);
      dup2 (devnull, 1);
      dup2 (devnull, 2);
      if (devnull > 2)
        close (devnull);
    }
  signal (SIGHUP, SIG_IGN);
  signal (SIGINT, SIG_IGN);
  signal (SIGQUIT, SIG_IGN);
  signal (SIGPIPE, SIG_IGN);
  if (write_all (to_parent, "r", 1) < 0)
    _exit (125);
  close (to_parent);
  close (from_parent);
  for (;;)
    pause ();
}

int
cmd_pause (int argc, char **argv)
{
  const char *uidmap = NULL, *gidmap = NULL;
  int to_child[2], to_parent[2], i;
  pid_t pid;
  char c;

  for (i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--uidmap") == 0 && i + 1 < argc)
        uidmap = argv[++i];
      else if (strcmp (argv[i], "--gidmap") == 0 && i + 1 < argc)
        gidmap = argv[++i];
      else
        die ("pause: unknown argument %s", argv[i]);
    }
  if ((uidmap == NULL) != (gidmap == NULL))
    die ("pause: --uidmap and --gidmap go together");

  if (pipe2 (to_child, O_CLOEXEC) < 0 || pipe2 (to_parent, O_CLOEXEC) < 0)
    die_errno ("pipe");
  pid = fork ();
  if (pid < 0)
    die_errno ("fork");
  if (pid == 0)
    {
      close (to_child[1]);
      close (to_parent[0]);
      pause_child (to_child[0], to_parent[1], getuid (), getgid (), uidmap == NULL);
    }
  close (to_child[0]);
  close (to_parent[1]);

  if (read (to_parent[0], &c, 1) != 1 || c != 'u')
    die ("pause process failed to create its namespaces");
  if (uidmap)
    {
      run_idmap_tool ("newuidmap", pid, uidmap);
      run_idmap_tool ("newgidmap", pid, gidmap);
    }
  if (write_all (to_child[1], "m", 1) < 0)
    die_errno ("signal pause process");
  if (read (to_parent[0], &c, 1) != 1 || c != 'r')
    die ("pause process failed to start");
  printf ("%d\n", (int) pid);
  return 0;
}
