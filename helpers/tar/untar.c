/* Extracts one layer's tar stream into a directory, confined by the kernel.
 *
 *   tpod-helper untar [--pid PID] [--owners] [--split] [--plain] [--stack] DIR < plain-tar
 *   (and view.c's --ctr-pid, --bind, --at; --chown UID:GID, --no-replace for cp)
 *
 * With --pid it joins the pause process's user and mount namespaces first. It then
 * chroots into DIR: every path the archive names, every symlink an entry leaves behind
 * and every hardlink target is resolved by the kernel inside DIR, so no archive can
 * write or link anything outside it, whatever it plants (absolute or climbing
 * symlinks, whiteouts of its own symlinks, global PAX names). Nothing else is open.
 *
 * --owners keeps the archive's uids and gids (needs the subordinate id range);
 * --split writes tar-split records (split.h) to stdout, from the same parse;
 * --plain: not a layer (volume import, cp): `.wh.` names are files like any other.
 * --stack: DIR holds earlier layers already (a squash): a whiteout removes what is
 * there and stays, an opaque marker empties its directory of what they put there.
 * OCI whiteouts become overlay whiteouts (char 0:0); opaque markers set
 * user.overlay.opaque=y. A whiteout hides only lower layers: a path this layer made
 * itself stays. Device nodes are skipped (a user namespace cannot make them).
 *
 * stderr, one line each: "skip\tPATH\tWHY" for what was left out on purpose, and at the
 * end of a failure "error\tKIND\tENTRY\tMESSAGE" (KIND: unsafe, archive, owner, entry). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../util.h"
#include "split.h"
#include "tar.h"
#include "view.h"

struct dirtime
{
  char *path;
  int depth;
  struct timespec ts[2];
};

struct untar
{
  int owners;
  int plain;      /* not a layer: no whiteouts */
  int stack;      /* applied over earlier layers' content in DIR */
  int no_replace; /* cp without --overwrite: a directory and a file never replace each other */
  int force_owner;
  uid_t force_uid;
  gid_t force_gid;
  struct split_writer split;
  struct tar_reader r;
  struct dirtime *dirs;
  size_t ndirs;
  char parent_ok[PATH_MAX]; /* a parent known to be a directory */
  char said[64][64];        /* xattr names already reported as skipped */
  int nsaid;
};

/* Names come from the archive: no control characters reach our line protocol. */
static const char *
shown (const char *s)
{
  static char buf[2][PATH_MAX + 16];
  static int which;
  char *out = buf[which ^= 1];
  size_t i;
  for (i = 0; s[i] && i < PATH_MAX; i++)
    out[i] = (unsigned char) s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
  out[i] = '\0';
  return out;
}

static void __attribute__ ((noreturn, format (printf, 3, 4)))
fail (const char *kind, const char *entry, const char *fmt, ...)
{
  va_list ap;
  fprintf (stderr, "error\t%s\t%s\t", kind, entry ? shown (entry) : "-");
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  exit (125);
}

static void
skip_notice (const char *path, const char *why)
{
  fprintf (stderr, "skip\t%s\t%s\n", shown (*path ? path : "."), why);
}

static void *
xmalloc (size_t n)
{
  void *p = malloc (n ? n : 1);
  if (p == NULL)
    die ("out of memory");
  return p;
}

/* Every directory on the way to REL's parent exists (made 0755 when missing). */
static void
ensure_parents (struct untar *u, char *rel, const char *entry)
{
  char *slash = strrchr (rel, '/'), *p;
  size_t plen;
  if (slash == NULL)
    return;
  plen = (size_t) (slash - rel);
  if (strlen (u->parent_ok) == plen && memcmp (u->parent_ok, rel, plen) == 0)
    return;
  for (p = rel; (p = strchr (p, '/')) != NULL; p++)
    {
      struct stat st;
      *p = '\0';
      if (stat (rel, &st) < 0)
        {
          int err = errno;
          if (err == ENOENT && lstat (rel, &st) == 0 && S_ISLNK (st.st_mode))
            fail ("entry", entry, "its parent \"%s\" is a symlink to a directory this layer does not have", shown (rel));
          if (err != ENOENT)
            fail ("entry", entry, "cannot look up its parent \"%s\": %s", shown (rel), strerror (err));
          if (mkdir (rel, 0755) < 0)
            fail ("entry", entry, "cannot create its parent \"%s\": %s", shown (rel), strerror (errno));
        }
      else if (!S_ISDIR (st.st_mode))
        fail ("entry", entry, "its parent \"%s\" is not a directory", shown (rel));
      *p = '/';
      if (p == slash)
        break;
    }
  memcpy (u->parent_ok, rel, plen);
  u->parent_ok[plen] = '\0';
}

/* Clears REL for a new entry. Returns 1 when REL is a directory to keep (WANT_DIR). */
static int
make_room (struct untar *u, const char *rel, int want_dir, const char *entry)
{
  struct stat st;
  if (lstat (rel, &st) < 0)
    {
      if (errno == ENOENT)
        return 0;
      fail ("entry", entry, "cannot look it up: %s", strerror (errno));
    }
  if (want_dir && S_ISDIR (st.st_mode))
    return 1;
  if (u->no_replace && (want_dir || S_ISDIR (st.st_mode)))
    fail ("exists", entry, "file exists");
  u->parent_ok[0] = '\0';
  if (S_ISDIR (st.st_mode) ? remove_tree (rel) < 0 : unlink (rel) < 0)
    fail ("entry", entry, "cannot replace what an earlier entry made there: %s", strerror (errno));
  return 0;
}

static int
said_before (struct untar *u, const char *name)
{
  int i;
  for (i = 0; i < u->nsaid; i++)
    if (strncmp (u->said[i], name, sizeof u->said[i] - 1) == 0)
      return 1;
  if (u->nsaid < 64)
    snprintf (u->said[u->nsaid++], sizeof u->said[0], "%s", name);
  return 0;
}

/* Which extended attributes an image may set: user.* (but the overlay drivers' own
 * attributes, which would change what the overlay shows) and file capabilities. */
static int
xattr_allowed (struct untar *u, const char *rel, const char *name)
{
  if (strncmp (name, "user.overlay.", 13) == 0 || strncmp (name, "user.fuseoverlayfs.", 19) == 0 || strncmp (name, "user.containers.", 16) == 0)
    {
      if (!said_before (u, name))
        skip_notice (rel, "an overlay driver's own extended attribute");
      return 0;
    }
  if (strncmp (name, "user.", 5) == 0 || strcmp (name, "security.capability") == 0)
    return 1;
  if (strcmp (name, "security.selinux") != 0 && !said_before (u, name))
    {
      char why[160];
      snprintf (why, sizeof why, "extended attribute %s (not settable in a user namespace)", shown (name));
      skip_notice (rel, why);
    }
  return 0;
}

static void
set_xattrs (struct untar *u, int fd, const char *rel, const struct tar_entry *e, const char *entry)
{
  size_t i;
  for (i = 0; i < e->nxattrs; i++)
    {
      const struct tar_xattr *x = &e->xattrs[i];
      if (!xattr_allowed (u, rel, x->name))
        continue;
      if ((fd >= 0 ? fsetxattr (fd, x->name, x->value, x->len, 0) : lsetxattr (rel, x->name, x->value, x->len, 0)) == 0)
        continue;
      if (strcmp (x->name, "security.capability") == 0)
        fail ("entry", entry, "cannot set its file capabilities: %s", strerror (errno));
      if (!said_before (u, x->name))
        {
          char why[160];
          snprintf (why, sizeof why, "extended attribute %s: %s", shown (x->name), strerror (errno));
          skip_notice (rel, why);
        }
    }
}

static void
times_of (const struct tar_entry *e, struct timespec ts[2])
{
  ts[0] = e->has_atime ? e->atime : e->mtime;
  ts[1] = e->mtime;
}

static void
chown_failed (const struct tar_entry *e, const char *entry)
{
  if (errno == EINVAL)
    fail ("owner", entry, "cannot keep its owner %lld:%lld: the user namespace does not map that id", (long long) e->uid, (long long) e->gid);
  fail ("entry", entry, "cannot set its owner: %s", strerror (errno));
}

/* Owner, mode, attributes of an open non-symlink (in that order: chown clears setuid
 * bits and file capabilities). FRESH: made just now by us, namespace root, with the
 * entry's permission bits (umask is 0): one fstat then usually shows that neither
 * chown nor chmod is needed, which matters for images of thousands of files. A
 * setgid parent gives a new entry its group (and a directory its setgid bit): then
 * they are set after all. */
static void
finish_fd (struct untar *u, int fd, const char *rel, const struct tar_entry *e, const char *entry, int fresh)
{
  struct stat st;
  int known = fresh && fstat (fd, &st) == 0;
  int chown_needed = u->owners && (!known || st.st_uid != (uid_t) e->uid || st.st_gid != (gid_t) e->gid);
  if (chown_needed && fchown (fd, (uid_t) e->uid, (gid_t) e->gid) < 0)
    chown_failed (e, entry);
  if ((!known || chown_needed || (st.st_mode & 07777) != (e->mode & 07777)) && fchmod (fd, e->mode & 07777) < 0)
    fail ("entry", entry, "cannot set its mode: %s", strerror (errno));
  set_xattrs (u, fd, rel, e, entry);
}

static void
write_data (struct untar *u, int fd, uint64_t n, int raw, const char *entry)
{
  while (n > 0)
    {
      const unsigned char *p;
      long have = tar_data (&u->r, &p);
      if (have <= 0)
        fail ("archive", entry, "%s", u->r.err);
      if ((uint64_t) have > n)
        have = (long) n;
      if (write_all (fd, p, (size_t) have) < 0)
        fail ("entry", entry, "cannot write its data: %s", strerror (errno));
      if (raw)
        split_raw (&u->split, p, (size_t) have);
      tar_data_consume (&u->r, (size_t) have);
      n -= (uint64_t) have;
    }
}

static void
write_sparse (struct untar *u, int fd, struct tar_entry *e, const char *entry)
{
  size_t i;
  if (e->sparse_kind == TAR_SPARSE_PAX1 && tar_read_sparse1_map (&u->r, e) < 0)
    fail ("archive", entry, "%s", u->r.err);
  for (i = 0; i < e->nsparse; i++)
    {
      const struct tar_sparse *s = &e->sparse[i];
      if (s->offset > e->realsize || s->length > e->realsize - s->offset)
        fail ("archive", entry, "a sparse segment lies beyond the file's size");
      if (lseek (fd, (off_t) s->offset, SEEK_SET) < 0)
        fail ("entry", entry, "cannot seek: %s", strerror (errno));
      write_data (u, fd, s->length, 1, entry);
    }
  if (tar_data_skip_raw (&u->r) < 0)
    fail ("archive", entry, "%s", u->r.err);
  if (ftruncate (fd, (off_t) e->realsize) < 0)
    fail ("entry", entry, "cannot set its size: %s", strerror (errno));
}

static void
regular (struct untar *u, char *rel, struct tar_entry *e, const char *entry)
{
  struct timespec ts[2];
  int fd;
  if (*rel == '\0')
    fail ("unsafe", entry, "replaces the layer root with a file");
  ensure_parents (u, rel, entry);
  /* Made with its permission bits: the fd stays writable whatever they say. Something
   * already there (an earlier entry's) is replaced, looked at only then. */
  fd = open (rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, e->mode & 0777);
  if (fd < 0 && errno == EEXIST)
    {
      make_room (u, rel, 0, entry);
      fd = open (rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, e->mode & 0777);
    }
  if (fd < 0)
    fail ("entry", entry, "cannot create it: %s", strerror (errno));
  if (e->sparse_kind != TAR_SPARSE_NONE)
    write_sparse (u, fd, e, entry); /* its data is kept in the records as is */
  else
    {
      split_file (&u->split, e->size, rel);
      write_data (u, fd, e->size, 0, entry);
    }
  finish_fd (u, fd, rel, e, entry, 1);
  times_of (e, ts);
  if (futimens (fd, ts) < 0)
    fail ("entry", entry, "cannot set its times: %s", strerror (errno));
  if (close (fd) < 0)
    fail ("entry", entry, "cannot write it: %s", strerror (errno));
}

static void
directory (struct untar *u, char *rel, struct tar_entry *e, const char *entry)
{
  int fd, fresh = 0;
  struct dirtime *d;
  const char *p;
  if (*rel != '\0')
    {
      ensure_parents (u, rel, entry);
      if (mkdir (rel, e->mode & 0777) == 0)
        fresh = 1;
      else if (errno != EEXIST || (!make_room (u, rel, 1, entry) && mkdir (rel, 0700) < 0))
        fail ("entry", entry, "cannot create it: %s", strerror (errno));
    }
  fd = open (*rel ? rel : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    fail ("entry", entry, "cannot open it: %s", strerror (errno));
  finish_fd (u, fd, rel, e, entry, fresh);
  close (fd);
  /* The layer lists its root: that mode, not the store's default, is the rootfs's "/". */
  if (*rel == '\0')
    fprintf (stderr, "root\t%o\n", (unsigned) (e->mode & 07777));
  /* Times last: creating the children changes them. */
  if (u->ndirs % 256 == 0)
    {
      u->dirs = realloc (u->dirs, (u->ndirs + 256) * sizeof *u->dirs);
      if (u->dirs == NULL)
        die ("out of memory");
    }
  d = &u->dirs[u->ndirs++];
  d->path = strdup (*rel ? rel : ".");
  d->depth = 0;
  for (p = rel; *p; p++)
    d->depth += *p == '/';
  times_of (e, d->ts);
}

static void
symlink_entry (struct untar *u, char *rel, struct tar_entry *e, const char *entry)
{
  struct timespec ts[2];
  if (*rel == '\0')
    fail ("unsafe", entry, "replaces the layer root with a symlink");
  ensure_parents (u, rel, entry);
  make_room (u, rel, 0, entry);
  if (symlink (e->linkname, rel) < 0)
    fail ("entry", entry, "cannot create the symlink: %s", strerror (errno));
  if (u->owners && fchownat (AT_FDCWD, rel, (uid_t) e->uid, (gid_t) e->gid, AT_SYMLINK_NOFOLLOW) < 0)
    chown_failed (e, entry);
  times_of (e, ts);
  if (utimensat (AT_FDCWD, rel, ts, AT_SYMLINK_NOFOLLOW) < 0)
    fail ("entry", entry, "cannot set its times: %s", strerror (errno));
}

static void
hardlink (struct untar *u, char *rel, struct tar_entry *e, const char *entry)
{
  char target[PATH_MAX];
  int rc = tar_clean_path (e->linkname, target, sizeof target);
  if (rc == -1)
    fail ("unsafe", entry, "is a hardlink to a path that climbs out with \"..\"");
  if (rc == -2)
    fail ("archive", entry, "has a hardlink target longer than PATH_MAX");
  if (*target == '\0')
    fail ("unsafe", entry, "is a hardlink to the layer root");
  if (*rel == '\0')
    fail ("unsafe", entry, "replaces the layer root with a hardlink");
  if (strcmp (target, rel) == 0)
    return;
  ensure_parents (u, rel, entry);
  make_room (u, rel, 0, entry);
  /* Without AT_SYMLINK_FOLLOW: a symlink target is linked itself, never followed. */
  if (linkat (AT_FDCWD, target, AT_FDCWD, rel, 0) < 0)
    fail ("entry", entry, "cannot link it to \"%s\": %s", shown (target), strerror (errno));
}

static void
fifo (struct untar *u, char *rel, struct tar_entry *e, const char *entry)
{
  struct timespec ts[2];
  if (*rel == '\0')
    fail ("unsafe", entry, "replaces the layer root with a fifo");
  ensure_parents (u, rel, entry);
  make_room (u, rel, 0, entry);
  if (mknod (rel, S_IFIFO | 0600, 0) < 0)
    fail ("entry", entry, "cannot create the fifo: %s", strerror (errno));
  /* Opening a fifo would block: it is changed by name (we just made it). */
  if (u->owners && fchownat (AT_FDCWD, rel, (uid_t) e->uid, (gid_t) e->gid, AT_SYMLINK_NOFOLLOW) < 0)
    chown_failed (e, entry);
  if (fchmodat (AT_FDCWD, rel, e->mode & 07777, 0) < 0)
    fail ("entry", entry, "cannot set its mode: %s", strerror (errno));
  set_xattrs (u, -1, rel, e, entry);
  times_of (e, ts);
  if (utimensat (AT_FDCWD, rel, ts, AT_SYMLINK_NOFOLLOW) < 0)
    fail ("entry", entry, "cannot set its times: %s", strerror (errno));
}

/* --stack: what earlier layers put in directory REL goes (an opaque marker comes
 * right after its directory's entry, before this layer's own children). */
static void
empty_dir (struct untar *u, const char *rel, const char *entry)
{
  char path[PATH_MAX];
  struct dirent *d;
  DIR *dir = opendir (rel);
  if (dir == NULL)
    fail ("entry", entry, "cannot open its directory: %s", strerror (errno));
  while ((d = readdir (dir)) != NULL)
    {
      if (strcmp (d->d_name, ".") == 0 || strcmp (d->d_name, "..") == 0)
        continue;
      if ((size_t) snprintf (path, sizeof path, "%s/%s", rel, d->d_name) >= sizeof path)
        fail ("archive", entry, "has a path longer than PATH_MAX");
      if (remove_tree (path) < 0)
        fail ("entry", entry, "cannot empty its directory: %s", strerror (errno));
    }
  closedir (dir);
  u->parent_ok[0] = '\0';
}

/* ".wh.NAME" and ".wh..wh..opq" entries. Returns 1 when REL was one. */
static int
whiteout (struct untar *u, char *rel, const char *entry)
{
  char *slash = strrchr (rel, '/');
  char *base = slash ? slash + 1 : rel;
  struct stat st;
  if (strncmp (base, ".wh.", 4) != 0)
    return 0;
  if (strcmp (base, ".wh..wh..opq") == 0)
    {
      int fd;
      if (slash)
        {
          *slash = '\0';
          ensure_parents (u, rel, entry);
          if (!make_room (u, rel, 1, entry) && mkdir (rel, 0755) < 0)
            fail ("entry", entry, "cannot create its directory: %s", strerror (errno));
        }
      fd = open (slash ? rel : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        fail ("entry", entry, "cannot open its directory: %s", strerror (errno));
      if (u->stack)
        empty_dir (u, slash ? rel : ".", entry);
      if (fsetxattr (fd, "user.overlay.opaque", "y", 1, 0) < 0)
        fail ("entry", entry, "cannot mark its directory opaque: %s", strerror (errno));
      close (fd);
      return 1;
    }
  if (strncmp (base, ".wh..wh.", 8) == 0)
    return 1; /* other AUFS metadata */
  base += 4;
  if (*base == '\0' || strcmp (base, ".") == 0 || strcmp (base, "..") == 0)
    fail ("unsafe", entry, "is a whiteout for an invalid name");
  memmove (base - 4, base, strlen (base) + 1);
  ensure_parents (u, rel, entry);
  if (lstat (rel, &st) == 0)
    {
      if (!u->stack || (S_ISCHR (st.st_mode) && st.st_rdev == makedev (0, 0)))
        return 1; /* this layer made it: a whiteout hides only what lies below */
      u->parent_ok[0] = '\0';
      if (S_ISDIR (st.st_mode) ? remove_tree (rel) < 0 : unlink (rel) < 0)
        fail ("entry", entry, "cannot remove what it hides: %s", strerror (errno));
    }
  else if (errno != ENOENT)
    fail ("entry", entry, "cannot look up what it hides: %s", strerror (errno));
  if (mknod (rel, S_IFCHR | 0000, makedev (0, 0)) < 0)
    fail ("entry", entry, "cannot create the whiteout: %s", strerror (errno));
  return 1;
}

static int
by_depth (const void *a, const void *b)
{
  return ((const struct dirtime *) b)->depth - ((const struct dirtime *) a)->depth;
}

static void
apply_dir_times (struct untar *u)
{
  size_t i;
  qsort (u->dirs, u->ndirs, sizeof *u->dirs, by_depth);
  for (i = 0; i < u->ndirs; i++)
    {
      struct stat st;
      /* Only what is still the directory the entry made. */
      if (lstat (u->dirs[i].path, &st) == 0 && S_ISDIR (st.st_mode) && utimensat (AT_FDCWD, u->dirs[i].path, u->dirs[i].ts, AT_SYMLINK_NOFOLLOW) < 0)
        fail ("entry", u->dirs[i].path, "cannot set its times: %s", strerror (errno));
    }
}

static void
extract_entry (struct untar *u, struct tar_entry *e)
{
  char rel[PATH_MAX];
  const char *entry = e->name;
  char type = e->type;
  int rc = tar_clean_path (e->name, rel, sizeof rel);
  if (rc == -1)
    fail ("unsafe", entry, "has a path that climbs out with \"..\"");
  if (rc == -2)
    fail ("archive", entry, "has a path longer than PATH_MAX");
  if (*rel != '\0' && !u->plain && whiteout (u, rel, entry))
    return;
  /* Old archives mark directories with a trailing slash only. */
  if ((type == '0' || type == '\0' || type == '7') && e->name[0] && e->name[strlen (e->name) - 1] == '/' && e->sparse_kind == TAR_SPARSE_NONE)
    type = '5';
  switch (type)
    {
    case '0':
    case '\0':
    case '7':
    case 'S':
      regular (u, rel, e, entry);
      break;
    case '1':
      hardlink (u, rel, e, entry);
      break;
    case '2':
      symlink_entry (u, rel, e, entry);
      break;
    case '3':
    case '4':
      skip_notice (rel, type == '3' ? "character device" : "block device");
      break;
    case '5':
    case 'D':
      directory (u, rel, e, entry);
      break;
    case '6':
      fifo (u, rel, e, entry);
      break;
    case 'V':
      break; /* a volume label names nothing on disk */
    default:
      fail ("unsafe", entry, "has an unsupported type %c", type >= 0x20 && type < 0x7f ? type : '?');
    }
}

int
cmd_untar (int argc, char **argv)
{
  struct untar *u = xmalloc (sizeof *u);
  struct tar_entry *e;
  struct view v = { 0 };
  int i, split = 0, rc;
  const char *dir = NULL;
  static const char usage[] = "usage: tpod-helper untar [--pid PID] [--ctr-pid PID] [--bind SRC@DST] [--at PATH] [--owners] [--chown UID:GID] [--split] [--plain] [--stack] [--no-replace] DIR < tar";

  memset (u, 0, sizeof *u);
  for (i = 1; i < argc; i++)
    {
      if (view_option (&v, argc, argv, &i))
        continue;
      if (strcmp (argv[i], "--owners") == 0)
        u->owners = 1;
      else if (strcmp (argv[i], "--split") == 0)
        split = 1;
      else if (strcmp (argv[i], "--plain") == 0)
        u->plain = 1;
      else if (strcmp (argv[i], "--stack") == 0)
        u->stack = 1;
      else if (strcmp (argv[i], "--no-replace") == 0)
        u->no_replace = 1;
      else if (strcmp (argv[i], "--chown") == 0 && i + 1 < argc)
        {
          unsigned long uid, gid;
          if (sscanf (argv[++i], "%lu:%lu", &uid, &gid) != 2)
            die ("%s", usage);
          u->force_owner = 1;
          u->force_uid = (uid_t) uid;
          u->force_gid = (gid_t) gid;
          u->owners = 1;
        }
      else if (argv[i][0] != '-' && dir == NULL)
        dir = argv[i];
      else
        die ("%s", usage);
    }
  if (dir == NULL && v.ctr_pid <= 0)
    die ("%s", usage);
  view_enter (&v, dir);
  umask (0);
  /* A bigger pipe: file data arrives in fewer, larger reads (and writes to disk). */
  fcntl (0, F_SETPIPE_SZ, 1 << 20);
  split_init (&u->split, split ? 1 : -1);
  tar_reader_init (&u->r, 0, split ? split_raw : NULL, &u->split);
  while ((rc = tar_next (&u->r, &e)) == 1)
    {
      if (u->force_owner)
        {
          e->uid = u->force_uid;
          e->gid = u->force_gid;
        }
      extract_entry (u, e);
    }
  if (rc < 0)
    fail ("archive", NULL, "%s", u->r.err);
  apply_dir_times (u);
  split_finish (&u->split);
  return 0;
}
