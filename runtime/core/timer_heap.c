/*
 * timer_heap.c — the loop's timers: a binary min-heap of handles ordered by
 * (due time, scheduling sequence), so equal deadlines run in FIFO order.
 * Each handle knows its index, which makes cancellation O(log n).
 */
#include <stdlib.h>

#include "internal.h"

static bool before(const corio_handle_t *a, const corio_handle_t *b) {
  return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void place(corio__timer_heap_t *heap, size_t i, corio_handle_t *h) {
  heap->items[i] = h;
  h->heap_index = i;
}

static void sift_up(corio__timer_heap_t *heap, size_t i) {
  corio_handle_t *h = heap->items[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!before(h, heap->items[parent])) break;
    place(heap, i, heap->items[parent]);
    i = parent;
  }
  place(heap, i, h);
}

static void sift_down(corio__timer_heap_t *heap, size_t i) {
  corio_handle_t *h = heap->items[i];
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= heap->len) break;
    if (child + 1 < heap->len &&
        before(heap->items[child + 1], heap->items[child]))
      child++;
    if (!before(heap->items[child], h)) break;
    place(heap, i, heap->items[child]);
    i = child;
  }
  place(heap, i, h);
}

int corio__heap_push(corio__timer_heap_t *heap, corio_handle_t *h) {
  if (heap->len == heap->cap) {
    size_t cap = heap->cap ? heap->cap * 2 : 64;
    corio_handle_t **items = realloc(heap->items, cap * sizeof *items);
    if (items == NULL) return CORIO_ENOMEM;
    heap->items = items;
    heap->cap = cap;
  }
  heap->items[heap->len] = h;
  sift_up(heap, heap->len++);
  return CORIO_OK;
}

corio_handle_t *corio__heap_pop(corio__timer_heap_t *heap) {
  if (heap->len == 0) return NULL;
  corio_handle_t *top = heap->items[0];
  corio__heap_remove(heap, top);
  return top;
}

void corio__heap_remove(corio__timer_heap_t *heap, corio_handle_t *h) {
  size_t i = h->heap_index;
  corio_handle_t *last = heap->items[--heap->len];
  if (i == heap->len) return;
  place(heap, i, last);
  if (i > 0 && before(last, heap->items[(i - 1) / 2]))
    sift_up(heap, i);
  else
    sift_down(heap, i);
}

void corio__heap_free(corio__timer_heap_t *heap) {
  free(heap->items);
  heap->items = NULL;
  heap->len = heap->cap = 0;
}
