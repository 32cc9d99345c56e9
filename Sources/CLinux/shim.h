// The Linux calls the workers' FastCGI I/O needs that Swift's Glibc module
// leaves out: epoll, eventfd and accept4.
//
// No _GNU_SOURCE here: it would change how the system headers define shared
// types (fd_set), and Swift refuses two modules that disagree on one. So
// accept4, which glibc declares only for _GNU_SOURCE, is declared by hand.
#ifndef CLINUX_SHIM_H
#define CLINUX_SHIM_H

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

extern int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);

/// Accepts a connection as a non-blocking, close-on-exec socket.
static inline int clinux_accept(int fd) {
    return accept4(fd, 0, 0, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

#endif
