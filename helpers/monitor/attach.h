/* The attach socket: `tpod attach`, `tpod start -a` and foreground `tpod run` connect
 * here to read the container's output and write its stdin. Framing is described in
 * sync.h. A client that cannot keep up holds back the container's output (its data is
 * buffered, the container's pipes are not read until it drains), so an attached
 * terminal never loses output; detaching (ctrl-p ctrl-q) is the client's business. */
#ifndef TPOD_MONITOR_ATTACH_H
#define TPOD_MONITOR_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATTACH_MAX_CLIENTS 16

struct attach_client
{
  int fd; /* -1: free slot */
  unsigned char header[5];
  unsigned header_len;
  uint32_t remaining; /* payload bytes of the current frame still to read */
  unsigned char small[4]; /* the resize payload */
  unsigned small_len;
  char *out; /* output the socket did not take yet */
  size_t out_len;
  size_t out_off;
};

struct attach
{
  int listen_fd; /* -1: no attach socket */
  char *path;
  struct attach_client clients[ATTACH_MAX_CLIENTS];
};

struct monitor;

/* Creates the listening socket; exits through fatal() on error (called before the
 * monitor detaches, so tpod sees the message). */
void attach_listen (struct attach *a, const char *path);

void attach_accept (struct monitor *m);
void attach_broadcast (struct monitor *m, int frame_type, const char *buf, size_t len);
void attach_client_readable (struct monitor *m, int index);
void attach_client_writable (struct monitor *m, int index);

/* True while some client still has output buffered. */
bool attach_backlogged (const struct attach *a);

/* Sends the exit frame (none when EXIT_CODE < 0: the container never ran) to every
 * client, closes them and removes the socket. */
void attach_finish (struct monitor *m, int exit_code);

#endif
