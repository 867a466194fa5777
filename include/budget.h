/*
 * budget.h - how long a request may run, and whether anyone still waits for it.
 *
 * http.c gives every request a budget: a deadline (--request-timeout after
 * the handler starts), the client's socket, and the process-wide stop switch
 * (budget_cancel_all at the drain deadline and at shutdown). While the
 * handler runs, the budget is the calling thread's current one
 * (budget_enter/budget_leave), so that the store can find it without every
 * query function taking it as an argument: the store installs
 * budget_check() as SQLite's progress handler on the connection it borrows,
 * and a statement that runs past the budget fails (SQLITE_INTERRUPT).
 *
 * The state a check finds is sticky: once a check has said the budget is
 * spent, the request's results may be truncated, and http.c answers with a
 * problem instead (budget_problem): 400 query_too_broad when the request
 * itself is what costs (it had the CPU for at least half its time, or no
 * other handler was running when it expired), 503 deadline_exceeded with
 * Retry-After when it was mostly waiting for a CPU while other requests ran
 * (the server is busy), 503 when the process is stopping. A request whose
 * client has gone gets the same answer, which nobody reads.
 */
#ifndef STRATA_BUDGET_H
#define STRATA_BUDGET_H

#include <stdbool.h>
#include <time.h>

#include "problem.h"

enum budget_state {
    BUDGET_OK = 0,      /* keep going */
    BUDGET_EXPIRED,     /* past the deadline */
    BUDGET_CLIENT_GONE, /* the client closed its connection */
    BUDGET_CANCELLED,   /* the process is stopping (budget_cancel_all) */
};

struct budget {
    struct timespec started;     /* CLOCK_MONOTONIC when the budget began */
    struct timespec deadline;    /* CLOCK_MONOTONIC; tv_sec 0: none */
    struct timespec cpu_started; /* the thread's CPU clock when the budget began */
    struct timespec next_poll;   /* when to look at the client's socket again */
    int client_fd;               /* -1: not watched */
    unsigned timeout_ms;         /* 0: no deadline */
    enum budget_state state;     /* sticky once not BUDGET_OK */
    bool alone;                  /* no other handler ran when it expired */
};

/*
 * Start a budget now: timeout_ms milliseconds (0: no deadline) for a request
 * on socket client_fd (-1: none to watch). Must be called on the thread that
 * does the work (the CPU clock is the thread's).
 */
void budget_init(struct budget *b, unsigned timeout_ms, int client_fd);

/*
 * Is there time left? Cheap (a clock read; the socket is polled at most
 * every BUDGET_POLL_MS): called from SQLite's progress handler. NULL is OK.
 */
enum budget_state budget_check(struct budget *b);

#define BUDGET_POLL_MS 10

/* The state the last check found (BUDGET_OK for NULL). */
enum budget_state budget_state(const struct budget *b);

/* Make b the calling thread's current budget (counted as a running handler). */
void budget_enter(struct budget *b);
/* Clear the calling thread's current budget (after budget_enter). */
void budget_leave(void);
/* The calling thread's current budget, or NULL. */
struct budget *budget_current(void);

/*
 * Spend every budget, now and from now on: running statements stop at their
 * next progress check. Called when the drain deadline passes and at shutdown.
 */
void budget_cancel_all(void);
/* Has budget_cancel_all() been called? */
bool budget_all_cancelled(void);

/*
 * Describe a spent budget as a problem (see the header comment); false (p
 * untouched) when b is still BUDGET_OK.
 */
bool budget_problem(const struct budget *b, struct problem *p);

#endif
