#ifndef TPOD_MONITOR_PROCESS_H
#define TPOD_MONITOR_PROCESS_H

struct monitor;

/* Double fork + setsid; the surviving process is the monitor, made child subreaper,
 * with stdio on /dev/null. The original process exits 0. */
void monitor_detach (struct monitor *m);

#endif
