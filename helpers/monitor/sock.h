/* Unix socket paths can be at most 107 bytes; container directories are often longer.
 * A longer path is reached through /proc/<pid>/fd/<dirfd>/<name> instead, the same
 * trick Podman uses for its attach sockets. */
#ifndef TPOD_MONITOR_SOCK_H
#define TPOD_MONITOR_SOCK_H

#include <sys/socket.h>
#include <sys/un.h>

struct sock_path
{
  struct sockaddr_un addr;
  socklen_t len;
  int dirfd; /* open when the /proc detour is used, else -1 */
};

/* Fills SP for PATH. Returns 0 or -1 with errno set. Close sp->dirfd when done. */
int sock_path_init (struct sock_path *sp, const char *path);

/* Binds a new socket of TYPE (SOCK_STREAM, SOCK_DGRAM) to PATH, replacing a stale
 * socket file, with MODE. Returns the descriptor (close-on-exec, non-blocking) or -1. */
int sock_listen (const char *path, int type, mode_t mode);

#endif
