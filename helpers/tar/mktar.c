/* Writes a tar of a directory tree, confined by the kernel.
 *
 *   tpod-helper mktar [--pid PID] [--whiteouts] DIR > tar
 *   (and view.c's --ctr-pid, --bind, --at; --name NAME puts the tree under NAME/, and
 *   --file PATH --name NAME writes the one regular file PATH as NAME, for cp;
 *   --list writes headers only, every file empty, for diff)
 *
 * With --pid it joins the pause process's user and mount namespaces, then chroots into
 * DIR (a container's mounted rootfs, a layer, an upper dir): a container that swaps a
 * directory for a symlink while it is read gets a tar of its own files, never of the
 * host's. The contents of DIR (not DIR itself) are written in byte order of names, each
 * directory before what it holds, as PAX tar: owners, modes, mtimes, symlinks as such,
 * files with several links as hardlinks to the first seen, devices and fifos, user.*
 * xattrs and file capabilities. Sockets are skipped (a "skip" line on stderr).
 *
 * Overlay whiteouts (char 0:0) are skipped, or with --whiteouts (a layer's diff)
 * written as OCI whiteouts (.wh.NAME), and opaque directories get .wh..wh..opq.
 * --mtime SECONDS gives every entry that mtime (a build's --timestamp, as buildah). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../util.h"
#include "tar.h"
#include "view.h"

#define MAX_DEPTH 512

struct link_slot
{
  dev_t dev;
  ino_t ino;
  char *path;
};

struct mktar
{
  int whiteouts;
  int list; /* headers only, no file data: what diff needs */
  int fixed_mtime; /* --mtime: every entry gets MTIME (a build's --timestamp) */
  long long mtime;
  struct link_slot *links;
  size_t nlinks, caplinks;
  char *buf;
  size_t bufsize;
};

static void
out (const void *p, size_t n)
{
  if (write_all (1, p, n) < 0)
    die_errno ("write the tar");
}

static void
put_entry (struct tar_entry *e)
{
  unsigned char *h;
  size_t n = tar_encode_header (e, &h);
  out (h, n);
  free (h);
}

/* Hardlinks: the first path seen for a (dev, inode) with several links. */
static const char *
link_seen (struct mktar *m, const struct stat *st, const char *path)
{
  size_t i, mask;
  if (m->nlinks * 2 >= m->caplinks)
    {
      struct link_slot *old = m->links;
      size_t oldcap = m->caplinks;
      m->caplinks = oldcap ? oldcap * 2 : 1024;
      m->links = calloc (m->caplinks, sizeof *m->links);
      if (m->links == NULL)
        die ("out of memory");
      for (i = 0; i < oldcap; i++)
        if (old[i].path)
          {
            size_t j = (old[i].ino * 31 + old[i].dev) & (m->caplinks - 1);
            while (m->links[j].path)
              j = (j + 1) & (m->caplinks - 1);
            m->links[j] = old[i];
          }
      free (old);
    }
  mask = m->caplinks - 1;
  for (i = (st->st_ino * 31 + st->st_dev) & mask; m->links[i].path; i = (i + 1) & mask)
    if (m->links[i].ino == st->st_ino && m->links[i].dev == st->st_dev)
      return m->links[i].path;
  m->links[i].dev = st->st_dev;
  m->links[i].ino = st->st_ino;
  m->links[i].path = strdup (path);
  m->nlinks++;
  return NULL;
}

static void
free_entry_xattrs (struct tar_entry *e)
{
  size_t i;
  for (i = 0; i < e->nxattrs; i++)
    {
      free (e->xattrs[i].name);
      free (e->xattrs[i].value);
    }
  free (e->xattrs);
  e->xattrs = NULL;
  e->nxattrs = 0;
}

/* user.* (but the overlay drivers' own) and security.capability, as untar keeps them;
 * *OPAQUE is set for an overlay opaque directory. */
static void
read_xattrs (int fd, struct tar_entry *e, int *opaque)
{
  char list[8192];
  ssize_t n = flistxattr (fd, list, sizeof list), off;
  for (off = 0; n > 0 && off < n; off += (ssize_t) strlen (list + off) + 1)
    {
      const char *x = list + off;
      unsigned char val[65536];
      ssize_t vlen;
      if (strcmp (x, "user.overlay.opaque") == 0 || strcmp (x, "trusted.overlay.opaque") == 0)
        {
          char v = 0;
          if (fgetxattr (fd, x, &v, 1) == 1 && v == 'y')
            *opaque = 1;
          continue;
        }
      if (strncmp (x, "user.overlay.", 13) == 0 || strncmp (x, "user.fuseoverlayfs.", 19) == 0 || strncmp (x, "user.containers.", 16) == 0)
        continue;
      if (strncmp (x, "user.", 5) != 0 && strcmp (x, "security.capability") != 0)
        continue;
      vlen = fgetxattr (fd, x, val, sizeof val);
      if (vlen < 0 || e->nxattrs >= TAR_MAX_XATTRS)
        continue;
      e->xattrs = realloc (e->xattrs, (e->nxattrs + 1) * sizeof *e->xattrs);
      if (e->xattrs == NULL)
        die ("out of memory");
      e->xattrs[e->nxattrs].name = strdup (x);
      e->xattrs[e->nxattrs].value = malloc ((size_t) vlen + 1);
      memcpy (e->xattrs[e->nxattrs].value, val, (size_t) vlen);
      e->xattrs[e->nxattrs].len = (size_t) vlen;
      e->nxattrs++;
    }
}

static void
copy_body (struct mktar *m, int fd, uint64_t size)
{
  uint64_t left = size;
  while (left > 0)
    {
      ssize_t n = sendfile (1, fd, NULL, left < (1u << 30) ? (size_t) left : (1u << 30));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EINVAL || errno == ENOSYS))
        {
          n = read (fd, m->buf, left < m->bufsize ? (size_t) left : m->bufsize);
          if (n > 0)
            out (m->buf, (size_t) n);
        }
      if (n < 0)
        die_errno ("read a file for the tar");
      if (n == 0)
        break; /* the file shrank while it was read: padded below */
      left -= (uint64_t) n;
    }
  memset (m->buf, 0, m->bufsize < 65536 ? m->bufsize : 65536);
  while (left > 0)
    {
      size_t step = left < 65536 ? (size_t) left : 65536;
      out (m->buf, step);
      left -= step;
    }
  if (size % TAR_BLOCK)
    out (m->buf, TAR_BLOCK - size % TAR_BLOCK);
}

static int
by_name (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static char **
sorted_names (int dirfd, size_t *count)
{
  int fd = dup (dirfd);
  DIR *d;
  struct dirent *de;
  char **names = NULL;
  size_t n = 0, cap = 0;
  if (fd < 0 || (d = fdopendir (fd)) == NULL)
    die_errno ("read a directory for the tar");
  rewinddir (d);
  while ((de = readdir (d)) != NULL)
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (n == cap)
        {
          cap = cap ? cap * 2 : 64;
          names = realloc (names, cap * sizeof *names);
          if (names == NULL)
            die ("out of memory");
        }
      names[n++] = strdup (de->d_name);
    }
  closedir (d);
  qsort (names, n, sizeof *names, by_name);
  *count = n;
  return names;
}

static void
base_entry (const struct mktar *m, struct tar_entry *e, const struct stat *st, char *name)
{
  memset (e, 0, sizeof *e);
  e->name = name;
  e->mode = st->st_mode & 07777;
  e->uid = st->st_uid;
  e->gid = st->st_gid;
  e->mtime.tv_sec = m->fixed_mtime ? (time_t) m->mtime : st->st_mtim.tv_sec;
}

static void
walk (struct mktar *m, int dirfd, const char *prefix, int depth)
{
  size_t count, i;
  char **names;
  if (depth > MAX_DEPTH)
    die ("the tree is deeper than %d directories", MAX_DEPTH);
  names = sorted_names (dirfd, &count);
  for (i = 0; i < count; i++)
    {
      struct stat st;
      struct tar_entry e;
      char path[PATH_MAX + 2], link[PATH_MAX];
      int opaque = 0;
      if ((size_t) snprintf (path, sizeof path - 1, "%s%s", prefix, names[i]) >= sizeof path - 1)
        die ("a path in the tree is longer than PATH_MAX");
      if (fstatat (dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          if (errno == ENOENT)
            continue; /* gone since it was listed (a live container) */
          die_errno ("stat %s", path);
        }
      base_entry (m, &e, &st, path);
      if (S_ISDIR (st.st_mode))
        {
          size_t len = strlen (path);
          int sub = openat (dirfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (sub < 0)
            {
              if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
                continue; /* swapped since it was listed */
              die_errno ("open %s", path);
            }
          read_xattrs (sub, &e, &opaque);
          path[len] = '/';
          path[len + 1] = '\0';
          e.type = '5';
          put_entry (&e);
          free_entry_xattrs (&e);
          if (opaque && m->whiteouts)
            {
              char wh[PATH_MAX + 16];
              struct tar_entry o;
              snprintf (wh, sizeof wh, "%s.wh..wh..opq", path);
              base_entry (m, &o, &st, wh);
              o.type = '0';
              o.mode = 0600;
              put_entry (&o);
            }
          walk (m, sub, path, depth + 1);
          close (sub);
        }
      else if (S_ISLNK (st.st_mode))
        {
          ssize_t n = readlinkat (dirfd, names[i], link, sizeof link - 1);
          if (n < 0)
            continue;
          link[n] = '\0';
          e.type = '2';
          e.linkname = link;
          put_entry (&e);
        }
      else if (S_ISREG (st.st_mode))
        {
          const char *first = st.st_nlink > 1 ? link_seen (m, &st, path) : NULL;
          int fd;
          if (first != NULL)
            {
              e.type = '1';
              e.linkname = (char *) first;
              put_entry (&e);
              continue;
            }
          fd = openat (dirfd, names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
          if (fd < 0)
            {
              if (errno == ENOENT || errno == ELOOP)
                continue;
              die_errno ("open %s", path);
            }
          if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
            die ("%s changed while it was read", path);
          base_entry (m, &e, &st, path);
          e.type = '0';
          e.size = m->list ? 0 : (uint64_t) st.st_size;
          read_xattrs (fd, &e, &opaque);
          put_entry (&e);
          free_entry_xattrs (&e);
          if (!m->list)
            copy_body (m, fd, e.size);
          close (fd);
        }
      else if (S_ISCHR (st.st_mode) && major (st.st_rdev) == 0 && minor (st.st_rdev) == 0)
        {
          char wh[PATH_MAX + 8];
          if (!m->whiteouts)
            continue; /* "no file here" in a merged view */
          snprintf (wh, sizeof wh, "%s.wh.%s", prefix, names[i]);
          e.name = wh;
          e.type = '0';
          e.mode = 0600;
          put_entry (&e);
        }
      else if (S_ISCHR (st.st_mode) || S_ISBLK (st.st_mode))
        {
          e.type = S_ISCHR (st.st_mode) ? '3' : '4';
          e.devmajor = major (st.st_rdev);
          e.devminor = minor (st.st_rdev);
          put_entry (&e);
        }
      else if (S_ISFIFO (st.st_mode))
        {
          e.type = '6';
          put_entry (&e);
        }
      else
        fprintf (stderr, "skip\t%s\tsocket\n", path);
    }
  for (i = 0; i < count; i++)
    free (names[i]);
  free (names);
}

/* --at PATH: PATH itself, named NAME (its basename by default), or, for PATH ending
 * in "/.", the contents of the directory. The last component is followed when it is a
 * symlink (inside the root), as cp does. */
static void
pack_at (struct mktar *m, const char *name)
{
  struct stat st;
  struct tar_entry e;
  char path[PATH_MAX + 2];
  int fd;
  if (stat (".", &st) < 0)
    die_errno ("stat the source");
  if (name == NULL)
    {
      walk (m, open (".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), "", 0);
      return;
    }
  snprintf (path, sizeof path - 1, "%s", name);
  if (S_ISDIR (st.st_mode))
    {
      int opaque = 0;
      size_t len = strlen (path);
      fd = open (".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0)
        die_errno ("open the source");
      base_entry (m, &e, &st, path);
      read_xattrs (fd, &e, &opaque);
      path[len] = '/';
      path[len + 1] = '\0';
      e.type = '5';
      put_entry (&e);
      free_entry_xattrs (&e);
      walk (m, fd, path, 1);
      close (fd);
      return;
    }
  die ("internal: pack_at on a non-directory");
}

/* A single file named NAME from the path FILE (relative to the working directory). */
static void
pack_file (struct mktar *m, const char *file, const char *name)
{
  struct stat st;
  struct tar_entry e;
  int opaque = 0;
  int fd = open (file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    die_errno ("%s", file);
  if (fstat (fd, &st) < 0)
    die_errno ("%s", file);
  if (!S_ISREG (st.st_mode))
    die ("%s is not a regular file or a directory", file);
  base_entry (m, &e, &st, (char *) name);
  e.type = '0';
  e.size = (uint64_t) st.st_size;
  read_xattrs (fd, &e, &opaque);
  put_entry (&e);
  free_entry_xattrs (&e);
  copy_body (m, fd, e.size);
  close (fd);
}

int
cmd_mktar (int argc, char **argv)
{
  struct mktar m = { 0 };
  struct view v = { 0 };
  unsigned char end[2 * TAR_BLOCK] = { 0 };
  const char *dir = NULL, *name = NULL, *file = NULL;
  static const char usage[] = "usage: tpod-helper mktar [--pid PID] [--ctr-pid PID] [--bind SRC@DST] [--at PATH [--name NAME]] [--file PATH --name NAME] [--whiteouts] [--mtime SECONDS] DIR > tar";
  int i, root;

  for (i = 1; i < argc; i++)
    {
      if (view_option (&v, argc, argv, &i))
        continue;
      if (strcmp (argv[i], "--whiteouts") == 0)
        m.whiteouts = 1;
      else if (strcmp (argv[i], "--list") == 0)
        m.list = 1;
      else if (strcmp (argv[i], "--mtime") == 0 && i + 1 < argc)
        {
          char *end_num;
          m.mtime = strtoll (argv[++i], &end_num, 10);
          if (*end_num != '\0' || m.mtime < 0)
            die ("%s", usage);
          m.fixed_mtime = 1;
        }
      else if (strcmp (argv[i], "--name") == 0 && i + 1 < argc)
        name = argv[++i];
      else if (strcmp (argv[i], "--file") == 0 && i + 1 < argc)
        file = argv[++i];
      else if (argv[i][0] != '-' && dir == NULL)
        dir = argv[i];
      else
        die ("%s", usage);
    }
  if (dir == NULL && v.ctr_pid <= 0)
    die ("%s", usage);
  view_enter (&v, dir);
  m.bufsize = 1u << 16;
  m.buf = malloc (m.bufsize);
  if (m.buf == NULL)
    die ("out of memory");
  if (file != NULL)
    pack_file (&m, file, name != NULL ? name : file);
  else if (v.at != NULL || name != NULL)
    pack_at (&m, name);
  else
    {
      root = open (".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (root < 0)
        die_errno ("open the tree");
      walk (&m, root, "", 0);
    }
  out (end, sizeof end);
  return 0;
}
