/*
 * head_deadline.h - a deadline for receiving a whole request head.
 *
 * libmicrohttpd's idle timeout restarts with every byte received, so a
 * client that sends its request head one byte every few seconds holds its
 * connection for ever. Each connection gets a watch: armed while a request
 * head is awaited, disarmed once the head is complete. A sweeper thread
 * closes every connection whose armed deadline has passed (shutdown() of its
 * socket after a short 408; libmicrohttpd then sees the close and cleans up).
 *
 * Thread safety: all functions may be called from any thread. A watch must
 * be freed (head_deadline_forget) before its socket is closed: the sweeper
 * only touches sockets of watches still registered. libmicrohttpd 0.9.75
 * reports a closed connection (MHD_CONNECTION_NOTIFY_CLOSED) before it
 * closes the socket, which is where http.c forgets the watch.
 */
#ifndef STRATA_HEAD_DEADLINE_H
#define STRATA_HEAD_DEADLINE_H

#include <stdbool.h>

struct head_watch;

/* Start the sweeper (checks about four times a second); 0 or an error code. */
int head_deadline_start(void);
/* Stop the sweeper and wait for it; watches stay registered. */
void head_deadline_stop(void);

/* Register the connection on socket fd; NULL when out of memory (then not watched). */
struct head_watch *head_deadline_watch(int fd);
/* Close the connection unless a head is complete within seconds from now. */
void head_deadline_arm(struct head_watch *w, double seconds);
/* A head is complete: no deadline until the next arm. */
void head_deadline_disarm(struct head_watch *w);
/* Unregister and free (NULL is a no-op); call before the socket is closed. */
void head_deadline_forget(struct head_watch *w);

/* Connections closed by the sweeper since start. */
long head_deadline_expired(void);

#endif
