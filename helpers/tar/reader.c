/* The tar stream reader (see tar.h): one parse of each header, bounded memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tar.h"

#define BUF_SIZE (1u << 20)

static void *
xrealloc (void *p, size_t n)
{
  void *q = realloc (p, n ? n : 1);
  if (q == NULL)
    {
      fputs ("tpod-helper: out of memory\n", stderr);
      exit (125);
    }
  return q;
}

static char *
xstrndup (const char *s, size_t n)
{
  char *d = xrealloc (NULL, n + 1);
  memcpy (d, s, n);
  d[n] = '\0';
  return d;
}

static int
fail (struct tar_reader *r, const char *msg)
{
  snprintf (r->err, sizeof r->err, "%s", msg);
  return -1;
}

void
tar_reader_init (struct tar_reader *r, int fd, tar_raw_fn raw, void *raw_ctx)
{
  memset (r, 0, sizeof *r);
  r->fd = fd;
  r->cap = BUF_SIZE;
  r->buf = xrealloc (NULL, r->cap);
  r->raw = raw;
  r->raw_ctx = raw_ctx;
}

/* Makes at least NEED bytes available (fewer only at EOF). Returns what is there. */
static size_t
fill (struct tar_reader *r, size_t need)
{
  if (r->len - r->pos >= need || r->eof)
    return r->len - r->pos;
  if (r->pos > 0)
    {
      memmove (r->buf, r->buf + r->pos, r->len - r->pos);
      r->len -= r->pos;
      r->pos = 0;
    }
  while (r->len < need && !r->eof)
    {
      ssize_t n = read (r->fd, r->buf + r->len, r->cap - r->len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          fprintf (stderr, "tpod-helper: reading the archive: %s\n", strerror (errno));
          exit (125);
        }
      if (n == 0)
        r->eof = 1;
      r->len += (size_t) n;
    }
  return r->len - r->pos;
}

static void
take_raw (struct tar_reader *r, size_t n)
{
  if (r->raw != NULL && n > 0)
    r->raw (r->raw_ctx, r->buf + r->pos, n);
  r->pos += n;
}

/* Consumes N bytes (may exceed the buffer) as raw; -1 when the stream ends first. */
static int
skip_raw (struct tar_reader *r, uint64_t n)
{
  while (n > 0)
    {
      size_t have = fill (r, 1);
      size_t step;
      if (have == 0)
        return -1;
      step = have < n ? have : (size_t) n;
      take_raw (r, step);
      n -= step;
    }
  return 0;
}

/* Reads N bytes (N <= TAR_MAX_META + a block) as raw into a malloc'd buffer. */
static unsigned char *
read_meta (struct tar_reader *r, uint64_t n)
{
  unsigned char *out = xrealloc (NULL, (size_t) n + 1);
  size_t got = 0;
  while (got < n)
    {
      size_t have = fill (r, 1), step;
      if (have == 0)
        {
          free (out);
          return NULL;
        }
      step = have < n - got ? have : (size_t) (n - got);
      memcpy (out + got, r->buf + r->pos, step);
      take_raw (r, step);
      got += step;
    }
  out[n] = 0;
  return out;
}

static uint64_t
pad_of (uint64_t size)
{
  return (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
}

/* A numeric field: octal text, or base-256 when the top bit of the first byte is set.
 * Sets *OK to 0 on garbage or overflow. */
static int64_t
number (const unsigned char *p, size_t len, int *ok)
{
  size_t i = 0;
  uint64_t v = 0;
  if (p[0] & 0x80)
    {
      int negative = p[0] == 0xff;
      if (negative)
        {
          *ok = 0;
          return 0;
        }
      v = p[0] & 0x7f;
      for (i = 1; i < len; i++)
        {
          if (v > (UINT64_MAX >> 8))
            {
              *ok = 0;
              return 0;
            }
          v = (v << 8) | p[i];
        }
      if (v > INT64_MAX)
        *ok = 0;
      return (int64_t) v;
    }
  while (i < len && (p[i] == ' ' || p[i] == 0))
    i++;
  for (; i < len && p[i] >= '0' && p[i] <= '7'; i++)
    {
      if (v > (UINT64_MAX >> 3))
        {
          *ok = 0;
          return 0;
        }
      v = (v << 3) | (uint64_t) (p[i] - '0');
    }
  for (; i < len; i++)
    if (p[i] != ' ' && p[i] != 0)
      *ok = 0;
  if (v > INT64_MAX)
    *ok = 0;
  return (int64_t) v;
}

static int
checksum_ok (const unsigned char *h)
{
  unsigned long usum = 0;
  long ssum = 0;
  int ok = 1, i;
  int64_t want = number (h + 148, 8, &ok);
  for (i = 0; i < TAR_BLOCK; i++)
    {
      unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];
      usum += c;
      ssum += (signed char) c;
    }
  return ok && (want == (int64_t) usum || want == (int64_t) ssum);
}

static int
all_zero (const unsigned char *p, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    if (p[i])
      return 0;
  return 1;
}

/* A decimal (u)int from PAX text; 0 or -1. */
static int
parse_dec (const unsigned char *s, size_t len, uint64_t *out)
{
  uint64_t v = 0;
  size_t i;
  if (len == 0 || len > 20)
    return -1;
  for (i = 0; i < len; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return -1;
      if (v > (UINT64_MAX - 9) / 10)
        return -1;
      v = v * 10 + (uint64_t) (s[i] - '0');
    }
  *out = v;
  return 0;
}

/* "SECONDS[.FRACTION]", possibly negative. */
static int
parse_time (const unsigned char *s, size_t len, struct timespec *ts)
{
  size_t i = 0, dot;
  int neg = 0;
  uint64_t sec;
  long nsec = 0;
  if (len > 0 && s[0] == '-')
    {
      neg = 1;
      i = 1;
    }
  for (dot = i; dot < len && s[dot] != '.'; dot++)
    ;
  if (parse_dec (s + i, dot - i, &sec) < 0 || sec > (uint64_t) INT64_MAX / 2)
    return -1;
  if (dot < len)
    {
      size_t j, digits = 0;
      for (j = dot + 1; j < len; j++)
        {
          if (s[j] < '0' || s[j] > '9')
            return -1;
          if (digits < 9)
            {
              nsec = nsec * 10 + (s[j] - '0');
              digits++;
            }
        }
      for (; digits < 9; digits++)
        nsec *= 10;
    }
  if (neg)
    {
      ts->tv_sec = -(time_t) sec;
      if (nsec > 0)
        {
          ts->tv_sec--;
          nsec = 1000000000L - nsec;
        }
    }
  else
    ts->tv_sec = (time_t) sec;
  ts->tv_nsec = nsec;
  return 0;
}

static void
entry_reset (struct tar_entry *e)
{
  size_t i;
  free (e->name);
  free (e->linkname);
  for (i = 0; i < e->nxattrs; i++)
    {
      free (e->xattrs[i].name);
      free (e->xattrs[i].value);
    }
  free (e->xattrs);
  free (e->sparse);
  memset (e, 0, sizeof *e);
}

static void
set_str (char **dst, const unsigned char *v, size_t len)
{
  free (*dst);
  *dst = xstrndup ((const char *) v, len);
}

static int
add_xattr (struct tar_reader *r, struct tar_entry *e, char *name, unsigned char *value, size_t len)
{
  size_t i;
  for (i = 0; i < e->nxattrs; i++)
    if (strcmp (e->xattrs[i].name, name) == 0)
      {
        free (e->xattrs[i].name);
        free (e->xattrs[i].value);
        e->xattrs[i].name = name;
        e->xattrs[i].value = value;
        e->xattrs[i].len = len;
        return 0;
      }
  if (e->nxattrs >= TAR_MAX_XATTRS)
    {
      free (name);
      free (value);
      return fail (r, "an entry has too many extended attributes");
    }
  e->xattrs = xrealloc (e->xattrs, (e->nxattrs + 1) * sizeof *e->xattrs);
  e->xattrs[e->nxattrs].name = name;
  e->xattrs[e->nxattrs].value = value;
  e->xattrs[e->nxattrs].len = len;
  e->nxattrs++;
  return 0;
}

static int
add_sparse (struct tar_reader *r, struct tar_entry *e, uint64_t offset, uint64_t length)
{
  if (e->nsparse >= TAR_MAX_SPARSE)
    return fail (r, "a sparse file has too many segments");
  if (e->nsparse % 64 == 0)
    e->sparse = xrealloc (e->sparse, (e->nsparse + 64) * sizeof *e->sparse);
  e->sparse[e->nsparse].offset = offset;
  e->sparse[e->nsparse].length = length;
  e->nsparse++;
  return 0;
}

static int
hexval (int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static int
b64val (int c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

/* libarchive's xattr records: the name %-encoded, the value base64. */
static int
libarchive_xattr (struct tar_reader *r, struct tar_entry *e, const char *enc, const unsigned char *v, size_t len)
{
  size_t n = strlen (enc), i, o = 0, bits = 0;
  char *name = xrealloc (NULL, n + 1);
  unsigned char *val = xrealloc (NULL, len);
  uint32_t acc = 0;
  for (i = 0; i < n; i++)
    {
      if (enc[i] == '%' && i + 2 < n + 0 && hexval (enc[i + 1]) >= 0 && hexval (enc[i + 2]) >= 0)
        {
          name[o++] = (char) (hexval (enc[i + 1]) * 16 + hexval (enc[i + 2]));
          i += 2;
        }
      else
        name[o++] = enc[i];
    }
  name[o] = '\0';
  o = 0;
  for (i = 0; i < len; i++)
    {
      int d = b64val (v[i]);
      if (d < 0)
        continue;
      acc = (acc << 6) | (uint32_t) d;
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          val[o++] = (unsigned char) (acc >> bits);
        }
    }
  return add_xattr (r, e, name, val, o);
}

/* Applies one PAX record to E. */
static int
apply_pax (struct tar_reader *r, struct tar_entry *e, const char *key, const unsigned char *v, size_t len)
{
  uint64_t n;
  if (strcmp (key, "path") == 0)
    set_str (&e->name, v, len);
  else if (strcmp (key, "linkpath") == 0)
    set_str (&e->linkname, v, len);
  else if (strcmp (key, "size") == 0)
    {
      if (parse_dec (v, len, &n) < 0 || n > (uint64_t) INT64_MAX)
        return fail (r, "a PAX header has a bad size");
      e->size = n;
    }
  else if (strcmp (key, "uid") == 0 || strcmp (key, "gid") == 0)
    {
      if (parse_dec (v, len, &n) < 0 || n > UINT32_MAX)
        return fail (r, "a PAX header has a bad uid or gid");
      if (key[0] == 'u')
        e->uid = (int64_t) n;
      else
        e->gid = (int64_t) n;
    }
  else if (strcmp (key, "mtime") == 0)
    {
      if (parse_time (v, len, &e->mtime) < 0)
        return fail (r, "a PAX header has a bad mtime");
    }
  else if (strcmp (key, "atime") == 0)
    {
      if (parse_time (v, len, &e->atime) == 0)
        e->has_atime = 1;
    }
  else if (strncmp (key, "SCHILY.xattr.", 13) == 0 && key[13] != '\0')
    {
      unsigned char *val = xrealloc (NULL, len);
      memcpy (val, v, len);
      return add_xattr (r, e, strdup (key + 13), val, len);
    }
  else if (strncmp (key, "LIBARCHIVE.xattr.", 17) == 0 && key[17] != '\0')
    return libarchive_xattr (r, e, key + 17, v, len);
  else if (strcmp (key, "SCHILY.devmajor") == 0 && parse_dec (v, len, &n) == 0)
    e->devmajor = (unsigned) n;
  else if (strcmp (key, "SCHILY.devminor") == 0 && parse_dec (v, len, &n) == 0)
    e->devminor = (unsigned) n;
  else if (strcmp (key, "GNU.sparse.name") == 0)
    set_str (&e->name, v, len); /* wins over path: the header names a stand-in */
  else if (strcmp (key, "GNU.sparse.size") == 0 || strcmp (key, "GNU.sparse.realsize") == 0)
    {
      if (parse_dec (v, len, &n) < 0 || n > (uint64_t) INT64_MAX)
        return fail (r, "a PAX header has a bad sparse size");
      e->realsize = n;
      if (e->sparse_kind == TAR_SPARSE_NONE)
        e->sparse_kind = TAR_SPARSE_PAX0;
    }
  else if (strcmp (key, "GNU.sparse.major") == 0)
    {
      if (len == 1 && v[0] == '1')
        e->sparse_kind = TAR_SPARSE_PAX1;
    }
  else if (strcmp (key, "GNU.sparse.offset") == 0)
    {
      if (parse_dec (v, len, &n) < 0)
        return fail (r, "a PAX header has a bad sparse offset");
      e->sparse_kind = TAR_SPARSE_PAX0;
      return add_sparse (r, e, n, 0);
    }
  else if (strcmp (key, "GNU.sparse.numbytes") == 0)
    {
      if (parse_dec (v, len, &n) < 0 || e->nsparse == 0)
        return fail (r, "a PAX header has a bad sparse length");
      e->sparse[e->nsparse - 1].length = n;
    }
  else if (strcmp (key, "GNU.sparse.map") == 0)
    {
      size_t i = 0, start;
      uint64_t pair[2];
      int k = 0;
      e->sparse_kind = TAR_SPARSE_PAX0;
      while (i <= len)
        {
          start = i;
          while (i < len && v[i] != ',')
            i++;
          if (parse_dec (v + start, i - start, &pair[k]) < 0)
            return fail (r, "a PAX header has a bad sparse map");
          if (++k == 2)
            {
              if (add_sparse (r, e, pair[0], pair[1]) < 0)
                return -1;
              k = 0;
            }
          i++;
        }
      if (k != 0)
        return fail (r, "a PAX header has a bad sparse map");
    }
  return 0;
}

/* Parses "LEN key=value\n" records. GLOBAL: kept for every later entry. */
static int
parse_pax (struct tar_reader *r, const unsigned char *data, size_t size, int global, struct tar_kv **local, size_t *nlocal)
{
  size_t pos = 0;
  while (pos < size)
    {
      size_t sp = pos, len = 0, eq;
      const unsigned char *rec;
      struct tar_kv kv;
      if (data[pos] == 0)
        break; /* padding some writers leave */
      while (sp < size && data[sp] >= '0' && data[sp] <= '9' && sp - pos < 10)
        len = len * 10 + (size_t) (data[sp++] - '0');
      if (sp >= size || data[sp] != ' ' || len <= sp - pos + 1 || len > size - pos || data[pos + len - 1] != '\n')
        return fail (r, "a PAX header is malformed");
      rec = data + sp + 1;
      for (eq = 0; rec + eq < data + pos + len - 1 && rec[eq] != '='; eq++)
        ;
      if (rec + eq >= data + pos + len - 1 || eq == 0)
        return fail (r, "a PAX record has no key");
      kv.key = xstrndup ((const char *) rec, eq);
      kv.len = (size_t) ((data + pos + len - 1) - (rec + eq + 1));
      kv.value = xrealloc (NULL, kv.len + 1);
      memcpy (kv.value, rec + eq + 1, kv.len);
      kv.value[kv.len] = 0;
      if (global)
        {
          r->global = xrealloc (r->global, (r->nglobal + 1) * sizeof *r->global);
          r->global[r->nglobal++] = kv;
          if (r->nglobal > 4096)
            return fail (r, "too many global PAX records");
        }
      else
        {
          *local = xrealloc (*local, (*nlocal + 1) * sizeof **local);
          (*local)[(*nlocal)++] = kv;
          if (*nlocal > 65536 + 2 * TAR_MAX_SPARSE)
            return fail (r, "too many PAX records");
        }
      pos += len;
    }
  return 0;
}

static void
free_kvs (struct tar_kv *kv, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    {
      free (kv[i].key);
      free (kv[i].value);
    }
  free (kv);
}

/* Old GNU sparse: 4 map entries in the header, 21 per extension block. */
static int
oldgnu_sparse (struct tar_reader *r, struct tar_entry *e, const unsigned char *h)
{
  int i, ok = 1, extended;
  unsigned char ext[TAR_BLOCK];
  for (i = 0; i < 4; i++)
    {
      const unsigned char *p = h + 386 + i * 24;
      if (p[0] == 0)
        break;
      if (add_sparse (r, e, (uint64_t) number (p, 12, &ok), (uint64_t) number (p + 12, 12, &ok)) < 0)
        return -1;
    }
  extended = h[482];
  e->realsize = (uint64_t) number (h + 483, 12, &ok);
  while (extended)
    {
      if (fill (r, TAR_BLOCK) < TAR_BLOCK)
        return fail (r, "unexpected end of archive in a sparse map");
      memcpy (ext, r->buf + r->pos, TAR_BLOCK);
      take_raw (r, TAR_BLOCK);
      for (i = 0; i < 21; i++)
        {
          const unsigned char *p = ext + i * 24;
          if (p[0] == 0)
            break;
          if (add_sparse (r, e, (uint64_t) number (p, 12, &ok), (uint64_t) number (p + 12, 12, &ok)) < 0)
            return -1;
        }
      extended = ext[504];
    }
  if (!ok)
    return fail (r, "a sparse map has a bad number");
  e->sparse_kind = TAR_SPARSE_OLDGNU;
  return 0;
}

/* Finishes whatever the caller left of the previous entry. */
static int
finish_entry (struct tar_reader *r)
{
  if (skip_raw (r, r->data_left) < 0)
    return fail (r, "unexpected end of archive inside an entry's data");
  r->data_left = 0;
  if (skip_raw (r, r->pad_left) < 0)
    return fail (r, "unexpected end of archive inside padding");
  r->pad_left = 0;
  return 0;
}

static int
at_end (struct tar_reader *r)
{
  /* Everything after the end-of-archive blocks belongs to the stream (its digest). */
  while (fill (r, 1) > 0)
    take_raw (r, r->len - r->pos);
  r->done = 1;
  return 0;
}

int
tar_next (struct tar_reader *r, struct tar_entry **out)
{
  struct tar_entry *e = &r->cur;
  struct tar_kv *local = NULL;
  size_t nlocal = 0, i;
  char *longname = NULL, *longlink = NULL;
  int zero_blocks = 0, rc = -1;

  if (r->done)
    return 0;
  if (finish_entry (r) < 0)
    return -1;
  entry_reset (e);
  for (;;)
    {
      unsigned char h[TAR_BLOCK];
      size_t have = fill (r, TAR_BLOCK);
      int ok = 1;
      char type;
      uint64_t size;

      if (have < TAR_BLOCK)
        {
          /* An empty stream, or zeros cut short, is an empty archive. */
          if (all_zero (r->buf + r->pos, have) && longname == NULL && longlink == NULL && nlocal == 0)
            {
              take_raw (r, have);
              rc = at_end (r);
              goto out;
            }
          fail (r, "unexpected end of archive");
          goto out;
        }
      memcpy (h, r->buf + r->pos, TAR_BLOCK);
      take_raw (r, TAR_BLOCK);
      if (all_zero (h, TAR_BLOCK))
        {
          if (++zero_blocks >= 2 || fill (r, 1) == 0)
            {
              rc = at_end (r);
              goto out;
            }
          continue;
        }
      if (zero_blocks > 0)
        {
          fail (r, "a header follows a single end-of-archive block");
          goto out;
        }
      if (!checksum_ok (h))
        {
          fail (r, "a header has a bad checksum (not a tar stream, or a damaged one)");
          goto out;
        }
      type = (char) h[156];
      size = (uint64_t) number (h + 124, 12, &ok);
      if (!ok)
        {
          fail (r, "a header has a bad size");
          goto out;
        }
      if (type == 'x' || type == 'g' || type == 'L' || type == 'K')
        {
          unsigned char *data;
          if (size > TAR_MAX_META)
            {
              fail (r, type == 'L' || type == 'K' ? "a GNU long name is larger than 1 MiB" : "a PAX header is larger than 1 MiB");
              goto out;
            }
          data = read_meta (r, size);
          if (data == NULL || skip_raw (r, pad_of (size)) < 0)
            {
              free (data);
              fail (r, "unexpected end of archive in an extended header");
              goto out;
            }
          if (type == 'L' || type == 'K')
            {
              char **dst = type == 'L' ? &longname : &longlink;
              free (*dst);
              *dst = xstrndup ((const char *) data, strnlen ((const char *) data, (size_t) size));
              free (data);
            }
          else
            {
              int prc = parse_pax (r, data, (size_t) size, type == 'g', &local, &nlocal);
              free (data);
              if (prc < 0)
                goto out;
            }
          continue;
        }

      /* A real entry: the ustar fields, then global PAX, local PAX, GNU long names. */
      e->type = type;
      {
        size_t nlen = strnlen ((const char *) h, 100);
        int posix = memcmp (h + 257, "ustar\0", 6) == 0;
        size_t plen = posix ? strnlen ((const char *) h + 345, 155) : 0;
        e->name = xrealloc (NULL, plen + nlen + 2);
        if (plen > 0)
          {
            memcpy (e->name, h + 345, plen);
            e->name[plen] = '/';
            memcpy (e->name + plen + 1, h, nlen);
            e->name[plen + 1 + nlen] = '\0';
          }
        else
          {
            memcpy (e->name, h, nlen);
            e->name[nlen] = '\0';
          }
        e->linkname = xstrndup ((const char *) h + 157, strnlen ((const char *) h + 157, 100));
      }
      e->mode = (unsigned) number (h + 100, 8, &ok) & 07777;
      e->uid = number (h + 108, 8, &ok);
      e->gid = number (h + 116, 8, &ok);
      e->size = size;
      e->mtime.tv_sec = (time_t) number (h + 136, 12, &ok);
      e->devmajor = (unsigned) number (h + 329, 8, &ok);
      e->devminor = (unsigned) number (h + 337, 8, &ok);
      if (!ok && type != '3' && type != '4')
        {
          /* Device numbers of non-devices are often junk; anything else is not. */
          ok = 1;
          e->mode = (unsigned) number (h + 100, 8, &ok) & 07777;
          e->uid = number (h + 108, 8, &ok);
          e->gid = number (h + 116, 8, &ok);
          e->mtime.tv_sec = (time_t) number (h + 136, 12, &ok);
          if (!ok)
            {
              fail (r, "a header has a bad number field");
              goto out;
            }
        }
      for (i = 0; i < r->nglobal; i++)
        if (apply_pax (r, e, r->global[i].key, r->global[i].value, r->global[i].len) < 0)
          goto out;
      for (i = 0; i < nlocal; i++)
        if (apply_pax (r, e, local[i].key, local[i].value, local[i].len) < 0)
          goto out;
      if (longname)
        {
          free (e->name);
          e->name = longname;
          longname = NULL;
        }
      if (longlink)
        {
          free (e->linkname);
          e->linkname = longlink;
          longlink = NULL;
        }
      if (type == 'S' && oldgnu_sparse (r, e, h) < 0)
        goto out;
      /* Header-only types have no data, whatever the size field says (as Go's reader). */
      if (type == '1' || type == '2' || type == '3' || type == '4' || type == '5' || type == '6')
        e->size = 0;
      if (e->sparse_kind == TAR_SPARSE_NONE)
        e->realsize = e->size;
      r->data_left = e->size;
      r->pad_left = pad_of (e->size);
      *out = e;
      rc = 1;
      goto out;
    }
out:
  free (longname);
  free (longlink);
  free_kvs (local, nlocal);
  return rc;
}

long
tar_data (struct tar_reader *r, const unsigned char **p)
{
  size_t have;
  if (r->data_left == 0)
    return 0;
  have = fill (r, 1);
  if (have == 0)
    return fail (r, "unexpected end of archive inside an entry's data");
  if (have > r->data_left)
    have = (size_t) r->data_left;
  *p = r->buf + r->pos;
  return (long) have;
}

void
tar_data_consume (struct tar_reader *r, size_t n)
{
  r->pos += n;
  r->data_left -= n;
}

int
tar_data_skip_raw (struct tar_reader *r)
{
  if (skip_raw (r, r->data_left) < 0)
    return fail (r, "unexpected end of archive inside an entry's data");
  r->data_left = 0;
  return 0;
}

/* One newline-terminated decimal number from the data, as raw. */
static int
sparse1_number (struct tar_reader *r, uint64_t *v, uint64_t *used)
{
  unsigned char digits[24];
  size_t n = 0;
  for (;;)
    {
      const unsigned char *p;
      long have = tar_data (r, &p);
      if (have <= 0)
        return fail (r, "a sparse map is cut short");
      if (r->raw)
        r->raw (r->raw_ctx, p, 1);
      tar_data_consume (r, 1);
      (*used)++;
      if (p[0] == '\n')
        break;
      if (n >= sizeof digits)
        return fail (r, "a sparse map has a number too long");
      digits[n++] = p[0];
    }
  if (parse_dec (digits, n, v) < 0)
    return fail (r, "a sparse map has a bad number");
  return 0;
}

int
tar_read_sparse1_map (struct tar_reader *r, struct tar_entry *e)
{
  uint64_t count, i, used = 0, off, len;
  if (sparse1_number (r, &count, &used) < 0)
    return -1;
  if (count > TAR_MAX_SPARSE)
    return fail (r, "a sparse file has too many segments");
  for (i = 0; i < count; i++)
    {
      if (sparse1_number (r, &off, &used) < 0 || sparse1_number (r, &len, &used) < 0)
        return -1;
      if (add_sparse (r, e, off, len) < 0)
        return -1;
    }
  /* The map is padded to a whole block, within the entry's data. */
  for (used = pad_of (used); used > 0; used--)
    {
      const unsigned char *p;
      if (tar_data (r, &p) <= 0)
        return fail (r, "a sparse map is cut short");
      if (r->raw)
        r->raw (r->raw_ctx, p, 1);
      tar_data_consume (r, 1);
    }
  return 0;
}

int
tar_clean_path (const char *name, char *out, size_t outlen)
{
  size_t o = 0;
  const char *p = name;
  while (*p)
    {
      const char *s;
      size_t n;
      while (*p == '/')
        p++;
      s = p;
      while (*p && *p != '/')
        p++;
      n = (size_t) (p - s);
      if (n == 0 || (n == 1 && s[0] == '.'))
        continue;
      if (n == 2 && s[0] == '.' && s[1] == '.')
        {
          if (o == 0)
            return -1;
          while (o > 0 && out[o - 1] != '/')
            o--;
          if (o > 0)
            o--;
          continue;
        }
      if (o + (o > 0) + n + 1 > outlen)
        return -2;
      if (o > 0)
        out[o++] = '/';
      memcpy (out + o, s, n);
      o += n;
    }
  out[o] = '\0';
  return 0;
}
