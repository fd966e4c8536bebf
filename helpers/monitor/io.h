/* The container's stdio as the monitor holds it: pipes (stdin only with -i), or the
 * pty master that the runtime sends over the console socket for -t. Output read here
 * goes to the log and to attached clients; stdin comes from attached clients. */
#ifndef TPOD_MONITOR_IO_H
#define TPOD_MONITOR_IO_H

#include <stdbool.h>
#include <stddef.h>

struct container_io
{
  /* Ends the monitor keeps (-1 when absent or closed). With a terminal, out_fd and
   * in_fd are both the pty master and err_fd is -1. */
  int in_fd;
  int out_fd;
  int err_fd;
  /* Ends handed to `runtime create` for the container, closed once it ran. */
  int child_in;
  int child_out;
  int child_err;
  /* Stdin the container has not read yet (non-blocking writes). */
  char *pending;
  size_t pending_len;
  size_t pending_off;
  bool close_in_when_drained;
  /* Console socket (terminal only) while the runtime creates the container. */
  int console_listen_fd;
  int console_dirfd;
  char *console_path;  /* the path on disk, unlinked once the pty arrived */
  char *console_arg;   /* the path the runtime is given (maybe a /proc detour) */
};

struct monitor;

/* Pipes, or the console socket for a terminal. Returns 0, or -1 with m->runtime.text
 * saying why (the monitor has detached by then: only the sync descriptor reaches tpod). */
int io_setup (struct monitor *m);
/* Once `runtime create` returned: drop the container's ends of the pipes. */
void io_after_create (struct monitor *m);
/* The console socket is readable: take the pty master from the runtime. */
void io_console_ready (struct monitor *m);

/* Reads what is there on FD (out_fd or err_fd) and passes it on. Returns false at EOF. */
bool io_pump (struct monitor *m, int fd);
/* Reads everything still buffered in the output pipes, without waiting. */
void io_drain (struct monitor *m);

void io_write_stdin (struct monitor *m, const char *buf, size_t len);
void io_stdin_writable (struct monitor *m);
void io_close_stdin (struct monitor *m);
void io_resize (struct monitor *m, unsigned rows, unsigned cols);

#endif
