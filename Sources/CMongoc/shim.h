#ifndef CMONGOC_SHIM_H
#define CMONGOC_SHIM_H
#include <mongoc/mongoc.h>

/*
 * bson_t and bson_iter_t are declared 128-byte aligned, which Swift cannot import: their pointers
 * come through as OpaquePointer. Callers that need storage for one (a reply, an iterator, a child
 * document) allocate these many bytes at this alignment.
 */
static inline size_t cmongoc_bson_size(void) { return sizeof(bson_t); }
static inline size_t cmongoc_bson_iter_size(void) { return sizeof(bson_iter_t); }
static inline size_t cmongoc_bson_alignment(void) { return 128; }

_Static_assert(_Alignof(bson_t) <= 128, "bson_t alignment");
_Static_assert(_Alignof(bson_iter_t) <= 128, "bson_iter_t alignment");

#endif
