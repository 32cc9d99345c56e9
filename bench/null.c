/*
 * null: the FastCGI ceiling for `make bench`.
 *
 * A multithreaded responder over libfcgi that runs nothing: each request's
 * body is drained and a fixed answer is written, chosen by the suffix of
 * SCRIPT_NAME (or DOCUMENT_URI):
 *
 *   .../hello  "Hello, world!\n" (text/plain)
 *   .../page   the "page" workload's HTML, rendered once at start-up
 *   .../post   the length of the request body, as text
 *
 * Whatever a real application server does on top of this is its own cost.
 *
 *   usage: null SOCKET-PATH [THREADS]     (THREADS defaults to 4)
 *
 * Every thread blocks in FCGX_Accept_r on the one listening socket; the
 * kernel hands each new connection to one of them (Linux needs no accept()
 * serialization). libfcgi honours FCGI_KEEP_CONN but does not multiplex.
 */
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE_ROWS 50

static const char hello_response[] = "Content-Type: text/plain\r\n\r\nHello, world!\n";

static char page_response[8192];
static int page_response_length;

static int listen_socket;

/* The same HTML as bench/lua/page.lua with its counter at 1. */
static void render_page(void)
{
    char *out = page_response;
    char *end = page_response + sizeof page_response;

    out += snprintf(out, end - out,
        "Content-Type: text/html\r\n\r\n"
        "<!DOCTYPE html>\n"
        "<html><head><title>luafcgid bench</title></head><body>\n"
        "<h1>Squares</h1>\n"
        "<p>Request 1 of this process.</p>\n"
        "<table>\n"
        "<tr><th>n</th><th>name</th><th>square</th></tr>\n");
    for (int i = 1; i <= PAGE_ROWS; i++) {
        out += snprintf(out, end - out,
            "<tr><td>%d</td><td>item %d</td><td>%d</td></tr>\n", i, i, i * i);
    }
    out += snprintf(out, end - out, "</table>\n</body></html>\n");
    page_response_length = (int)(out - page_response);
}

static int ends_with(const char *string, const char *suffix)
{
    size_t length = strlen(string), suffix_length = strlen(suffix);
    return length >= suffix_length && strcmp(string + length - suffix_length, suffix) == 0;
}

/* Reads the request body to its end; returns its length. */
static long drain(FCGX_Stream *in)
{
    char buffer[16384];
    long total = 0;
    int n;
    while ((n = FCGX_GetStr(buffer, sizeof buffer, in)) > 0) {
        total += n;
    }
    return total;
}

static void respond(FCGX_Request *request)
{
    const char *name = FCGX_GetParam("SCRIPT_NAME", request->envp);
    if (name == NULL) {
        name = FCGX_GetParam("DOCUMENT_URI", request->envp);
    }
    if (name == NULL) {
        name = "";
    }
    long length = drain(request->in);

    if (ends_with(name, "/page")) {
        FCGX_PutStr(page_response, page_response_length, request->out);
    } else if (ends_with(name, "/post")) {
        FCGX_FPrintF(request->out, "Content-Type: text/plain\r\n\r\n%ld\n", length);
    } else if (ends_with(name, "/hello")) {
        FCGX_PutStr(hello_response, sizeof hello_response - 1, request->out);
    } else {
        FCGX_FPrintF(request->out, "Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nno workload '%s'\n", name);
    }
}

static void *serve(void *unused)
{
    (void)unused;
    FCGX_Request request;
    if (FCGX_InitRequest(&request, listen_socket, 0) != 0) {
        fprintf(stderr, "null: FCGX_InitRequest failed\n");
        return NULL;
    }
    while (FCGX_Accept_r(&request) >= 0) {
        respond(&request);
        FCGX_Finish_r(&request);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s SOCKET-PATH [THREADS]\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];
    int threads = argc == 3 ? atoi(argv[2]) : 4;
    if (threads < 1) {
        fprintf(stderr, "null: THREADS must be at least 1\n");
        return 2;
    }

    render_page();
    if (FCGX_Init() != 0) {
        fprintf(stderr, "null: FCGX_Init failed\n");
        return 1;
    }
    /* libfcgi catches SIGTERM to "finish the current request"; but a thread
     * blocked in accept() never sees the flag. The default action ends it. */
    signal(SIGTERM, SIG_DFL);
    unlink(path);
    listen_socket = FCGX_OpenSocket(path, 128);
    if (listen_socket < 0) {
        fprintf(stderr, "null: cannot listen on %s\n", path);
        return 1;
    }
    /* Any web server user may connect, like luafcgid with socketmode "0666". */
    chmod(path, 0666);

    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&ids[i], NULL, serve, NULL) != 0) {
            fprintf(stderr, "null: cannot start thread %d\n", i);
            return 1;
        }
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(ids[i], NULL);
    }
    free(ids);
    return 0;
}
