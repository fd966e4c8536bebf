/* What cp needs to know about a path of a container before it copies:
 *
 *   tpod-helper cpstat [--pid PID] [--ctr-pid PID] [--bind SRC@DST] [--at WORKDIR] [--long] DIR PATH
 *
 * prints "TYPE PARENT RESOLVED": TYPE (dir, file, other, missing) of PATH, the same of
 * the directory that holds it, and PATH with its symlinks resolved, a dangling last one
 * included (a copy to a link to a missing file makes that file, as Podman's does); all
 * looked up inside the container's root (view.c), where absolute links stay.
 * --long adds a second line "MODE SIZE MTIME NSEC" (octal st_mode, from lstat: the path
 * itself, a link not followed), or "-" when it is missing: the API's archive stat. */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <unistd.h>
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

/* PATH with every symlink resolved; the last component may be missing or a dangling
 * link, whose target is followed (40 hops at most, as the kernel's limit). */
static void
resolve (const char *path, char *out, size_t size)
{
  char cur[PATH_MAX], link[PATH_MAX];
  int hops;
  snprintf (cur, sizeof cur, "%s", path);
  for (hops = 0; hops < 40; hops++)
    {
      char *real = realpath (cur, NULL), *d, *b, *rd;
      ssize_t n;
      int done;
      if (real != NULL)
        {
          snprintf (out, size, "%s", real);
          free (real);
          return;
        }
      d = strdup (cur);
      b = strdup (cur);
      rd = realpath (dirname (d), NULL);
      n = rd != NULL ? readlink (cur, link, sizeof link - 1) : -1;
      if (rd == NULL)
        snprintf (out, size, "%s", cur);
      else if (n < 0)
        snprintf (out, size, "%s/%s", strcmp (rd, "/") == 0 ? "" : rd, basename (b));
      else
        {
          link[n] = '\0';
          if (link[0] == '/')
            snprintf (cur, sizeof cur, "%s", link);
          else
            snprintf (cur, sizeof cur, "%s/%s", rd, link);
        }
      done = rd == NULL || n < 0;
      free (d);
      free (b);
      free (rd);
      if (done)
        return;
    }
  snprintf (out, size, "%s", path);
}

int
cmd_cpstat (int argc, char **argv)
{
  struct view v = { 0 };
  const char *dir = NULL, *path = NULL;
  char *copy;
  int i, lng = 0;
  for (i = 1; i < argc; i++)
    {
      if (view_option (&v, argc, argv, &i))
        continue;
      if (strcmp (argv[i], "--long") == 0)
        {
          lng = 1;
          continue;
        }
      if (argv[i][0] != '-' && dir == NULL && v.ctr_pid <= 0)
        dir = argv[i];
      else if (path == NULL)
        path = argv[i];
      else
        die ("usage: tpod-helper cpstat [--pid PID] [--ctr-pid PID] [--bind SRC@DST] [--at WORKDIR] [--long] DIR PATH");
    }
  if (path == NULL || (dir == NULL && v.ctr_pid <= 0))
    die ("usage: tpod-helper cpstat [--pid PID] [--ctr-pid PID] [--bind SRC@DST] [--at WORKDIR] [--long] DIR PATH");
  view_enter (&v, dir);
  {
    char resolved[PATH_MAX];
    resolve (path, resolved, sizeof resolved);
    copy = strdup (resolved);
    printf ("%s %s %s\n", kind (path), kind (dirname (copy)), resolved);
    free (copy);
    if (lng)
      {
        struct stat st;
        if (lstat (path, &st) < 0)
          printf ("-\n");
        else
          printf ("%o %lld %lld %ld\n", (unsigned) st.st_mode, (long long) st.st_size, (long long) st.st_mtim.tv_sec, (long) st.st_mtim.tv_nsec);
      }
  }
  return 0;
}
