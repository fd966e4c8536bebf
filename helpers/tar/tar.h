/* tpod's tar stream reader and the helpers that use it (untar, retar, mktar).
 *
 * The reader parses one tar stream (ustar, PAX local and global headers, GNU long
 * names and link names, old GNU and PAX 0.0/0.1/1.0 sparse files) from an fd, once.
 * Every byte it consumes is either handed to the `raw` callback (headers, extension
 * data, padding, the end-of-archive blocks and whatever follows them) or given to the
 * caller as an entry's data, so a caller can record exactly what rebuilds the stream
 * (tar-split) from the same parse that extracts it. Sizes of everything held in
 * memory are bounded: extension data at TAR_MAX_META, sparse maps at TAR_MAX_SPARSE. */
#ifndef TPOD_TAR_H
#define TPOD_TAR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TAR_BLOCK 512
/* PAX records and GNU long names: 1 MiB, the bound Go's archive/tar uses. */
#define TAR_MAX_META (1u << 20)
#define TAR_MAX_SPARSE (1u << 20)
#define TAR_MAX_XATTRS 1024

struct tar_xattr
{
  char *name;
  unsigned char *value;
  size_t len;
};

struct tar_sparse
{
  uint64_t offset;
  uint64_t length;
};

enum tar_sparse_kind
{
  TAR_SPARSE_NONE,
  TAR_SPARSE_OLDGNU, /* 'S' entries: the map is in the header blocks */
  TAR_SPARSE_PAX0,   /* GNU.sparse.offset/numbytes pairs or GNU.sparse.map */
  TAR_SPARSE_PAX1,   /* GNU.sparse.major=1: the map leads the entry's data */
};

struct tar_entry
{
  char *name;     /* as the archive names it, after PAX and GNU overrides */
  char *linkname; /* hardlink and symlink targets */
  char type;      /* the typeflag: '0' file, '1' hardlink, '2' symlink, '5' dir... */
  unsigned mode;
  int64_t uid, gid;
  uint64_t size;     /* bytes of data the archive holds for this entry */
  uint64_t realsize; /* a sparse file's length */
  struct timespec mtime, atime;
  int has_atime;
  unsigned devmajor, devminor;
  struct tar_xattr *xattrs;
  size_t nxattrs;
  struct tar_sparse *sparse;
  size_t nsparse;
  enum tar_sparse_kind sparse_kind;
};

typedef void (*tar_raw_fn) (void *ctx, const unsigned char *p, size_t n);

struct tar_kv
{
  char *key;
  unsigned char *value;
  size_t len;
};

struct tar_reader
{
  int fd;
  unsigned char *buf;
  size_t cap, pos, len;
  int eof;
  uint64_t data_left; /* of the current entry */
  uint64_t pad_left;
  int done;
  tar_raw_fn raw;
  void *raw_ctx;
  struct tar_kv *global;
  size_t nglobal;
  struct tar_entry cur;
  char err[600];
};

/* Reads from FD; RAW (may be NULL) receives every byte that is not entry data. */
void tar_reader_init (struct tar_reader *r, int fd, tar_raw_fn raw, void *raw_ctx);

/* The next entry: 1 with *E filled (valid until the next call), 0 at the end of the
 * archive (everything after it has gone to RAW), -1 on a damaged stream (r->err). */
int tar_next (struct tar_reader *r, struct tar_entry **e);

/* Up to the rest of the current entry's data, in place: returns how many bytes *P
 * holds (0 at the end of the data), -1 when the stream ends early (r->err). */
long tar_data (struct tar_reader *r, const unsigned char **p);
/* Marks N bytes returned by tar_data as used. */
void tar_data_consume (struct tar_reader *r, size_t n);
/* Consumes the rest of the entry's data, handing it to RAW. 0 or -1. */
int tar_data_skip_raw (struct tar_reader *r);

/* A PAX 1.0 sparse file's map, read from the front of its data (which then goes to
 * RAW). Fills e->sparse. 0 or -1. */
int tar_read_sparse1_map (struct tar_reader *r, struct tar_entry *e);

/* The archive name made relative and lexically clean ("./a//b/" -> "a/b", "/x" -> "x",
 * "." -> ""), written to OUT (size OUTLEN). Returns 0, -1 when the name climbs out of
 * the root with "..", -2 when it is too long. */
int tar_clean_path (const char *name, char *out, size_t outlen);

/* Writing headers (mktar): one entry's header blocks (PAX extension first when the
 * ustar fields cannot hold it) into *OUT (malloc'd), returning their length. */
size_t tar_encode_header (const struct tar_entry *e, unsigned char **out);

#endif
