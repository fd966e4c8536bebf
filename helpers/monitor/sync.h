/* The sync protocol between tpod and tpod-monitor, version 1.
 *
 * The Node side of this protocol lives in src/monitor/protocol.ts; keep the two in step
 * (test/unit/monitor/monitor-real.test.ts runs this monitor against that parser).
 *
 * Descriptors (inherited, numbers given on argv):
 *   --sync-fd N   monitor -> tpod. One JSON object per line, each with "version":1 and
 *                 a "type". In order:
 *     {"version":1,"type":"monitor","pid":M}   detached; M is the monitor's own pid
 *     {"version":1,"type":"created","pid":P}   `runtime create` succeeded; P is the
 *                                              container's init pid (host pid namespace)
 *     {"version":1,"type":"started"}           `runtime start` succeeded
 *     {"version":1,"type":"exited","exitCode":N,"oomKilled":false}
 *                                              the container exited (sent only if tpod
 *                                              still holds the sync descriptor)
 *     {"version":1,"type":"error","stage":S,"message":"..."}
 *                                              final; S is "create", "start" or
 *                                              "monitor"; the message is the runtime's
 *                                              own stderr text where there is one
 *   --start-fd N  tpod -> monitor. After "created" the monitor waits for one byte:
 *                 'S' runs `runtime start` (the monitor starts the container, unlike
 *                 conmon which leaves that to podman: it saves tpod a process on the
 *                 hot path and lets the monitor know the moment the container starts).
 *                 EOF or any other byte aborts: `runtime delete --force`, no exit file,
 *                 no exit command. Without --start-fd the monitor starts at once.
 *
 * tpod connects attach clients between "created" and the start byte so that they see
 * the container's first output; the monitor accepts every pending attach client before
 * it starts the container.
 *
 * Exit file (--exit-file, written atomically once the container has exited):
 *   "<exit code>\n", followed by "oom\n" when the kernel OOM-killed the container.
 *   The exit code is 128+N for a container killed by signal N.
 *
 * Attach socket (--attach-socket, unix SOCK_STREAM, mode 0600 in a 0700 directory):
 *   frames in both directions: 1 byte type, 4 bytes big-endian payload length, payload.
 *     client -> monitor: 0 stdin data, 4 close stdin, 5 resize (rows, cols: 2 bytes
 *                        big-endian each)
 *     monitor -> client: 1 stdout data, 2 stderr data (a terminal is all stdout),
 *                        3 exit (payload: the exit code in decimal), then EOF
 *   A client frame longer than ATTACH_MAX_FRAME ends that client's connection.
 */
#ifndef TPOD_MONITOR_SYNC_H
#define TPOD_MONITOR_SYNC_H

#include <stdbool.h>
#include <sys/types.h>

#define SYNC_PROTOCOL_VERSION 1
#define SYNC_START_BYTE 'S'

#define ATTACH_FRAME_STDIN 0
#define ATTACH_FRAME_STDOUT 1
#define ATTACH_FRAME_STDERR 2
#define ATTACH_FRAME_EXIT 3
#define ATTACH_FRAME_STDIN_EOF 4
#define ATTACH_FRAME_RESIZE 5
#define ATTACH_HEADER_SIZE 5
#define ATTACH_MAX_FRAME (1 << 20)

struct monitor;

void sync_send_monitor (struct monitor *m);
void sync_send_created (struct monitor *m);
void sync_send_started (struct monitor *m);
void sync_send_exited (struct monitor *m, int exit_code, bool oom_killed);
void sync_send_error (struct monitor *m, const char *stage, const char *message);

/* Outcome of waiting on the start descriptor: 1 start, 0 abort, -1 nothing yet. */
int sync_read_start (struct monitor *m);

#endif
