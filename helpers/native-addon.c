/* tpod-native.node: the system calls Node lacks.
 *  - flock(2): locks held through an fd are released by the kernel when the process
 *    dies, so a `kill -9` never leaves a stale lock behind.
 *  - openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS: opens a file of an image
 *    layer (e.g. /etc/passwd for -u NAME) so that the kernel refuses any path that
 *    would leave the layer directory, whatever the layer's symlinks say.
 *  - execve(2) keeping one descriptor: the idle API service becomes tpod-apid.
 * Written against the stable Node-API C ABI; the few declarations it needs are spelled
 * out here so building it needs no Node headers. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef int napi_status;
typedef napi_value (*napi_callback) (napi_env env, napi_callback_info info);

extern napi_status napi_get_cb_info (napi_env, napi_callback_info, size_t *, napi_value *, napi_value *, void **);
extern napi_status napi_get_value_int32 (napi_env, napi_value, int *);
extern napi_status napi_create_int32 (napi_env, int, napi_value *);
extern napi_status napi_create_function (napi_env, const char *, size_t, napi_callback, void *, napi_value *);
extern napi_status napi_set_named_property (napi_env, napi_value, const char *, napi_value);
extern napi_status napi_get_value_string_utf8 (napi_env, napi_value, char *, size_t, size_t *);
extern napi_status napi_get_array_length (napi_env, napi_value, unsigned int *);
extern napi_status napi_get_element (napi_env, napi_value, unsigned int, napi_value *);

/* flock(fd, op) -> 0, or the errno (EWOULDBLOCK when LOCK_NB and held elsewhere). */
static napi_value
js_flock (napi_env env, napi_callback_info info)
{
  size_t argc = 2;
  napi_value argv[2], result;
  int fd = -1, op = 0, rc;

  napi_get_cb_info (env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_int32 (env, argv[0], &fd) != 0 || napi_get_value_int32 (env, argv[1], &op) != 0)
    rc = EINVAL;
  else
    {
      do
        rc = flock (fd, op) == 0 ? 0 : errno;
      while (rc == EINTR);
    }
  napi_create_int32 (env, rc, &result);
  return result;
}

/* Without openat2 (Linux < 5.6): one component at a time, never following a symlink
 * and never going up, which gives the same guarantee. */
static int
open_beneath_walk (int rootfd, char *rel)
{
  int fd = dup (rootfd);
  char *p = rel, *slash;
  while (fd >= 0)
    {
      int next;
      slash = strchr (p, '/');
      if (slash)
        *slash = '\0';
      if (strcmp (p, "..") == 0)
        {
          close (fd);
          errno = EXDEV;
          return -1;
        }
      if (*p == '\0' || strcmp (p, ".") == 0)
        next = dup (fd);
      else
        next = openat (fd, p, (slash ? O_PATH | O_DIRECTORY : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC);
      close (fd);
      fd = next;
      if (!slash)
        break;
      p = slash + 1;
    }
  return fd;
}

/* openBeneath(root, rel) -> an fd open for reading, or -errno. */
static napi_value
js_open_beneath (napi_env env, napi_callback_info info)
{
  size_t argc = 2, len;
  napi_value argv[2], result;
  char root[4096], rel[4096];
  int rootfd, fd = -1, err = 0;
  struct open_how how;

  napi_get_cb_info (env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_string_utf8 (env, argv[0], root, sizeof root, &len) != 0 || len >= sizeof root - 1
      || napi_get_value_string_utf8 (env, argv[1], rel, sizeof rel, &len) != 0 || len >= sizeof rel - 1)
    err = EINVAL;
  else if ((rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
    err = errno;
  else
    {
      memset (&how, 0, sizeof how);
      how.flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC;
      how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
      do
        fd = (int) syscall (SYS_openat2, rootfd, rel, &how, sizeof how);
      while (fd < 0 && (errno == EINTR || errno == EAGAIN));
      if (fd < 0 && errno == ENOSYS)
        fd = open_beneath_walk (rootfd, rel);
      if (fd < 0)
        err = errno;
      close (rootfd);
    }
  napi_create_int32 (env, fd >= 0 ? fd : -err, &result);
  return result;
}

/* A JS array of strings as a NULL-terminated vector (malloc'd; NULL on a bad element). */
static char **
string_vector (napi_env env, napi_value arr)
{
  unsigned int n = 0, i;
  if (napi_get_array_length (env, arr, &n) != 0 || n > 65536)
    return NULL;
  char **v = calloc (n + 1, sizeof *v);
  for (i = 0; v && i < n; i++)
    {
      napi_value e;
      size_t len = 0;
      if (napi_get_element (env, arr, i, &e) != 0 || napi_get_value_string_utf8 (env, e, NULL, 0, &len) != 0)
        return NULL;
      v[i] = malloc (len + 1);
      if (!v[i] || napi_get_value_string_utf8 (env, e, v[i], len + 1, &len) != 0)
        return NULL;
    }
  return v;
}

/* execve(path, argv, env, keepFd): replaces this process (same pid) with PATH, keeping
 * descriptor KEEPFD open across the exec (Node opens every descriptor close-on-exec).
 * Returns only on failure, with the errno. `system service --time 0` uses it to turn
 * into tpod-apid while idle. */
static napi_value
js_execve (napi_env env, napi_callback_info info)
{
  size_t argc = 4, len;
  napi_value argv[4], result;
  char path[4096];
  int keep = -1, err = EINVAL;

  napi_get_cb_info (env, info, &argc, argv, NULL, NULL);
  if (argc == 4 && napi_get_value_string_utf8 (env, argv[0], path, sizeof path, &len) == 0 && len < sizeof path - 1
      && napi_get_value_int32 (env, argv[3], &keep) == 0)
    {
      char **av = string_vector (env, argv[1]);
      char **ev = string_vector (env, argv[2]);
      if (av && ev && av[0])
        {
          int flags = fcntl (keep, F_GETFD);
          if (flags < 0 || fcntl (keep, F_SETFD, flags & ~FD_CLOEXEC) < 0)
            err = errno;
          else
            {
              execve (path, av, ev);
              err = errno;
              fcntl (keep, F_SETFD, flags);
            }
        }
    }
  napi_create_int32 (env, err, &result);
  return result;
}

napi_value
napi_register_module_v1 (napi_env env, napi_value exports)
{
  napi_value fn, v;
  napi_create_function (env, "flock", (size_t) -1, js_flock, NULL, &fn);
  napi_set_named_property (env, exports, "flock", fn);
  napi_create_function (env, "openBeneath", (size_t) -1, js_open_beneath, NULL, &fn);
  napi_set_named_property (env, exports, "openBeneath", fn);
  napi_create_function (env, "execve", (size_t) -1, js_execve, NULL, &fn);
  napi_set_named_property (env, exports, "execve", fn);
  napi_create_int32 (env, LOCK_SH, &v);
  napi_set_named_property (env, exports, "LOCK_SH", v);
  napi_create_int32 (env, LOCK_EX, &v);
  napi_set_named_property (env, exports, "LOCK_EX", v);
  napi_create_int32 (env, LOCK_NB, &v);
  napi_set_named_property (env, exports, "LOCK_NB", v);
  napi_create_int32 (env, LOCK_UN, &v);
  napi_set_named_property (env, exports, "LOCK_UN", v);
  return exports;
}

/* Node looks for this to learn which Node-API version the module was built for. */
int
node_api_module_get_api_version_v1 (void)
{
  return 8;
}
