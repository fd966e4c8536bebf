/* Small helpers shared by the monitor's files. */
#ifndef TPOD_MONITOR_COMMON_H
#define TPOD_MONITOR_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Before the monitor detaches, stderr still reaches tpod: these print
 * "tpod-monitor: <msg>[: strerror(errno)]" there and exit with 125. */
void fatal (const char *fmt, ...) __attribute__ ((noreturn, format (printf, 1, 2)));
void fatal_errno (const char *fmt, ...) __attribute__ ((noreturn, format (printf, 1, 2)));

void *xmalloc (size_t size);
char *xstrdup (const char *s);

int set_nonblocking (int fd);

/* Writes the decimal form of V into OUT (room for 21 bytes) and returns its length.
 * Used instead of printf on the hot paths to keep the idle footprint small. */
size_t format_int (char *out, long long v);

/* Reads at most LEN-1 bytes of PATH into BUF and NUL-terminates it. Returns the
 * length or -1. */
ssize_t read_small_file (const char *path, char *buf, size_t len);

#endif
