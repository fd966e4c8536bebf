/* tpod-helper: the small native steps tpod needs that Node cannot do, chiefly
 * because Node is multi-threaded and setns(2) into a user namespace needs a
 * single-threaded caller.
 *
 *   tpod-helper pause     create the per-user pause process (user + mount namespace)
 *   tpod-helper nsexec    join it, optionally mount/unmount, run a command
 *   tpod-helper whiteouts turn a list of paths into overlay whiteouts / opaque dirs
 *   tpod-helper untar     extract a layer's tar, chrooted into its directory
 *   tpod-helper retar     rebuild a layer's exact tar from its tar-split records
 *   tpod-helper mktar     write a tar of a tree (export), chrooted into it
 *   tpod-helper cpstat    what a path of a container is (for cp)
 *   tpod-helper ptyexec   an exec with a terminal for a caller with pipes (the API)
 */
#include <stdio.h>
#include <string.h>

#include "util.h"

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fputs ("usage: tpod-helper pause|nsexec|whiteouts|untar|retar|mktar|cpstat ...\n", stderr);
      return 125;
    }
  if (strcmp (argv[1], "pause") == 0)
    return cmd_pause (argc - 1, argv + 1);
  if (strcmp (argv[1], "nsexec") == 0)
    return cmd_nsexec (argc - 1, argv + 1);
  if (strcmp (argv[1], "whiteouts") == 0)
    return cmd_whiteouts (argc - 1, argv + 1);
  if (strcmp (argv[1], "untar") == 0)
    return cmd_untar (argc - 1, argv + 1);
  if (strcmp (argv[1], "retar") == 0)
    return cmd_retar (argc - 1, argv + 1);
  if (strcmp (argv[1], "mktar") == 0)
    return cmd_mktar (argc - 1, argv + 1);
  if (strcmp (argv[1], "cpstat") == 0)
    return cmd_cpstat (argc - 1, argv + 1);
  if (strcmp (argv[1], "ptyexec") == 0)
    return cmd_ptyexec (argc - 1, argv + 1);
  die ("unknown subcommand %s", argv[1]);
}
