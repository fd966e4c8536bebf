/* tpod-helper ptyexec --socket PATH --pid-file FILE [--control-fd N] -- RUNTIME-COMMAND...
 *
 * An exec with a terminal for a caller whose stdio are pipes (the API service): the
 * runtime command is `runtime exec --detach --console-socket PATH --pid-file FILE ...`
 * (as conmon runs it, which crun and runc both support). We listen on PATH, take the
 * pty master the runtime sends, become the subreaper the exec'd process is left to,
 * relay stdin -> master -> stdout, apply "ROWS COLS\n" lines from the control fd as the
 * terminal's size, and exit with the process's status (128+N for signal N) once it
 * ended and its output was read. If the runtime fails, its own status is ours. When
 * the control fd is closed, the terminal is hung up (the process gets SIGHUP). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"

static int
status_code (int st)
{
  if (WIFEXITED (st))
    return WEXITSTATUS (st);
  if (WIFSIGNALED (st))
    return 128 + WTERMSIG (st);
  return 125;
}

static int
recv_fd (int conn)
{
  char data[1], ctrl[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { data, sizeof data };
  struct msghdr msg = { 0 };
  struct cmsghdr *c;
  int fd = -1;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctrl;
  msg.msg_controllen = sizeof ctrl;
  if (recvmsg (conn, &msg, MSG_CMSG_CLOEXEC) < 0)
    return -1;
  for (c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      memcpy (&fd, CMSG_DATA (c), sizeof fd);
  return fd;
}

/* "ROWS COLS\n" lines; a partial line waits for the rest. */
static void
control (int cfd, int master, char *buf, size_t *len, size_t size, int *open_)
{
  ssize_t n = read (cfd, buf + *len, size - 1 - *len);
  char *nl;
  if (n <= 0)
    {
      if (n == 0 || (errno != EAGAIN && errno != EINTR))
        *open_ = 0;
      return;
    }
  *len += (size_t) n;
  buf[*len] = '\0';
  while ((nl = strchr (buf, '\n')) != NULL)
    {
      unsigned rows, cols;
      *nl = '\0';
      if (sscanf (buf, "%u %u", &rows, &cols) == 2)
        {
          struct winsize ws = { 0 };
          ws.ws_row = (unsigned short) rows;
          ws.ws_col = (unsigned short) cols;
          ioctl (master, TIOCSWINSZ, &ws);
        }
      *len -= (size_t) (nl + 1 - buf);
      memmove (buf, nl + 1, *len + 1);
    }
  if (*len >= size - 1)
    *len = 0;
}

int
cmd_ptyexec (int argc, char **argv)
{
  const char *sock = NULL, *pidfile = NULL;
  int cfd = -1, i, lfd, master = -1, st, in_open = 1, c_open, out_open = 1, m_open = 1;
  pid_t runtime, target = -1;
  struct sockaddr_un addr = { 0 };
  char cbuf[128];
  size_t clen = 0;

  for (i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    {
      if (i + 1 >= argc)
        die ("ptyexec: %s needs an argument", argv[i]);
      if (strcmp (argv[i], "--socket") == 0)
        sock = argv[++i];
      else if (strcmp (argv[i], "--pid-file") == 0)
        pidfile = argv[++i];
      else if (strcmp (argv[i], "--control-fd") == 0)
        cfd = atoi (argv[++i]);
      else
        die ("ptyexec: unknown option %s", argv[i]);
    }
  if (sock == NULL || pidfile == NULL || i + 1 >= argc)
    die ("usage: tpod-helper ptyexec --socket PATH --pid-file FILE [--control-fd N] -- COMMAND...");
  if (strlen (sock) >= sizeof addr.sun_path)
    die ("ptyexec: socket path too long: %s", sock);
  c_open = cfd >= 0;

  if (prctl (PR_SET_CHILD_SUBREAPER, 1) < 0)
    die_errno ("ptyexec: subreaper");
  signal (SIGPIPE, SIG_IGN);
  lfd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0)
    die_errno ("ptyexec: socket");
  addr.sun_family = AF_UNIX;
  strcpy (addr.sun_path, sock);
  unlink (sock);
  if (bind (lfd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (lfd, 1) < 0)
    die_errno ("ptyexec: listen on %s", sock);

  runtime = fork ();
  if (runtime < 0)
    die_errno ("ptyexec: fork");
  if (runtime == 0)
    {
      /* The runtime's stdio: no stdin, its messages on our stderr. */
      int null = open ("/dev/null", O_RDWR);
      dup2 (null, 0);
      dup2 (2, 1);
      if (cfd >= 0)
        close (cfd);
      execvp (argv[i + 1], argv + i + 1);
      fprintf (stderr, "tpod-helper: cannot run %s: %s\n", argv[i + 1], strerror (errno));
      _exit (127);
    }

  /* The master arrives on the socket, or the runtime ends without sending one. */
  for (;;)
    {
      struct pollfd p = { lfd, POLLIN, 0 };
      pid_t w;
      if (poll (&p, 1, 100) > 0)
        {
          int conn = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
          if (conn >= 0)
            {
              master = recv_fd (conn);
              close (conn);
              if (master >= 0)
                break;
            }
        }
      w = waitpid (runtime, &st, WNOHANG);
      if (w == runtime)
        {
          unlink (sock);
          return status_code (st) != 0 ? status_code (st) : 125;
        }
    }
  close (lfd);
  unlink (sock);
  if (waitpid (runtime, &st, 0) == runtime && status_code (st) != 0)
    return status_code (st);
  {
    char buf[32];
    if (read_short_file (pidfile, buf, sizeof buf) <= 0 || (target = (pid_t) atoi (buf)) <= 0)
      die ("ptyexec: no pid in %s", pidfile);
  }

  fcntl (master, F_SETFL, fcntl (master, F_GETFL) | O_NONBLOCK);
  if (cfd >= 0)
    fcntl (cfd, F_SETFL, fcntl (cfd, F_GETFL) | O_NONBLOCK);
  for (;;)
    {
      struct pollfd p[3] = { { in_open ? 0 : -1, POLLIN, 0 }, { m_open ? master : -1, POLLIN, 0 }, { c_open ? cfd : -1, POLLIN, 0 } };
      char buf[8192];
      ssize_t n;
      pid_t w;
      int code;

      poll (p, 3, 100);
      if (p[0].revents)
        {
          n = read (0, buf, sizeof buf);
          if (n > 0)
            write_all (master, buf, (size_t) n);
          else if (n == 0 || (errno != EAGAIN && errno != EINTR))
            in_open = 0;
        }
      if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
        {
          n = read (master, buf, sizeof buf);
          if (n > 0 && out_open && write_all (1, buf, (size_t) n) < 0)
            out_open = 0; /* the reader left: keep draining the terminal */
          else if (n < 0 && errno != EAGAIN && errno != EINTR)
            m_open = 0; /* every holder of the terminal closed it */
        }
      if (p[2].revents)
        {
          control (cfd, master, cbuf, &clen, sizeof cbuf, &c_open);
          /* The caller closed the control fd (its client left): hang the terminal up,
           * which sends the process SIGHUP as a closed terminal window would. */
          if (!c_open && m_open)
            {
              close (master);
              m_open = 0;
            }
        }
      while ((w = waitpid (-1, &st, WNOHANG)) > 0)
        {
          if (w != target)
            continue;
          /* What the process wrote last is still in the terminal. */
          while (m_open && (n = read (master, buf, sizeof buf)) > 0)
            if (out_open && write_all (1, buf, (size_t) n) < 0)
              break;
          code = status_code (st);
          return code;
        }
      if (w < 0 && errno == ECHILD && kill (target, 0) < 0 && errno == ESRCH)
        return 125; /* not ours to wait for, and gone */
    }
}
