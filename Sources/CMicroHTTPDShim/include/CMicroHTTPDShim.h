#ifndef MONOMYTH_CMICROHTTPDSHIM_H
#define MONOMYTH_CMICROHTTPDSHIM_H

#include <stdint.h>
#include <netinet/in.h>
#include <microhttpd.h>

/// Starts a daemon listening on `address` (port 0: any free port) with an
/// internal pool of `threads` threads, each calling `handler` with `cls`.
/// Swift cannot call the variadic `MHD_start_daemon`. NULL if it cannot listen.
struct MHD_Daemon *monomyth_mhd_start(const struct sockaddr_in *address, unsigned int threads,
                                      MHD_AccessHandlerCallback handler, void *cls);

/// The port the daemon listens on (the variadic `MHD_get_daemon_info`); 0 if unknown.
uint16_t monomyth_mhd_port(struct MHD_Daemon *daemon);

#endif
