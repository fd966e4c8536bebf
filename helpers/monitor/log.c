#define _GNU_SOURCE
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

/* "2024-05-01T12:34:56.123456789+02:00 stdout F " is 45 bytes. */
#define PREFIX_MAX 64
#define BATCH 64 /* lines per writev: 3 iovecs each */

int
log_open (struct log *log, const char *path, long long max)
{
  struct stat st;
  log->path = path;
  log->max = max;
  log->written = 0;
  /* O_NOFOLLOW: the log lives in tpod's private storage; never write through a link. */
  log->fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (log->fd < 0)
    return -1;
  if (fstat (log->fd, &st) == 0)
    log->written = st.st_size;
  return 0;
}

void
log_close (struct log *log)
{
  if (log->fd >= 0)
    close (log->fd);
  log->fd = -1;
}

static char *
put2 (char *p, int v)
{
  *p++ = (char) ('0' + v / 10 % 10);
  *p++ = (char) ('0' + v % 10);
  return p;
}

/* RFC 3339 with nanoseconds and the local offset, as Podman writes it. */
static size_t
format_prefix (char *out, const char *stream, char kind)
{
  struct timespec ts;
  struct tm tm;
  char *p = out;
  long off, ns;
  int i;

  clock_gettime (CLOCK_REALTIME, &ts);
  localtime_r (&ts.tv_sec, &tm);
  p += format_int (p, tm.tm_year + 1900);
  *p++ = '-';
  p = put2 (p, tm.tm_mon + 1);
  *p++ = '-';
  p = put2 (p, tm.tm_mday);
  *p++ = 'T';
  p = put2 (p, tm.tm_hour);
  *p++ = ':';
  p = put2 (p, tm.tm_min);
  *p++ = ':';
  p = put2 (p, tm.tm_sec);
  *p++ = '.';
  ns = ts.tv_nsec;
  for (i = 8; i >= 0; i--)
    {
      p[i] = (char) ('0' + ns % 10);
      ns /= 10;
    }
  p += 9;
  off = tm.tm_gmtoff;
  *p++ = off < 0 ? '-' : '+';
  if (off < 0)
    off = -off;
  p = put2 (p, (int) (off / 3600));
  *p++ = ':';
  p = put2 (p, (int) (off / 60 % 60));
  *p++ = ' ';
  memcpy (p, stream, strlen (stream));
  p += strlen (stream);
  *p++ = ' ';
  *p++ = kind;
  *p++ = ' ';
  return (size_t) (p - out);
}

/* Starts an empty file in place of the full one: create a temporary beside it and rename
 * it over the log, so a reader never sees a half-truncated file. */
static void
replace_full_log (struct log *log)
{
  size_t n = strlen (log->path);
  char *tmp = xmalloc (n + 5);
  int fd;

  memcpy (tmp, log->path, n);
  memcpy (tmp + n, ".new", 5);
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0 && rename (tmp, log->path) == 0)
    {
      close (log->fd);
      log->fd = fd;
      log->written = 0;
    }
  else if (fd >= 0)
    {
      close (fd);
      unlink (tmp);
    }
  free (tmp);
}

static void
flush (struct log *log, struct iovec *iov, int n, size_t bytes)
{
  if (n == 0)
    return;
  if (log->max > 0 && log->written > 0 && log->written + (long long) bytes > log->max)
    replace_full_log (log);
  /* One writev per batch; O_APPEND keeps concurrent writers from interleaving badly. */
  while (writev (log->fd, iov, n) < 0 && errno == EINTR)
    ;
  log->written += (long long) bytes;
}

void
log_write (struct log *log, enum log_stream stream, const char *buf, size_t len)
{
  static char newline = '\n';
  char full[PREFIX_MAX], partial[PREFIX_MAX];
  struct iovec iov[BATCH * 3];
  size_t full_len, partial_len, bytes = 0;
  int n = 0;
  const char *name = stream == LOG_STDERR ? "stderr" : "stdout";

  if (log->fd < 0 || len == 0)
    return;
  full_len = format_prefix (full, name, 'F');
  memcpy (partial, full, full_len);
  partial[full_len - 2] = 'P';
  partial_len = full_len;

  while (len > 0)
    {
      const char *nl = memchr (buf, '\n', len);
      size_t line = nl ? (size_t) (nl - buf) : len;

      iov[n].iov_base = nl ? full : partial;
      iov[n].iov_len = nl ? full_len : partial_len;
      iov[n + 1].iov_base = (void *) buf;
      iov[n + 1].iov_len = line;
      iov[n + 2].iov_base = &newline;
      iov[n + 2].iov_len = 1;
      n += 3;
      bytes += full_len + line + 1;
      line += nl ? 1 : 0;
      buf += line;
      len -= line;
      if (n == BATCH * 3)
        {
          flush (log, iov, n, bytes);
          n = 0;
          bytes = 0;
        }
    }
  flush (log, iov, n, bytes);
}
