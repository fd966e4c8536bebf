/* Writing tar-split records (see split.h). */
#include <string.h>

#include "../util.h"
#include "split.h"

static void
drain (struct split_writer *w)
{
  if (w->outlen > 0 && write_all (w->fd, w->out, w->outlen) < 0)
    die_errno ("write tar-split records");
  w->outlen = 0;
}

static void
put (struct split_writer *w, const void *p, size_t n)
{
  if (w->outlen + n > sizeof w->out)
    drain (w);
  if (n > sizeof w->out)
    {
      if (write_all (w->fd, p, n) < 0)
        die_errno ("write tar-split records");
      return;
    }
  memcpy (w->out + w->outlen, p, n);
  w->outlen += n;
}

static void
le32 (unsigned char *b, uint32_t v)
{
  int i;
  for (i = 0; i < 4; i++)
    b[i] = (unsigned char) (v >> (8 * i));
}

static void
le64 (unsigned char *b, uint64_t v)
{
  int i;
  for (i = 0; i < 8; i++)
    b[i] = (unsigned char) (v >> (8 * i));
}

void
split_init (struct split_writer *w, int fd)
{
  w->fd = fd;
  w->rawlen = 0;
  w->outlen = 0;
  if (fd >= 0)
    put (w, SPLIT_MAGIC, 8);
}

static void
flush_raw (struct split_writer *w)
{
  unsigned char head[5];
  if (w->rawlen == 0)
    return;
  head[0] = 'r';
  le32 (head + 1, (uint32_t) w->rawlen);
  put (w, head, 5);
  put (w, w->raw, w->rawlen);
  w->rawlen = 0;
}

void
split_raw (void *ctx, const unsigned char *p, size_t n)
{
  struct split_writer *w = ctx;
  if (w->fd < 0)
    return;
  while (n > 0)
    {
      size_t step = SPLIT_RAW_MAX - w->rawlen;
      if (step > n)
        step = n;
      memcpy (w->raw + w->rawlen, p, step);
      w->rawlen += step;
      p += step;
      n -= step;
      if (w->rawlen == SPLIT_RAW_MAX)
        flush_raw (w);
    }
}

void
split_file (struct split_writer *w, uint64_t size, const char *path)
{
  unsigned char head[13];
  size_t len = strlen (path);
  if (w->fd < 0)
    return;
  flush_raw (w);
  head[0] = 'f';
  le64 (head + 1, size);
  le32 (head + 9, (uint32_t) len);
  put (w, head, 13);
  put (w, path, len);
}

void
split_finish (struct split_writer *w)
{
  if (w->fd < 0)
    return;
  flush_raw (w);
  drain (w);
}
