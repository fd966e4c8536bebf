#define _GNU_SOURCE
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common.h"
#include "exit.h"
#include "monitor.h"
#include "sync.h"

enum watch
{
  W_SIGNAL,
  W_START,
  W_RUNTIME,
  W_CONSOLE,
  W_OUT,
  W_ERR,
  W_STDIN,
  W_LISTEN,
  W_CLIENT,
  W_NOTIFY,
};

#define MAX_WATCHES (10 + ATTACH_MAX_CLIENTS)

void
loop_setup_signals (struct monitor *m)
{
  sigset_t set;
  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  sigaddset (&set, SIGQUIT);
  if (sigprocmask (SIG_BLOCK, &set, &m->saved_mask) < 0)
    fatal_errno ("sigprocmask");
  m->signal_fd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (m->signal_fd < 0)
    fatal_errno ("signalfd");
  /* Writes to a client or to tpod that went away must fail, not kill the monitor. */
  signal (SIGPIPE, SIG_IGN);
}

/* SIGTERM and friends: before the container runs they abort the start (and kill a
 * runtime that hangs); afterwards they are forwarded to the container. */
static void
handle_signals (struct monitor *m)
{
  struct signalfd_siginfo si;
  bool child = false;

  while (read (m->signal_fd, &si, sizeof si) == sizeof si)
    {
      int sig = (int) si.ssi_signo;
      if (sig == SIGCHLD)
        child = true;
      else if (m->phase == PHASE_CREATE && m->runtime.pid > 0)
        kill (m->runtime.pid, SIGKILL);
      else if (m->phase == PHASE_WAIT_START)
        {
          if (m->start_fd >= 0)
            close (m->start_fd);
          m->start_fd = -1;
          m->start_byte = 0;
        }
      else if (m->container_pid > 0 && !m->container_exited)
        kill (m->container_pid, sig);
    }
  if (child)
    exit_reap (m);
}

void
loop_until (struct monitor *m, bool (*done) (struct monitor *m))
{
  struct pollfd pfd[MAX_WATCHES];
  enum watch what[MAX_WATCHES];
  int index[MAX_WATCHES];

  while (!done (m))
    {
      int n = 0, i;
      bool held_back = attach_backlogged (&m->attach);
      bool stdin_busy = m->io.pending_off < m->io.pending_len;

#define WATCH(FD, EVENTS, WHAT, INDEX)                                                               \
  do                                                                                                 \
    {                                                                                                \
      pfd[n].fd = (FD);                                                                              \
      pfd[n].events = (EVENTS);                                                                      \
      pfd[n].revents = 0;                                                                            \
      what[n] = (WHAT);                                                                              \
      index[n] = (INDEX);                                                                            \
      n++;                                                                                           \
    }                                                                                                \
  while (0)

      WATCH (m->signal_fd, POLLIN, W_SIGNAL, 0);
      if (m->phase == PHASE_WAIT_START && m->start_fd >= 0)
        WATCH (m->start_fd, POLLIN, W_START, 0);
      if (m->runtime.out_fd >= 0)
        WATCH (m->runtime.out_fd, POLLIN, W_RUNTIME, 0);
      if (m->io.console_listen_fd >= 0)
        WATCH (m->io.console_listen_fd, POLLIN, W_CONSOLE, 0);
      /* Output waits while an attached client is behind: backpressure, not loss. */
      if (!held_back && m->io.out_fd >= 0)
        WATCH (m->io.out_fd, POLLIN, W_OUT, 0);
      if (!held_back && m->io.err_fd >= 0)
        WATCH (m->io.err_fd, POLLIN, W_ERR, 0);
      if (stdin_busy && m->io.in_fd >= 0)
        WATCH (m->io.in_fd, POLLOUT, W_STDIN, 0);
      if (m->attach.listen_fd >= 0)
        WATCH (m->attach.listen_fd, POLLIN, W_LISTEN, 0);
      for (i = 0; i < ATTACH_MAX_CLIENTS; i++)
        {
          struct attach_client *c = &m->attach.clients[i];
          short ev = 0;
          if (c->fd < 0)
            continue;
          if (!stdin_busy)
            ev |= POLLIN;
          if (c->out != NULL)
            ev |= POLLOUT;
          WATCH (c->fd, ev, W_CLIENT, i);
        }
      if (m->notify.proxy_fd >= 0)
        WATCH (m->notify.proxy_fd, POLLIN, W_NOTIFY, 0);
#undef WATCH

      if (poll (pfd, (nfds_t) n, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          fatal_errno ("poll");
        }
      for (i = 0; i < n; i++)
        {
          short ev = pfd[i].revents;
          if (ev == 0)
            continue;
          switch (what[i])
            {
            case W_SIGNAL:
              handle_signals (m);
              break;
            case W_START:
              sync_read_start (m);
              break;
            case W_RUNTIME:
              if (m->runtime.out_fd >= 0)
                runtime_output_ready (m);
              break;
            case W_CONSOLE:
              if (m->io.console_listen_fd >= 0)
                io_console_ready (m);
              break;
            case W_OUT:
              if (m->io.out_fd == pfd[i].fd)
                io_pump (m, pfd[i].fd);
              break;
            case W_ERR:
              if (m->io.err_fd == pfd[i].fd)
                io_pump (m, pfd[i].fd);
              break;
            case W_STDIN:
              io_stdin_writable (m);
              break;
            case W_LISTEN:
              attach_accept (m);
              break;
            case W_CLIENT:
              /* Checked again: an earlier handler may have dropped this client. */
              if (m->attach.clients[index[i]].fd != pfd[i].fd)
                break;
              if (ev & POLLOUT)
                attach_client_writable (m, index[i]);
              if (m->attach.clients[index[i]].fd == pfd[i].fd && (ev & (POLLIN | POLLHUP | POLLERR)))
                attach_client_readable (m, index[i]);
              break;
            case W_NOTIFY:
              notify_proxy_readable (m);
              break;
            }
        }
    }
}
