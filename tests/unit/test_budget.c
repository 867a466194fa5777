/*
 * Unit tests for budget.c: a budget without a deadline never expires, one
 * with a deadline expires once it has passed and stays expired; a closed
 * peer is seen by the socket poll; the current budget is per thread;
 * budget_problem describes each state (400 too broad when the request ran
 * alone, 503 when stopping). budget_cancel_all is sticky, so it runs last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "budget.h"

static void sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static void no_deadline_never_expires(void **state)
{
    struct budget b;
    struct problem p;

    (void)state;
    budget_init(&b, 0, -1);
    sleep_ms(5);
    assert_int_equal(budget_check(&b), BUDGET_OK);
    assert_int_equal(budget_state(&b), BUDGET_OK);
    assert_false(budget_problem(&b, &p));
    assert_int_equal(budget_check(NULL), BUDGET_OK);
    assert_int_equal(budget_state(NULL), BUDGET_OK);
}

static void a_deadline_expires_and_stays_expired(void **state)
{
    struct budget b;
    struct problem p;

    (void)state;
    budget_init(&b, 20, -1);
    assert_int_equal(budget_check(&b), BUDGET_OK);
    sleep_ms(30);
    assert_int_equal(budget_check(&b), BUDGET_EXPIRED);
    assert_int_equal(budget_check(&b), BUDGET_EXPIRED);
    /* no other handler ran: the request alone is what costs */
    memset(&p, 0, sizeof(p));
    assert_true(budget_problem(&b, &p));
    assert_int_equal(p.code, PROBLEM_QUERY_TOO_BROAD);
    assert_non_null(strstr(p.detail, "20 ms"));
}

static void busy_server_is_a_503(void **state)
{
    struct budget b, other;
    struct problem p;

    (void)state;
    budget_init(&b, 10, -1);
    budget_enter(&other); /* another handler is running (and this one too) */
    budget_enter(&b);
    sleep_ms(20); /* asleep, not on the CPU */
    assert_int_equal(budget_check(&b), BUDGET_EXPIRED);
    budget_leave();
    budget_leave();
    memset(&p, 0, sizeof(p));
    assert_true(budget_problem(&b, &p));
    assert_int_equal(p.code, PROBLEM_DEADLINE);
}

static void a_closed_peer_is_seen(void **state)
{
    int fds[2];
    struct budget b;
    struct problem p;

    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    budget_init(&b, 0, fds[0]);
    sleep_ms(BUDGET_POLL_MS + 2);
    assert_int_equal(budget_check(&b), BUDGET_OK);
    /* data pending is not a hang-up */
    assert_int_equal(write(fds[1], "x", 1), 1);
    sleep_ms(BUDGET_POLL_MS + 2);
    assert_int_equal(budget_check(&b), BUDGET_OK);
    close(fds[1]);
    sleep_ms(BUDGET_POLL_MS + 2);
    assert_int_equal(budget_check(&b), BUDGET_CLIENT_GONE);
    memset(&p, 0, sizeof(p));
    assert_true(budget_problem(&b, &p));
    assert_int_equal(p.code, PROBLEM_UNAVAILABLE);
    close(fds[0]);
}

static void the_current_budget_is_the_threads(void **state)
{
    struct budget b;

    (void)state;
    assert_null(budget_current());
    budget_init(&b, 0, -1);
    budget_enter(&b);
    assert_ptr_equal(budget_current(), &b);
    budget_leave();
    assert_null(budget_current());
}

static void cancel_all_spends_every_budget(void **state)
{
    struct budget b;
    struct problem p;

    (void)state;
    budget_init(&b, 0, -1);
    assert_false(budget_all_cancelled());
    budget_cancel_all();
    assert_true(budget_all_cancelled());
    assert_int_equal(budget_check(&b), BUDGET_CANCELLED);
    assert_int_equal(budget_check(NULL), BUDGET_CANCELLED);
    memset(&p, 0, sizeof(p));
    assert_true(budget_problem(&b, &p));
    assert_int_equal(p.code, PROBLEM_UNAVAILABLE);
    assert_non_null(strstr(p.detail, "stopping"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_deadline_never_expires),
        cmocka_unit_test(a_deadline_expires_and_stays_expired),
        cmocka_unit_test(busy_server_is_a_503),
        cmocka_unit_test(a_closed_peer_is_seen),
        cmocka_unit_test(the_current_budget_is_the_threads),
        cmocka_unit_test(cancel_all_spends_every_budget), /* last: it is sticky */
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
