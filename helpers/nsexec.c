/* Runs a step inside the pause process's namespaces without starting Node there.
 *
 *   tpod-helper nsexec [--pid PID] [--chdir DIR]
 *                      [--overlay OPTIONS@TARGET] [--fuse-overlay OPTIONS@TARGET]
 *                      [--vfs-apply LAYER@ROOTFS] [--umount TARGET] [--rmtree PATH]
 *                      [--after-umount TARGET] [--after-rmtree PATH]
 *                      [--netns PATH] [--pasta ARGS] [--pasta-bg LAUNCHFILE\x1fLOGFILE\x1fARGS]
 *                      [--wait-pasta PIDFILE\x1fLAUNCHFILE\x1fLOGFILE]
 *                      [--slirp4netns PIDFILE\x1fLOGFILE\x1fARGS]
 *                      [--slirp-api SOCKET\x1fJSON]   (network steps: see netns.c)
 *                      [--volume-init ...] [--chown-tree ...]   (volume steps: see volume.c)
 *                      [--] [COMMAND ARGS...]
 *
 * Steps run in the order given. With a COMMAND and no --after-* steps the helper
 * becomes the command (exec). With --after-* steps it runs the command as a child,
 * forwards signals to it, then runs the after-steps and exits with the command's
 * status (128+N for a signal), so one process covers mount, run and clean up. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

enum step_kind { STEP_CHDIR, STEP_OVERLAY, STEP_FUSE_OVERLAY, STEP_VFS_APPLY, STEP_UMOUNT, STEP_RMTREE, STEP_NETNS, STEP_PASTA, STEP_PASTA_BG, STEP_WAIT_PASTA, STEP_SLIRP4NETNS, STEP_SLIRP_API, STEP_VOLUME_INIT, STEP_CHOWN_TREE };

struct step
{
  enum step_kind kind;
  const char *arg;
  int after;
};

struct nsexec_ctx
{
  pid_t join_pid;
  struct step steps[64];
  int nsteps;
  char **command;
};

static volatile pid_t forward_to;

static void
forward_signal (int sig)
{
  if (forward_to > 0)
    kill (forward_to, sig);
}

static void
do_overlay (const char *arg)
{
  const char *at = strrchr (arg, '@');
  char *opts;
  if (at == NULL)
    die ("--overlay wants OPTIONS@TARGET");
  opts = strndup (arg, (size_t) (at - arg));
  if (mount ("overlay", at + 1, "overlay", 0, opts) < 0)
    die_errno ("mount overlay on %s", at + 1);
  free (opts);
}

/* fuse-overlayfs mounts, then leaves its daemon behind and exits 0. Its chatter
 * ("unknown argument ignored: lazytime") must not reach the container's stderr: it is
 * collected and shown only when the mount fails. */
static void
do_fuse_overlay (const char *arg)
{
  const char *at = strrchr (arg, '@');
  char *opts, msg[2048] = "";
  int status, errpipe[2], devnull;
  ssize_t n;
  pid_t child;
  if (at == NULL)
    die ("--fuse-overlay wants OPTIONS@TARGET");
  opts = strndup (arg, (size_t) (at - arg));
  if (pipe2 (errpipe, O_CLOEXEC) < 0)
    die_errno ("pipe");
  child = fork ();
  if (child < 0)
    die_errno ("fork");
  if (child == 0)
    {
      devnull = open ("/dev/null", O_RDWR);
      if (devnull >= 0)
        dup2 (devnull, 1);
      dup2 (errpipe[1], 2);
      /* Its daemon outlives us: it must not hold the monitor's sync/start pipes. */
      close_range (3, ~0U, 0);
      execlp ("fuse-overlayfs", "fuse-overlayfs", "-o", opts, at + 1, (char *) NULL);
      fprintf (stderr, "cannot run fuse-overlayfs: %s", strerror (errno));
      _exit (127);
    }
  close (errpipe[1]);
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      die_errno ("wait for fuse-overlayfs");
  /* The daemon it leaves behind may still hold the pipe: read only what is there. */
  fcntl (errpipe[0], F_SETFL, O_NONBLOCK);
  n = read (errpipe[0], msg, sizeof msg - 1);
  msg[n > 0 ? n : 0] = '\0';
  close (errpipe[0]);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    die ("fuse-overlayfs failed to mount %s: %s", at + 1, msg);
  free (opts);
}

static void
run_step (const struct step *s)
{
  switch (s->kind)
    {
    case STEP_CHDIR:
      if (chdir (s->arg) < 0)
        die_errno ("chdir %s", s->arg);
      break;
    case STEP_OVERLAY:
      do_overlay (s->arg);
      break;
    case STEP_FUSE_OVERLAY:
      do_fuse_overlay (s->arg);
      break;
    case STEP_VFS_APPLY:
      vfs_apply (s->arg);
      break;
    case STEP_UMOUNT:
      /* Lazily, so a busy mount never keeps a container from going away. */
      if (umount2 (s->arg, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        die_errno ("unmount %s", s->arg);
      break;
    case STEP_RMTREE:
      if (remove_tree (s->arg) < 0)
        die_errno ("remove %s", s->arg);
      break;
    case STEP_NETNS:
      netns_create (s->arg);
      break;
    case STEP_PASTA:
      net_pasta (s->arg);
      break;
    case STEP_PASTA_BG:
      net_pasta_bg (s->arg);
      break;
    case STEP_WAIT_PASTA:
      net_wait_pasta (s->arg);
      break;
    case STEP_SLIRP4NETNS:
      net_slirp4netns (s->arg);
      break;
    case STEP_SLIRP_API:
      net_slirp_api (s->arg);
      break;
    case STEP_VOLUME_INIT:
      volume_init (s->arg);
      break;
    case STEP_CHOWN_TREE:
      chown_tree (s->arg);
      break;
    }
}

/* Returns only on failure, with Podman's codes: 127 not found, 126 cannot run. */
static int
exec_command (char **command)
{
  int err;
  execvp (command[0], command);
  err = errno;
  fprintf (stderr, "tpod-helper: cannot run %s: %s\n", command[0], strerror (err));
  return err == ENOENT ? 127 : 126;
}

static void
parse_args (struct nsexec_ctx *ctx, int argc, char **argv)
{
  int i;
  for (i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      struct step *s = &ctx->steps[ctx->nsteps];
      if (strcmp (a, "--") == 0)
        {
          i++;
          break;
        }
      if (a[0] != '-')
        break;
      if (i + 1 >= argc)
        die ("nsexec: %s needs an argument", a);
      if (strcmp (a, "--pid") == 0)
        {
          ctx->join_pid = (pid_t) atoi (argv[++i]);
          continue;
        }
      if (ctx->nsteps >= 63)
        die ("nsexec: too many steps");
      s->after = strncmp (a, "--after-", 8) == 0;
      a += s->after ? 8 : 2; /* "--after-umount" and "--umount" both name "umount" */
      if (strcmp (a, "chdir") == 0)
        s->kind = STEP_CHDIR;
      else if (strcmp (a, "overlay") == 0)
        s->kind = STEP_OVERLAY;
      else if (strcmp (a, "fuse-overlay") == 0)
        s->kind = STEP_FUSE_OVERLAY;
      else if (strcmp (a, "vfs-apply") == 0)
        s->kind = STEP_VFS_APPLY;
      else if (strcmp (a, "umount") == 0)
        s->kind = STEP_UMOUNT;
      else if (strcmp (a, "rmtree") == 0)
        s->kind = STEP_RMTREE;
      else if (strcmp (a, "netns") == 0)
        s->kind = STEP_NETNS;
      else if (strcmp (a, "pasta") == 0)
        s->kind = STEP_PASTA;
      else if (strcmp (a, "pasta-bg") == 0)
        s->kind = STEP_PASTA_BG;
      else if (strcmp (a, "wait-pasta") == 0)
        s->kind = STEP_WAIT_PASTA;
      else if (strcmp (a, "slirp4netns") == 0)
        s->kind = STEP_SLIRP4NETNS;
      else if (strcmp (a, "slirp-api") == 0)
        s->kind = STEP_SLIRP_API;
      else if (strcmp (a, "volume-init") == 0)
        s->kind = STEP_VOLUME_INIT;
      else if (strcmp (a, "chown-tree") == 0)
        s->kind = STEP_CHOWN_TREE;
      else
        die ("nsexec: unknown option %s", argv[i]);
      s->arg = argv[++i];
      ctx->nsteps++;
    }
  ctx->command = i < argc ? argv + i : NULL;
}

int
cmd_nsexec (int argc, char **argv)
{
  struct nsexec_ctx ctx = { 0 };
  int i, has_after = 0, status = 0, code;
  pid_t child;

  parse_args (&ctx, argc, argv);
  if (ctx.join_pid > 0)
    {
      join_namespaces (ctx.join_pid);
      if (chdir ("/") < 0)
        die_errno ("chdir /");
    }
  for (i = 0; i < ctx.nsteps; i++)
    {
      if (ctx.steps[i].after)
        has_after = 1;
      else
        run_step (&ctx.steps[i]);
    }
  if (ctx.command == NULL)
    return 0;
  if (!has_after)
    {
      return exec_command (ctx.command);
    }

  child = fork ();
  if (child < 0)
    die_errno ("fork");
  if (child == 0)
    {
      _exit (exec_command (ctx.command));
    }
  forward_to = child;
  {
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = forward_signal;
    sa.sa_flags = SA_RESTART;
    for (i = 0; i < (int) (sizeof sigs / sizeof sigs[0]); i++)
      sigaction (sigs[i], &sa, NULL);
  }
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      die_errno ("wait");
  code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
  for (i = 0; i < ctx.nsteps; i++)
    if (ctx.steps[i].after)
      run_step (&ctx.steps[i]);
  return code;
}
