/*
 * budget.c - per-request deadlines and cancellation (see budget.h).
 *
 * A check reads the monotonic clock (vDSO, tens of nanoseconds) and, every
 * BUDGET_POLL_MS, polls the client's socket for a hang-up: SQLite calls it
 * every few thousand virtual-machine steps, so it must stay cheap.
 */
#include "budget.h"

#include <poll.h>
#include <stdatomic.h>
#include <stddef.h>

static atomic_bool cancelled_all;
static atomic_int running; /* threads between budget_enter and budget_leave */
static _Thread_local struct budget *current;

static void add_ms(struct timespec *t, unsigned ms)
{
    t->tv_sec += (time_t)(ms / 1000);
    t->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

static bool reached(const struct timespec *now, const struct timespec *t)
{
    return now->tv_sec > t->tv_sec || (now->tv_sec == t->tv_sec && now->tv_nsec >= t->tv_nsec);
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void budget_init(struct budget *b, unsigned timeout_ms, int client_fd)
{
    clock_gettime(CLOCK_MONOTONIC, &b->started);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b->cpu_started);
    b->deadline = b->started;
    add_ms(&b->deadline, timeout_ms);
    b->next_poll = b->started;
    add_ms(&b->next_poll, BUDGET_POLL_MS);
    b->client_fd = client_fd;
    b->timeout_ms = timeout_ms;
    b->state = BUDGET_OK;
    b->alone = true;
}

/* Has the peer hung up? A readable socket with data pending is not a hang-up. */
static bool client_gone(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLRDHUP, .revents = 0};

    if (poll(&p, 1, 0) != 1)
        return false;
    return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

enum budget_state budget_check(struct budget *b)
{
    struct timespec now;

    if (!b)
        return atomic_load_explicit(&cancelled_all, memory_order_relaxed) ? BUDGET_CANCELLED
                                                                          : BUDGET_OK;
    if (b->state != BUDGET_OK)
        return b->state;
    if (atomic_load_explicit(&cancelled_all, memory_order_relaxed)) {
        b->state = BUDGET_CANCELLED;
        return b->state;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (b->timeout_ms && reached(&now, &b->deadline)) {
        b->state = BUDGET_EXPIRED;
        b->alone = atomic_load(&running) <= 1;
    } else if (b->client_fd >= 0 && reached(&now, &b->next_poll)) {
        b->next_poll = now;
        add_ms(&b->next_poll, BUDGET_POLL_MS);
        if (client_gone(b->client_fd))
            b->state = BUDGET_CLIENT_GONE;
    }
    return b->state;
}

enum budget_state budget_state(const struct budget *b)
{
    return b ? b->state : BUDGET_OK;
}

void budget_enter(struct budget *b)
{
    current = b;
    atomic_fetch_add(&running, 1);
}

void budget_leave(void)
{
    current = NULL;
    atomic_fetch_sub(&running, 1);
}

struct budget *budget_current(void)
{
    return current;
}

void budget_cancel_all(void)
{
    atomic_store(&cancelled_all, true);
}

bool budget_all_cancelled(void)
{
    return atomic_load(&cancelled_all);
}

bool budget_problem(const struct budget *b, struct problem *p)
{
    struct timespec cpu;
    double used;

    if (!b || b->state == BUDGET_OK)
        return false;
    if (b->state == BUDGET_CANCELLED) {
        problem_set(p, PROBLEM_UNAVAILABLE,
                    "the server is stopping and cancelled this request; retry on another instance");
        return true;
    }
    if (b->state == BUDGET_CLIENT_GONE) {
        problem_set(p, PROBLEM_UNAVAILABLE, "the client closed the connection; the work stopped");
        return true;
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
    used = seconds_between(&b->cpu_started, &cpu);
    /* it had the CPU for half its time, or nothing else ran: the query is what costs */
    if (b->alone || used * 1000.0 * 2 >= (double)b->timeout_ms) {
        problem_set(p, PROBLEM_QUERY_TOO_BROAD,
                    "the request needs more than the %u ms a request may take "
                    "(--request-timeout); narrow it: longer prefixes, fewer OR terms, "
                    "a type= or a smaller limit",
                    b->timeout_ms);
        return true;
    }
    problem_set(p, PROBLEM_DEADLINE,
                "the server is busy: the request did not finish within %u ms "
                "(--request-timeout); retry later",
                b->timeout_ms);
    return true;
}
