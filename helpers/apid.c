/* tpod-apid: what `tpod system service --time 0` becomes while no client is talking to it.
 * The Node server, once idle, execs this program in its own process (same pid, so a
 * terminal or a systemd unit sees no change) with its listening socket still open. It
 * holds the socket, as systemd does for a socket unit, in well under a megabyte: when a
 * client connects it starts the server again as a child, handing the socket over as
 * systemd would (fd 3, LISTEN_FDS=1, LISTEN_PID), and waits for it to go idle and exit.
 *
 *   tpod-apid FD COMMAND [ARG...]
 *
 * SIGTERM/SIGINT end it (the running server gets the same signal first). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;
static volatile pid_t child;

static void
on_signal (int sig)
{
  stopping = sig;
  if (child > 0)
    kill (child, sig);
}

static long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int
main (int argc, char **argv)
{
  if (argc < 3)
    {
      fprintf (stderr, "usage: tpod-apid FD COMMAND [ARG...]\n");
      return 2;
    }
  char *end;
  long fd = strtol (argv[1], &end, 10);
  if (*end != '\0' || fd < 0 || fcntl ((int) fd, F_GETFD) < 0)
    {
      fprintf (stderr, "tpod-apid: %s is not an open descriptor\n", argv[1]);
      return 2;
    }
  struct sigaction sa;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  /* The socket is only this process's to watch: the server gets its own copy as fd 3. */
  fcntl ((int) fd, F_SETFD, FD_CLOEXEC);

  int quick_failures = 0;
  while (!stopping)
    {
      struct pollfd p = { .fd = (int) fd, .events = POLLIN };
      int n = poll (&p, 1, -1);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          perror ("tpod-apid: poll");
          return 1;
        }
      if (p.revents & (POLLERR | POLLNVAL))
        {
          fprintf (stderr, "tpod-apid: the socket failed\n");
          return 1;
        }
      long started = now_ms ();
      pid_t pid = fork ();
      if (pid < 0)
        {
          perror ("tpod-apid: fork");
          sleep (1);
          continue;
        }
      if (pid == 0)
        {
          char buf[32];
          if (dup2 ((int) fd, 3) < 0)
            _exit (127);
          if (fd != 3)
            close ((int) fd);
          snprintf (buf, sizeof buf, "%d", (int) getpid ());
          setenv ("LISTEN_PID", buf, 1);
          setenv ("LISTEN_FDS", "1", 1);
          unsetenv ("LISTEN_FDNAMES");
          /* The server exits when idle instead of becoming this program again. */
          setenv ("TPOD_API_WAITER", "1", 1);
          signal (SIGTERM, SIG_DFL);
          signal (SIGINT, SIG_DFL);
          execv (argv[2], argv + 2);
          perror ("tpod-apid: exec");
          _exit (127);
        }
      child = pid;
      int status = 0;
      while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
      child = 0;
      if (stopping)
        break;
      /* A server that cannot start would be started again at once for the same waiting
       * client: wait a little longer after each quick failure. */
      if (!(WIFEXITED (status) && WEXITSTATUS (status) == 0) && now_ms () - started < 2000)
        {
          if (quick_failures < 5)
            quick_failures++;
          sleep ((unsigned) quick_failures);
        }
      else
        quick_failures = 0;
    }
  return 0;
}
