#define _GNU_SOURCE
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../util.h"
#include "common.h"
#include "exit.h"
#include "loop.h"
#include "monitor.h"

/* "<runtime> <global args...> CMD ARGS..." */
static char **
build_argv (struct monitor *m, const char *const *cmd)
{
  int n = 0, i;
  char **argv;
  while (cmd[n])
    n++;
  argv = xmalloc ((size_t) (m->opt.n_runtime_args + n + 2) * sizeof (char *));
  argv[0] = (char *) m->opt.runtime;
  for (i = 0; i < m->opt.n_runtime_args; i++)
    argv[1 + i] = m->opt.runtime_args[i];
  for (i = 0; i < n; i++)
    argv[1 + m->opt.n_runtime_args + i] = (char *) cmd[i];
  argv[1 + m->opt.n_runtime_args + n] = NULL;
  return argv;
}

void
runtime_capture (struct monitor *m, const char *buf, size_t len)
{
  struct runtime_cmd *r = &m->runtime;
  if (r->text == NULL)
    {
      r->text = xmalloc (RUNTIME_TEXT_MAX + 1);
      r->text_len = 0;
    }
  if (len > RUNTIME_TEXT_MAX - r->text_len)
    len = RUNTIME_TEXT_MAX - r->text_len;
  memcpy (r->text + r->text_len, buf, len);
  r->text_len += len;
  r->text[r->text_len] = '\0';
}

void
runtime_free_text (struct monitor *m)
{
  free (m->runtime.text);
  m->runtime.text = NULL;
  m->runtime.text_len = 0;
}

void
runtime_set_text (struct monitor *m, const char *a, const char *b)
{
  runtime_free_text (m);
  runtime_capture (m, a, strlen (a));
  if (b)
    runtime_capture (m, b, strlen (b));
}

void
runtime_output_ready (struct monitor *m)
{
  char buf[1024];
  ssize_t n = read (m->runtime.out_fd, buf, sizeof buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    {
      close (m->runtime.out_fd);
      m->runtime.out_fd = -1;
      return;
    }
  runtime_capture (m, buf, (size_t) n);
}

static bool
runtime_reaped (struct monitor *m)
{
  return m->runtime.reaped;
}

/* Runs the runtime with the given stdio (-1: /dev/null, capture: our pipe) and waits
 * for it inside the event loop, so the container's output keeps flowing meanwhile.
 * Returns its wait status. */
static int
run (struct monitor *m, const char *const *cmd, int in, int out, int err)
{
  struct runtime_cmd *r = &m->runtime;
  char **argv = build_argv (m, cmd);
  int pipefd[2], devnull;
  pid_t pid;

  runtime_free_text (m);
  devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (pipe2 (pipefd, O_CLOEXEC) < 0 || devnull < 0)
    {
      runtime_set_text (m, "tpod-monitor: cannot set up the runtime's stdio: ", strerror (errno));
      free (argv);
      return 127 << 8;
    }
  pid = fork ();
  if (pid == 0)
    {
      monitor_child_reset (m);
      dup2 (in >= 0 ? in : devnull, 0);
      dup2 (out >= 0 ? out : pipefd[1], 1);
      dup2 (err >= 0 ? err : pipefd[1], 2);
      execvp (argv[0], argv);
      {
        const char *msg = strerror (errno);
        write_all (2, "tpod-monitor: cannot run ", 25);
        write_all (2, argv[0], strlen (argv[0]));
        write_all (2, ": ", 2);
        write_all (2, msg, strlen (msg));
      }
      _exit (127);
    }
  free (argv);
  close (devnull);
  close (pipefd[1]);
  if (pid < 0)
    {
      close (pipefd[0]);
      runtime_set_text (m, "tpod-monitor: fork: ", strerror (errno));
      return 127 << 8;
    }
  set_nonblocking (pipefd[0]);
  r->pid = pid;
  r->reaped = false;
  r->out_fd = pipefd[0];
  loop_until (m, runtime_reaped);
  /* It has exited, so everything it wrote is in the pipe; do not wait for EOF, which
   * its children (the container's init) may hold off. */
  while (r->out_fd >= 0)
    {
      size_t before = r->text_len;
      runtime_output_ready (m);
      if (r->out_fd >= 0 && r->text_len == before)
        break;
    }
  if (r->out_fd >= 0)
    close (r->out_fd);
  r->out_fd = -1;
  r->pid = 0;
  return r->status;
}

/* Turns a failed wait status into text when the runtime said nothing itself. */
static int
check_status (struct monitor *m, const char *what, int status)
{
  char num[24];
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (m->runtime.text_len == 0)
    {
      format_int (num, WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status));
      runtime_set_text (m, what, " failed with exit code ");
      runtime_capture (m, num, strlen (num));
    }
  return -1;
}

static int
read_container_pid (struct monitor *m)
{
  char buf[32], *end;
  long v;
  if (read_small_file (m->opt.pid_file, buf, sizeof buf) <= 0)
    {
      runtime_set_text (m, "tpod-monitor: cannot read the runtime's pid file ", m->opt.pid_file);
      return -1;
    }
  v = strtol (buf, &end, 10);
  if (v <= 0 || (*end != '\0' && *end != '\n'))
    {
      runtime_set_text (m, "tpod-monitor: no pid in the runtime's pid file ", m->opt.pid_file);
      return -1;
    }
  m->container_pid = (pid_t) v;
  return 0;
}

int
runtime_create (struct monitor *m)
{
  const char *cmd[] = { "create", "--bundle", m->opt.bundle, "--pid-file", m->opt.pid_file,
                        NULL, NULL, NULL, NULL };
  int status, i = 5;
  size_t warnings;

  if (m->opt.terminal)
    {
      cmd[i++] = "--console-socket";
      cmd[i++] = m->io.console_arg;
    }
  cmd[i] = m->opt.id;
  m->phase = PHASE_CREATE;
  /* With pipes the runtime writes straight to the container's stdio (it hands its own
   * descriptors to the container); with a terminal it talks on our capture pipe. */
  if (m->opt.terminal)
    status = run (m, cmd, -1, -1, -1);
  else
    status = run (m, cmd, m->io.child_in, m->io.child_out, m->io.child_err);
  io_drain (m);
  if (check_status (m, "runtime create", status) < 0)
    return -1;
  if (m->opt.terminal && m->io.out_fd < 0)
    {
      /* Sent and queued, but the loop ended before it looked: take it now. */
      if (m->io.console_listen_fd >= 0)
        io_console_ready (m);
      if (m->io.out_fd < 0)
        {
          runtime_set_text (m, "tpod-monitor: the runtime did not send the container's terminal", NULL);
          return -1;
        }
    }
  if (read_container_pid (m) < 0)
    return -1;
  /* Warnings from a successful create belong in the container's log. */
  warnings = m->runtime.text_len;
  if (warnings > 0)
    log_write (&m->log, LOG_STDERR, m->runtime.text, warnings);
  runtime_free_text (m);
  exit_watch_container (m);
  return 0;
}

int
runtime_start (struct monitor *m)
{
  const char *cmd[] = { "start", m->opt.id, NULL };
  m->phase = PHASE_START;
  return check_status (m, "runtime start", run (m, cmd, -1, -1, -1));
}

void
runtime_delete (struct monitor *m)
{
  const char *cmd[] = { "delete", "--force", m->opt.id, NULL };
  char *saved = m->runtime.text;
  size_t saved_len = m->runtime.text_len;
  /* Keep the error that led here; the delete's own output does not matter. */
  m->runtime.text = NULL;
  m->runtime.text_len = 0;
  run (m, cmd, -1, -1, -1);
  runtime_free_text (m);
  m->runtime.text = saved;
  m->runtime.text_len = saved_len;
}
