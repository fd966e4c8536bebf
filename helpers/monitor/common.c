#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void __attribute__ ((noreturn))
vfatal (int with_errno, const char *fmt, va_list ap)
{
  int saved = errno;
  fputs ("tpod-monitor: ", stderr);
  vfprintf (stderr, fmt, ap);
  if (with_errno)
    fprintf (stderr, ": %s", strerror (saved));
  fputc ('\n', stderr);
  exit (125);
}

void
fatal (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vfatal (0, fmt, ap);
}

void
fatal_errno (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vfatal (1, fmt, ap);
}

void *
xmalloc (size_t size)
{
  void *p = malloc (size);
  if (p == NULL)
    fatal ("out of memory");
  return p;
}

char *
xstrdup (const char *s)
{
  char *p = strdup (s);
  if (p == NULL)
    fatal ("out of memory");
  return p;
}

int
set_nonblocking (int fd)
{
  int flags = fcntl (fd, F_GETFL);
  if (flags < 0)
    return -1;
  return fcntl (fd, F_SETFL, flags | O_NONBLOCK);
}

size_t
format_int (char *out, long long v)
{
  char tmp[24];
  size_t n = 0, len;
  unsigned long long u = v < 0 ? 0ULL - (unsigned long long) v : (unsigned long long) v;
  do
    {
      tmp[n++] = (char) ('0' + u % 10);
      u /= 10;
    }
  while (u > 0);
  if (v < 0)
    tmp[n++] = '-';
  len = n;
  while (n > 0)
    *out++ = tmp[--n];
  *out = '\0';
  return len;
}

ssize_t
read_small_file (const char *path, char *buf, size_t len)
{
  ssize_t n, total = 0;
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  while ((size_t) total < len - 1)
    {
      n = read (fd, buf + total, len - 1 - (size_t) total);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      total += n;
    }
  close (fd);
  buf[total] = '\0';
  return total;
}
