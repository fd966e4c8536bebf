/* tpod-monitor: keeps one container for tpod, which has no daemon. It outlives the
 * tpod command that started it, holds the container's stdio, writes its log, lets
 * clients attach, and records how the container ended. See sync.h for how tpod talks
 * to it and options.c for its argv.
 *
 * main() is the container's lifecycle, top to bottom. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util.h"
#include "common.h"
#include "exit.h"
#include "loop.h"
#include "monitor.h"
#include "process.h"
#include "sync.h"

static bool
start_decided (struct monitor *m)
{
  return m->start_fd < 0 || m->container_exited;
}

static bool
container_gone (struct monitor *m)
{
  return m->container_exited;
}

/* Gives up before the container ran: tpod hears why, the runtime forgets it. */
static int
fail (struct monitor *m, const char *stage, bool delete_container)
{
  sync_send_error (m, stage, m->runtime.text ? m->runtime.text : "aborted");
  if (delete_container)
    runtime_delete (m);
  attach_finish (m, -1);
  return 1;
}

int
main (int argc, char **argv)
{
  struct monitor m = { .sync_fd = -1, .start_fd = -1, .start_byte = -1, .signal_fd = -1 };
  int code;
  bool oom;

  /* 1. Set-up that can still fail loudly: tpod sees stderr and exit code 125. */
  options_parse (&m.opt, argc, argv);
  m.sync_fd = m.opt.sync_fd;
  m.start_fd = m.opt.start_fd;
  m.runtime.out_fd = -1;
  m.log.fd = -1;
  m.saved_umask = umask (077);
  if (m.opt.join_pid > 0)
    join_namespaces (m.opt.join_pid); /* the pause process's user + mount namespaces */
  if (m.opt.log_path && log_open (&m.log, m.opt.log_path, m.opt.log_size_max) < 0)
    fatal_errno ("open log %s", m.opt.log_path);
  attach_listen (&m.attach, m.opt.attach_socket);
  notify_setup (&m);

  loop_setup_signals (&m); /* the mask and the signalfd carry over the forks */

  /* 2. Detach; from now on only the sync descriptor reaches tpod. */
  monitor_detach (&m);
  sync_send_monitor (&m);
  if (io_setup (&m) < 0)
    return fail (&m, "monitor", false);

  /* 3. Create the container; its init is now our child (we are its subreaper). */
  if (runtime_create (&m) < 0)
    return fail (&m, "create", true);
  io_after_create (&m);
  sync_send_created (&m);

  /* 4. Wait for tpod's go (network set up, clients attached), then start. */
  m.phase = PHASE_WAIT_START;
  loop_until (&m, start_decided);
  if (m.container_exited)
    {
      runtime_set_text (&m, "the container exited before it was started", NULL);
      return fail (&m, "start", true);
    }
  if (m.start_byte == 0)
    return fail (&m, "start", true);
  attach_accept (&m); /* clients that connected before the go see all output */
  if (runtime_start (&m) < 0)
    return fail (&m, "start", true);
  m.phase = PHASE_RUNNING;
  /* systemd first: once tpod hears "started" it exits, and a Type=notify unit whose
   * start process ended before READY=1 and MAINPID arrived would count as failed. */
  notify_started (&m);
  sync_send_started (&m);

  /* 5. Run: pass output to the log and clients, stdin from clients, until it exits. */
  loop_until (&m, container_gone);
  m.phase = PHASE_EXITED;
  io_drain (&m);

  /* 6. Record the end, tell whoever listens, and hand over to the exit command. */
  code = exit_code_of (m.container_status);
  oom = exit_oom_killed (&m);
  exit_write_file (&m, code, oom);
  sync_send_exited (&m, code, oom);
  attach_finish (&m, code);
  log_close (&m.log);
  exit_run_command (&m);
  /* As conmon does: a systemd unit whose main process is the monitor sees how its
   * container ended (Restart=on-failure depends on it). */
  return code;
}
