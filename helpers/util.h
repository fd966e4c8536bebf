/* Shared bits of tpod-helper: error reporting and small syscalls wrappers. */
#ifndef TPOD_HELPER_UTIL_H
#define TPOD_HELPER_UTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Prints "tpod-helper: <msg>[: strerror(errno)]" to stderr and exits with 125. */
void die (const char *fmt, ...) __attribute__ ((noreturn, format (printf, 1, 2)));
void die_errno (const char *fmt, ...) __attribute__ ((noreturn, format (printf, 1, 2)));

/* Joins the user and mount namespaces of PID, in that order (the mount namespace is
 * owned by the user namespace, so it can only be joined from inside it). */
void join_namespaces (pid_t pid);

/* The start of FILE (one read, SIZE - 1 bytes at most) as a string; 0 when it cannot
 * be read or is empty. For small files: pid files, /proc/PID/stat. */
int read_short_file (const char *file, char *buf, size_t size);

/* Writes all of BUF; returns 0 or -1. */
int write_all (int fd, const void *buf, size_t len);

/* Removes PATH and everything below it without following symlinks. Returns 0 or -1. */
int remove_tree (const char *path);

/* Copies one layer onto a vfs rootfs, honouring whiteouts and opaque dirs. */
void vfs_apply (const char *arg);

/* Volume steps (volume.c): first use of a volume, and ':U'. */
void volume_init (const char *arg);
void chown_tree (const char *arg);

/* Network steps (netns.c): a bound network namespace, pasta, slirp4netns and its API. */
void netns_create (const char *path);
void net_pasta (const char *arg);
void net_pasta_bg (const char *arg);
void net_wait_pasta (const char *arg);
void net_slirp4netns (const char *arg);
void net_slirp_api (const char *arg);

int cmd_pause (int argc, char **argv);
int cmd_nsexec (int argc, char **argv);
int cmd_whiteouts (int argc, char **argv);
int cmd_untar (int argc, char **argv);
int cmd_retar (int argc, char **argv);
int cmd_mktar (int argc, char **argv);
int cmd_cpstat (int argc, char **argv);
int cmd_ptyexec (int argc, char **argv);

#endif
