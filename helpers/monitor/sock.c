#define _GNU_SOURCE
#include "sock.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

int
sock_path_init (struct sock_path *sp, const char *path)
{
  size_t n = strlen (path);
  memset (sp, 0, sizeof *sp);
  sp->dirfd = -1;
  sp->addr.sun_family = AF_UNIX;
  if (n >= sizeof sp->addr.sun_path)
    {
      const char *slash = strrchr (path, '/');
      char *dir, *p = sp->addr.sun_path;
      if (slash == NULL || slash == path)
        {
          errno = ENAMETOOLONG;
          return -1;
        }
      dir = xmalloc ((size_t) (slash - path) + 1);
      memcpy (dir, path, (size_t) (slash - path));
      dir[slash - path] = '\0';
      sp->dirfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
      free (dir);
      if (sp->dirfd < 0)
        return -1;
      /* "/proc/<pid>/fd/<n>/<name>": the pid rather than "self" so that a child (the
       * runtime connecting to the console socket) resolves our descriptor. */
      memcpy (p, "/proc/", 6);
      p += 6;
      p += format_int (p, getpid ());
      memcpy (p, "/fd/", 4);
      p += 4;
      p += format_int (p, sp->dirfd);
      n = strlen (slash);
      if ((size_t) (p - sp->addr.sun_path) + n >= sizeof sp->addr.sun_path)
        {
          close (sp->dirfd);
          sp->dirfd = -1;
          errno = ENAMETOOLONG;
          return -1;
        }
      memcpy (p, slash, n + 1);
    }
  else
    memcpy (sp->addr.sun_path, path, n + 1);
  sp->len = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + strlen (sp->addr.sun_path) + 1);
  return 0;
}

int
sock_listen (const char *path, int type, mode_t mode)
{
  struct sock_path sp;
  int fd, saved;
  mode_t old;

  if (sock_path_init (&sp, path) < 0)
    return -1;
  fd = socket (AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    goto fail;
  if (unlink (path) < 0 && errno != ENOENT)
    goto fail;
  /* The umask decides the socket file's mode; connect(2) needs write permission. */
  old = umask ((~mode) & 0777);
  if (bind (fd, (struct sockaddr *) &sp.addr, sp.len) < 0)
    {
      umask (old);
      goto fail;
    }
  umask (old);
  if (type == SOCK_STREAM && listen (fd, 16) < 0)
    goto fail;
  if (sp.dirfd >= 0)
    close (sp.dirfd);
  return fd;

fail:
  saved = errno;
  if (fd >= 0)
    close (fd);
  if (sp.dirfd >= 0)
    close (sp.dirfd);
  errno = saved;
  return -1;
}
