/* The vfs driver's copy: applies one extracted layer on top of a rootfs directory the
 * way overlay would show it: whiteouts (char 0:0) delete, opaque directories
 * (user.overlay.opaque=y) hide what lay below, everything else is copied with owner,
 * mode and times. Run inside the user namespace, layer by layer, bottom first.
 * Nothing in the rootfs is followed: an entry that must become a directory replaces
 * whatever (e.g. a symlink from a lower layer) stood there. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util.h"

struct vfs_ctx
{
  const char *layer;
  size_t layer_len;
  const char *rootfs;
};

/* nftw has no user pointer; one copy runs per process. */
static struct vfs_ctx *current;

static int
is_whiteout (const struct stat *st)
{
  return S_ISCHR (st->st_mode) && major (st->st_rdev) == 0 && minor (st->st_rdev) == 0;
}

static int
is_opaque (const char *path)
{
  char v[2] = { 0 };
  return getxattr (path, "user.overlay.opaque", v, 1) == 1 && v[0] == 'y';
}

static void
copy_file_data (const char *from, const char *to, const struct stat *st)
{
  char buf[65536];
  ssize_t n;
  int in = open (from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out;
  if (in < 0)
    die_errno ("open %s", from);
  out = open (to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 07777);
  if (out < 0)
    die_errno ("create %s", to);
  while ((n = read (in, buf, sizeof buf)) > 0)
    if (write_all (out, buf, (size_t) n) < 0)
      die_errno ("write %s", to);
  if (n < 0)
    die_errno ("read %s", from);
  close (in);
  close (out);
}

static void
set_meta (const char *path, const struct stat *st)
{
  struct timespec times[2] = { st->st_atim, st->st_mtim };
  if (lchown (path, st->st_uid, st->st_gid) < 0)
    die_errno ("chown %s", path);
  if (!S_ISLNK (st->st_mode) && chmod (path, st->st_mode & 07777) < 0)
    die_errno ("chmod %s", path);
  utimensat (AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW);
}

static int
apply_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  const char *rel = path + current->layer_len;
  char dest[8192], target[4096];
  struct stat existing;
  int exists;
  ssize_t n;

  (void) flag;
  if (ftw->level == 0)
    return 0;
  if (snprintf (dest, sizeof dest, "%s%s", current->rootfs, rel) >= (int) sizeof dest)
    die ("path too long: %s", rel);
  exists = lstat (dest, &existing) == 0;

  if (is_whiteout (st))
    {
      if (exists && remove_tree (dest) < 0)
        die_errno ("remove %s", dest);
      return 0;
    }
  if (S_ISDIR (st->st_mode))
    {
      if (exists && (!S_ISDIR (existing.st_mode) || is_opaque (path)))
        {
          if (remove_tree (dest) < 0)
            die_errno ("remove %s", dest);
          exists = 0;
        }
      if (!exists && mkdir (dest, 0700) < 0)
        die_errno ("mkdir %s", dest);
      set_meta (dest, st);
      return 0;
    }
  if (exists && remove_tree (dest) < 0)
    die_errno ("replace %s", dest);
  if (S_ISREG (st->st_mode))
    copy_file_data (path, dest, st);
  else if (S_ISLNK (st->st_mode))
    {
      n = readlink (path, target, sizeof target - 1);
      if (n < 0)
        die_errno ("readlink %s", path);
      target[n] = '\0';
      if (symlink (target, dest) < 0)
        die_errno ("symlink %s", dest);
    }
  else if (S_ISFIFO (st->st_mode))
    {
      if (mkfifo (dest, 0600) < 0)
        die_errno ("mkfifo %s", dest);
    }
  else
    return 0; /* sockets and devices are not part of images we accept */
  set_meta (dest, st);
  return 0;
}

/* LAYER@ROOTFS */
void
vfs_apply (const char *arg)
{
  const char *at = strrchr (arg, '@');
  struct vfs_ctx ctx;
  char *layer;

  if (at == NULL)
    die ("--vfs-apply wants LAYER@ROOTFS");
  layer = strndup (arg, (size_t) (at - arg));
  ctx.layer = layer;
  ctx.layer_len = strlen (layer);
  ctx.rootfs = at + 1;
  current = &ctx;
  if (mkdir (ctx.rootfs, 0755) < 0 && errno != EEXIST)
    die_errno ("mkdir %s", ctx.rootfs);
  /* Pre-order: a directory is settled (and a symlink in its place removed) before
   * anything is written below it. */
  if (nftw (layer, apply_entry, 64, FTW_PHYS) < 0)
    die_errno ("copy layer %s", layer);
  current = NULL;
  free (layer);
}
