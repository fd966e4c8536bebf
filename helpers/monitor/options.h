/* Command-line options of tpod-monitor. Everything the monitor does is decided by its
 * argv (and NOTIFY_SOCKET in its environment), so tpod builds one argv per container. */
#ifndef TPOD_MONITOR_OPTIONS_H
#define TPOD_MONITOR_OPTIONS_H

#include <stdbool.h>
#include <sys/types.h>

enum sdnotify_mode
{
  SDNOTIFY_IGNORE,    /* tell systemd nothing */
  SDNOTIFY_CONMON,    /* the monitor says READY=1 once the container has started */
  SDNOTIFY_CONTAINER, /* the container says it, through a socket the monitor proxies */
};

struct monitor_options
{
  const char *id;
  const char *bundle;
  const char *runtime;
  char **runtime_args; /* global runtime options, e.g. --root DIR */
  int n_runtime_args;
  const char *pid_file;
  const char *exit_file;
  const char *log_path; /* NULL: no log (log driver "none") */
  long long log_size_max; /* bytes; <= 0: unlimited */
  const char *attach_socket; /* NULL: nobody can attach */
  const char *console_socket; /* for --terminal; a default is derived when NULL */
  bool terminal;
  bool stdin_open;
  char **exit_command; /* NULL-terminated argv, or NULL */
  int sync_fd;  /* -1: none */
  int start_fd; /* -1: start right after create */
  pid_t join_pid; /* 0: stay in our own namespaces */
  enum sdnotify_mode sdnotify;
  const char *container_notify_socket; /* host path of the socket for SDNOTIFY_CONTAINER */
};

/* Fills OPT from argv. Prints a message and exits with 125 on bad usage. */
void options_parse (struct monitor_options *opt, int argc, char **argv);

#endif
