/* Where untar, mktar and cpstat work: a directory tree entered with chroot, so the
 * kernel resolves every path they use inside it.
 *
 *   DIR                  a directory of the pause process's mount namespace (a layer,
 *                        a volume, a container's mounted rootfs)
 *   --ctr-pid PID        a running container as it sees itself: its mount namespace
 *                        and its root (volumes and tmpfs included), in a private copy
 *                        of that namespace without /proc and /sys, whose magic links
 *                        could otherwise lead out of the container
 *   --bind SRC@DST       (with DIR) SRC bind-mounted at DST inside DIR first, in a
 *                        private mount namespace: a stopped container's volumes
 *   --at PATH            then the working directory, looked up inside the root */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../util.h"
#include "view.h"

int
view_option (struct view *v, int argc, char **argv, int *i)
{
  const char *a = argv[*i];
  if (*i + 1 >= argc)
    return 0;
  if (strcmp (a, "--pid") == 0)
    v->pause_pid = (pid_t) atoi (argv[++*i]);
  else if (strcmp (a, "--ctr-pid") == 0)
    v->ctr_pid = (pid_t) atoi (argv[++*i]);
  else if (strcmp (a, "--at") == 0)
    v->at = argv[++*i];
  else if (strcmp (a, "--bind") == 0)
    {
      if (v->nbinds >= VIEW_MAX_BINDS)
        die ("too many --bind");
      v->binds[v->nbinds++] = argv[++*i];
    }
  else
    return 0;
  return 1;
}

static void
join_ns_file (const char *path, int type)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    die_errno ("open %s", path);
  if (setns (fd, type) < 0)
    die_errno ("join %s", path);
  close (fd);
}

/* A private copy of the current mount namespace, changes not propagated back. */
static void
private_mounts (void)
{
  if (unshare (CLONE_NEWNS) < 0)
    die_errno ("unshare the mount namespace");
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    die_errno ("make the mounts private");
}

/* Opens DST inside ROOTFD (symlinks resolved in the root), making the directories
 * that are missing, as the runtime would at start: a volume's mount point. */
static int
open_mount_point (int rootfd, const char *dst)
{
  struct open_how how;
  char *copy = strdup (dst), *p, *slash;
  int dirfd, fd;
  memset (&how, 0, sizeof how);
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  fd = (int) syscall (SYS_openat2, rootfd, dst, &how, sizeof how);
  if (fd >= 0 || errno != ENOENT)
    {
      free (copy);
      return fd;
    }
  /* Walk down, each step inside the root, making what is not there. */
  dirfd = dup (rootfd);
  for (p = copy; dirfd >= 0 && *p; p = slash ? slash + 1 : p + strlen (p))
    {
      int next;
      slash = strchr (p, '/');
      if (slash)
        *slash = '\0';
      if (*p == '\0' || strcmp (p, ".") == 0)
        continue;
      if (strcmp (p, "..") == 0)
        die ("mount point %s climbs out with ..", dst);
      if (mkdirat (dirfd, p, 0755) < 0 && errno != EEXIST)
        die_errno ("make the mount point %s", dst);
      how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
      next = (int) syscall (SYS_openat2, dirfd, p, &how, sizeof how);
      close (dirfd);
      dirfd = next;
      if (!slash)
        break;
    }
  free (copy);
  return dirfd;
}

static void
bind_in_root (const char *root, const char *spec)
{
  const char *at = strrchr (spec, '@');
  char *src, target[64];
  int rootfd, dst;
  if (at == NULL)
    die ("--bind wants SRC@DST");
  src = strndup (spec, (size_t) (at - spec));
  rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    die_errno ("open %s", root);
  /* The place is found inside the rootfs, as the container would find it. */
  dst = open_mount_point (rootfd, at + 1);
  if (dst < 0)
    die_errno ("find the mount point %s", at + 1);
  snprintf (target, sizeof target, "/proc/self/fd/%d", dst);
  if (mount (src, target, NULL, MS_BIND | MS_REC, NULL) < 0)
    die_errno ("bind %s at %s", src, at + 1);
  close (dst);
  close (rootfd);
  free (src);
}

void
view_enter (struct view *v, const char *dir)
{
  int i;
  /* Nothing of the host may stay reachable through an inherited descriptor. */
  close_range (3, ~0U, 0);
  if (v->pause_pid > 0)
    {
      char path[64];
      snprintf (path, sizeof path, "/proc/%d/ns/user", (int) v->pause_pid);
      join_ns_file (path, CLONE_NEWUSER);
      if (v->ctr_pid <= 0)
        {
          snprintf (path, sizeof path, "/proc/%d/ns/mnt", (int) v->pause_pid);
          join_ns_file (path, CLONE_NEWNS);
        }
    }
  if (v->ctr_pid > 0)
    {
      char path[64];
      int root;
      snprintf (path, sizeof path, "/proc/%d/root", (int) v->ctr_pid);
      root = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (root < 0)
        die_errno ("open the root of container process %d", (int) v->ctr_pid);
      /* A keep-id container has a user namespace of its own, which owns its mounts. */
      {
        struct stat mine, theirs;
        snprintf (path, sizeof path, "/proc/%d/ns/user", (int) v->ctr_pid);
        if (stat ("/proc/self/ns/user", &mine) == 0 && stat (path, &theirs) == 0 && mine.st_ino != theirs.st_ino)
          join_ns_file (path, CLONE_NEWUSER);
      }
      snprintf (path, sizeof path, "/proc/%d/ns/mnt", (int) v->ctr_pid);
      join_ns_file (path, CLONE_NEWNS);
      if (fchdir (root) < 0 || chroot (".") < 0)
        die_errno ("enter the root of container process %d", (int) v->ctr_pid);
      close (root);
      private_mounts ();
      /* Its /proc and /sys hold magic links to places no chroot confines. */
      umount2 ("/proc", MNT_DETACH);
      umount2 ("/sys", MNT_DETACH);
    }
  else
    {
      if (v->nbinds > 0)
        {
          private_mounts ();
          for (i = 0; i < v->nbinds; i++)
            bind_in_root (dir, v->binds[i]);
        }
      if (chroot (dir) < 0)
        die_errno ("chroot %s", dir);
    }
  if (chdir ("/") < 0)
    die_errno ("chdir /");
  if (v->at != NULL && *v->at != '\0' && chdir (v->at) < 0)
    die_errno ("%s", v->at);
}
