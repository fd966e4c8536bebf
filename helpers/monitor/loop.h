/* The monitor's one event loop: poll(2) over every descriptor it holds, for as long
 * as a lifecycle step needs. Signals arrive through a signalfd. */
#ifndef TPOD_MONITOR_LOOP_H
#define TPOD_MONITOR_LOOP_H

#include <stdbool.h>

struct monitor;

/* Blocks the signals the monitor handles and opens the signalfd; fatal() on error. */
void loop_setup_signals (struct monitor *m);

/* Runs until DONE(m) is true. */
void loop_until (struct monitor *m, bool (*done) (struct monitor *m));

#endif
