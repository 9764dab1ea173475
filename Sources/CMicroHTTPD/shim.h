// libmicrohttpd 0.9.75 (Debian libmicrohttpd-dev), with the socket types its header needs.
#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <microhttpd.h>
