#define _GNU_SOURCE
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <termios.h>
#include <unistd.h>

#include "common.h"
#include "monitor.h"
#include "sock.h"
#include "sync.h"

#define CHUNK 8192

static int
make_pipe (struct monitor *m, int *ours, int *theirs, bool ours_is_write_end)
{
  int fds[2];
  if (pipe2 (fds, O_CLOEXEC) < 0)
    {
      runtime_set_text (m, "tpod-monitor: pipe: ", strerror (errno));
      return -1;
    }
  *ours = ours_is_write_end ? fds[1] : fds[0];
  *theirs = ours_is_write_end ? fds[0] : fds[1];
  set_nonblocking (*ours);
  return 0;
}

/* "<dir of the attach socket or pid file>/console.sock" unless tpod named one. */
static char *
default_console_path (const struct monitor_options *opt)
{
  const char *base = opt->attach_socket ? opt->attach_socket : opt->pid_file;
  const char *slash = strrchr (base, '/');
  size_t dir = (size_t) (slash - base);
  char *p = xmalloc (dir + sizeof "/console.sock");
  memcpy (p, base, dir);
  memcpy (p + dir, "/console.sock", sizeof "/console.sock");
  return p;
}

static int
setup_console (struct monitor *m)
{
  struct container_io *io = &m->io;
  struct sock_path sp;

  io->console_path = m->opt.console_socket ? xstrdup (m->opt.console_socket) : default_console_path (&m->opt);
  io->console_listen_fd = sock_listen (io->console_path, SOCK_STREAM, 0600);
  /* The runtime gets a path it can connect to even when ours is too long; the
   * directory descriptor behind a /proc detour stays open until the pty arrived. */
  if (io->console_listen_fd < 0 || sock_path_init (&sp, io->console_path) < 0)
    {
      const char *err = strerror (errno);
      runtime_set_text (m, "tpod-monitor: console socket ", io->console_path);
      runtime_capture (m, ": ", 2);
      runtime_capture (m, err, strlen (err));
      return -1;
    }
  io->console_dirfd = sp.dirfd;
  io->console_arg = xstrdup (sp.addr.sun_path);
  return 0;
}

int
io_setup (struct monitor *m)
{
  struct container_io *io = &m->io;

  io->in_fd = io->out_fd = io->err_fd = -1;
  io->child_in = io->child_out = io->child_err = -1;
  io->console_listen_fd = io->console_dirfd = -1;
  if (m->opt.terminal)
    return setup_console (m);
  if (m->opt.stdin_open && make_pipe (m, &io->in_fd, &io->child_in, true) < 0)
    return -1;
  if (make_pipe (m, &io->out_fd, &io->child_out, false) < 0 || make_pipe (m, &io->err_fd, &io->child_err, false) < 0)
    return -1;
  return 0;
}

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

static void
close_console_socket (struct container_io *io)
{
  if (io->console_listen_fd < 0)
    return;
  close_fd (&io->console_listen_fd);
  close_fd (&io->console_dirfd);
  unlink (io->console_path);
}

void
io_after_create (struct monitor *m)
{
  close_fd (&m->io.child_in);
  close_fd (&m->io.child_out);
  close_fd (&m->io.child_err);
  close_console_socket (&m->io);
}

void
io_console_ready (struct monitor *m)
{
  struct container_io *io = &m->io;
  char data[256];
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { data, sizeof data };
  struct msghdr msg = { 0 };
  struct cmsghdr *cmsg;
  struct timeval tv = { 5, 0 };
  int conn, fd = -1;

  conn = accept4 (io->console_listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    return;
  /* The runtime sends the pty right after connecting; never hang on one that died. */
  setsockopt (conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  if (recvmsg (conn, &msg, MSG_CMSG_CLOEXEC) > 0)
    for (cmsg = CMSG_FIRSTHDR (&msg); cmsg; cmsg = CMSG_NXTHDR (&msg, cmsg))
      if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
        memcpy (&fd, CMSG_DATA (cmsg), sizeof fd);
  close (conn);
  if (fd < 0)
    return;
  set_nonblocking (fd);
  io->in_fd = io->out_fd = fd;
  close_console_socket (io);
}

static void
stream_eof (struct monitor *m, int fd)
{
  struct container_io *io = &m->io;
  if (m->opt.terminal)
    {
      /* One pty master for both directions. */
      close_fd (&io->out_fd);
      io->in_fd = -1;
      free (io->pending);
      io->pending = NULL;
      io->pending_len = io->pending_off = 0;
    }
  else if (fd == io->out_fd)
    close_fd (&io->out_fd);
  else
    close_fd (&io->err_fd);
}

/* Returns 1 after passing data on, 0 at EOF, -1 when nothing was there. */
static int
pump_once (struct monitor *m, int fd)
{
  char buf[CHUNK];
  ssize_t n = read (fd, buf, sizeof buf);
  bool is_err = fd == m->io.err_fd;

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return -1;
  /* A pty master reads EIO once every slave descriptor is closed. */
  if (n <= 0)
    {
      stream_eof (m, fd);
      return 0;
    }
  /* While the runtime creates the container, its stderr is the container's: that is
   * where its error message is. */
  if (m->phase == PHASE_CREATE && is_err)
    {
      runtime_capture (m, buf, (size_t) n);
      return 1;
    }
  log_write (&m->log, is_err ? LOG_STDERR : LOG_STDOUT, buf, (size_t) n);
  attach_broadcast (m, is_err ? ATTACH_FRAME_STDERR : ATTACH_FRAME_STDOUT, buf, (size_t) n);
  return 1;
}

bool
io_pump (struct monitor *m, int fd)
{
  return pump_once (m, fd) != 0;
}

void
io_drain (struct monitor *m)
{
  while (m->io.out_fd >= 0 && pump_once (m, m->io.out_fd) > 0)
    ;
  while (m->io.err_fd >= 0 && pump_once (m, m->io.err_fd) > 0)
    ;
}

void
io_write_stdin (struct monitor *m, const char *buf, size_t len)
{
  struct container_io *io = &m->io;
  ssize_t n = 0;

  if (io->in_fd < 0 || !m->opt.stdin_open || len == 0)
    return;
  if (io->pending_len == io->pending_off)
    {
      n = write (io->in_fd, buf, len);
      if (n < 0 && errno != EAGAIN && errno != EINTR)
        return; /* the container closed its stdin: the data has nowhere to go */
      if (n < 0)
        n = 0;
      if ((size_t) n == len)
        return;
    }
  /* Keep the rest; the loop stops reading clients until the container took it. */
  {
    size_t rest = len - (size_t) n, have = io->pending_len - io->pending_off;
    char *p = xmalloc (have + rest);
    if (have)
      memcpy (p, io->pending + io->pending_off, have);
    memcpy (p + have, buf + n, rest);
    free (io->pending);
    io->pending = p;
    io->pending_off = 0;
    io->pending_len = have + rest;
  }
}

static void
drop_pending (struct container_io *io)
{
  free (io->pending);
  io->pending = NULL;
  io->pending_len = io->pending_off = 0;
}

void
io_stdin_writable (struct monitor *m)
{
  struct container_io *io = &m->io;
  ssize_t n;
  if (io->in_fd < 0 || io->pending_off == io->pending_len)
    return;
  n = write (io->in_fd, io->pending + io->pending_off, io->pending_len - io->pending_off);
  if (n < 0 && errno != EAGAIN && errno != EINTR)
    drop_pending (io);
  else if (n > 0)
    io->pending_off += (size_t) n;
  if (io->pending_off == io->pending_len)
    {
      drop_pending (io);
      if (io->close_in_when_drained)
        io_close_stdin (m);
    }
}

void
io_close_stdin (struct monitor *m)
{
  struct container_io *io = &m->io;
  /* A terminal has no separate stdin to close: its EOF is the user's ctrl-d. */
  if (m->opt.terminal || io->in_fd < 0)
    return;
  if (io->pending_off < io->pending_len)
    {
      io->close_in_when_drained = true;
      return;
    }
  close_fd (&io->in_fd);
}

void
io_resize (struct monitor *m, unsigned rows, unsigned cols)
{
  struct winsize ws = { 0 };
  if (!m->opt.terminal || m->io.out_fd < 0)
    return;
  ws.ws_row = (unsigned short) rows;
  ws.ws_col = (unsigned short) cols;
  ioctl (m->io.out_fd, TIOCSWINSZ, &ws);
}
