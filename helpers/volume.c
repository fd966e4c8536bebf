/* nsexec steps for volumes, run inside the pause process's namespaces before a
 * container starts (its rootfs mounted at MERGED):
 *
 *   --volume-init MERGED\x1fDEST\x1fVOLDIR\x1fUID:GID\x1fFLAGS
 *       FLAGS 'o': give the fresh volume to the container's user, then the owner, mode
 *       and times of DEST in the image when it has it (Podman's first-use chown);
 *       FLAGS 'c': copy what the image has at DEST into the volume when it is empty.
 *   --chown-tree UID:GID\x1fPATH
 *       ':U': chown PATH and everything below it, when PATH's own owner differs.
 *
 * DEST is looked up inside the rootfs with openat2(RESOLVE_IN_ROOT): a symlink the
 * image has there resolves inside the container, never on the host. The copy works on
 * directory fds only and follows no symlink, so nothing outside the two trees is read
 * or written. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util.h"

#define MAX_DEPTH 512

static int
open_in_root (int rootfd, const char *path)
{
  struct open_how how;
  memset (&how, 0, sizeof how);
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return (int) syscall (SYS_openat2, rootfd, path, &how, sizeof how);
}

static void
copy_xattrs (int from, int to, const char *what)
{
  char list[8192];
  ssize_t n = flistxattr (from, list, sizeof list), off;
  for (off = 0; n > 0 && off < n; off += (ssize_t) strlen (list + off) + 1)
    {
      const char *x = list + off;
      unsigned char val[65536];
      ssize_t len;
      if (strncmp (x, "user.overlay.", 13) == 0 || (strncmp (x, "user.", 5) != 0 && strcmp (x, "security.capability") != 0))
        continue;
      len = fgetxattr (from, x, val, sizeof val);
      if (len >= 0 && fsetxattr (to, x, val, (size_t) len, 0) < 0 && strcmp (x, "security.capability") == 0)
        die_errno ("copy the file capabilities of %s", what);
    }
}

static void
copy_attrs (int to, const struct stat *st, const char *what)
{
  struct timespec ts[2] = { st->st_atim, st->st_mtim };
  if (fchown (to, st->st_uid, st->st_gid) < 0)
    die_errno ("copy up %s: chown", what);
  if (fchmod (to, st->st_mode & 07777) < 0)
    die_errno ("copy up %s: chmod", what);
  if (futimens (to, ts) < 0)
    die_errno ("copy up %s: times", what);
}

static int
dir_is_empty (int fd)
{
  int dup_fd = dup (fd);
  DIR *d = dup_fd >= 0 ? fdopendir (dup_fd) : NULL;
  struct dirent *de;
  int empty = 1;
  if (d == NULL)
    die_errno ("read a volume");
  while ((de = readdir (d)) != NULL)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      {
        empty = 0;
        break;
      }
  closedir (d);
  return empty;
}

static void
copy_file (int src, int dst, const char *name, const struct stat *st)
{
  int in = openat (src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  int out;
  if (in < 0)
    die_errno ("copy up %s", name);
  out = openat (dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    die_errno ("copy up %s", name);
  for (;;)
    {
      ssize_t n = copy_file_range (in, NULL, out, NULL, 1 << 30, 0);
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP))
        {
          char buf[65536];
          n = read (in, buf, sizeof buf);
          if (n > 0 && write_all (out, buf, (size_t) n) < 0)
            die_errno ("copy up %s", name);
        }
      if (n < 0)
        die_errno ("copy up %s", name);
      if (n == 0)
        break;
    }
  copy_attrs (out, st, name);
  copy_xattrs (in, out, name);
  close (in);
  close (out);
}

/* Copies the contents of directory SRC into directory DST (both fds). */
static void
copy_tree (int src, int dst, int depth)
{
  int dup_fd = dup (src);
  DIR *d = dup_fd >= 0 ? fdopendir (dup_fd) : NULL;
  struct dirent *de;
  if (depth > MAX_DEPTH)
    die ("copy up: the tree is deeper than %d directories", MAX_DEPTH);
  if (d == NULL)
    die_errno ("copy up: read a directory");
  while ((de = readdir (d)) != NULL)
    {
      const char *name = de->d_name;
      struct stat st;
      if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
        continue;
      if (fstatat (src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        die_errno ("copy up %s", name);
      if (S_ISDIR (st.st_mode))
        {
          int s, t;
          if (mkdirat (dst, name, 0700) < 0)
            die_errno ("copy up %s", name);
          s = openat (src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          t = openat (dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (s < 0 || t < 0)
            die_errno ("copy up %s", name);
          copy_tree (s, t, depth + 1);
          copy_attrs (t, &st, name);
          copy_xattrs (s, t, name);
          close (s);
          close (t);
        }
      else if (S_ISREG (st.st_mode))
        copy_file (src, dst, name, &st);
      else if (S_ISLNK (st.st_mode))
        {
          char target[4096];
          struct timespec ts[2] = { st.st_atim, st.st_mtim };
          ssize_t n = readlinkat (src, name, target, sizeof target - 1);
          if (n < 0)
            die_errno ("copy up %s", name);
          target[n] = '\0';
          if (symlinkat (target, dst, name) < 0 || fchownat (dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0
              || utimensat (dst, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
            die_errno ("copy up %s", name);
        }
      else if (S_ISFIFO (st.st_mode))
        {
          if (mknodat (dst, name, S_IFIFO | (st.st_mode & 07777), 0) < 0 || fchownat (dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
            die_errno ("copy up %s", name);
        }
      /* Devices cannot be made in a user namespace; sockets mean nothing copied. */
    }
  closedir (d);
}

static void
parse_ids (const char *s, uid_t *uid, gid_t *gid)
{
  unsigned long u, g;
  if (sscanf (s, "%lu:%lu", &u, &g) != 2)
    die ("bad owner %s", s);
  *uid = (uid_t) u;
  *gid = (gid_t) g;
}

/* Splits ARG at \x1f into at most N fields (in place). Returns how many. */
static int
fields (char *arg, char **out, int n)
{
  int k = 0;
  char *p = arg;
  while (k < n)
    {
      char *sep = strchr (p, '\x1f');
      out[k++] = p;
      if (sep == NULL)
        break;
      *sep = '\0';
      p = sep + 1;
    }
  return k;
}

void
volume_init (const char *arg)
{
  char *copy = strdup (arg), *f[5];
  int rootfd, src, vol;
  uid_t uid;
  gid_t gid;
  struct stat st;
  if (copy == NULL || fields (copy, f, 5) != 5)
    die ("--volume-init wants MERGED, DEST, VOLDIR, UID:GID and FLAGS");
  parse_ids (f[3], &uid, &gid);
  rootfd = open (f[0], O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    die_errno ("open the rootfs %s", f[0]);
  vol = open (f[2], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (vol < 0)
    die_errno ("open volume %s", f[2]);
  src = open_in_root (rootfd, f[1]);
  if (src < 0 && errno != ENOENT && errno != ENOTDIR)
    die_errno ("look up %s in the container", f[1]);
  if (strchr (f[4], 'o'))
    {
      if (fchown (vol, uid, gid) < 0)
        die_errno ("chown volume %s", f[2]);
      if (src >= 0 && fstat (src, &st) == 0)
        copy_attrs (vol, &st, f[1]);
    }
  if (strchr (f[4], 'c') && src >= 0 && dir_is_empty (vol))
    copy_tree (src, vol, 0);
  if (src >= 0)
    close (src);
  close (vol);
  close (rootfd);
  free (copy);
}

static uid_t chown_uid;
static gid_t chown_gid;

static int
chown_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st;
  (void) flag;
  (void) ftw;
  if (lchown (path, chown_uid, chown_gid) < 0)
    return -1;
  return 0;
}

void
chown_tree (const char *arg)
{
  char *copy = strdup (arg), *f[2];
  struct stat st;
  if (copy == NULL || fields (copy, f, 2) != 2)
    die ("--chown-tree wants UID:GID and PATH");
  parse_ids (f[0], &chown_uid, &chown_gid);
  if (lstat (f[1], &st) < 0)
    die_errno ("chown %s", f[1]);
  /* Podman chowns again only when the top's owner changed. */
  if (st.st_uid != chown_uid || st.st_gid != chown_gid)
    if (nftw (f[1], chown_entry, 64, FTW_PHYS | FTW_MOUNT) < 0)
      die_errno ("chown %s", f[1]);
  free (copy);
}
