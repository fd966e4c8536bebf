/* Runs the OCI runtime (crun, runc, or a test's fake): create, start, delete. Each
 * command's stderr is captured so that a failure reaches tpod as the runtime's words. */
#ifndef TPOD_MONITOR_RUNTIME_H
#define TPOD_MONITOR_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define RUNTIME_TEXT_MAX 4096

struct runtime_cmd
{
  pid_t pid; /* 0: none running */
  int status;
  bool reaped;
  int out_fd; /* our end of the pipe on its stdout/stderr, or -1 */
  char *text; /* what it said, NUL-terminated, at most RUNTIME_TEXT_MAX bytes */
  size_t text_len;
};

struct monitor;

/* Each returns 0 on success, or -1 with m->runtime.text describing the failure. */
int runtime_create (struct monitor *m);
int runtime_start (struct monitor *m);
void runtime_delete (struct monitor *m);

/* Appends to the captured text (the pipe in the loop, or container stderr during
 * create, which is the runtime's stderr too). */
void runtime_capture (struct monitor *m, const char *buf, size_t len);
/* The runtime's pipe is readable. */
void runtime_output_ready (struct monitor *m);
void runtime_free_text (struct monitor *m);
/* Replaces the captured text with A followed by B (B may be NULL). */
void runtime_set_text (struct monitor *m, const char *a, const char *b);

#endif
