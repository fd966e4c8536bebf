/* What cp needs to know about a path of a container before it copies:
 *
 *   tpod-helper cpstat [--pid PID] [--ctr-pid PID] [--bind SRC@DST] [--at WORKDIR] DIR PATH
 *
 * prints "TYPE PARENT", each one of dir, file, other, missing: PATH and the directory
 * that holds it, looked up inside the container's root (view.c) with symlinks followed
 * there, as the copy will follow them. */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../util.h"
#include "view.h"

static const char *
kind (const char *path)
{
  struct stat st;
  if (stat (path, &st) < 0)
    return errno == ENOENT || errno == ENOTDIR ? "missing" : "other";
  if (S_ISDIR (st.st_mode))
    return "dir";
  if (S_ISREG (st.st_mode))
    return "file";
  return "other";
}

int
cmd_cpstat (int argc, char **argv)
{
  struct view v = { 0 };
  const char *dir = NULL, *path = NULL;
  char *copy;
  int i;
  for (i = 1; i < argc; i++)
    {
      if (view_option (&v, argc, argv, &i))
        continue;
      if (argv[i][0] != '-' && dir == NULL && v.ctr_pid <= 0)
        dir = argv[i];
      else if (path == NULL)
        path = argv[i];
      else
        die ("usage: tpod-helper cpstat [--pid PID] [--ctr-pid PID] [--bind SRC@DST] [--at WORKDIR] DIR PATH");
    }
  if (path == NULL || (dir == NULL && v.ctr_pid <= 0))
    die ("usage: tpod-helper cpstat [--pid PID] [--ctr-pid PID] [--bind SRC@DST] [--at WORKDIR] DIR PATH");
  view_enter (&v, dir);
  copy = strdup (path);
  printf ("%s %s\n", kind (path), kind (dirname (copy)));
  free (copy);
  return 0;
}
