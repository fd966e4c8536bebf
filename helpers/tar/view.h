/* The tree untar, mktar and cpstat work in, entered by chroot (view.c). */
#ifndef TPOD_TAR_VIEW_H
#define TPOD_TAR_VIEW_H

#include <sys/types.h>

#define VIEW_MAX_BINDS 64

struct view
{
  pid_t pause_pid;
  pid_t ctr_pid;
  const char *at;
  const char *binds[VIEW_MAX_BINDS];
  int nbinds;
};

/* Takes --pid, --ctr-pid, --at or --bind at argv[*i] (advancing *i); 0 if not one. */
int view_option (struct view *v, int argc, char **argv, int *i);

/* Joins the namespaces, chroots into DIR (or the container's root), changes to --at. */
void view_enter (struct view *v, const char *dir);

#endif
