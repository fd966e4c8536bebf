/* Turns paths collected during layer extraction into overlay whiteouts. Node cannot
 * mknod or set xattrs, so it sends the list here (run inside the user namespace).
 *
 *   tpod-helper whiteouts LAYERDIR < records
 *
 * Each record is a kind byte and a path relative to LAYERDIR, NUL-terminated:
 *   'w' PATH  a char 0:0 device at PATH (the file below is deleted)
 *   'o' PATH  PATH is an opaque directory (user.overlay.opaque=y)
 * Paths are walked with O_NOFOLLOW from LAYERDIR, so a symlink planted by the
 * archive can never point a whiteout outside the layer. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util.h"

/* Opens the directory that holds the last component of PATH, refusing symlinks and
 * "..". Missing directories are created (0755). Sets *leaf to the last component. */
static int
open_parent (int rootfd, char *path, char **leaf)
{
  int fd = dup (rootfd);
  char *p = path, *slash;

  while ((slash = strchr (p, '/')) != NULL)
    {
      int next;
      *slash = '\0';
      if (*p != '\0' && strcmp (p, ".") != 0)
        {
          if (strcmp (p, "..") == 0)
            {
              errno = EPERM;
              close (fd);
              return -1;
            }
          if (mkdirat (fd, p, 0755) < 0 && errno != EEXIST)
            {
              close (fd);
              return -1;
            }
          next = openat (fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          close (fd);
          if (next < 0)
            return -1;
          fd = next;
        }
      p = slash + 1;
    }
  if (strcmp (p, "..") == 0 || *p == '\0')
    {
      errno = EPERM;
      close (fd);
      return -1;
    }
  *leaf = p;
  return fd;
}

static void
apply (int rootfd, char kind, char *path)
{
  char *leaf, shown[4096];
  int dirfd;

  snprintf (shown, sizeof shown, "%s", path);
  dirfd = open_parent (rootfd, path, &leaf);
  if (dirfd < 0)
    die_errno ("whiteout %s", shown);
  if (kind == 'w')
    {
      if (unlinkat (dirfd, leaf, 0) < 0 && errno != ENOENT)
        {
          if (errno != EISDIR || unlinkat (dirfd, leaf, AT_REMOVEDIR) < 0)
            die_errno ("replace %s with a whiteout", shown);
        }
      if (mknodat (dirfd, leaf, S_IFCHR | 0000, makedev (0, 0)) < 0)
        die_errno ("create whiteout %s", shown);
    }
  else if (kind == 'o')
    {
      int fd = openat (dirfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        die_errno ("open opaque directory %s", shown);
      if (fsetxattr (fd, "user.overlay.opaque", "y", 1, 0) < 0)
        die_errno ("mark %s opaque", shown);
      close (fd);
    }
  else
    die ("unknown whiteout record kind %c", kind);
  close (dirfd);
}

int
cmd_whiteouts (int argc, char **argv)
{
  char *buf = NULL;
  size_t cap = 0, len = 0, off = 0;
  int rootfd;

  if (argc != 2)
    die ("usage: tpod-helper whiteouts LAYERDIR < records");
  rootfd = open (argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    die_errno ("open %s", argv[1]);
  for (;;)
    {
      ssize_t n;
      if (len == cap)
        {
          cap = cap ? cap * 2 : 65536;
          buf = realloc (buf, cap);
          if (buf == NULL)
            die ("out of memory");
        }
      n = read (0, buf + len, cap - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        die_errno ("read records");
      if (n == 0)
        break;
      len += (size_t) n;
    }
  while (off < len)
    {
      char *rec = buf + off;
      size_t rlen = strnlen (rec, len - off);
      if (rlen == len - off)
        die ("truncated whiteout record");
      if (rlen >= 2)
        apply (rootfd, rec[0], rec + 1);
      off += rlen + 1;
    }
  free (buf);
  return 0;
}
