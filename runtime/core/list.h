/*
 * list.h — the core's intrusive doubly linked lists: a list is a head and a
 * tail pointer, an element has `prev` and `next` fields. Used by the ready
 * queue, the loop's tasks and the wait lists of the sync primitives and
 * queues (corio__waiter_unlink, internal.h). Macros, so that one definition
 * serves every element type.
 */
#ifndef CORIO_CORE_LIST_H
#define CORIO_CORE_LIST_H

#define CORIO__LIST_APPEND(head, tail, node)                                   \
  do {                                                                         \
    (node)->next = NULL;                                                       \
    (node)->prev = (tail);                                                     \
    if (tail)                                                                  \
      (tail)->next = (node);                                                   \
    else                                                                       \
      (head) = (node);                                                         \
    (tail) = (node);                                                           \
  } while (0)

#define CORIO__LIST_UNLINK(head, tail, node)                                   \
  do {                                                                         \
    if ((node)->prev)                                                          \
      (node)->prev->next = (node)->next;                                       \
    else                                                                       \
      (head) = (node)->next;                                                   \
    if ((node)->next)                                                          \
      (node)->next->prev = (node)->prev;                                       \
    else                                                                       \
      (tail) = (node)->prev;                                                   \
    (node)->prev = (node)->next = NULL;                                        \
  } while (0)

#endif
