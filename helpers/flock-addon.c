/* tpod-flock.node: flock(2) for Node, which has none. Locks held through an fd are
 * released by the kernel when the process dies, so a `kill -9` never leaves a stale
 * lock behind. Written against the stable Node-API C ABI; the few declarations it
 * needs are spelled out here so building it needs no Node headers. */
#include <errno.h>
#include <stddef.h>
#include <sys/file.h>

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

napi_value
napi_register_module_v1 (napi_env env, napi_value exports)
{
  napi_value fn, v;
  napi_create_function (env, "flock", (size_t) -1, js_flock, NULL, &fn);
  napi_set_named_property (env, exports, "flock", fn);
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
