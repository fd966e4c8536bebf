/* Parses tpod-monitor's argv. Mistakes here are tpod's bugs, not the user's, so the
 * messages are short and the exit code is 125 like every engine error. */
#define _GNU_SOURCE
#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "sync.h"

enum
{
  OPT_ID = 256,
  OPT_BUNDLE,
  OPT_RUNTIME,
  OPT_RUNTIME_ARG,
  OPT_PID_FILE,
  OPT_EXIT_FILE,
  OPT_LOG_PATH,
  OPT_LOG_SIZE_MAX,
  OPT_ATTACH_SOCKET,
  OPT_CONSOLE_SOCKET,
  OPT_EXIT_COMMAND,
  OPT_EXIT_COMMAND_ARG,
  OPT_SYNC_FD,
  OPT_START_FD,
  OPT_JOIN_PID,
  OPT_SDNOTIFY,
  OPT_CONTAINER_NOTIFY_SOCKET,
  OPT_VERSION,
};

static const struct option long_options[] = {
  { "id", required_argument, NULL, OPT_ID },
  { "bundle", required_argument, NULL, OPT_BUNDLE },
  { "runtime", required_argument, NULL, OPT_RUNTIME },
  { "runtime-arg", required_argument, NULL, OPT_RUNTIME_ARG },
  { "pid-file", required_argument, NULL, OPT_PID_FILE },
  { "exit-file", required_argument, NULL, OPT_EXIT_FILE },
  { "log-path", required_argument, NULL, OPT_LOG_PATH },
  { "log-size-max", required_argument, NULL, OPT_LOG_SIZE_MAX },
  { "attach-socket", required_argument, NULL, OPT_ATTACH_SOCKET },
  { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
  { "terminal", no_argument, NULL, 't' },
  { "stdin", no_argument, NULL, 'i' },
  { "exit-command", required_argument, NULL, OPT_EXIT_COMMAND },
  { "exit-command-arg", required_argument, NULL, OPT_EXIT_COMMAND_ARG },
  { "sync-fd", required_argument, NULL, OPT_SYNC_FD },
  { "start-fd", required_argument, NULL, OPT_START_FD },
  { "join-pid", required_argument, NULL, OPT_JOIN_PID },
  { "sdnotify", required_argument, NULL, OPT_SDNOTIFY },
  { "container-notify-socket", required_argument, NULL, OPT_CONTAINER_NOTIFY_SOCKET },
  { "version", no_argument, NULL, OPT_VERSION },
  { NULL, 0, NULL, 0 },
};

static long long
parse_number (const char *name, const char *text, long long min)
{
  char *end;
  long long v;
  errno = 0;
  v = strtoll (text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < min)
    fatal ("--%s: not a valid number: %s", name, text);
  return v;
}

/* The descriptor must be open and must not be one of stdin/stdout/stderr, which the
 * monitor points at /dev/null once it detaches. */
static int
parse_fd (const char *name, const char *text)
{
  int fd = (int) parse_number (name, text, 3);
  if (fcntl (fd, F_SETFD, FD_CLOEXEC) < 0)
    fatal_errno ("--%s %d", name, fd);
  return fd;
}

static void
require_absolute (const char *name, const char *path)
{
  if (path != NULL && path[0] != '/')
    fatal ("--%s must be an absolute path: %s", name, path);
}

void
options_parse (struct monitor_options *opt, int argc, char **argv)
{
  int c, n_exit_args = 0;
  const char *exit_cmd = NULL;
  char **exit_args;

  memset (opt, 0, sizeof *opt);
  opt->sync_fd = -1;
  opt->start_fd = -1;
  /* Repeated options can be at most argc long; one allocation each covers them. */
  opt->runtime_args = calloc ((size_t) argc + 1, sizeof (char *));
  exit_args = calloc ((size_t) argc + 1, sizeof (char *));
  if (opt->runtime_args == NULL || exit_args == NULL)
    fatal ("out of memory");

  /* "+": stop at the first non-option, never reorder argv. */
  while ((c = getopt_long (argc, argv, "+ti", long_options, NULL)) != -1)
    {
      switch (c)
        {
        case OPT_ID:
          opt->id = optarg;
          break;
        case OPT_BUNDLE:
          opt->bundle = optarg;
          break;
        case OPT_RUNTIME:
          opt->runtime = optarg;
          break;
        case OPT_RUNTIME_ARG:
          opt->runtime_args[opt->n_runtime_args++] = optarg;
          break;
        case OPT_PID_FILE:
          opt->pid_file = optarg;
          break;
        case OPT_EXIT_FILE:
          opt->exit_file = optarg;
          break;
        case OPT_LOG_PATH:
          opt->log_path = optarg;
          break;
        case OPT_LOG_SIZE_MAX:
          opt->log_size_max = parse_number ("log-size-max", optarg, -1);
          break;
        case OPT_ATTACH_SOCKET:
          opt->attach_socket = optarg;
          break;
        case OPT_CONSOLE_SOCKET:
          opt->console_socket = optarg;
          break;
        case 't':
          opt->terminal = true;
          break;
        case 'i':
          opt->stdin_open = true;
          break;
        case OPT_EXIT_COMMAND:
          exit_cmd = optarg;
          break;
        case OPT_EXIT_COMMAND_ARG:
          exit_args[n_exit_args++] = optarg;
          break;
        case OPT_SYNC_FD:
          opt->sync_fd = parse_fd ("sync-fd", optarg);
          break;
        case OPT_START_FD:
          opt->start_fd = parse_fd ("start-fd", optarg);
          break;
        case OPT_JOIN_PID:
          opt->join_pid = (pid_t) parse_number ("join-pid", optarg, 1);
          break;
        case OPT_SDNOTIFY:
          if (strcmp (optarg, "conmon") == 0)
            opt->sdnotify = SDNOTIFY_CONMON;
          else if (strcmp (optarg, "container") == 0)
            opt->sdnotify = SDNOTIFY_CONTAINER;
          else if (strcmp (optarg, "ignore") == 0)
            opt->sdnotify = SDNOTIFY_IGNORE;
          else
            fatal ("--sdnotify must be conmon, container or ignore, not %s", optarg);
          break;
        case OPT_CONTAINER_NOTIFY_SOCKET:
          opt->container_notify_socket = optarg;
          break;
        case OPT_VERSION:
          printf ("tpod-monitor protocol %d\n", SYNC_PROTOCOL_VERSION);
          exit (0);
        default:
          fatal ("usage: tpod-monitor --id ID --bundle DIR --runtime PATH --pid-file F --exit-file F [options]");
        }
    }
  if (optind < argc)
    fatal ("unexpected argument %s", argv[optind]);

  if (opt->id == NULL || opt->bundle == NULL || opt->runtime == NULL || opt->pid_file == NULL
      || opt->exit_file == NULL)
    fatal ("--id, --bundle, --runtime, --pid-file and --exit-file are required");
  /* The monitor runs from "/" once detached, so relative paths would change meaning. */
  require_absolute ("bundle", opt->bundle);
  require_absolute ("pid-file", opt->pid_file);
  require_absolute ("exit-file", opt->exit_file);
  require_absolute ("log-path", opt->log_path);
  require_absolute ("attach-socket", opt->attach_socket);
  require_absolute ("console-socket", opt->console_socket);
  require_absolute ("container-notify-socket", opt->container_notify_socket);
  if (opt->sdnotify == SDNOTIFY_CONTAINER && opt->container_notify_socket == NULL)
    fatal ("--sdnotify container needs --container-notify-socket");
  if (opt->sync_fd >= 0 && opt->sync_fd == opt->start_fd)
    fatal ("--sync-fd and --start-fd must differ");

  if (exit_cmd != NULL)
    {
      /* exit_args has room for one more in front: shift and put the command first. */
      memmove (exit_args + 1, exit_args, (size_t) n_exit_args * sizeof (char *));
      exit_args[0] = (char *) exit_cmd;
      exit_args[n_exit_args + 1] = NULL;
      opt->exit_command = exit_args;
    }
  else if (n_exit_args > 0)
    fatal ("--exit-command-arg without --exit-command");
  else
    free (exit_args);
}
