/* Tar headers for mktar: ustar, with a PAX extended header first for whatever ustar
 * cannot hold (long or non-ASCII names and link targets, large numbers, xattrs). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util.h"
#include "tar.h"

struct buf
{
  unsigned char *p;
  size_t len, cap;
};

static void
add (struct buf *b, const void *p, size_t n)
{
  if (b->len + n > b->cap)
    {
      b->cap = (b->len + n) * 2 + 1024;
      b->p = realloc (b->p, b->cap);
      if (b->p == NULL)
        die ("out of memory");
    }
  memcpy (b->p + b->len, p, n);
  b->len += n;
}

/* "LEN key=value\n", where LEN counts its own digits. */
static void
pax_record (struct buf *b, const char *key, const void *value, size_t vlen)
{
  char head[32];
  size_t body = 1 + strlen (key) + 1 + vlen + 1, len = body + 1, digits;
  for (;;)
    {
      digits = (size_t) snprintf (head, sizeof head, "%zu", len);
      if (digits + body == len)
        break;
      len = digits + body;
    }
  add (b, head, digits);
  add (b, " ", 1);
  add (b, key, strlen (key));
  add (b, "=", 1);
  add (b, value, vlen);
  add (b, "\n", 1);
}

static int
ascii (const char *s)
{
  for (; *s; s++)
    if ((unsigned char) *s < 0x20 || (unsigned char) *s > 0x7e)
      return 0;
  return 1;
}

/* An octal field of WIDTH bytes (NUL-terminated); 0 when N does not fit. */
static int
octal (unsigned char *f, size_t width, unsigned long long n)
{
  char tmp[32];
  if (n >= (1ULL << (3 * (width - 1))))
    return 0;
  snprintf (tmp, sizeof tmp, "%0*llo", (int) (width - 1), n);
  memcpy (f, tmp, width - 1);
  f[width - 1] = 0;
  return 1;
}

static void
block (struct buf *b, const char *name, const char *prefix, char type, unsigned mode, long long uid, long long gid, unsigned long long size,
       long long mtime, const char *linkname, unsigned devmajor, unsigned devminor)
{
  unsigned char h[TAR_BLOCK];
  unsigned sum = 0;
  int i;
  memset (h, 0, sizeof h);
  memcpy (h, name, strnlen (name, 100));
  octal (h + 100, 8, mode);
  if (!octal (h + 108, 8, (unsigned long long) (uid < 0 ? 0 : uid)))
    octal (h + 108, 8, 0);
  if (!octal (h + 116, 8, (unsigned long long) (gid < 0 ? 0 : gid)))
    octal (h + 116, 8, 0);
  if (!octal (h + 124, 12, size))
    octal (h + 124, 12, 0);
  if (mtime < 0 || !octal (h + 136, 12, (unsigned long long) mtime))
    octal (h + 136, 12, 0);
  h[156] = (unsigned char) type;
  if (linkname)
    memcpy (h + 157, linkname, strnlen (linkname, 100));
  memcpy (h + 257, "ustar\0" "00", 8);
  if (type == '3' || type == '4')
    {
      octal (h + 329, 8, devmajor);
      octal (h + 337, 8, devminor);
    }
  if (prefix)
    memcpy (h + 345, prefix, strnlen (prefix, 155));
  memset (h + 148, ' ', 8);
  for (i = 0; i < TAR_BLOCK; i++)
    sum += h[i];
  snprintf ((char *) h + 148, 8, "%06o", sum);
  h[155] = ' ';
  add (b, h, TAR_BLOCK);
}

size_t
tar_encode_header (const struct tar_entry *e, unsigned char **outp)
{
  struct buf pax = { 0 }, b = { 0 };
  char num[32], prefix[156] = "", name[101] = "";
  const char *link = e->linkname;
  size_t nlen = strlen (e->name), i;
  int split = 0;

  if (ascii (e->name) && nlen > 100)
    {
      /* ustar's prefix: up to 155 bytes before a slash, up to 100 after it. */
      for (i = nlen - 1; i > 0; i--)
        if (e->name[i] == '/' && i <= 155 && nlen - i - 1 <= 100 && nlen - i - 1 > 0)
          {
            memcpy (prefix, e->name, i);
            prefix[i] = '\0';
            snprintf (name, sizeof name, "%s", e->name + i + 1);
            split = 1;
            break;
          }
    }
  if (!ascii (e->name) || (nlen > 100 && !split))
    pax_record (&pax, "path", e->name, nlen);
  if (!split)
    snprintf (name, sizeof name, "%s", e->name);
  if (link && (strlen (link) > 100 || !ascii (link)))
    pax_record (&pax, "linkpath", link, strlen (link));
  if (e->size >= (1ULL << 33))
    pax_record (&pax, "size", num, (size_t) snprintf (num, sizeof num, "%llu", (unsigned long long) e->size));
  if (e->uid < 0 || e->uid >= (1LL << 21))
    pax_record (&pax, "uid", num, (size_t) snprintf (num, sizeof num, "%lld", (long long) e->uid));
  if (e->gid < 0 || e->gid >= (1LL << 21))
    pax_record (&pax, "gid", num, (size_t) snprintf (num, sizeof num, "%lld", (long long) e->gid));
  if (e->mtime.tv_sec < 0 || (unsigned long long) e->mtime.tv_sec >= (1ULL << 33))
    pax_record (&pax, "mtime", num, (size_t) snprintf (num, sizeof num, "%lld", (long long) e->mtime.tv_sec));
  for (i = 0; i < e->nxattrs; i++)
    {
      char key[512];
      snprintf (key, sizeof key, "SCHILY.xattr.%s", e->xattrs[i].name);
      pax_record (&pax, key, e->xattrs[i].value, e->xattrs[i].len);
    }
  if (pax.len > 0)
    {
      static const unsigned char zeros[TAR_BLOCK];
      char pname[101];
      const char *base = strrchr (e->name, '/');
      snprintf (pname, sizeof pname, "PaxHeaders/%s", base && base[1] ? base + 1 : e->name);
      for (i = 0; pname[i]; i++)
        if ((unsigned char) pname[i] > 0x7e || (unsigned char) pname[i] < 0x20)
          pname[i] = '_';
      block (&b, pname, NULL, 'x', 0644, 0, 0, pax.len, e->mtime.tv_sec, NULL, 0, 0);
      add (&b, pax.p, pax.len);
      if (pax.len % TAR_BLOCK)
        add (&b, zeros, TAR_BLOCK - pax.len % TAR_BLOCK);
    }
  block (&b, name, split ? prefix : NULL, e->type, e->mode, e->uid, e->gid, e->size, e->mtime.tv_sec, link, e->devmajor, e->devminor);
  free (pax.p);
  *outp = b.p;
  return b.len;
}
