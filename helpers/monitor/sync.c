/* tpod's side of the conversation: JSON lines out on the sync descriptor, the start
 * byte in. The protocol itself is described in sync.h. */
#define _GNU_SOURCE
#include "sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util.h"
#include "common.h"
#include "monitor.h"

#define HEAD "{\"version\":1,\"type\":\""

/* A failed write means tpod went away or closed its end (it no longer wants the
 * "exited" message, say); the container must keep running regardless. */
static void
send_line (struct monitor *m, const char *line, size_t len)
{
  if (m->sync_fd < 0)
    return;
  if (write_all (m->sync_fd, line, len) < 0)
    {
      close (m->sync_fd);
      m->sync_fd = -1;
    }
}

static char *
append (char *p, const char *s)
{
  size_t n = strlen (s);
  memcpy (p, s, n);
  return p + n;
}

static void
send_with_number (struct monitor *m, const char *type, const char *key, long long value)
{
  char line[128], *p = line;
  p = append (p, HEAD);
  p = append (p, type);
  p = append (p, "\",\"");
  p = append (p, key);
  p = append (p, "\":");
  p += format_int (p, value);
  p = append (p, "}\n");
  send_line (m, line, (size_t) (p - line));
}

void
sync_send_monitor (struct monitor *m)
{
  send_with_number (m, "monitor", "pid", m->self);
}

void
sync_send_created (struct monitor *m)
{
  send_with_number (m, "created", "pid", m->container_pid);
}

void
sync_send_started (struct monitor *m)
{
  static const char line[] = HEAD "started\"}\n";
  send_line (m, line, sizeof line - 1);
}

void
sync_send_exited (struct monitor *m, int exit_code, bool oom_killed)
{
  char line[128], *p = line;
  p = append (p, HEAD "exited\",\"exitCode\":");
  p += format_int (p, exit_code);
  p = append (p, oom_killed ? ",\"oomKilled\":true}\n" : ",\"oomKilled\":false}\n");
  send_line (m, line, (size_t) (p - line));
}

/* JSON string escaping. Control characters become \u00XX, so runtime text can never
 * end the line early or smuggle a second message in; other bytes pass through. */
static char *
append_json_string (char *p, const char *s)
{
  static const char hex[] = "0123456789abcdef";
  *p++ = '"';
  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      if (c == '"' || c == '\\')
        {
          *p++ = '\\';
          *p++ = (char) c;
        }
      else if (c == '\n')
        p = append (p, "\\n");
      else if (c == '\t')
        p = append (p, "\\t");
      else if (c < 0x20 || c == 0x7f)
        {
          p = append (p, "\\u00");
          *p++ = hex[c >> 4];
          *p++ = hex[c & 15];
        }
      else
        *p++ = (char) c;
    }
  *p++ = '"';
  return p;
}

void
sync_send_error (struct monitor *m, const char *stage, const char *message)
{
  /* Six output bytes per input byte at most (\u00XX). */
  char *line = xmalloc (64 + strlen (stage) + 6 * strlen (message)), *p = line;
  p = append (p, HEAD "error\",\"stage\":\"");
  p = append (p, stage);
  p = append (p, "\",\"message\":");
  p = append_json_string (p, message);
  p = append (p, "}\n");
  send_line (m, line, (size_t) (p - line));
  free (line);
}

int
sync_read_start (struct monitor *m)
{
  char c;
  ssize_t n;
  if (m->start_fd < 0)
    return m->start_byte == SYNC_START_BYTE ? 1 : 0;
  n = read (m->start_fd, &c, 1);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return -1;
  close (m->start_fd);
  m->start_fd = -1;
  m->start_byte = n == 1 && c == SYNC_START_BYTE ? SYNC_START_BYTE : 0;
  return m->start_byte == SYNC_START_BYTE ? 1 : 0;
}
