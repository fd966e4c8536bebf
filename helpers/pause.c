/* The pause process: one per user, it owns the user namespace (container uid 0 = the
 * user, 1..N = the user's subordinate ids) and the mount namespace that every tpod
 * command joins, so mounts and ownership stay consistent between invocations.
 *
 *   tpod-helper pause [--uidmap "0 UID 1 1 START COUNT ..." --gidmap "..."] [--pid-file PATH]
 *
 * Without maps it maps only the user's own uid/gid (no /etc/subuid range).
 * Once the process is ready it writes PATH ("PID STARTTIME BOOTID", atomically) and
 * prints the pid. Writing the file here, not in tpod, means a tpod killed meanwhile
 * leaves a pause process that the next command finds, not an unknown one. */
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

/* Writes "PID STARTTIME BOOTID\n" to PATH through a temp file and rename: tpod joins
 * the process only when all three still match, so a later process that got the same
 * pid (and named itself tpod-pause) is never taken for it. */
static void
write_pid_file (const char *path, pid_t pid)
{
  char stat_path[64], stat[1024], boot[64], tmp[4096], line[256], *p;
  int fd, field;

  snprintf (stat_path, sizeof stat_path, "/proc/%d/stat", (int) pid);
  if (!read_short_file (stat_path, stat, sizeof stat) || (p = strrchr (stat, ')')) == NULL)
    die ("cannot read %s", stat_path);
  /* After ") " comes field 3 (state); the start time is field 22. */
  for (p += 2, field = 3; field < 22 && p != NULL; field++)
    p = strchr (p, ' '), p = p ? p + 1 : NULL;
  if (p == NULL)
    die ("no start time in %s", stat_path);
  p[strcspn (p, " ")] = '\0';
  if (!read_short_file ("/proc/sys/kernel/random/boot_id", boot, sizeof boot))
    die ("cannot read /proc/sys/kernel/random/boot_id");
  boot[strcspn (boot, "\n")] = '\0';
  snprintf (line, sizeof line, "%d %s %s\n", (int) pid, p, boot);
  if ((size_t) snprintf (tmp, sizeof tmp, "%s.%d.tmp", path, (int) getpid ()) >= sizeof tmp)
    die ("pid file path too long");
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || write_all (fd, line, strlen (line)) < 0 || close (fd) < 0)
    die_errno ("write %s", tmp);
  if (rename (tmp, path) < 0)
    die_errno ("rename %s", tmp);
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
  /* Nothing inherited stays open: tpod hands the helper its pause.lock (so the lock
   * outlives a killed tpod until the pid file is written), and the pause process must
   * not hold it forever. */
  for (int fd = 3; fd < 1024; fd++)
    if (fd != to_parent && fd != from_parent)
      close (fd);
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
  const char *uidmap = NULL, *gidmap = NULL, *pid_file = NULL;
  int to_child[2], to_parent[2], i;
  pid_t pid;
  char c;

  for (i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--uidmap") == 0 && i + 1 < argc)
        uidmap = argv[++i];
      else if (strcmp (argv[i], "--gidmap") == 0 && i + 1 < argc)
        gidmap = argv[++i];
      else if (strcmp (argv[i], "--pid-file") == 0 && i + 1 < argc)
        pid_file = argv[++i];
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
  if (pid_file)
    write_pid_file (pid_file, pid);
  printf ("%d\n", (int) pid);
  return 0;
}
