#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
vreport (int with_errno, const char *fmt, va_list ap)
{
  int saved = errno;
  fputs ("tpod-helper: ", stderr);
  vfprintf (stderr, fmt, ap);
  if (with_errno)
    fprintf (stderr, ": %s", strerror (saved));
  fputc ('\n', stderr);
}

void
die (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vreport (0, fmt, ap);
  va_end (ap);
  exit (125);
}

void
die_errno (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vreport (1, fmt, ap);
  va_end (ap);
  exit (125);
}

void
join_namespaces (pid_t pid)
{
  char path[64];
  int userfd, mntfd;

  snprintf (path, sizeof path, "/proc/%d/ns/user", (int) pid);
  userfd = open (path, O_RDONLY | O_CLOEXEC);
  if (userfd < 0)
    die_errno ("open %s", path);
  snprintf (path, sizeof path, "/proc/%d/ns/mnt", (int) pid);
  mntfd = open (path, O_RDONLY | O_CLOEXEC);
  if (mntfd < 0)
    die_errno ("open %s", path);
  if (setns (userfd, CLONE_NEWUSER) < 0)
    die_errno ("join user namespace of pid %d", (int) pid);
  if (setns (mntfd, CLONE_NEWNS) < 0)
    die_errno ("join mount namespace of pid %d", (int) pid);
  close (userfd);
  close (mntfd);
}

int
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

static int
remove_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st;
  (void) ftw;
  /* Directories come after their contents (FTW_DEPTH). */
  if (flag == FTW_DP)
    return rmdir (path) < 0 && errno != ENOENT ? -1 : 0;
  return unlink (path) < 0 && errno != ENOENT ? -1 : 0;
}

int
remove_tree (const char *path)
{
  if (nftw (path, remove_entry, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
    return errno == ENOENT ? 0 : -1;
  return 0;
}

/* The start of FILE (one read, SIZE - 1 bytes at most) as a string; false when it
 * cannot be read or is empty. For small files: pid files, /proc/PID/stat. */
int
read_short_file (const char *file, char *buf, size_t size)
{
  ssize_t n;
  int fd = open (file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  n = read (fd, buf, size - 1);
  close (fd);
  buf[n > 0 ? n : 0] = '\0';
  return n > 0;
}
