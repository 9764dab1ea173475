// rabbitmq-c 0.11 (Debian librabbitmq-dev): the AMQP client and its TCP socket.
#include <amqp.h>
#include <amqp_tcp_socket.h>
