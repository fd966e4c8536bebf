/* sd_notify support for containers run by systemd units (`--sdnotify`).
 * The runtime never sees NOTIFY_SOCKET (runc would otherwise act on it itself).
 *   conmon:    the monitor sends READY=1 and MAINPID=<monitor pid> once the container
 *              has started. MAINPID is the monitor, which outlives the container until
 *              its exit command finished, so systemd tracks the whole lifetime.
 *   container: the monitor binds a datagram socket that tpod mounts into the container
 *              (and names in its NOTIFY_SOCKET) and forwards what the container sends,
 *              with MAINPID replaced by the monitor's pid.
 *   ignore:    nothing is sent. */
#ifndef TPOD_MONITOR_NOTIFY_H
#define TPOD_MONITOR_NOTIFY_H

struct notify
{
  char *host_socket; /* NOTIFY_SOCKET the monitor was started with, or NULL */
  int proxy_fd;      /* container mode: the socket the container writes to, or -1 */
};

struct monitor;

/* Takes NOTIFY_SOCKET out of the environment; binds the proxy socket in container
 * mode (fatal() on error: runs before the monitor detaches). */
void notify_setup (struct monitor *m);
void notify_started (struct monitor *m);
void notify_proxy_readable (struct monitor *m);

#endif
