/* Network steps of `tpod-helper nsexec`, run inside the pause process's namespaces:
 *
 *   --netns PATH            a new network namespace, loopback up, bind-mounted on PATH
 *                           (a stale one there is detached first)
 *   --pasta ARGS            run pasta on it and wait: pasta configures the namespace,
 *                           then leaves its daemon behind and exits 0
 *   --pasta-bg LAUNCHFILE LOGFILE ARGS
 *                           the same without waiting (tpod waits for its pid file)
 *   --wait-pasta PIDFILE LAUNCHFILE LOGFILE
 *                           wait for that pasta's pid file, or fail with its words
 *   --slirp4netns PIDFILE LOGFILE ARGS
 *                           start slirp4netns (stderr to LOGFILE), wait for its ready
 *                           byte, write its pid;
 *                           its exit pipe stays open in this process (and whatever it
 *                           execs), so slirp4netns ends when the last holder does
 *   --slirp-api SOCKET JSON one request to slirp4netns' API socket (add_hostfwd)
 *
 * ARGS are one argv argument, fields separated by \x1f (no argument of pasta or
 * slirp4netns contains that byte). The helpers get no descriptor of ours beyond
 * stdio: tpod's sync pipes must see EOF when the monitor goes, not when pasta does. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define FIELD_SEP '\x1f'
/* How long slirp4netns and pasta may take to set up before we give up on them. */
#define HELPER_TIMEOUT_MS 30000

/* Splits S at FIELD_SEP into a NULL-terminated vector; EXTRA free slots at the end. */
static char **
split_fields (const char *s, size_t extra, size_t *count)
{
  size_t n = 1, i = 0;
  const char *p;
  char *copy, *start, *q, **v;
  for (p = s; *p; p++)
    if (*p == FIELD_SEP)
      n++;
  v = calloc (n + extra + 1, sizeof *v);
  copy = strdup (s);
  if (v == NULL || copy == NULL)
    die ("out of memory");
  for (start = q = copy;; q++)
    {
      if (*q == FIELD_SEP || *q == '\0')
        {
          int end = *q == '\0';
          *q = '\0';
          v[i++] = start;
          start = q + 1;
          if (end)
            break;
        }
    }
  *count = i;
  return v;
}

static void
free_fields (char **v)
{
  free (v[0]);
  free (v);
}

static void
loopback_up (void)
{
  struct ifreq ifr;
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    die_errno ("socket");
  memset (&ifr, 0, sizeof ifr);
  strncpy (ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl (fd, SIOCGIFFLAGS, &ifr) < 0)
    die_errno ("read flags of lo");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl (fd, SIOCSIFFLAGS, &ifr) < 0)
    die_errno ("bring lo up");
  close (fd);
}

void
netns_create (const char *path)
{
  pid_t child;
  int status, fd;

  /* A namespace left by a run whose clean-up never came: let go of it. */
  if (umount2 (path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
    die_errno ("unmount stale %s", path);
  if (unlink (path) < 0 && errno != ENOENT)
    die_errno ("remove stale %s", path);
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    die_errno ("create %s", path);
  close (fd);

  /* Only a child moves to the new namespace: joining the host's again would need
   * privileges over the host's network namespace, which we do not have. */
  child = fork ();
  if (child < 0)
    die_errno ("fork");
  if (child == 0)
    {
      if (unshare (CLONE_NEWNET) < 0)
        die_errno ("create a network namespace");
      loopback_up ();
      if (mount ("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
        die_errno ("bind the network namespace on %s", path);
      _exit (0);
    }
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      die_errno ("wait");
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      unlink (path);
      exit (125);
    }
}

/* In a child about to exec a network helper: stdin/stdout on /dev/null, stderr on
 * ERRFD, KEEP (up to two descriptors, -1 for none) moved to 3 and 4, the rest closed. */
static void
child_fds (int errfd, int keep0, int keep1)
{
  int devnull = open ("/dev/null", O_RDWR);
  int k0 = keep0 >= 0 ? fcntl (keep0, F_DUPFD, 10) : -1;
  int k1 = keep1 >= 0 ? fcntl (keep1, F_DUPFD, 10) : -1;
  if (devnull < 0 || (keep0 >= 0 && k0 < 0) || (keep1 >= 0 && k1 < 0))
    _exit (126);
  dup2 (devnull, 0);
  dup2 (devnull, 1);
  dup2 (errfd, 2);
  if (k0 >= 0 && dup2 (k0, 3) < 0)
    _exit (126);
  if (k1 >= 0 && dup2 (k1, 4) < 0)
    _exit (126);
  {
    int first = k1 >= 0 ? 5 : k0 >= 0 ? 4 : 3, fd;
    /* close_range(2) may be missing (old kernels): close one by one then. */
    if (syscall (SYS_close_range, first, ~0U, 0) < 0)
      for (fd = first; fd < 1024; fd++)
        close (fd);
  }
  signal (SIGPIPE, SIG_DFL);
}

/* Reads what is in FD now (the daemon left behind may hold the pipe); strips the
 * syslog chatter pasta prints when there is no syslog. */

/* The helper's pid, for clean-up to stop it: written whole, never through a symlink. */
static void
write_pid_file (const char *path, pid_t pid)
{
  char text[32];
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    die_errno ("create %s", path);
  snprintf (text, sizeof text, "%d\n", (int) pid);
  if (write_all (fd, text, strlen (text)) < 0)
    die_errno ("write %s", path);
  close (fd);
}

static void
read_message (int fd, char *msg, size_t size)
{
  ssize_t n;
  size_t len = 0;
  char *line, *next, *out;
  fcntl (fd, F_SETFL, O_NONBLOCK);
  while (len + 1 < size && (n = read (fd, msg + len, size - 1 - len)) > 0)
    len += (size_t) n;
  msg[len] = '\0';
  out = msg;
  for (line = msg; *line; line = next)
    {
      size_t l;
      next = strchr (line, '\n');
      next = next ? next + 1 : line + strlen (line);
      l = (size_t) (next - line);
      if (strncmp (line, "Failed to send", 14) == 0 || strncmp (line, "WARNING: Support for seccomp", 28) == 0)
        continue;
      memmove (out, line, l);
      out += l;
    }
  *out = '\0';
  while (out > msg && (out[-1] == '\n' || out[-1] == ' '))
    *--out = '\0';
}

void
net_pasta (const char *arg)
{
  size_t n;
  char **argv = split_fields (arg, 0, &n), msg[4096];
  int errpipe[2], status;
  pid_t child;

  if (pipe2 (errpipe, O_CLOEXEC) < 0)
    die_errno ("pipe");
  child = fork ();
  if (child < 0)
    die_errno ("fork");
  if (child == 0)
    {
      child_fds (errpipe[1], -1, -1);
      execv (argv[0], argv);
      fprintf (stderr, "cannot run %s: %s", argv[0], strerror (errno));
      _exit (127);
    }
  close (errpipe[1]);
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      die_errno ("wait for pasta");
  read_message (errpipe[0], msg, sizeof msg);
  close (errpipe[0]);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    die ("pasta failed: %s", msg[0] ? msg : "no message");
  free_fields (argv);
}

/* pasta without waiting for it: it configures the namespace while the runtime creates
 * the container, and tpod waits for its pid file before the start. Its launcher's pid
 * goes to LAUNCHFILE (gone without a pid file = failed: see LOGFILE). */
void
net_pasta_bg (const char *arg)
{
  size_t n;
  char **f = split_fields (arg, 0, &n);
  int logfd;
  pid_t child;

  if (n < 3)
    die ("--pasta-bg wants LAUNCHFILE, LOGFILE and a command");
  logfd = open (f[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (logfd < 0)
    die_errno ("create %s", f[1]);
  child = fork ();
  if (child < 0)
    die_errno ("fork");
  if (child == 0)
    {
      child_fds (logfd, -1, -1);
      execv (f[2], f + 2);
      fprintf (stderr, "cannot run %s: %s", f[2], strerror (errno));
      _exit (127);
    }
  close (logfd);
  write_pid_file (f[0], child);
  free_fields (f);
}

static long
elapsed_ms (const struct timespec *since)
{
  struct timespec now;
  clock_gettime (CLOCK_MONOTONIC, &now);
  return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* True when FILE holds a pid and a newline (pasta writes it as it daemonizes). */
static int
pidfile_ready (const char *file)
{
  char buf[32];
  if (!read_short_file (file, buf, sizeof buf))
    return 0;
  return buf[0] >= '0' && buf[0] <= '9' && strchr (buf, '\n') != NULL;
}

static int
process_running (pid_t pid)
{
  char path[64], buf[512], *close_paren;
  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  if (!read_short_file (path, buf, sizeof buf))
    return 0;
  close_paren = strrchr (buf, ')');
  return close_paren != NULL && close_paren[1] == ' ' && close_paren[2] != 'Z' && close_paren[2] != 'X';
}

/* Waits for a background pasta (see net_pasta_bg) to be ready, or fails with its words. */
void
net_wait_pasta (const char *arg)
{
  size_t n;
  char **f = split_fields (arg, 0, &n), msg[4096];
  struct timespec start, nap = { 0, 1000000 };
  int fd;

  if (n != 3)
    die ("--wait-pasta wants PIDFILE, LAUNCHFILE and LOGFILE");
  clock_gettime (CLOCK_MONOTONIC, &start);
  for (;;)
    {
      char launch[32] = "";
      pid_t launcher = 0;
      if (pidfile_ready (f[0]))
        break;
      if (read_short_file (f[1], launch, sizeof launch))
        launcher = (pid_t) atoi (launch);
      if (launcher > 0 && !process_running (launcher) && !pidfile_ready (f[0]))
        {
          msg[0] = '\0';
          fd = open (f[2], O_RDONLY | O_CLOEXEC);
          if (fd >= 0)
            {
              read_message (fd, msg, sizeof msg);
              close (fd);
            }
          die ("pasta failed: %s", msg[0] ? msg : "no message");
        }
      if (elapsed_ms (&start) > HELPER_TIMEOUT_MS)
        die ("pasta did not set up the network in %d s", HELPER_TIMEOUT_MS / 1000);
      nanosleep (&nap, NULL);
    }
  free_fields (f);
}

void
net_slirp4netns (const char *arg)
{
  size_t n, i;
  char **f = split_fields (arg, 0, &n), **argv, msg[4096], ready = 0;
  int readypipe[2], exitpipe[2], logfd, status, fd;
  pid_t child;
  struct timespec start;
  struct pollfd pfd;

  if (n < 3)
    die ("--slirp4netns wants PIDFILE, LOGFILE and a command");
  /* argv: the program, our two descriptors (3 and 4 in the child, see child_fds),
   * then the given arguments. */
  argv = calloc (n + 2, sizeof *argv);
  if (argv == NULL)
    die ("out of memory");
  argv[0] = f[2];
  argv[1] = "--ready-fd=3";
  argv[2] = "--exit-fd=4";
  for (i = 3; i < n; i++)
    argv[i] = f[i];
  /* Its stderr goes to a file: a pipe we stop reading would kill it with SIGPIPE
   * the next time it logs. */
  logfd = open (f[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (logfd < 0)
    die_errno ("create %s", f[1]);
  if (pipe2 (readypipe, O_CLOEXEC) < 0 || pipe2 (exitpipe, O_CLOEXEC) < 0)
    die_errno ("pipe");
  child = fork ();
  if (child < 0)
    die_errno ("fork");
  if (child == 0)
    {
      child_fds (logfd, readypipe[1], exitpipe[0]);
      execv (argv[0], argv);
      fprintf (stderr, "cannot run %s: %s", argv[0], strerror (errno));
      _exit (127);
    }
  close (readypipe[1]);
  close (exitpipe[0]);
  close (logfd);
  /* The write end outlives us in what we exec (the monitor, or the command we wait
   * for): slirp4netns quits when the last copy closes. */
  if (fcntl (exitpipe[1], F_SETFD, 0) < 0)
    die_errno ("fcntl");

  clock_gettime (CLOCK_MONOTONIC, &start);
  pfd.fd = readypipe[0];
  pfd.events = POLLIN;
  for (;;)
    {
      long left = HELPER_TIMEOUT_MS - elapsed_ms (&start);
      int r;
      ssize_t got;
      if (left <= 0)
        break;
      r = poll (&pfd, 1, (int) left);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        die_errno ("poll");
      if (r == 0)
        continue;
      got = read (readypipe[0], &ready, 1);
      if (got < 0 && errno == EINTR)
        continue;
      break;
    }
  close (readypipe[0]);
  if (ready != '1')
    {
      kill (child, SIGKILL);
      waitpid (child, &status, 0);
      fd = open (f[1], O_RDONLY | O_CLOEXEC);
      msg[0] = '\0';
      if (fd >= 0)
        {
          read_message (fd, msg, sizeof msg);
          close (fd);
        }
      if (elapsed_ms (&start) >= HELPER_TIMEOUT_MS)
        die ("slirp4netns did not get ready in %d s: %s", HELPER_TIMEOUT_MS / 1000, msg);
      die ("slirp4netns failed: %s", msg[0] ? msg : "no message");
    }
  write_pid_file (f[0], child);
  free (argv);
  free_fields (f);
}

void
net_slirp_api (const char *arg)
{
  size_t n, len = 0;
  char **f = split_fields (arg, 0, &n), reply[1024];
  struct sockaddr_un sa;
  ssize_t got;
  int fd;

  if (n != 2)
    die ("--slirp-api wants SOCKET and a request");
  memset (&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  if (strlen (f[0]) >= sizeof sa.sun_path)
    die ("socket path too long: %s", f[0]);
  strcpy (sa.sun_path, f[0]);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    die_errno ("socket");
  if (connect (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    die_errno ("connect to slirp4netns at %s", f[0]);
  if (write_all (fd, f[1], strlen (f[1])) < 0 || shutdown (fd, SHUT_WR) < 0)
    die_errno ("send to slirp4netns");
  while (len + 1 < sizeof reply && (got = read (fd, reply + len, sizeof reply - 1 - len)) != 0)
    {
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        die_errno ("read from slirp4netns");
      len += (size_t) got;
    }
  reply[len] = '\0';
  close (fd);
  if (strstr (reply, "\"error\"") != NULL || strstr (reply, "\"return\"") == NULL)
    die ("slirp4netns refused %s: %s", f[1], reply);
  free_fields (f);
}
