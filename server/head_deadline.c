/*
 * head_deadline.c - close connections that do not send a whole request head
 * in time (see head_deadline.h).
 */
#include "head_deadline.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "error.h"

#define SWEEP_INTERVAL_NS 250000000L

struct head_watch {
    int fd;
    double deadline; /* monotonic seconds; 0 = disarmed */
    struct head_watch *prev, *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct head_watch *watches;
static bool running;
static pthread_t sweeper;
static atomic_long expired;

/* What a client that was too slow reads (if it still reads), before the close. */
static const char timeout_body[] =
    "{\"type\":\"urn:strata:problem:request_timeout\",\"title\":\"Request timeout\","
    "\"status\":408,\"detail\":\"the request head did not arrive within --header-timeout; "
    "send the whole head at once\",\"code\":\"request_timeout\"}";
static char timeout_answer[512];
static size_t timeout_answer_len;

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Close every connection past its deadline; called with the lock held. */
static void sweep(double now)
{
    for (struct head_watch *w = watches; w; w = w->next) {
        if (w->deadline == 0 || now < w->deadline)
            continue;
        w->deadline = 0;
        (void)!send(w->fd, timeout_answer, timeout_answer_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        shutdown(w->fd, SHUT_RDWR);
        atomic_fetch_add(&expired, 1);
    }
}

static void *sweeper_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    while (running) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += SWEEP_INTERVAL_NS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&wake, &lock, &until);
        if (running)
            sweep(now_seconds());
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int head_deadline_start(void)
{
    int n = snprintf(timeout_answer, sizeof(timeout_answer),
                     "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                     "Content-Type: application/problem+json; charset=utf-8\r\n"
                     "Cache-Control: no-store\r\nContent-Length: %zu\r\n\r\n%s",
                     sizeof(timeout_body) - 1, timeout_body);

    timeout_answer_len = n > 0 && (size_t)n < sizeof(timeout_answer) ? (size_t)n : 0;
    pthread_mutex_lock(&lock);
    running = true;
    pthread_mutex_unlock(&lock);
    if (pthread_create(&sweeper, NULL, sweeper_main, NULL) != 0) {
        running = false;
        return STRATA_ENOMEM;
    }
    return STRATA_OK;
}

void head_deadline_stop(void)
{
    pthread_mutex_lock(&lock);
    if (!running) {
        pthread_mutex_unlock(&lock);
        return;
    }
    running = false;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(sweeper, NULL);
}

struct head_watch *head_deadline_watch(int fd)
{
    struct head_watch *w = calloc(1, sizeof(*w));

    if (!w)
        return NULL;
    w->fd = fd;
    pthread_mutex_lock(&lock);
    w->next = watches;
    if (watches)
        watches->prev = w;
    watches = w;
    pthread_mutex_unlock(&lock);
    return w;
}

void head_deadline_arm(struct head_watch *w, double seconds)
{
    double deadline = now_seconds() + seconds;

    if (!w)
        return;
    pthread_mutex_lock(&lock);
    w->deadline = deadline > 0 ? deadline : 1e-9;
    pthread_mutex_unlock(&lock);
}

void head_deadline_disarm(struct head_watch *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&lock);
    w->deadline = 0;
    pthread_mutex_unlock(&lock);
}

void head_deadline_forget(struct head_watch *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&lock);
    if (w->prev)
        w->prev->next = w->next;
    else
        watches = w->next;
    if (w->next)
        w->next->prev = w->prev;
    pthread_mutex_unlock(&lock);
    free(w);
}

long head_deadline_expired(void)
{
    return atomic_load(&expired);
}
