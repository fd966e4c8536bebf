/* tar-split records: what rebuilds a layer's tar byte for byte from its extracted
 * directory. The stream starts with the 8-byte magic "tpsplit1", then records:
 *   'r' u32le LEN, LEN bytes      raw bytes of the tar (headers, padding, ...)
 *   'f' u64le SIZE u32le LEN PATH the first SIZE bytes of the layer file PATH
 * PATH is relative to the layer root, as the extraction resolved the entry's name. */
#ifndef TPOD_TAR_SPLIT_H
#define TPOD_TAR_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#define SPLIT_MAGIC "tpsplit1"
#define SPLIT_RAW_MAX (1u << 16)

struct split_writer
{
  int fd; /* -1: records are dropped */
  unsigned char raw[SPLIT_RAW_MAX];
  size_t rawlen;
  /* Records go out in big writes, not a few small ones per entry. */
  unsigned char out[4 * SPLIT_RAW_MAX];
  size_t outlen;
};

void split_init (struct split_writer *w, int fd);
/* A tar_raw_fn: raw bytes, merged into as few records as possible. */
void split_raw (void *w, const unsigned char *p, size_t n);
void split_file (struct split_writer *w, uint64_t size, const char *path);
void split_finish (struct split_writer *w);

#endif
