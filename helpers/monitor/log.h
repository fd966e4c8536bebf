/* The container log in Podman's k8s-file format, one entry per line of output:
 *
 *   2024-05-01T12:34:56.123456789+02:00 stdout F hello world
 *
 * "F" ends a line, "P" is a partial line whose rest follows in the next entries (output
 * that did not end in a newline when the monitor read it). Once the file would grow past
 * the size limit it is replaced by an empty one, as conmon does (not rotated: the limit
 * bounds the disk the container can use). */
#ifndef TPOD_MONITOR_LOG_H
#define TPOD_MONITOR_LOG_H

#include <stddef.h>

enum log_stream
{
  LOG_STDOUT,
  LOG_STDERR,
};

struct log
{
  int fd; /* -1: no log */
  const char *path;
  long long max; /* <= 0: unlimited */
  long long written;
};

/* Opens (appends to) PATH. Returns 0 or -1 with errno set. */
int log_open (struct log *log, const char *path, long long max);

/* Appends BUF as log entries; a write error drops the entries (the container must not
 * stall because its log cannot be written). */
void log_write (struct log *log, enum log_stream stream, const char *buf, size_t len);

void log_close (struct log *log);

#endif
