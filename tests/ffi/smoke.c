/* The C ABI from C: every request kind, the hostile inputs, 16 threads at once, and
 * sshts_run_with_progress on requests that are not fleet runs (no callback calls; the
 * fleet itself is tested through ctypes against the ARM stand-in, tests/ffi).
 *
 *   smoke        all cases (exit 0 when every one holds)
 *   smoke leak   a few calls, for valgrind's leak check
 *
 * Built and run by rust/ffi/tests/c_abi.rs against the freshly built library. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh_troubleshoot.h"

static int failures = 0;

#define CHECK(cond, what)                                                  \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, what); \
            failures++;                                                    \
        }                                                                  \
    } while (0)

/* An answer is a JSON object: it opens with '{', closes with '}' and is a report
 * (schemaVersion) or an error object. */
static int is_object(const char *answer) {
    size_t n;
    if (answer == NULL) return 0;
    n = strlen(answer);
    return n >= 2 && answer[0] == '{' && answer[n - 1] == '}' &&
           (strstr(answer, "\"schemaVersion\"") != NULL || strstr(answer, "\"error\"") != NULL);
}

static int is_error(const char *answer, const char *code) {
    char needle[96];
    snprintf(needle, sizeof needle, "\"code\":\"%s\"", code);
    return is_object(answer) && strncmp(answer, "{\"error\":", 9) == 0 &&
           (code[0] == '\0' || strstr(answer, needle) != NULL);
}

static int is_report(const char *answer) {
    return is_object(answer) && strstr(answer, "\"schemaVersion\":1") != NULL &&
           strstr(answer, "\"findings\"") != NULL;
}

/* Runs `request` and checks the answer with `ok`, naming the case on failure. */
static void expect(const char *name, const char *request, int (*ok)(const char *)) {
    char *answer = sshts_run(request);
    if (!ok(answer)) {
        fprintf(stderr, "FAIL %s: %.300s\n", name, answer ? answer : "(NULL)");
        failures++;
    }
    sshts_free(answer);
}

static int invalid_request(const char *a) { return is_error(a, "invalid-request"); }
static int too_large(const char *a) { return is_error(a, "request-too-large"); }
static int report_or_error(const char *a) { return is_report(a) || is_error(a, ""); }

static int catalogue(const char *a) {
    return is_report(a) && strstr(a, "client-binaries-not-found") != NULL;
}

static int explained(const char *a) {
    return is_report(a) && strstr(a, "\"explained\"") != NULL &&
           strstr(a, "provider-not-registered") != NULL;
}

static int fix_unknown(const char *a) {
    /* The core answers a report saying the fix was not applied, or an error object. */
    return is_report(a) || is_error(a, "invalid-request");
}

#define CHECKS "{\"schemaVersion\":1,\"command\":\"checks\",\"client\":\"standalone\"}"
#define DIAGNOSE                                                                           \
    "{\"schemaVersion\":1,\"command\":\"diagnose\",\"client\":\"powershell\",\"offline\":true," \
    "\"explain\":\"(MissingSubscriptionRegistration) The subscription is not registered to " \
    "use namespace 'Microsoft.HybridConnectivity'.\"}"
#define APPLY_FIXES                                                                     \
    "{\"schemaVersion\":1,\"command\":\"apply-fixes\",\"client\":\"standalone\",\"offline\":true," \
    "\"fixes\":[\"no-such-fix\"]}"
#define DISABLE_SSH "{\"schemaVersion\":1,\"command\":\"disable-ssh\",\"client\":\"standalone\"}"
#define SERVER "{\"schemaVersion\":1,\"command\":\"server\",\"client\":\"standalone\"}"

static void request_kinds(void) {
    expect("checks", CHECKS, catalogue);
    expect("diagnose offline + explain", DIAGNOSE, explained);
    expect("apply-fixes with an unknown fix id", APPLY_FIXES, fix_unknown);
    expect("disable-ssh without a target", DISABLE_SSH, report_or_error);
    expect("server", SERVER, is_report);
    expect("unknown command", "{\"schemaVersion\":1,\"command\":\"reboot\"}", invalid_request);
}

static void hostile_inputs(void) {
    static const char bad_utf8[] = {'{', '"', 'c', 'o', 'm', 'm', 'a', 'n', 'd', '"', ':', '"',
                                    (char)0xff, (char)0xfe, '"', '}', '\0'};
    char *answer = sshts_run(NULL);
    CHECK(is_error(answer, "invalid-request"), "NULL gives an invalid-request error");
    sshts_free(answer);

    expect("invalid UTF-8", bad_utf8, invalid_request);
    expect("invalid JSON", "{\"schemaVersion\": 1, \"command\": ", invalid_request);
    expect("not an object", "[1, 2, 3]", invalid_request);
    expect("empty string", "", invalid_request);

    sshts_free(NULL);
}

static void huge_request(void) {
    const size_t size = 50u * 1000u * 1000u;
    char *request = malloc(size + 1);
    CHECK(request != NULL, "malloc 50 MB");
    if (request == NULL) return;
    memset(request, ' ', size);
    memcpy(request, "{\"explain\":\"", 12);
    memset(request + 12, 'x', size - 14);
    memcpy(request + size - 2, "\"}", 2);
    request[size] = '\0';
    expect("a 50 MB request", request, too_large);
    free(request);
}

static void count_calls(uint64_t done, uint64_t total, void *context) {
    (void)done;
    (void)total;
    ++*(int *)context;
}

/* Not a fleet run, or no callback: the answer sshts_run gives, and no call. */
static void with_progress(void) {
    SshtsProgressFn progress = count_calls;
    int calls = 0;
    char *answer = sshts_run_with_progress(DIAGNOSE, progress, &calls);
    CHECK(explained(answer), "with progress, diagnose offline + explain is a report");
    sshts_free(answer);
    answer = sshts_run_with_progress(CHECKS, NULL, NULL);
    CHECK(catalogue(answer), "a NULL callback gives the catalogue");
    sshts_free(answer);
    answer = sshts_run_with_progress(NULL, progress, &calls);
    CHECK(is_error(answer, "invalid-request"), "with progress, NULL gives invalid-request");
    sshts_free(answer);
    answer = sshts_run_with_progress("{not json", progress, &calls);
    CHECK(is_error(answer, "invalid-request"), "with progress, bad JSON gives invalid-request");
    sshts_free(answer);
    CHECK(calls == 0, "no progress call for a request that is not a fleet run");
}

#define THREADS 16
#define CALLS_PER_THREAD 4

static void *worker(void *arg) {
    static const char *const requests[] = {CHECKS, DIAGNOSE, "{not json", SERVER};
    long id = (long)(intptr_t)arg;
    long bad = 0;
    int i;
    for (i = 0; i < CALLS_PER_THREAD; i++) {
        char *answer = sshts_run(requests[(id + i) % 4]);
        if (!is_object(answer)) bad++;
        sshts_free(answer);
        if (sshts_abi_version() != 1) bad++;
    }
    return (void *)(intptr_t)bad;
}

static void threads(void) {
    pthread_t tids[THREADS];
    long i;
    for (i = 0; i < THREADS; i++)
        CHECK(pthread_create(&tids[i], NULL, worker, (void *)(intptr_t)i) == 0, "pthread_create");
    for (i = 0; i < THREADS; i++) {
        void *bad = NULL;
        CHECK(pthread_join(tids[i], &bad) == 0, "pthread_join");
        CHECK(bad == NULL, "every answer from every thread is a JSON object");
    }
}

static int cancelled_report(const char *a) {
    return is_report(a) && strstr(a, "\"cancelled\":true") != NULL &&
           strstr(a, "\"status\":\"incomplete\"") != NULL;
}

/* Cancellation handles: NULL everywhere, a handle fired before the run (the run
 * answers a cancelled report), fired twice, freed after the run; a NULL handle runs
 * as sshts_run. (Cancelling from another thread mid-run: tests/ffi, against ARM.) */
static void cancellation(void) {
    SshtsCancel *cancel = sshts_cancel_new();
    char *answer;
    CHECK(cancel != NULL, "sshts_cancel_new gives a handle");
    sshts_cancel(NULL);
    sshts_cancel_free(NULL);
    answer = sshts_run_cancellable(DIAGNOSE, NULL, NULL, NULL);
    CHECK(explained(answer), "a NULL handle: the plain run");
    sshts_free(answer);
    sshts_cancel(cancel);
    sshts_cancel(cancel);
    answer = sshts_run_cancellable(DIAGNOSE, NULL, NULL, cancel);
    CHECK(cancelled_report(answer), "a fired handle: a cancelled report");
    sshts_free(answer);
    answer = sshts_run_cancellable(NULL, NULL, NULL, cancel);
    CHECK(is_error(answer, "invalid-request"), "a NULL request with a handle");
    sshts_free(answer);
    sshts_cancel_free(cancel);
}

int main(int argc, char **argv) {
    int leak_mode = argc > 1 && strcmp(argv[1], "leak") == 0;

    CHECK(sshts_abi_version() == 1, "sshts_abi_version() is 1");
    CHECK(sshts_abi_version() == SSHTS_ABI_VERSION, "the header and the library agree");

    if (leak_mode) {
        expect("checks", CHECKS, catalogue);
        expect("diagnose offline + explain", DIAGNOSE, explained);
        expect("server", SERVER, is_report);
        expect("invalid JSON", "{", invalid_request);
        hostile_inputs();
        with_progress();
        cancellation();
    } else {
        request_kinds();
        hostile_inputs();
        with_progress();
        huge_request();
        threads();
        cancellation();
    }

    if (failures != 0) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("smoke: all checks passed (%s mode)\n", leak_mode ? "leak" : "full");
    return 0;
}
