#define _GNU_SOURCE
#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../util.h"
#include "common.h"
#include "monitor.h"
#include "sock.h"
#include "sync.h"

/* The socket gives whoever can connect the container's stdin: its directory must be
 * ours alone. A missing directory is created private. */
static void
check_private_dir (const char *path)
{
  const char *slash = strrchr (path, '/');
  char *dir = xmalloc ((size_t) (slash - path) + 2);
  struct stat st;

  memcpy (dir, path, (size_t) (slash - path));
  dir[slash - path] = '\0';
  if (slash == path)
    strcpy (dir, "/");
  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    fatal_errno ("create attach socket directory %s", dir);
  if (lstat (dir, &st) < 0)
    fatal_errno ("attach socket directory %s", dir);
  if (!S_ISDIR (st.st_mode) || st.st_uid != geteuid () || (st.st_mode & 077) != 0)
    fatal ("attach socket directory %s must be a directory only its owner can use (mode 0700, uid %d)",
           dir, (int) geteuid ());
  free (dir);
}

void
attach_listen (struct attach *a, const char *path)
{
  int i;
  a->listen_fd = -1;
  for (i = 0; i < ATTACH_MAX_CLIENTS; i++)
    a->clients[i].fd = -1;
  if (path == NULL)
    return;
  check_private_dir (path);
  a->listen_fd = sock_listen (path, SOCK_STREAM, 0600);
  if (a->listen_fd < 0)
    fatal_errno ("attach socket %s", path);
  a->path = xstrdup (path);
}

static void
drop_client (struct attach_client *c)
{
  close (c->fd);
  free (c->out);
  memset (c, 0, sizeof *c);
  c->fd = -1;
}

void
attach_accept (struct monitor *m)
{
  int fd, i;
  while ((fd = accept4 (m->attach.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0)
    {
      for (i = 0; i < ATTACH_MAX_CLIENTS && m->attach.clients[i].fd >= 0; i++)
        ;
      if (i == ATTACH_MAX_CLIENTS)
        {
          close (fd); /* full: the client sees EOF at once */
          continue;
        }
      memset (&m->attach.clients[i], 0, sizeof m->attach.clients[i]);
      m->attach.clients[i].fd = fd;
    }
}

bool
attach_backlogged (const struct attach *a)
{
  int i;
  for (i = 0; i < ATTACH_MAX_CLIENTS; i++)
    if (a->clients[i].fd >= 0 && a->clients[i].out != NULL)
      return true;
  return false;
}

static void
put_header (unsigned char *h, int type, size_t len)
{
  h[0] = (unsigned char) type;
  h[1] = (unsigned char) (len >> 24);
  h[2] = (unsigned char) (len >> 16);
  h[3] = (unsigned char) (len >> 8);
  h[4] = (unsigned char) len;
}

/* Keeps the bytes of IOV from OFFSET on for later. */
static void
keep (struct attach_client *c, const struct iovec *iov, int n, size_t offset)
{
  size_t total = 0, have = c->out ? c->out_len - c->out_off : 0, pos;
  char *p;
  int i;
  for (i = 0; i < n; i++)
    total += iov[i].iov_len;
  p = xmalloc (have + total - offset);
  if (have)
    memcpy (p, c->out + c->out_off, have);
  pos = have;
  for (i = 0; i < n; i++)
    {
      const char *b = iov[i].iov_base;
      size_t l = iov[i].iov_len;
      if (offset >= l)
        {
          offset -= l;
          continue;
        }
      memcpy (p + pos, b + offset, l - offset);
      pos += l - offset;
      offset = 0;
    }
  free (c->out);
  c->out = p;
  c->out_off = 0;
  c->out_len = pos;
}

void
attach_broadcast (struct monitor *m, int frame_type, const char *buf, size_t len)
{
  unsigned char header[ATTACH_HEADER_SIZE];
  struct iovec iov[2];
  int i;

  put_header (header, frame_type, len);
  iov[0].iov_base = header;
  iov[0].iov_len = sizeof header;
  iov[1].iov_base = (void *) buf;
  iov[1].iov_len = len;
  for (i = 0; i < ATTACH_MAX_CLIENTS; i++)
    {
      struct attach_client *c = &m->attach.clients[i];
      ssize_t n = 0;
      if (c->fd < 0)
        continue;
      if (c->out == NULL)
        {
          n = writev (c->fd, iov, 2);
          if (n < 0 && errno != EAGAIN && errno != EINTR)
            {
              drop_client (c);
              continue;
            }
          if (n < 0)
            n = 0;
          if ((size_t) n == sizeof header + len)
            continue;
        }
      keep (c, iov, 2, (size_t) n);
    }
}

void
attach_client_writable (struct monitor *m, int index)
{
  struct attach_client *c = &m->attach.clients[index];
  ssize_t n;
  if (c->out == NULL)
    return;
  n = write (c->fd, c->out + c->out_off, c->out_len - c->out_off);
  if (n < 0 && errno != EAGAIN && errno != EINTR)
    {
      drop_client (c);
      return;
    }
  if (n > 0)
    c->out_off += (size_t) n;
  if (c->out_off == c->out_len)
    {
      free (c->out);
      c->out = NULL;
      c->out_len = c->out_off = 0;
    }
}

static void
frame_done (struct monitor *m, struct attach_client *c)
{
  if (c->header[0] == ATTACH_FRAME_STDIN_EOF)
    io_close_stdin (m);
  else if (c->header[0] == ATTACH_FRAME_RESIZE && c->small_len == 4)
    io_resize (m, (unsigned) (c->small[0] << 8 | c->small[1]), (unsigned) (c->small[2] << 8 | c->small[3]));
  c->header_len = 0;
  c->small_len = 0;
}

/* Reads one piece of the client's current frame: its header or some of its payload. */
void
attach_client_readable (struct monitor *m, int index)
{
  struct attach_client *c = &m->attach.clients[index];
  char buf[8192];
  ssize_t n;

  if (c->header_len < ATTACH_HEADER_SIZE)
    {
      n = read (c->fd, c->header + c->header_len, ATTACH_HEADER_SIZE - c->header_len);
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
      if (n <= 0)
        {
          drop_client (c);
          return;
        }
      c->header_len += (unsigned) n;
      if (c->header_len < ATTACH_HEADER_SIZE)
        return;
      c->remaining = (uint32_t) c->header[1] << 24 | (uint32_t) c->header[2] << 16
                     | (uint32_t) c->header[3] << 8 | c->header[4];
      /* A bogus length must not make the monitor hold a client's bytes forever. */
      if (c->remaining > ATTACH_MAX_FRAME)
        {
          drop_client (c);
          return;
        }
      if (c->remaining == 0)
        frame_done (m, c);
      return;
    }
  n = read (c->fd, buf, c->remaining < sizeof buf ? c->remaining : sizeof buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    {
      drop_client (c);
      return;
    }
  c->remaining -= (uint32_t) n;
  if (c->header[0] == ATTACH_FRAME_STDIN)
    io_write_stdin (m, buf, (size_t) n);
  else if (c->header[0] == ATTACH_FRAME_RESIZE)
    {
      size_t room = sizeof c->small - c->small_len, take = (size_t) n < room ? (size_t) n : room;
      memcpy (c->small + c->small_len, buf, take);
      c->small_len += (unsigned) take;
    }
  if (c->remaining == 0)
    frame_done (m, c);
}

void
attach_finish (struct monitor *m, int exit_code)
{
  unsigned char frame[ATTACH_HEADER_SIZE + 24];
  struct timeval tv = { 1, 0 };
  size_t len;
  int i;

  len = exit_code >= 0 ? format_int ((char *) frame + ATTACH_HEADER_SIZE, exit_code) : 0;
  put_header (frame, ATTACH_FRAME_EXIT, len);
  for (i = 0; i < ATTACH_MAX_CLIENTS; i++)
    {
      struct attach_client *c = &m->attach.clients[i];
      if (c->fd < 0)
        continue;
      /* Last words: blocking, but a client that stopped reading gets a second, not
       * the monitor's whole future. */
      setsockopt (c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      {
        int fl = fcntl (c->fd, F_GETFL);
        if (fl >= 0)
          fcntl (c->fd, F_SETFL, fl & ~O_NONBLOCK);
      }
      if ((c->out == NULL || write_all (c->fd, c->out + c->out_off, c->out_len - c->out_off) == 0)
          && exit_code >= 0)
        write_all (c->fd, frame, ATTACH_HEADER_SIZE + len);
      drop_client (c);
    }
  if (m->attach.listen_fd >= 0)
    {
      close (m->attach.listen_fd);
      m->attach.listen_fd = -1;
      unlink (m->attach.path);
    }
}
