/* tpod-dns: the name server of tpod's user networks, one per rootless network namespace.
 *
 *   tpod-dns --netns PATH --dir DIR --pid-file FILE --upstream IP [--upstream IP]...
 *
 * Joins the network namespace PATH (it runs as namespace root inside the pause
 * process's user namespace), binds UDP port 53 on every address there, and detaches.
 * A query that arrives at address GW is answered from DIR/GW, the records of the
 * network whose gateway GW is:
 *
 *   subnet 10.89.0.0/24
 *   10.89.0.2 web web.dns.podman 4e53cac3d79f
 *
 * (tpod rewrites the file atomically as containers come and go; it is read per query,
 * so there is nothing to reload). Only clients inside that subnet get answers from it:
 * networks stay isolated. A name not on that network is looked up on the client's other
 * networks (records whose last name is the client's id), as aardvark-dns does. A/AAAA
 * questions for names there are answered; any other question goes to the upstream
 * servers and their answer is passed back.
 *
 * Linked statically, like the monitor: the whole process is ~0.3 MiB RSS. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_UPSTREAM 3
#define MAX_PENDING 64
#define PENDING_TIMEOUT 5
#define MSG_MAX 1500
#define TTL 60

struct pending
{
  int fd;                  /* socket to the upstream server, -1 when free */
  time_t since;
  struct sockaddr_in client;
  struct in_addr local;    /* the gateway address the client asked */
  unsigned char query[MSG_MAX];
  size_t len;
  int next_upstream;
};

static const char *dir;
static struct in_addr upstream[MAX_UPSTREAM];
static int n_upstream;
static struct pending pending[MAX_PENDING];

static void
fail (const char *what)
{
  fprintf (stderr, "tpod-dns: %s: %s\n", what, strerror (errno));
  exit (125);
}

/* The question's name as dotted lower-case text; returns the offset after QTYPE/QCLASS,
 * or 0 when the message is not one plain question. */
static size_t
parse_question (const unsigned char *m, size_t len, char *name, size_t size, unsigned *qtype)
{
  size_t off = 12, out = 0;
  if (len < 12 || (m[2] & 0x80) || m[4] != 0 || m[5] != 1)
    return 0;
  for (;;)
    {
      unsigned l;
      if (off >= len)
        return 0;
      l = m[off++];
      if (l == 0)
        break;
      if (l > 63 || off + l > len || out + l + 2 > size)
        return 0;
      if (out > 0)
        name[out++] = '.';
      for (unsigned i = 0; i < l; i++)
        {
          char c = (char) m[off + i];
          name[out++] = (c >= 'A' && c <= 'Z') ? (char) (c + 32) : c;
        }
      off += l;
    }
  name[out] = '\0';
  if (off + 4 > len)
    return 0;
  *qtype = (unsigned) (m[off] << 8 | m[off + 1]);
  return off + 4;
}

static int
in_subnet (struct in_addr ip, const char *cidr)
{
  char net[32];
  const char *slash = strchr (cidr, '/');
  struct in_addr base;
  int prefix;
  uint32_t mask;
  if (slash == NULL || (size_t) (slash - cidr) >= sizeof net)
    return 0;
  memcpy (net, cidr, (size_t) (slash - cidr));
  net[slash - cidr] = '\0';
  prefix = atoi (slash + 1);
  if (inet_pton (AF_INET, net, &base) != 1 || prefix < 0 || prefix > 32)
    return 0;
  mask = prefix == 0 ? 0 : htonl (0xffffffffu << (32 - prefix));
  return (ip.s_addr & mask) == (base.s_addr & mask);
}

/* Looks NAME up in the records of the network at LOCAL for CLIENT: 1 found (address in
 * *IP), 0 not a name of that network, -1 no such network or a client from outside it. */
static int
lookup (struct in_addr local, struct in_addr client, const char *name, struct in_addr *ip)
{
  char path[4096], line[1024], addr[INET_ADDRSTRLEN];
  FILE *f;
  int found = 0, allowed = 0;
  inet_ntop (AF_INET, &local, addr, sizeof addr);
  snprintf (path, sizeof path, "%s/%s", dir, addr);
  f = fopen (path, "re");
  if (f == NULL)
    return -1;
  while (!found && fgets (line, sizeof line, f))
    {
      char *save = NULL, *tok = strtok_r (line, " \t\n", &save);
      if (tok == NULL)
        continue;
      if (strcmp (tok, "subnet") == 0)
        {
          char *cidr = strtok_r (NULL, " \t\n", &save);
          allowed = cidr != NULL && in_subnet (client, cidr);
          continue;
        }
      if (!allowed)
        break;
      if (inet_pton (AF_INET, tok, ip) != 1)
        continue;
      for (char *n = strtok_r (NULL, " \t\n", &save); n; n = strtok_r (NULL, " \t\n", &save))
        if (strcasecmp (n, name) == 0)
          {
            found = 1;
            break;
          }
    }
  fclose (f);
  return allowed ? found : -1;
}

/* Scans the records in PATH: *MEMBER when a record's last name (a container's short id)
 * is ID, and 1 when NAME is a name there (its address in *IP). */
static int
scan_records (const char *path, const char *id, const char *name, int *member, struct in_addr *ip)
{
  char line[1024];
  int found = 0;
  FILE *f = fopen (path, "re");
  *member = 0;
  if (f == NULL)
    return 0;
  while (fgets (line, sizeof line, f))
    {
      char *save = NULL, *tok = strtok_r (line, " \t\n", &save), *last = NULL;
      struct in_addr addr;
      int named = 0;
      if (tok == NULL || strcmp (tok, "subnet") == 0 || inet_pton (AF_INET, tok, &addr) != 1)
        continue;
      for (char *n = strtok_r (NULL, " \t\n", &save); n; n = strtok_r (NULL, " \t\n", &save))
        {
          if (name != NULL && strcasecmp (n, name) == 0)
            named = 1;
          last = n;
        }
      if (last != NULL && strcmp (last, id) == 0)
        *member = 1;
      if (named && !found)
        {
          found = 1;
          *ip = addr;
        }
    }
  fclose (f);
  return found;
}

/* The short id of the container at CLIENT in the records of the network at LOCAL. */
static int
client_id (struct in_addr local, struct in_addr client, char *id, size_t size)
{
  char path[4096], line[1024], addr[INET_ADDRSTRLEN];
  int found = 0;
  FILE *f;
  inet_ntop (AF_INET, &local, addr, sizeof addr);
  snprintf (path, sizeof path, "%s/%s", dir, addr);
  f = fopen (path, "re");
  if (f == NULL)
    return 0;
  while (!found && fgets (line, sizeof line, f))
    {
      char *save = NULL, *tok = strtok_r (line, " \t\n", &save), *last = NULL;
      struct in_addr a;
      if (tok == NULL || inet_pton (AF_INET, tok, &a) != 1 || a.s_addr != client.s_addr)
        continue;
      for (char *n = strtok_r (NULL, " \t\n", &save); n; n = strtok_r (NULL, " \t\n", &save))
        last = n;
      if (last != NULL && strlen (last) < size)
        {
          strcpy (id, last);
          found = 1;
        }
    }
  fclose (f);
  return found;
}

/* NAME in the other networks of the container asking from CLIENT (aardvark-dns answers
 * from every network the asking container is on, whichever server it asked). */
static int
lookup_elsewhere (struct in_addr local, struct in_addr client, const char *name, struct in_addr *ip)
{
  char id[128], path[4096], addr[INET_ADDRSTRLEN];
  struct dirent *e;
  int found = 0;
  DIR *d;
  if (!client_id (local, client, id, sizeof id))
    return 0;
  inet_ntop (AF_INET, &local, addr, sizeof addr);
  d = opendir (dir);
  if (d == NULL)
    return 0;
  while (!found && (e = readdir (d)) != NULL)
    {
      int member = 0;
      if (e->d_name[0] == '.' || strcmp (e->d_name, addr) == 0)
        continue;
      snprintf (path, sizeof path, "%s/%s", dir, e->d_name);
      found = scan_records (path, id, name, &member, ip) && member;
    }
  closedir (d);
  return found;
}

/* Sends M from LOCAL (the address the client asked) to CLIENT. */
static void
reply (int fd, struct in_addr local, const struct sockaddr_in *client, const unsigned char *m, size_t len)
{
  struct iovec iov = { (void *) m, len };
  char cbuf[CMSG_SPACE (sizeof (struct in_pktinfo))];
  struct msghdr mh = { 0 };
  struct cmsghdr *c;
  struct in_pktinfo *pi;
  memset (cbuf, 0, sizeof cbuf);
  mh.msg_name = (void *) client;
  mh.msg_namelen = sizeof *client;
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  c = CMSG_FIRSTHDR (&mh);
  c->cmsg_level = IPPROTO_IP;
  c->cmsg_type = IP_PKTINFO;
  c->cmsg_len = CMSG_LEN (sizeof *pi);
  pi = (struct in_pktinfo *) CMSG_DATA (c);
  pi->ipi_spec_dst = local;
  sendmsg (fd, &mh, 0);
}

/* An answer to the question in Q (QEND bytes: header + question): RCODE, and an A
 * record for IP when IP is not NULL. */
static size_t
answer (unsigned char *out, const unsigned char *q, size_t qend, int rcode, const struct in_addr *ip)
{
  size_t n = qend;
  memcpy (out, q, qend);
  out[2] = (unsigned char) (0x80 | 0x04 | (q[2] & 0x01)); /* QR, AA, RD as asked */
  out[3] = (unsigned char) (0x80 | (rcode & 0x0f));      /* RA */
  out[6] = 0;
  out[7] = ip ? 1 : 0;
  memset (out + 8, 0, 4);
  if (ip)
    {
      static const unsigned char rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, TTL >> 8, TTL & 0xff, 0, 4 };
      memcpy (out + n, rr, sizeof rr);
      n += sizeof rr;
      memcpy (out + n, &ip->s_addr, 4);
      n += 4;
    }
  return n;
}

static int
send_upstream (struct pending *p)
{
  while (p->next_upstream < n_upstream)
    {
      struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons (53), .sin_addr = upstream[p->next_upstream++] };
      if (p->fd >= 0)
        close (p->fd);
      p->fd = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (p->fd < 0)
        return -1;
      if (connect (p->fd, (struct sockaddr *) &to, sizeof to) == 0 && send (p->fd, p->query, p->len, 0) == (ssize_t) p->len)
        {
          p->since = time (NULL);
          return 0;
        }
    }
  return -1;
}

static void
drop (struct pending *p)
{
  if (p->fd >= 0)
    close (p->fd);
  p->fd = -1;
}

static void
handle_query (int fd)
{
  unsigned char m[MSG_MAX], out[MSG_MAX + 16];
  char cbuf[CMSG_SPACE (sizeof (struct in_pktinfo))], name[256];
  struct sockaddr_in client;
  struct iovec iov = { m, sizeof m };
  struct msghdr mh = { 0 };
  struct in_addr local = { 0 }, ip;
  unsigned qtype = 0;
  ssize_t len;
  size_t qend, dot;
  int r;
  mh.msg_name = &client;
  mh.msg_namelen = sizeof client;
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  len = recvmsg (fd, &mh, MSG_DONTWAIT);
  if (len <= 0)
    return;
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&mh); c; c = CMSG_NXTHDR (&mh, c))
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
      local = ((struct in_pktinfo *) CMSG_DATA (c))->ipi_addr;
  qend = parse_question (m, (size_t) len, name, sizeof name, &qtype);
  if (qend == 0)
    return;
  /* "web.dns.podman" is "web" (the search domain tpod writes into resolv.conf). */
  dot = strlen (name);
  if (dot > 11 && strcmp (name + dot - 11, ".dns.podman") == 0)
    name[dot - 11] = '\0';
  r = lookup (local, client.sin_addr, name, &ip);
  if (r == 0 && lookup_elsewhere (local, client.sin_addr, name, &ip))
    r = 1;
  if (r < 0)
    {
      reply (fd, local, &client, out, answer (out, m, qend, 5 /* REFUSED */, NULL));
      return;
    }
  if (r > 0 && (qtype == 1 || qtype == 255))
    {
      reply (fd, local, &client, out, answer (out, m, qend, 0, &ip));
      return;
    }
  if (r > 0)
    {
      /* AAAA (or another type) of a known name: no such record, but the name exists. */
      reply (fd, local, &client, out, answer (out, m, qend, 0, NULL));
      return;
    }
  for (int i = 0; i < MAX_PENDING; i++)
    if (pending[i].fd < 0)
      {
        struct pending *p = &pending[i];
        p->client = client;
        p->local = local;
        memcpy (p->query, m, (size_t) len);
        p->len = (size_t) len;
        p->next_upstream = 0;
        if (send_upstream (p) < 0)
          {
            drop (p);
            reply (fd, local, &client, out, answer (out, m, qend, 2 /* SERVFAIL */, NULL));
          }
        return;
      }
  /* Too many questions in flight: the client asks again. */
}

static void
handle_upstream (int fd, struct pending *p)
{
  unsigned char m[MSG_MAX];
  ssize_t len = recv (p->fd, m, sizeof m, MSG_DONTWAIT);
  if (len < 12 || m[0] != p->query[0] || m[1] != p->query[1])
    return;
  reply (fd, p->local, &p->client, m, (size_t) len);
  drop (p);
}

int
main (int argc, char **argv)
{
  const char *netns = NULL, *pid_file = NULL;
  int fd, one = 1, nsfd;
  struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons (53), .sin_addr = { INADDR_ANY } };
  for (int i = 1; i + 1 < argc; i += 2)
    {
      if (strcmp (argv[i], "--netns") == 0)
        netns = argv[i + 1];
      else if (strcmp (argv[i], "--dir") == 0)
        dir = argv[i + 1];
      else if (strcmp (argv[i], "--pid-file") == 0)
        pid_file = argv[i + 1];
      else if (strcmp (argv[i], "--upstream") == 0 && n_upstream < MAX_UPSTREAM)
        {
          if (inet_pton (AF_INET, argv[i + 1], &upstream[n_upstream]) == 1)
            n_upstream++;
        }
      else
        {
          fprintf (stderr, "tpod-dns: unknown option %s\n", argv[i]);
          return 125;
        }
    }
  if (netns == NULL || dir == NULL || pid_file == NULL)
    {
      fputs ("usage: tpod-dns --netns PATH --dir DIR --pid-file FILE [--upstream IP]...\n", stderr);
      return 125;
    }
  nsfd = open (netns, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0 || setns (nsfd, CLONE_NEWNET) < 0)
    fail ("join the network namespace");
  close (nsfd);
  fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || setsockopt (fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) < 0
      || setsockopt (fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one) < 0
      || bind (fd, (struct sockaddr *) &any, sizeof any) < 0)
    fail ("bind port 53");
  for (int i = 0; i < MAX_PENDING; i++)
    pending[i].fd = -1;

  /* Detach: the caller returns once the pid file names the daemon. */
  {
    pid_t child = fork ();
    char text[32];
    int pf;
    if (child < 0)
      fail ("fork");
    if (child > 0)
      {
        pf = open (pid_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (pf < 0)
          fail ("write the pid file");
        snprintf (text, sizeof text, "%d\n", (int) child);
        if (write (pf, text, strlen (text)) < 0)
          fail ("write the pid file");
        close (pf);
        return 0;
      }
    setsid ();
    {
      int null = open ("/dev/null", O_RDWR);
      if (null >= 0)
        {
          dup2 (null, 0);
          dup2 (null, 1);
          dup2 (null, 2);
          if (null > 2)
            close (null);
        }
    }
    signal (SIGPIPE, SIG_IGN);
  }

  for (;;)
    {
      struct pollfd pfds[1 + MAX_PENDING];
      int idx[1 + MAX_PENDING], n = 1;
      time_t now = time (NULL);
      pfds[0].fd = fd;
      pfds[0].events = POLLIN;
      for (int i = 0; i < MAX_PENDING; i++)
        {
          struct pending *p = &pending[i];
          if (p->fd < 0)
            continue;
          if (now - p->since >= PENDING_TIMEOUT && send_upstream (p) < 0)
            {
              drop (p);
              continue;
            }
          pfds[n].fd = p->fd;
          pfds[n].events = POLLIN;
          idx[n++] = i;
        }
      if (poll (pfds, (nfds_t) n, 1000) < 0)
        {
          if (errno == EINTR)
            continue;
          fail ("poll");
        }
      for (int j = 1; j < n; j++)
        if (pfds[j].revents)
          {
            if (pfds[j].revents & POLLIN)
              handle_upstream (fd, &pending[idx[j]]);
            else
              drop (&pending[idx[j]]);
          }
      if (pfds[0].revents & POLLIN)
        handle_query (fd);
    }
}
