/* Rebuilds a layer's exact tar from its extracted directory and tar-split records.
 *
 *   tpod-helper retar [--pid PID] DIR < records > tar
 *
 * Chrooted into DIR (after joining the pause process's namespaces with --pid), so the
 * files the records name are looked up by the kernel inside the layer: a symlink in the
 * layer can never make the rebuild read a file of the host. The caller checks the
 * result's digest against the layer's diff ID. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util.h"
#include "split.h"

static void
read_exact (void *buf, size_t n)
{
  char *p = buf;
  while (n > 0)
    {
      ssize_t got = read (0, p, n);
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        die_errno ("read tar-split records");
      if (got == 0)
        die ("tar-split records are cut short");
      p += got;
      n -= (size_t) got;
    }
}

/* 1 with the kind byte, 0 at the end of the records. */
static int
next_kind (unsigned char *kind)
{
  for (;;)
    {
      ssize_t got = read (0, kind, 1);
      if (got == 1)
        return 1;
      if (got == 0)
        return 0;
      if (errno != EINTR)
        die_errno ("read tar-split records");
    }
}

static uint64_t
get_le (const unsigned char *b, int n)
{
  uint64_t v = 0;
  int i;
  for (i = n - 1; i >= 0; i--)
    v = (v << 8) | b[i];
  return v;
}

static void
copy_file (const char *path, uint64_t size, char *buf, size_t bufsize)
{
  struct stat st;
  int fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    die_errno ("layer file %s", path);
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    die ("layer file %s is no longer a regular file", path);
  if ((uint64_t) st.st_size < size)
    die ("layer file %s is shorter than when it was stored", path);
  while (size > 0)
    {
      size_t step = size < (1u << 30) ? (size_t) size : (1u << 30);
      ssize_t n = sendfile (1, fd, NULL, step);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EINVAL || errno == ENOSYS))
        {
          n = read (fd, buf, step < bufsize ? step : bufsize);
          if (n > 0 && write_all (1, buf, (size_t) n) < 0)
            die_errno ("write the rebuilt tar");
        }
      if (n < 0)
        die_errno ("copy layer file %s", path);
      if (n == 0)
        die ("layer file %s is shorter than when it was stored", path);
      size -= (uint64_t) n;
    }
  close (fd);
}

int
cmd_retar (int argc, char **argv)
{
  unsigned char magic[8], kind, head[12];
  char *buf, path[PATH_MAX];
  size_t bufsize = 1u << 16;
  pid_t pid = 0;
  const char *dir = NULL;
  int i;

  for (i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--pid") == 0 && i + 1 < argc)
        pid = (pid_t) atoi (argv[++i]);
      else if (argv[i][0] != '-' && dir == NULL)
        dir = argv[i];
      else
        die ("usage: tpod-helper retar [--pid PID] DIR < records");
    }
  if (dir == NULL)
    die ("usage: tpod-helper retar [--pid PID] DIR < records");
  close_range (3, ~0U, 0);
  if (pid > 0)
    join_namespaces (pid);
  if (chroot (dir) < 0)
    die_errno ("chroot %s", dir);
  if (chdir ("/") < 0)
    die_errno ("chdir /");
  buf = malloc (bufsize);
  if (buf == NULL)
    die ("out of memory");
  read_exact (magic, 8);
  if (memcmp (magic, SPLIT_MAGIC, 8) != 0)
    die ("not a tar-split record stream");
  while (next_kind (&kind))
    {
      if (kind == 'r')
        {
          uint64_t len;
          read_exact (head, 4);
          len = get_le (head, 4);
          while (len > 0)
            {
              size_t step = len < bufsize ? (size_t) len : bufsize;
              read_exact (buf, step);
              if (write_all (1, buf, step) < 0)
                die_errno ("write the rebuilt tar");
              len -= step;
            }
        }
      else if (kind == 'f')
        {
          uint64_t size, len;
          read_exact (head, 12);
          size = get_le (head, 8);
          len = get_le (head + 8, 4);
          if (len == 0 || len >= sizeof path)
            die ("tar-split record names a bad path");
          read_exact (path, (size_t) len);
          path[len] = '\0';
          if (memchr (path, 0, (size_t) len) != NULL)
            die ("tar-split record names a bad path");
          copy_file (path, size, buf, bufsize);
        }
      else
        die ("unknown tar-split record kind 0x%02x", kind);
    }
  return 0;
}
