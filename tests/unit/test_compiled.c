/*
 * Unit tests for the compiled model file (store_export, store_open_file):
 * what a compiled file holds, and a corpus of bad files made from a good one
 * (truncated, corrupted, foreign, another format, switched to WAL, written
 * to after the seal, a forged seal over a changed article, a missing table),
 * each refused with the file's name and the check that failed.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "error.h"
#include "store.h"

#include "fixture.h"

static char good[] = "/tmp/strata-good-XXXXXX";
static struct model *model;

static int setup(void **state)
{
    struct store *built = NULL;
    struct store_error error;
    int fd = mkstemp(good);

    (void)state;
    if (fd < 0 || fixture_open_valid(&model, &built) != 0)
        return -1;
    close(fd);
    if (store_export(built, good, &error) != 0) {
        fprintf(stderr, "export: %s\n", error.message);
        return -1;
    }
    store_free(built);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    model_free(model);
    unlink(good);
    return 0;
}

/* A copy of the good file (path filled in; the caller unlinks it). */
static void copy_good(char *path)
{
    char buf[65536];
    int in = open(good, O_RDONLY), out;
    ssize_t n;

    snprintf(path, 64, "/tmp/strata-bad-XXXXXX");
    out = mkstemp(path);
    assert_true(in >= 0 && out >= 0);
    while ((n = read(in, buf, sizeof(buf))) > 0)
        assert_int_equal(write(out, buf, (size_t)n), n);
    close(in);
    close(out);
}

/* Overwrite n bytes at offset of the file at path. */
static void patch(const char *path, off_t offset, const void *bytes, size_t n)
{
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, bytes, n, offset), (ssize_t)n);
    close(fd);
}

/* Run sql on the file with the sqlite3 library (as a user with the shell would). */
static void write_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_close(db);
}

/*
 * Run sql and forge the seal in the same transaction (what someone who knows
 * the format could do): the change counter checks pass, the next check must not.
 */
static void write_sealed(const char *path, const char *sql)
{
    unsigned char header[28];
    char all[600];
    int fd = open(path, O_RDONLY);

    assert_int_equal(pread(fd, header, sizeof(header), 0), (ssize_t)sizeof(header));
    close(fd);
    snprintf(all, sizeof(all),
             "BEGIN; %s; UPDATE strata_meta SET value = %u WHERE key = 'sealed'; COMMIT", sql,
             ((unsigned)header[24] << 24 | (unsigned)header[25] << 16 | (unsigned)header[26] << 8 |
              header[27]) +
                 1);
    write_sql(path, all);
}

/* The file at path is refused, err.file is path and the message contains want. */
static void refused(const char *path, bool full, const char *want)
{
    struct store *store = NULL;
    struct model *m = NULL;
    struct model_error err;
    int rc = store_open_file(path, full, &store, &m, &err);

    if (rc == 0)
        fail_msg("%s was opened; expected a refusal with \"%s\"", path, want);
    assert_null(store);
    assert_null(m);
    assert_string_equal(err.file, path);
    if (!strstr(err.message, want))
        fail_msg("refusal \"%s\" does not say \"%s\"", err.message, want);
}

static void good_file_opens(void **state)
{
    struct store *store = NULL;
    struct model *m = NULL;
    struct model_error err;
    cJSON *stats = NULL;
    (void)state;

    assert_true(store_is_file(good));
    assert_int_equal(store_open_file(good, true, &store, &m, &err), 0);
    assert_string_equal(m->version, model->version);
    assert_true(m->file_hash == model->file_hash);
    assert_int_equal(m->article_bytes, model->article_bytes);
    assert_int_equal(m->article_chars, model->article_chars);
    assert_memory_equal(m->article, model->article, model->article_bytes);
    assert_int_equal(m->paragraph_count, model->paragraph_count);
    for (size_t i = 0; i < m->paragraph_count; i++) {
        assert_int_equal(m->paragraphs[i].start, model->paragraphs[i].start);
        assert_int_equal(m->paragraphs[i].end, model->paragraphs[i].end);
    }
    assert_memory_equal(m->record_counts, model->record_counts, sizeof(m->record_counts));
    assert_true(cJSON_Compare(cJSON_GetObjectItem(m->root, "source"),
                              cJSON_GetObjectItem(model->root, "source"), true));
    assert_string_equal(m->model_path, good);
    assert_int_equal(store_stats(store, &stats), 0);
    cJSON_Delete(stats);
    /* a compiled store cannot be compiled again */
    assert_int_equal(store_export(store, "/tmp/strata-never", NULL), STRATA_EINVAL);
    assert_int_equal(access("/tmp/strata-never", F_OK), -1);
    store_free(store);
    model_free(m);
}

static void identity_is_recorded(void **state)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    (void)state;

    assert_int_equal(sqlite3_open_v2(good, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT (SELECT application_id FROM pragma_application_id), "
                           "(SELECT user_version FROM pragma_user_version), (SELECT "
                           "value FROM strata_meta WHERE key = 'version'), (SELECT "
                           "count(*) FROM docs WHERE NOT json_valid(doc))",
                           -1, &stmt, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), STORE_APPLICATION_ID);
    assert_int_equal(sqlite3_column_int(stmt, 1), STORE_FILE_FORMAT);
    assert_string_equal((const char *)sqlite3_column_text(stmt, 2), model->version);
    assert_int_equal(sqlite3_column_int(stmt, 3), 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

static void truncated_is_refused(void **state)
{
    char path[64];
    struct stat st;
    (void)state;

    copy_good(path);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(truncate(path, st.st_size / 2), 0);
    refused(path, false, "truncated: the header says");
    assert_int_equal(truncate(path, 50), 0);
    refused(path, false, "truncated: 50 bytes");
    assert_int_equal(truncate(path, 0), 0);
    refused(path, false, "truncated: 0 bytes");
    unlink(path);
}

static void corrupted_is_refused(void **state)
{
    static const char zeros[65536];
    char path[64];
    struct stat st;
    (void)state;

    copy_good(path);
    patch(path, 0, "SQLite format 4", 15);
    refused(path, false, "not an SQLite database");
    unlink(path);
    /* a whole page in the middle: every page is read (a small file, or full) */
    copy_good(path);
    assert_int_equal(stat(path, &st), 0);
    {
        unsigned char size[2];
        off_t page;
        int fd = open(path, O_RDONLY);
        assert_int_equal(pread(fd, size, 2, 16), 2);
        close(fd);
        page = size[0] << 8 | size[1];
        assert_true(page >= 512 && page <= (off_t)sizeof(zeros));
        patch(path, (st.st_size / page / 2) * page, zeros, (size_t)page);
    }
    refused(path, true, "corrupt");
    refused(path, false, "corrupt");
    unlink(path);
    /* the schema page */
    copy_good(path);
    patch(path, 100, zeros, 400);
    refused(path, false, "malformed");
    unlink(path);
}

static void foreign_is_refused(void **state)
{
    char path[] = "/tmp/strata-foreign-XXXXXX";
    int fd = mkstemp(path);
    (void)state;

    assert_true(fd >= 0);
    close(fd);
    write_sql(path, "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('hello')");
    refused(path, false, "not a Strata compiled model: application_id is 0x00000000");
    unlink(path);
    snprintf(path, sizeof(path), "/tmp/strata-json-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "{\"actors\": []}", 14), 14);
    close(fd);
    assert_false(store_is_file(path));
    refused(path, false, "truncated: 14 bytes");
    unlink(path);
    refused("/nonexistent/model.strata", false, "cannot open the compiled model");
    refused("/tmp", false, "not a regular file");
}

static void other_format_is_refused(void **state)
{
    static const unsigned char two[4] = {0, 0, 0, 2};
    char path[64];
    (void)state;

    copy_good(path);
    patch(path, 60, two, 4); /* user_version */
    refused(path, false, "format version 2, this strata reads format 1");
    unlink(path);
}

/* The same format number, other tables (a strata whose DDL changed): refused. */
static void other_tables_are_refused(void **state)
{
    char path[64];
    (void)state;

    copy_good(path);
    write_sealed(path, "UPDATE strata_meta SET value = '0123456789abcdef' WHERE key = 'schema'");
    refused(path, false, "compiled by a strata with other tables (schema 0123456789abcdef");
    unlink(path);
}

static void written_after_the_seal_is_refused(void **state)
{
    char path[64];
    (void)state;

    copy_good(path);
    write_sql(path, "UPDATE actors SET name = 'Someone else' WHERE rowid = 1");
    refused(path, false, "tampered: written after it was compiled");
    unlink(path);
    copy_good(path);
    write_sql(path, "PRAGMA journal_mode = WAL");
    refused(path, false, "tampered: the file was switched to WAL mode");
    unlink(path);
}

/* A write that forges the seal too: the version no longer hashes the article. */
static void forged_seal_is_refused(void **state)
{
    char path[64];
    (void)state;

    copy_good(path);
    write_sealed(path, "UPDATE strata_meta SET value = value || ' more' WHERE key = 'article'");
    refused(path, false, "tampered: the recorded model version");
    unlink(path);
    copy_good(path);
    write_sealed(path, "DROP TABLE claim_about");
    refused(path, false, "the table claim_about is missing");
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_file_opens),
        cmocka_unit_test(identity_is_recorded),
        cmocka_unit_test(truncated_is_refused),
        cmocka_unit_test(corrupted_is_refused),
        cmocka_unit_test(foreign_is_refused),
        cmocka_unit_test(other_format_is_refused),
        cmocka_unit_test(other_tables_are_refused),
        cmocka_unit_test(written_after_the_seal_is_refused),
        cmocka_unit_test(forged_seal_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
