#define _GNU_SOURCE
#include "notify.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common.h"
#include "monitor.h"
#include "sock.h"

void
notify_setup (struct monitor *m)
{
  const char *env = getenv ("NOTIFY_SOCKET");
  m->notify.proxy_fd = -1;
  m->notify.host_socket = env && *env && m->opt.sdnotify != SDNOTIFY_IGNORE ? xstrdup (env) : NULL;
  unsetenv ("NOTIFY_SOCKET");
  if (m->opt.sdnotify != SDNOTIFY_CONTAINER)
    return;
  /* Any uid in the container may send; the directory tpod mounts decides who sees it. */
  m->notify.proxy_fd = sock_listen (m->opt.container_notify_socket, SOCK_DGRAM, 0777);
  if (m->notify.proxy_fd < 0)
    fatal_errno ("notify socket %s", m->opt.container_notify_socket);
}

static void
send_to_systemd (struct monitor *m, const char *msg, size_t len)
{
  const char *path = m->notify.host_socket;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  size_t n = strlen (path);
  int fd;

  if (n >= sizeof addr.sun_path)
    return;
  memcpy (addr.sun_path, path, n);
  /* "@name" is an abstract socket: a leading NUL, no terminating one. */
  if (path[0] == '@')
    addr.sun_path[0] = '\0';
  fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return;
  sendto (fd, msg, len, MSG_NOSIGNAL, (struct sockaddr *) &addr,
          (socklen_t) (offsetof (struct sockaddr_un, sun_path) + n + (path[0] == '@' ? 0 : 1)));
  close (fd);
}

static size_t
mainpid_line (struct monitor *m, char *out)
{
  size_t n;
  memcpy (out, "MAINPID=", 8);
  n = 8 + format_int (out + 8, m->self);
  out[n++] = '\n';
  return n;
}

void
notify_started (struct monitor *m)
{
  char msg[64];
  size_t n;
  if (m->notify.host_socket == NULL || m->opt.sdnotify == SDNOTIFY_IGNORE)
    return;
  n = mainpid_line (m, msg);
  /* In container mode READY=1 is the container's to say; MAINPID goes now all the
   * same, or the unit fails when `tpod run -d`, its first main process, exits. */
  if (m->opt.sdnotify == SDNOTIFY_CONMON)
    {
      memcpy (msg + n, "READY=1\n", 8);
      n += 8;
    }
  send_to_systemd (m, msg, n);
}

/* Forwards the container's message line by line, without its own MAINPID (a pid in
 * its namespace would mean nothing to systemd), adding ours when it says READY=1. */
void
notify_proxy_readable (struct monitor *m)
{
  char in[4096], out[4096 + 64], *line, *end;
  ssize_t n = recv (m->notify.proxy_fd, in, sizeof in - 1, MSG_DONTWAIT);
  size_t len = 0;
  bool ready = false;

  if (n <= 0 || m->notify.host_socket == NULL)
    return;
  in[n] = '\0';
  for (line = in; *line; line = end)
    {
      size_t l;
      end = strchr (line, '\n');
      end = end ? end + 1 : line + strlen (line);
      l = (size_t) (end - line);
      if (strncmp (line, "MAINPID=", 8) == 0)
        continue;
      if (strncmp (line, "READY=1", 7) == 0)
        ready = true;
      memcpy (out + len, line, l);
      len += l;
      if (out[len - 1] != '\n')
        out[len++] = '\n';
    }
  if (ready)
    len += mainpid_line (m, out + len);
  if (len > 0)
    send_to_systemd (m, out, len);
}
